/*
Copyright The vmsnap Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package controller

import (
	"encoding/json"
	"fmt"
	"reflect"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kubevirtv1 "kubevirt.io/api/core/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
)

// InstancetypeMatchers are the fields of a VM spec that point at an
// instancetype or a preference, each of which KubeVirt copies into a
// ControllerRevision of the VM when it first uses it.
var InstancetypeMatchers = []snapshotapi.InstancetypeMatcher{snapshotapi.MatcherInstancetype, snapshotapi.MatcherPreference}

// InstancetypeRef is what a VM says of one of its matchers.
type InstancetypeRef struct {
	// Kind and Name of the instancetype or preference the VM names.
	Kind, Name string
	// Revision is the ControllerRevision the VM runs from: the matcher's
	// revisionName, else the one KubeVirt recorded in the VM's status for
	// the same object; empty when KubeVirt has stored none yet.
	Revision string
}

// InstancetypeRefOf reads a matcher of a VM; false when the VM has none.
// KubeVirt finds the revision the same way: revisionName first, then the
// status reference, trusted only while it is of the object the spec names.
func InstancetypeRefOf(vm *kubevirtv1.VirtualMachine, m snapshotapi.InstancetypeMatcher) (InstancetypeRef, bool) {
	var matcher kubevirtv1.Matcher
	var status *kubevirtv1.InstancetypeStatusRef
	switch m {
	case snapshotapi.MatcherInstancetype:
		if vm.Spec.Instancetype == nil {
			return InstancetypeRef{}, false
		}
		matcher, status = vm.Spec.Instancetype, vm.Status.InstancetypeRef
	case snapshotapi.MatcherPreference:
		if vm.Spec.Preference == nil {
			return InstancetypeRef{}, false
		}
		matcher, status = vm.Spec.Preference, vm.Status.PreferenceRef
	default:
		return InstancetypeRef{}, false
	}
	ref := InstancetypeRef{Kind: matcher.GetKind(), Name: matcher.GetName(), Revision: matcher.GetRevisionName()}
	if ref.Revision == "" && status != nil && status.ControllerRevisionRef != nil && status.Name == ref.Name {
		ref.Revision = status.ControllerRevisionRef.Name
	}
	return ref, true
}

// SetInstancetypeRevision points a matcher of a VM spec at a revision; a
// spec without the matcher is left as it is.
func SetInstancetypeRevision(spec *kubevirtv1.VirtualMachineSpec, m snapshotapi.InstancetypeMatcher, revision string) {
	switch {
	case m == snapshotapi.MatcherInstancetype && spec.Instancetype != nil:
		spec.Instancetype.RevisionName = revision
	case m == snapshotapi.MatcherPreference && spec.Preference != nil:
		spec.Preference.RevisionName = revision
	}
}

// RevisionData is the JSON of a ControllerRevision's data, whether the
// client left it raw or decoded.
func RevisionData(rev *appsv1.ControllerRevision) ([]byte, error) {
	if len(rev.Data.Raw) > 0 || rev.Data.Object == nil {
		return rev.Data.Raw, nil
	}
	raw, err := json.Marshal(rev.Data.Object)
	if err != nil {
		return nil, fmt.Errorf("encoding the data of ControllerRevision %s: %w", rev.Name, err)
	}
	return raw, nil
}

// SameInstancetypeData reports whether two revisions' data hold the same
// object: the same kind and name, and the same spec. KubeVirt compares
// revisions by their spec; the kind and name count too, since a VM whose
// matcher names another object must not be pointed at this one.
func SameInstancetypeData(a, b runtime.RawExtension) bool {
	type object struct {
		Kind     string `json:"kind"`
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
		Spec interface{} `json:"spec"`
	}
	var x, y object
	if json.Unmarshal(a.Raw, &x) != nil || json.Unmarshal(b.Raw, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
