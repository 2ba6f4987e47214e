package vmsnapshot

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
)

// Objects that another user made under the names a snapshot derives from
// its UID are never taken as the snapshot's own: the snapshot waits, saying
// which object is in the way, before it locks or freezes the VM, and fails
// at its deadline; the intruder is never written.
func TestSyncNeverAdoptsAnIntruder(t *testing.T) {
	snap := newSnapshot(time.Minute)
	intruders := map[string]runtime.Object{
		"VolumeSnapshot": &snapshotv1.VolumeSnapshot{ObjectMeta: metav1.ObjectMeta{
			Name: VolumeSnapshotName(snap.UID, "root"), Namespace: "ns", UID: "intruder"}},
		"VirtualMachineSnapshotContent": &snapshotapi.VirtualMachineSnapshotContent{ObjectMeta: metav1.ObjectMeta{
			Name: ContentName(snap), Namespace: "ns", UID: "intruder"},
			Spec: snapshotapi.VirtualMachineSnapshotContentSpec{VirtualMachineSnapshotName: ptr.To("snap")}},
	}
	for kind, intruder := range intruders {
		t.Run(kind, func(t *testing.T) {
			vm := vmWithVolumes(pvcVolume("root", "root-pvc"))
			f := newFixture(t, created.Add(10*time.Second), append(storageObjects(), vm, runningVMI(true), newSnapshot(time.Minute), intruder)...)

			requeue, err := f.c.sync(context.Background(), "ns/snap")
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(f.actions(), ","); got != "update virtualmachinesnapshots/status" {
				t.Errorf("writes %s; want only the status: no lock, no freeze, nothing created", got)
			}
			st := f.status("snap")
			ready := meta(st.Conditions, snapshotapi.ConditionReady)
			if st.Phase != snapshotapi.SnapshotPending || ready == nil || ready.Reason != ReasonNameConflict ||
				!strings.Contains(ready.Message, kind+" ") {
				t.Fatalf("want Pending with Ready=False %s naming the %s; got %s %+v", ReasonNameConflict, kind, st.Phase, ready)
			}
			if requeue <= 0 || requeue > 50*time.Second {
				t.Errorf("requeue %s; want a wake-up no later than the deadline", requeue)
			}

			f.clock.Step(time.Minute)
			f.catchUp()
			f.writes = nil
			if _, err := f.c.sync(context.Background(), "ns/snap"); err != nil {
				t.Fatal(err)
			}
			st = f.status("snap")
			if ready := meta(st.Conditions, snapshotapi.ConditionReady); st.Phase != snapshotapi.SnapshotFailed || ready.Reason != ReasonNameConflict {
				t.Errorf("past the deadline: want Failed with %s; got %s %+v", ReasonNameConflict, st.Phase, ready)
			}
			for _, w := range f.actions() {
				if strings.HasPrefix(w, "delete") || strings.Contains(w, "unfreeze") || strings.Contains(w, "freeze") {
					t.Errorf("past the deadline the snapshot wrote %q; the intruder and the VM must be left alone", w)
				}
			}
		})
	}
}

// A Secret copy's name taken by a Secret the content does not control keeps
// the snapshot from Ready: the restore would put that Secret's data into
// the guest.
func TestSyncNeverTakesAForeignSecretAsItsCopy(t *testing.T) {
	snap := newSnapshot(time.Minute, func(s *snapshotapi.VirtualMachineSnapshot) {
		s.Status.Phase = snapshotapi.SnapshotInProgress
	})
	content := &snapshotapi.VirtualMachineSnapshotContent{
		ObjectMeta: metav1.ObjectMeta{Name: ContentName(snap), Namespace: "ns"},
		Spec: snapshotapi.VirtualMachineSnapshotContentSpec{
			VirtualMachineSnapshotName: ptr.To("snap"),
			SourceUID:                  ptr.To(vmWithVolumes().UID),
			VolumeBackups: []snapshotapi.VolumeBackup{{
				VolumeName: "root", VolumeSnapshotName: ptr.To(VolumeSnapshotName(snap.UID, "root")),
				PersistentVolumeClaim: snapshotapi.PersistentVolumeClaimTemplate{Name: "root-pvc"},
			}},
			SecretBackups: []snapshotapi.SecretBackup{{Name: "cloudinit", BackupSecretName: SecretBackupName(snap.UID, "cloudinit")}},
		},
	}
	vs := &snapshotv1.VolumeSnapshot{
		ObjectMeta: metav1.ObjectMeta{Name: VolumeSnapshotName(snap.UID, "root"), Namespace: "ns"},
		Status:     &snapshotv1.VolumeSnapshotStatus{CreationTime: ptr.To(metav1.NewTime(created.Add(time.Second))), ReadyToUse: ptr.To(true)},
	}
	ownedBy(snap, content, vs)
	foreign := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: SecretBackupName(snap.UID, "cloudinit"), Namespace: "ns"},
		Data: map[string][]byte{"userdata": []byte("not the VM's")}}
	vm := vmWithVolumes(pvcVolume("root", "root-pvc"))
	vm.Status.SnapshotInProgress = ptr.To("snap")
	f := newFixture(t, created.Add(10*time.Second), append(storageObjects(), vm, snap, content, vs, foreign)...)

	if _, err := f.c.sync(context.Background(), "ns/snap"); err != nil {
		t.Fatal(err)
	}
	st := f.status("snap")
	ready := meta(st.Conditions, snapshotapi.ConditionReady)
	if st.Phase == snapshotapi.SnapshotReady || ready == nil || ready.Reason != ReasonNameConflict || !strings.Contains(ready.Message, foreign.Name) {
		t.Fatalf("want not Ready, with %s naming Secret %s; got %s %+v", ReasonNameConflict, foreign.Name, st.Phase, ready)
	}
}

// A VM whose content the API server would refuse (more volumes than the
// schema allows, or a spec too large to store) is never locked: the
// snapshot waits saying why, and fails at its deadline. (Before, the VM was
// locked first, and stayed locked for good with failureDeadline 0s.)
func TestSyncChecksTheContentFitsBeforeLockingTheVM(t *testing.T) {
	manyDisks := vmWithVolumes()
	objects := storageObjects()
	for i := range maxContentListItems + 1 {
		claim := boundClaim(fmt.Sprintf("pvc-%d", i), "fast")
		objects = append(objects, claim)
		manyDisks.Spec.Template.Spec.Volumes = append(manyDisks.Spec.Template.Spec.Volumes, pvcVolume(fmt.Sprintf("disk%d", i), claim.Name))
	}
	hugeSpec := vmWithVolumes(pvcVolume("root", "root-pvc"))
	hugeSpec.Annotations = map[string]string{"notes": strings.Repeat("x", maxContentBytes)}

	for name, tc := range map[string]struct {
		vm      *kubevirtv1.VirtualMachine
		objects []runtime.Object
		says    string
	}{
		"too many volumes": {manyDisks, objects, "the VM has 257 volumes to snapshot; a snapshot holds at most 256"},
		"spec too large":   {hugeSpec, storageObjects(), "a snapshot holds at most 1048576"},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, created.Add(time.Second), append(tc.objects, tc.vm, newSnapshot(0))...)
			if _, err := f.c.sync(context.Background(), "ns/snap"); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(f.actions(), ","); got != "update virtualmachinesnapshots/status" {
				t.Errorf("writes %s; want only the status: the VM must not be locked", got)
			}
			st := f.status("snap")
			ready := meta(st.Conditions, snapshotapi.ConditionReady)
			if st.Phase != snapshotapi.SnapshotPending || ready == nil || ready.Reason != ReasonContentTooLarge || !strings.Contains(ready.Message, tc.says) {
				t.Errorf("want Pending, %s saying %q; got %s %+v", ReasonContentTooLarge, tc.says, st.Phase, ready)
			}
		})
	}
}

// A content without an owner that names a Retain snapshot is the
// snapshot's only if the snapshot's status names it: otherwise anyone
// could make one before the snapshot starts. (Before, naming the snapshot
// was enough.)
func TestSyncNeverAdoptsAnIntruderAsItsRetainedContent(t *testing.T) {
	snap := newSnapshot(time.Minute, func(s *snapshotapi.VirtualMachineSnapshot) { s.Spec.DeletionPolicy = snapshotapi.DeletionPolicyRetain })
	intruder := &snapshotapi.VirtualMachineSnapshotContent{ObjectMeta: metav1.ObjectMeta{Name: ContentName(snap), Namespace: "ns", UID: "intruder"},
		Spec: snapshotapi.VirtualMachineSnapshotContentSpec{VirtualMachineSnapshotName: ptr.To("snap"), DeletionPolicy: snapshotapi.DeletionPolicyRetain}}
	f := newFixture(t, created.Add(10*time.Second), append(storageObjects(), vmWithVolumes(pvcVolume("root", "root-pvc")), snap, intruder)...)
	if _, err := f.c.sync(context.Background(), "ns/snap"); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.actions(), ","); got != "update virtualmachinesnapshots/status" {
		t.Errorf("writes %s; want only the status", got)
	}
	if ready := meta(f.status("snap").Conditions, snapshotapi.ConditionReady); ready == nil || ready.Reason != ReasonNameConflict {
		t.Errorf("Ready %+v; want %s", ready, ReasonNameConflict)
	}
}

// The release of a retained content is remembered until the cache shows
// it: a sync that reads the content before then does not release it again
// (an update from a stale version, refused with a conflict).
func TestSyncRemembersTheReleaseOfARetainedContent(t *testing.T) {
	snap := newSnapshot(5*time.Minute, func(s *snapshotapi.VirtualMachineSnapshot) { s.Spec.DeletionPolicy = snapshotapi.DeletionPolicyRetain })
	f := newFixture(t, created, append(storageObjects(), vmWithVolumes(pvcVolume("root", "root-pvc")), snap)...)
	if _, err := f.c.sync(context.Background(), "ns/snap"); err != nil {
		t.Fatal(err)
	}
	f.catchUp()
	f.writes = nil
	if _, err := f.c.sync(context.Background(), "ns/snap"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(f.actions(), ","), "update virtualmachinesnapshotcontents") {
		t.Fatalf("writes %s; want the release", strings.Join(f.actions(), ","))
	}
	// The cache still shows the content as the snapshot's dependent.
	f.writes = nil
	if _, err := f.c.sync(context.Background(), "ns/snap"); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(strings.Join(f.actions(), ","), "virtualmachinesnapshotcontents") {
		t.Errorf("writes %s; the content was released already", strings.Join(f.actions(), ","))
	}
}
