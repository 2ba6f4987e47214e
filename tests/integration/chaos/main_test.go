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

// Package chaos runs a seeded random workload of VM snapshots, disk
// snapshots, restores and deletions against two replicas of the built
// controller with leader election, while it SIGKILLs and SIGSTOPs the
// leader, restarts the kube-apiserver and makes the CSI driver slow and
// flaky. After quiescence it checks that nothing is stuck, locked, frozen
// or leaked, and that consistency is claimed only where it holds.
//
// VMSNAP_CHAOS_SEED replays a run (its seed is printed at the start and in
// every failure); VMSNAP_CHAOS_KILLS and VMSNAP_CHAOS_OPS size it. The
// defaults are small enough for every `make test`; `make chaos` runs a
// large one.
package chaos

import (
	"testing"

	"vmsnap.io/vmsnap/tests/framework"
)

func TestMain(m *testing.M) {
	// The test runs the built binary as two replicas; no in-process controller.
	framework.MainWithOptions(m, framework.Options{NoController: true})
}
