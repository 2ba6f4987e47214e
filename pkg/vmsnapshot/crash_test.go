package vmsnapshot

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	groupsnapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumegroupsnapshot/v1"
	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	kubetesting "k8s.io/client-go/testing"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/controller"
	"vmsnap.io/vmsnap/pkg/controller/controllertest"
	"vmsnap.io/vmsnap/pkg/freeze"
)

// These tests kill the controller between two writes, or make one write
// fail, and check that what follows from the API alone ends right: the
// snapshot Ready with everything a restore needs, or Failed with a reason;
// the VM unlocked and thawed; consistency claimed only for one freeze window.

// guestLog records, in order, the guest freezes and thaws and the
// VolumeSnapshots created, as the fake API sees them.
// Watch it after injecting faults: calls a fault refuses are not logged.
type guestLog struct {
	mu     sync.Mutex
	events []string
}

func (g *guestLog) watch(f *fixture) {
	g.events = nil
	f.kubevirt.PrependReactor("put", "virtualmachineinstances", func(a kubetesting.Action) (bool, runtime.Object, error) {
		g.add(a.GetSubresource())
		return false, nil, nil
	})
	// VolumeSnapshots of one sync are created in parallel.
	f.snapshot.PrependReactor("create", "volumesnapshots", func(a kubetesting.Action) (bool, runtime.Object, error) {
		g.add("cut " + a.(kubetesting.CreateAction).GetObject().(*snapshotv1.VolumeSnapshot).Name)
		return false, nil, nil
	})
	// A group is one cut of every disk.
	f.snapshot.PrependReactor("create", "volumegroupsnapshots", func(a kubetesting.Action) (bool, runtime.Object, error) {
		g.add("cut " + a.(kubetesting.CreateAction).GetObject().(*groupsnapshotv1.VolumeGroupSnapshot).Name)
		return false, nil, nil
	})
}

func (g *guestLog) add(event string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.events = append(g.events, event)
}

// cutInOneWindow reports whether the VolumeSnapshots that exist now were all
// created after one freeze with no thaw or other freeze in between.
func (g *guestLog) cutInOneWindow(existing []string) bool {
	var window []string
	inWindow := false
	lastCreate := map[string]int{}
	windowOf := map[string]int{}
	n := 0
	for _, e := range g.events {
		switch {
		case e == "freeze":
			n++
			inWindow = true
		case e == "unfreeze":
			inWindow = false
			n++
		case strings.HasPrefix(e, "cut "):
			name := strings.TrimPrefix(e, "cut ")
			lastCreate[name] = len(window)
			window = append(window, name)
			if inWindow {
				windowOf[name] = n
			} else {
				windowOf[name] = -1
			}
		}
	}
	first := -2
	for _, name := range existing {
		w, ok := windowOf[name]
		if !ok || w < 0 || (first != -2 && w != first) {
			return false
		}
		first = w
	}
	return true
}

// storageCuts plays the CSI stack: every VolumeSnapshot is cut and ready.
func storageCuts(t *testing.T, f *fixture, at time.Time) {
	ctx := context.Background()
	list, err := f.snapshot.SnapshotV1().VolumeSnapshots("ns").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	groupCuts(t, f, at)
	for i := range list.Items {
		vs := &list.Items[i]
		if vs.Status != nil && vs.Status.CreationTime != nil {
			continue
		}
		vs.Status = &snapshotv1.VolumeSnapshotStatus{CreationTime: ptr.To(metav1.NewTime(at)), ReadyToUse: ptr.To(true)}
		if err := f.snapshot.Tracker().Update(snapshotv1.SchemeGroupVersion.WithResource("volumesnapshots"), vs, "ns"); err != nil {
			t.Fatal(err)
		}
	}
}

// settle syncs the snapshot until it is Ready or Failed, the caches caught
// up and the storage cutting between syncs, a second apart.
func settle(t *testing.T, f *fixture, key string) snapshotapi.VirtualMachineSnapshotStatus {
	t.Helper()
	for i := 0; i < 20; i++ {
		f.clock.Step(time.Second)
		f.catchUp()
		_, _ = f.c.sync(context.Background(), key)
		storageCuts(t, f, f.clock.Now())
		st := f.status(strings.Split(key, "/")[1])
		if st.Phase == snapshotapi.SnapshotReady || st.Phase == snapshotapi.SnapshotFailed {
			// One more sync, as a resync would: it must change nothing.
			f.catchUp()
			if _, err := f.c.sync(context.Background(), key); err != nil {
				t.Fatalf("resync of a %s snapshot: %v", st.Phase, err)
			}
			return f.status(strings.Split(key, "/")[1])
		}
	}
	t.Fatalf("snapshot neither Ready nor Failed after 20 syncs: %+v", f.status(strings.Split(key, "/")[1]))
	return snapshotapi.VirtualMachineSnapshotStatus{}
}

func vmWithSecret() (*kubevirtv1.VirtualMachine, *corev1.Secret) {
	vm := vmWithVolumes(pvcVolume("root", "root-pvc"), kubevirtv1.Volume{Name: "cloudinit", VolumeSource: kubevirtv1.VolumeSource{
		CloudInitNoCloud: &kubevirtv1.CloudInitNoCloudSource{UserDataSecretRef: &corev1.LocalObjectReference{Name: "userdata"}},
	}})
	vm.UID = "vm-uid"
	return vm, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "userdata", Namespace: "ns"}, Data: map[string][]byte{"userdata": []byte("#cloud-config")}}
}

// Item 1 of the crash-proof issue: the status write after the content was
// made is lost, and one Secret copy is refused; the controller restarts.
// The snapshot must still end Ready with what the content recorded (source
// UID, indications, volume lists), with consistent false for a VM without
// a guest agent, with its Secret copy, and stay Ready on a resync.
func TestLostStatusWriteAfterTheContentLosesNothing(t *testing.T) {
	for name, lose := range map[string]*controllertest.Fault{
		"status write refused":             {Verb: "update", Resource: "virtualmachinesnapshots", Subresource: "status", Err: controllertest.APIErrors()["InternalError"], Times: 1},
		"status write landed, answer lost": {Verb: "update", Resource: "virtualmachinesnapshots", Subresource: "status", Err: controllertest.APIErrors()["Timeout"], Times: 1, Landed: true},
		"status write conflicts":           {Verb: "update", Resource: "virtualmachinesnapshots", Subresource: "status", Err: controllertest.APIErrors()["Conflict"], Times: 1},
	} {
		t.Run(name, func(t *testing.T) {
			vm, secret := vmWithSecret()
			snap := newSnapshot(5*time.Minute, func(s *snapshotapi.VirtualMachineSnapshot) { s.Spec.RequiredConsistency = ptr.To(false) })
			f := newFixture(t, created, append(storageObjects(), vm, runningVMI(false), secret, snap)...)
			refused := &controllertest.Fault{Verb: "create", Resource: "secrets", Err: controllertest.APIErrors()["QuotaExceeded"], Times: 1}
			controllertest.Inject(f.kube, refused)
			controllertest.Inject(f.vmsnap, lose)

			if _, err := f.c.sync(context.Background(), "ns/snap"); err == nil {
				t.Fatal("first sync: want the injected error")
			}
			if _, err := f.vmsnap.SnapshotV1alpha1().VirtualMachineSnapshotContents("ns").Get(context.Background(), ContentName(snap), metav1.GetOptions{}); err != nil {
				t.Fatalf("the content was not created before the faults: %v", err)
			}
			f.restart()
			st := settle(t, f, "ns/snap")

			if refused.Applied() != 1 {
				t.Fatalf("the Secret copy fault was applied %d times, want 1", refused.Applied())
			}
			if st.Phase != snapshotapi.SnapshotReady || !ptr.Deref(st.ReadyToUse, false) {
				t.Fatalf("phase %s, readyToUse %v, conditions %+v: want Ready", st.Phase, st.ReadyToUse, st.Conditions)
			}
			if ptr.Deref(st.Consistent, true) {
				t.Error("consistent: true for a VM without a guest agent")
			}
			if !hasIndicationIn(st, snapshotapi.IndicationNoGuestAgent) || !hasIndicationIn(st, snapshotapi.IndicationOnline) {
				t.Errorf("indications %v, want Online and NoGuestAgent", st.Indications)
			}
			if ptr.Deref(st.SourceUID, "") != vm.UID || ptr.Deref(st.VirtualMachineSnapshotContentName, "") != ContentName(snap) {
				t.Errorf("sourceUID %v, content %v; want %s and %s", st.SourceUID, st.VirtualMachineSnapshotContentName, vm.UID, ContentName(snap))
			}
			if st.SnapshotVolumes == nil || !slices.Equal(st.SnapshotVolumes.IncludedVolumes, []string{"root"}) ||
				len(st.SnapshotVolumes.ExcludedVolumes) != 1 || st.SnapshotVolumes.ExcludedVolumes[0].Name != "cloudinit" {
				t.Errorf("snapshotVolumes %+v, want root included and cloudinit excluded", st.SnapshotVolumes)
			}
			copyName := SecretBackupName(snap.UID, "userdata")
			if c, err := f.kube.CoreV1().Secrets("ns").Get(context.Background(), copyName, metav1.GetOptions{}); err != nil || string(c.Data["userdata"]) != "#cloud-config" {
				t.Errorf("Secret copy %s: %v, %v; want it made with the Secret's data", copyName, c, err)
			}
			vmNow, _ := f.kubevirt.KubevirtV1().VirtualMachines("ns").Get(context.Background(), "vm", metav1.GetOptions{})
			if vmNow.Status.SnapshotInProgress != nil {
				t.Errorf("VM still locked by %s", *vmNow.Status.SnapshotInProgress)
			}
		})
	}
}

// Item 4 of the crash-proof issue: the controller dies after some of a
// frozen VM's VolumeSnapshots were created and comes back after the guest
// thawed by itself. It must not cut the rest in a second freeze and call
// the whole consistent: every volume is cut again in one freeze window.
func TestRestartMidCutRetakesEveryVolumeInOneWindow(t *testing.T) {
	for name, deleteFault := range map[string]*controllertest.Fault{
		"retake": nil,
		"retake, the first delete of the old cut refused": {Verb: "delete", Resource: "volumesnapshots", Err: controllertest.APIErrors()["InternalError"], Times: 1},
		"retake, the first delete landed, answer lost":    {Verb: "delete", Resource: "volumesnapshots", Err: controllertest.APIErrors()["Timeout"], Times: 1, Landed: true},
	} {
		t.Run(name, func(t *testing.T) {
			vm := vmWithVolumes(pvcVolume("root", "root-pvc"), pvcVolume("data", "data-pvc"))
			vm.UID = "vm-uid"
			snap := newSnapshot(5 * time.Minute)
			f := newFixture(t, created, append(storageObjects(), boundClaim("data-pvc", "fast"), vm, runningVMI(true), snap)...)
			var log guestLog
			// The second VolumeSnapshot is refused: the process dies right after.
			controllertest.Inject(f.snapshot, &controllertest.Fault{Verb: "create", Resource: "volumesnapshots", Err: controllertest.APIErrors()["InternalError"], Skip: 1, Times: 1})
			log.watch(f)
			if _, err := f.c.sync(context.Background(), "ns/snap"); err == nil {
				t.Fatal("first sync: want the injected error")
			}
			if got := len(log.events); got != 3 || log.events[0] != "freeze" {
				t.Fatalf("events %v: want a freeze and two creates, one of them refused", log.events)
			}
			// Down past the auto-thaw: the guest thawed by itself.
			f.clock.Step(time.Minute)
			if deleteFault != nil {
				controllertest.Inject(f.snapshot, deleteFault)
			}
			f.restart()
			st := settle(t, f, "ns/snap")

			list, err := f.snapshot.SnapshotV1().VolumeSnapshots("ns").List(context.Background(), metav1.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var existing []string
			for _, vs := range list.Items {
				existing = append(existing, vs.Name)
			}
			oneWindow := log.cutInOneWindow(existing)
			if ptr.Deref(st.Consistent, false) && !oneWindow {
				t.Fatalf("consistent: true, but the VolumeSnapshots %v were not all cut in one freeze window: %v", existing, log.events)
			}
			if st.Phase != snapshotapi.SnapshotReady || !ptr.Deref(st.Consistent, false) || len(existing) != 2 {
				t.Fatalf("phase %s, consistent %v, VolumeSnapshots %v, events %v: want Ready and consistent, both volumes cut again in one window",
					st.Phase, st.Consistent, existing, log.events)
			}
			if log.events[len(log.events)-1] != "unfreeze" {
				t.Errorf("events %v: the guest is not thawed at the end", log.events)
			}
		})
	}
}

// Item 4 of the crash-proof issue, the thaw: after a restart, a failed
// snapshot whose guest may have been frozen must not thaw the VM while the
// VM lock names another snapshot: that one may hold the guest frozen.
func TestFailedSnapshotNeverThawsAnotherHoldersFreeze(t *testing.T) {
	vm := vmWithVolumes(pvcVolume("root", "root-pvc"))
	vm.Status.SnapshotInProgress = ptr.To("other")
	snap := newSnapshot(5*time.Minute, func(s *snapshotapi.VirtualMachineSnapshot) {
		s.Status.Phase = snapshotapi.SnapshotFailed
		s.Status.Indications = indications(freeze.Freeze, volumePlan{}, groupPlan{})
	})
	content := &snapshotapi.VirtualMachineSnapshotContent{
		ObjectMeta: metav1.ObjectMeta{Name: ContentName(snap), Namespace: "ns"},
		Spec:       snapshotapi.VirtualMachineSnapshotContentSpec{Indications: indications(freeze.Freeze, volumePlan{}, groupPlan{})},
	}
	f := newFixture(t, created.Add(time.Minute), append(storageObjects(), vm, runningVMI(true), snap, content)...)
	if _, err := f.c.sync(context.Background(), "ns/snap"); err != nil {
		t.Fatal(err)
	}
	for _, w := range f.actions() {
		if strings.Contains(w, "unfreeze") {
			t.Fatalf("writes %v: a failed snapshot thawed the VM whose lock another snapshot holds", f.actions())
		}
	}

	// Its own lock: it thaws, then unlocks.
	vm = vm.DeepCopy()
	vm.Status.SnapshotInProgress = ptr.To("snap")
	f = newFixture(t, created.Add(time.Minute), append(storageObjects(), vm, runningVMI(true), snap, content)...)
	if _, err := f.c.sync(context.Background(), "ns/snap"); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.actions(), ","); !strings.HasPrefix(got, "put virtualmachineinstances/unfreeze,update virtualmachines/status") {
		t.Errorf("writes %s: the holder must thaw, then unlock", got)
	}
}

// Item 6 of the crash-proof issue: a Retain snapshot's content must not be
// a dependent of the snapshot once anything is cut into it, or a foreground
// deletion has the garbage collector delete it with its VolumeSnapshots. It
// is created as one, the proof that the snapshot made it, and released
// before the first VolumeSnapshot, once the status names it.
func TestRetainedContentIsNoDependentOfItsSnapshot(t *testing.T) {
	for _, policy := range []snapshotapi.DeletionPolicy{snapshotapi.DeletionPolicyRetain, snapshotapi.DeletionPolicyDelete} {
		t.Run(string(policy), func(t *testing.T) {
			vm := vmWithVolumes(pvcVolume("root", "root-pvc"))
			snap := newSnapshot(5*time.Minute, func(s *snapshotapi.VirtualMachineSnapshot) { s.Spec.DeletionPolicy = policy })
			f := newFixture(t, created, append(storageObjects(), vm, snap)...)
			content := func() *snapshotapi.VirtualMachineSnapshotContent {
				t.Helper()
				c, err := f.vmsnap.SnapshotV1alpha1().VirtualMachineSnapshotContents("ns").Get(context.Background(), ContentName(snap), metav1.GetOptions{})
				if err != nil {
					t.Fatal(err)
				}
				return c
			}
			volumeSnapshots := func() int {
				list, err := f.snapshot.SnapshotV1().VolumeSnapshots("ns").List(context.Background(), metav1.ListOptions{})
				if err != nil {
					t.Fatal(err)
				}
				return len(list.Items)
			}
			for range 2 {
				if _, err := f.c.sync(context.Background(), "ns/snap"); err != nil {
					t.Fatal(err)
				}
				if owned := metav1.IsControlledBy(content(), snap); owned && policy == snapshotapi.DeletionPolicyRetain && volumeSnapshots() > 0 {
					t.Fatalf("a VolumeSnapshot was made while the retained content was the snapshot's dependent")
				}
				f.catchUp()
			}
			owned := metav1.IsControlledBy(content(), snap)
			if want := policy == snapshotapi.DeletionPolicyDelete; owned != want || (!want && len(content().OwnerReferences) > 0) {
				t.Errorf("content owners %+v with deletionPolicy %s; want owned by the snapshot: %v", content().OwnerReferences, policy, want)
			}
			if volumeSnapshots() != 1 {
				t.Errorf("%d VolumeSnapshots after two syncs; want the one volume's", volumeSnapshots())
			}
		})
	}
}

// A controller that dies after every volume was created in the freeze
// window, before the cut, comes back not knowing whether the guest is still
// frozen: as the holder of the VM lock it thaws at the cut, and the cut
// inside the window is consistent.
func TestRestartAfterTheCreatesThawsAtTheCut(t *testing.T) {
	vm := vmWithVolumes(pvcVolume("root", "root-pvc"))
	f := newFixture(t, created, append(storageObjects(), vm, runningVMI(true), newSnapshot(5*time.Minute))...)
	var log guestLog
	log.watch(f)
	if _, err := f.c.sync(context.Background(), "ns/snap"); err != nil {
		t.Fatal(err)
	}
	f.restart()
	st := settle(t, f, "ns/snap")
	if st.Phase != snapshotapi.SnapshotReady || !ptr.Deref(st.Consistent, false) {
		t.Fatalf("phase %s, consistent %v: want Ready and consistent", st.Phase, st.Consistent)
	}
	if got := strings.Join(log.events, ","); got != "freeze,cut "+VolumeSnapshotName("uid-1", "root")+",unfreeze" {
		t.Errorf("events %s: want the restarted controller to thaw at the cut", got)
	}
}

// A snapshot deleted right after a restore from it waits for the restored
// claims to bind before it deletes their VolumeSnapshots: csi-provisioner
// refuses to provision from a VolumeSnapshot being deleted, and
// snapshot-controller does not finish deleting one a claim is provisioned
// from, so deleting it at once strands the snapshot and the restored disk.
func TestDeletionWaitsForClaimsBeingRestored(t *testing.T) {
	snap := newSnapshot(5*time.Minute, func(s *snapshotapi.VirtualMachineSnapshot) {
		s.DeletionTimestamp = ptr.To(metav1.NewTime(created.Add(time.Minute)))
		s.Status.Phase = snapshotapi.SnapshotReady
		s.Status.CreationTime = ptr.To(metav1.NewTime(created))
	})
	content := &snapshotapi.VirtualMachineSnapshotContent{
		ObjectMeta: metav1.ObjectMeta{Name: ContentName(snap), Namespace: "ns", UID: "content-uid", OwnerReferences: contentOwners(snap)},
		Spec: snapshotapi.VirtualMachineSnapshotContentSpec{VirtualMachineSnapshotName: ptr.To("snap"), VolumeBackups: []snapshotapi.VolumeBackup{{
			VolumeName: "root", VolumeSnapshotName: ptr.To(VolumeSnapshotName(snap.UID, "root")),
		}}},
	}
	vs := &snapshotv1.VolumeSnapshot{ObjectMeta: metav1.ObjectMeta{Name: VolumeSnapshotName(snap.UID, "root"), Namespace: "ns", UID: "vs-uid",
		OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(content, snapshotapi.SchemeGroupVersion.WithKind("VirtualMachineSnapshotContent"))}}}
	restoring := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "restored", Namespace: "ns"},
		Spec: corev1.PersistentVolumeClaimSpec{DataSource: &corev1.TypedLocalObjectReference{
			APIGroup: ptr.To(snapshotv1.GroupName), Kind: "VolumeSnapshot", Name: vs.Name}},
		Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending},
	}
	vm := vmWithVolumes(pvcVolume("root", "root-pvc"))
	f := newFixture(t, created.Add(time.Minute), append(storageObjects(), vm, snap, content, vs, restoring)...)

	requeue, err := f.c.sync(context.Background(), "ns/snap")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range f.actions() {
		if strings.HasPrefix(w, "delete") {
			t.Fatalf("writes %v: deleted while a claim is restored from the VolumeSnapshot", f.actions())
		}
	}
	if requeue <= 0 {
		t.Errorf("requeue %s: the wait must be rechecked", requeue)
	}

	bound := restoring.DeepCopy()
	bound.Status.Phase = corev1.ClaimBound
	if err := f.kube.Tracker().Update(corev1.SchemeGroupVersion.WithResource("persistentvolumeclaims"), bound, "ns"); err != nil {
		t.Fatal(err)
	}
	f.catchUp()
	f.writes = nil
	if _, err := f.c.sync(context.Background(), "ns/snap"); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.actions(), ","); !strings.Contains(got, "delete volumesnapshots") {
		t.Errorf("writes %s: once the claim is bound, the VolumeSnapshot is deleted", got)
	}
}

// Deleting a snapshot deletes its VolumeSnapshots, then its content. Each
// of those writes may be refused, or land and lose its answer, and the
// controller may die right after: the next syncs, from the API alone,
// still remove everything and release the finalizer.
func TestDeletionSurvivesAFailedDeleteAndARestart(t *testing.T) {
	errs := controllertest.APIErrors()
	for name, fault := range map[string]*controllertest.Fault{
		"VolumeSnapshot delete refused":             {Verb: "delete", Resource: "volumesnapshots", Err: errs["InternalError"], Times: 1},
		"VolumeSnapshot delete landed, answer lost": {Verb: "delete", Resource: "volumesnapshots", Err: errs["Timeout"], Times: 1, Landed: true},
		"content delete refused":                    {Verb: "delete", Resource: "virtualmachinesnapshotcontents", Err: errs["InternalError"], Times: 1},
		"content delete landed, answer lost":        {Verb: "delete", Resource: "virtualmachinesnapshotcontents", Err: errs["Timeout"], Times: 1, Landed: true},
		"finalizer patch refused":                   {Verb: "patch", Resource: "virtualmachinesnapshots", Err: errs["Conflict"], Times: 1},
	} {
		t.Run(name, func(t *testing.T) {
			snap := newSnapshot(5*time.Minute, func(s *snapshotapi.VirtualMachineSnapshot) {
				s.DeletionTimestamp = ptr.To(metav1.NewTime(created.Add(time.Minute)))
				s.Status.Phase = snapshotapi.SnapshotReady
				s.Status.CreationTime = ptr.To(metav1.NewTime(created))
			})
			content := &snapshotapi.VirtualMachineSnapshotContent{
				ObjectMeta: metav1.ObjectMeta{Name: ContentName(snap), Namespace: "ns", UID: "content-uid", OwnerReferences: contentOwners(snap)},
				Spec:       snapshotapi.VirtualMachineSnapshotContentSpec{VirtualMachineSnapshotName: ptr.To("snap")},
			}
			objects := append(storageObjects(), vmWithVolumes(pvcVolume("root", "root-pvc")), snap)
			for _, volume := range []string{"root", "data"} {
				name := VolumeSnapshotName(snap.UID, volume)
				content.Spec.VolumeBackups = append(content.Spec.VolumeBackups, snapshotapi.VolumeBackup{VolumeName: volume, VolumeSnapshotName: ptr.To(name)})
				objects = append(objects, &snapshotv1.VolumeSnapshot{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID(name),
					OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(content, snapshotapi.SchemeGroupVersion.WithKind("VirtualMachineSnapshotContent"))}}})
			}
			f := newFixture(t, created.Add(time.Minute), append(objects, content)...)
			controllertest.Inject(map[string]controllertest.TrackingReactor{
				"volumesnapshots": f.snapshot, "virtualmachinesnapshotcontents": f.vmsnap, "virtualmachinesnapshots": f.vmsnap,
			}[fault.Resource], fault)

			_, firstErr := f.c.sync(context.Background(), "ns/snap")
			f.restart()
			for i := 0; i < 5; i++ {
				f.clock.Step(time.Second)
				f.catchUp()
				_, _ = f.c.sync(context.Background(), "ns/snap")
			}
			if fault.Applied() != 1 {
				t.Fatalf("the fault was applied %d times (first sync: %v), want 1", fault.Applied(), firstErr)
			}
			left, _ := f.snapshot.SnapshotV1().VolumeSnapshots("ns").List(context.Background(), metav1.ListOptions{})
			contents, _ := f.vmsnap.SnapshotV1alpha1().VirtualMachineSnapshotContents("ns").List(context.Background(), metav1.ListOptions{})
			s, err := f.vmsnap.SnapshotV1alpha1().VirtualMachineSnapshots("ns").Get(context.Background(), "snap", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(left.Items) != 0 || len(contents.Items) != 0 || slices.Contains(s.Finalizers, Finalizer) {
				t.Errorf("left %d VolumeSnapshots, %d contents, finalizers %v: want everything gone and the finalizer released",
					len(left.Items), len(contents.Items), s.Finalizers)
			}
		})
	}
}

// A restart whose KubeVirt caches have not synced yet, after the process
// died between the Ready write (or the deletion) and the unlock: the VM,
// still locked by the snapshot, is missing from the cache. The sync must
// wait for the caches rather than take the missing VM for nothing to
// unlock: no later event wakes a Ready snapshot, and a deleted one would
// lose its finalizer with the VM still locked.
func TestRestartWaitsForTheVMCachesBeforeCleaningUp(t *testing.T) {
	for name, deleted := range map[string]bool{"Ready snapshot": false, "deleted snapshot": true} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			vm := vmWithVolumes(pvcVolume("root", "root-pvc"))
			f := newFixture(t, created, append(storageObjects(), vm, newSnapshot(5*time.Minute))...)
			if st := settle(t, f, "ns/snap"); st.Phase != snapshotapi.SnapshotReady {
				t.Fatalf("phase %s, want Ready", st.Phase)
			}
			locked, err := f.kubevirt.KubevirtV1().VirtualMachines("ns").Get(ctx, "vm", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			locked.Status.SnapshotInProgress = ptr.To("snap")
			if err := f.kubevirt.Tracker().Update(kubevirtv1.SchemeGroupVersion.WithResource("virtualmachines"), locked, "ns"); err != nil {
				t.Fatal(err)
			}
			if deleted {
				snap, err := f.vmsnap.SnapshotV1alpha1().VirtualMachineSnapshots("ns").Get(ctx, "snap", metav1.GetOptions{})
				if err != nil {
					t.Fatal(err)
				}
				snap.DeletionTimestamp = ptr.To(metav1.NewTime(f.clock.Now()))
				if err := f.vmsnap.Tracker().Update(snapshotapi.SchemeGroupVersion.WithResource("virtualmachinesnapshots"), snap, "ns"); err != nil {
					t.Fatal(err)
				}
			}

			f.restart()
			for _, kind := range []runtime.Object{&kubevirtv1.VirtualMachine{}, &kubevirtv1.VirtualMachineInstance{}} {
				if err := f.indexerOf(kind).Replace(nil, ""); err != nil {
					t.Fatal(err)
				}
			}
			f.c.kubeVirtOK = func() bool { return false }
			f.c.catchingUp = func() bool { return true }
			before := len(f.writes)
			requeue, err := f.c.sync(ctx, "ns/snap")
			if err != nil || requeue != controller.CacheRecheck {
				t.Fatalf("sync with the VM caches catching up: requeue %v, err %v; want a look again after %v", requeue, err, controller.CacheRecheck)
			}
			if writes := f.writes[before:]; len(writes) != 0 {
				t.Fatalf("sync with the VM caches catching up wrote %v", writes)
			}

			f.catchUp()
			f.c.kubeVirtOK = func() bool { return true }
			f.c.catchingUp = func() bool { return false }
			if _, err := f.c.sync(ctx, "ns/snap"); err != nil {
				t.Fatal(err)
			}
			vmNow, _ := f.kubevirt.KubevirtV1().VirtualMachines("ns").Get(ctx, "vm", metav1.GetOptions{})
			if vmNow.Status.SnapshotInProgress != nil {
				t.Errorf("VM still locked by %s once the caches synced", *vmNow.Status.SnapshotInProgress)
			}
		})
	}
}
