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
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/tests/framework"
)

// A snapshot of a VM that does not exist yet waits for it, saying so, and
// is taken once the VM appears within the deadline.
func TestVMCreatedAfterItsSnapshot(t *testing.T) {
	f := framework.New(t)
	f.CreateSnapshot("snap", "late", framework.FailureDeadline(time.Minute))
	pending := f.WaitForSnapshotCondition("snap", snapshotapi.ConditionReady, metav1.ConditionFalse, "SourceNotFound", framework.DefaultTimeout)
	if pending.Status.Phase != snapshotapi.SnapshotPending {
		t.Errorf("want phase Pending while the VM is missing; got %s", framework.DescribeSnapshot(pending))
	}
	requireReadyMessageNames(t, pending, "late")

	vm := f.CreateVM("late", framework.WithPVCDisks(1))
	snap := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	if got := ptr.Deref(snap.Status.SourceUID, ""); got != vm.UID {
		t.Errorf("want sourceUID %s; got %q", vm.UID, got)
	}
	requireIncluded(t, snap, "disk0")
}

// While a snapshot is in progress its VM is marked with
// status.snapshotInProgress, as KubeVirt marks it; the mark goes at the end.
func TestVMMarkedWhileSnapshotInProgress(t *testing.T) {
	f := framework.New(t)
	// Snapshots that take 3s to become ready keep the snapshot InProgress.
	slowClass := f.CreateStorageClass(map[string]string{"readyDelay": "3s"})
	vm := f.CreateVM("vm", framework.WithPVCDisk("disk0", slowClass))
	f.CreateSnapshot("snap", vm.Name)

	f.Eventually("virtualmachine "+f.Namespace+"/"+vm.Name, "status.snapshotInProgress=snap while the snapshot is InProgress",
		framework.DefaultTimeout, func(ctx context.Context) (bool, string, error) {
			// The VM is read first: a snapshot still InProgress after that
			// read was InProgress during it.
			current, err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).Get(ctx, vm.Name, metav1.GetOptions{})
			if err != nil {
				return false, "", err
			}
			snap, err := f.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshots(f.Namespace).Get(ctx, "snap", metav1.GetOptions{})
			if err != nil {
				return false, "", err
			}
			seen := fmt.Sprintf("VM %s; snapshot %s", framework.DescribeVM(current), framework.DescribeSnapshot(snap))
			switch snap.Status.Phase {
			case snapshotapi.SnapshotInProgress:
				if ptr.Deref(current.Status.SnapshotInProgress, "") != "snap" {
					t.Fatalf("the VM is not marked while its snapshot is InProgress: %s", seen)
				}
				return true, seen, nil
			case snapshotapi.SnapshotReady, snapshotapi.SnapshotFailed:
				t.Fatalf("the snapshot finished before it could be seen InProgress: %s", seen)
			}
			return false, seen, nil
		})
	if out := f.MustKubectl("get", "virtualmachine", vm.Name, "-o", "jsonpath={.status.snapshotInProgress}"); out != "snap" {
		t.Errorf("kubectl get virtualmachine: want snapshotInProgress snap; got %q", out)
	}

	f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	f.Eventually("virtualmachine "+f.Namespace+"/"+vm.Name, "status.snapshotInProgress unset after the snapshot is Ready",
		framework.DefaultTimeout, func(ctx context.Context) (bool, string, error) {
			current, err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).Get(ctx, vm.Name, metav1.GetOptions{})
			if err != nil {
				return false, "", err
			}
			return current.Status.SnapshotInProgress == nil, framework.DescribeVM(current), nil
		})
}
