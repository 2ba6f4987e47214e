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
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/disksnapshot"
	"vmsnap.io/vmsnap/pkg/snapshotclass"
	"vmsnap.io/vmsnap/tests/framework"
	"vmsnap.io/vmsnap/tests/framework/cluster"
)

// A disk attached to no VM is snapshotted consistently with the driver's
// default VolumeSnapshotClass, and kubectl shows it as the user docs do.
func TestSnapshotOfDetachedDisk(t *testing.T) {
	f := framework.New(t)
	claim := f.CreateClaim("disk", "")
	f.CreateDiskSnapshot("snap", "disk")

	f.MustKubectl("wait", "vdsnapshot/snap", "--for=jsonpath={.status.phase}=Ready", "--timeout=60s")
	f.MustKubectl("wait", "vdsnapshot/snap", "--for=condition=Ready", "--timeout=10s")
	snap := f.GetDiskSnapshot("snap")
	if !ptr.Deref(snap.Status.ReadyToUse, false) || !ptr.Deref(snap.Status.Consistent, false) {
		t.Errorf("want readyToUse and consistent; got %s", framework.DescribeDiskSnapshot(snap))
	}
	if got, want := ptr.Deref(snap.Status.VolumeSnapshotName, ""), "vdsnapshot-"+string(snap.UID); got != want {
		t.Errorf("status.volumeSnapshotName %q, want %q", got, want)
	}
	if got := ptr.Deref(snap.Status.SourceUID, ""); got != claim.UID {
		t.Errorf("status.sourceUID %q, want the claim's UID %q", got, claim.UID)
	}
	if snap.Status.RestoreSize == nil || snap.Status.RestoreSize.Cmp(resource.MustParse(framework.DiskSize)) != 0 {
		t.Errorf("status.restoreSize %v, want %s", snap.Status.RestoreSize, framework.DiskSize)
	}
	if snap.Status.CreationTime == nil || snap.Status.VirtualMachineName != nil || len(snap.Status.Indications) != 0 {
		t.Errorf("want the cut time, no VM and no indications; got creationTime %v, VM %v, indications %v",
			snap.Status.CreationTime, snap.Status.VirtualMachineName, snap.Status.Indications)
	}

	vs, err := f.Snapshots.SnapshotV1().VolumeSnapshots(f.Namespace).Get(f.Context(), *snap.Status.VolumeSnapshotName, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("reading the VolumeSnapshot the status names: %v", err)
	}
	if owner := metav1.GetControllerOf(vs); owner == nil || owner.UID != snap.UID {
		t.Errorf("VolumeSnapshot %s: want it controlled by vdsnapshot snap; owner references %+v", vs.Name, vs.OwnerReferences)
	}
	if vs.Labels[disksnapshot.LabelDiskSnapshotName] != "snap" {
		t.Errorf("VolumeSnapshot %s: labels %v, want %s=snap", vs.Name, vs.Labels, disksnapshot.LabelDiskSnapshotName)
	}
	if ptr.Deref(vs.Spec.VolumeSnapshotClassName, "") != cluster.SnapshotClassName || ptr.Deref(vs.Spec.Source.PersistentVolumeClaimName, "") != "disk" {
		t.Errorf("VolumeSnapshot %s: want class %s (the driver's default) and source disk; got %+v", vs.Name, cluster.SnapshotClassName, vs.Spec)
	}

	// What a user sees in the listing: NAME PHASE CONSISTENT AGE.
	lines := strings.Split(strings.TrimSpace(f.MustKubectl("get", "vdsnapshot")), "\n")
	if len(lines) != 2 || !slices.Equal(strings.Fields(lines[0]), []string{"NAME", "PHASE", "CONSISTENT", "AGE"}) {
		t.Fatalf("kubectl get vdsnapshot:\n%s\nwant the columns NAME PHASE CONSISTENT AGE and one row", strings.Join(lines, "\n"))
	}
	if fields := strings.Fields(lines[1]); len(fields) != 4 || fields[0] != "snap" || fields[1] != "Ready" || fields[2] != "true" {
		t.Errorf("kubectl get vdsnapshot: row %q, want snap Ready true <age>", lines[1])
	}
	f.WaitForEvent("VirtualDiskSnapshot", "snap", corev1.EventTypeNormal, "SnapshotReady")
}

// spec.volumeSnapshotClassName is honoured; a class that cannot be used
// fails the snapshot at its deadline with a condition that says why.
func TestVolumeSnapshotClassChoice(t *testing.T) {
	t.Run("named class is used", func(t *testing.T) {
		f := framework.New(t)
		class := f.CreateVolumeSnapshotClass(nil)
		f.CreateClaim("disk", "")
		f.CreateDiskSnapshot("snap", "disk", framework.DiskSnapshotClass(class))
		snap := f.WaitForDiskSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
		vs, err := f.Snapshots.SnapshotV1().VolumeSnapshots(f.Namespace).Get(f.Context(), *snap.Status.VolumeSnapshotName, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := ptr.Deref(vs.Spec.VolumeSnapshotClassName, ""); got != class {
			t.Errorf("VolumeSnapshot class %q, want the named %q", got, class)
		}
	})
	t.Run("named class missing", func(t *testing.T) {
		f := framework.New(t)
		f.CreateClaim("disk", "")
		f.CreateDiskSnapshot("snap", "disk", framework.DiskSnapshotClass("no-such-class"), framework.DiskFailureDeadline(shortDeadline))
		pending := f.WaitForDiskSnapshotCondition("snap", snapshotapi.ConditionReady, metav1.ConditionFalse, snapshotclass.ReasonNotFound, framework.DefaultTimeout)
		if pending.Status.Phase != snapshotapi.SnapshotPending {
			t.Errorf("while waiting for the class: phase %s, want Pending", pending.Status.Phase)
		}
		failed := f.WaitForDiskSnapshotPhase("snap", snapshotapi.SnapshotFailed, framework.DefaultTimeout)
		requireReadyCondition(t, failed, snapshotclass.ReasonNotFound, "no-such-class", "failureDeadline")
	})
	t.Run("no class for the driver", func(t *testing.T) {
		f := framework.New(t)
		const driver = "csi.none.vmsnap.io"
		sc := f.CreateStorageClassFor(driver, nil)
		f.CreateStaticClaim("disk", sc)
		f.CreateDiskSnapshot("snap", "disk", framework.DiskFailureDeadline(shortDeadline))
		failed := f.WaitForDiskSnapshotPhase("snap", snapshotapi.SnapshotFailed, framework.DefaultTimeout)
		requireReadyCondition(t, failed, snapshotclass.ReasonNone, driver, sc)
		if len(f.ListVolumeSnapshots()) != 0 {
			t.Errorf("a snapshot without a class made VolumeSnapshots: %+v", f.ListVolumeSnapshots())
		}
	})
	t.Run("several default classes", func(t *testing.T) {
		f := framework.New(t)
		const driver = "csi.ambiguous.vmsnap.io"
		first, second := f.CreateDefaultVolumeSnapshotClassFor(driver), f.CreateDefaultVolumeSnapshotClassFor(driver)
		sc := f.CreateStorageClassFor(driver, nil)
		f.CreateStaticClaim("disk", sc)
		f.CreateDiskSnapshot("snap", "disk", framework.DiskFailureDeadline(shortDeadline))
		failed := f.WaitForDiskSnapshotPhase("snap", snapshotapi.SnapshotFailed, framework.DefaultTimeout)
		requireReadyCondition(t, failed, snapshotclass.ReasonAmbiguous, first, second)
	})
}

// A snapshot waits (Pending) for a disk that does not exist yet, is
// InProgress while the storage cuts and readies it, then Ready; each
// transition is an event.
func TestPhasesPendingInProgressReady(t *testing.T) {
	f := framework.New(t)
	slow := f.CreateVolumeSnapshotClass(map[string]string{"cutDelay": "2s", "readyDelay": "2s"})
	f.CreateDiskSnapshot("snap", "later", framework.DiskSnapshotClass(slow))

	pending := f.WaitForDiskSnapshotCondition("snap", snapshotapi.ConditionReady, metav1.ConditionFalse, disksnapshot.ReasonDiskNotFound, framework.DefaultTimeout)
	if pending.Status.Phase != snapshotapi.SnapshotPending {
		t.Errorf("waiting for the disk: phase %s, want Pending", pending.Status.Phase)
	}
	requireReadyCondition(t, pending, disksnapshot.ReasonDiskNotFound, "later")

	f.CreateClaim("later", "")
	inProgress := f.WaitForDiskSnapshotPhase("snap", snapshotapi.SnapshotInProgress, framework.DefaultTimeout)
	if inProgress.Status.CreationTime != nil {
		t.Errorf("InProgress before the cut, yet creationTime is %v", inProgress.Status.CreationTime)
	}
	f.WaitForDiskSnapshot("snap", "cut, not yet ready", framework.DefaultTimeout, func(s *snapshotapi.VirtualDiskSnapshot) bool {
		return s.Status.Phase == snapshotapi.SnapshotInProgress && s.Status.CreationTime != nil
	})
	f.WaitForDiskSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)

	var reasons []string
	f.Eventually("events of vdsnapshot snap", "SnapshotPending, SnapshotReady", framework.DefaultTimeout, func(ctx context.Context) (bool, string, error) {
		reasons = reasons[:0]
		events := f.Events("VirtualDiskSnapshot", "snap")
		for _, e := range events {
			reasons = append(reasons, e.Reason)
		}
		return slices.Equal(reasons, []string{"SnapshotPending", "SnapshotReady"}), framework.DescribeEvents(events), nil
	})
}

// A deleted snapshot is Terminating until its VolumeSnapshot is gone, and
// only then goes.
func TestPhaseTerminatingUntilVolumeSnapshotGone(t *testing.T) {
	const hold = "vmsnap.io/test-hold"
	f := framework.New(t)
	f.CreateClaim("disk", "")
	f.CreateDiskSnapshot("snap", "disk")
	snap := f.WaitForDiskSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	vsName := *snap.Status.VolumeSnapshotName
	setVolumeSnapshotFinalizers(t, f, vsName, func(fs []string) []string { return append(fs, hold) })

	f.DeleteDiskSnapshot("snap")
	terminating := f.WaitForDiskSnapshotPhase("snap", snapshotapi.SnapshotTerminating, framework.DefaultTimeout)
	requireReadyCondition(t, terminating, disksnapshot.ReasonDeleting)
	f.Consistently("vdsnapshot "+f.Namespace+"/snap", "Terminating while its VolumeSnapshot is held", 2*time.Second, func(ctx context.Context) (bool, string, error) {
		s, err := f.VMSnap.SnapshotV1alpha1().VirtualDiskSnapshots(f.Namespace).Get(ctx, "snap", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		return s.Status.Phase == snapshotapi.SnapshotTerminating, framework.DescribeDiskSnapshot(s), nil
	})

	setVolumeSnapshotFinalizers(t, f, vsName, func(fs []string) []string {
		return slices.DeleteFunc(fs, func(s string) bool { return s == hold })
	})
	f.WaitForDiskSnapshotGone("snap")
	f.WaitForNoVolumeSnapshots()
}

func setVolumeSnapshotFinalizers(t *testing.T, f *framework.Framework, name string, change func([]string) []string) {
	t.Helper()
	vs, err := f.Snapshots.SnapshotV1().VolumeSnapshots(f.Namespace).Get(f.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	patch, _ := json.Marshal(map[string]interface{}{"metadata": map[string]interface{}{
		"resourceVersion": vs.ResourceVersion,
		"finalizers":      change(slices.Clone(vs.Finalizers)),
	}})
	if _, err := f.Snapshots.SnapshotV1().VolumeSnapshots(f.Namespace).Patch(f.Context(), name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatalf("changing the finalizers of VolumeSnapshot %s: %v", name, err)
	}
}

// Storage that fails every snapshot fails the disk snapshot at its
// deadline, with the storage's message, and nothing is left behind; the VM
// frozen for it is thawed and released.
func TestFailingStorageFailsAtTheDeadline(t *testing.T) {
	f := framework.New(t)
	failing := f.CreateVolumeSnapshotClass(map[string]string{"failSnapshot": "true"})
	vm := f.CreateVM("vm", framework.WithPVCDisks(1))
	f.StartVM(vm, true)
	disk := framework.ClaimName(vm.Name, "disk0")
	f.CreateDiskSnapshot("snap", disk, framework.DiskSnapshotClass(failing), framework.DiskFailureDeadline(shortDeadline))

	inProgress := f.WaitForDiskSnapshotPhase("snap", snapshotapi.SnapshotInProgress, framework.DefaultTimeout)
	if !f.Frozen(vm.Name) {
		t.Errorf("the VM is not frozen while its disk is being snapshotted: %s", framework.DescribeDiskSnapshot(inProgress))
	}
	failed := f.WaitForDiskSnapshotPhase("snap", snapshotapi.SnapshotFailed, framework.DefaultTimeout)
	requireReadyCondition(t, failed, disksnapshot.ReasonSnapshotFailed, "failureDeadline", "the storage reports")
	if failed.Status.Error == nil || ptr.Deref(failed.Status.Error.Message, "") == "" || ptr.Deref(failed.Status.ReadyToUse, true) {
		t.Errorf("want status.error set and readyToUse false; got %s", framework.DescribeDiskSnapshot(failed))
	}
	f.WaitForEvent("VirtualDiskSnapshot", "snap", corev1.EventTypeWarning, "SnapshotFailed")
	f.WaitForNoVolumeSnapshots()

	f.Eventually("vm "+f.Namespace+"/vm", "thawed and not locked", framework.DefaultTimeout, func(ctx context.Context) (bool, string, error) {
		got, err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).Get(ctx, vm.Name, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		return !f.Frozen(vm.Name) && got.Status.SnapshotInProgress == nil,
			framework.DescribeVM(got) + ", calls: " + describeCalls(f.VirtAPICalls(vm.Name)), nil
	})
}

// The source claim of a snapshot in progress cannot be deleted: the
// deletion waits until the snapshot is cut and ready.
func TestDeletingSourceClaimWhileInProgressIsDeferred(t *testing.T) {
	const sourceProtection = "snapshot.storage.kubernetes.io/pvc-as-source-protection"
	f := framework.New(t)
	// A 6s cut leaves time to delete the claim while it is under way.
	slow := f.CreateVolumeSnapshotClass(map[string]string{"cutDelay": "6s"})
	f.CreateClaim("disk", "")
	f.CreateDiskSnapshot("snap", "disk", framework.DiskSnapshotClass(slow))
	f.WaitForDiskSnapshotPhase("snap", snapshotapi.SnapshotInProgress, framework.DefaultTimeout)
	f.Eventually("persistentvolumeclaim "+f.Namespace+"/disk", "the finalizer "+sourceProtection, framework.DefaultTimeout, func(ctx context.Context) (bool, string, error) {
		claim, err := f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).Get(ctx, "disk", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		return slices.Contains(claim.Finalizers, sourceProtection), strings.Join(claim.Finalizers, ", "), nil
	})

	if err := f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).Delete(f.Context(), "disk", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	claim := f.GetClaim("disk")
	if claim.DeletionTimestamp == nil {
		t.Fatalf("claim disk: want it deleting, still there; got %s", framework.DescribeClaim(claim))
	}
	if s := f.GetDiskSnapshot("snap"); s.Status.Phase != snapshotapi.SnapshotInProgress {
		t.Errorf("the claim's deletion disturbed the snapshot: %s", framework.DescribeDiskSnapshot(s))
	}
	ready := f.WaitForDiskSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	if !ptr.Deref(ready.Status.ReadyToUse, false) {
		t.Errorf("want readyToUse; got %s", framework.DescribeDiskSnapshot(ready))
	}
	f.WaitForClaimGone("disk")
}

// A disk snapshot's spec cannot change once it is created. (Malformed new
// disk snapshots: TestMalformedManifestsAreRefused in the vmsnapshot suite,
// whose cluster serves every kind.)
func TestInvalidSpecsAreRejected(t *testing.T) {
	f := framework.New(t)
	client := f.VMSnap.SnapshotV1alpha1().VirtualDiskSnapshots(f.Namespace)
	f.CreateDiskSnapshot("snap", "disk", framework.DiskFailureDeadline(time.Minute))
	// The controller writes the status meanwhile: retry on conflicts.
	var err error
	for attempt := 0; attempt == 0 || apierrors.IsConflict(err) && attempt < 10; attempt++ {
		snap := f.GetDiskSnapshot("snap")
		snap.Spec.VirtualDiskName = "other"
		_, err = client.Update(f.Context(), snap, metav1.UpdateOptions{})
	}
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec is immutable") {
		t.Errorf("changing spec.virtualDiskName: want an Invalid error saying the spec is immutable; got %v", err)
	}
}
