package content

import (
	"context"
	"testing"
	"time"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	vslisters "github.com/kubernetes-csi/external-snapshotter/client/v8/listers/volumesnapshot/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	testingclock "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
	vmsnapfake "vmsnap.io/client-go/clientset/versioned/fake"
	vmsnaplisters "vmsnap.io/client-go/listers/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/controller"
	"vmsnap.io/vmsnap/pkg/controller/controllertest"
)

func lister(t *testing.T, vss ...*snapshotv1.VolumeSnapshot) vslisters.VolumeSnapshotLister {
	indexer := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	for _, vs := range vss {
		if err := indexer.Add(vs); err != nil {
			t.Fatal(err)
		}
	}
	return vslisters.NewVolumeSnapshotLister(indexer)
}

func volumeSnapshot(name string, cut *time.Time, ready bool) *snapshotv1.VolumeSnapshot {
	vs := &snapshotv1.VolumeSnapshot{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"}, Status: &snapshotv1.VolumeSnapshotStatus{}}
	if cut != nil {
		vs.Status.CreationTime = ptr.To(metav1.NewTime(*cut))
		vs.Status.RestoreSize = ptr.To(resource.MustParse("1Gi"))
	}
	vs.Status.ReadyToUse = ptr.To(ready)
	return vs
}

func TestStatus(t *testing.T) {
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	cut1, cut2 := now.Add(-2*time.Second), now.Add(-time.Second)
	content := &snapshotapi.VirtualMachineSnapshotContent{
		ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "ns"},
		Spec: snapshotapi.VirtualMachineSnapshotContentSpec{VolumeBackups: []snapshotapi.VolumeBackup{
			{VolumeName: "a", VolumeSnapshotName: ptr.To("vs-a")},
			{VolumeName: "b", VolumeSnapshotName: ptr.To("vs-b")},
		}},
	}

	// Not created yet: pending, not an error.
	st := Status(content, lister(t, volumeSnapshot("vs-a", &cut1, true)), now)
	if ptr.Deref(st.ReadyToUse, true) || st.CreationTime != nil || st.Error != nil {
		t.Fatalf("one of two created: %+v; want not ready, no creation time, no error", st)
	}

	// Both cut, one ready: creationTime is the last cut.
	st = Status(content, lister(t, volumeSnapshot("vs-a", &cut1, true), volumeSnapshot("vs-b", &cut2, false)), now)
	if ptr.Deref(st.ReadyToUse, true) || st.CreationTime == nil || !st.CreationTime.Time.Equal(cut2) {
		t.Fatalf("both cut: %+v; want not ready, creationTime %s", st, cut2)
	}

	// Both ready.
	content.Status = Status(content, lister(t, volumeSnapshot("vs-a", &cut1, true), volumeSnapshot("vs-b", &cut2, true)), now)
	if !ptr.Deref(content.Status.ReadyToUse, false) || len(content.Status.VolumeSnapshotStatus) != 2 ||
		content.Status.VolumeSnapshotStatus[1].RestoreSize == nil {
		t.Fatalf("both ready: %+v; want ready with per-volume status and restore sizes", content.Status)
	}

	// One disappears after it was cut: reported lost, never pending.
	st = Status(content, lister(t, volumeSnapshot("vs-a", &cut1, true)), now)
	if ptr.Deref(st.ReadyToUse, true) || st.Error == nil || st.Conditions[0].Reason != ReasonMissing {
		t.Fatalf("lost: %+v; want not ready with a VolumeSnapshotMissing condition", st)
	}

	// A content without disks is ready at once.
	empty := &snapshotapi.VirtualMachineSnapshotContent{ObjectMeta: metav1.ObjectMeta{Name: "e", Namespace: "ns", CreationTimestamp: metav1.NewTime(now)}}
	st = Status(empty, lister(t), now)
	if !ptr.Deref(st.ReadyToUse, false) || st.CreationTime == nil {
		t.Fatalf("no disks: %+v; want ready with a creation time", st)
	}
}

// TestSyncWritesProgressOnceAndReadinessAtOnce drives the controller's sync
// over a fake clientset: progress waits for controller.ProgressInterval, readiness is
// written at once, and a sync that follows its own write before the cache
// shows it writes nothing again.
func TestSyncWritesProgressOnceAndReadinessAtOnce(t *testing.T) {
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	clk := testingclock.NewFakeClock(now)
	content := &snapshotapi.VirtualMachineSnapshotContent{
		ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "ns", ResourceVersion: "1"},
		Spec: snapshotapi.VirtualMachineSnapshotContentSpec{VolumeBackups: []snapshotapi.VolumeBackup{
			{VolumeName: "a", VolumeSnapshotName: ptr.To("vs-a")},
			{VolumeName: "b", VolumeSnapshotName: ptr.To("vs-b")},
		}},
	}
	client := vmsnapfake.NewSimpleClientset(content)
	var writes []string
	controllertest.RecordWrites(&writes, client)
	contents := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	if err := contents.Add(content); err != nil {
		t.Fatal(err)
	}
	cut := now.Add(-time.Second)
	c := &Controller{
		client:   client,
		contents: vmsnaplisters.NewVirtualMachineSnapshotContentLister(contents),
		clock:    clk,
		written:  controller.NewWritten[*snapshotapi.VirtualMachineSnapshotContent](),
		pending:  controller.NewProgress(),
	}
	sync := func(vss ...*snapshotv1.VolumeSnapshot) time.Duration {
		t.Helper()
		c.volumeSnapshots = lister(t, vss...)
		requeue, err := c.sync(context.Background(), "ns/c")
		if err != nil {
			t.Fatal(err)
		}
		return requeue
	}

	// One of two volumes cut: detail, held back for DetailInterval.
	if requeue := sync(volumeSnapshot("vs-a", &cut, false)); requeue != controller.DetailInterval || len(writes) != 0 {
		t.Fatalf("detail: requeue %s, writes %v; want %s and none", requeue, writes, controller.DetailInterval)
	}
	clk.Step(time.Second)
	if requeue := sync(volumeSnapshot("vs-a", &cut, true)); requeue != controller.DetailInterval-time.Second || len(writes) != 0 {
		t.Fatalf("more detail: requeue %s, writes %v; want %s and none", requeue, writes, controller.DetailInterval-time.Second)
	}
	// Both cut: progress, due ProgressInterval after the cut was seen.
	cutBoth := []*snapshotv1.VolumeSnapshot{volumeSnapshot("vs-a", &cut, true), volumeSnapshot("vs-b", &cut, false)}
	if requeue := sync(cutBoth...); requeue != controller.ProgressInterval || len(writes) != 0 {
		t.Fatalf("cut: requeue %s, writes %v; want %s and none", requeue, writes, controller.ProgressInterval)
	}
	clk.Step(controller.ProgressInterval)
	if requeue := sync(cutBoth...); requeue != 0 || len(writes) != 1 {
		t.Fatalf("interval up: requeue %s, writes %v; want 0 and one status write", requeue, writes)
	}
	// Both ready: written at once, though the cache still shows version 1.
	both := []*snapshotv1.VolumeSnapshot{volumeSnapshot("vs-a", &cut, true), volumeSnapshot("vs-b", &cut, true)}
	if requeue := sync(both...); requeue != 0 || len(writes) != 2 {
		t.Fatalf("ready: requeue %s, writes %v; want 0 and a second status write", requeue, writes)
	}
	got, err := client.SnapshotV1alpha1().VirtualMachineSnapshotContents("ns").Get(context.Background(), "c", metav1.GetOptions{})
	if err != nil || !ptr.Deref(got.Status.ReadyToUse, false) || len(got.Status.VolumeSnapshotStatus) != 2 {
		t.Fatalf("stored content: %+v, %v; want ready with two volume statuses", got.Status, err)
	}
	// Woken again before the cache shows the write: nothing to write.
	if sync(both...); len(writes) != 2 {
		t.Fatalf("writes %v after a repeated sync, want still two", writes)
	}
}

// A content deleted with its snapshot loses its VolumeSnapshots on purpose:
// no status write reports the loss. The same loss under a live snapshot is
// written at once.
func TestSyncWritesNoLossWhileDeleting(t *testing.T) {
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	cut := metav1.NewTime(now.Add(-time.Minute))
	snap := &snapshotapi.VirtualMachineSnapshot{ObjectMeta: metav1.ObjectMeta{Name: "snap", Namespace: "ns", UID: "uid-snap"}}
	newContent := func() *snapshotapi.VirtualMachineSnapshotContent {
		return &snapshotapi.VirtualMachineSnapshotContent{
			ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "ns", ResourceVersion: "1",
				OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(snap, snapshotapi.SchemeGroupVersion.WithKind("VirtualMachineSnapshot"))}},
			Spec: snapshotapi.VirtualMachineSnapshotContentSpec{VolumeBackups: []snapshotapi.VolumeBackup{
				{VolumeName: "a", VolumeSnapshotName: ptr.To("vs-a")},
			}},
			Status: snapshotapi.VirtualMachineSnapshotContentStatus{
				ReadyToUse:   ptr.To(true),
				CreationTime: &cut,
				VolumeSnapshotStatus: []snapshotapi.VolumeSnapshotStatus{
					{VolumeSnapshotName: "vs-a", ReadyToUse: ptr.To(true), CreationTime: &cut},
				},
			},
		}
	}
	for _, tc := range []struct {
		name       string
		snap       *snapshotapi.VirtualMachineSnapshot
		content    func(*snapshotapi.VirtualMachineSnapshotContent)
		wantWrites int
	}{
		{name: "snapshot live", snap: snap, wantWrites: 1},
		{name: "snapshot being deleted", snap: deleting(snap)},
		{name: "content being deleted", snap: snap, content: func(c *snapshotapi.VirtualMachineSnapshotContent) {
			c.DeletionTimestamp = ptr.To(metav1.NewTime(now))
			c.Finalizers = []string{"example.com/keep"}
		}},
		{name: "another snapshot of the same name being deleted", snap: func() *snapshotapi.VirtualMachineSnapshot {
			other := deleting(snap)
			other.UID = "uid-other"
			return other
		}(), wantWrites: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			content := newContent()
			if tc.content != nil {
				tc.content(content)
			}
			client := vmsnapfake.NewSimpleClientset(content)
			var writes []string
			controllertest.RecordWrites(&writes, client)
			contents := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
			snapshots := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
			if err := contents.Add(content); err != nil {
				t.Fatal(err)
			}
			if err := snapshots.Add(tc.snap); err != nil {
				t.Fatal(err)
			}
			c := &Controller{
				client:          client,
				contents:        vmsnaplisters.NewVirtualMachineSnapshotContentLister(contents),
				snapshots:       vmsnaplisters.NewVirtualMachineSnapshotLister(snapshots),
				volumeSnapshots: lister(t), // vs-a is gone
				clock:           testingclock.NewFakeClock(now),
				written:         controller.NewWritten[*snapshotapi.VirtualMachineSnapshotContent](),
				pending:         controller.NewProgress(),
			}
			if _, err := c.sync(context.Background(), "ns/c"); err != nil {
				t.Fatal(err)
			}
			if len(writes) != tc.wantWrites {
				t.Errorf("writes %v, want %d", writes, tc.wantWrites)
			}
		})
	}
}

func deleting(snap *snapshotapi.VirtualMachineSnapshot) *snapshotapi.VirtualMachineSnapshot {
	snap = snap.DeepCopy()
	snap.DeletionTimestamp = ptr.To(metav1.NewTime(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)))
	return snap
}
