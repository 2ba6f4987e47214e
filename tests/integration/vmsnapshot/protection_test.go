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

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/tests/framework"
)

// sourceProtection is the finalizer the snapshot-controller keeps on a claim
// while a VolumeSnapshot of it is not ready.
const sourceProtection = "snapshot.storage.kubernetes.io/pvc-as-source-protection"

// While a snapshot is in progress its VM is marked and a source claim that
// a user deletes stays until the snapshot is ready: the deletion is
// deferred, not refused. At the end both are released.
func TestSourceClaimDeletionDeferredWhileInProgress(t *testing.T) {
	f := framework.New(t)
	// Snapshots that take 6s to become ready keep the snapshot InProgress.
	slowClass := f.CreateStorageClass(map[string]string{"readyDelay": "6s"})
	vm := f.CreateVM("vm", framework.WithPVCDisk("disk0", slowClass))
	claim := framework.ClaimName(vm.Name, "disk0")
	f.CreateSnapshot("snap", vm.Name)

	f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotInProgress, framework.DefaultTimeout)
	f.WaitForVMSnapshotInProgress(vm.Name, "snap")
	f.Eventually("persistentvolumeclaim "+f.Namespace+"/"+claim, "the finalizer "+sourceProtection, framework.DefaultTimeout,
		func(ctx context.Context) (bool, string, error) {
			pvc, err := f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).Get(ctx, claim, metav1.GetOptions{})
			if err != nil {
				return false, "", err
			}
			return slices.Contains(pvc.Finalizers, sourceProtection), fmt.Sprintf("finalizers %v", pvc.Finalizers), nil
		})

	f.MustKubectl("delete", "pvc", claim, "--wait=false")
	deleting := f.GetClaim(claim)
	if deleting.DeletionTimestamp == nil {
		t.Fatalf("claim %s: want a deletionTimestamp after kubectl delete; got finalizers %v", claim, deleting.Finalizers)
	}
	if s := f.GetSnapshot("snap"); s.Status.Phase != snapshotapi.SnapshotInProgress {
		t.Fatalf("the snapshot finished before the claim's deletion could be deferred: %s", framework.DescribeSnapshot(s))
	}

	// The claim may go only once every VolumeSnapshot of it is ready.
	volumeSnapshots := f.VolumeSnapshotsOf(f.ContentOf(f.GetSnapshot("snap")))
	f.Eventually("persistentvolumeclaim "+f.Namespace+"/"+claim, "kept until its VolumeSnapshot is ready, then gone", framework.DefaultTimeout,
		func(ctx context.Context) (bool, string, error) {
			pvc, err := f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).Get(ctx, claim, metav1.GetOptions{})
			if err == nil {
				return false, fmt.Sprintf("deleting, finalizers %v", pvc.Finalizers), nil
			}
			if !apierrors.IsNotFound(err) {
				return false, "", err
			}
			for _, vs := range volumeSnapshots {
				current, err := f.Snapshots.SnapshotV1().VolumeSnapshots(f.Namespace).Get(ctx, vs.Name, metav1.GetOptions{})
				if err != nil {
					return false, "", err
				}
				if current.Status == nil || !ptr.Deref(current.Status.ReadyToUse, false) {
					t.Fatalf("claim %s is gone while VolumeSnapshot %s of it is not ready: %s", claim, vs.Name, framework.DescribeVolumeSnapshot(current))
				}
			}
			return true, "gone", nil
		})

	snap := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	if !ptr.Deref(snap.Status.ReadyToUse, false) {
		t.Errorf("want readyToUse; got %s", framework.DescribeSnapshot(snap))
	}
	requireIncluded(t, snap, "disk0")
	f.WaitForVMSnapshotInProgress(vm.Name, "")
}
