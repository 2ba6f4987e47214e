package populator

import (
	"context"
	"strings"
	"testing"
	"time"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	snapshotfake "github.com/kubernetes-csi/external-snapshotter/client/v8/clientset/versioned/fake"
	snapshotinformers "github.com/kubernetes-csi/external-snapshotter/client/v8/informers/externalversions"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	kubeinformers "k8s.io/client-go/informers"
	kubefake "k8s.io/client-go/kubernetes/fake"
	kubetesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
	vmsnapfake "vmsnap.io/client-go/clientset/versioned/fake"
	vmsnapinformers "vmsnap.io/client-go/informers/externalversions"

	"vmsnap.io/vmsnap/pkg/apiwatch"
	"vmsnap.io/vmsnap/pkg/controller"
)

// fixture is a populator over fake clients whose caches hold exactly the
// objects a test gives it.
type fixture struct {
	t        *testing.T
	p        *Populator
	kube     *kubefake.Clientset
	recorder *record.FakeRecorder
	writes   []string
}

func newFixture(t *testing.T, objects ...runtime.Object) *fixture {
	f := &fixture{t: t, kube: kubefake.NewSimpleClientset(), recorder: record.NewFakeRecorder(100)}
	f.kube.PrependReactor("*", "*", func(a kubetesting.Action) (bool, runtime.Object, error) {
		switch a.GetVerb() {
		case "get", "list", "watch":
		default:
			f.writes = append(f.writes, a.GetVerb()+" "+a.GetResource().Resource)
		}
		return false, nil, nil
	})
	kubeInf := kubeinformers.NewSharedInformerFactory(f.kube, 0)
	vmsnapInf := vmsnapinformers.NewSharedInformerFactory(vmsnapfake.NewSimpleClientset(), 0)
	snapInf := snapshotinformers.NewSharedInformerFactory(snapshotfake.NewSimpleClientset(), 0)
	p, err := New(Config{
		Kube:            f.kube,
		Claims:          kubeInf.Core().V1().PersistentVolumeClaims(),
		Volumes:         kubeInf.Core().V1().PersistentVolumes(),
		StorageClasses:  kubeInf.Storage().V1().StorageClasses(),
		DiskSnapshots:   vmsnapInf.Snapshot().V1alpha1().VirtualDiskSnapshots(),
		VolumeSnapshots: snapInf.Snapshot().V1().VolumeSnapshots(),
		APIs:            apiwatch.New(nil, time.Second),
		Recorder:        f.recorder,
		Queue:           workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]()),
		Enabled:         true,
	})
	if err != nil {
		t.Fatal(err)
	}
	p.volumeSnapshotAPI = controller.NewOptionalAPI(served(true), volumeSnapshotsResource)
	f.p = p
	for _, o := range objects {
		var indexer interface{ Add(interface{}) error }
		switch o.(type) {
		case *corev1.PersistentVolumeClaim:
			indexer = kubeInf.Core().V1().PersistentVolumeClaims().Informer().GetIndexer()
			_ = f.kube.Tracker().Add(o)
		case *corev1.PersistentVolume:
			indexer = kubeInf.Core().V1().PersistentVolumes().Informer().GetIndexer()
			_ = f.kube.Tracker().Add(o)
		case *storagev1.StorageClass:
			indexer = kubeInf.Storage().V1().StorageClasses().Informer().GetIndexer()
		case *snapshotapi.VirtualDiskSnapshot:
			indexer = vmsnapInf.Snapshot().V1alpha1().VirtualDiskSnapshots().Informer().GetIndexer()
		case *snapshotv1.VolumeSnapshot:
			indexer = snapInf.Snapshot().V1().VolumeSnapshots().Informer().GetIndexer()
		default:
			t.Fatalf("fixture cannot hold %T", o)
		}
		if err := indexer.Add(o); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *fixture) sync() time.Duration {
	f.t.Helper()
	requeue, err := f.p.sync(context.Background(), "ns/restored")
	if err != nil {
		f.t.Fatalf("sync: %v", err)
	}
	return requeue
}

var volumeSnapshotsResource = snapshotv1.SchemeGroupVersion.WithResource("volumesnapshots")

// served is a controller.ServedChecker that serves every resource, or none.
type served bool

func (s served) Served(schema.GroupVersionResource) bool { return bool(s) }

func (f *fixture) actions() string { return strings.Join(f.writes, ",") }

func (f *fixture) events() []string {
	var out []string
	for {
		select {
		case e := <-f.recorder.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

func (f *fixture) claim(name string) *corev1.PersistentVolumeClaim {
	f.t.Helper()
	c, err := f.kube.CoreV1().PersistentVolumeClaims("ns").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

func (f *fixture) volume(name string) *corev1.PersistentVolume {
	f.t.Helper()
	pv, err := f.kube.CoreV1().PersistentVolumes().Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return pv
}

func restoreClaim(size string, mutate ...func(*corev1.PersistentVolumeClaim)) *corev1.PersistentVolumeClaim {
	c := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "restored", Namespace: "ns", UID: "claim-uid", ResourceVersion: "1"},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			StorageClassName: ptr.To("fast"),
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(size)}},
			DataSourceRef: &corev1.TypedObjectReference{
				APIGroup: ptr.To(snapshotapi.SchemeGroupVersion.Group), Kind: "VirtualDiskSnapshot", Name: "snap",
			},
		},
		Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending},
	}
	for _, m := range mutate {
		m(c)
	}
	return c
}

func populating(c *corev1.PersistentVolumeClaim) { c.Finalizers = []string{Finalizer} }

func diskSnapshot(phase snapshotapi.SnapshotPhase) *snapshotapi.VirtualDiskSnapshot {
	s := &snapshotapi.VirtualDiskSnapshot{
		ObjectMeta: metav1.ObjectMeta{Name: "snap", Namespace: "ns", UID: "snap-uid"},
		Status:     snapshotapi.VirtualDiskSnapshotStatus{Phase: phase},
	}
	if phase == snapshotapi.SnapshotReady {
		s.Status.ReadyToUse = ptr.To(true)
		s.Status.VolumeSnapshotName = ptr.To("vdsnapshot-1")
		s.Status.RestoreSize = ptr.To(resource.MustParse("1Gi"))
	}
	return s
}

// volumeSnapshotOf is the VolumeSnapshot the disk snapshot controller made
// for a Ready snapshot: under its controller reference.
func volumeSnapshotOf(snap *snapshotapi.VirtualDiskSnapshot, mutate ...func(*snapshotv1.VolumeSnapshot)) *snapshotv1.VolumeSnapshot {
	vs := &snapshotv1.VolumeSnapshot{ObjectMeta: metav1.ObjectMeta{
		Name: *snap.Status.VolumeSnapshotName, Namespace: snap.Namespace,
		OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(snap, snapshotapi.SchemeGroupVersion.WithKind("VirtualDiskSnapshot"))},
	}}
	for _, m := range mutate {
		m(vs)
	}
	return vs
}

// ready is a Ready disk snapshot and its own VolumeSnapshot.
func ready() []runtime.Object {
	snap := diskSnapshot(snapshotapi.SnapshotReady)
	return []runtime.Object{snap, volumeSnapshotOf(snap)}
}

func storageClass(mode storagev1.VolumeBindingMode) *storagev1.StorageClass {
	return &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "fast"}, Provisioner: "csi.fast", VolumeBindingMode: &mode}
}

func boundPrime(owner *corev1.PersistentVolumeClaim) *corev1.PersistentVolumeClaim {
	return &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{
			Name: PrimeName(owner), Namespace: "ns", UID: "prime-uid",
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(owner, corev1.SchemeGroupVersion.WithKind("PersistentVolumeClaim"))},
		},
		Spec:   corev1.PersistentVolumeClaimSpec{VolumeName: "pv-1"},
		Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimBound},
	}
}

func volumeOf(claimName string, claimUID types.UID, mutate ...func(*corev1.PersistentVolume)) *corev1.PersistentVolume {
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: "pv-1"},
		Spec: corev1.PersistentVolumeSpec{
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimDelete,
			ClaimRef:                      &corev1.ObjectReference{Namespace: "ns", Name: claimName, UID: claimUID},
		},
	}
	for _, m := range mutate {
		m(pv)
	}
	return pv
}

// handingOver is a volume in the middle of its hand-over: Retain, with its
// original policy noted.
func handingOver(pv *corev1.PersistentVolume) {
	pv.Annotations = map[string]string{AnnotationReclaimPolicy: "Delete", AnnotationPopulatedFrom: "ns/snap"}
	pv.Spec.PersistentVolumeReclaimPolicy = corev1.PersistentVolumeReclaimRetain
}

// The claim stays Pending, with one event saying why, while it cannot be
// populated.
func TestSyncWaitsWithAnEvent(t *testing.T) {
	for _, tc := range []struct {
		name       string
		objects    []runtime.Object
		wantEvent  string
		says       string
		featureOff bool
	}{
		{"no snapshot", nil, "Warning " + ReasonSnapshotNotFound, "VirtualDiskSnapshot snap does not exist", false},
		{"snapshot in progress", []runtime.Object{diskSnapshot(snapshotapi.SnapshotInProgress)}, "Normal " + ReasonSnapshotNotReady, "InProgress, not Ready", false},
		{"snapshot failed", []runtime.Object{diskSnapshot(snapshotapi.SnapshotFailed)}, "Warning " + ReasonSnapshotFailed, "failed", false},
		{"claim smaller than the snapshot", []runtime.Object{diskSnapshot(snapshotapi.SnapshotReady)}, "Warning " + ReasonClaimTooSmall, "needs at least 1Gi", false},
		{"feature off", []runtime.Object{diskSnapshot(snapshotapi.SnapshotReady)}, "Warning " + ReasonFeatureDisabled, "feature gate is disabled", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			size := "1Gi"
			if tc.name == "claim smaller than the snapshot" {
				size = "512Mi"
			}
			f := newFixture(t, append(tc.objects, restoreClaim(size), storageClass(storagev1.VolumeBindingImmediate))...)
			f.p.enabled = !tc.featureOff
			f.sync()
			f.sync()
			if f.actions() != "" {
				t.Errorf("actions %s: a waiting claim is not written to", f.actions())
			}
			got := f.events()
			if len(got) != 1 || !strings.HasPrefix(got[0], tc.wantEvent) || !strings.Contains(got[0], tc.says) {
				t.Errorf("events %q; want exactly one %s saying %q", got, tc.wantEvent, tc.says)
			}
		})
	}
}

func TestSyncCreatesThePrimeClaim(t *testing.T) {
	f := newFixture(t, append(ready(), restoreClaim("2Gi"), storageClass(storagev1.VolumeBindingImmediate))...)
	f.sync()
	if want := "patch persistentvolumeclaims,create persistentvolumeclaims"; f.actions() != want {
		t.Errorf("actions:\n got %s\nwant %s", f.actions(), want)
	}
	prime := f.claim("prime-claim-uid")
	ds := prime.Spec.DataSource
	if ds == nil || ds.Kind != "VolumeSnapshot" || ds.Name != "vdsnapshot-1" || ptr.Deref(ds.APIGroup, "") != "snapshot.storage.k8s.io" {
		t.Errorf("prime dataSource %+v, want VolumeSnapshot vdsnapshot-1", ds)
	}
	if req := prime.Spec.Resources.Requests[corev1.ResourceStorage]; req.String() != "2Gi" || ptr.Deref(prime.Spec.StorageClassName, "") != "fast" ||
		len(prime.Spec.AccessModes) != 1 || prime.Spec.AccessModes[0] != corev1.ReadWriteOnce {
		t.Errorf("prime spec %+v; want the claim's request, class and access modes", prime.Spec)
	}
	if owner := metav1.GetControllerOf(prime); owner == nil || owner.UID != "claim-uid" || prime.Labels[LabelPopulates] != "restored" {
		t.Errorf("prime owner %+v, labels %v; want owned by and labelled with the claim", owner, prime.Labels)
	}
	if claim := f.claim("restored"); len(claim.Finalizers) != 1 || claim.Finalizers[0] != Finalizer {
		t.Errorf("claim finalizers %v, want %s", claim.Finalizers, Finalizer)
	}
	if got := f.events(); len(got) != 1 || !strings.HasPrefix(got[0], "Normal "+ReasonPopulating) {
		t.Errorf("events %q, want one Normal Populating", got)
	}
}

func TestSyncWaitsForTheNodeOfAWaitForFirstConsumerClaim(t *testing.T) {
	f := newFixture(t, append(ready(), restoreClaim("1Gi"), storageClass(storagev1.VolumeBindingWaitForFirstConsumer))...)
	f.sync()
	if f.actions() != "" {
		t.Fatalf("actions %s: want nothing before the scheduler picks a node", f.actions())
	}
	f = newFixture(t, append(ready(), storageClass(storagev1.VolumeBindingWaitForFirstConsumer),
		restoreClaim("1Gi", func(c *corev1.PersistentVolumeClaim) { c.Annotations = map[string]string{annSelectedNode: "node-a"} }))...)
	f.sync()
	if got := f.claim("prime-claim-uid").Annotations[annSelectedNode]; got != "node-a" {
		t.Errorf("prime selected node %q, want node-a", got)
	}
}

// The VolumeSnapshot under the disk snapshot's status.volumeSnapshotName
// is restored only when the snapshot's controller made it: a claim is never
// populated from one anyone else made under that name. The claim waits,
// saying so once, and nothing is written.
func TestSyncRestoresOnlyTheSnapshotsOwnVolumeSnapshot(t *testing.T) {
	snap := diskSnapshot(snapshotapi.SnapshotReady)
	otherSnap := snap.DeepCopy()
	otherSnap.UID = "another-snap-uid"
	for _, tc := range []struct {
		name      string
		objects   []runtime.Object
		wantEvent string
		says      []string
	}{
		{"no VolumeSnapshot", nil, "Warning " + ReasonSnapshotNotFound, []string{"VolumeSnapshot vdsnapshot-1", "does not exist"}},
		{"one with no controller", []runtime.Object{volumeSnapshotOf(snap, func(vs *snapshotv1.VolumeSnapshot) {
			vs.OwnerReferences = nil
			vs.Labels = map[string]string{"snapshot.vmsnap.io/vdsnapshot": "snap"} // a label is no proof
		})}, "Warning " + ReasonNameConflict, []string{"VolumeSnapshot vdsnapshot-1 was not made by VirtualDiskSnapshot snap"}},
		{"one of an earlier snapshot of the same name", []runtime.Object{volumeSnapshotOf(otherSnap)},
			"Warning " + ReasonNameConflict, []string{"VolumeSnapshot vdsnapshot-1 was not made by VirtualDiskSnapshot snap"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, append(tc.objects, snap, restoreClaim("1Gi"), storageClass(storagev1.VolumeBindingImmediate))...)
			f.sync()
			if requeue := f.sync(); requeue != 0 {
				t.Errorf("requeue %s: the claim is woken by its disk snapshot, not polled", requeue)
			}
			if f.actions() != "" {
				t.Errorf("actions %s: want no finalizer and no prime claim", f.actions())
			}
			got := f.events()
			if len(got) != 1 || !strings.HasPrefix(got[0], tc.wantEvent) {
				t.Fatalf("events %q; want exactly one %s", got, tc.wantEvent)
			}
			for _, say := range tc.says {
				if !strings.Contains(got[0], say) {
					t.Errorf("event %q does not say %q", got[0], say)
				}
			}
		})
	}
}

// Without the VolumeSnapshot API's cache no VolumeSnapshot can be proven
// the snapshot's: the claim waits, and is looked at again.
func TestSyncWaitsForTheVolumeSnapshotAPI(t *testing.T) {
	for _, tc := range []struct {
		name       string
		served     bool
		wantEvents int
	}{
		{"not served", false, 1},
		{"catching up", true, 0}, // right after a start: nothing to say
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, append(ready(), restoreClaim("1Gi"), storageClass(storagev1.VolumeBindingImmediate))...)
			f.p.volumeSnapshotAPI = controller.NewOptionalAPI(served(tc.served), volumeSnapshotsResource, func() bool { return false })
			if requeue := f.sync(); requeue != controller.CacheRecheck {
				t.Errorf("requeue %s, want %s", requeue, controller.CacheRecheck)
			}
			if f.actions() != "" {
				t.Errorf("actions %s: want none", f.actions())
			}
			got := f.events()
			if len(got) != tc.wantEvents || (tc.wantEvents == 1 && !strings.HasPrefix(got[0], "Warning "+ReasonVolumeSnapshotAPI)) {
				t.Errorf("events %q; want %d %s", got, tc.wantEvents, ReasonVolumeSnapshotAPI)
			}
		})
	}
}

// foreignPrime is a claim someone else made under the prime's name, bound
// to a volume of theirs. It even carries the prime's label.
func foreignPrime(owner *corev1.PersistentVolumeClaim) *corev1.PersistentVolumeClaim {
	prime := boundPrime(owner)
	prime.UID = "foreign-uid"
	prime.OwnerReferences = nil
	prime.Labels = map[string]string{LabelPopulates: owner.Name}
	return prime
}

// A claim under the prime's name that the claim does not control is
// never taken for the prime: its volume is not handed over, and it is not
// deleted, not even when the claim is. The claim waits, saying so once.
func TestSyncLeavesAPrimeItDidNotMake(t *testing.T) {
	claim := restoreClaim("1Gi", populating)
	prime := foreignPrime(claim)
	f := newFixture(t, append(ready(), storageClass(storagev1.VolumeBindingImmediate), claim, prime, volumeOf(prime.Name, prime.UID))...)
	f.sync()
	f.sync()
	if f.actions() != "" {
		t.Errorf("actions %s: want the other claim and its volume untouched", f.actions())
	}
	got := f.events()
	if len(got) != 1 || !strings.HasPrefix(got[0], "Warning "+ReasonNameConflict) || !strings.Contains(got[0], "PersistentVolumeClaim "+prime.Name) {
		t.Errorf("events %q; want exactly one %s naming %s", got, ReasonNameConflict, prime.Name)
	}
	if pv := f.volume("pv-1"); pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimDelete || len(pv.Annotations) != 0 {
		t.Errorf("volume %+v; want it as it was", pv)
	}

	deleting := restoreClaim("1Gi", populating, func(c *corev1.PersistentVolumeClaim) { c.DeletionTimestamp = ptr.To(metav1.Now()) })
	f = newFixture(t, append(ready(), deleting, prime, volumeOf(prime.Name, prime.UID))...)
	f.sync()
	if want := "patch persistentvolumeclaims"; f.actions() != want {
		t.Errorf("deleting the claim: actions %s, want only its finalizer released (%s)", f.actions(), want)
	}
	if f.claim(prime.Name).UID != prime.UID {
		t.Errorf("the other claim was replaced")
	}
}

// A create answered AlreadyExists proves nothing: the claim waits for the
// cache to show what has the name, which wakes it.
func TestSyncPrimeNameTakenBeforeTheCreate(t *testing.T) {
	claim := restoreClaim("1Gi", populating)
	prime := foreignPrime(claim)
	f := newFixture(t, append(ready(), storageClass(storagev1.VolumeBindingImmediate), claim)...)
	if err := f.kube.Tracker().Add(prime); err != nil { // in the API, not yet in the cache
		t.Fatal(err)
	}
	f.sync()
	if want := "create persistentvolumeclaims"; f.actions() != want {
		t.Errorf("actions %s, want %s", f.actions(), want)
	}
	if got := f.events(); len(got) != 0 {
		t.Errorf("events %q; want none until the cache shows which claim has the name", got)
	}
	if f.claim(prime.Name).UID != prime.UID {
		t.Errorf("the other claim was replaced")
	}
	prime.Labels = nil // no index at all
	f.p.enqueueClaim(prime)
	if f.p.queue.Len() != 1 {
		t.Fatalf("the claim under the prime's name woke %d claims, want the claim of its UID", f.p.queue.Len())
	}
	if key, _ := f.p.queue.Get(); key != "ns/restored" {
		t.Errorf("woke %s, want ns/restored", key)
	}
}

// The hand-over, one sync at a time: Retain, delete the prime, then
// rebind the volume to the claim.
func TestSyncHandsTheVolumeOver(t *testing.T) {
	claim := restoreClaim("1Gi", populating)
	annotated := restoreClaim("1Gi", populating, func(c *corev1.PersistentVolumeClaim) {
		c.Annotations = map[string]string{AnnotationVolume: "pv-1"}
	})
	prime := boundPrime(claim)

	f := newFixture(t, append(ready(), storageClass(storagev1.VolumeBindingImmediate), claim, prime, volumeOf(prime.Name, "prime-uid"))...)
	f.sync()
	if want := "patch persistentvolumeclaims,update persistentvolumes"; f.actions() != want {
		t.Errorf("step 1 actions:\n got %s\nwant %s", f.actions(), want)
	}
	pv := f.volume("pv-1")
	if pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimRetain || pv.Annotations[AnnotationReclaimPolicy] != "Delete" ||
		pv.Annotations[AnnotationPopulatedFrom] != "ns/snap" || pv.Spec.ClaimRef.Name != prime.Name {
		t.Errorf("step 1 volume %+v; want Retain, Delete noted, still the prime's", pv)
	}
	if f.claim("restored").Annotations[AnnotationVolume] != "pv-1" {
		t.Errorf("step 1: the claim does not note its volume")
	}

	f = newFixture(t, diskSnapshot(snapshotapi.SnapshotReady), annotated, prime, volumeOf(prime.Name, "prime-uid", handingOver))
	f.sync()
	if want := "delete persistentvolumeclaims"; f.actions() != want {
		t.Errorf("step 2 actions:\n got %s\nwant %s", f.actions(), want)
	}

	for _, other := range [][]runtime.Object{nil, {foreignPrime(claim)}} {
		// Once the prime is gone, another claim that takes its name does
		// not hold the hand-over up: it is not the prime.
		f = newFixture(t, append(other, diskSnapshot(snapshotapi.SnapshotReady), annotated, volumeOf(prime.Name, "prime-uid", handingOver))...)
		f.sync()
		if want := "update persistentvolumes"; f.actions() != want {
			t.Errorf("step 3 actions:\n got %s\nwant %s", f.actions(), want)
		}
		if ref := f.volume("pv-1").Spec.ClaimRef; ref.Name != "restored" || ref.UID != "claim-uid" {
			t.Errorf("step 3 claimRef %+v, want the claim", ref)
		}
	}

	// Then the PV binder binds the claim; the populator waits meanwhile.
	f = newFixture(t, diskSnapshot(snapshotapi.SnapshotReady), annotated, volumeOf("restored", "claim-uid", handingOver))
	f.sync()
	if f.actions() != "" {
		t.Errorf("waiting for the binder: actions %s", f.actions())
	}
}

func TestSyncFinishesABoundClaim(t *testing.T) {
	bound := restoreClaim("1Gi", populating, func(c *corev1.PersistentVolumeClaim) {
		c.Annotations = map[string]string{AnnotationVolume: "pv-1"}
		c.Spec.VolumeName = "pv-1"
		c.Status.Phase = corev1.ClaimBound
	})
	f := newFixture(t, diskSnapshot(snapshotapi.SnapshotReady), bound, volumeOf("restored", "claim-uid", handingOver))
	f.sync()
	if want := "update persistentvolumes,patch persistentvolumeclaims"; f.actions() != want {
		t.Errorf("actions:\n got %s\nwant %s", f.actions(), want)
	}
	pv := f.volume("pv-1")
	if _, noted := pv.Annotations[AnnotationReclaimPolicy]; pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimDelete || noted {
		t.Errorf("volume %+v; want its Delete policy back and the note gone", pv)
	}
	if pv.Annotations[AnnotationPopulatedFrom] != "ns/snap" {
		t.Errorf("volume annotations %v; want %s kept", pv.Annotations, AnnotationPopulatedFrom)
	}
	claim := f.claim("restored")
	if _, noted := claim.Annotations[AnnotationVolume]; len(claim.Finalizers) != 0 || noted {
		t.Errorf("claim finalizers %v, annotations %v; want both released", claim.Finalizers, claim.Annotations)
	}
	if got := f.events(); len(got) != 1 || !strings.HasPrefix(got[0], "Normal "+ReasonPopulated) {
		t.Errorf("events %q, want one Normal Populated", got)
	}
}

// A claim deleted mid-way gives back its prime, and its volume gets its
// policy back so that it is deleted, not kept forever.
func TestSyncCleansUpADeletedClaim(t *testing.T) {
	deleting := restoreClaim("1Gi", populating, func(c *corev1.PersistentVolumeClaim) {
		c.Annotations = map[string]string{AnnotationVolume: "pv-1"}
		c.DeletionTimestamp = ptr.To(metav1.Now())
	})
	f := newFixture(t, diskSnapshot(snapshotapi.SnapshotReady), deleting, boundPrime(deleting), volumeOf(PrimeName(deleting), "prime-uid", handingOver))
	f.sync()
	if want := "update persistentvolumes,delete persistentvolumeclaims,patch persistentvolumeclaims"; f.actions() != want {
		t.Errorf("actions:\n got %s\nwant %s", f.actions(), want)
	}
	if policy := f.volume("pv-1").Spec.PersistentVolumeReclaimPolicy; policy != corev1.PersistentVolumeReclaimDelete {
		t.Errorf("volume reclaim policy %s, want Delete back", policy)
	}
}

func TestIgnoresOtherClaims(t *testing.T) {
	other := restoreClaim("1Gi", func(c *corev1.PersistentVolumeClaim) {
		c.Spec.DataSourceRef = &corev1.TypedObjectReference{APIGroup: ptr.To("snapshot.storage.k8s.io"), Kind: "VolumeSnapshot", Name: "vs"}
	})
	f := newFixture(t, diskSnapshot(snapshotapi.SnapshotReady), other)
	f.sync()
	if f.actions() != "" || len(f.events()) != 0 {
		t.Errorf("a claim restored from a VolumeSnapshot was touched: actions %s", f.actions())
	}
}
