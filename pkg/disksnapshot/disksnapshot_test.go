package disksnapshot

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
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	kubeinformers "k8s.io/client-go/informers"
	kubefake "k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	testingclock "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"
	cdifake "kubevirt.io/client-go/containerizeddataimporter/fake"
	kubevirtfake "kubevirt.io/client-go/kubevirt/fake"
	cdiv1 "kubevirt.io/containerized-data-importer-api/pkg/apis/core/v1beta1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
	vmsnapfake "vmsnap.io/client-go/clientset/versioned/fake"
	vmsnapinformers "vmsnap.io/client-go/informers/externalversions"

	"vmsnap.io/vmsnap/pkg/apiwatch"
	"vmsnap.io/vmsnap/pkg/controller"
	"vmsnap.io/vmsnap/pkg/controller/controllertest"
	"vmsnap.io/vmsnap/pkg/freeze"
	"vmsnap.io/vmsnap/pkg/kubevirtinformers"
	"vmsnap.io/vmsnap/pkg/snapshotclass"
)

var created = time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)

const deadline = 5 * time.Minute

// fixture is a controller over fake clients whose caches hold exactly the
// objects a test gives it. Syncs are called directly, as a worker would.
type fixture struct {
	t        *testing.T
	c        *Controller
	vmsnap   *vmsnapfake.Clientset
	snapshot *snapshotfake.Clientset
	kubevirt *kubevirtfake.Clientset
	clock    *testingclock.FakeClock
	recorder *record.FakeRecorder
	// writes lists every write to any client, in order.
	writes []string
}

func newFixture(t *testing.T, now time.Time, objects ...runtime.Object) *fixture {
	f := &fixture{
		t:        t,
		vmsnap:   vmsnapfake.NewSimpleClientset(),
		snapshot: snapshotfake.NewSimpleClientset(),
		kubevirt: kubevirtfake.NewSimpleClientset(),
		clock:    testingclock.NewFakeClock(now),
		recorder: record.NewFakeRecorder(100),
	}
	controllertest.RecordWrites(&f.writes, f.vmsnap, f.snapshot, f.kubevirt)
	vmsnapInf := vmsnapinformers.NewSharedInformerFactory(f.vmsnap, 0)
	kubeInf := kubeinformers.NewSharedInformerFactory(kubefake.NewSimpleClientset(), 0)
	snapInf := snapshotinformers.NewSharedInformerFactory(f.snapshot, 0)
	kvInf := kubevirtinformers.NewFactory(f.kubevirt, cdifake.NewSimpleClientset(), 0)
	c, err := New(Config{
		Client: f.vmsnap, SnapshotClient: f.snapshot, KubeVirt: f.kubevirt,
		DiskSnapshots:   vmsnapInf.Snapshot().V1alpha1().VirtualDiskSnapshots(),
		KubeVirtFactory: kvInf,
		Claims:          kubeInf.Core().V1().PersistentVolumeClaims(),
		StorageClasses:  kubeInf.Storage().V1().StorageClasses(),
		VolumeSnapshots: snapInf.Snapshot().V1().VolumeSnapshots(),
		SnapshotClasses: snapInf.Snapshot().V1().VolumeSnapshotClasses(),
		APIs:            apiwatch.New(nil, time.Second),
		Recorder:        f.recorder,
		Clock:           f.clock,
		Queue:           workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]()),
		Freezer:         freeze.NewFreezer(f.kubevirt, f.clock, 30*time.Second, nil),
		Enabled:         true,
	})
	if err != nil {
		t.Fatal(err)
	}
	c.volumeSnapshotsOK = func() bool { return true }
	c.kubeVirtServed = func() bool { return true }
	c.kubeVirtSynced = func() bool { return true }
	c.dataVolumesOK = func() bool { return true }
	c.catchingUp = func() bool { return false }
	f.c = c

	for _, o := range objects {
		var indexer interface{ Add(interface{}) error }
		switch o.(type) {
		case *snapshotapi.VirtualDiskSnapshot:
			indexer = vmsnapInf.Snapshot().V1alpha1().VirtualDiskSnapshots().Informer().GetIndexer()
			_ = f.vmsnap.Tracker().Add(o)
		case *kubevirtv1.VirtualMachine:
			indexer = kvInf.VirtualMachines().GetIndexer()
			_ = f.kubevirt.Tracker().Add(o)
		case *kubevirtv1.VirtualMachineInstance:
			indexer = kvInf.VirtualMachineInstances().GetIndexer()
		case *cdiv1.DataVolume:
			indexer = kvInf.DataVolumes().GetIndexer()
		case *corev1.PersistentVolumeClaim:
			indexer = kubeInf.Core().V1().PersistentVolumeClaims().Informer().GetIndexer()
		case *storagev1.StorageClass:
			indexer = kubeInf.Storage().V1().StorageClasses().Informer().GetIndexer()
		case *snapshotv1.VolumeSnapshotClass:
			indexer = snapInf.Snapshot().V1().VolumeSnapshotClasses().Informer().GetIndexer()
		case *snapshotv1.VolumeSnapshot:
			indexer = snapInf.Snapshot().V1().VolumeSnapshots().Informer().GetIndexer()
			_ = f.snapshot.Tracker().Add(o)
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
	requeue, err := f.c.sync(context.Background(), "ns/snap")
	if err != nil {
		f.t.Fatalf("sync: %v", err)
	}
	return requeue
}

func (f *fixture) actions() string { return strings.Join(f.writes, ",") }

func (f *fixture) status() snapshotapi.VirtualDiskSnapshotStatus {
	f.t.Helper()
	s, err := f.vmsnap.SnapshotV1alpha1().VirtualDiskSnapshots("ns").Get(context.Background(), "snap", metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return s.Status
}

// events drains the recorded events.
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

func newDiskSnapshot(mutate ...func(*snapshotapi.VirtualDiskSnapshot)) *snapshotapi.VirtualDiskSnapshot {
	s := &snapshotapi.VirtualDiskSnapshot{
		ObjectMeta: metav1.ObjectMeta{
			Name: "snap", Namespace: "ns", UID: "uid-1", ResourceVersion: "1",
			CreationTimestamp: metav1.NewTime(created), Finalizers: []string{Finalizer},
		},
		Spec: snapshotapi.VirtualDiskSnapshotSpec{
			VirtualDiskName: "disk",
			FailureDeadline: &metav1.Duration{Duration: deadline},
		},
	}
	for _, m := range mutate {
		m(s)
	}
	return s
}

// inProgress is a snapshot that created its VolumeSnapshot; frozen says
// whether it froze the VM vm for it.
func inProgress(frozen bool) func(*snapshotapi.VirtualDiskSnapshot) {
	return func(s *snapshotapi.VirtualDiskSnapshot) {
		s.Status.Phase = snapshotapi.SnapshotInProgress
		s.Status.VolumeSnapshotName = ptr.To(VolumeSnapshotName(s))
		s.Status.SourceUID = ptr.To(claimUID)
		if frozen {
			s.Status.VirtualMachineName = ptr.To("vm")
			s.Status.Indications = planConsistency(true, "", []attachment{{name: "vm", vm: vmUsing("disk"), vmi: runningVMI(true)}}).indications
		}
	}
}

const claimUID types.UID = "claim-uid"

func boundClaim(name string, mutate ...func(*corev1.PersistentVolumeClaim)) *corev1.PersistentVolumeClaim {
	c := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: claimUID},
		Spec: corev1.PersistentVolumeClaimSpec{
			StorageClassName: ptr.To("fast"),
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
		},
		Status: corev1.PersistentVolumeClaimStatus{
			Phase:    corev1.ClaimBound,
			Capacity: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")},
		},
	}
	for _, m := range mutate {
		m(c)
	}
	return c
}

func storageObjects() []runtime.Object {
	return []runtime.Object{
		&storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "fast"}, Provisioner: "csi.fast"},
		&snapshotv1.VolumeSnapshotClass{
			ObjectMeta: metav1.ObjectMeta{Name: "fast-snap", Annotations: map[string]string{snapshotclass.IsDefaultAnnotation: "true"}},
			Driver:     "csi.fast",
		},
		boundClaim("disk"),
	}
}

func vmUsing(claim string) *kubevirtv1.VirtualMachine {
	return namedVMUsing("vm", claim)
}

func namedVMUsing(name, claim string) *kubevirtv1.VirtualMachine {
	return &kubevirtv1.VirtualMachine{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"},
		Spec: kubevirtv1.VirtualMachineSpec{Template: &kubevirtv1.VirtualMachineInstanceTemplateSpec{
			Spec: kubevirtv1.VirtualMachineInstanceSpec{Volumes: []kubevirtv1.Volume{{
				Name: "root",
				VolumeSource: kubevirtv1.VolumeSource{PersistentVolumeClaim: &kubevirtv1.PersistentVolumeClaimVolumeSource{
					PersistentVolumeClaimVolumeSource: corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim},
				}},
			}}},
		}},
	}
}

func runningVMI(agent bool) *kubevirtv1.VirtualMachineInstance {
	return namedRunningVMI("vm", agent)
}

func namedRunningVMI(name string, agent bool) *kubevirtv1.VirtualMachineInstance {
	vmi := &kubevirtv1.VirtualMachineInstance{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"},
		Status:     kubevirtv1.VirtualMachineInstanceStatus{Phase: kubevirtv1.Running},
	}
	if agent {
		vmi.Status.Conditions = []kubevirtv1.VirtualMachineInstanceCondition{{
			Type: kubevirtv1.VirtualMachineInstanceAgentConnected, Status: corev1.ConditionTrue}}
	}
	return vmi
}

func volumeSnapshot(cut *time.Time, ready bool, storageError string) *snapshotv1.VolumeSnapshot {
	snap := newDiskSnapshot()
	vs := &snapshotv1.VolumeSnapshot{
		ObjectMeta: metav1.ObjectMeta{
			Name: VolumeSnapshotName(snap), Namespace: "ns", UID: "vs-uid",
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(snap, snapshotapi.SchemeGroupVersion.WithKind("VirtualDiskSnapshot"))},
		},
		Status: &snapshotv1.VolumeSnapshotStatus{ReadyToUse: ptr.To(ready), RestoreSize: ptr.To(resource.MustParse("1Gi"))},
	}
	if cut != nil {
		vs.Status.CreationTime = ptr.To(metav1.NewTime(*cut))
	}
	if storageError != "" {
		vs.Status.Error = &snapshotv1.VolumeSnapshotError{Message: ptr.To(storageError)}
	}
	return vs
}

func readyCondition(st snapshotapi.VirtualDiskSnapshotStatus) *metav1.Condition {
	return meta.FindStatusCondition(st.Conditions, snapshotapi.ConditionReady)
}

func TestSyncSnapshotsADetachedDisk(t *testing.T) {
	f := newFixture(t, created.Add(time.Minute), append(storageObjects(), newDiskSnapshot())...)
	if requeue := f.sync(); requeue != 4*time.Minute {
		t.Errorf("requeue %s, want the 4m left before the deadline", requeue)
	}
	if want := "create volumesnapshots,update virtualdisksnapshots/status"; f.actions() != want {
		t.Errorf("actions:\n got %s\nwant %s", f.actions(), want)
	}
	st := f.status()
	if st.Phase != snapshotapi.SnapshotInProgress || len(st.Indications) != 0 || st.VirtualMachineName != nil ||
		ptr.Deref(st.SourceUID, "") != claimUID || ptr.Deref(st.VolumeSnapshotName, "") != "vdsnapshot-uid-1" {
		t.Errorf("status %+v; want InProgress, no VM, the claim's UID and VolumeSnapshot vdsnapshot-uid-1", st)
	}
	vs, err := f.snapshot.SnapshotV1().VolumeSnapshots("ns").Get(context.Background(), "vdsnapshot-uid-1", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("VolumeSnapshot not created under its deterministic name: %v", err)
	}
	if ptr.Deref(vs.Spec.VolumeSnapshotClassName, "") != "fast-snap" || ptr.Deref(vs.Spec.Source.PersistentVolumeClaimName, "") != "disk" ||
		vs.Labels[LabelDiskSnapshotName] != "snap" || metav1.GetControllerOf(vs) == nil {
		t.Errorf("VolumeSnapshot %+v; want the default class, source disk, the label and the owner", vs)
	}
	if got := f.events(); len(got) != 0 {
		t.Errorf("events %q on entering InProgress, want none (routine progress records no event)", got)
	}
}

// Each blocker keeps the snapshot Pending, naming it, until the deadline,
// then fails it with the same reason.
func TestSyncWaitsThenFailsAtTheDeadline(t *testing.T) {
	claimWith := func(mutate func(*corev1.PersistentVolumeClaim)) []runtime.Object {
		objects := storageObjects()
		objects[2] = boundClaim("disk", mutate)
		return objects
	}
	lockedVM := vmUsing("disk")
	lockedVM.Status.SnapshotInProgress = ptr.To("vm-snapshot")
	pausedVMI := runningVMI(true)
	pausedVMI.Status.Conditions = append(pausedVMI.Status.Conditions, kubevirtv1.VirtualMachineInstanceCondition{
		Type: kubevirtv1.VirtualMachineInstancePaused, Status: corev1.ConditionTrue})
	startingVMI := runningVMI(true)
	startingVMI.Status.Phase = kubevirtv1.Scheduling

	for _, tc := range []struct {
		name       string
		objects    []runtime.Object
		mutate     func(*snapshotapi.VirtualDiskSnapshot)
		wantReason string
		says       string
	}{
		{"no disk", storageObjects()[:2], nil, ReasonDiskNotFound, "disk"},
		{"claim not bound", claimWith(func(c *corev1.PersistentVolumeClaim) { c.Status.Phase = corev1.ClaimPending }), nil, ReasonDiskNotReady, "Pending, not Bound"},
		{"claim being resized", claimWith(func(c *corev1.PersistentVolumeClaim) {
			c.Spec.Resources.Requests[corev1.ResourceStorage] = resource.MustParse("2Gi")
		}), nil, ReasonDiskResizing, "resized"},
		{"claim being deleted", claimWith(func(c *corev1.PersistentVolumeClaim) { c.DeletionTimestamp = ptr.To(metav1.NewTime(created)) }), nil, ReasonDiskDeleting, "being deleted"},
		{"DataVolume importing", append(storageObjects(), &cdiv1.DataVolume{
			ObjectMeta: metav1.ObjectMeta{Name: "disk", Namespace: "ns"}, Status: cdiv1.DataVolumeStatus{Phase: cdiv1.ImportInProgress},
		}), nil, ReasonDiskNotReady, "DataVolume disk is ImportInProgress"},
		{"no VolumeSnapshotClass", append(storageObjects()[:1:1], boundClaim("disk")), nil, snapshotclass.ReasonNone, "csi.fast"},
		{"named class missing", storageObjects(), func(s *snapshotapi.VirtualDiskSnapshot) { s.Spec.VolumeSnapshotClassName = ptr.To("gone") },
			snapshotclass.ReasonNotFound, "gone"},
		{"running VM without agent", append(storageObjects(), vmUsing("disk"), runningVMI(false)), nil, ReasonNoGuestAgent, "requiredConsistency: false"},
		{"paused VM", append(storageObjects(), vmUsing("disk"), pausedVMI), nil, ReasonPaused, "paused"},
		{"starting VM", append(storageObjects(), vmUsing("disk"), startingVMI), nil, ReasonNotSettled, "starting"},
		{"VM held by another snapshot", append(storageObjects(), lockedVM, runningVMI(true)), nil, ReasonWaitingForVM, "vm-snapshot"},
		{"disk shared by two running VMs", append(storageObjects(), vmUsing("disk"), runningVMI(true), namedVMUsing("vm2", "disk"), namedRunningVMI("vm2", true)),
			nil, ReasonSharedDisk, "vm, vm2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mutate []func(*snapshotapi.VirtualDiskSnapshot)
			if tc.mutate != nil {
				mutate = append(mutate, tc.mutate)
			}
			objects := append(tc.objects, newDiskSnapshot(mutate...))

			f := newFixture(t, created.Add(time.Minute), objects...)
			if requeue := f.sync(); requeue != 4*time.Minute {
				t.Errorf("requeue %s, want 4m: exactly at the deadline", requeue)
			}
			if f.actions() != "update virtualdisksnapshots/status" {
				t.Errorf("actions %s: a waiting snapshot must only write its status", f.actions())
			}
			st := f.status()
			ready := readyCondition(st)
			if st.Phase != snapshotapi.SnapshotPending || ready == nil || ready.Reason != tc.wantReason || !strings.Contains(ready.Message, tc.says) {
				t.Fatalf("phase %s, Ready %+v; want Pending with reason %s, saying %q", st.Phase, ready, tc.wantReason, tc.says)
			}

			f = newFixture(t, created.Add(deadline), objects...)
			if requeue := f.sync(); requeue != 0 {
				t.Errorf("requeue %s after failing, want none", requeue)
			}
			st = f.status()
			ready = readyCondition(st)
			if st.Phase != snapshotapi.SnapshotFailed || ready.Reason != tc.wantReason || !strings.Contains(ready.Message, "failureDeadline of 5m0s") || st.Error == nil {
				t.Fatalf("phase %s, Ready %+v, error %v; want Failed naming the deadline and %s", st.Phase, ready, st.Error, tc.wantReason)
			}
			if got := f.events(); len(got) != 1 || !strings.HasPrefix(got[0], "Warning SnapshotFailed") {
				t.Errorf("events %q, want one Warning SnapshotFailed", got)
			}
		})
	}
}

func TestSyncLocksAndFreezesARunningVMWithAgentBeforeTheSnapshot(t *testing.T) {
	f := newFixture(t, created, append(storageObjects(), vmUsing("disk"), runningVMI(true), newDiskSnapshot())...)
	f.sync()
	want := "update virtualmachines/status,put virtualmachineinstances/freeze,create volumesnapshots,update virtualdisksnapshots/status"
	if f.actions() != want {
		t.Errorf("actions:\n got %s\nwant %s", f.actions(), want)
	}
	vm, _ := f.kubevirt.KubevirtV1().VirtualMachines("ns").Get(context.Background(), "vm", metav1.GetOptions{})
	if got := ptr.Deref(vm.Status.SnapshotInProgress, ""); got != "VirtualDiskSnapshot/snap" {
		t.Errorf("VM lock holder %q, want VirtualDiskSnapshot/snap", got)
	}
	st := f.status()
	if ptr.Deref(st.VirtualMachineName, "") != "vm" || !hasIndicationIn(st, snapshotapi.IndicationGuestAgent) || !hasIndicationIn(st, snapshotapi.IndicationOnline) {
		t.Errorf("status %+v; want VM vm with the Online and GuestAgent indications", st)
	}
}

func TestSyncCrashConsistentWithoutAgentWhenAllowed(t *testing.T) {
	snap := newDiskSnapshot(func(s *snapshotapi.VirtualDiskSnapshot) { s.Spec.RequiredConsistency = ptr.To(false) })
	f := newFixture(t, created, append(storageObjects(), vmUsing("disk"), runningVMI(false), snap)...)
	f.sync()
	if want := "create volumesnapshots,update virtualdisksnapshots/status"; f.actions() != want {
		t.Errorf("actions:\n got %s\nwant %s: no lock, no freeze", f.actions(), want)
	}
	st := f.status()
	if !hasIndicationIn(st, snapshotapi.IndicationNoGuestAgent) {
		t.Errorf("indications %v, want NoGuestAgent", st.Indications)
	}
}

// The VM is thawed and unlocked at the cut, not when the snapshot is ready;
// consistency is reported when it is.
func TestSyncThawsAtTheCutAndReportsReady(t *testing.T) {
	cut := created.Add(2 * time.Second)
	lockedVM := vmUsing("disk")
	lockedVM.Status.SnapshotInProgress = ptr.To("VirtualDiskSnapshot/snap")
	for _, tc := range []struct {
		name        string
		ready       bool
		wantActions string
		wantPhase   snapshotapi.SnapshotPhase
		wantRequeue time.Duration
	}{
		{"cut, not ready: thaw and unlock now", false,
			"put virtualmachineinstances/unfreeze,update virtualmachines/status,update virtualdisksnapshots/status", snapshotapi.SnapshotInProgress, deadline - 3*time.Second},
		{"cut and ready: thaw, unlock, Ready", true,
			"put virtualmachineinstances/unfreeze,update virtualmachines/status,update virtualdisksnapshots/status", snapshotapi.SnapshotReady, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			snap := newDiskSnapshot(inProgress(true))
			f := newFixture(t, created.Add(3*time.Second), append(storageObjects(), lockedVM, runningVMI(true), snap, volumeSnapshot(&cut, tc.ready, ""))...)
			_ = f.c.freezer.Freeze(context.Background(), snap.UID, "ns", "vm")
			f.writes = nil
			if requeue := f.sync(); requeue != tc.wantRequeue {
				t.Errorf("requeue %s, want %s", requeue, tc.wantRequeue)
			}
			if f.actions() != tc.wantActions {
				t.Errorf("actions:\n got %s\nwant %s", f.actions(), tc.wantActions)
			}
			st := f.status()
			if st.Phase != tc.wantPhase || st.CreationTime == nil || !st.CreationTime.Time.Equal(cut) {
				t.Errorf("phase %s, creationTime %v; want %s and the cut time %s", st.Phase, st.CreationTime, tc.wantPhase, cut)
			}
			if tc.ready {
				if !ptr.Deref(st.Consistent, false) || !ptr.Deref(st.ReadyToUse, false) || st.RestoreSize == nil || st.RestoreSize.String() != "1Gi" {
					t.Errorf("status %+v; want consistent, readyToUse and restoreSize 1Gi", st)
				}
				if got := f.events(); len(got) != 1 || !strings.HasPrefix(got[0], "Normal SnapshotReady") {
					t.Errorf("events %q, want one Normal SnapshotReady", got)
				}
			}
		})
	}
}

// A guest that thawed by itself before the cut makes a snapshot that
// requires consistency fail.
func TestSyncFailsWhenTheCutCameAfterTheAutoThaw(t *testing.T) {
	snap := newDiskSnapshot(inProgress(true))
	cut := created.Add(40 * time.Second)
	f := newFixture(t, created, append(storageObjects(), vmUsing("disk"), runningVMI(true), snap, volumeSnapshot(&cut, true, ""))...)
	_ = f.c.freezer.Freeze(context.Background(), snap.UID, "ns", "vm")
	f.clock.SetTime(cut.Add(time.Second))
	f.sync()
	st := f.status()
	if ready := readyCondition(st); st.Phase != snapshotapi.SnapshotFailed || ready.Reason != ReasonQuiesceTimeout {
		t.Fatalf("phase %s, Ready %+v; want Failed with reason QuiesceTimeout", st.Phase, ready)
	}
}

// A controller restarted after the freeze and the VolumeSnapshot's create,
// back after the guest thawed by itself, with the storage cutting late:
// the freeze is no longer in this process's memory, but the window
// recorded on the VolumeSnapshot still shows the cut came after the
// auto-thaw. Before the window was recorded the snapshot said consistent.
func TestRestartedControllerSeesTheCutCameAfterTheAutoThaw(t *testing.T) {
	for name, required := range map[string]bool{"consistency required": true, "consistency not required": false} {
		t.Run(name, func(t *testing.T) {
			snap := newDiskSnapshot(inProgress(true), func(s *snapshotapi.VirtualDiskSnapshot) {
				s.Spec.RequiredConsistency = ptr.To(required)
			})
			cut := created.Add(40 * time.Second)
			vs := volumeSnapshot(&cut, true, "")
			vs.Annotations = (&freeze.Window{FrozenAt: created, AutoThawAt: created.Add(30 * time.Second)}).Annotations()
			f := newFixture(t, cut.Add(time.Second), append(storageObjects(), vmUsing("disk"), runningVMI(true), snap, vs)...)
			f.sync()
			st := f.status()
			ready := readyCondition(st)
			switch {
			case required && (st.Phase != snapshotapi.SnapshotFailed || ready.Reason != ReasonQuiesceTimeout):
				t.Fatalf("phase %s, Ready %+v; want Failed with reason QuiesceTimeout", st.Phase, ready)
			case !required && (st.Phase != snapshotapi.SnapshotReady || ptr.Deref(st.Consistent, true)):
				t.Fatalf("phase %s, consistent %v; want Ready and not consistent", st.Phase, st.Consistent)
			}
			if !controller.HasIndication(st.Indications, snapshotapi.IndicationQuiesceTimeout) {
				t.Errorf("indications %+v, want QuiesceTimeout", st.Indications)
			}
		})
	}
}

// The VolumeSnapshot records the freeze window it was created in.
func TestTheVolumeSnapshotRecordsItsFreezeWindow(t *testing.T) {
	f := newFixture(t, created, append(storageObjects(), vmUsing("disk"), runningVMI(true), newDiskSnapshot())...)
	f.sync()
	vs, err := f.snapshot.SnapshotV1().VolumeSnapshots("ns").Get(context.Background(), VolumeSnapshotName(newDiskSnapshot()), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	window, ok := freeze.WindowOf(vs.Annotations)
	if !ok || !window.FrozenAt.Equal(created) || !window.AutoThawAt.After(created) {
		t.Fatalf("annotations %v: want the freeze window opened at %s", vs.Annotations, created)
	}
}

func TestSyncFailsWithTheStorageErrorAndCleansUp(t *testing.T) {
	snap := newDiskSnapshot(inProgress(true))
	lockedVM := vmUsing("disk")
	lockedVM.Status.SnapshotInProgress = ptr.To("VirtualDiskSnapshot/snap")
	f := newFixture(t, created.Add(deadline), append(storageObjects(), lockedVM, runningVMI(true), snap, volumeSnapshot(nil, false, "CreateSnapshot: disk on fire"))...)
	_ = f.c.freezer.Freeze(context.Background(), snap.UID, "ns", "vm")
	f.writes = nil

	if requeue := f.sync(); requeue != 0 {
		t.Errorf("requeue %s, want none", requeue)
	}
	want := "update virtualdisksnapshots/status,put virtualmachineinstances/unfreeze,update virtualmachines/status,delete volumesnapshots"
	if f.actions() != want {
		t.Errorf("actions:\n got %s\nwant %s", f.actions(), want)
	}
	st := f.status()
	if ready := readyCondition(st); st.Phase != snapshotapi.SnapshotFailed || ready.Reason != ReasonSnapshotFailed || !strings.Contains(ready.Message, "disk on fire") {
		t.Fatalf("phase %s, Ready %+v; want Failed, reason VolumeSnapshotFailed, with the storage's message", st.Phase, ready)
	}
}

// A claim deleted before the cut can never be snapshotted: fail at once.
func TestSyncFailsAtOnceWhenTheDiskGoesBeforeTheCut(t *testing.T) {
	for _, tc := range []struct {
		name   string
		claims []runtime.Object
		reason string
	}{
		{"claim gone", nil, ReasonDiskDeleted},
		{"claim deleted before the snapshot-controller protected it", []runtime.Object{boundClaim("disk", func(c *corev1.PersistentVolumeClaim) {
			c.DeletionTimestamp = ptr.To(metav1.NewTime(created))
		})}, ReasonDiskDeleted},
		{"claim replaced", []runtime.Object{boundClaim("disk", func(c *corev1.PersistentVolumeClaim) { c.UID = "other" })}, ReasonSourceReplaced},
	} {
		t.Run(tc.name, func(t *testing.T) {
			objects := append(storageObjects()[:2], tc.claims...)
			objects = append(objects, newDiskSnapshot(inProgress(false)), volumeSnapshot(nil, false, ""))
			f := newFixture(t, created.Add(time.Second), objects...)
			f.sync()
			if ready := readyCondition(f.status()); f.status().Phase != snapshotapi.SnapshotFailed || ready.Reason != tc.reason {
				t.Fatalf("phase %s, Ready %+v; want Failed with reason %s", f.status().Phase, ready, tc.reason)
			}
			if !strings.Contains(f.actions(), "delete volumesnapshots") {
				t.Errorf("actions %s: want the VolumeSnapshot deleted", f.actions())
			}
		})
	}

	// A claim the snapshot-controller protects may be deleted: it waits.
	protected := boundClaim("disk", func(c *corev1.PersistentVolumeClaim) {
		c.DeletionTimestamp = ptr.To(metav1.NewTime(created))
		c.Finalizers = []string{pvcSourceProtection}
	})
	f := newFixture(t, created.Add(time.Second), append(storageObjects()[:2], protected, newDiskSnapshot(inProgress(false)), volumeSnapshot(nil, false, ""))...)
	f.sync()
	if st := f.status(); st.Phase != snapshotapi.SnapshotInProgress {
		t.Errorf("phase %s, want InProgress: the claim's deletion waits for the snapshot", st.Phase)
	}
}

func TestSyncDeletion(t *testing.T) {
	deleting := func(s *snapshotapi.VirtualDiskSnapshot) {
		s.DeletionTimestamp = ptr.To(metav1.NewTime(created.Add(time.Minute)))
	}
	ready := func(s *snapshotapi.VirtualDiskSnapshot) {
		s.Status.Phase = snapshotapi.SnapshotReady
		s.Status.VolumeSnapshotName = ptr.To(VolumeSnapshotName(s))
	}
	cut := created.Add(time.Second)

	// With the VolumeSnapshot there: Terminating, delete it, keep the finalizer.
	f := newFixture(t, created.Add(2*time.Minute), append(storageObjects(), newDiskSnapshot(ready, deleting), volumeSnapshot(&cut, true, ""))...)
	if requeue := f.sync(); requeue != deletionRecheck {
		t.Errorf("requeue %s, want the %s safety net", requeue, deletionRecheck)
	}
	if want := "delete volumesnapshots,update virtualdisksnapshots/status"; f.actions() != want {
		t.Errorf("actions:\n got %s\nwant %s", f.actions(), want)
	}
	if st := f.status(); st.Phase != snapshotapi.SnapshotTerminating {
		t.Errorf("phase %s, want Terminating", st.Phase)
	}

	// Once it is gone: the finalizer goes.
	f = newFixture(t, created.Add(2*time.Minute), append(storageObjects(), newDiskSnapshot(ready, deleting))...)
	f.sync()
	if want := "update virtualdisksnapshots/status,patch virtualdisksnapshots"; f.actions() != want {
		t.Errorf("actions:\n got %s\nwant %s", f.actions(), want)
	}
}

func TestSyncWithTheFeatureOff(t *testing.T) {
	f := newFixture(t, created, append(storageObjects(), newDiskSnapshot(func(s *snapshotapi.VirtualDiskSnapshot) { s.Finalizers = nil }))...)
	f.c.enabled = false
	f.sync()
	if f.actions() != "update virtualdisksnapshots/status" {
		t.Errorf("actions %s: with the feature off, only the condition is written", f.actions())
	}
	st := f.status()
	if ready := readyCondition(st); st.Phase != "" || ready == nil || ready.Reason != ReasonFeatureDisabled {
		t.Errorf("phase %q, Ready %+v; want no phase and reason FeatureDisabled", st.Phase, ready)
	}
	if got := f.events(); len(got) != 1 || !strings.HasPrefix(got[0], "Warning FeatureDisabled") {
		t.Errorf("events %q, want one Warning FeatureDisabled", got)
	}

	// A snapshot made while the feature was on is cleaned up and let go
	// when deleted (TestSyncWithTheFeatureOffStillCleansUpADeletedSnapshot).
	f = newFixture(t, created, append(storageObjects(), newDiskSnapshot(func(s *snapshotapi.VirtualDiskSnapshot) {
		s.DeletionTimestamp = ptr.To(metav1.NewTime(created))
	}))...)
	f.c.enabled = false
	f.sync()
	if want := "update virtualdisksnapshots/status,patch virtualdisksnapshots"; f.actions() != want {
		t.Errorf("actions %s, want %s: Terminating, then the finalizer released", f.actions(), want)
	}
}

// A snapshot in progress when the feature is turned off would keep its VM
// locked until the feature is back: it fails, and its guest is thawed, its
// VM unlocked and its VolumeSnapshot deleted. One not started yet has a
// lock released that a start cut short before its InProgress write left.
func TestSyncWithTheFeatureOffReleasesTheVM(t *testing.T) {
	lockedVM := func() *kubevirtv1.VirtualMachine {
		vm := vmUsing("disk")
		vm.Status.SnapshotInProgress = ptr.To(LockHolder(newDiskSnapshot()))
		return vm
	}
	t.Run("in progress", func(t *testing.T) {
		snap := newDiskSnapshot(inProgress(true))
		f := newFixture(t, created.Add(time.Second), append(storageObjects(), lockedVM(), runningVMI(true), snap, volumeSnapshot(nil, false, ""))...)
		_ = f.c.freezer.Freeze(context.Background(), snap.UID, "ns", "vm")
		f.c.enabled = false
		f.sync()
		st := f.status()
		if ready := readyCondition(st); st.Phase != snapshotapi.SnapshotFailed || ready.Reason != ReasonFeatureDisabled {
			t.Fatalf("phase %s, Ready %+v; want Failed with reason FeatureDisabled", st.Phase, ready)
		}
		vm, _ := f.kubevirt.KubevirtV1().VirtualMachines("ns").Get(context.Background(), "vm", metav1.GetOptions{})
		if vm.Status.SnapshotInProgress != nil {
			t.Errorf("VM still locked by %s", *vm.Status.SnapshotInProgress)
		}
		if !f.c.freezer.Thawed(snap.UID) {
			t.Error("the guest was not thawed")
		}
		if _, err := f.snapshot.SnapshotV1().VolumeSnapshots("ns").Get(context.Background(), VolumeSnapshotName(snap), metav1.GetOptions{}); err == nil {
			t.Error("the VolumeSnapshot was not deleted")
		}
	})
	t.Run("not started", func(t *testing.T) {
		f := newFixture(t, created, append(storageObjects(), lockedVM(), runningVMI(true), newDiskSnapshot())...)
		f.c.enabled = false
		f.sync()
		vm, _ := f.kubevirt.KubevirtV1().VirtualMachines("ns").Get(context.Background(), "vm", metav1.GetOptions{})
		if vm.Status.SnapshotInProgress != nil {
			t.Errorf("VM still locked by %s", *vm.Status.SnapshotInProgress)
		}
		if ready := readyCondition(f.status()); ready == nil || ready.Reason != ReasonFeatureDisabled {
			t.Errorf("Ready %+v, want reason FeatureDisabled", ready)
		}
	})
}

func TestSyncReadyNoticesALostVolumeSnapshot(t *testing.T) {
	snap := newDiskSnapshot(func(s *snapshotapi.VirtualDiskSnapshot) {
		s.Status.Phase = snapshotapi.SnapshotReady
		s.Status.ReadyToUse = ptr.To(true)
		s.Status.VolumeSnapshotName = ptr.To(VolumeSnapshotName(s))
	})
	f := newFixture(t, created.Add(time.Hour), append(storageObjects(), snap)...)
	f.sync()
	st := f.status()
	if ready := readyCondition(st); st.Phase != snapshotapi.SnapshotReady || ptr.Deref(st.ReadyToUse, true) || ready.Reason != ReasonVolumeLost {
		t.Errorf("phase %s, readyToUse %v, Ready %+v; want Ready, not ready to use, reason %s", st.Phase, st.ReadyToUse, ready, ReasonVolumeLost)
	}
}

func hasIndicationIn(st snapshotapi.VirtualDiskSnapshotStatus, t snapshotapi.IndicationType) bool {
	for _, i := range st.Indications {
		if i.Type == t {
			return true
		}
	}
	return false
}
