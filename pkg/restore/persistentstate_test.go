package restore

import (
	"context"
	"strings"
	"testing"
	"time"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kubetesting "k8s.io/client-go/testing"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/controller"
	"vmsnap.io/vmsnap/pkg/controller/controllertest"
)

// stateWorld is a world whose snapshot holds the VM's backend storage, as
// the volume backup of claim persistent-state-for-vm-abcde.
func stateWorld(w world) (world, func(*planInput)) {
	w.volumeSnapshots = []*snapshotv1.VolumeSnapshot{readyVolumeSnapshot("vs-disk0", ""), readyVolumeSnapshot("vs-disk1", ""),
		readyVolumeSnapshot("vs-hot", ""), readyVolumeSnapshot("vs-state", "")}
	return w, func(in *planInput) {
		b := backup(controller.PersistentStateVolumeName, "persistent-state-for-vm-abcde", false)
		b.PersistentVolumeClaim.Labels = map[string]string{controller.LabelPersistentStateFor: "vm"}
		b.VolumeSnapshotName = ptr.To("vs-state")
		in.content.Spec.VolumeBackups = append(in.content.Spec.VolumeBackups, b)
	}
}

func labelledFor(name, vmName string) *corev1.PersistentVolumeClaim {
	return claimObject(name, map[string]string{controller.LabelPersistentStateFor: vmName})
}

func TestPlanPersistentStateOfANewVM(t *testing.T) {
	w, withState := stateWorld(world{claims: []*corev1.PersistentVolumeClaim{labelledFor("persistent-state-for-vm-abcde", "vm")}})
	in := w.input(testRestore(rename(kindVirtualMachine, "vm", "copy")), testSnapshot(""))
	withState(&in)
	p := buildPlan(in)

	name := PersistentStateClaimName("copy", restoreUID)
	if !strings.HasPrefix(name, "persistent-state-for-copy-") || name != PersistentStateClaimName("copy", restoreUID) {
		t.Fatalf("claim name %s, want KubeVirt's prefix and a suffix of the restore's UID", name)
	}
	if len(p.blockers) > 0 || len(p.failing) > 0 {
		t.Fatalf("blockers %+v, failing %v", p.blockers, p.failing)
	}
	step := p.persistentState
	if step == nil || step.claim == nil || len(step.replaces) != 0 {
		t.Fatalf("persistent state step %+v, want one claim to create and nothing to replace", step)
	}
	claim := step.claim
	if claim.Name != name || claim.Labels[controller.LabelPersistentStateFor] != "copy" || claim.Labels[LabelRestoreUID] != string(restoreUID) {
		t.Errorf("claim %s labelled %v, want %s labelled for copy and the restore", claim.Name, claim.Labels, name)
	}
	if ds := claim.Spec.DataSource; ds == nil || ds.Name != "vs-state" || claim.Spec.VolumeName != "" {
		t.Errorf("claim restored from %+v (volume %q), want VolumeSnapshot vs-state and no volume", ds, claim.Spec.VolumeName)
	}
	if res := resultOf(p, kindClaim, name); res.Result != snapshotapi.ResourceCreated {
		t.Errorf("resource %+v, want Created", res)
	}
	for _, s := range p.claims {
		if s.claim.Name == name {
			t.Errorf("the backend-storage claim is planned as a VM disk too")
		}
	}
	for _, v := range p.vm.Spec.Template.Spec.Volumes {
		if v.Name == controller.PersistentStateVolumeName {
			t.Errorf("the restored VM has a volume for its backend storage")
		}
	}
	found := false
	for _, vr := range p.restores {
		found = found || vr.VolumeName == controller.PersistentStateVolumeName && vr.PersistentVolumeClaimName == name && vr.VolumeSnapshotName == "vs-state"
	}
	if !found {
		t.Errorf("restores %+v, want the persistent state restored to %s from vs-state", p.restores, name)
	}
}

func TestPlanPersistentStateConflictsForANewVM(t *testing.T) {
	w, withState := stateWorld(world{claims: []*corev1.PersistentVolumeClaim{labelledFor("persistent-state-for-copy-x", "copy")}})
	in := w.input(testRestore(rename(kindVirtualMachine, "vm", "copy")), testSnapshot(""))
	withState(&in)
	p := buildPlan(in)
	if p.persistentState != nil || len(p.failing) != 1 || !strings.Contains(p.failing[0], "persistent-state-for-copy-x exists and holds the persistent TPM") {
		t.Fatalf("failing %v, step %+v; want a conflict with the claim labelled for copy", p.failing, p.persistentState)
	}
	if res := resultOf(p, kindClaim, PersistentStateClaimName("copy", restoreUID)); res.Result != snapshotapi.ResourceConflict {
		t.Errorf("resource %+v, want Conflict", res)
	}
}

func TestPlanPersistentStateInPlace(t *testing.T) {
	deleting := labelledFor("persistent-state-for-vm-gone", "vm")
	deleting.DeletionTimestamp = ptr.To(metav1.Now())
	own := labelledFor(PersistentStateClaimName("vm", restoreUID), "vm")
	own.OwnerReferences = []metav1.OwnerReference{ownerRef(testRestore())}
	for _, tc := range []struct {
		name         string
		claims       []*corev1.PersistentVolumeClaim
		wantReplaced []string
	}{
		{name: "the VM's labelled claim is replaced", claims: []*corev1.PersistentVolumeClaim{labelledFor("persistent-state-for-vm-abcde", "vm"), deleting},
			wantReplaced: []string{"persistent-state-for-vm-abcde"}},
		{name: "the legacy claim is replaced", claims: []*corev1.PersistentVolumeClaim{claimObject("persistent-state-for-vm", nil)},
			wantReplaced: []string{"persistent-state-for-vm"}},
		{name: "after the swap, the restored claim is not replaced", claims: []*corev1.PersistentVolumeClaim{own, deleting}},
		{name: "no claim yet"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, withState := stateWorld(world{target: liveSourceVM(), claims: tc.claims})
			in := w.input(testRestore(), testSnapshot(""))
			withState(&in)
			p := buildPlan(in)
			if !p.inPlace || len(p.blockers) > 0 || len(p.failing) > 0 {
				t.Fatalf("in place %v, blockers %+v, failing %v", p.inPlace, p.blockers, p.failing)
			}
			step := p.persistentState
			if step == nil || step.claim == nil || step.claim.Name != PersistentStateClaimName("vm", restoreUID) ||
				step.claim.Labels[controller.LabelPersistentStateFor] != "vm" {
				t.Fatalf("step %+v, want the restored claim labelled for vm", step)
			}
			var replaced []string
			for _, c := range step.replaces {
				replaced = append(replaced, c.Name)
				if res := resultOf(p, kindClaim, c.Name); res.Result != snapshotapi.ResourceReplaced {
					t.Errorf("resource %+v, want Replaced", res)
				}
			}
			if strings.Join(replaced, ",") != strings.Join(tc.wantReplaced, ",") {
				t.Errorf("replaces %v, want %v", replaced, tc.wantReplaced)
			}
		})
	}
}

// A snapshot of a VM that had never run holds no state: in place, the
// state the VM has gathered since is deleted, and nothing is created.
func TestPlanPersistentStateRecordedAbsent(t *testing.T) {
	w := world{target: liveSourceVM(), claims: []*corev1.PersistentVolumeClaim{labelledFor("persistent-state-for-vm-abcde", "vm")}}
	in := w.input(testRestore(), testSnapshot(""))
	in.content.Spec.ExcludedVolumes = []snapshotapi.ExcludedVolume{{Name: controller.PersistentStateVolumeName, Reason: "never ran"}}
	p := buildPlan(in)
	step := p.persistentState
	if step == nil || step.claim != nil || len(step.replaces) != 1 || step.replaces[0].Name != "persistent-state-for-vm-abcde" {
		t.Fatalf("step %+v, want the VM's claim deleted and none created", step)
	}

	in = w.input(testRestore(rename(kindVirtualMachine, "vm", "copy")), testSnapshot(""))
	in.target = nil
	in.content.Spec.ExcludedVolumes = []snapshotapi.ExcludedVolume{{Name: controller.PersistentStateVolumeName, Reason: "never ran"}}
	if p := buildPlan(in); p.persistentState != nil {
		t.Errorf("a new VM: step %+v, want none", p.persistentState)
	}
}

func TestPlanPersistentStateWaitsForItsVolumeSnapshot(t *testing.T) {
	w, withState := stateWorld(world{})
	w.volumeSnapshots = w.volumeSnapshots[:3]
	in := w.input(testRestore(rename(kindVirtualMachine, "vm", "copy")), testSnapshot(""))
	withState(&in)
	p := buildPlan(in)
	if len(p.blockers) != 1 || !strings.Contains(p.blockers[0].message, "VolumeSnapshot vs-state of volume "+controller.PersistentStateVolumeName+" does not exist") {
		t.Fatalf("blockers %+v, want one for vs-state", p.blockers)
	}
}

// stateSnapshotWorld is snapshotWorld whose content also holds the VM's
// backend storage.
func stateSnapshotWorld() []runtime.Object {
	objs := snapshotWorld()
	_, withState := stateWorld(world{})
	for i, o := range objs {
		if content, ok := o.(*snapshotapi.VirtualMachineSnapshotContent); ok {
			in := planInput{content: content}
			withState(&in)
			objs[i] = in.content
		}
	}
	return append(objs, readyVolumeSnapshot("vs-state", ""))
}

// In place, the restored backend-storage claim is created without its label
// before the commit; after it, the VM's own is deleted, and only then is
// the restored one labelled: KubeVirt never has two to choose from. A
// restart after the commit picks up where it stopped.
func TestSyncReplacesThePersistentStateInPlace(t *testing.T) {
	vm := lockedVM()
	vm.Spec.Template.Spec.Domain.Devices.TPM = &kubevirtv1.TPMDevice{Persistent: ptr.To(true)}
	old := labelledFor("persistent-state-for-vm-abcde", "vm")
	old.UID = "old-state"
	old.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(vm, kubevirtv1.VirtualMachineGroupVersionKind)}
	r := restoreObject(5*time.Minute, targetRecorded)
	objs := append(stateSnapshotWorld(), r, vm, old, secretObject("vm-ci", "#cloud-config", nil))
	f := newFixture(t, created.Add(time.Minute), objs...)
	var createdLabels []string
	f.kube.PrependReactor("create", "persistentvolumeclaims", func(a kubetesting.Action) (bool, runtime.Object, error) {
		claim := a.(kubetesting.CreateAction).GetObject().(*corev1.PersistentVolumeClaim)
		createdLabels = append(createdLabels, claim.Name+"="+claim.Labels[controller.LabelPersistentStateFor])
		return false, nil, nil
	})

	f.sync()
	name := PersistentStateClaimName("vm", restoreUID)
	want := "create persistentvolumeclaims,create persistentvolumeclaims,create persistentvolumeclaims,create persistentvolumeclaims," +
		"update virtualmachines,delete persistentvolumeclaims,patch persistentvolumeclaims,create datavolumes,"
	if !strings.HasPrefix(f.actions(), want) {
		t.Errorf("actions:\n got %s\nwant them to start with %s", f.actions(), want)
	}
	if got := createdLabels[len(createdLabels)-1]; got != name+"=" {
		t.Errorf("the last claim created is %q; want %s, created without the label", got, name)
	}
	claim, err := f.kube.CoreV1().PersistentVolumeClaims("ns").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil || claim.Labels[controller.LabelPersistentStateFor] != "vm" || !metav1.IsControlledBy(claim, vm) {
		t.Fatalf("restored claim %s (err %v): want it labelled for vm and controlled by it; got %+v", name, err, claim)
	}
	if _, err := f.kube.CoreV1().PersistentVolumeClaims("ns").Get(context.Background(), old.Name, metav1.GetOptions{}); err == nil {
		t.Error("the VM's old backend-storage claim was not deleted")
	}
	if st := f.status(); st.Phase != snapshotapi.RestoreReady {
		t.Errorf("phase %s, want Ready", st.Phase)
	}
}

func TestSyncReplacesThePersistentStateAfterARestartPastTheCommit(t *testing.T) {
	vm := lockedVM()
	vm.Annotations = map[string]string{AnnLastRestoreUID: string(restoreUID)}
	old := labelledFor("persistent-state-for-vm-abcde", "vm")
	old.UID = "old-state"
	unlabelled := restoreOwned(claimObject(PersistentStateClaimName("vm", restoreUID), map[string]string{LabelRestoreUID: string(restoreUID)}))
	r := restoreObject(5*time.Minute, targetRecorded, func(r *snapshotapi.VirtualMachineRestore) { r.Status.Phase = snapshotapi.RestoreInProgress })
	f := newFixture(t, created.Add(time.Minute), append(stateSnapshotWorld(), r, vm, old, unlabelled, secretObject("vm-ci", "#cloud-config", nil))...)

	f.sync()
	if want := "delete persistentvolumeclaims,patch persistentvolumeclaims,"; !strings.HasPrefix(f.actions(), want) {
		t.Errorf("actions:\n got %s\nwant them to start with %s", f.actions(), want)
	}
	claim, err := f.kube.CoreV1().PersistentVolumeClaims("ns").Get(context.Background(), unlabelled.Name, metav1.GetOptions{})
	if err != nil || claim.Labels[controller.LabelPersistentStateFor] != "vm" {
		t.Errorf("restored claim (err %v) labelled %v; want it labelled for vm", err, claim.Labels)
	}
}

// Each write that replaces the backend-storage claim in place, or makes and
// hands over the instancetype revisions of a new VM, failing once (refused,
// or landed with its answer lost) with a restart right after: the next
// syncs still end Ready, with one labelled state claim and the revisions
// the new VM's.
func TestStateAndRevisionWritesSurviveAFailureAndARestart(t *testing.T) {
	inPlace := func(t *testing.T) *fixture {
		vm := lockedVM()
		vm.Spec.Template.Spec.Domain.Devices.TPM = &kubevirtv1.TPMDevice{Persistent: ptr.To(true)}
		old := labelledFor("persistent-state-for-vm-abcde", "vm")
		old.UID = "old-state"
		old.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(vm, kubevirtv1.VirtualMachineGroupVersionKind)}
		return newFixture(t, created.Add(time.Minute), append(stateSnapshotWorld(), restoreObject(5*time.Minute, targetRecorded), vm, old,
			secretObject("vm-ci", "#cloud-config", nil))...)
	}
	newVM := func(t *testing.T) *fixture {
		r := restoreObject(5*time.Minute, withSpec(rename("VirtualMachine", "vm", "vm2")), withSpec(rename("", "vm-disk0", "vm2-disk0")),
			withSpec(rename("", "vm-dv1", "vm2-dv1")), withSpec(rename("", "vm-hot", "vm2-hot")), withSpec(rename("", "vm-ci", "vm2-ci")))
		return newFixture(t, created.Add(time.Second), append(revisionWorld(), r)...)
	}
	stateReplaced := func(t *testing.T, f *fixture) {
		claims, _ := f.kube.CoreV1().PersistentVolumeClaims("ns").List(context.Background(), metav1.ListOptions{})
		var labelled []string
		for _, c := range claims.Items {
			if c.Labels[controller.LabelPersistentStateFor] == "vm" {
				labelled = append(labelled, c.Name)
			}
		}
		if want := PersistentStateClaimName("vm", restoreUID); len(labelled) != 1 || labelled[0] != want {
			t.Errorf("claims labelled for vm: %v; want only %s", labelled, want)
		}
	}
	revisionsMade := func(t *testing.T, f *fixture) {
		vm := f.vm("vm2")
		for _, m := range []snapshotapi.InstancetypeMatcher{snapshotapi.MatcherInstancetype, snapshotapi.MatcherPreference} {
			rev, err := f.kube.AppsV1().ControllerRevisions("ns").Get(context.Background(), RestoredRevisionName(restoreUID, m), metav1.GetOptions{})
			if err != nil || !metav1.IsControlledBy(rev, vm) || ours(testRestore(), rev) {
				t.Errorf("%s revision (err %v): want it controlled by vm2 and handed over; got %+v", m, err, rev)
			}
		}
	}
	for _, tc := range []struct {
		verb, resource string
		world          func(*testing.T) *fixture
		check          func(*testing.T, *fixture)
	}{
		{"delete", "persistentvolumeclaims", inPlace, stateReplaced},
		{"patch", "persistentvolumeclaims", inPlace, stateReplaced},
		{"create", "controllerrevisions", newVM, revisionsMade},
		{"patch", "controllerrevisions", newVM, revisionsMade},
	} {
		for mode, fault := range map[string]*controllertest.Fault{
			"refused":             {Err: controllertest.APIErrors()["InternalError"], Times: 1},
			"landed, answer lost": {Err: controllertest.APIErrors()["Timeout"], Times: 1, Landed: true},
		} {
			t.Run(tc.verb+" "+tc.resource+", "+mode, func(t *testing.T) {
				f := tc.world(t)
				fault.Verb, fault.Resource = tc.verb, tc.resource
				controllertest.Inject(f.kube, fault)
				_, _ = f.syncErr()
				if fault.Applied() != 1 {
					t.Fatalf("the fault failed %d calls, want 1", fault.Applied())
				}
				f = f.restarted(created.Add(2 * time.Minute))
				f.sync()
				f.sync()
				if st := f.status(); st.Phase != snapshotapi.RestoreReady {
					t.Fatalf("phase %s, Ready %+v; want Ready", st.Phase, ready(st))
				}
				tc.check(t, f)
			})
		}
	}
}
