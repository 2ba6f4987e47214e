package restore

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	snapshotfake "github.com/kubernetes-csi/external-snapshotter/client/v8/clientset/versioned/fake"
	snapshotinformers "github.com/kubernetes-csi/external-snapshotter/client/v8/informers/externalversions"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kubeinformers "k8s.io/client-go/informers"
	kubefake "k8s.io/client-go/kubernetes/fake"
	kubetesting "k8s.io/client-go/testing"
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
	"vmsnap.io/vmsnap/pkg/kubevirtinformers"
)

var created = time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)

// fixture is a controller over fake clients whose caches hold exactly the
// objects a test gives it. Syncs are called directly, as a worker would.
type fixture struct {
	t        *testing.T
	c        *Controller
	vmsnap   *vmsnapfake.Clientset
	kubevirt *kubevirtfake.Clientset
	kube     *kubefake.Clientset
	cdi      *cdifake.Clientset
	recorder *record.FakeRecorder
	clock    *testingclock.FakeClock
	// writes lists every write to any client, in order.
	writes []string
}

func newFixture(t *testing.T, now time.Time, objects ...runtime.Object) *fixture {
	f := &fixture{
		t:        t,
		vmsnap:   vmsnapfake.NewSimpleClientset(),
		kubevirt: kubevirtfake.NewSimpleClientset(),
		kube:     kubefake.NewSimpleClientset(),
		cdi:      cdifake.NewSimpleClientset(),
		recorder: record.NewFakeRecorder(100),
		clock:    testingclock.NewFakeClock(now),
	}
	controllertest.RecordWrites(&f.writes, f.vmsnap, f.kubevirt, f.kube, f.cdi)
	vmsnapInf := vmsnapinformers.NewSharedInformerFactory(f.vmsnap, 0)
	kubeInf := kubeinformers.NewSharedInformerFactory(f.kube, 0)
	snapInf := snapshotinformers.NewSharedInformerFactory(snapshotfake.NewSimpleClientset(), 0)
	kvInf := kubevirtinformers.NewFactory(f.kubevirt, f.cdi, 0)
	restores := vmsnapInf.Snapshot().V1alpha1().VirtualMachineRestores()
	c, err := New(Config{
		Client: f.vmsnap, Kube: f.kube, KubeVirt: f.kubevirt, CDI: f.cdi,
		Restores:        restores,
		Snapshots:       vmsnapInf.Snapshot().V1alpha1().VirtualMachineSnapshots(),
		Contents:        vmsnapInf.Snapshot().V1alpha1().VirtualMachineSnapshotContents(),
		KubeVirtFactory: kvInf,
		Claims:          kubeInf.Core().V1().PersistentVolumeClaims(),
		VolumeSnapshots: snapInf.Snapshot().V1().VolumeSnapshots(),
		APIs:            apiwatch.New(nil, time.Second),
		Recorder:        f.recorder,
		Clock:           f.clock,
		Queue:           workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]()),
		Enabled:         true,
	})
	if err != nil {
		t.Fatal(err)
	}
	c.volumeSnapshotsOK = func() bool { return true }
	c.kubeVirtOK = func() bool { return true }
	c.dataVolumesOK = func() bool { return true }
	c.catchingUp = func() bool { return false }
	f.c = c

	for _, o := range objects {
		var indexer interface{ Add(interface{}) error }
		var tracker kubetesting.ObjectTracker
		switch o.(type) {
		case *snapshotapi.VirtualMachineRestore:
			indexer, tracker = restores.Informer().GetIndexer(), f.vmsnap.Tracker()
		case *snapshotapi.VirtualMachineSnapshot:
			indexer = vmsnapInf.Snapshot().V1alpha1().VirtualMachineSnapshots().Informer().GetIndexer()
		case *snapshotapi.VirtualMachineSnapshotContent:
			indexer = vmsnapInf.Snapshot().V1alpha1().VirtualMachineSnapshotContents().Informer().GetIndexer()
		case *kubevirtv1.VirtualMachine:
			indexer, tracker = kvInf.VirtualMachines().GetIndexer(), f.kubevirt.Tracker()
		case *kubevirtv1.VirtualMachineInstance:
			indexer = kvInf.VirtualMachineInstances().GetIndexer()
		case *cdiv1.DataVolume:
			indexer, tracker = kvInf.DataVolumes().GetIndexer(), f.cdi.Tracker()
		case *corev1.PersistentVolumeClaim:
			indexer, tracker = kubeInf.Core().V1().PersistentVolumeClaims().Informer().GetIndexer(), f.kube.Tracker()
		case *snapshotv1.VolumeSnapshot:
			indexer = snapInf.Snapshot().V1().VolumeSnapshots().Informer().GetIndexer()
		case *corev1.Secret, *appsv1.ControllerRevision:
			tracker = f.kube.Tracker()
		default:
			t.Fatalf("fixture cannot hold %T", o)
		}
		if indexer != nil {
			if err := indexer.Add(o); err != nil {
				t.Fatal(err)
			}
		}
		if tracker != nil {
			if err := tracker.Add(o); err != nil {
				t.Fatal(err)
			}
		}
	}
	return f
}

func (f *fixture) sync() time.Duration {
	f.t.Helper()
	requeue, err := f.c.sync(context.Background(), "ns/restore")
	if err != nil {
		f.t.Fatalf("sync: %v", err)
	}
	return requeue
}

// syncErr is sync for a test that expects it to fail.
func (f *fixture) syncErr() (time.Duration, error) {
	return f.c.sync(context.Background(), "ns/restore")
}

// failWrites makes every write of a verb to a resource (and subresource,
// "" for the object itself) fail with an internal error until the
// returned function is called.
func (f *fixture) failWrites(fake controllertest.Reactor, verb, resource, subresource string) (lift func()) {
	failing := true
	fake.PrependReactor(verb, resource, func(a kubetesting.Action) (bool, runtime.Object, error) {
		if !failing || a.GetSubresource() != subresource {
			return false, nil, nil
		}
		return true, nil, apierrors.NewInternalError(fmt.Errorf("injected by the test"))
	})
	return func() { failing = false }
}

// markDeleted sets the restore's deletionTimestamp, as a user's delete does
// to an object with finalizers, in the API and in the cache.
func (f *fixture) markDeleted() {
	f.t.Helper()
	r, err := f.vmsnap.SnapshotV1alpha1().VirtualMachineRestores("ns").Get(context.Background(), "restore", metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	r.DeletionTimestamp = ptr.To(metav1.NewTime(f.clock.Now()))
	if err := f.vmsnap.Tracker().Update(snapshotapi.SchemeGroupVersion.WithResource("virtualmachinerestores"), r, "ns"); err != nil {
		f.t.Fatal(err)
	}
	if err := f.c.restoreIndexer.Update(r); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) actions() string { return strings.Join(f.writes, ",") }

func (f *fixture) status() snapshotapi.VirtualMachineRestoreStatus {
	r, err := f.vmsnap.SnapshotV1alpha1().VirtualMachineRestores("ns").Get(context.Background(), "restore", metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return r.Status
}

func (f *fixture) vm(name string) *kubevirtv1.VirtualMachine {
	vm, err := f.kubevirt.KubevirtV1().VirtualMachines("ns").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return vm
}

func (f *fixture) event(want string) {
	f.t.Helper()
	select {
	case e := <-f.recorder.Events:
		if !strings.HasPrefix(e, want) {
			f.t.Errorf("event %q, want %q", e, want)
		}
	default:
		f.t.Errorf("no event, want %q", want)
	}
}

func ready(st snapshotapi.VirtualMachineRestoreStatus) *metav1.Condition {
	return apimeta.FindStatusCondition(st.Conditions, snapshotapi.ConditionReady)
}

// restoreObject is a restore created at `created` with the finalizer on.
func restoreObject(deadline time.Duration, mutate ...func(*snapshotapi.VirtualMachineRestore)) *snapshotapi.VirtualMachineRestore {
	r := testRestore()
	r.ResourceVersion, r.CreationTimestamp, r.Finalizers = "1", metav1.NewTime(created), []string{Finalizer}
	r.Spec.FailureDeadline = &metav1.Duration{Duration: deadline}
	for _, m := range mutate {
		m(r)
	}
	return r
}

// snapshotWorld is a Ready snapshot with its content, VolumeSnapshots and
// the copy of its Secret.
func snapshotWorld() []runtime.Object {
	snap := testSnapshot("")
	snap.Status.Phase, snap.Status.ReadyToUse = snapshotapi.SnapshotReady, ptr.To(true)
	snap.Status.VirtualMachineSnapshotContentName = ptr.To("content")
	return []runtime.Object{snap, testContent(),
		readyVolumeSnapshot("vs-disk0", "2Gi"), readyVolumeSnapshot("vs-disk1", ""), readyVolumeSnapshot("vs-hot", ""),
		testSecretCopy()}
}

func withSpec(mutate func(*snapshotapi.VirtualMachineRestoreSpec)) func(*snapshotapi.VirtualMachineRestore) {
	return func(r *snapshotapi.VirtualMachineRestore) { mutate(&r.Spec) }
}

func TestSyncWaitsForTheSnapshotThenFailsAtTheDeadline(t *testing.T) {
	f := newFixture(t, created.Add(20*time.Second), restoreObject(time.Minute))
	if requeue := f.sync(); requeue != 40*time.Second {
		t.Errorf("requeue %s, want 40s: exactly at the deadline", requeue)
	}
	st := f.status()
	if st.Phase != snapshotapi.RestorePending || ready(st).Reason != ReasonSnapshotNotFound {
		t.Fatalf("phase %s, Ready %+v; want Pending with reason SnapshotNotFound", st.Phase, ready(st))
	}
	if f.actions() != "update virtualmachinerestores/status" {
		t.Errorf("actions %s: a waiting restore must only write its status", f.actions())
	}
	f.event("Normal RestorePending")

	f = newFixture(t, created.Add(time.Minute), restoreObject(time.Minute))
	if requeue := f.sync(); requeue != 0 {
		t.Errorf("requeue %s after failing, want none", requeue)
	}
	st = f.status()
	if st.Phase != snapshotapi.RestoreFailed || !strings.Contains(ready(st).Message, "failureDeadline of 1m0s") || st.Error == nil {
		t.Fatalf("phase %s, Ready %+v; want Failed naming the deadline", st.Phase, ready(st))
	}
	f.event("Warning RestoreFailed")
}

func TestSyncCreatesANewVM(t *testing.T) {
	r := restoreObject(5*time.Minute, withSpec(rename("VirtualMachine", "vm", "vm2")), withSpec(rename("", "vm-disk0", "vm2-disk0")),
		withSpec(rename("", "vm-dv1", "vm2-dv1")), withSpec(rename("", "vm-hot", "vm2-hot")), withSpec(rename("", "vm-ci", "vm2-ci")))
	f := newFixture(t, created.Add(time.Second), append(snapshotWorld(), r, sourceVMWithoutStaticMAC())...)
	if requeue := f.sync(); requeue != 0 {
		t.Errorf("requeue %s, want none once Ready", requeue)
	}
	// Once Ready, the restore hands over what it created, and records that.
	want := "create secrets,create persistentvolumeclaims,create persistentvolumeclaims,create persistentvolumeclaims," +
		"create virtualmachines,create datavolumes,update virtualmachinerestores/status," +
		"patch persistentvolumeclaims,patch persistentvolumeclaims,patch persistentvolumeclaims,patch secrets,update virtualmachines," +
		"patch datavolumes,update virtualmachinerestores/status"
	if f.actions() != want {
		t.Errorf("actions:\n got %s\nwant %s", f.actions(), want)
	}
	st := f.status()
	if st.Phase != snapshotapi.RestoreReady || !ptr.Deref(st.Complete, false) || st.RestoreTime == nil || ptr.Deref(st.TargetName, "") != "vm2" {
		t.Fatalf("status %+v; want Ready, complete, restoreTime, targetName vm2", st)
	}
	vm := f.vm("vm2")
	if ptr.Deref(vm.Spec.RunStrategy, "") != kubevirtv1.RunStrategyHalted || vm.Spec.Running != nil {
		t.Errorf("new VM run strategy %v running %v; want Halted", vm.Spec.RunStrategy, vm.Spec.Running)
	}
	if len(vm.OwnerReferences) != 0 {
		t.Errorf("new VM owner references %v; want none once the restore handed it over", vm.OwnerReferences)
	}
	claim, err := f.kube.CoreV1().PersistentVolumeClaims("ns").Get(context.Background(), "vm2-disk0", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(claim.OwnerReferences) != 0 || claim.Labels[LabelRestoreUID] != string(restoreUID) {
		t.Errorf("claim vm2-disk0 owners %v labels %v; want handed over (no owner), still labelled", claim.OwnerReferences, claim.Labels)
	}
	if c := apimeta.FindStatusCondition(st.Conditions, ConditionCleanedUp); c == nil || c.Reason != ReasonHandedOver {
		t.Errorf("condition %s: %+v; want reason %s", ConditionCleanedUp, c, ReasonHandedOver)
	}
	if got := claim.Spec.Resources.Requests[corev1.ResourceStorage]; got.String() != "2Gi" {
		t.Errorf("claim vm2-disk0 requests %s, want the VolumeSnapshot's restoreSize 2Gi", got.String())
	}
	dv, err := f.cdi.CdiV1beta1().DataVolumes("ns").Get(context.Background(), "vm2-dv1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !metav1.IsControlledBy(dv, vm) || dv.Annotations[cdiv1.AnnPrePopulated] != "vm2-dv1" {
		t.Errorf("DataVolume of the template: owners %v annotations %v; want controlled by the VM and pre-populated", dv.OwnerReferences, dv.Annotations)
	}
	f.event("Normal RestoreReady")
}

func TestSyncRunningTargetPolicies(t *testing.T) {
	running := &kubevirtv1.VirtualMachineInstance{ObjectMeta: metav1.ObjectMeta{Name: "vm", Namespace: "ns"}}
	for _, tc := range []struct {
		name   string
		policy snapshotapi.TargetReadinessPolicy
		// recorded: the restore's status names the target already.
		recorded    bool
		wantPhase   snapshotapi.RestorePhase
		wantReason  string
		wantRequeue time.Duration
		wantActions string
		wantHalted  bool
	}{
		{"WaitGracePeriodAndFail", snapshotapi.TargetReadinessWaitGracePeriodAndFail, false, snapshotapi.RestorePending, ReasonTargetRunning,
			4 * time.Minute, "update virtualmachinerestores/status", false},
		{"FailImmediate", snapshotapi.TargetReadinessFailImmediate, false, snapshotapi.RestoreFailed, ReasonTargetRunning,
			0, "update virtualmachinerestores/status,update virtualmachinerestores/status", false}, // Failed, then cleaned up
		{"WaitEventually", snapshotapi.TargetReadinessWaitEventually, false, snapshotapi.RestorePending, ReasonTargetRunning,
			0, "update virtualmachinerestores/status", false},
		{"StopTarget records the target first", snapshotapi.TargetReadinessStopTarget, false, snapshotapi.RestoreInProgress, ReasonInProgress,
			safetyRequeue, "update virtualmachinerestores/status", false},
		{"StopTarget then halts and locks the VM", snapshotapi.TargetReadinessStopTarget, true, snapshotapi.RestoreInProgress, ReasonStoppingTarget,
			safetyRequeue, "update virtualmachines,update virtualmachines/status,update virtualmachinerestores/status", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := restoreObject(5*time.Minute, withSpec(func(s *snapshotapi.VirtualMachineRestoreSpec) { s.TargetReadinessPolicy = tc.policy }))
			if tc.recorded {
				targetRecorded(r)
			}
			f := newFixture(t, created.Add(time.Minute), append(snapshotWorld(), r, liveSourceVM(), running)...)
			if requeue := f.sync(); requeue != tc.wantRequeue {
				t.Errorf("requeue %s, want %s", requeue, tc.wantRequeue)
			}
			st := f.status()
			if st.Phase != tc.wantPhase || ready(st).Reason != tc.wantReason || ptr.Deref(st.TargetName, "") != "vm" {
				t.Errorf("phase %s, Ready %+v, target %q; want %s with reason %s, target vm", st.Phase, ready(st), ptr.Deref(st.TargetName, ""), tc.wantPhase, tc.wantReason)
			}
			if f.actions() != tc.wantActions {
				t.Errorf("actions:\n got %s\nwant %s", f.actions(), tc.wantActions)
			}
			vm := f.vm("vm")
			halted := ptr.Deref(vm.Spec.RunStrategy, "") == kubevirtv1.RunStrategyHalted && vm.Annotations[AnnRunStrategyBeforeRestore] == "Always" &&
				vm.Annotations[AnnStoppedByRestore] == string(restoreUID) && ptr.Deref(vm.Status.RestoreInProgress, "") == "restore"
			if halted != tc.wantHalted {
				t.Errorf("VM run strategy %s, annotations %v, restoreInProgress %q; want halted, Always recorded and locked: %v",
					ptr.Deref(vm.Spec.RunStrategy, ""), vm.Annotations, ptr.Deref(vm.Status.RestoreInProgress, ""), tc.wantHalted)
			}
		})
	}
}

func TestSyncRestoresAStoppedVMInPlace(t *testing.T) {
	vm := liveSourceVM()
	vm.Spec.RunStrategy = ptr.To(kubevirtv1.RunStrategyHalted)
	vm.Annotations = map[string]string{AnnRunStrategyBeforeRestore: "Always", AnnStoppedByRestore: string(restoreUID)}
	vm.Status.RestoreInProgress = ptr.To("restore")
	vm.Spec.Template.Spec.Volumes[0].PersistentVolumeClaim.ClaimName = "vm-disk0-later"
	ownedOld := claimObject("vm-disk0-later", nil)
	ownedOld.UID = "old-uid"
	ownedOld.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(vm, kubevirtv1.VirtualMachineGroupVersionKind)}
	unownedOld := claimObject("vm-hot", nil)
	r := restoreObject(5*time.Minute, targetRecorded)
	f := newFixture(t, created.Add(time.Minute), append(snapshotWorld(), r, vm, ownedOld, unownedOld, secretObject("vm-ci", "#cloud-config", nil))...)

	f.sync()
	want := "create persistentvolumeclaims,create persistentvolumeclaims,create persistentvolumeclaims," +
		"update virtualmachines,create datavolumes,delete persistentvolumeclaims," +
		"update virtualmachines/status,update virtualmachines,update virtualmachinerestores/status," +
		"patch persistentvolumeclaims,patch persistentvolumeclaims,patch persistentvolumeclaims,patch datavolumes,update virtualmachinerestores/status"
	if f.actions() != want {
		t.Errorf("actions:\n got %s\nwant %s", f.actions(), want)
	}
	restored := f.vm("vm")
	if got := volume(restored, "disk0").PersistentVolumeClaim.ClaimName; got != RandomizedClaimName(restoreUID, "disk0") {
		t.Errorf("volume disk0 -> %s, want the restored claim", got)
	}
	if restored.Annotations[AnnLastRestoreUID] != string(restoreUID) || restored.Labels["app"] != "db" {
		t.Errorf("VM annotations %v labels %v; want the restore's UID and the snapshot's labels", restored.Annotations, restored.Labels)
	}
	if ptr.Deref(restored.Spec.RunStrategy, "") != kubevirtv1.RunStrategyAlways || restored.Status.RestoreInProgress != nil {
		t.Errorf("VM run strategy %v restoreInProgress %v; want Always again and unlocked", restored.Spec.RunStrategy, restored.Status.RestoreInProgress)
	}
	newClaim, err := f.kube.CoreV1().PersistentVolumeClaims("ns").Get(context.Background(), RandomizedClaimName(restoreUID, "disk0"), metav1.GetOptions{})
	if err != nil || !metav1.IsControlledBy(newClaim, vm) {
		t.Errorf("restored claim of disk0 (err %v): want it controlled by the VM, as the claim it replaces was", err)
	}
	if _, err := f.kube.CoreV1().PersistentVolumeClaims("ns").Get(context.Background(), "vm-disk0-later", metav1.GetOptions{}); err == nil {
		t.Error("the VM's old owned claim was not deleted")
	}
	if _, err := f.kube.CoreV1().PersistentVolumeClaims("ns").Get(context.Background(), "vm-hot", metav1.GetOptions{}); err != nil {
		t.Errorf("the old claim the VM did not own was deleted: %v", err)
	}
	st := f.status()
	if st.Phase != snapshotapi.RestoreReady || !strings.Contains(ready(st).Message, "vm-disk0-later") {
		t.Errorf("phase %s, Ready %+v; want Ready naming the deleted old disk", st.Phase, ready(st))
	}
}

func TestSyncInPlaceWaitsForTheOldClaimToGo(t *testing.T) {
	deleting := claimObject("vm-disk0", nil)
	deleting.DeletionTimestamp = ptr.To(metav1.NewTime(created))
	deleting.Finalizers = []string{"kubernetes.io/pvc-protection"}
	r := restoreObject(5*time.Minute, withSpec(withVolumePolicy(snapshotapi.VolumeRestoreInPlace)), targetRecorded)
	vm := lockedVM()
	f := newFixture(t, created.Add(time.Minute), append(snapshotWorld(), r, vm, deleting, secretObject("vm-ci", "#cloud-config", nil))...)
	if requeue := f.sync(); requeue != safetyRequeue {
		t.Errorf("requeue %s, want the safety requeue %s", requeue, safetyRequeue)
	}
	// The two claims that do not exist are created at once; the VM waits.
	want := "create persistentvolumeclaims,create persistentvolumeclaims,update virtualmachinerestores/status"
	if f.actions() != want {
		t.Errorf("actions:\n got %s\nwant %s", f.actions(), want)
	}
	st := f.status()
	if st.Phase != snapshotapi.RestoreInProgress || ready(st).Reason != ReasonReplacingDisks || !strings.Contains(ready(st).Message, "vm-disk0") {
		t.Errorf("phase %s, Ready %+v; want InProgress waiting for vm-disk0", st.Phase, ready(st))
	}
}

func TestSyncStrictConflictChangesNothing(t *testing.T) {
	r := restoreObject(5*time.Minute, withSpec(rename("VirtualMachine", "vm", "vm2")))
	f := newFixture(t, created.Add(time.Second), append(snapshotWorld(), r, liveSourceVM(), claimObject("vm-disk0", nil),
		secretObject("vm-ci", "#changed", nil))...)
	f.sync()
	for _, w := range f.writes {
		if w != "update virtualmachinerestores/status" {
			t.Errorf("a restore failed by conflicts wrote %s; want only its status", w)
		}
	}
	st := f.status()
	if st.Phase != snapshotapi.RestoreFailed || ready(st).Reason != ReasonConflict ||
		!strings.Contains(ready(st).Message, "PersistentVolumeClaim vm-disk0") || !strings.Contains(ready(st).Message, "Secret vm-ci") {
		t.Fatalf("phase %s, Ready %+v; want Failed listing both conflicts", st.Phase, ready(st))
	}
	if got := resultOf(&plan{resources: st.Resources}, "PersistentVolumeClaim", "vm-disk0"); got.Result != snapshotapi.ResourceConflict {
		t.Errorf("resources[] claim vm-disk0: %+v, want Conflict", got)
	}
	f.event("Warning RestoreFailed")
}

func TestSyncDryRunChangesNothing(t *testing.T) {
	r := restoreObject(5*time.Minute, withSpec(withMode(snapshotapi.RestoreModeDryRun)))
	running := &kubevirtv1.VirtualMachineInstance{ObjectMeta: metav1.ObjectMeta{Name: "vm", Namespace: "ns"}}
	f := newFixture(t, created.Add(time.Second), append(snapshotWorld(), r, liveSourceVM(), running)...)
	f.sync()
	if f.actions() != "update virtualmachinerestores/status" {
		t.Errorf("actions %s: a dry run must only write its status", f.actions())
	}
	st := f.status()
	if st.Phase != snapshotapi.RestoreReady || ptr.Deref(st.Complete, true) || ready(st).Reason != ReasonDryRun ||
		ready(st).Status != metav1.ConditionTrue || !strings.Contains(ready(st).Message, "is running") {
		t.Errorf("phase %s complete %v Ready %+v; want Ready, not complete, reason DryRun mentioning the running VM", st.Phase, st.Complete, ready(st))
	}
	if got := resultOf(&plan{resources: st.Resources}, "VirtualMachine", "vm"); got.Result != snapshotapi.ResourceReplaced {
		t.Errorf("resources[] VM: %+v, want Replaced", got)
	}
}

func TestSyncDeletionMidWayCleansUpAndReleasesTheVM(t *testing.T) {
	vm := liveSourceVM()
	vm.Spec.RunStrategy = ptr.To(kubevirtv1.RunStrategyHalted)
	vm.Annotations = map[string]string{AnnRunStrategyBeforeRestore: "Always", AnnStoppedByRestore: string(restoreUID)}
	vm.Status.RestoreInProgress = ptr.To("restore")
	r := restoreObject(5*time.Minute, func(r *snapshotapi.VirtualMachineRestore) {
		r.Status.Phase, r.Status.TargetName = snapshotapi.RestoreInProgress, ptr.To("vm")
		r.DeletionTimestamp = ptr.To(metav1.NewTime(created.Add(time.Minute)))
	})
	f := newFixture(t, created.Add(time.Minute), append(snapshotWorld(), r, vm,
		restoreOwned(claimObject(RandomizedClaimName(restoreUID, "disk0"), nil)), claimObject("vm-disk0", nil),
		secretObject("vm-ci", "#cloud-config", map[string]string{LabelRestoreUID: string(restoreUID)}))...)
	f.sync()
	want := "update virtualmachines/status,update virtualmachines,delete persistentvolumeclaims,patch virtualmachinerestores"
	if f.actions() != want {
		t.Errorf("actions:\n got %s\nwant %s", f.actions(), want)
	}
	released := f.vm("vm")
	if ptr.Deref(released.Spec.RunStrategy, "") != kubevirtv1.RunStrategyAlways || released.Status.RestoreInProgress != nil {
		t.Errorf("VM run strategy %v restoreInProgress %v; want Always again and unlocked", released.Spec.RunStrategy, released.Status.RestoreInProgress)
	}
	// The VM still uses Secret vm-ci: it stays although the restore made it.
	if _, err := f.kube.CoreV1().Secrets("ns").Get(context.Background(), "vm-ci", metav1.GetOptions{}); err != nil {
		t.Errorf("the Secret the VM uses was deleted: %v", err)
	}
}

func TestSyncSnapshotDeletedMidRestoreFails(t *testing.T) {
	r := restoreObject(5*time.Minute, func(r *snapshotapi.VirtualMachineRestore) {
		r.Status.Phase, r.Status.TargetName = snapshotapi.RestoreInProgress, ptr.To("vm")
	})
	vm := liveSourceVM()
	vm.Status.RestoreInProgress = ptr.To("restore")
	f := newFixture(t, created.Add(time.Minute), r, vm)
	f.sync()
	st := f.status()
	if st.Phase != snapshotapi.RestoreFailed || ready(st).Reason != ReasonSnapshotNotFound {
		t.Errorf("phase %s, Ready %+v; want Failed with reason SnapshotNotFound", st.Phase, ready(st))
	}
	if f.vm("vm").Status.RestoreInProgress != nil {
		t.Error("the VM is still locked by a failed restore")
	}
}

func TestSyncFeatureDisabled(t *testing.T) {
	f := newFixture(t, created, restoreObject(5*time.Minute, func(r *snapshotapi.VirtualMachineRestore) { r.Finalizers = nil }))
	f.c.enabled = false
	f.sync()
	if f.actions() != "update virtualmachinerestores/status" {
		t.Errorf("actions %s: with the feature off only the status is written", f.actions())
	}
	if st := f.status(); st.Phase != "" || ready(st).Reason != ReasonFeatureDisabled {
		t.Errorf("phase %q Ready %+v; want no phase and reason FeatureDisabled", st.Phase, ready(st))
	}
	f.event("Warning FeatureDisabled")
}

// runningStopTargetWorld is an in-place StopTarget restore of the running
// VM "vm", and that VM.
func runningStopTargetWorld(deadline time.Duration, vm *kubevirtv1.VirtualMachine, mutate ...func(*snapshotapi.VirtualMachineRestore)) []runtime.Object {
	r := restoreObject(deadline, append([]func(*snapshotapi.VirtualMachineRestore){
		withSpec(func(s *snapshotapi.VirtualMachineRestoreSpec) {
			s.TargetReadinessPolicy = snapshotapi.TargetReadinessStopTarget
		}),
	}, mutate...)...)
	running := &kubevirtv1.VirtualMachineInstance{ObjectMeta: metav1.ObjectMeta{Name: "vm", Namespace: "ns"}}
	return append(snapshotWorld(), r, vm, running)
}

// targetRecorded is a restore that recorded its target and went on.
func targetRecorded(r *snapshotapi.VirtualMachineRestore) {
	r.Status.Phase, r.Status.TargetName = snapshotapi.RestoreInProgress, ptr.To("vm")
}

// lockedVM is the source VM locked by the restore, before it was halted.
func lockedVM() *kubevirtv1.VirtualMachine {
	vm := liveSourceVM()
	vm.Status.RestoreInProgress = ptr.To("restore")
	return vm
}

// A write that keeps failing is retried with backoff, but the deadline
// still wakes the restore: the requeue is the time left, and at the
// deadline the restore fails naming the step that failed.
func TestSyncAPIErrorsRetryUntilTheDeadline(t *testing.T) {
	f := newFixture(t, created.Add(time.Minute), runningStopTargetWorld(5*time.Minute, liveSourceVM(), targetRecorded)...)
	f.failWrites(f.kubevirt, "update", "virtualmachines", "")

	requeue, err := f.syncErr()
	if err == nil || !strings.Contains(err.Error(), "halting VirtualMachine vm") {
		t.Errorf("sync error %v; want the failed halt, naming the step", err)
	}
	if requeue != 4*time.Minute {
		t.Errorf("requeue %s with the error; want the 4m0s left to the deadline, so that backoff cannot overrun it", requeue)
	}
	if st := f.status(); st.Error == nil || !strings.Contains(*st.Error.Message, "halting VirtualMachine vm: ") {
		t.Errorf("status.error %v; want the failed step", st.Error)
	}

	f.clock.SetTime(created.Add(5*time.Minute + time.Second))
	requeue, err = f.syncErr()
	if err != nil || requeue != 0 {
		t.Fatalf("at the deadline: requeue %s, error %v; want the restore failed, nothing to retry", requeue, err)
	}
	st := f.status()
	if st.Phase != snapshotapi.RestoreFailed || ready(st).Reason != ReasonDeadlineExceeded ||
		!strings.Contains(ready(st).Message, "failureDeadline of 5m0s") || !strings.Contains(ready(st).Message, "halting VirtualMachine vm") {
		t.Errorf("phase %s, Ready %+v; want Failed at the deadline, naming the step that kept failing", st.Phase, ready(st))
	}
	if vm := f.vm("vm"); vm.Status.RestoreInProgress != nil {
		t.Errorf("VM still locked by %q after the restore failed", *vm.Status.RestoreInProgress)
	}
}

// haltedVM is the source VM as a StopTarget restore left it: locked, halted,
// and its run strategy recorded.
func haltedVM() *kubevirtv1.VirtualMachine {
	vm := lockedVM()
	vm.Spec.RunStrategy = ptr.To(kubevirtv1.RunStrategyHalted)
	vm.Annotations = map[string]string{AnnRunStrategyBeforeRestore: "Always", AnnStoppedByRestore: string(restoreUID)}
	return vm
}

func (f *fixture) requireReleased(name string, runStrategy kubevirtv1.VirtualMachineRunStrategy) {
	f.t.Helper()
	vm := f.vm(name)
	if ptr.Deref(vm.Spec.RunStrategy, "") != runStrategy || vm.Status.RestoreInProgress != nil {
		f.t.Errorf("VM %s run strategy %s restoreInProgress %q; want %s and unlocked", name, ptr.Deref(vm.Spec.RunStrategy, ""),
			ptr.Deref(vm.Status.RestoreInProgress, ""), runStrategy)
	}
	for _, ann := range []string{AnnRunStrategyBeforeRestore, AnnStoppedByRestore} {
		if _, ok := vm.Annotations[ann]; ok {
			f.t.Errorf("VM %s annotations %v: %s must go once the run strategy is given back", name, vm.Annotations, ann)
		}
	}
}

func (f *fixture) requireFinalizerGone() {
	f.t.Helper()
	r, err := f.vmsnap.SnapshotV1alpha1().VirtualMachineRestores("ns").Get(context.Background(), "restore", metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	if len(r.Finalizers) != 0 {
		f.t.Errorf("restore finalizers %v; want ours released", r.Finalizers)
	}
}

// A restore deleted while the feature gate is off still cleans up what it
// did before the gate was turned off: the finalizer stands for that promise.
func TestSyncFeatureDisabledDeletionReleasesTheVM(t *testing.T) {
	f := newFixture(t, created.Add(time.Minute), runningStopTargetWorld(5*time.Minute, haltedVM(), targetRecorded)...)
	f.c.enabled = false
	f.markDeleted()
	f.sync()
	f.requireReleased("vm", kubevirtv1.RunStrategyAlways)
	f.requireFinalizerGone()
}

// A restore in progress when the feature gate is turned off would keep its
// target locked and halted until the gate is back: it fails, and gives the
// VM back as the user left it.
func TestSyncFeatureDisabledMidRestoreReleasesTheVM(t *testing.T) {
	f := newFixture(t, created.Add(time.Minute), runningStopTargetWorld(5*time.Minute, haltedVM(), targetRecorded)...)
	f.c.enabled = false
	f.sync()
	if st := f.status(); st.Phase != snapshotapi.RestoreFailed || ready(st).Reason != ReasonFeatureDisabled {
		t.Errorf("phase %q Ready %+v; want Failed with reason FeatureDisabled", st.Phase, ready(st))
	}
	f.requireReleased("vm", kubevirtv1.RunStrategyAlways)
}

// A StopTarget restore names its target in its status before it locks and
// halts the VM: when that write is lost and the restore is deleted, the VM
// was not touched, and the cleanup has nothing to undo.
func TestSyncStopTargetRecordsTheTargetFirst(t *testing.T) {
	f := newFixture(t, created.Add(time.Minute), runningStopTargetWorld(5*time.Minute, liveSourceVM())...)
	lift := f.failWrites(f.vmsnap, "update", "virtualmachinerestores", "status")
	if _, err := f.syncErr(); err == nil {
		t.Fatal("sync succeeded although its status write failed")
	}
	if vm := f.vm("vm"); vm.Status.RestoreInProgress != nil || ptr.Deref(vm.Spec.RunStrategy, "") != kubevirtv1.RunStrategyAlways {
		t.Errorf("VM locked by %q, run strategy %s before the restore recorded its target; want it untouched",
			ptr.Deref(vm.Status.RestoreInProgress, ""), ptr.Deref(vm.Spec.RunStrategy, ""))
	}
	lift()
	f.markDeleted()
	f.sync()
	f.requireReleased("vm", kubevirtv1.RunStrategyAlways)
	f.requireFinalizerGone()
}

// A restore whose status never named its target (a write lost after the
// VM was locked and halted) finds the VM from its snapshot when deleted,
// and gives it back as the user left it.
func TestSyncDeletionFindsTheTargetWithoutStatus(t *testing.T) {
	for _, tc := range []struct {
		name string
		// userRunStrategy is set on the halted VM while it is locked; ""
		// leaves it Halted, as the restore made it.
		userRunStrategy kubevirtv1.VirtualMachineRunStrategy
		want            kubevirtv1.VirtualMachineRunStrategy
	}{
		{"the recorded run strategy comes back", "", kubevirtv1.RunStrategyAlways},
		{"a run strategy the user set since wins", kubevirtv1.RunStrategyManual, kubevirtv1.RunStrategyManual},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vm := haltedVM()
			if tc.userRunStrategy != "" {
				vm.Spec.RunStrategy = ptr.To(tc.userRunStrategy)
			}
			inProgress := func(r *snapshotapi.VirtualMachineRestore) { r.Status.Phase = snapshotapi.RestoreInProgress }
			f := newFixture(t, created.Add(time.Minute), runningStopTargetWorld(5*time.Minute, vm, inProgress)...)
			f.markDeleted()
			f.sync()
			f.requireReleased("vm", tc.want)
			f.requireFinalizerGone()
		})
	}
}

// restoreOwned marks a claim or VM as this restore's, as it creates them:
// the label to find it and the owner reference that proves it.
func restoreOwned[T metav1.Object](obj T) T {
	labels := obj.GetLabels()
	if labels == nil {
		labels = map[string]string{}
	}
	labels[LabelRestoreUID] = string(restoreUID)
	obj.SetLabels(labels)
	obj.SetOwnerReferences(append(obj.GetOwnerReferences(), ownerRef(testRestore())))
	return obj
}

func (f *fixture) claim(name string) *corev1.PersistentVolumeClaim {
	claim, err := f.kube.CoreV1().PersistentVolumeClaims("ns").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		return nil
	}
	return claim
}

// The cleanup of a Failed restore happens once, is recorded, and deletes
// only claims it can prove it created and no VM uses: a claim the user has
// attached to another VM is kept and handed over (no longer owned by the
// restore, so that deleting the restore cannot garbage-collect it), and a
// claim that merely carries the restore's label is left alone.
func TestSyncFailedCleanupHappensOnceAndSparesWhatItCannotClaim(t *testing.T) {
	attached, labelled, unused := RandomizedClaimName(restoreUID, "disk0"), RandomizedClaimName(restoreUID, "disk1"), RandomizedClaimName(restoreUID, "hot")
	other := liveSourceVM()
	other.Name, other.UID = "other", "other-uid"
	volume(other, "disk0").PersistentVolumeClaim.ClaimName = attached
	failed := func(r *snapshotapi.VirtualMachineRestore) {
		r.Status.Phase, r.Status.TargetName = snapshotapi.RestoreFailed, ptr.To("vm")
		r.Status.Resources = []snapshotapi.RestoredResource{{Kind: kindSecret, Name: "unused-ci", Result: snapshotapi.ResourceCreated}}
	}
	f := newFixture(t, created.Add(time.Minute), append(snapshotWorld(), restoreObject(5*time.Minute, failed), lockedVM(), other,
		restoreOwned(claimObject(attached, nil)), claimObject(labelled, map[string]string{LabelRestoreUID: string(restoreUID)}),
		restoreOwned(claimObject(unused, nil)), restoreOwned(secretObject("vm-ci", "#cloud-config", nil)), restoreOwned(secretObject("unused-ci", "#cloud-config", nil)))...)

	f.kube.ClearActions()
	f.sync()
	for _, a := range f.kube.Actions() {
		if a.GetResource().Resource == "secrets" && (a.GetVerb() == "list" || a.GetVerb() == "delete") {
			t.Errorf("the cleanup called %s on secrets; the controller may only read them by name", a.GetVerb())
		}
	}
	// The Secrets are found by name, from the status and from the content.
	if secret, err := f.kube.CoreV1().Secrets("ns").Get(context.Background(), "unused-ci", metav1.GetOptions{}); err != nil || !ours(testRestore(), secret) {
		t.Errorf("Secret unused-ci, the restore's and unused: %v; want it left under the restore's owner reference for the garbage collector", err)
	}
	if secret, err := f.kube.CoreV1().Secrets("ns").Get(context.Background(), "vm-ci", metav1.GetOptions{}); err != nil || ours(testRestore(), secret) {
		t.Errorf("Secret vm-ci, which VM vm uses: %v; want it kept and no longer owned by the restore", err)
	}
	if claim := f.claim(attached); claim == nil || ours(testRestore(), claim) {
		t.Errorf("claim %s, attached to VM other: %v; want it kept and no longer owned by the restore", attached, claim)
	}
	if f.claim(labelled) == nil {
		t.Errorf("claim %s carries the restore's label but no owner reference: it was deleted", labelled)
	}
	if f.claim(unused) != nil {
		t.Errorf("claim %s, the restore's and unused, was not deleted", unused)
	}
	if f.vm("vm").Status.RestoreInProgress != nil {
		t.Error("the VM is still locked by the failed restore")
	}
	cleaned := apimeta.FindStatusCondition(f.status().Conditions, ConditionCleanedUp)
	if cleaned == nil || cleaned.Status != metav1.ConditionTrue || !strings.Contains(cleaned.Message, unused) || !strings.Contains(cleaned.Message, attached) ||
		!strings.Contains(cleaned.Message, "garbage collector: Secret unused-ci") {
		t.Fatalf("condition %s: %+v; want True, naming what was removed and what was kept", ConditionCleanedUp, cleaned)
	}

	f.writes = nil
	f.sync()
	if f.actions() != "" {
		t.Errorf("a resync of a cleaned-up Failed restore wrote %s; want nothing", f.actions())
	}
}

// A sync that follows its own creates before the cache shows them does not
// create them again (one 409 and one read each): it remembers them
// (controller.CreateExpectations).
func TestSyncTrustsItsOwnCreates(t *testing.T) {
	r := restoreObject(5*time.Minute, withSpec(rename("VirtualMachine", "vm", "vm2")), withSpec(rename("", "vm-disk0", "vm2-disk0")),
		withSpec(rename("", "vm-dv1", "vm2-dv1")), withSpec(rename("", "vm-hot", "vm2-hot")), withSpec(rename("", "vm-ci", "vm2-ci")))
	f := newFixture(t, created.Add(time.Second), append(snapshotWorld(), r, sourceVMWithoutStaticMAC())...)
	lift := f.failWrites(f.cdi, "create", "datavolumes", "")
	if _, err := f.syncErr(); err == nil {
		t.Fatal("sync succeeded although its DataVolume create failed")
	}
	lift()
	f.writes = nil
	f.sync()
	if strings.Contains(f.actions(), "create persistentvolumeclaims") || strings.Contains(f.actions(), "create virtualmachines") ||
		strings.Contains(f.actions(), "create secrets") {
		t.Errorf("actions %s: the claims, the VM or the Secret made by the first sync were created again", f.actions())
	}
	if st := f.status(); st.Phase != snapshotapi.RestoreReady {
		t.Errorf("phase %s, want Ready", st.Phase)
	}
}

// restarted starts a controller with empty memory whose caches hold what
// the API holds now: the objects the restore writes from the fake API, the
// rest (snapshots, contents, VM instances, VolumeSnapshots) as cached.
func (f *fixture) restarted(now time.Time) *fixture {
	f.t.Helper()
	ctx := context.Background()
	var objects []runtime.Object
	add := func(list runtime.Object, err error) {
		if err != nil {
			f.t.Fatal(err)
		}
		items, err := apimeta.ExtractList(list)
		if err != nil {
			f.t.Fatal(err)
		}
		objects = append(objects, items...)
	}
	add(f.vmsnap.SnapshotV1alpha1().VirtualMachineRestores("ns").List(ctx, metav1.ListOptions{}))
	add(f.kubevirt.KubevirtV1().VirtualMachines("ns").List(ctx, metav1.ListOptions{}))
	add(f.kube.CoreV1().PersistentVolumeClaims("ns").List(ctx, metav1.ListOptions{}))
	add(f.kube.CoreV1().Secrets("ns").List(ctx, metav1.ListOptions{}))
	add(f.cdi.CdiV1beta1().DataVolumes("ns").List(ctx, metav1.ListOptions{}))
	add(f.kube.AppsV1().ControllerRevisions("ns").List(ctx, metav1.ListOptions{}))
	snaps, _ := f.c.snapshots.List(everything)
	for _, o := range snaps {
		objects = append(objects, o)
	}
	contents, _ := f.c.contents.List(everything)
	for _, o := range contents {
		objects = append(objects, o)
	}
	vmis, _ := f.c.vmis.Namespace("ns").List(everything)
	for _, o := range vmis {
		objects = append(objects, o)
	}
	vss, _ := f.c.volumeSnapshots.List(everything)
	for _, o := range vss {
		objects = append(objects, o)
	}
	next := newFixture(f.t, now, objects...)
	next.c.enabled = f.c.enabled
	return next
}

// A restore in progress when the feature is turned off: each write that
// gives its VM back fails once, refused or landed with its answer lost,
// and the controller restarts right after. The next syncs still fail the
// restore with FeatureDisabled and give the VM back as the user left it.
func TestFeatureOffMidRestoreSurvivesAFailedWrite(t *testing.T) {
	for _, w := range []struct{ verb, resource, subresource string }{
		{"update", "virtualmachinerestores", "status"},
		{"update", "virtualmachines", ""},
		{"update", "virtualmachines", "status"},
	} {
		for mode, fault := range map[string]*controllertest.Fault{
			"refused":             {Err: controllertest.APIErrors()["InternalError"], Times: 1},
			"landed, answer lost": {Err: controllertest.APIErrors()["Timeout"], Times: 1, Landed: true},
		} {
			t.Run(w.verb+" "+w.resource+"/"+w.subresource+", "+mode, func(t *testing.T) {
				f := newFixture(t, created.Add(time.Minute), runningStopTargetWorld(5*time.Minute, haltedVM(), targetRecorded)...)
				f.c.enabled = false
				fault.Verb, fault.Resource, fault.Subresource = w.verb, w.resource, w.subresource
				var fake controllertest.TrackingReactor = f.vmsnap
				if w.resource == "virtualmachines" {
					fake = f.kubevirt
				}
				controllertest.Inject(fake, fault)
				_, _ = f.syncErr()
				if fault.Applied() != 1 {
					t.Fatalf("the fault failed %d calls, want 1", fault.Applied())
				}
				f = f.restarted(created.Add(2 * time.Minute))
				f.sync()
				f.sync()
				if st := f.status(); st.Phase != snapshotapi.RestoreFailed || ready(st).Reason != ReasonFeatureDisabled {
					t.Errorf("phase %q Ready %+v; want Failed with reason FeatureDisabled", st.Phase, ready(st))
				}
				f.requireReleased("vm", kubevirtv1.RunStrategyAlways)
			})
		}
	}
}

// sourceVMWithoutStaticMAC is the snapshot's VM as it is now, with no MAC in
// its spec (KubeVirt picks one at each start): the MAC the snapshot
// recorded is free for a new VM.
func sourceVMWithoutStaticMAC() *kubevirtv1.VirtualMachine {
	vm := liveSourceVM()
	vm.Spec.Template.Spec.Domain.Devices.Interfaces[0].MacAddress = ""
	return vm
}

// MACs are unique in the cluster: a stopped VM of another namespace whose
// spec sets the MAC a new VM would get is a conflict, named in the status.
// (Before, only running VMs of the restore's namespace were checked.)
func TestSyncMACOfAStoppedVMInAnotherNamespaceIsAConflict(t *testing.T) {
	r := restoreObject(5*time.Minute, withSpec(rename("VirtualMachine", "vm", "vm2")), withSpec(rename("", "vm-disk0", "vm2-disk0")),
		withSpec(rename("", "vm-dv1", "vm2-dv1")), withSpec(rename("", "vm-hot", "vm2-hot")), withSpec(rename("", "vm-ci", "vm2-ci")))
	elsewhere := liveSourceVM()
	elsewhere.Namespace, elsewhere.Name, elsewhere.UID = "team-b", "their-vm", "their-uid"
	f := newFixture(t, created.Add(time.Second), append(snapshotWorld(), r, sourceVMWithoutStaticMAC(), elsewhere)...)
	f.sync()

	st := f.status()
	for _, res := range st.Resources {
		if res.Kind == "VirtualMachine" {
			if res.Result != snapshotapi.ResourceConflict || !strings.Contains(res.Message, "used by VirtualMachine team-b/their-vm") {
				t.Errorf("VM vm2: %s (%s); want a conflict naming team-b/their-vm", res.Result, res.Message)
			}
		}
	}
	if st.Phase != snapshotapi.RestoreFailed || strings.Contains(f.actions(), "create") {
		t.Errorf("phase %s, writes %s; want Failed (Strict) and nothing created", st.Phase, f.actions())
	}
}

// A Secret another user made under a restored Secret's name, with the
// restore's label copied onto it and data of their own, is never taken as
// the restore's: it is a conflict, its data never reaches the new VM, and
// the failed restore's cleanup leaves it alone. (Before, the label was the
// proof: the Secret was adopted, and deleted by the cleanup.)
func TestSyncNeverAdoptsASecretByItsLabel(t *testing.T) {
	r := restoreObject(5*time.Minute, withSpec(rename("VirtualMachine", "vm", "vm2")), withSpec(rename("", "vm-disk0", "vm2-disk0")),
		withSpec(rename("", "vm-dv1", "vm2-dv1")), withSpec(rename("", "vm-hot", "vm2-hot")), withSpec(rename("", "vm-ci", "vm2-ci")))
	intruder := secretObject("vm2-ci", "#cloud-config\nusers: [intruder]", map[string]string{LabelRestoreUID: string(restoreUID)})
	f := newFixture(t, created.Add(time.Second), append(snapshotWorld(), r, sourceVMWithoutStaticMAC(), intruder)...)
	f.sync()

	st := f.status()
	if st.Phase != snapshotapi.RestoreFailed {
		t.Fatalf("phase %s; want Failed (Strict) on the conflict", st.Phase)
	}
	for _, res := range st.Resources {
		if res.Kind == "Secret" && (res.Result != snapshotapi.ResourceConflict || !strings.Contains(res.Message, "differs")) {
			t.Errorf("Secret %s: %s (%s); want a conflict", res.Name, res.Result, res.Message)
		}
	}
	if strings.Contains(f.actions(), "secrets") {
		t.Errorf("writes %s; the intruding Secret must be neither written nor deleted", f.actions())
	}
	left, err := f.kube.CoreV1().Secrets("ns").Get(context.Background(), "vm2-ci", metav1.GetOptions{})
	if err != nil || string(left.Data["userdata"]) != string(intruder.Data["userdata"]) {
		t.Errorf("the intruding Secret: %v, %v; want it left as it was", left, err)
	}
}

// The hand-over of a restored Secret or DataVolume (the patch that drops
// the restore's owner reference once it is Ready) failing once, refused or
// landed with its answer lost, with a restart right after: the next syncs
// hand it over still, and the restore stays Ready.
func TestHandOverSurvivesAFailedPatch(t *testing.T) {
	for _, resource := range []string{"secrets", "datavolumes"} {
		for mode, fault := range map[string]*controllertest.Fault{
			"refused":             {Err: controllertest.APIErrors()["InternalError"], Times: 1},
			"landed, answer lost": {Err: controllertest.APIErrors()["Timeout"], Times: 1, Landed: true},
		} {
			t.Run(resource+" "+mode, func(t *testing.T) {
				r := restoreObject(5*time.Minute, withSpec(rename("VirtualMachine", "vm", "vm2")), withSpec(rename("", "vm-disk0", "vm2-disk0")),
					withSpec(rename("", "vm-dv1", "vm2-dv1")), withSpec(rename("", "vm-hot", "vm2-hot")), withSpec(rename("", "vm-ci", "vm2-ci")))
				f := newFixture(t, created.Add(time.Second), append(snapshotWorld(), r, sourceVMWithoutStaticMAC())...)
				fault.Verb, fault.Resource = "patch", resource
				if resource == "secrets" {
					controllertest.Inject(f.kube, fault)
				} else {
					controllertest.Inject(f.cdi, fault)
				}
				_, _ = f.syncErr()
				if fault.Applied() != 1 {
					t.Fatalf("the fault failed %d calls, want 1", fault.Applied())
				}
				f = f.restarted(created.Add(2 * time.Second))
				f.sync()
				f.sync()
				if st := f.status(); st.Phase != snapshotapi.RestoreReady {
					t.Errorf("phase %s; want Ready", st.Phase)
				}
				secret, err := f.kube.CoreV1().Secrets("ns").Get(context.Background(), "vm2-ci", metav1.GetOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if len(secret.OwnerReferences) != 0 {
					t.Errorf("Secret vm2-ci owners %+v; want it handed over", secret.OwnerReferences)
				}
				dv, err := f.cdi.CdiV1beta1().DataVolumes("ns").Get(context.Background(), "vm2-dv1", metav1.GetOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if ours(r, dv) {
					t.Errorf("DataVolume vm2-dv1 owners %+v; want it handed over", dv.OwnerReferences)
				}
			})
		}
	}
}

// A VM the restore locked but did not halt, and that runs (it was started
// before the lock): the restore releases the lock first, since KubeVirt
// refuses a run strategy change while it is held, and then halts and locks.
func TestStopTargetHaltsOnlyAnUnlockedVM(t *testing.T) {
	f := newFixture(t, created.Add(time.Minute), runningStopTargetWorld(5*time.Minute, lockedVM(), targetRecorded)...)
	f.sync()
	if f.actions() != "update virtualmachines/status,update virtualmachinerestores/status" {
		t.Errorf("first sync: actions %s; want the lock released, alone", f.actions())
	}
	f = f.restarted(created.Add(time.Minute)) // the caches catch up
	f.sync()
	if f.actions() != "update virtualmachines,update virtualmachines/status,update virtualmachinerestores/status" {
		t.Errorf("second sync: actions %s; want the halt, then the lock", f.actions())
	}
	vm := f.vm("vm")
	if ptr.Deref(vm.Spec.RunStrategy, "") != kubevirtv1.RunStrategyHalted || ptr.Deref(vm.Status.RestoreInProgress, "") != "restore" ||
		vm.Annotations[AnnStoppedByRestore] != string(restoreUID) {
		t.Errorf("VM run strategy %s, lock %q, annotations %v; want halted by the restore, then locked",
			ptr.Deref(vm.Spec.RunStrategy, ""), ptr.Deref(vm.Status.RestoreInProgress, ""), vm.Annotations)
	}
}

// A restore of a DataVolume disk waits while CDI is not served, and looks
// again within CacheRecheck: nothing else wakes it when the API appears.
func TestSyncRechecksTheDataVolumeAPISoon(t *testing.T) {
	r := restoreObject(5*time.Minute, withSpec(rename("VirtualMachine", "vm", "vm2")))
	f := newFixture(t, created.Add(time.Second), append(snapshotWorld(), r, sourceVMWithoutStaticMAC())...)
	f.c.dataVolumesOK = func() bool { return false }
	requeue := f.sync()
	if st := f.status(); st.Phase != snapshotapi.RestorePending || ready(st).Reason != ReasonAPIMissing {
		t.Fatalf("phase %s, Ready %+v; want Pending with reason %s", st.Phase, ready(st), ReasonAPIMissing)
	}
	if requeue <= 0 || requeue > controller.CacheRecheck {
		t.Errorf("requeue %s; want at most %s, not the deadline", requeue, controller.CacheRecheck)
	}
}
