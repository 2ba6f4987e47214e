package restore

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
)

// instancetypeData is the data of a revision of an instancetype of cpus vCPUs.
func instancetypeData(name string, cpus int) runtime.RawExtension {
	return runtime.RawExtension{Raw: fmt.Appendf(nil,
		`{"apiVersion":"instancetype.kubevirt.io/v1beta1","kind":"VirtualMachineInstancetype","metadata":{"name":%q,"uid":"it-uid"},"spec":{"cpu":{"guest":%d}}}`, name, cpus)}
}

var preferenceData = runtime.RawExtension{Raw: []byte(
	`{"apiVersion":"instancetype.kubevirt.io/v1beta1","kind":"VirtualMachinePreference","metadata":{"name":"pref"},"spec":{"devices":{"preferredDiskBus":"virtio"}}}`)}

// withMatchers gives a VM the instancetype "small" and the preference
// "pref", run from the revisions KubeVirt recorded in its status.
func withMatchers(vm *kubevirtv1.VirtualMachine, instancetypeRevision, preferenceRevision string) *kubevirtv1.VirtualMachine {
	vm.Spec.Instancetype = &kubevirtv1.InstancetypeMatcher{Kind: "VirtualMachineInstancetype", Name: "small"}
	vm.Spec.Preference = &kubevirtv1.PreferenceMatcher{Kind: "VirtualMachinePreference", Name: "pref"}
	vm.Status.InstancetypeRef = &kubevirtv1.InstancetypeStatusRef{Name: "small", ControllerRevisionRef: &kubevirtv1.ControllerRevisionRef{Name: instancetypeRevision}}
	vm.Status.PreferenceRef = &kubevirtv1.InstancetypeStatusRef{Name: "pref", ControllerRevisionRef: &kubevirtv1.ControllerRevisionRef{Name: preferenceRevision}}
	return vm
}

func TestPlanRevisions(t *testing.T) {
	labels := map[string]string{"instancetype.kubevirt.io/object-name": "small"}
	captured := []snapshotapi.InstancetypeRevision{
		{Matcher: snapshotapi.MatcherInstancetype, Name: "vm-small-1", Labels: labels, Data: instancetypeData("small", 1)},
		{Matcher: snapshotapi.MatcherPreference, Name: "vm-pref-1", Data: preferenceData},
	}
	made := func(m snapshotapi.InstancetypeMatcher) string { return RestoredRevisionName(restoreUID, m) }
	revision := func(name string, data runtime.RawExtension) *appsv1.ControllerRevision {
		return &appsv1.ControllerRevision{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"}, Data: data}
	}
	tests := []struct {
		name   string
		target *kubevirtv1.VirtualMachine
		live   []*appsv1.ControllerRevision
		rename bool
		// want is the revision each matcher points at, and its result.
		want map[snapshotapi.InstancetypeMatcher]snapshotapi.RestoredResource
	}{{
		name:   "a new VM gets revisions of its own",
		rename: true,
		want: map[snapshotapi.InstancetypeMatcher]snapshotapi.RestoredResource{
			snapshotapi.MatcherInstancetype: {Name: made(snapshotapi.MatcherInstancetype), Result: snapshotapi.ResourceCreated},
			snapshotapi.MatcherPreference:   {Name: made(snapshotapi.MatcherPreference), Result: snapshotapi.ResourceCreated},
		},
	}, {
		name:   "in place, the VM keeps revisions that hold the captured objects",
		target: withMatchers(liveSourceVM(), "vm-small-1", "vm-pref-1"),
		live:   []*appsv1.ControllerRevision{revision("vm-small-1", instancetypeData("small", 1)), revision("vm-pref-1", preferenceData)},
		want: map[snapshotapi.InstancetypeMatcher]snapshotapi.RestoredResource{
			snapshotapi.MatcherInstancetype: {Name: "vm-small-1", Result: snapshotapi.ResourceUnchanged},
			snapshotapi.MatcherPreference:   {Name: "vm-pref-1", Result: snapshotapi.ResourceUnchanged},
		},
	}, {
		name:   "in place, a changed instancetype is made again; the same preference is kept",
		target: withMatchers(liveSourceVM(), "vm-small-2", "vm-pref-1"),
		live:   []*appsv1.ControllerRevision{revision("vm-small-2", instancetypeData("small", 4)), revision("vm-pref-1", preferenceData)},
		want: map[snapshotapi.InstancetypeMatcher]snapshotapi.RestoredResource{
			snapshotapi.MatcherInstancetype: {Name: made(snapshotapi.MatcherInstancetype), Result: snapshotapi.ResourceCreated},
			snapshotapi.MatcherPreference:   {Name: "vm-pref-1", Result: snapshotapi.ResourceUnchanged},
		},
	}, {
		name:   "in place, another instancetype of the same spec is not the captured one",
		target: withMatchers(liveSourceVM(), "vm-other-1", "gone"),
		live:   []*appsv1.ControllerRevision{revision("vm-other-1", instancetypeData("other", 1))},
		want: map[snapshotapi.InstancetypeMatcher]snapshotapi.RestoredResource{
			snapshotapi.MatcherInstancetype: {Name: made(snapshotapi.MatcherInstancetype), Result: snapshotapi.ResourceCreated},
			snapshotapi.MatcherPreference:   {Name: made(snapshotapi.MatcherPreference), Result: snapshotapi.ResourceCreated},
		},
	}, {
		name:   "in place, after the commit the VM runs from the restore's own revisions, still made by it",
		target: withMatchers(liveSourceVM(), made(snapshotapi.MatcherInstancetype), "vm-pref-1"),
		live:   []*appsv1.ControllerRevision{revision(made(snapshotapi.MatcherInstancetype), instancetypeData("small", 1)), revision("vm-pref-1", preferenceData)},
		want: map[snapshotapi.InstancetypeMatcher]snapshotapi.RestoredResource{
			snapshotapi.MatcherInstancetype: {Name: made(snapshotapi.MatcherInstancetype), Result: snapshotapi.ResourceCreated},
			snapshotapi.MatcherPreference:   {Name: "vm-pref-1", Result: snapshotapi.ResourceUnchanged},
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := testRestore()
			if tc.rename {
				r = testRestore(rename("VirtualMachine", "vm", "vm2"), rename("", "vm-disk0", "vm2-disk0"), rename("", "vm-dv1", "vm2-dv1"),
					rename("", "vm-hot", "vm2-hot"), rename("", "vm-ci", "vm2-ci"))
			}
			in := world{target: tc.target}.input(r, testSnapshot(snapshotapi.KeepIPAddressNever))
			withMatchers(in.content.Spec.Source.VirtualMachine, "vm-small-1", "vm-pref-1")
			in.content.Spec.InstancetypeRevisions = captured
			in.revision = func(name string) *appsv1.ControllerRevision { return find(tc.live, name) }
			p := buildPlan(in)
			if len(p.blockers) > 0 || len(p.conflicts) > 0 {
				t.Fatalf("blockers %+v, conflicts %v", p.blockers, p.conflicts)
			}
			for m, want := range tc.want {
				if got := p.revisionOf[m]; got != want.Name {
					t.Errorf("%s: the VM points at %q, want %q", m, got, want.Name)
				}
				if got := resultOf(p, kindRevision, want.Name); got.Result != want.Result || got.Message == "" {
					t.Errorf("%s: ControllerRevision %s is %s (%q), want %s with a message", m, want.Name, got.Result, got.Message, want.Result)
				}
			}
			if got := p.vm.Spec.Instancetype.RevisionName; got != tc.want[snapshotapi.MatcherInstancetype].Name {
				t.Errorf("the restored VM's spec.instancetype.revisionName is %q, want %q", got, tc.want[snapshotapi.MatcherInstancetype].Name)
			}
			if got := p.vm.Spec.Preference.RevisionName; got != tc.want[snapshotapi.MatcherPreference].Name {
				t.Errorf("the restored VM's spec.preference.revisionName is %q, want %q", got, tc.want[snapshotapi.MatcherPreference].Name)
			}
			for _, rev := range p.revisions {
				c := captured[0]
				if rev.Name == made(snapshotapi.MatcherPreference) {
					c = captured[1]
				}
				if string(rev.Data.Raw) != string(c.Data.Raw) || rev.Labels[LabelRestoreUID] != string(restoreUID) ||
					!ours(r, rev) || rev.Namespace != "ns" {
					t.Errorf("revision %s: %+v; want the captured data of %s, labelled and owned by the restore", rev.Name, rev, c.Name)
				}
				for k, v := range c.Labels {
					if rev.Labels[k] != v {
						t.Errorf("revision %s has labels %v, want KubeVirt's %v too", rev.Name, rev.Labels, c.Labels)
					}
				}
			}
		})
	}
}

// revisionWorld is snapshotWorld whose content captured the instancetype
// and preference revisions of a VM that used them.
func revisionWorld() []runtime.Object {
	objs := snapshotWorld()
	content := testContent()
	withMatchers(content.Spec.Source.VirtualMachine, "vm-small-1", "vm-pref-1")
	content.Spec.InstancetypeRevisions = []snapshotapi.InstancetypeRevision{
		{Matcher: snapshotapi.MatcherInstancetype, Name: "vm-small-1", Data: instancetypeData("small", 1)},
		{Matcher: snapshotapi.MatcherPreference, Name: "vm-pref-1", Data: preferenceData},
	}
	for i, o := range objs {
		if _, ok := o.(*snapshotapi.VirtualMachineSnapshotContent); ok {
			objs[i] = content
		}
	}
	return objs
}

func TestSyncCreatesANewVMWithItsRevisions(t *testing.T) {
	r := restoreObject(5*time.Minute, withSpec(rename("VirtualMachine", "vm", "vm2")), withSpec(rename("", "vm-disk0", "vm2-disk0")),
		withSpec(rename("", "vm-dv1", "vm2-dv1")), withSpec(rename("", "vm-hot", "vm2-hot")), withSpec(rename("", "vm-ci", "vm2-ci")))
	f := newFixture(t, created.Add(time.Second), append(revisionWorld(), r)...)
	if requeue := f.sync(); requeue != 0 {
		t.Errorf("requeue %s, want none once Ready", requeue)
	}
	// The revisions come after the VM, whose controller reference they
	// carry, and are handed over with the rest.
	for _, want := range []string{"create virtualmachines,create controllerrevisions,create controllerrevisions,create datavolumes",
		"patch controllerrevisions,patch controllerrevisions"} {
		if !strings.Contains(f.actions(), want) {
			t.Errorf("actions %s; want %s among them", f.actions(), want)
		}
	}
	if st := f.status(); st.Phase != snapshotapi.RestoreReady {
		t.Fatalf("status %+v; want Ready", st)
	}
	vm := f.vm("vm2")
	for m, got := range map[snapshotapi.InstancetypeMatcher]string{
		snapshotapi.MatcherInstancetype: vm.Spec.Instancetype.RevisionName, snapshotapi.MatcherPreference: vm.Spec.Preference.RevisionName,
	} {
		name := RestoredRevisionName(restoreUID, m)
		if got != name {
			t.Errorf("the new VM's %s revision is %q, want %s", m, got, name)
		}
		rev, err := f.kube.AppsV1().ControllerRevisions("ns").Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !metav1.IsControlledBy(rev, vm) || ours(r, rev) {
			t.Errorf("ControllerRevision %s has owners %v; want the new VM as controller, and the restore's reference dropped", name, rev.OwnerReferences)
		}
	}
}

// A restore deleted mid-way removes the revision it made unless the VM runs
// from it already (the commit happened), in which case it hands it over.
func TestSyncDeletionSettlesTheRevisionsItMade(t *testing.T) {
	made := RestoredRevisionName(restoreUID, snapshotapi.MatcherInstancetype)
	for _, tc := range []struct {
		name      string
		committed bool
		want      string
	}{
		{"before the commit", false, "delete controllerrevisions"},
		{"after the commit", true, "patch controllerrevisions"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vm := withMatchers(liveSourceVM(), "vm-small-2", "vm-pref-1")
			vm.Spec.RunStrategy = ptr.To(kubevirtv1.RunStrategyHalted)
			vm.Status.RestoreInProgress = ptr.To("restore")
			if tc.committed {
				vm.Spec.Instancetype.RevisionName = made
			}
			r := restoreObject(5*time.Minute, func(r *snapshotapi.VirtualMachineRestore) {
				r.Status.Phase, r.Status.TargetName = snapshotapi.RestoreInProgress, ptr.To("vm")
				r.DeletionTimestamp = ptr.To(metav1.NewTime(created.Add(time.Minute)))
			})
			rev := restoreOwned(&appsv1.ControllerRevision{ObjectMeta: metav1.ObjectMeta{Name: made, Namespace: "ns"}, Data: instancetypeData("small", 1)})
			f := newFixture(t, created.Add(time.Minute), append(revisionWorld(), r, vm, rev)...)
			f.sync()
			if !strings.Contains(f.actions(), tc.want) {
				t.Errorf("actions %s; want %s", f.actions(), tc.want)
			}
		})
	}
}

// A content brought by a user may hold revisions of matchers its VM does not
// have: nothing is made of them.
func TestPlanRevisionsOnlyForTheVMsMatchers(t *testing.T) {
	in := world{target: liveSourceVM()}.input(testRestore(), testSnapshot(snapshotapi.KeepIPAddressNever))
	in.content.Spec.InstancetypeRevisions = []snapshotapi.InstancetypeRevision{
		{Matcher: snapshotapi.MatcherInstancetype, Name: "vm-small-1", Data: instancetypeData("small", 1)},
	}
	in.revision = func(string) *appsv1.ControllerRevision { return nil }
	p := buildPlan(in)
	if len(p.revisions) != 0 || len(p.revisionOf) != 0 || p.vm.Spec.Instancetype != nil {
		t.Errorf("revisions %v, revisionOf %v, instancetype %+v; want none for a VM without an instancetype", p.revisions, p.revisionOf, p.vm.Spec.Instancetype)
	}
}
