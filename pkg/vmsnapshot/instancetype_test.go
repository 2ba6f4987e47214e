package vmsnapshot

import (
	"context"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kubevirtv1 "kubevirt.io/api/core/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
)

const instancetypeJSON = `{"apiVersion":"instancetype.kubevirt.io/v1beta1","kind":"VirtualMachineInstancetype","metadata":{"name":"small"},"spec":{"cpu":{"guest":1}}}`

// vmWithInstancetype uses the instancetype "small", whose revision KubeVirt
// recorded in the status, and the preference "pref", whose revision the
// matcher names.
func vmWithInstancetype(preferenceRevision string) *kubevirtv1.VirtualMachine {
	vm := vmWithVolumes(pvcVolume("root", "root-pvc"))
	vm.Spec.Instancetype = &kubevirtv1.InstancetypeMatcher{Kind: "VirtualMachineInstancetype", Name: "small"}
	vm.Status.InstancetypeRef = &kubevirtv1.InstancetypeStatusRef{Name: "small", ControllerRevisionRef: &kubevirtv1.ControllerRevisionRef{Name: "vm-small-1"}}
	vm.Spec.Preference = &kubevirtv1.PreferenceMatcher{Kind: "VirtualMachinePreference", Name: "pref", RevisionName: preferenceRevision}
	return vm
}

func TestSyncCapturesTheInstancetypeRevisions(t *testing.T) {
	instancetype := &appsv1.ControllerRevision{
		ObjectMeta: metav1.ObjectMeta{Name: "vm-small-1", Namespace: "ns", Labels: map[string]string{"instancetype.kubevirt.io/object-name": "small"}},
		Data:       runtime.RawExtension{Raw: []byte(instancetypeJSON)},
	}
	preference := &appsv1.ControllerRevision{
		ObjectMeta: metav1.ObjectMeta{Name: "vm-pref-1", Namespace: "ns"},
		Data:       runtime.RawExtension{Raw: []byte(`{"kind":"VirtualMachinePreference","metadata":{"name":"pref"},"spec":{}}`)},
	}
	f := newFixture(t, created.Add(time.Minute), append(storageObjects(), vmWithInstancetype("vm-pref-1"), newSnapshot(5*time.Minute), instancetype, preference)...)
	if _, err := f.c.sync(context.Background(), "ns/snap"); err != nil {
		t.Fatal(err)
	}
	content, err := f.vmsnap.SnapshotV1alpha1().VirtualMachineSnapshotContents("ns").Get(context.Background(), ContentName(newSnapshot(0)), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := content.Spec.InstancetypeRevisions
	if len(got) != 2 ||
		got[0].Matcher != snapshotapi.MatcherInstancetype || got[0].Name != "vm-small-1" || string(got[0].Data.Raw) != instancetypeJSON ||
		got[0].Labels["instancetype.kubevirt.io/object-name"] != "small" ||
		got[1].Matcher != snapshotapi.MatcherPreference || got[1].Name != "vm-pref-1" {
		t.Errorf("captured %+v; want both revisions with their labels and data", got)
	}
}

// A VM whose revision KubeVirt has not stored, or whose revision is gone,
// is not locked: the snapshot waits, saying which.
func TestSyncWaitsForTheInstancetypeRevisions(t *testing.T) {
	for _, tc := range []struct {
		name, preferenceRevision, want string
	}{
		{"not stored yet", "", "KubeVirt has not stored the preference pref of VirtualMachine vm in a ControllerRevision yet"},
		{"gone", "vm-pref-0", "ControllerRevision vm-pref-0 of the preference pref of VirtualMachine vm does not exist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			instancetype := &appsv1.ControllerRevision{ObjectMeta: metav1.ObjectMeta{Name: "vm-small-1", Namespace: "ns"},
				Data: runtime.RawExtension{Raw: []byte(instancetypeJSON)}}
			f := newFixture(t, created.Add(time.Minute), append(storageObjects(), vmWithInstancetype(tc.preferenceRevision), newSnapshot(5*time.Minute), instancetype)...)
			if _, err := f.c.sync(context.Background(), "ns/snap"); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(f.actions(), ","); got != "update virtualmachinesnapshots/status" {
				t.Errorf("actions %s; want the status alone: the VM is not locked", got)
			}
			st := f.status("snap")
			progressing := meta(st.Conditions, "Progressing")
			if st.Phase != snapshotapi.SnapshotPending || progressing == nil || progressing.Reason != ReasonInstancetypeNotStored ||
				!strings.Contains(progressing.Message, tc.want) {
				t.Errorf("phase %s, Progressing %+v; want Pending with reason %s saying %q", st.Phase, progressing, ReasonInstancetypeNotStored, tc.want)
			}
		})
	}
}
