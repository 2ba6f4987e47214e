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
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/freeze"
	"vmsnap.io/vmsnap/tests/framework"
	"vmsnap.io/vmsnap/tests/framework/cluster"
)

// A VM deleted while its snapshot holds it and its disks are not yet cut
// (the CSI driver takes 6s to cut) stays until the cut: its source
// protection finalizer holds the deletion. Then it goes, and the snapshot
// completes from its content.
func TestDeletingAVMBeforeTheCutWaitsForTheCut(t *testing.T) {
	f := framework.New(t)
	slowCut := f.CreateVolumeSnapshotClass(map[string]string{"cutDelay": "6s"})
	vm := f.CreateVM("vm", framework.WithPVCDisks(1), framework.WithCloudInit())
	f.CreateSnapshot("snap", vm.Name, framework.WithSnapshotClass(cluster.StorageClassName, slowCut))
	f.WaitForSnapshot("snap", "content made, not yet cut", framework.DefaultTimeout, func(s *snapshotapi.VirtualMachineSnapshot) bool {
		return s.Status.VirtualMachineSnapshotContentName != nil && s.Status.CreationTime == nil
	})
	if live := f.GetVM(vm.Name); !slices.Contains(live.Finalizers, freeze.SourceProtection) {
		t.Fatalf("VM finalizers %v before the cut; want %s", live.Finalizers, freeze.SourceProtection)
	}

	if err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).Delete(f.Context(), vm.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	content := f.ContentOf(f.GetSnapshot("snap"))
	cut := func() bool {
		vss := f.VolumeSnapshotsOf(content)
		return len(vss) == 1 && vss[0].Status != nil && vss[0].Status.CreationTime != nil
	}
	f.Consistently("VirtualMachine "+vm.Name, "still there, being deleted, until the cut", 2*time.Second, func(ctx context.Context) (bool, string, error) {
		live, err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).Get(ctx, vm.Name, metav1.GetOptions{})
		switch {
		case cut():
			return true, "cut already", nil // the cut came within the window: nothing more to see
		case err != nil:
			return false, err.Error(), nil
		}
		return live.DeletionTimestamp != nil, fmt.Sprintf("deletionTimestamp %v", live.DeletionTimestamp), nil
	})

	snap := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	f.WaitForGone("VirtualMachine "+vm.Name, func(ctx context.Context) (string, error) {
		_, err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).Get(ctx, vm.Name, metav1.GetOptions{})
		return "still there", err
	})
	requireCompleteFromContent(t, f, snap)
}

// A VM deleted after the cut, while its VolumeSnapshots are still becoming
// ready (6s), goes at once, and the snapshot completes from its content:
// it does not fall back to Pending or lose its cuts at the deadline.
func TestDeletingAVMAfterTheCutCompletesTheSnapshot(t *testing.T) {
	f := framework.New(t)
	slowReady := f.CreateVolumeSnapshotClass(map[string]string{"readyDelay": "6s"})
	vm := f.CreateVM("vm", framework.WithPVCDisks(1), framework.WithCloudInit())
	f.CreateSnapshot("snap", vm.Name, framework.WithSnapshotClass(cluster.StorageClassName, slowReady), framework.FailureDeadline(time.Minute))
	f.WaitForSnapshot("snap", "cut, not yet ready", framework.DefaultTimeout, func(s *snapshotapi.VirtualMachineSnapshot) bool {
		return s.Status.CreationTime != nil && s.Status.Phase == snapshotapi.SnapshotInProgress
	})

	if err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).Delete(f.Context(), vm.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	f.WaitForGone("VirtualMachine "+vm.Name, func(ctx context.Context) (string, error) {
		live, err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).Get(ctx, vm.Name, metav1.GetOptions{})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("finalizers %v", live.Finalizers), nil
	})
	snap := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	requireCompleteFromContent(t, f, snap)
}

// requireCompleteFromContent checks a snapshot whose VM is gone: Ready and
// ready to use, its content holding the VM, the disk and the Secret copy.
func requireCompleteFromContent(t *testing.T, f *framework.Framework, snap *snapshotapi.VirtualMachineSnapshot) {
	t.Helper()
	if !ptr.Deref(snap.Status.ReadyToUse, false) || snap.Status.CreationTime == nil {
		t.Errorf("want Ready and ready to use; got %s", framework.DescribeSnapshot(snap))
	}
	content := f.ContentOf(snap)
	if content.Spec.Source.VirtualMachine == nil || len(content.Spec.VolumeBackups) != 1 || len(content.Spec.SecretBackups) != 1 {
		t.Errorf("content: VM %v, %d volume backups, %d Secret backups; want the VM, 1 and 1",
			content.Spec.Source.VirtualMachine != nil, len(content.Spec.VolumeBackups), len(content.Spec.SecretBackups))
	}
	for _, vs := range f.VolumeSnapshotsOf(content) {
		if !ptr.Deref(vs.Status.ReadyToUse, false) {
			t.Errorf("VolumeSnapshot %s not ready to use", vs.Name)
		}
	}
}
