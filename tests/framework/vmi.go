/*
Copyright The vmsnap Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package framework

import kubevirtv1 "kubevirt.io/api/core/v1"

// RunningVMI is the Running instance KubeVirt would make for vm, with a
// connected guest agent if withAgent, for tests that play virt-controller
// themselves (StartVM also sets the run strategy and fails the test on
// error).
func RunningVMI(vm *kubevirtv1.VirtualMachine, withAgent bool) *kubevirtv1.VirtualMachineInstance {
	return newRunningVMI(vm, withAgent)
}
