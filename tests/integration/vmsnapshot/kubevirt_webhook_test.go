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

package vmsnapshot

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"vmsnap.io/vmsnap/tests/fakevirtapi"
	"vmsnap.io/vmsnap/tests/framework"
)

// Holders the test names in the VM's status; nothing by these names exists,
// and KubeVirt's rules do not look.
const (
	webhookSnapshotHolder = "snapshot-by-hand"
	webhookRestoreHolder  = "restore-by-hand"
)

// KubeVirt's virt-api refuses some VM updates while a snapshot or a restore
// holds the VM. The test cluster's stand-in registers the same webhook for
// every suite; this proves it is live: the apiserver asks it, and its
// refusals reach the user with KubeVirt's messages.
func TestKubeVirtWebhookGuardsHeldVMs(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(1))

	// Unheld, the VM's volumes and run strategy change freely.
	requireVMUpdate(t, f, vm.Name, addContainerDisk, "")
	requireVMUpdate(t, f, vm.Name, setRunStrategy(kubevirtv1.RunStrategyAlways), "")

	f.UpdateVMStatus(vm.Name, func(st *kubevirtv1.VirtualMachineStatus) { st.SnapshotInProgress = ptr.To(webhookSnapshotHolder) })
	requireVMUpdate(t, f, vm.Name, removeContainerDisk,
		fmt.Sprintf("Cannot update vm disks or volumes until snapshot %q completes", webhookSnapshotHolder))
	requireVMUpdate(t, f, vm.Name, setRunStrategy(kubevirtv1.RunStrategyHalted),
		fmt.Sprintf("Cannot update vm running state until snapshot %q completes", webhookSnapshotHolder))
	requireVMUpdate(t, f, vm.Name, setLabel, "")

	f.UpdateVMStatus(vm.Name, func(st *kubevirtv1.VirtualMachineStatus) {
		st.SnapshotInProgress = nil
		st.RestoreInProgress = ptr.To(webhookRestoreHolder)
	})
	requireVMUpdate(t, f, vm.Name, setRunStrategy(kubevirtv1.RunStrategyHalted),
		fmt.Sprintf("Cannot update VM runStrategy until restore %q completes", webhookRestoreHolder))
	// A restore rewrites the volumes itself: only the run strategy is held.
	requireVMUpdate(t, f, vm.Name, removeContainerDisk, "")

	f.UpdateVMStatus(vm.Name, func(st *kubevirtv1.VirtualMachineStatus) { st.RestoreInProgress = nil })
	requireVMUpdate(t, f, vm.Name, addContainerDisk, "")
	requireVMUpdate(t, f, vm.Name, setRunStrategy(kubevirtv1.RunStrategyHalted), "")

	got := f.GetVM(vm.Name)
	if strategy := ptr.Deref(got.Spec.RunStrategy, ""); strategy != kubevirtv1.RunStrategyHalted {
		t.Errorf("vm %s: want runStrategy Halted after the last update; got %q", vm.Name, strategy)
	}
	if n := len(got.Spec.Template.Spec.Volumes); n != 2 {
		t.Errorf("vm %s: want 2 volumes after the last update; got %d", vm.Name, n)
	}
}

// requireVMUpdate updates the VM with mutate, as a user would, and checks
// that it passes (refusal "") or that the webhook refuses it with that
// message, as Invalid.
func requireVMUpdate(t *testing.T, f *framework.Framework, name string, mutate func(*kubevirtv1.VirtualMachine), refusal string) {
	t.Helper()
	err := updateVMOnce(f, name, mutate)
	switch {
	case refusal == "" && err != nil:
		t.Fatalf("vm %s: want the update to pass; got %v", name, err)
	case refusal == "":
		return
	case err == nil:
		t.Fatalf("vm %s: want the update refused with %q; it passed", name, refusal)
	}
	want := fmt.Sprintf("admission webhook %q denied the request: %s", fakevirtapi.VMValidatorWebhookName, refusal)
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), want) {
		t.Fatalf("vm %s: want an Invalid error %q; got %v (reason %s)", name, want, err, apierrors.ReasonForError(err))
	}
}

// updateVMOnce reads and writes the VM, again only on a conflict: a refusal
// must not be retried away.
func updateVMOnce(f *framework.Framework, name string, mutate func(*kubevirtv1.VirtualMachine)) error {
	const attempts = 5
	vms := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace)
	var err error
	for range attempts {
		var vm *kubevirtv1.VirtualMachine
		if vm, err = vms.Get(f.Context(), name, metav1.GetOptions{}); err != nil {
			return err
		}
		mutate(vm)
		if _, err = vms.Update(f.Context(), vm, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
			return err
		}
	}
	return err
}

func setRunStrategy(strategy kubevirtv1.VirtualMachineRunStrategy) func(*kubevirtv1.VirtualMachine) {
	return func(vm *kubevirtv1.VirtualMachine) { vm.Spec.RunStrategy = ptr.To(strategy) }
}

func setLabel(vm *kubevirtv1.VirtualMachine) {
	if vm.Labels == nil {
		vm.Labels = map[string]string{}
	}
	vm.Labels["vmsnap.io/webhook-test"] = "touched"
}

const webhookTestDisk = "scratch"

// addContainerDisk adds an ephemeral disk and its volume.
func addContainerDisk(vm *kubevirtv1.VirtualMachine) {
	spec := &vm.Spec.Template.Spec
	spec.Volumes = append(spec.Volumes, kubevirtv1.Volume{Name: webhookTestDisk, VolumeSource: kubevirtv1.VolumeSource{
		ContainerDisk: &kubevirtv1.ContainerDiskSource{Image: "registry.local/vmsnap-test/scratch:latest"},
	}})
	spec.Domain.Devices.Disks = append(spec.Domain.Devices.Disks, kubevirtv1.Disk{Name: webhookTestDisk,
		DiskDevice: kubevirtv1.DiskDevice{Disk: &kubevirtv1.DiskTarget{Bus: kubevirtv1.DiskBusVirtio}}})
}

// removeContainerDisk removes what addContainerDisk added.
func removeContainerDisk(vm *kubevirtv1.VirtualMachine) {
	spec := &vm.Spec.Template.Spec
	spec.Volumes = slices.DeleteFunc(spec.Volumes, func(v kubevirtv1.Volume) bool { return v.Name == webhookTestDisk })
	spec.Domain.Devices.Disks = slices.DeleteFunc(spec.Domain.Devices.Disks, func(d kubevirtv1.Disk) bool { return d.Name == webhookTestDisk })
}
