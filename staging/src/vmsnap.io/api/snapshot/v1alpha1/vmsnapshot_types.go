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
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// VirtualMachineSnapshot is a request for a point-in-time snapshot of a
// KubeVirt VirtualMachine: its spec and metadata, the Secrets it uses, and a
// CSI VolumeSnapshot of every persistent disk. What was captured is kept in a
// VirtualMachineSnapshotContent bound one-to-one to the snapshot.
//
// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=vmsnapshot;vmsnapshots,categories=vmsnap;all
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Consistent",type=boolean,JSONPath=`.status.consistent`
// +kubebuilder:printcolumn:name="Ready",type=boolean,JSONPath=`.status.readyToUse`
// +kubebuilder:printcolumn:name="Source",type=string,JSONPath=`.spec.source.name`
// +kubebuilder:printcolumn:name="Error",type=string,JSONPath=`.status.error.message`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// Its name is at most 63 characters long: it labels the snapshot's
// VolumeSnapshots.
// +kubebuilder:validation:XValidation:rule="size(self.metadata.name) <= 63",message="metadata.name must be at most 63 characters: it labels the snapshot's VolumeSnapshots"
type VirtualMachineSnapshot struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec says what to snapshot and how. It cannot be changed after creation.
	// +required
	Spec VirtualMachineSnapshotSpec `json:"spec"`

	// status is what the controller observed and did.
	// +optional
	Status VirtualMachineSnapshotStatus `json:"status,omitempty"`
}

// VirtualMachineSnapshotSpec says what to snapshot and how.
// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec is immutable: create a new VirtualMachineSnapshot instead"
type VirtualMachineSnapshotSpec struct {
	// source is what to snapshot: a VirtualMachine
	// (apiGroup: kubevirt.io, kind: VirtualMachine), or a retained
	// VirtualMachineSnapshotContent to bind to
	// (apiGroup: snapshot.vmsnap.io, kind: VirtualMachineSnapshotContent),
	// the way a VolumeSnapshot binds to a pre-provisioned VolumeSnapshotContent.
	// +required
	// +kubebuilder:validation:XValidation:rule="has(self.apiGroup) && ((self.apiGroup == 'kubevirt.io' && self.kind == 'VirtualMachine') || (self.apiGroup == 'snapshot.vmsnap.io' && self.kind == 'VirtualMachineSnapshotContent'))",message="source must be {apiGroup: kubevirt.io, kind: VirtualMachine} or {apiGroup: snapshot.vmsnap.io, kind: VirtualMachineSnapshotContent}"
	// +kubebuilder:validation:XValidation:rule="size(self.name) > 0",message="source.name must not be empty"
	Source corev1.TypedLocalObjectReference `json:"source"`

	// failureDeadline is how long the snapshot may take before it is marked
	// Failed, the VM is unfrozen and everything it created is removed. A
	// duration such as "90s" or "10m"; "0" means no deadline (not
	// recommended). Default: 5m.
	// +optional
	// +kubebuilder:default="5m"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('0s')",message="failureDeadline must be a non-negative duration such as 90s or 10m"
	FailureDeadline *metav1.Duration `json:"failureDeadline,omitempty"`

	// requiredConsistency, when true (the default), takes the snapshot only
	// when it is consistent: the VM is stopped, or its guest agent froze the
	// filesystems. A running VM without a guest agent keeps the snapshot
	// Pending until the deadline. When false, such a VM (or a paused one)
	// gets a best-effort, crash-consistent snapshot.
	// +optional
	// +kubebuilder:default=true
	RequiredConsistency *bool `json:"requiredConsistency,omitempty"`

	// volumeSnapshotClasses chooses the VolumeSnapshotClass for the disks of
	// each StorageClass. A StorageClass not listed uses the VolumeSnapshotClass
	// whose driver is the StorageClass provisioner and that is annotated
	// snapshot.storage.kubernetes.io/is-default-class: "true".
	// +optional
	// +listType=map
	// +listMapKey=storageClassName
	// +kubebuilder:validation:MaxItems=64
	VolumeSnapshotClasses []VolumeSnapshotClassMapping `json:"volumeSnapshotClasses,omitempty"`

	// keepIPAddress: Always (the default) records each network interface's MAC
	// and IP addresses in the content, so that a restore keeps them; Never
	// records nothing and a restored VM gets new addresses.
	// +optional
	// +kubebuilder:default=Always
	KeepIPAddress KeepIPAddressPolicy `json:"keepIPAddress,omitempty"`

	// deletionPolicy says what happens to the VirtualMachineSnapshotContent
	// and its VolumeSnapshots when this snapshot is deleted: Delete (the
	// default) removes them; Retain keeps them, so that a new snapshot can
	// bind the content again and restore from it.
	// +optional
	// +kubebuilder:default=Delete
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`

	// volumeSelection: All (the default) requires every persistent disk to be
	// snapshotted, or the snapshot fails naming the disk and why;
	// SnapshottableOnly leaves out the disks that no VolumeSnapshotClass can
	// snapshot and marks the snapshot PartialSnapshot (with none left it holds
	// the VM configuration only).
	// +optional
	// +kubebuilder:default=All
	VolumeSelection VolumeSelectionPolicy `json:"volumeSelection,omitempty"`

	// consistencyGroup says whether the VM's disks are cut together, at one
	// instant, in one VolumeGroupSnapshot, so that they agree with each
	// other even when the guest cannot be frozen. Auto (the default) cuts
	// them together when every disk is on one CSI driver that offers a
	// VolumeGroupSnapshotClass, and one by one otherwise (for a running VM
	// whose guest is not frozen, indication PerVolumeCut says why); Required waits until they can be cut
	// together and fails at the deadline; Disabled always cuts them one by
	// one.
	// +optional
	// +kubebuilder:default=Auto
	ConsistencyGroup ConsistencyGroupPolicy `json:"consistencyGroup,omitempty"`
}

// ConsistencyGroupPolicy says whether a VM's disks are cut together.
// +kubebuilder:validation:Enum=Auto;Required;Disabled
type ConsistencyGroupPolicy string

const (
	// ConsistencyGroupAuto cuts the disks together when the storage can.
	ConsistencyGroupAuto ConsistencyGroupPolicy = "Auto"
	// ConsistencyGroupRequired cuts the disks together or not at all.
	ConsistencyGroupRequired ConsistencyGroupPolicy = "Required"
	// ConsistencyGroupDisabled cuts the disks one by one.
	ConsistencyGroupDisabled ConsistencyGroupPolicy = "Disabled"
)

// VolumeSnapshotClassMapping names the VolumeSnapshotClass to use for the
// disks of one StorageClass.
type VolumeSnapshotClassMapping struct {
	// storageClassName is the StorageClass of the disks.
	// +required
	// +kubebuilder:validation:MinLength=1
	StorageClassName string `json:"storageClassName"`
	// volumeSnapshotClassName is the VolumeSnapshotClass to snapshot them with.
	// +required
	// +kubebuilder:validation:MinLength=1
	VolumeSnapshotClassName string `json:"volumeSnapshotClassName"`
}

// KeepIPAddressPolicy says whether a snapshot records network identity.
// +kubebuilder:validation:Enum=Always;Never
type KeepIPAddressPolicy string

const (
	// KeepIPAddressAlways records MAC and IP addresses so a restore keeps them.
	KeepIPAddressAlways KeepIPAddressPolicy = "Always"
	// KeepIPAddressNever records no network identity.
	KeepIPAddressNever KeepIPAddressPolicy = "Never"
)

// DeletionPolicy says what happens to captured data when a snapshot is deleted.
// +kubebuilder:validation:Enum=Delete;Retain
type DeletionPolicy string

const (
	// DeletionPolicyDelete removes the content and its VolumeSnapshots.
	DeletionPolicyDelete DeletionPolicy = "Delete"
	// DeletionPolicyRetain keeps the content and its VolumeSnapshots.
	DeletionPolicyRetain DeletionPolicy = "Retain"
)

// VolumeSelectionPolicy says what to do with disks that cannot be snapshotted.
// +kubebuilder:validation:Enum=All;SnapshottableOnly
type VolumeSelectionPolicy string

const (
	// VolumeSelectionAll fails the snapshot when a persistent disk cannot be
	// snapshotted.
	VolumeSelectionAll VolumeSelectionPolicy = "All"
	// VolumeSelectionSnapshottableOnly leaves such disks out and marks the
	// snapshot PartialSnapshot.
	VolumeSelectionSnapshottableOnly VolumeSelectionPolicy = "SnapshottableOnly"
)

// VirtualMachineSnapshotStatus is what the controller observed and did.
type VirtualMachineSnapshotStatus struct {
	// phase is where the snapshot is in its life: Pending, InProgress, Ready,
	// Failed or Terminating.
	// +optional
	Phase SnapshotPhase `json:"phase,omitempty"`

	// readyToUse is true when every volume snapshot is ready to use and the
	// snapshot can be restored. It drops back to false if a VolumeSnapshot
	// disappears later.
	// +optional
	ReadyToUse *bool `json:"readyToUse,omitempty"`

	// consistent is true when the data is application-consistent: the VM was
	// stopped, or the guest agent froze its filesystems for the cut.
	// +optional
	Consistent *bool `json:"consistent,omitempty"`

	// sourceUID is the UID of the VirtualMachine that was snapshotted.
	// +optional
	SourceUID *types.UID `json:"sourceUID,omitempty"`

	// creationTime is the moment of the cut: when the last volume snapshot
	// was taken (or the configuration was captured, for a snapshot without
	// disks).
	// +optional
	CreationTime *metav1.Time `json:"creationTime,omitempty"`

	// virtualMachineSnapshotContentName is the content bound to this snapshot.
	// +optional
	VirtualMachineSnapshotContentName *string `json:"virtualMachineSnapshotContentName,omitempty"`

	// observedGeneration is the generation of the spec this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions: Progressing and Ready, with reasons and messages.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// indications are facts about the VM at the moment of the snapshot:
	// Online, GuestAgent, NoGuestAgent, Paused, QuiesceFailed, QuiesceTimeout,
	// PartialSnapshot, AtomicCut, PerVolumeCut.
	// +optional
	// +listType=map
	// +listMapKey=type
	Indications []Indication `json:"indications,omitempty"`

	// snapshotVolumes lists the VM's volumes that are in the snapshot and
	// those that are not, with why.
	// +optional
	SnapshotVolumes *SnapshotVolumesLists `json:"snapshotVolumes,omitempty"`

	// error is the last error met, if any.
	// +optional
	Error *Error `json:"error,omitempty"`
}

// SnapshotVolumesLists lists the VM's volumes that are in a snapshot and those
// that are not.
type SnapshotVolumesLists struct {
	// includedVolumes are the names of the VM volumes that were snapshotted.
	// +optional
	// +listType=set
	IncludedVolumes []string `json:"includedVolumes,omitempty"`
	// excludedVolumes are the VM volumes that were not snapshotted, with why.
	// +optional
	// +listType=map
	// +listMapKey=name
	ExcludedVolumes []ExcludedVolume `json:"excludedVolumes,omitempty"`
}

// ExcludedVolume is a VM volume left out of a snapshot.
type ExcludedVolume struct {
	// name of the VM volume.
	// +required
	Name string `json:"name"`
	// reason it was left out, e.g. "containerDisk volumes are ephemeral".
	// +required
	Reason string `json:"reason"`
}

// VirtualMachineSnapshotList is a list of VirtualMachineSnapshots.
//
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
type VirtualMachineSnapshotList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []VirtualMachineSnapshot `json:"items"`
}
