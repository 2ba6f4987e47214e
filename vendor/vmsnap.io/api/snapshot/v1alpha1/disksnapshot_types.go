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

package v1alpha1

import (
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// VirtualDiskSnapshot is a request for a point-in-time snapshot of one disk:
// a PersistentVolumeClaim, or a CDI DataVolume by the claim it owns. A
// PersistentVolumeClaim whose dataSourceRef names the VirtualDiskSnapshot is
// populated from it.
//
// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=vdsnapshot;vdsnapshots,categories=vmsnap;all
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Consistent",type=boolean,JSONPath=`.status.consistent`
// +kubebuilder:printcolumn:name="Disk",type=string,JSONPath=`.spec.virtualDiskName`,priority=1
// +kubebuilder:printcolumn:name="VolumeSnapshot",type=string,JSONPath=`.status.volumeSnapshotName`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// Its name is at most 63 characters long: it labels the snapshot's
// VolumeSnapshot.
// +kubebuilder:validation:XValidation:rule="size(self.metadata.name) <= 63",message="metadata.name must be at most 63 characters: it labels the snapshot's VolumeSnapshot"
type VirtualDiskSnapshot struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec says which disk to snapshot and how. It cannot be changed after
	// creation.
	// +required
	Spec VirtualDiskSnapshotSpec `json:"spec"`

	// status is what the controller observed and did.
	// +optional
	Status VirtualDiskSnapshotStatus `json:"status,omitempty"`
}

// VirtualDiskSnapshotSpec says which disk to snapshot and how.
// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec is immutable: create a new VirtualDiskSnapshot instead"
type VirtualDiskSnapshotSpec struct {
	// virtualDiskName is the disk to snapshot: the name of a
	// PersistentVolumeClaim, or of a CDI DataVolume (its claim is snapshotted),
	// in the snapshot's namespace.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	VirtualDiskName string `json:"virtualDiskName"`

	// volumeSnapshotClassName is the VolumeSnapshotClass to use. When empty,
	// the class whose driver is the disk's StorageClass provisioner and that is
	// annotated as the default is used.
	// +optional
	VolumeSnapshotClassName *string `json:"volumeSnapshotClassName,omitempty"`

	// requiredConsistency, when true (the default), takes the snapshot only
	// when it is consistent: the disk is attached to no VM, its VM is stopped,
	// or the VM's guest agent froze the filesystems. When false, a disk of a
	// running VM without a guest agent gets a crash-consistent snapshot.
	// +optional
	// +kubebuilder:default=true
	RequiredConsistency *bool `json:"requiredConsistency,omitempty"`

	// failureDeadline is how long the snapshot may take before it is marked
	// Failed and what it created is removed. "0" means no deadline.
	// Default: 5m.
	// +optional
	// +kubebuilder:default="5m"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('0s')",message="failureDeadline must be a non-negative duration such as 90s or 10m"
	FailureDeadline *metav1.Duration `json:"failureDeadline,omitempty"`
}

// VirtualDiskSnapshotStatus is what the controller observed and did.
type VirtualDiskSnapshotStatus struct {
	// phase is where the snapshot is in its life: Pending, InProgress, Ready,
	// Failed or Terminating.
	// +optional
	Phase SnapshotPhase `json:"phase,omitempty"`

	// readyToUse is true when the VolumeSnapshot is ready to use.
	// +optional
	ReadyToUse *bool `json:"readyToUse,omitempty"`

	// consistent is true when the data is application-consistent.
	// +optional
	Consistent *bool `json:"consistent,omitempty"`

	// volumeSnapshotName is the VolumeSnapshot holding the disk's data.
	// +optional
	VolumeSnapshotName *string `json:"volumeSnapshotName,omitempty"`

	// restoreSize is the minimum size of a disk restored from the snapshot.
	// +optional
	RestoreSize *resource.Quantity `json:"restoreSize,omitempty"`

	// sourceUID is the UID of the PersistentVolumeClaim that was snapshotted.
	// +optional
	SourceUID *types.UID `json:"sourceUID,omitempty"`

	// virtualMachineName is the VM the disk was attached to at the moment of
	// the snapshot, if any.
	// +optional
	VirtualMachineName *string `json:"virtualMachineName,omitempty"`

	// creationTime is the moment of the cut.
	// +optional
	CreationTime *metav1.Time `json:"creationTime,omitempty"`

	// observedGeneration is the generation of the spec this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions: Progressing and Ready, with reasons and messages.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// indications are facts about the disk's VM at the moment of the snapshot.
	// +optional
	// +listType=map
	// +listMapKey=type
	Indications []Indication `json:"indications,omitempty"`

	// error is the last error met, if any.
	// +optional
	Error *Error `json:"error,omitempty"`
}

// VirtualDiskSnapshotList is a list of VirtualDiskSnapshots.
//
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
type VirtualDiskSnapshotList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []VirtualDiskSnapshot `json:"items"`
}
