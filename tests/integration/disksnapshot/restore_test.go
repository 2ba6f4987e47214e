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
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/populator"
	"vmsnap.io/vmsnap/tests/csidriver"
	"vmsnap.io/vmsnap/tests/framework"
)

// readyDiskSnapshot makes a claim of framework.DiskSize and a snapshot of
// it, and waits until the snapshot is Ready.
func readyDiskSnapshot(f *framework.Framework, name string) *snapshotapi.VirtualDiskSnapshot {
	f.CreateClaim(name+"-disk", "")
	f.CreateDiskSnapshot(name, name+"-disk")
	return f.WaitForDiskSnapshotPhase(name, snapshotapi.SnapshotReady, framework.DefaultTimeout)
}

// A claim whose dataSourceRef is a Ready VirtualDiskSnapshot is restored
// from its VolumeSnapshot and bound, at the snapshot's size or larger;
// csi-provisioner leaves it to the populator, and nothing temporary stays.
func TestRestoreClaimFromDiskSnapshot(t *testing.T) {
	f := framework.New(t)
	snap := readyDiskSnapshot(f, "snap")
	vsName := *snap.Status.VolumeSnapshotName

	for _, size := range []string{framework.DiskSize, "3Gi"} {
		name := "restored-" + strings.ToLower(size)
		created := f.CreateRestoreClaim(name, "snap", size, "")
		claim := f.WaitForClaimBound(name)
		if got := claim.Status.Capacity[corev1.ResourceStorage]; got.Cmp(resource.MustParse(size)) < 0 {
			t.Errorf("claim %s: capacity %s, want at least the %s requested", name, got.String(), size)
		}
		pv, err := f.Kube.CoreV1().PersistentVolumes().Get(f.Context(), claim.Spec.VolumeName, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		f.Eventually("persistentvolume "+pv.Name, "its reclaim policy Delete back, and the populator done with claim "+name, framework.DefaultTimeout, func(ctx context.Context) (bool, string, error) {
			pv, err = f.Kube.CoreV1().PersistentVolumes().Get(ctx, pv.Name, metav1.GetOptions{})
			if err != nil {
				return false, "", err
			}
			claim, err = f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, "", err
			}
			_, handingOver := pv.Annotations[populator.AnnotationReclaimPolicy]
			done := pv.Spec.PersistentVolumeReclaimPolicy == corev1.PersistentVolumeReclaimDelete && !handingOver &&
				!slices.Contains(claim.Finalizers, populator.Finalizer)
			return done, "reclaimPolicy " + string(pv.Spec.PersistentVolumeReclaimPolicy) + ", claim finalizers " + strings.Join(claim.Finalizers, " "), nil
		})
		if got := pv.Annotations[populator.AnnotationPopulatedFrom]; got != f.Namespace+"/snap" {
			t.Errorf("volume %s: annotation %s=%q, want %s/snap", pv.Name, populator.AnnotationPopulatedFrom, got, f.Namespace)
		}
		prime := populator.PrimeName(created)
		f.WaitForClaimGone(prime)
		if restoredFor := requireRestoredFromSnapshot(t, f, pv, vsName); restoredFor != f.Namespace+"/"+prime {
			t.Errorf("volume %s was provisioned for claim %q, want the prime claim %s/%s", pv.Name, restoredFor, f.Namespace, prime)
		}
		f.WaitForEvent("PersistentVolumeClaim", name, corev1.EventTypeNormal, populator.ReasonPopulated)
		// The binder never saw two claims on one volume (ClaimMisbound), nor a
		// claim lose its volume (ClaimLost). ProvisioningFailed may say that
		// the binder's first write to the new claim met the populator's
		// finalizer: it retries.
		for _, e := range append(f.Events("PersistentVolumeClaim", prime), f.Events("PersistentVolumeClaim", name)...) {
			if e.Type == corev1.EventTypeWarning && e.Reason != "ProvisioningFailed" {
				t.Errorf("warning about claim %s: %s: %s", e.InvolvedObject.Name, e.Reason, e.Message)
			}
		}
	}
}

// requireRestoredFromSnapshot checks, in the CSI driver's record of calls,
// that the volume was created from the VolumeSnapshot's storage snapshot,
// and returns the claim (namespace/name) it was provisioned for.
func requireRestoredFromSnapshot(t *testing.T, f *framework.Framework, pv *corev1.PersistentVolume, volumeSnapshot string) string {
	t.Helper()
	vs, err := f.Snapshots.SnapshotV1().VolumeSnapshots(f.Namespace).Get(f.Context(), volumeSnapshot, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	content, err := f.Snapshots.SnapshotV1().VolumeSnapshotContents().Get(f.Context(), ptr.Deref(vs.Status.BoundVolumeSnapshotContentName, ""), metav1.GetOptions{})
	if err != nil {
		t.Fatalf("reading the content of VolumeSnapshot %s: %v", volumeSnapshot, err)
	}
	calls, err := csidriver.ReadCalls(f.Cluster.CSIStateDir())
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(calls, func(c csidriver.Call) bool {
		return c.Method == "CreateVolume" && c.VolumeID == pv.Spec.CSI.VolumeHandle && c.Code == "OK"
	})
	if i < 0 {
		t.Fatalf("the CSI driver recorded no CreateVolume of volume %s", pv.Spec.CSI.VolumeHandle)
	}
	if got, want := calls[i].SourceSnapshotID, ptr.Deref(content.Status.SnapshotHandle, ""); got != want {
		t.Errorf("volume %s was created from snapshot %q, want %q (VolumeSnapshot %s)", pv.Spec.CSI.VolumeHandle, got, want, volumeSnapshot)
	}
	return calls[i].PVC
}

// A claim may also use the VolumeSnapshot under a VirtualDiskSnapshot
// directly as its dataSource; csi-provisioner restores it.
func TestRestoreClaimFromTheVolumeSnapshot(t *testing.T) {
	f := framework.New(t)
	snap := readyDiskSnapshot(f, "snap")
	claim := f.NewRestoreClaim("restored", "snap", framework.DiskSize, "")
	claim.Spec.DataSourceRef = nil
	claim.Spec.DataSource = &corev1.TypedLocalObjectReference{
		APIGroup: ptr.To("snapshot.storage.k8s.io"), Kind: "VolumeSnapshot", Name: *snap.Status.VolumeSnapshotName,
	}
	if _, err := f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).Create(f.Context(), claim, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	bound := f.WaitForClaimBound("restored")
	pv, err := f.Kube.CoreV1().PersistentVolumes().Get(f.Context(), bound.Spec.VolumeName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	requireRestoredFromSnapshot(t, f, pv, *snap.Status.VolumeSnapshotName)
}

// A claim smaller than the snapshot, or naming a snapshot that does not
// exist, stays Pending with an event that says why.
func TestRestoreClaimThatCannotBePopulated(t *testing.T) {
	f := framework.New(t)
	readyDiskSnapshot(f, "snap")

	f.CreateRestoreClaim("too-small", "snap", "512Mi", "")
	small := f.WaitForEvent("PersistentVolumeClaim", "too-small", corev1.EventTypeWarning, populator.ReasonClaimTooSmall)
	if !strings.Contains(small.Message, "512Mi") || !strings.Contains(small.Message, framework.DiskSize) {
		t.Errorf("event %q: want it to name the request (512Mi) and the snapshot's size (%s)", small.Message, framework.DiskSize)
	}

	f.CreateRestoreClaim("orphan", "no-such-snapshot", framework.DiskSize, "")
	missing := f.WaitForEvent("PersistentVolumeClaim", "orphan", corev1.EventTypeWarning, populator.ReasonSnapshotNotFound)
	if !strings.Contains(missing.Message, "no-such-snapshot") {
		t.Errorf("event %q: want it to name the missing VirtualDiskSnapshot", missing.Message)
	}
	// csi-provisioner v5 leaves a claim with such a dataSourceRef to the populator.
	f.Eventually("events of claim orphan", "csi-provisioner assuming an external populator", framework.DefaultTimeout, func(ctx context.Context) (bool, string, error) {
		events := f.Events("PersistentVolumeClaim", "orphan")
		return slices.ContainsFunc(events, func(e corev1.Event) bool {
			return e.Reason == "Provisioning" && strings.Contains(e.Message, "Assuming an external populator")
		}), framework.DescribeEvents(events), nil
	})

	f.Consistently("claims too-small and orphan", "Pending, with no prime claim", 2*time.Second, func(ctx context.Context) (bool, string, error) {
		claims, err := f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, "", err
		}
		var seen []string
		ok := true
		for _, c := range claims.Items {
			seen = append(seen, c.Name+": "+framework.DescribeClaim(&c))
			switch {
			case strings.HasPrefix(c.Name, "prime-"):
				ok = false
			case c.Name == "too-small" || c.Name == "orphan":
				ok = ok && c.Status.Phase == corev1.ClaimPending && c.Spec.VolumeName == ""
			}
		}
		return ok, strings.Join(seen, "; "), nil
	})
}

// A claim whose snapshot is not Ready yet waits, saying so, and is
// populated as soon as it is.
func TestRestoreClaimWaitsForTheSnapshot(t *testing.T) {
	f := framework.New(t)
	slow := f.CreateVolumeSnapshotClass(map[string]string{"readyDelay": "4s"})
	f.CreateClaim("disk", "")
	f.CreateDiskSnapshot("snap", "disk", framework.DiskSnapshotClass(slow))
	f.CreateRestoreClaim("restored", "snap", framework.DiskSize, "")

	waiting := f.WaitForEvent("PersistentVolumeClaim", "restored", corev1.EventTypeNormal, populator.ReasonSnapshotNotReady)
	if !strings.Contains(waiting.Message, "snap") || !strings.Contains(waiting.Message, "not Ready") {
		t.Errorf("event %q: want it to say which snapshot is not Ready", waiting.Message)
	}
	if claim := f.GetClaim("restored"); claim.Status.Phase != corev1.ClaimPending {
		t.Errorf("claim restored: want Pending while the snapshot is not Ready; got %s", framework.DescribeClaim(claim))
	}
	f.WaitForDiskSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	f.WaitForClaimBound("restored")
}

// A claim deleted while it is being populated takes its prime claim and
// that claim's volume with it.
func TestDeletingARestoreClaimMidWayCleansUp(t *testing.T) {
	f := framework.New(t)
	readyDiskSnapshot(f, "snap")
	// No provisioner serves this class: the prime claim stays Pending.
	unserved := f.CreateStorageClassFor("csi.unserved.vmsnap.io", nil)
	created := f.CreateRestoreClaim("restored", "snap", framework.DiskSize, unserved)
	prime := populator.PrimeName(created)
	f.Eventually("persistentvolumeclaim "+f.Namespace+"/"+prime, "created", framework.DefaultTimeout, func(ctx context.Context) (bool, string, error) {
		_, err := f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).Get(ctx, prime, metav1.GetOptions{})
		return err == nil, "", err
	})
	f.WaitForEvent("PersistentVolumeClaim", "restored", corev1.EventTypeNormal, populator.ReasonPopulating)

	if err := f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).Delete(f.Context(), "restored", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	f.WaitForClaimGone("restored")
	f.WaitForClaimGone(prime)
}
