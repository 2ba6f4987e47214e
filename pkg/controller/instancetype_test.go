package controller

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kubevirtv1 "kubevirt.io/api/core/v1"
	instancetypev1beta1 "kubevirt.io/api/instancetype/v1beta1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
)

func TestInstancetypeRefOf(t *testing.T) {
	stored := &kubevirtv1.InstancetypeStatusRef{Name: "small", ControllerRevisionRef: &kubevirtv1.ControllerRevisionRef{Name: "vm-small-1"}}
	for _, tc := range []struct {
		name    string
		matcher *kubevirtv1.InstancetypeMatcher
		status  *kubevirtv1.InstancetypeStatusRef
		want    InstancetypeRef
		uses    bool
	}{
		{name: "no matcher", status: stored},
		{name: "the matcher's revision first", matcher: &kubevirtv1.InstancetypeMatcher{Name: "small", RevisionName: "pinned"}, status: stored,
			want: InstancetypeRef{Name: "small", Revision: "pinned"}, uses: true},
		{name: "else the status's", matcher: &kubevirtv1.InstancetypeMatcher{Kind: "VirtualMachineInstancetype", Name: "small"}, status: stored,
			want: InstancetypeRef{Kind: "VirtualMachineInstancetype", Name: "small", Revision: "vm-small-1"}, uses: true},
		{name: "not the status's of another object", matcher: &kubevirtv1.InstancetypeMatcher{Name: "large"}, status: stored,
			want: InstancetypeRef{Name: "large"}, uses: true},
		{name: "none stored yet", matcher: &kubevirtv1.InstancetypeMatcher{Name: "small"},
			want: InstancetypeRef{Name: "small"}, uses: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vm := &kubevirtv1.VirtualMachine{Spec: kubevirtv1.VirtualMachineSpec{Instancetype: tc.matcher}}
			vm.Status.InstancetypeRef = tc.status
			got, uses := InstancetypeRefOf(vm, snapshotapi.MatcherInstancetype)
			if got != tc.want || uses != tc.uses {
				t.Errorf("got %+v, %t; want %+v, %t", got, uses, tc.want, tc.uses)
			}
			if _, uses := InstancetypeRefOf(vm, snapshotapi.MatcherPreference); uses {
				t.Error("the VM has no preference")
			}
		})
	}
}

func TestSetInstancetypeRevision(t *testing.T) {
	spec := kubevirtv1.VirtualMachineSpec{Preference: &kubevirtv1.PreferenceMatcher{Name: "pref"}}
	SetInstancetypeRevision(&spec, snapshotapi.MatcherPreference, "rev")
	SetInstancetypeRevision(&spec, snapshotapi.MatcherInstancetype, "other")
	if spec.Preference.RevisionName != "rev" || spec.Instancetype != nil {
		t.Errorf("spec %+v; want the preference pointed at rev and no instancetype added", spec)
	}
}

func TestSameInstancetypeData(t *testing.T) {
	raw := func(s string) runtime.RawExtension { return runtime.RawExtension{Raw: []byte(s)} }
	base := raw(`{"kind":"VirtualMachineInstancetype","metadata":{"name":"small","uid":"a","generation":1},"spec":{"cpu":{"guest":1}}}`)
	for _, tc := range []struct {
		name  string
		other runtime.RawExtension
		want  bool
	}{
		{"another UID and generation, same spec", raw(`{"kind":"VirtualMachineInstancetype","metadata":{"name":"small","uid":"b","generation":3},"spec":{"cpu":{"guest":1}}}`), true},
		{"another spec", raw(`{"kind":"VirtualMachineInstancetype","metadata":{"name":"small"},"spec":{"cpu":{"guest":2}}}`), false},
		{"another object", raw(`{"kind":"VirtualMachineInstancetype","metadata":{"name":"large"},"spec":{"cpu":{"guest":1}}}`), false},
		{"another kind", raw(`{"kind":"VirtualMachineClusterInstancetype","metadata":{"name":"small"},"spec":{"cpu":{"guest":1}}}`), false},
		{"no JSON", raw(`not json`), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := SameInstancetypeData(base, tc.other); got != tc.want {
				t.Errorf("got %t, want %t", got, tc.want)
			}
		})
	}
}

func TestRevisionDataOfADecodedObject(t *testing.T) {
	rev := &appsv1.ControllerRevision{Data: runtime.RawExtension{Object: &instancetypev1beta1.VirtualMachineInstancetype{
		Spec: instancetypev1beta1.VirtualMachineInstancetypeSpec{CPU: instancetypev1beta1.CPUInstancetype{Guest: 2}},
	}}}
	data, err := RevisionData(rev)
	if err != nil {
		t.Fatal(err)
	}
	if !SameInstancetypeData(runtime.RawExtension{Raw: data}, runtime.RawExtension{Raw: []byte(`{"metadata":{},"spec":{"cpu":{"guest":2},"memory":{"guest":"0"}}}`)}) {
		t.Errorf("data %s; want the object's JSON", data)
	}
}
