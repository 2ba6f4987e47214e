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

package disksnapshot

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/populator"
	"vmsnap.io/vmsnap/tests/framework"
)

// The disk snapshot's VolumeSnapshot is deleted and someone else's made
// under its name. The disk snapshot controller says so in its status; while
// that status still says Ready (here its writes are refused), the populator
// must not restore the other VolumeSnapshot either: the claim waits with an
// event naming it, and the other VolumeSnapshot is left alone.
func TestRestoreClaimNeverFromAnotherVolumeSnapshotUnderTheName(t *testing.T) {
	f := framework.New(t)
	snap := readyDiskSnapshot(f, "snap")
	vsName := *snap.Status.VolumeSnapshotName
	faults := framework.NewFaultInjector(f.Namespace, framework.Fault{
		Method: http.MethodPut, Path: "/virtualdisksnapshots/snap/status", Code: http.StatusInternalServerError, Times: -1,
	})
	f.RunControllerVariant(framework.Variant{Wrap: faults.Wrap})

	if err := f.Snapshots.SnapshotV1().VolumeSnapshots(f.Namespace).Delete(f.Context(), vsName, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	f.WaitForGone("volumesnapshot "+f.Namespace+"/"+vsName, func(ctx context.Context) (string, error) {
		vs, err := f.Snapshots.SnapshotV1().VolumeSnapshots(f.Namespace).Get(ctx, vsName, metav1.GetOptions{})
		if err != nil {
			return "", err
		}
		return framework.DescribeVolumeSnapshot(vs), nil
	})
	f.CreateClaim("other-disk", "")
	intruder := createIntruder(t, f, vsName, "other-disk")

	f.CreateRestoreClaim("restored", "snap", framework.DiskSize, "")
	conflict := f.WaitForEvent("PersistentVolumeClaim", "restored", corev1.EventTypeWarning, populator.ReasonNameConflict)
	if !strings.Contains(conflict.Message, "VolumeSnapshot "+vsName) || !strings.Contains(conflict.Message, "VirtualDiskSnapshot snap") {
		t.Errorf("event %q: want it to name VolumeSnapshot %s and VirtualDiskSnapshot snap", conflict.Message, vsName)
	}
	if snap := f.GetDiskSnapshot("snap"); !ptr.Deref(snap.Status.ReadyToUse, false) {
		t.Fatalf("the disk snapshot's status no longer says ready to use, so this test did not test the populator: %s", framework.DescribeDiskSnapshot(snap))
	}
	requireNotPopulated(t, f, "restored")
	requireUntouched(t, f, intruder)
}

// A claim someone made under the predictable name of a claim's prime,
// before the snapshot was Ready, is not the prime: its volume is not handed
// over and it is not deleted. The claim waits with an event naming it, and
// is populated once the name is free.
func TestRestoreClaimNeverTakesAPrimeItDidNotMake(t *testing.T) {
	f := framework.New(t)
	// Slow enough to make the other claim while the claim waits for it.
	slow := f.CreateVolumeSnapshotClass(map[string]string{"readyDelay": "8s"})
	f.CreateClaim("disk", "")
	f.CreateDiskSnapshot("snap", "disk", framework.DiskSnapshotClass(slow))
	created := f.CreateRestoreClaim("restored", "snap", framework.DiskSize, "")
	primeName := populator.PrimeName(created)
	theirs := f.CreateClaim(primeName, "")

	ready := f.WaitForDiskSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	conflict := f.WaitForEvent("PersistentVolumeClaim", "restored", corev1.EventTypeWarning, populator.ReasonNameConflict)
	if !strings.Contains(conflict.Message, "PersistentVolumeClaim "+primeName) {
		t.Errorf("event %q: want it to name PersistentVolumeClaim %s", conflict.Message, primeName)
	}
	requireNotPopulated(t, f, "restored")
	f.Consistently("persistentvolumeclaim "+f.Namespace+"/"+primeName+" and its volume", "untouched by the populator", 2*time.Second, func(ctx context.Context) (bool, string, error) {
		claim, err := f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).Get(ctx, primeName, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		pv, err := f.Kube.CoreV1().PersistentVolumes().Get(ctx, theirs.Spec.VolumeName, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		_, handingOver := pv.Annotations[populator.AnnotationReclaimPolicy]
		ok := claim.UID == theirs.UID && claim.DeletionTimestamp == nil && claim.Spec.VolumeName == theirs.Spec.VolumeName &&
			pv.Spec.PersistentVolumeReclaimPolicy == corev1.PersistentVolumeReclaimDelete && !handingOver &&
			pv.Spec.ClaimRef != nil && pv.Spec.ClaimRef.UID == theirs.UID
		return ok, framework.DescribeClaim(claim) + "; volume " + pv.Name + " reclaimPolicy " + string(pv.Spec.PersistentVolumeReclaimPolicy), nil
	})

	// Once the name is free, the claim gets a prime of its own.
	if err := f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).Delete(f.Context(), primeName, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	bound := f.WaitForClaimBound("restored")
	if bound.Spec.VolumeName == theirs.Spec.VolumeName {
		t.Fatalf("claim restored was given volume %s of the other claim", bound.Spec.VolumeName)
	}
	pv, err := f.Kube.CoreV1().PersistentVolumes().Get(f.Context(), bound.Spec.VolumeName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	requireRestoredFromSnapshot(t, f, pv, *ready.Status.VolumeSnapshotName)
}

// requireNotPopulated checks that the claim stays Pending, without a
// volume, and that no prime claim is made for it.
func requireNotPopulated(t *testing.T, f *framework.Framework, name string) {
	t.Helper()
	claim := f.GetClaim(name)
	prime := populator.PrimeName(claim)
	f.Consistently("persistentvolumeclaim "+f.Namespace+"/"+name, "Pending, with no volume and no prime of its own", 2*time.Second, func(ctx context.Context) (bool, string, error) {
		claim, err := f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		_, handingOver := claim.Annotations[populator.AnnotationVolume]
		ok := claim.Status.Phase == corev1.ClaimPending && claim.Spec.VolumeName == "" && !handingOver
		seen := framework.DescribeClaim(claim)
		if other, err := f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).Get(ctx, prime, metav1.GetOptions{}); err == nil && metav1.IsControlledBy(other, claim) {
			ok = false
			seen += "; prime " + prime + ": " + framework.DescribeClaim(other)
		}
		return ok, seen, nil
	})
}
