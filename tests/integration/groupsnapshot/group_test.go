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

package groupsnapshot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/controller"
	"vmsnap.io/vmsnap/pkg/vmsnapshot"
	"vmsnap.io/vmsnap/tests/csidriver"
	"vmsnap.io/vmsnap/tests/fakevirtapi"
	"vmsnap.io/vmsnap/tests/framework"
	"vmsnap.io/vmsnap/tests/framework/cluster"
)

// disks are the claims of a VM made WithPVCDisks(n).
func disks(vmName string, n int) []string {
	var claims []string
	for i := 0; i < n; i++ {
		claims = append(claims, framework.ClaimName(vmName, "disk"+string(rune('0'+i))))
	}
	return claims
}

// writeAll writes once to each claim's volume.
func writeAll(f *framework.Framework, claims []string) {
	for _, c := range claims {
		f.WriteDisk(c)
	}
}

// groupCutsOf are the group cuts since a time that took any of the claims' volumes.
func groupCutsOf(f *framework.Framework, since time.Time, claims []string) []csidriver.Call {
	var ids []string
	for _, c := range claims {
		ids = append(ids, f.ClaimVolumeID(c))
	}
	return slices.DeleteFunc(f.GroupCuts(since), func(call csidriver.Call) bool {
		return !slices.ContainsFunc(call.SourceVolumeIDs, func(id string) bool { return slices.Contains(ids, id) })
	})
}

// requireAtomicCut checks a Ready snapshot of the claims' VM: one group
// cut (however often the driver was asked for it) took exactly their volumes, the snapshot says
// AtomicCut, its content records the group and each disk's VolumeSnapshot
// (the group's), and no claim keeps the group label.
func requireAtomicCut(t *testing.T, f *framework.Framework, snap *snapshotapi.VirtualMachineSnapshot, claims []string, since time.Time) csidriver.Call {
	t.Helper()
	cuts := groupCutsOf(f, since, claims)
	cut, err := csidriver.OneGroupCut(cuts)
	if err != nil {
		t.Fatalf("want one group cut of %v: %v; calls %+v", claims, err, cuts)
	}
	var want []string
	for _, c := range claims {
		want = append(want, f.ClaimVolumeID(c))
	}
	got := slices.Clone(cut.SourceVolumeIDs)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("the group cut took volumes %v; want exactly %v", got, want)
	}
	if indicationMessage(snap, snapshotapi.IndicationAtomicCut) == "" {
		t.Errorf("want indication AtomicCut; got %s", framework.DescribeSnapshot(snap))
	}
	content := f.ContentOf(snap)
	groupName := vmsnapshot.VolumeGroupSnapshotName(snap.UID)
	for _, b := range content.Spec.VolumeBackups {
		if ptr.Deref(b.VolumeGroupSnapshotName, "") != groupName || b.VolumeSnapshotName == nil {
			t.Errorf("volume %s records group %v and VolumeSnapshot %v; want group %s and its VolumeSnapshot",
				b.VolumeName, b.VolumeGroupSnapshotName, b.VolumeSnapshotName, groupName)
		}
	}
	for _, vs := range f.VolumeSnapshotsOf(content) {
		if ref := controller.GroupOwner(vs); ref == nil || ref.Name != groupName {
			t.Errorf("VolumeSnapshot %s was cut in group %+v; want the group %s", vs.Name, ref, groupName)
		}
	}
	if labelled := f.ListClaims(vmsnapshot.GroupLabel(snap.UID)); len(labelled) != 0 {
		t.Errorf("%d claims still carry the group label %s", len(labelled), vmsnapshot.GroupLabel(snap.UID))
	}
	return cut
}

func indicationMessage(snap *snapshotapi.VirtualMachineSnapshot, t snapshotapi.IndicationType) string {
	for _, i := range snap.Status.Indications {
		if i.Type == t {
			return i.Message
		}
	}
	return ""
}

// requireGenerations checks that each claim's volume holds the generation.
func requireGenerations(t *testing.T, f *framework.Framework, claims []string, want int64) {
	t.Helper()
	for _, c := range claims {
		f.WaitForClaimBound(c) // a restored claim binds once provisioned from its VolumeSnapshot
		if got := f.DiskGeneration(c); got != want {
			t.Errorf("claim %s holds write generation %d; want %d, the one of the cut", c, got, want)
		}
	}
}

// asCopy restores as a new VM "copy", its claims renamed copy-<n>.
func asCopy(claims []string) []framework.RestoreOption {
	opts := []framework.RestoreOption{framework.RestoreTarget("copy")}
	for i, c := range claims {
		opts = append(opts, framework.Rename("PersistentVolumeClaim", c, fmt.Sprintf("copy-%d", i)))
	}
	return opts
}

// claimsOfVM are the claims a VM's spec names, in volume order.
func claimsOfVM(f *framework.Framework, name string) []string {
	var claims []string
	for _, v := range f.GetVM(name).Spec.Template.Spec.Volumes {
		if v.PersistentVolumeClaim != nil {
			claims = append(claims, v.PersistentVolumeClaim.ClaimName)
		}
	}
	return claims
}

// A stopped VM with three disks is cut in one group; restores, in place
// and as a new VM, give every disk the data of that one cut.
func TestStoppedVMIsCutInOneGroupAndRestoredFromIt(t *testing.T) {
	f := framework.New(t)
	start := time.Now()
	vm := f.CreateVM("vm", framework.WithPVCDisks(3))
	claims := disks(vm.Name, 3)
	for _, c := range claims { // the user's own label, which the group's must not disturb
		if _, err := f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).Patch(f.Context(), c, types.MergePatchType,
			[]byte(`{"metadata":{"labels":{"team":"db"}}}`), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	writeAll(f, claims) // generation 1: what the snapshot must hold
	f.CreateSnapshot("snap", vm.Name)
	snap := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	if !ptr.Deref(snap.Status.Consistent, false) {
		t.Errorf("a stopped VM's snapshot is consistent; got %s", framework.DescribeSnapshot(snap))
	}
	requireAtomicCut(t, f, snap, claims, start)
	if labelled := f.ListClaims("team=db"); len(labelled) != len(claims) {
		t.Errorf("%d claims keep the user's label team=db; want all %d", len(labelled), len(claims))
	}
	writeAll(f, claims) // generation 2: after the cut

	f.CreateRestore("to-copy", "snap", asCopy(claims)...)
	f.WaitForRestorePhase("to-copy", snapshotapi.RestoreReady, framework.DefaultTimeout)
	requireGenerations(t, f, claimsOfVM(f, "copy"), 1)

	f.CreateRestore("in-place", "snap")
	f.WaitForRestorePhase("in-place", snapshotapi.RestoreReady, framework.DefaultTimeout)
	requireGenerations(t, f, claimsOfVM(f, vm.Name), 1)
}

// A running VM with a guest agent is frozen once, around the one group
// cut, and thawed right after it; restores, as a new VM and in place,
// give every disk the data of that cut.
func TestRunningVMWithAgentIsFrozenOnceAroundTheGroupCut(t *testing.T) {
	f := framework.New(t)
	start := time.Now()
	vm := f.CreateVM("vm", framework.WithPVCDisks(3))
	claims := disks(vm.Name, 3)
	f.StartVM(vm, true)
	writeAll(f, claims) // generation 1: what the snapshot must hold
	// Never: the copy restored next to the VM must not take its MAC.
	f.CreateSnapshot("snap", vm.Name, framework.WithKeepIPAddress(snapshotapi.KeepIPAddressNever))
	snap := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	if !ptr.Deref(snap.Status.Consistent, false) {
		t.Errorf("want consistent; got %s", framework.DescribeSnapshot(snap))
	}
	cut := requireAtomicCut(t, f, snap, claims, start)
	writeAll(f, claims) // generation 2: the guest went on writing

	calls := f.VirtAPICalls(vm.Name)
	freezes := framework.CallsOf(calls, fakevirtapi.OpFreeze)
	thaws := slices.DeleteFunc(framework.CallsOf(calls, fakevirtapi.OpUnfreeze), func(c fakevirtapi.Call) bool { return c.Result != fakevirtapi.ResultThawed })
	if len(freezes) != 1 || freezes[0].Result != fakevirtapi.ResultFroze || len(thaws) != 1 {
		t.Fatalf("want one freeze and one thaw; got freezes %+v, thaws %+v", freezes, thaws)
	}
	frozenAt, thawedAt := freezes[0].Time.Add(freezes[0].Duration), thaws[0].Time
	if !cut.Time.After(frozenAt) || !cut.CreationTime.Before(thawedAt) {
		t.Errorf("the group cut (called %s, cut %s) is not inside the freeze window %s .. %s",
			cut.Time.Format(time.StampMicro), cut.CreationTime.Format(time.StampMicro), frozenAt.Format(time.StampMicro), thawedAt.Format(time.StampMicro))
	}
	t.Logf("frozen for %s; the group cut took %s", thawedAt.Sub(frozenAt).Round(time.Millisecond), cut.Duration.Round(time.Millisecond))
	if f.Frozen(vm.Name) {
		t.Error("the guest is still frozen")
	}

	f.CreateRestore("to-copy", "snap", asCopy(claims)...)
	f.WaitForRestorePhase("to-copy", snapshotapi.RestoreReady, framework.DefaultTimeout)
	requireGenerations(t, f, claimsOfVM(f, "copy"), 1)
	f.StopVM(f.GetVM(vm.Name))
	f.CreateRestore("in-place", "snap")
	f.WaitForRestorePhase("in-place", snapshotapi.RestoreReady, framework.DefaultTimeout)
	requireGenerations(t, f, claimsOfVM(f, vm.Name), 1)
}

// Without a guest agent, best effort: one group cut, reported honestly as
// crash-consistent across disks, not application-consistent.
func TestNoAgentBestEffortIsCrashConsistentAcrossDisks(t *testing.T) {
	f := framework.New(t)
	start := time.Now()
	vm := f.CreateVM("vm", framework.WithPVCDisks(3))
	claims := disks(vm.Name, 3)
	f.StartVM(vm, false)
	f.CreateSnapshot("snap", vm.Name, framework.RequiredConsistency(false))
	snap := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	if ptr.Deref(snap.Status.Consistent, true) {
		t.Errorf("consistent must be false without a guest agent; got %s", framework.DescribeSnapshot(snap))
	}
	if indicationMessage(snap, snapshotapi.IndicationNoGuestAgent) == "" {
		t.Errorf("want indication NoGuestAgent; got %s", framework.DescribeSnapshot(snap))
	}
	if msg := indicationMessage(snap, snapshotapi.IndicationAtomicCut); !strings.Contains(msg, "crash-consistent across disks") {
		t.Errorf("AtomicCut says %q; want it to say crash-consistent across disks", msg)
	}
	requireAtomicCut(t, f, snap, claims, start)
}

// Disks on two drivers, or on a driver without group support, are cut one
// by one, and the snapshot says why.
func TestPerVolumeFallback(t *testing.T) {
	for name, tc := range map[string]struct {
		classes []string
		why     string
	}{
		"two drivers":            {[]string{cluster.StorageClassName, cluster.NoGroupStorageClassName}, "the disks are on 2 CSI drivers"},
		"a driver without group": {[]string{cluster.NoGroupStorageClassName, cluster.NoGroupStorageClassName}, "offers no VolumeGroupSnapshotClass"},
	} {
		t.Run(name, func(t *testing.T) {
			f := framework.New(t)
			start := time.Now()
			vm := f.CreateVM("vm", framework.WithPVCDisk("a", tc.classes[0]), framework.WithPVCDisk("b", tc.classes[1]))
			claims := []string{framework.ClaimName(vm.Name, "a"), framework.ClaimName(vm.Name, "b")}
			f.StartVM(vm, false)
			f.CreateSnapshot("snap", vm.Name, framework.RequiredConsistency(false))
			snap := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
			if msg := indicationMessage(snap, snapshotapi.IndicationPerVolumeCut); !strings.Contains(msg, tc.why) {
				t.Errorf("PerVolumeCut says %q; want it to say %q (%s)", msg, tc.why, framework.DescribeSnapshot(snap))
			}
			if indicationMessage(snap, snapshotapi.IndicationAtomicCut) != "" {
				t.Errorf("AtomicCut indicated for a per-volume cut: %s", framework.DescribeSnapshot(snap))
			}
			if cuts := groupCutsOf(f, start, claims); len(cuts) != 0 {
				t.Errorf("group cuts %+v; want none", cuts)
			}
			if n := len(f.VolumeSnapshotsOf(f.ContentOf(snap))); n != 2 {
				t.Errorf("%d VolumeSnapshots; want one per disk", n)
			}
		})
	}
}

// consistencyGroup: Required on disks that cannot be cut together waits,
// saying why, and fails at the deadline with the VM unlocked.
func TestRequiredGroupWaitsThenFails(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("vm", framework.WithPVCDisk("a", cluster.StorageClassName), framework.WithPVCDisk("b", cluster.NoGroupStorageClassName))
	f.CreateSnapshot("snap", vm.Name, framework.FailureDeadline(15*time.Second), func(s *snapshotapi.VirtualMachineSnapshotSpec) {
		s.ConsistencyGroup = snapshotapi.ConsistencyGroupRequired
	})
	f.WaitForSnapshotCondition("snap", snapshotapi.ConditionReady, metav1.ConditionFalse, vmsnapshot.ReasonNoConsistencyGroup, framework.DefaultTimeout)
	failed := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotFailed, framework.DefaultTimeout)
	if msg := ptr.Deref(failed.Status.Error.Message, ""); !strings.Contains(msg, "the disks are on 2 CSI drivers") {
		t.Errorf("the failure says %q; want why the disks cannot be cut together", msg)
	}
	if live := f.GetVM(vm.Name); live.Status.SnapshotInProgress != nil {
		t.Errorf("the VM is locked by %s", *live.Status.SnapshotInProgress)
	}
}

// A group cut the driver keeps failing is retried, then the snapshot fails
// at its deadline and everything it made goes: the group, its
// VolumeSnapshots, the content, the claims' label.
func TestFailingGroupCutIsRetriedThenCleanedUp(t *testing.T) {
	f := framework.New(t)
	start := time.Now()
	failing := f.CreateStorageClass(map[string]string{csidriver.ParamFailSnapshot: "always"})
	vm := f.CreateVM("vm", framework.WithPVCDisk("a", failing), framework.WithPVCDisk("b", failing))
	claims := []string{framework.ClaimName(vm.Name, "a"), framework.ClaimName(vm.Name, "b")}
	f.CreateSnapshot("snap", vm.Name, framework.FailureDeadline(20*time.Second))
	snap := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotFailed, framework.DefaultTimeout)
	if cuts := groupCutsOf(f, start, claims); len(cuts) < 2 || slices.ContainsFunc(cuts, func(c csidriver.Call) bool { return c.Code == "OK" }) {
		t.Errorf("group cuts %+v; want at least two failed attempts (retried), none successful", cuts)
	}
	f.WaitForContentGone(vmsnapshot.ContentName(snap))
	f.Eventually("the failed snapshot's group and VolumeSnapshots", "gone", framework.DefaultTimeout, func(ctx context.Context) (bool, string, error) {
		groups, err := f.Snapshots.GroupsnapshotV1().VolumeGroupSnapshots(f.Namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, "", err
		}
		left := len(f.ListVolumeSnapshots())
		return len(groups.Items) == 0 && left == 0, fmt.Sprintf("%d groups, %d VolumeSnapshots", len(groups.Items), left), nil
	})
	if labelled := f.ListClaims(vmsnapshot.GroupLabel(snap.UID)); len(labelled) != 0 {
		t.Errorf("%d claims still carry the group label", len(labelled))
	}
}

// A snapshot of one disk of a VM whose disks could be cut together takes
// that disk alone, as a VolumeSnapshot of its own.
func TestDiskSnapshotIsNotAGroup(t *testing.T) {
	f := framework.New(t)
	start := time.Now()
	vm := f.CreateVM("vm", framework.WithPVCDisks(3))
	claims := disks(vm.Name, 3)
	f.CreateDiskSnapshot("disk", claims[0])
	f.WaitForDiskSnapshotPhase("disk", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	if cuts := groupCutsOf(f, start, claims); len(cuts) != 0 {
		t.Errorf("group cuts %+v; want none for a disk snapshot", cuts)
	}
}

// Deleting a group snapshot deletes its group, the group's VolumeSnapshots
// and their storage; a retained one keeps them, binds to a new snapshot
// and restores from the group's VolumeSnapshots.
func TestGroupDeletionAndRetain(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(2))
	claims := disks(vm.Name, 2)
	writeAll(f, claims)

	f.CreateSnapshot("gone", vm.Name)
	gone := f.WaitForSnapshotPhase("gone", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	f.DeleteSnapshot("gone")
	f.WaitForSnapshotGone("gone")
	f.WaitForContentGone(vmsnapshot.ContentName(gone))
	volumeIDs := []string{f.ClaimVolumeID(claims[0]), f.ClaimVolumeID(claims[1])}
	f.Eventually("the deleted snapshot's VolumeSnapshots and backend snapshots", "gone", framework.DefaultTimeout, func(context.Context) (bool, string, error) {
		if n := len(f.ListVolumeSnapshots()); n != 0 {
			return false, fmt.Sprintf("%d VolumeSnapshots", n), nil
		}
		stored, err := csidriver.StoredSnapshots(f.Cluster.CSIStateDirOf(cluster.DefaultDriverName))
		if err != nil {
			return false, "", err
		}
		for _, s := range stored {
			if slices.Contains(volumeIDs, s.SourceVolumeID) {
				return false, "backend snapshot " + s.ID + " of volume " + s.SourceVolumeID, nil
			}
		}
		return true, "", nil
	})

	f.CreateSnapshot("kept", vm.Name, framework.WithDeletionPolicy(snapshotapi.DeletionPolicyRetain))
	kept := f.WaitForSnapshotPhase("kept", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	contentName := vmsnapshot.ContentName(kept)
	writeAll(f, claims) // generation 2, after the retained cut
	f.DeleteSnapshot("kept")
	f.WaitForSnapshotGone("kept")
	if n := len(f.VolumeSnapshotsOf(f.GetContent(contentName))); n != 2 {
		t.Fatalf("the retained content keeps %d VolumeSnapshots; want 2", n)
	}
	f.CreateSnapshot("bound", "", framework.FromContent(contentName))
	f.WaitForSnapshotPhase("bound", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	f.CreateRestore("from-retained", "bound", asCopy(claims)...)
	f.WaitForRestorePhase("from-retained", snapshotapi.RestoreReady, framework.DefaultTimeout)
	requireGenerations(t, f, claimsOfVM(f, "copy"), 1)
}
