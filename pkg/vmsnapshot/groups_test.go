package vmsnapshot

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	groupsnapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumegroupsnapshot/v1"
	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/controller"
	"vmsnap.io/vmsnap/pkg/freeze"
)

func groupClass(name, driver string, isDefault bool) *groupsnapshotv1.VolumeGroupSnapshotClass {
	c := &groupsnapshotv1.VolumeGroupSnapshotClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Driver: driver, DeletionPolicy: snapshotv1.VolumeSnapshotContentDelete}
	if isDefault {
		c.Annotations = map[string]string{AnnotationDefaultGroupClass: "true"}
	}
	return c
}

func TestPlanGroup(t *testing.T) {
	fast := []*snapshotv1.VolumeSnapshotClass{
		{ObjectMeta: metav1.ObjectMeta{Name: "fast-snap"}, Driver: "csi.fast"},
		{ObjectMeta: metav1.ObjectMeta{Name: "slow-snap"}, Driver: "csi.slow"},
	}
	disk := func(claim, class string) plannedVolume {
		return plannedVolume{volumeName: claim, claim: boundClaim(claim, "fast"), volumeSnapshotClass: class}
	}
	two := []plannedVolume{disk("a", "fast-snap"), disk("b", "fast-snap")}
	spec := func(policy snapshotapi.ConsistencyGroupPolicy, mutate ...func(*snapshotapi.VirtualMachineSnapshotSpec)) *snapshotapi.VirtualMachineSnapshotSpec {
		s := &snapshotapi.VirtualMachineSnapshotSpec{ConsistencyGroup: policy}
		for _, m := range mutate {
			m(s)
		}
		return s
	}
	for name, tc := range map[string]struct {
		spec      *snapshotapi.VirtualMachineSnapshotSpec
		disks     []plannedVolume
		classes   []*groupsnapshotv1.VolumeGroupSnapshotClass
		noAPI     bool
		wantClass string
		wantWhy   string
	}{
		"two disks, one driver, its default class": {spec: spec(""), disks: two,
			classes: []*groupsnapshotv1.VolumeGroupSnapshotClass{groupClass("g", "csi.fast", true), groupClass("other", "csi.fast", false)}, wantClass: "g"},
		"the only class of the driver": {spec: spec(""), disks: two,
			classes: []*groupsnapshotv1.VolumeGroupSnapshotClass{groupClass("g", "csi.fast", false), groupClass("s", "csi.slow", true)}, wantClass: "g"},
		"disabled": {spec: spec(snapshotapi.ConsistencyGroupDisabled), disks: two,
			classes: []*groupsnapshotv1.VolumeGroupSnapshotClass{groupClass("g", "csi.fast", true)}},
		"auto, one disk: no group": {spec: spec(snapshotapi.ConsistencyGroupAuto), disks: two[:1],
			classes: []*groupsnapshotv1.VolumeGroupSnapshotClass{groupClass("g", "csi.fast", true)}},
		"required, one disk: a group": {spec: spec(snapshotapi.ConsistencyGroupRequired), disks: two[:1],
			classes: []*groupsnapshotv1.VolumeGroupSnapshotClass{groupClass("g", "csi.fast", true)}, wantClass: "g"},
		"no class for the driver": {spec: spec(""), disks: two,
			classes: []*groupsnapshotv1.VolumeGroupSnapshotClass{groupClass("s", "csi.slow", true)},
			wantWhy: "CSI driver csi.fast offers no VolumeGroupSnapshotClass"},
		"two drivers": {spec: spec(""), disks: []plannedVolume{disk("a", "fast-snap"), disk("b", "slow-snap")},
			classes: []*groupsnapshotv1.VolumeGroupSnapshotClass{groupClass("g", "csi.fast", true), groupClass("s", "csi.slow", true)},
			wantWhy: "the disks are on 2 CSI drivers (csi.fast, csi.slow)"},
		"ambiguous classes": {spec: spec(""), disks: two,
			classes: []*groupsnapshotv1.VolumeGroupSnapshotClass{groupClass("g1", "csi.fast", false), groupClass("g2", "csi.fast", false)},
			wantWhy: "has VolumeGroupSnapshotClasses g1, g2 and none is marked default"},
		"API not served": {spec: spec(""), disks: two, noAPI: true,
			wantWhy: "the VolumeGroupSnapshot API (groupsnapshot.storage.k8s.io/v1) is not served"},
		"a class named in the spec": {disks: two,
			spec: spec("", func(s *snapshotapi.VirtualMachineSnapshotSpec) {
				s.VolumeSnapshotClasses = []snapshotapi.VolumeSnapshotClassMapping{{StorageClassName: "fast", VolumeSnapshotClassName: "fast-snap"}}
			}),
			classes: []*groupsnapshotv1.VolumeGroupSnapshotClass{groupClass("g", "csi.fast", true)},
			wantWhy: "volumeSnapshotClasses names VolumeSnapshotClass fast-snap for StorageClass fast"},
	} {
		t.Run(name, func(t *testing.T) {
			got := planGroup(tc.spec, tc.disks, fast, tc.classes, !tc.noAPI)
			if got.className != tc.wantClass || !strings.Contains(got.why, tc.wantWhy) || (tc.wantWhy == "") != (got.why == "") {
				t.Errorf("planGroup = %+v; want class %q, why containing %q", got, tc.wantClass, tc.wantWhy)
			}
			blockers := groupBlockers(tc.spec, got)
			if wantBlocked := tc.spec.GetConsistencyGroup() == snapshotapi.ConsistencyGroupRequired && got.why != ""; (len(blockers) > 0) != wantBlocked {
				t.Errorf("blockers %v; want blocked %v", blockers, wantBlocked)
			}
		})
	}
}

// groupWorld is a running VM with a guest agent and two disks on a driver
// with a VolumeGroupSnapshotClass.
func groupWorld(t *testing.T, mutate ...func(*snapshotapi.VirtualMachineSnapshot)) *fixture {
	vm := vmWithVolumes(pvcVolume("root", "root-pvc"), pvcVolume("data", "data-pvc"))
	vm.UID = "vm-uid"
	objects := append(storageObjects(), boundClaim("data-pvc", "fast"), groupClass("fast-group", "csi.fast", true),
		vm, runningVMI(true), newSnapshot(5*time.Minute, mutate...))
	return newFixture(t, created, objects...)
}

// Deleting a group snapshot deletes its group (and so the group's
// VolumeSnapshots), then its content, every write failing once.
func TestEveryWriteOfAGroupDeletionFailingOnce(t *testing.T) {
	world := func(t *testing.T) *fixture { return groupWorld(t) }
	sweepWrites(t, 3, deletedWhenReady(world), (*fixture).released, func(t *testing.T, f *fixture, _ *guestLog) {
		groups, err := f.snapshot.GroupsnapshotV1().VolumeGroupSnapshots("ns").List(context.Background(), metav1.ListOptions{})
		if err != nil || len(groups.Items) != 0 {
			t.Errorf("VolumeGroupSnapshots left: %v %v", groups, err)
		}
	})
}

// groupCuts plays snapshot-controller, csi-snapshotter and a CSI driver
// with group support: each VolumeGroupSnapshot gets a UID, is cut and made
// ready, and gets one VolumeSnapshot per claim its selector matches.
func groupCuts(t *testing.T, f *fixture, at time.Time) {
	ctx := context.Background()
	groups, err := f.snapshot.GroupsnapshotV1().VolumeGroupSnapshots("ns").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// snapshot-controller deletes a group's VolumeSnapshots with it.
	members, err := f.snapshot.SnapshotV1().VolumeSnapshots("ns").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, vs := range members.Items {
		ref := controller.GroupOwner(&vs)
		if ref == nil || slices.ContainsFunc(groups.Items, func(g groupsnapshotv1.VolumeGroupSnapshot) bool { return g.UID == ref.UID }) {
			continue
		}
		if err := f.snapshot.Tracker().Delete(snapshotv1.SchemeGroupVersion.WithResource("volumesnapshots"), "ns", vs.Name); err != nil {
			t.Fatal(err)
		}
	}
	for i := range groups.Items {
		g := &groups.Items[i]
		if g.Status != nil || g.DeletionTimestamp != nil {
			continue
		}
		g.UID = types.UID("group-uid-" + g.Name)
		g.Status = &groupsnapshotv1.VolumeGroupSnapshotStatus{CreationTime: ptr.To(metav1.NewTime(at)), ReadyToUse: ptr.To(true)}
		if err := f.snapshot.Tracker().Update(groupsnapshotv1.SchemeGroupVersion.WithResource("volumegroupsnapshots"), g, "ns"); err != nil {
			t.Fatal(err)
		}
		selector, err := metav1.LabelSelectorAsSelector(g.Spec.Source.Selector)
		if err != nil {
			t.Fatal(err)
		}
		claims, err := f.kube.CoreV1().PersistentVolumeClaims("ns").List(ctx, metav1.ListOptions{LabelSelector: selector.String()})
		if err != nil {
			t.Fatal(err)
		}
		for _, claim := range claims.Items {
			member := &snapshotv1.VolumeSnapshot{
				ObjectMeta: metav1.ObjectMeta{Name: "snapshot-" + g.Name + "-" + claim.Name, Namespace: "ns",
					OwnerReferences: []metav1.OwnerReference{{APIVersion: "groupsnapshot.storage.k8s.io/v1", Kind: "VolumeGroupSnapshot",
						Name: g.Name, UID: g.UID}}}, // not a controller reference, as snapshot-controller makes it
				Spec: snapshotv1.VolumeSnapshotSpec{Source: snapshotv1.VolumeSnapshotSource{PersistentVolumeClaimName: ptr.To(claim.Name)}},
				Status: &snapshotv1.VolumeSnapshotStatus{CreationTime: ptr.To(metav1.NewTime(at)), ReadyToUse: ptr.To(true),
					VolumeGroupSnapshotName: ptr.To(g.Name)},
			}
			if err := f.snapshot.Tracker().Add(member); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestGroupSnapshotCutsEveryDiskAtOnce(t *testing.T) {
	f := groupWorld(t)
	var guest guestLog
	guest.watch(f)
	status := settle(t, f, "ns/snap")
	if status.Phase != snapshotapi.SnapshotReady || !ptr.Deref(status.Consistent, false) {
		t.Fatalf("status %+v; want Ready and consistent", status)
	}
	requireGroupSnapshot(t, f, &guest)
}

// requireGroupSnapshot checks a Ready snapshot of groupWorld: one group,
// cut in one freeze window, every disk's VolumeSnapshot recorded, the
// claims unlabelled, the guest thawed.
func requireGroupSnapshot(t *testing.T, f *fixture, guest *guestLog) {
	t.Helper()
	ctx := context.Background()
	st := f.status("snap")
	if !slices.ContainsFunc(st.Indications, func(i snapshotapi.Indication) bool { return i.Type == snapshotapi.IndicationAtomicCut }) {
		t.Errorf("indications %v; want AtomicCut", st.Indications)
	}
	if !guest.cutInOneWindow([]string{VolumeGroupSnapshotName("uid-1")}) {
		t.Errorf("guest %v: the group was not created in one freeze window", guest.events)
	}
	for _, e := range guest.events {
		if strings.HasPrefix(e, "cut vmsnapshot-uid-1-") && e != "cut "+VolumeGroupSnapshotName("uid-1") {
			t.Errorf("guest %v: a VolumeSnapshot was cut on its own", guest.events)
		}
	}
	if n := len(guest.events); n == 0 || guest.events[n-1] != "unfreeze" {
		t.Errorf("guest %v: not thawed at the end", guest.events)
	}
	content, err := f.vmsnap.SnapshotV1alpha1().VirtualMachineSnapshotContents("ns").Get(ctx, ContentName(newSnapshot(0)), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range content.Spec.VolumeBackups {
		want := "snapshot-" + VolumeGroupSnapshotName("uid-1") + "-" + b.PersistentVolumeClaim.Name
		if ptr.Deref(b.VolumeSnapshotName, "") != want || ptr.Deref(b.VolumeGroupSnapshotName, "") != VolumeGroupSnapshotName("uid-1") {
			t.Errorf("volume %s records VolumeSnapshot %v in group %v; want %s in the snapshot's group",
				b.VolumeName, b.VolumeSnapshotName, b.VolumeGroupSnapshotName, want)
		}
	}
	labelled, err := f.kube.CoreV1().PersistentVolumeClaims("ns").List(ctx, metav1.ListOptions{LabelSelector: GroupLabel("uid-1")})
	if err != nil || len(labelled.Items) != 0 {
		t.Errorf("claims still labelled for the group: %v %v", labelled, err)
	}
	groups, err := f.snapshot.GroupsnapshotV1().VolumeGroupSnapshots("ns").List(ctx, metav1.ListOptions{})
	if err != nil || len(groups.Items) != 1 {
		t.Errorf("VolumeGroupSnapshots %v %v; want exactly one", groups, err)
	}
}

// Every write of a group snapshot (the labels, the group, the record of
// its VolumeSnapshots, their unlabelling) failing once, refused or landed,
// with the controller restarted after it, still ends in one complete,
// consistent group cut.
func TestEveryWriteOfAGroupSnapshotFailingOnce(t *testing.T) {
	world := func(t *testing.T) *fixture { return groupWorld(t) }
	sweepWrites(t, 10, world, (*fixture).ready, requireGroupSnapshot)
}

// A Required group on a driver without a VolumeGroupSnapshotClass waits,
// saying why, and fails at its deadline without locking the VM.
func TestRequiredGroupWaitsAndFailsAtTheDeadline(t *testing.T) {
	vm := vmWithVolumes(pvcVolume("root", "root-pvc"), pvcVolume("data", "data-pvc"))
	snap := newSnapshot(time.Minute, func(s *snapshotapi.VirtualMachineSnapshot) {
		s.Spec.ConsistencyGroup = snapshotapi.ConsistencyGroupRequired
	})
	f := newFixture(t, created.Add(30*time.Second), append(storageObjects(), boundClaim("data-pvc", "fast"), vm, snap)...)
	if _, err := f.c.sync(context.Background(), "ns/snap"); err != nil {
		t.Fatal(err)
	}
	st := f.status("snap")
	ready := meta(st.Conditions, snapshotapi.ConditionReady)
	if st.Phase != snapshotapi.SnapshotPending || ready == nil || ready.Reason != ReasonNoConsistencyGroup ||
		!strings.Contains(ready.Message, "CSI driver csi.fast offers no VolumeGroupSnapshotClass") {
		t.Fatalf("phase %s, ready %+v; want Pending with %s naming the driver", st.Phase, ready, ReasonNoConsistencyGroup)
	}
	f.clock.Step(time.Minute)
	f.catchUp()
	if _, err := f.c.sync(context.Background(), "ns/snap"); err != nil {
		t.Fatal(err)
	}
	if st := f.status("snap"); st.Phase != snapshotapi.SnapshotFailed {
		t.Fatalf("phase %s after the deadline; want Failed", st.Phase)
	}
	if !f.vmUnlocked() {
		t.Error("the VM is locked")
	}
}

// A failed group snapshot (the storage never cuts) deletes its group and
// its content, and leaves no claim labelled.
func TestFailedGroupSnapshotCleansUp(t *testing.T) {
	f := groupWorld(t)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		f.clock.Step(time.Second)
		f.catchUp()
		_, _ = f.c.sync(ctx, "ns/snap")
	}
	if _, err := f.snapshot.GroupsnapshotV1().VolumeGroupSnapshots("ns").Get(ctx, VolumeGroupSnapshotName("uid-1"), metav1.GetOptions{}); err != nil {
		t.Fatalf("no group after three syncs: %v", err)
	}
	f.clock.Step(5 * time.Minute)
	for i := 0; i < 4; i++ {
		f.catchUp()
		_, _ = f.c.sync(ctx, "ns/snap")
		f.clock.Step(time.Second)
	}
	if st := f.status("snap"); st.Phase != snapshotapi.SnapshotFailed {
		t.Fatalf("phase %s; want Failed", st.Phase)
	}
	if _, err := f.snapshot.GroupsnapshotV1().VolumeGroupSnapshots("ns").Get(ctx, VolumeGroupSnapshotName("uid-1"), metav1.GetOptions{}); err == nil {
		t.Error("the failed snapshot's group is still there")
	}
	if _, err := f.vmsnap.SnapshotV1alpha1().VirtualMachineSnapshotContents("ns").Get(ctx, ContentName(newSnapshot(0)), metav1.GetOptions{}); err == nil {
		t.Error("the failed snapshot's content is still there")
	}
	claims, _ := f.kube.CoreV1().PersistentVolumeClaims("ns").List(ctx, metav1.ListOptions{})
	for _, c := range claims.Items {
		if labels.Set(c.Labels).Has(GroupLabel("uid-1")) {
			t.Errorf("claim %s still labelled", c.Name)
		}
	}
	if !f.vmUnlocked() {
		t.Error("the VM is locked")
	}
}

// A per-volume cut is news only for a running guest nothing froze.
func TestGroupIndication(t *testing.T) {
	fallback := groupPlan{why: "CSI driver csi.fast offers no VolumeGroupSnapshotClass"}
	for _, tc := range []struct {
		plan groupPlan
		mode freeze.Mode
		want snapshotapi.IndicationType
	}{
		{groupPlan{className: "g"}, freeze.Offline, snapshotapi.IndicationAtomicCut},
		{groupPlan{className: "g"}, freeze.NoAgent, snapshotapi.IndicationAtomicCut},
		{fallback, freeze.NoAgent, snapshotapi.IndicationPerVolumeCut},
		{fallback, freeze.Paused, snapshotapi.IndicationPerVolumeCut},
		{fallback, freeze.Offline, ""},
		{fallback, freeze.Freeze, ""},
		{groupPlan{}, freeze.NoAgent, ""},
	} {
		got := groupIndication(tc.plan, 2, tc.mode)
		if (got == nil) != (tc.want == "") || (got != nil && (got.Type != tc.want || got.Message == "")) {
			t.Errorf("plan %+v, mode %v: got %+v, want %q", tc.plan, tc.mode, got, tc.want)
		}
	}
}

// A VolumeGroupSnapshot someone made under the snapshot's group name is
// never taken for its own: the snapshot waits with NameConflict before it
// locks the VM or labels a claim.
func TestForeignGroupUnderTheNameIsLeftAlone(t *testing.T) {
	vm := vmWithVolumes(pvcVolume("root", "root-pvc"), pvcVolume("data", "data-pvc"))
	foreign := &groupsnapshotv1.VolumeGroupSnapshot{ObjectMeta: metav1.ObjectMeta{Name: VolumeGroupSnapshotName("uid-1"), Namespace: "ns"}}
	f := newFixture(t, created, append(storageObjects(), boundClaim("data-pvc", "fast"), groupClass("fast-group", "csi.fast", true),
		vm, newSnapshot(5*time.Minute), foreign)...)
	if _, err := f.c.sync(context.Background(), "ns/snap"); err != nil {
		t.Fatal(err)
	}
	st := f.status("snap")
	if ready := meta(st.Conditions, snapshotapi.ConditionReady); st.Phase != snapshotapi.SnapshotPending || ready == nil || ready.Reason != ReasonNameConflict {
		t.Errorf("phase %s, conditions %+v; want Pending with %s", st.Phase, st.Conditions, ReasonNameConflict)
	}
	if got := strings.Join(f.actions(), ","); got != "update virtualmachinesnapshots/status" {
		t.Errorf("writes %s; want only the status", got)
	}
}
