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
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
)

// ContentHolds reports whether an object a snapshot's content names (a
// VolumeSnapshot or a Secret copy) holds the content's data. The
// controller makes each under the content's controller reference; their
// names are predictable, so one made by anyone else is never taken for the
// content's. A content the user brought (a snapshot bound to it, an
// import) names objects the user made, which nothing controls.
func ContentHolds(snap *snapshotapi.VirtualMachineSnapshot, content *snapshotapi.VirtualMachineSnapshotContent, obj metav1.Object) bool {
	if metav1.IsControlledBy(obj, content) {
		return true
	}
	return snap.Spec.Source.Kind == "VirtualMachineSnapshotContent" && metav1.GetControllerOf(obj) == nil
}

// BackupHolds reports whether a VolumeSnapshot holds a volume backup's
// data: the content holds it, or, for a disk cut in a group, it was cut in
// the group the backup names (GroupOwner; snapshot-controller names a
// group's VolumeSnapshots itself, and the content records them only once
// it saw them in the group).
func BackupHolds(snap *snapshotapi.VirtualMachineSnapshot, content *snapshotapi.VirtualMachineSnapshotContent,
	b snapshotapi.VolumeBackup, vs metav1.Object,
) bool {
	if ContentHolds(snap, content, vs) {
		return true
	}
	ref := GroupOwner(vs)
	return b.VolumeGroupSnapshotName != nil && ref != nil && ref.Name == *b.VolumeGroupSnapshotName
}

// GroupOwner returns the reference to the VolumeGroupSnapshot a
// VolumeSnapshot was cut in, if any. snapshot-controller makes a group's
// VolumeSnapshots with an owner reference to the group that is not a
// controller reference.
func GroupOwner(obj metav1.Object) *metav1.OwnerReference {
	for i, ref := range obj.GetOwnerReferences() {
		if ref.Kind == "VolumeGroupSnapshot" && strings.HasPrefix(ref.APIVersion, "groupsnapshot.storage.k8s.io/") {
			return &obj.GetOwnerReferences()[i]
		}
	}
	return nil
}
