package vmsnapshot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	groupsnapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumegroupsnapshot/v1"
	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	snapshotfake "github.com/kubernetes-csi/external-snapshotter/client/v8/clientset/versioned/fake"
	snapshotinformers "github.com/kubernetes-csi/external-snapshotter/client/v8/informers/externalversions"
	"github.com/prometheus/client_golang/prometheus"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kubeinformers "k8s.io/client-go/informers"
	kubefake "k8s.io/client-go/kubernetes/fake"
	kubetesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	testingclock "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"
	cdifake "kubevirt.io/client-go/containerizeddataimporter/fake"
	kubevirtfake "kubevirt.io/client-go/kubevirt/fake"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
	vmsnapfake "vmsnap.io/client-go/clientset/versioned/fake"
	vmsnapinformers "vmsnap.io/client-go/informers/externalversions"

	"vmsnap.io/vmsnap/pkg/apiwatch"
	"vmsnap.io/vmsnap/pkg/controller"
	"vmsnap.io/vmsnap/pkg/controller/controllertest"
	"vmsnap.io/vmsnap/pkg/freeze"
	"vmsnap.io/vmsnap/pkg/kubevirtinformers"
	"vmsnap.io/vmsnap/pkg/metrics"
	"vmsnap.io/vmsnap/pkg/snapshotclass"
)

var created = time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)

// fixture is a controller over fake clients whose caches hold exactly the
// objects a test gives it. Syncs are called directly, as a worker would.
// restart replaces the controller with one that has no memory and whose
// caches hold what the fake API holds, as after a crash.
type fixture struct {
	t *testing.T
	c *Controller
	// vsIndexer is the VolumeSnapshot cache, for tests that change it.
	vsIndexer cache.Indexer
	vmsnap    *vmsnapfake.Clientset
	snapshot  *snapshotfake.Clientset
	kubevirt  *kubevirtfake.Clientset
	kube      *kubefake.Clientset
	clock     *testingclock.FakeClock
	recorder  *record.FakeRecorder
	metrics   *prometheus.Registry
	// writes lists every write to any client, in order.
	writes []string
	// indexerOf returns the current controller's cache of an object's kind.
	indexerOf func(runtime.Object) cache.Indexer
}

func newFixture(t *testing.T, now time.Time, objects ...runtime.Object) *fixture {
	f := &fixture{
		t:        t,
		vmsnap:   vmsnapfake.NewSimpleClientset(),
		snapshot: snapshotfake.NewSimpleClientset(),
		kubevirt: kubevirtfake.NewSimpleClientset(),
		kube:     kubefake.NewSimpleClientset(),
		clock:    testingclock.NewFakeClock(now),
		recorder: record.NewFakeRecorder(100),
		metrics:  prometheus.NewRegistry(),
	}
	controllertest.RecordWrites(&f.writes, f.vmsnap, f.snapshot, f.kubevirt, f.kube)
	for _, o := range objects {
		if err := f.trackerOf(o).Add(o); err != nil {
			t.Fatal(err)
		}
	}
	f.start()
	for _, o := range objects {
		switch o.(type) {
		case *corev1.Secret, *appsv1.ControllerRevision:
			continue // read from the API on demand
		}
		if err := f.indexerOf(o).Add(o); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// start builds a controller with empty memory and empty caches.
func (f *fixture) start() {
	t := f.t
	vmsnapInf := vmsnapinformers.NewSharedInformerFactory(f.vmsnap, 0)
	kubeInf := kubeinformers.NewSharedInformerFactory(f.kube, 0)
	snapInf := snapshotinformers.NewSharedInformerFactory(f.snapshot, 0)
	kvInf := kubevirtinformers.NewFactory(f.kubevirt, cdifake.NewSimpleClientset(), 0)
	c, err := New(Config{
		Client: f.vmsnap, SnapshotClient: f.snapshot, KubeVirt: f.kubevirt, Kube: f.kube,
		Snapshots:              vmsnapInf.Snapshot().V1alpha1().VirtualMachineSnapshots(),
		Contents:               vmsnapInf.Snapshot().V1alpha1().VirtualMachineSnapshotContents(),
		KubeVirtFactory:        kvInf,
		Claims:                 kubeInf.Core().V1().PersistentVolumeClaims(),
		StorageClasses:         kubeInf.Storage().V1().StorageClasses(),
		VolumeSnapshots:        snapInf.Snapshot().V1().VolumeSnapshots(),
		VolumeSnapshotContents: snapInf.Snapshot().V1().VolumeSnapshotContents(),
		SnapshotClasses:        snapInf.Snapshot().V1().VolumeSnapshotClasses(),
		GroupSnapshots:         snapInf.Groupsnapshot().V1().VolumeGroupSnapshots(),
		GroupSnapshotContents:  snapInf.Groupsnapshot().V1().VolumeGroupSnapshotContents(),
		GroupSnapshotClasses:   snapInf.Groupsnapshot().V1().VolumeGroupSnapshotClasses(),
		APIs:                   apiwatch.New(nil, time.Second),
		Recorder:               f.recorder,
		Clock:                  f.clock,
		Queue:                  workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]()),
		ThawQueue:              workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]()),
		Freezer:                freeze.NewFreezer(f.kubevirt, f.clock, 30*time.Second, nil),
		Metrics:                metrics.NewOperations(f.metrics),
	})
	if err != nil {
		t.Fatal(err)
	}
	c.volumeSnapshotsOK = func() bool { return true }
	c.kubeVirtOK = func() bool { return true }
	c.dataVolumesOK = func() bool { return false }
	c.groupSnapshotsOK = func() bool { return true }
	c.catchingUp = func() bool { return false }
	f.c = c
	f.vsIndexer = snapInf.Snapshot().V1().VolumeSnapshots().Informer().GetIndexer()
	f.indexerOf = func(o runtime.Object) cache.Indexer {
		switch o.(type) {
		case *snapshotapi.VirtualMachineSnapshot:
			return vmsnapInf.Snapshot().V1alpha1().VirtualMachineSnapshots().Informer().GetIndexer()
		case *snapshotapi.VirtualMachineSnapshotContent:
			return vmsnapInf.Snapshot().V1alpha1().VirtualMachineSnapshotContents().Informer().GetIndexer()
		case *kubevirtv1.VirtualMachine:
			return kvInf.VirtualMachines().GetIndexer()
		case *kubevirtv1.VirtualMachineInstance:
			return kvInf.VirtualMachineInstances().GetIndexer()
		case *corev1.PersistentVolumeClaim:
			return kubeInf.Core().V1().PersistentVolumeClaims().Informer().GetIndexer()
		case *storagev1.StorageClass:
			return kubeInf.Storage().V1().StorageClasses().Informer().GetIndexer()
		case *snapshotv1.VolumeSnapshotClass:
			return snapInf.Snapshot().V1().VolumeSnapshotClasses().Informer().GetIndexer()
		case *snapshotv1.VolumeSnapshot:
			return snapInf.Snapshot().V1().VolumeSnapshots().Informer().GetIndexer()
		case *snapshotv1.VolumeSnapshotContent:
			return snapInf.Snapshot().V1().VolumeSnapshotContents().Informer().GetIndexer()
		case *groupsnapshotv1.VolumeGroupSnapshot:
			return snapInf.Groupsnapshot().V1().VolumeGroupSnapshots().Informer().GetIndexer()
		case *groupsnapshotv1.VolumeGroupSnapshotContent:
			return snapInf.Groupsnapshot().V1().VolumeGroupSnapshotContents().Informer().GetIndexer()
		case *groupsnapshotv1.VolumeGroupSnapshotClass:
			return snapInf.Groupsnapshot().V1().VolumeGroupSnapshotClasses().Informer().GetIndexer()
		}
		t.Fatalf("fixture cannot cache %T", o)
		return nil
	}
}

func (f *fixture) trackerOf(o runtime.Object) kubetesting.ObjectTracker {
	switch o.(type) {
	case *snapshotapi.VirtualMachineSnapshot, *snapshotapi.VirtualMachineSnapshotContent:
		return f.vmsnap.Tracker()
	case *kubevirtv1.VirtualMachine, *kubevirtv1.VirtualMachineInstance:
		return f.kubevirt.Tracker()
	case *corev1.PersistentVolumeClaim, *storagev1.StorageClass, *corev1.Secret, *appsv1.ControllerRevision:
		return f.kube.Tracker()
	case *snapshotv1.VolumeSnapshotClass, *snapshotv1.VolumeSnapshot, *snapshotv1.VolumeSnapshotContent,
		*groupsnapshotv1.VolumeGroupSnapshot, *groupsnapshotv1.VolumeGroupSnapshotContent, *groupsnapshotv1.VolumeGroupSnapshotClass:
		return f.snapshot.Tracker()
	}
	f.t.Fatalf("fixture cannot store %T", o)
	return nil
}

// restart kills the controller and starts a new one whose caches hold what
// the API holds.
func (f *fixture) restart() {
	f.metrics = prometheus.NewRegistry()
	f.start()
	f.catchUp()
}

// catchUp makes the caches show what the API holds, as informers do once
// their watch events arrive.
func (f *fixture) catchUp() {
	ctx := context.Background()
	opts := metav1.ListOptions{}
	replace := func(kind runtime.Object, list runtime.Object, err error) {
		if err != nil {
			f.t.Fatal(err)
		}
		items, err := apimeta.ExtractList(list)
		if err != nil {
			f.t.Fatal(err)
		}
		if err := f.indexerOf(kind).Replace(toInterfaces(items), ""); err != nil {
			f.t.Fatal(err)
		}
	}
	list1, err := f.vmsnap.SnapshotV1alpha1().VirtualMachineSnapshots("").List(ctx, opts)
	replace(&snapshotapi.VirtualMachineSnapshot{}, list1, err)
	list2, err := f.vmsnap.SnapshotV1alpha1().VirtualMachineSnapshotContents("").List(ctx, opts)
	replace(&snapshotapi.VirtualMachineSnapshotContent{}, list2, err)
	list3, err := f.kubevirt.KubevirtV1().VirtualMachines("").List(ctx, opts)
	replace(&kubevirtv1.VirtualMachine{}, list3, err)
	list4, err := f.kubevirt.KubevirtV1().VirtualMachineInstances("").List(ctx, opts)
	replace(&kubevirtv1.VirtualMachineInstance{}, list4, err)
	list5, err := f.kube.CoreV1().PersistentVolumeClaims("").List(ctx, opts)
	replace(&corev1.PersistentVolumeClaim{}, list5, err)
	list6, err := f.kube.StorageV1().StorageClasses().List(ctx, opts)
	replace(&storagev1.StorageClass{}, list6, err)
	list7, err := f.snapshot.SnapshotV1().VolumeSnapshotClasses().List(ctx, opts)
	replace(&snapshotv1.VolumeSnapshotClass{}, list7, err)
	list8, err := f.snapshot.SnapshotV1().VolumeSnapshots("").List(ctx, opts)
	replace(&snapshotv1.VolumeSnapshot{}, list8, err)
	list9, err := f.snapshot.SnapshotV1().VolumeSnapshotContents().List(ctx, opts)
	replace(&snapshotv1.VolumeSnapshotContent{}, list9, err)
	list10, err := f.snapshot.GroupsnapshotV1().VolumeGroupSnapshots("").List(ctx, opts)
	replace(&groupsnapshotv1.VolumeGroupSnapshot{}, list10, err)
	list11, err := f.snapshot.GroupsnapshotV1().VolumeGroupSnapshotClasses().List(ctx, opts)
	replace(&groupsnapshotv1.VolumeGroupSnapshotClass{}, list11, err)
}

func toInterfaces(objects []runtime.Object) []interface{} {
	out := make([]interface{}, len(objects))
	for i, o := range objects {
		out[i] = o
	}
	return out
}

// actions lists the writes to the fake clients as "verb resource[/subresource]", in order.
func (f *fixture) actions() []string { return f.writes }

func (f *fixture) status(name string) snapshotapi.VirtualMachineSnapshotStatus {
	s, err := f.vmsnap.SnapshotV1alpha1().VirtualMachineSnapshots("ns").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return s.Status
}

func newSnapshot(deadline time.Duration, mutate ...func(*snapshotapi.VirtualMachineSnapshot)) *snapshotapi.VirtualMachineSnapshot {
	s := &snapshotapi.VirtualMachineSnapshot{
		ObjectMeta: metav1.ObjectMeta{
			Name: "snap", Namespace: "ns", UID: "uid-1", ResourceVersion: "1",
			CreationTimestamp: metav1.NewTime(created), Finalizers: []string{Finalizer},
		},
		Spec: snapshotapi.VirtualMachineSnapshotSpec{
			Source:          corev1.TypedLocalObjectReference{APIGroup: ptr.To("kubevirt.io"), Kind: "VirtualMachine", Name: "vm"},
			FailureDeadline: &metav1.Duration{Duration: deadline},
		},
	}
	for _, m := range mutate {
		m(s)
	}
	return s
}

func storageObjects() []runtime.Object {
	return []runtime.Object{
		&storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "fast"}, Provisioner: "csi.fast"},
		&snapshotv1.VolumeSnapshotClass{
			ObjectMeta: metav1.ObjectMeta{Name: "fast-snap", Annotations: map[string]string{snapshotclass.IsDefaultAnnotation: "true"}},
			Driver:     "csi.fast",
		},
		boundClaim("root-pvc", "fast"),
	}
}

func runningVMI(agent bool) *kubevirtv1.VirtualMachineInstance {
	vmi := &kubevirtv1.VirtualMachineInstance{
		ObjectMeta: metav1.ObjectMeta{Name: "vm", Namespace: "ns"},
		Status:     kubevirtv1.VirtualMachineInstanceStatus{Phase: kubevirtv1.Running},
	}
	if agent {
		vmi.Status.Conditions = []kubevirtv1.VirtualMachineInstanceCondition{{
			Type: kubevirtv1.VirtualMachineInstanceAgentConnected, Status: corev1.ConditionTrue}}
	}
	return vmi
}

func TestSyncStartsAnOfflineSnapshot(t *testing.T) {
	vm := vmWithVolumes(pvcVolume("root", "root-pvc"))
	f := newFixture(t, created.Add(time.Minute), append(storageObjects(), vm, newSnapshot(5*time.Minute))...)

	requeue, err := f.c.sync(context.Background(), "ns/snap")
	if err != nil {
		t.Fatal(err)
	}
	// The lock, the source protection (a finalizer on the VM), the content,
	// the cut; the protection goes at the cut, once CSI reports it.
	want := "update virtualmachines/status,update virtualmachines,create virtualmachinesnapshotcontents,create volumesnapshots,update virtualmachinesnapshots/status"
	if got := strings.Join(f.actions(), ","); got != want {
		t.Errorf("actions:\n got %s\nwant %s", got, want)
	}
	if live, _ := f.kubevirt.KubevirtV1().VirtualMachines("ns").Get(context.Background(), "vm", metav1.GetOptions{}); !slices.Contains(live.Finalizers, freeze.SourceProtection) {
		t.Errorf("VM finalizers %v; want the source protection until the cut", live.Finalizers)
	}
	if requeue != 4*time.Minute {
		t.Errorf("requeue %s, want the 4m left before the deadline", requeue)
	}
	st := f.status("snap")
	if st.Phase != snapshotapi.SnapshotInProgress || len(st.Indications) != 0 {
		t.Errorf("phase %s, indications %v; want InProgress and none (offline)", st.Phase, st.Indications)
	}
	vs, err := f.snapshot.SnapshotV1().VolumeSnapshots("ns").Get(context.Background(), VolumeSnapshotName("uid-1", "root"), metav1.GetOptions{})
	if err != nil {
		t.Fatalf("VolumeSnapshot not created under its deterministic name: %v", err)
	}
	if ptr.Deref(vs.Spec.VolumeSnapshotClassName, "") != "fast-snap" || ptr.Deref(vs.Spec.Source.PersistentVolumeClaimName, "") != "root-pvc" {
		t.Errorf("VolumeSnapshot spec %+v", vs.Spec)
	}
	select {
	case e := <-f.recorder.Events:
		t.Errorf("event %q on entering InProgress, want none (routine progress records no event)", e)
	default:
	}
}

func TestSyncFreezesARunningVMWithAgent(t *testing.T) {
	vm := vmWithVolumes(pvcVolume("root", "root-pvc"))
	f := newFixture(t, created, append(storageObjects(), vm, runningVMI(true), newSnapshot(5*time.Minute))...)
	if _, err := f.c.sync(context.Background(), "ns/snap"); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(f.actions(), ",")
	freeze := strings.Index(got, "put virtualmachineinstances/freeze")
	createVS := strings.Index(got, "create volumesnapshots")
	if freeze < 0 || createVS < 0 || freeze > createVS {
		t.Fatalf("actions %s: want the freeze before the VolumeSnapshot is created", got)
	}
	if strings.Contains(got, "unfreeze") {
		t.Fatalf("actions %s: thawed before the cut", got)
	}
	st := f.status("snap")
	if !hasIndicationIn(st, snapshotapi.IndicationOnline) || !hasIndicationIn(st, snapshotapi.IndicationGuestAgent) {
		t.Errorf("indications %v, want Online and GuestAgent", st.Indications)
	}
}

func TestSyncWaitsForAgentThenFailsAtTheDeadline(t *testing.T) {
	vm := vmWithVolumes(pvcVolume("root", "root-pvc"))
	objects := append(storageObjects(), vm, runningVMI(false), newSnapshot(time.Minute))

	f := newFixture(t, created.Add(20*time.Second), objects...)
	requeue, err := f.c.sync(context.Background(), "ns/snap")
	if err != nil {
		t.Fatal(err)
	}
	if requeue != 40*time.Second {
		t.Errorf("requeue %s, want 40s: exactly at the deadline", requeue)
	}
	st := f.status("snap")
	ready := meta(st.Conditions, snapshotapi.ConditionReady)
	if st.Phase != snapshotapi.SnapshotPending || ready == nil || ready.Reason != ReasonNoGuestAgent {
		t.Fatalf("phase %s, Ready %+v; want Pending with reason NoGuestAgent", st.Phase, ready)
	}
	if got := strings.Join(f.actions(), ","); got != "update virtualmachinesnapshots/status" {
		t.Errorf("actions %s: a waiting snapshot must only write its status", got)
	}

	f = newFixture(t, created.Add(time.Minute), objects...)
	requeue, err = f.c.sync(context.Background(), "ns/snap")
	if err != nil || requeue != 0 {
		t.Fatalf("sync at the deadline: requeue %s, err %v; want 0, nil", requeue, err)
	}
	st = f.status("snap")
	ready = meta(st.Conditions, snapshotapi.ConditionReady)
	if st.Phase != snapshotapi.SnapshotFailed || ready.Reason != ReasonNoGuestAgent || !strings.Contains(ready.Message, "failureDeadline of 1m0s") {
		t.Fatalf("phase %s, Ready %+v; want Failed naming the deadline and NoGuestAgent", st.Phase, ready)
	}
	if e := <-f.recorder.Events; !strings.Contains(e, "Warning SnapshotFailed") {
		t.Errorf("event %q, want a Warning SnapshotFailed", e)
	}
}

func TestSyncThawsAtTheCutAndIsReadyWhenAllAreReady(t *testing.T) {
	vm := vmWithVolumes(pvcVolume("root", "root-pvc"))
	vm.Status.SnapshotInProgress = ptr.To("snap")
	snap := newSnapshot(5*time.Minute, func(s *snapshotapi.VirtualMachineSnapshot) {
		s.Status.Phase = snapshotapi.SnapshotInProgress
		s.Status.VirtualMachineSnapshotContentName = ptr.To(ContentName(s))
		s.Status.Indications = indications(freeze.Freeze, volumePlan{}, groupPlan{})
	})
	content := &snapshotapi.VirtualMachineSnapshotContent{
		ObjectMeta: metav1.ObjectMeta{Name: ContentName(snap), Namespace: "ns", Annotations: map[string]string{AnnotationGuestFreeze: "true"}},
		Spec: snapshotapi.VirtualMachineSnapshotContentSpec{VolumeBackups: []snapshotapi.VolumeBackup{{
			VolumeName: "root", VolumeSnapshotName: ptr.To(VolumeSnapshotName(snap.UID, "root")),
		}}},
	}
	cut := created.Add(2 * time.Second)
	volumeSnapshot := func(ready bool) *snapshotv1.VolumeSnapshot {
		vs := &snapshotv1.VolumeSnapshot{
			ObjectMeta: metav1.ObjectMeta{Name: VolumeSnapshotName(snap.UID, "root"), Namespace: "ns",
				Annotations: windowAnnotations(created.Add(3 * time.Second))},
			Status: &snapshotv1.VolumeSnapshotStatus{CreationTime: ptr.To(metav1.NewTime(cut)), ReadyToUse: ptr.To(ready)},
		}
		ownedBy(snap, content, vs)
		return vs
	}

	for _, tc := range []struct {
		name        string
		ready       bool
		wantActions string
		wantPhase   snapshotapi.SnapshotPhase
	}{
		{"cut, not ready: thaw now", false, "put virtualmachineinstances/unfreeze,update virtualmachinesnapshots/status", snapshotapi.SnapshotInProgress},
		{"cut and ready: thaw, Ready, unlock", true, "put virtualmachineinstances/unfreeze,update virtualmachinesnapshots/status,update virtualmachines/status", snapshotapi.SnapshotReady},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, created.Add(3*time.Second), append(storageObjects(), vm, runningVMI(true), snap, content, volumeSnapshot(tc.ready))...)
			f.c.freezer.Freeze(context.Background(), snap.UID, "ns", "vm")
			f.writes = nil
			if _, err := f.c.sync(context.Background(), "ns/snap"); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(f.actions(), ","); got != tc.wantActions {
				t.Errorf("actions:\n got %s\nwant %s", got, tc.wantActions)
			}
			st := f.status("snap")
			if st.Phase != tc.wantPhase || st.CreationTime == nil || !st.CreationTime.Time.Equal(cut) {
				t.Errorf("phase %s, creationTime %v; want %s and the cut time %s", st.Phase, st.CreationTime, tc.wantPhase, cut)
			}
			if tc.ready && !ptr.Deref(st.Consistent, false) {
				t.Error("a frozen snapshot is not consistent")
			}
			wantReady := 0
			if tc.ready {
				wantReady = 1
			}
			if got := counterValue(t, f.metrics, "vmsnap_operations_total"); got != float64(wantReady) {
				t.Errorf("vmsnap_operations_total = %v, want %d", got, wantReady)
			}
		})
	}
}

func TestSyncWaitsItsTurnOnALockedVM(t *testing.T) {
	vm := vmWithVolumes(pvcVolume("root", "root-pvc"))
	vm.Status.SnapshotInProgress = ptr.To("other")
	f := newFixture(t, created, append(storageObjects(), vm, newSnapshot(5*time.Minute))...)
	if _, err := f.c.sync(context.Background(), "ns/snap"); err != nil {
		t.Fatal(err)
	}
	st := f.status("snap")
	ready := meta(st.Conditions, snapshotapi.ConditionReady)
	if st.Phase != snapshotapi.SnapshotPending || ready.Reason != ReasonWaitingForVM || !strings.Contains(ready.Message, "other") {
		t.Fatalf("phase %s, Ready %+v: want Pending, waiting for snapshot other", st.Phase, ready)
	}
	for _, a := range f.actions() {
		if strings.Contains(a, "freeze") || strings.Contains(a, "volumesnapshots") || strings.Contains(a, "contents") {
			t.Fatalf("a waiting snapshot acted: %v", f.actions())
		}
	}
}

func TestSyncFailedCleansUp(t *testing.T) {
	vm := vmWithVolumes(pvcVolume("root", "root-pvc"))
	vm.Status.SnapshotInProgress = ptr.To("snap")
	vm.Finalizers = []string{freeze.SourceProtection} // not cut: still protected
	snap := newSnapshot(time.Minute, func(s *snapshotapi.VirtualMachineSnapshot) {
		s.Status.Phase = snapshotapi.SnapshotInProgress
		s.Status.VirtualMachineSnapshotContentName = ptr.To(ContentName(s))
		s.Status.Indications = indications(freeze.Freeze, volumePlan{}, groupPlan{})
	})
	content := &snapshotapi.VirtualMachineSnapshotContent{
		ObjectMeta: metav1.ObjectMeta{Name: ContentName(snap), Namespace: "ns", UID: "content-uid", Annotations: map[string]string{AnnotationGuestFreeze: "true"},
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(snap, snapshotapi.SchemeGroupVersion.WithKind("VirtualMachineSnapshot"))}},
		Spec: snapshotapi.VirtualMachineSnapshotContentSpec{VolumeBackups: []snapshotapi.VolumeBackup{{
			VolumeName: "root", VolumeSnapshotName: ptr.To(VolumeSnapshotName(snap.UID, "root")),
		}}},
	}
	// The VolumeSnapshot exists but was never cut: the storage is stuck.
	stuck := &snapshotv1.VolumeSnapshot{ObjectMeta: metav1.ObjectMeta{Name: VolumeSnapshotName(snap.UID, "root"), Namespace: "ns"}}
	ownedBy(snap, content, stuck)
	f := newFixture(t, created.Add(2*time.Minute), append(storageObjects(), vm, runningVMI(true), snap, content, stuck)...)
	_ = f.c.freezer.Freeze(context.Background(), snap.UID, "ns", "vm")
	f.writes = nil

	if _, err := f.c.sync(context.Background(), "ns/snap"); err != nil {
		t.Fatal(err)
	}
	// The protection goes before the lock; the content goes once its
	// VolumeSnapshot is gone.
	want := "update virtualmachinesnapshots/status,put virtualmachineinstances/unfreeze,update virtualmachines,update virtualmachines/status,delete volumesnapshots"
	if got := strings.Join(f.actions(), ","); got != want {
		t.Errorf("actions:\n got %s\nwant %s", got, want)
	}
	if live, _ := f.kubevirt.KubevirtV1().VirtualMachines("ns").Get(context.Background(), "vm", metav1.GetOptions{}); len(live.Finalizers) != 0 || live.Status.SnapshotInProgress != nil {
		t.Errorf("VM finalizers %v, lock %v; want both gone with the failed snapshot", live.Finalizers, live.Status.SnapshotInProgress)
	}
	if st := f.status("snap"); st.Phase != snapshotapi.SnapshotFailed || st.Error == nil {
		t.Errorf("phase %s, error %v; want Failed with an error", st.Phase, st.Error)
	}
}

func hasIndicationIn(st snapshotapi.VirtualMachineSnapshotStatus, t snapshotapi.IndicationType) bool {
	for _, i := range st.Indications {
		if i.Type == t {
			return true
		}
	}
	return false
}

// A failed freeze must never be followed by volume snapshots of the running
// guest when consistency is required, even when the cache still shows the
// snapshot's status from before the freeze was decided; and the retry must
// wake at the deadline, not after a long backoff.
func TestSyncNeverCutsUnfrozenWhenTheFreezeFails(t *testing.T) {
	for name, status := range map[string]snapshotapi.VirtualMachineSnapshotStatus{
		// The cache still shows the status from before the start.
		"stale status": {},
		// The status of an earlier failed attempt.
		"after a failed attempt": {Phase: snapshotapi.SnapshotInProgress, Indications: []snapshotapi.Indication{
			{Type: snapshotapi.IndicationOnline}, {Type: snapshotapi.IndicationGuestAgent}, {Type: snapshotapi.IndicationQuiesceFailed}}},
	} {
		t.Run(name, func(t *testing.T) { testFailedFreezeCutsNothing(t, status) })
	}
}

func testFailedFreezeCutsNothing(t *testing.T, status snapshotapi.VirtualMachineSnapshotStatus) {
	vm := vmWithVolumes(pvcVolume("root", "root-pvc"))
	vm.Status.SnapshotInProgress = ptr.To("snap")
	snap := newSnapshot(time.Minute, func(s *snapshotapi.VirtualMachineSnapshot) { s.Status = status })
	content := &snapshotapi.VirtualMachineSnapshotContent{
		ObjectMeta: metav1.ObjectMeta{Name: ContentName(snap), Namespace: "ns", Annotations: map[string]string{AnnotationGuestFreeze: "true"}},
		Spec: snapshotapi.VirtualMachineSnapshotContentSpec{VolumeBackups: []snapshotapi.VolumeBackup{{
			VolumeName: "root", VolumeSnapshotName: ptr.To(VolumeSnapshotName(snap.UID, "root")),
			PersistentVolumeClaim: snapshotapi.PersistentVolumeClaimTemplate{Name: "root-pvc"},
		}}},
	}
	ownedBy(snap, content)
	f := newFixture(t, created.Add(20*time.Second), append(storageObjects(), vm, runningVMI(true), snap, content)...)
	froze := false
	f.kubevirt.PrependReactor("put", "virtualmachineinstances", func(a kubetesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() == "freeze" {
			froze = true
			return true, nil, fmt.Errorf("guest agent not responding")
		}
		return true, nil, nil
	})

	requeue, err := f.c.sync(context.Background(), "ns/snap")
	if err == nil {
		t.Fatal("a failed freeze was not retried")
	}
	if requeue != 40*time.Second {
		t.Errorf("requeue %s, want 40s so the deadline is kept whatever the backoff", requeue)
	}
	for _, w := range f.actions() {
		if w == "create volumesnapshots" {
			t.Fatalf("writes %v: a VolumeSnapshot of an unfrozen running guest was created", f.actions())
		}
	}
	if !froze {
		t.Fatal("the freeze was not tried again")
	}
	st := f.status("snap")
	if !hasIndicationIn(st, snapshotapi.IndicationQuiesceFailed) {
		t.Errorf("indications %v, want QuiesceFailed saying the freeze is retried", st.Indications)
	}
}

// counterValue sums a counter's series in a registry.
func counterValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range families {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}

// A VM being restored in place is not snapshotted half-way: the snapshot
// waits, and takes nothing.
func TestSyncWaitsForARestoreInProgress(t *testing.T) {
	vm := vmWithVolumes(pvcVolume("root", "root-pvc"))
	vm.Status.RestoreInProgress = ptr.To("restore-1")
	f := newFixture(t, created, append(storageObjects(), vm, newSnapshot(5*time.Minute))...)
	if _, err := f.c.sync(context.Background(), "ns/snap"); err != nil {
		t.Fatal(err)
	}
	st := f.status("snap")
	ready := meta(st.Conditions, snapshotapi.ConditionReady)
	if st.Phase != snapshotapi.SnapshotPending || ready.Reason != ReasonRestoreInProgress || !strings.Contains(ready.Message, "restore-1") {
		t.Fatalf("phase %s, Ready %+v: want Pending, waiting for restore-1", st.Phase, ready)
	}
	if got := strings.Join(f.actions(), ","); got != "update virtualmachinesnapshots/status" {
		t.Errorf("writes %s: a snapshot waiting for a restore must only write its status", got)
	}
}

// The thaw does not wait for snapshot-controller to copy the cut to the
// VolumeSnapshot: the bound VolumeSnapshotContent tells it first.
func TestSyncThawsWhenTheContentIsCut(t *testing.T) {
	f, cut := frozenWithCutContent(t)
	if _, err := f.c.sync(context.Background(), "ns/snap"); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.actions(), ","); got != "put virtualmachineinstances/unfreeze,update virtualmachinesnapshots/status" {
		t.Errorf("writes %s: want the thaw as soon as the content is cut", got)
	}
	if st := f.status("snap"); st.CreationTime == nil || !st.CreationTime.Time.Equal(cut) {
		t.Errorf("creationTime %v, want the content's cut %s", st.CreationTime, cut)
	}
}

// The thaw queue thaws at the cut on its own; the main sync then records
// the cut without a second unfreeze.
func TestThawQueueThawsAtTheCut(t *testing.T) {
	f, cut := frozenWithCutContent(t)
	vs, err := f.c.volumeSnapshots.VolumeSnapshots("ns").Get(VolumeSnapshotName("uid-1", "root"))
	if err != nil {
		t.Fatal(err)
	}
	f.c.enqueueVolumeSnapshotOwner(vs)
	if f.c.thawQueue.Len() != 1 {
		t.Fatalf("thaw queue holds %d keys after an event of a frozen snapshot's VolumeSnapshot, want 1", f.c.thawQueue.Len())
	}
	if _, err := f.c.syncThaw(context.Background(), "ns/snap"); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.actions(), ","); got != "put virtualmachineinstances/unfreeze" {
		t.Fatalf("thaw sync writes %s, want only the unfreeze", got)
	}
	if _, frozen := f.c.freezer.Frozen("uid-1"); frozen {
		t.Fatal("still frozen after the thaw sync")
	}
	// Thawed: further events do not reach the thaw queue.
	f.c.enqueueVolumeSnapshotOwner(vs)
	if f.c.thawQueue.Len() != 1 {
		t.Fatalf("thaw queue holds %d keys, want the one from before the thaw", f.c.thawQueue.Len())
	}
	f.writes = nil
	if _, err := f.c.sync(context.Background(), "ns/snap"); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.actions(), ","); got != "update virtualmachinesnapshots/status" {
		t.Errorf("main sync after the thaw writes %s, want only the status", got)
	}
	if st := f.status("snap"); st.CreationTime == nil || !st.CreationTime.Time.Equal(cut) {
		t.Errorf("creationTime %v, want the content's cut %s", st.CreationTime, cut)
	}
}

func TestThawQueueWaitsForTheCut(t *testing.T) {
	f, _ := frozenWithCutContent(t, func(c *snapshotv1.VolumeSnapshotContent) { c.Status.CreationTime = nil })
	if _, err := f.c.syncThaw(context.Background(), "ns/snap"); err != nil {
		t.Fatal(err)
	}
	if len(f.actions()) != 0 {
		t.Fatalf("thaw sync before the cut writes %v, want nothing", f.actions())
	}
	if _, frozen := f.c.freezer.Frozen("uid-1"); !frozen {
		t.Fatal("thawed before the cut")
	}
}

// frozenWithCutContent is an InProgress snapshot of a VM this process froze,
// whose one VolumeSnapshot is bound to a VolumeSnapshotContent the storage
// has cut (mutate may undo that).
func frozenWithCutContent(t *testing.T, mutate ...func(*snapshotv1.VolumeSnapshotContent)) (*fixture, time.Time) {
	vm := vmWithVolumes(pvcVolume("root", "root-pvc"))
	vm.Status.SnapshotInProgress = ptr.To("snap")
	snap := newSnapshot(5*time.Minute, func(s *snapshotapi.VirtualMachineSnapshot) {
		s.Status.Phase = snapshotapi.SnapshotInProgress
		s.Status.VirtualMachineSnapshotContentName = ptr.To(ContentName(s))
		s.Status.Indications = indications(freeze.Freeze, volumePlan{}, groupPlan{})
	})
	content := &snapshotapi.VirtualMachineSnapshotContent{
		ObjectMeta: metav1.ObjectMeta{Name: ContentName(snap), Namespace: "ns", Annotations: map[string]string{AnnotationGuestFreeze: "true"}},
		Spec: snapshotapi.VirtualMachineSnapshotContentSpec{VolumeBackups: []snapshotapi.VolumeBackup{{
			VolumeName: "root", VolumeSnapshotName: ptr.To(VolumeSnapshotName(snap.UID, "root")),
		}}},
	}
	vs := &snapshotv1.VolumeSnapshot{
		ObjectMeta: metav1.ObjectMeta{Name: VolumeSnapshotName(snap.UID, "root"), Namespace: "ns", UID: "vs-uid", Labels: map[string]string{LabelSnapshotName: "snap"},
			Annotations: windowAnnotations(created.Add(3 * time.Second))},
		Status: &snapshotv1.VolumeSnapshotStatus{BoundVolumeSnapshotContentName: ptr.To("snapcontent-vs-uid")},
	}
	cut := created.Add(2 * time.Second)
	bound := &snapshotv1.VolumeSnapshotContent{
		ObjectMeta: metav1.ObjectMeta{Name: "snapcontent-vs-uid"},
		Spec:       snapshotv1.VolumeSnapshotContentSpec{VolumeSnapshotRef: corev1.ObjectReference{Namespace: "ns", Name: vs.Name, UID: "vs-uid"}},
		Status:     &snapshotv1.VolumeSnapshotContentStatus{CreationTime: ptr.To(cut.UnixNano())},
	}
	for _, m := range mutate {
		m(bound)
	}
	ownedBy(snap, content, vs)
	f := newFixture(t, created.Add(3*time.Second), append(storageObjects(), vm, runningVMI(true), snap, content, vs, bound)...)
	_ = f.c.freezer.Freeze(context.Background(), snap.UID, "ns", "vm")
	f.writes = nil
	return f, cut
}

// stoppedVMInProgress is a stopped VM locked by an InProgress snapshot
// whose content holds its one volume, not cut yet.
func stoppedVMInProgress() (*kubevirtv1.VirtualMachine, *snapshotapi.VirtualMachineSnapshot, *snapshotapi.VirtualMachineSnapshotContent) {
	vm := vmWithVolumes(pvcVolume("root", "root-pvc"))
	vm.Status.SnapshotInProgress = ptr.To("snap")
	snap := newSnapshot(5*time.Minute, func(s *snapshotapi.VirtualMachineSnapshot) {
		s.Status.Phase = snapshotapi.SnapshotInProgress
		s.Status.VirtualMachineSnapshotContentName = ptr.To(ContentName(s))
		s.Status.SnapshotVolumes = &snapshotapi.SnapshotVolumesLists{IncludedVolumes: []string{"root"}}
		s.Status.ReadyToUse = ptr.To(false)
		controller.SetProgressAndReady(&s.Status.Conditions, s.Generation, metav1.NewTime(created),
			metav1.ConditionTrue, ReasonInProgress, "waiting for the storage to cut 1 volume snapshots",
			metav1.ConditionFalse, ReasonInProgress, "waiting for the storage to cut 1 volume snapshots")
	})
	content := &snapshotapi.VirtualMachineSnapshotContent{
		ObjectMeta: metav1.ObjectMeta{Name: ContentName(snap), Namespace: "ns"},
		Spec: snapshotapi.VirtualMachineSnapshotContentSpec{VolumeBackups: []snapshotapi.VolumeBackup{{
			VolumeName: "root", VolumeSnapshotName: ptr.To(VolumeSnapshotName(snap.UID, "root")),
			PersistentVolumeClaim: snapshotapi.PersistentVolumeClaimTemplate{Name: "root-pvc"},
		}}},
	}
	return vm, snap, content
}

// A cut of a stopped VM's disks is progress: it waits for the progress
// interval, unless readiness comes first. Meanwhile the controller still
// knows the snapshot was cut and never takes a lost VolumeSnapshot again.
func TestSyncHoldsBackProgressButNeverCutsTwice(t *testing.T) {
	vm, snap, content := stoppedVMInProgress()
	cut := created.Add(time.Second)
	vs := &snapshotv1.VolumeSnapshot{
		ObjectMeta: metav1.ObjectMeta{Name: VolumeSnapshotName(snap.UID, "root"), Namespace: "ns"},
		Status:     &snapshotv1.VolumeSnapshotStatus{CreationTime: ptr.To(metav1.NewTime(cut)), ReadyToUse: ptr.To(false)},
	}
	ownedBy(snap, content, vs)
	f := newFixture(t, created.Add(2*time.Second), append(storageObjects(), vm, snap, content, vs)...)

	requeue, err := f.c.sync(context.Background(), "ns/snap")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.actions()) != 0 || requeue != controller.ProgressInterval {
		t.Fatalf("cut, not ready: writes %v, requeue %s; want none and %s", f.actions(), requeue, controller.ProgressInterval)
	}

	// The VolumeSnapshot is lost before the progress is written: an error,
	// not a second cut.
	if err := f.vsIndexer.Delete(vs); err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.sync(context.Background(), "ns/snap"); err == nil || !strings.Contains(err.Error(), "disappeared") {
		t.Fatalf("sync after the loss: err %v, want one saying the VolumeSnapshot disappeared", err)
	}
	if got := strings.Join(f.actions(), ","); strings.Contains(got, "create volumesnapshots") {
		t.Fatalf("writes %s: took a lost VolumeSnapshot again after the cut", got)
	}

	// Back: the error was written, so the progress waits afresh; once the
	// interval is up it is written with the cut.
	if err := f.vsIndexer.Add(vs); err != nil {
		t.Fatal(err)
	}
	f.writes = nil
	for range 2 {
		if _, err := f.c.sync(context.Background(), "ns/snap"); err != nil {
			t.Fatal(err)
		}
		if len(f.actions()) == 0 {
			f.clock.Step(controller.ProgressInterval)
		}
	}
	if got := strings.Join(f.actions(), ","); got != "update virtualmachinesnapshots/status" {
		t.Fatalf("writes %s after the interval, want the status", got)
	}
	if st := f.status("snap"); st.CreationTime == nil || !st.CreationTime.Time.Equal(cut) || st.Phase != snapshotapi.SnapshotInProgress {
		t.Errorf("status %s, creationTime %v; want InProgress cut at %s", st.Phase, st.CreationTime, cut)
	}
}

// Once the storage has finished every volume (the bound
// VolumeSnapshotContents say readyToUse), readiness is only
// snapshot-controller's copy away: the cut is not written on its own after
// the progress interval, but with readiness when it comes.
func TestSyncWritesTheCutWithReadinessOnceTheStorageFinished(t *testing.T) {
	vm, snap, content := stoppedVMInProgress()
	cut := created.Add(time.Second)
	vs := &snapshotv1.VolumeSnapshot{
		ObjectMeta: metav1.ObjectMeta{Name: VolumeSnapshotName(snap.UID, "root"), Namespace: "ns", UID: "vs-uid"},
		Status:     &snapshotv1.VolumeSnapshotStatus{BoundVolumeSnapshotContentName: ptr.To("snapcontent-vs-uid")},
	}
	bound := &snapshotv1.VolumeSnapshotContent{
		ObjectMeta: metav1.ObjectMeta{Name: "snapcontent-vs-uid"},
		Spec:       snapshotv1.VolumeSnapshotContentSpec{VolumeSnapshotRef: corev1.ObjectReference{Namespace: "ns", Name: vs.Name, UID: "vs-uid"}},
		Status:     &snapshotv1.VolumeSnapshotContentStatus{CreationTime: ptr.To(cut.UnixNano()), ReadyToUse: ptr.To(true)},
	}
	ownedBy(snap, content, vs)
	f := newFixture(t, created.Add(2*time.Second), append(storageObjects(), vm, snap, content, vs, bound)...)

	for range 2 {
		requeue, err := f.c.sync(context.Background(), "ns/snap")
		if err != nil {
			t.Fatal(err)
		}
		if requeue <= controller.ProgressInterval {
			t.Fatalf("requeue %s, want a wait past the progress interval (%s): readiness is on its way", requeue, controller.ProgressInterval)
		}
		f.clock.Step(2 * controller.ProgressInterval)
	}
	if got := f.actions(); len(got) != 0 {
		t.Fatalf("writes %v before readiness, want none", got)
	}

	ready := vs.DeepCopy()
	ready.Status.CreationTime, ready.Status.ReadyToUse = ptr.To(metav1.NewTime(cut)), ptr.To(true)
	if err := f.vsIndexer.Update(ready); err != nil {
		t.Fatal(err)
	}
	f.writes = nil
	if _, err := f.c.sync(context.Background(), "ns/snap"); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.actions(), ","); got != "update virtualmachinesnapshots/status,update virtualmachines/status" {
		t.Fatalf("writes %s once ready, want the status (Ready, with the cut) and the unlock", got)
	}
	if st := f.status("snap"); st.Phase != snapshotapi.SnapshotReady || st.CreationTime == nil || !st.CreationTime.Time.Equal(cut) {
		t.Errorf("status %s, creationTime %v; want Ready cut at %s", st.Phase, st.CreationTime, cut)
	}

	// Without the storage's word, the cut is written at the interval.
	f2 := newFixture(t, created.Add(2*time.Second), append(storageObjects(), vm.DeepCopy(), snap.DeepCopy(), content.DeepCopy(), vs.DeepCopy(),
		func() *snapshotv1.VolumeSnapshotContent {
			b := bound.DeepCopy()
			b.Status.ReadyToUse = ptr.To(false)
			return b
		}())...)
	requeue, err := f2.c.sync(context.Background(), "ns/snap")
	if err != nil {
		t.Fatal(err)
	}
	if requeue != controller.ProgressInterval {
		t.Fatalf("storage not finished: requeue %s, want the progress interval %s", requeue, controller.ProgressInterval)
	}
}

// With the most VMs allowed already frozen, a snapshot of a running VM
// cuts nothing (never an unfrozen guest) and waits; the next thaw wakes it.
func TestSyncWaitsForAPlaceToFreeze(t *testing.T) {
	vm := vmWithVolumes(pvcVolume("root", "root-pvc"))
	f := newFixture(t, created, append(storageObjects(), vm, runningVMI(true), newSnapshot(5*time.Minute))...)
	f.c.freezer.LimitFrozen(1)
	if err := f.c.freezer.Freeze(context.Background(), "other-snapshot", "ns", "other-vm"); err != nil {
		t.Fatal(err)
	}
	f.writes = nil

	requeue, err := f.c.sync(context.Background(), "ns/snap")
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(f.actions(), ",")
	if strings.Contains(got, "freeze") || strings.Contains(got, "create volumesnapshots") {
		t.Fatalf("writes %s: froze or cut past the bound", got)
	}
	if requeue <= 0 || requeue > controller.CacheRecheck {
		t.Errorf("requeue %s, want a recheck within %s", requeue, controller.CacheRecheck)
	}
	if ready := meta(f.status("snap").Conditions, snapshotapi.ConditionReady); ready == nil || !strings.Contains(ready.Message, "waiting to freeze") {
		t.Errorf("Ready condition %+v, want it to say the snapshot waits to freeze", ready)
	}

	for f.c.queue.Len() > 0 {
		key, _ := f.c.queue.Get()
		f.c.queue.Done(key)
	}
	if err := f.c.freezer.Thaw(context.Background(), "other-snapshot", "ns", "other-vm"); err != nil {
		t.Fatal(err)
	}
	if key, _ := f.c.queue.Get(); f.c.queue.Len() != 0 || key != "ns/snap" {
		t.Fatalf("after the thaw the queue gave %q with %d more, want ns/snap alone", key, f.c.queue.Len())
	}
	f.writes = nil
	if _, err := f.c.sync(context.Background(), "ns/snap"); err != nil {
		t.Fatal(err)
	}
	got = strings.Join(f.actions(), ",")
	if freeze, cut := strings.Index(got, "put virtualmachineinstances/freeze"), strings.Index(got, "create volumesnapshots"); freeze < 0 || cut < freeze {
		t.Fatalf("writes %s after the thaw, want the freeze and then the VolumeSnapshot", got)
	}
}

// A sync that runs before the cache shows the content and VolumeSnapshots
// the previous one created creates nothing again (no AlreadyExists 409s).
func TestSyncTrustsItsOwnCreates(t *testing.T) {
	vm := vmWithVolumes(pvcVolume("root", "root-pvc"))
	f := newFixture(t, created.Add(time.Minute), append(storageObjects(), vm, newSnapshot(5*time.Minute))...)
	if _, err := f.c.sync(context.Background(), "ns/snap"); err != nil {
		t.Fatal(err)
	}
	first := strings.Join(f.actions(), ",")
	if !strings.Contains(first, "create virtualmachinesnapshotcontents") || !strings.Contains(first, "create volumesnapshots") {
		t.Fatalf("first sync wrote %s, want the content and the VolumeSnapshot created", first)
	}
	f.writes = nil
	// The fixture's caches never show what the fakes created.
	if _, err := f.c.sync(context.Background(), "ns/snap"); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.actions(), ","); strings.Contains(got, "create") {
		t.Fatalf("second sync wrote %s, want no create repeated", got)
	}
	// Past the TTL a create the cache never showed counts as missing again.
	f.clock.Step(controller.ExpectationsTTL)
	f.writes = nil
	if _, err := f.c.sync(context.Background(), "ns/snap"); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.actions(), ","); !strings.Contains(got, "create volumesnapshots") {
		t.Fatalf("sync past the TTL wrote %s, want the VolumeSnapshot asked for again", got)
	}
}

// windowAnnotations are those of a VolumeSnapshot created while the fixture's
// freezer (auto-thaw 30s) held the guest frozen since frozenAt.
func windowAnnotations(frozenAt time.Time) map[string]string {
	return (&freeze.Window{FrozenAt: frozenAt, AutoThawAt: frozenAt.Add(30 * time.Second)}).Annotations()
}

// ownedBy makes a content the snapshot's own, and VolumeSnapshots the
// content's, as the controller creates them.
func ownedBy(snap *snapshotapi.VirtualMachineSnapshot, content *snapshotapi.VirtualMachineSnapshotContent, vss ...*snapshotv1.VolumeSnapshot) {
	if content.UID == "" {
		content.UID = "content-uid"
	}
	content.OwnerReferences = contentOwners(snap)
	for _, vs := range vss {
		vs.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(content, snapshotapi.SchemeGroupVersion.WithKind("VirtualMachineSnapshotContent"))}
	}
}
