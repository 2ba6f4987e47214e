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
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	kubevirtv1 "kubevirt.io/api/core/v1"
)

// VirtualMachineSnapshotContent holds everything needed to restore a VM
// snapshot: the VM as it was, one VolumeSnapshot per disk, its network
// identity and references to the Secrets it used. The controller creates it
// for a VirtualMachineSnapshot and binds the two one-to-one.
//
// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=vmsnapshotcontent;vmsnapshotcontents,categories=vmsnap
// +kubebuilder:printcolumn:name="Ready",type=boolean,JSONPath=`.status.readyToUse`
// +kubebuilder:printcolumn:name="Snapshot",type=string,JSONPath=`.spec.virtualMachineSnapshotName`
// +kubebuilder:printcolumn:name="Policy",type=string,JSONPath=`.spec.deletionPolicy`
// +kubebuilder:printcolumn:name="Error",type=string,JSONPath=`.status.error.message`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type VirtualMachineSnapshotContent struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is what was captured.
	// +required
	Spec VirtualMachineSnapshotContentSpec `json:"spec"`

	// status is the state of the captured volumes.
	// +optional
	Status VirtualMachineSnapshotContentStatus `json:"status,omitempty"`
}

// VirtualMachineSnapshotContentSpec is what a VM snapshot captured. What
// it captured is written once, when the content is created: a field can
// be neither changed nor removed and added back. Only the binding
// (virtualMachineSnapshotName, deletionPolicy) changes, when a snapshot
// binds or releases the content.
// +kubebuilder:validation:XValidation:rule="has(self.sourceUID) == has(oldSelf.sourceUID)",message="sourceUID is immutable: it can be neither added nor removed"
// +kubebuilder:validation:XValidation:rule="has(self.indications) == has(oldSelf.indications)",message="indications are immutable: it can be neither added nor removed"
// +kubebuilder:validation:XValidation:rule="has(self.excludedVolumes) == has(oldSelf.excludedVolumes)",message="excludedVolumes are immutable: it can be neither added nor removed"
// +kubebuilder:validation:XValidation:rule="has(self.volumeBackups) == has(oldSelf.volumeBackups)",message="volumeBackups are immutable: it can be neither added nor removed"
// +kubebuilder:validation:XValidation:rule="has(self.networkIdentity) == has(oldSelf.networkIdentity)",message="networkIdentity is immutable: it can be neither added nor removed"
// +kubebuilder:validation:XValidation:rule="has(self.secretBackups) == has(oldSelf.secretBackups)",message="secretBackups are immutable: it can be neither added nor removed"
// +kubebuilder:validation:XValidation:rule="has(self.instancetypeRevisions) == has(oldSelf.instancetypeRevisions)",message="instancetypeRevisions are immutable: it can be neither added nor removed"
type VirtualMachineSnapshotContentSpec struct {
	// virtualMachineSnapshotName is the VirtualMachineSnapshot this content is
	// bound to. A retained content whose snapshot is gone can be bound again
	// by a new snapshot that names it as its source.
	// +optional
	VirtualMachineSnapshotName *string `json:"virtualMachineSnapshotName,omitempty"`

	// deletionPolicy is copied from the snapshot that created the content:
	// Delete removes the content with its snapshot, Retain keeps it.
	// +optional
	// +kubebuilder:default=Delete
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`

	// source is the VM as it was at the moment of the snapshot.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="source is immutable"
	Source SourceSpec `json:"source"`

	// sourceUID is the UID of the VirtualMachine the content was captured
	// from. Recorded with the content, before anything is cut, so that the
	// snapshot's status can always be derived from it.
	// +optional
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="sourceUID is immutable"
	SourceUID *types.UID `json:"sourceUID,omitempty"`

	// indications are what was known of the VM when the content was made:
	// Online, GuestAgent (the guest is frozen for the cut), NoGuestAgent,
	// Paused, PartialSnapshot. What happens during the cut (QuiesceFailed,
	// QuiesceTimeout) is read from the VolumeSnapshots.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="indications are immutable"
	Indications []Indication `json:"indications,omitempty"`

	// excludedVolumes are the VM's volumes left out of the snapshot, with why.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=256
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="excludedVolumes are immutable"
	ExcludedVolumes []ExcludedVolume `json:"excludedVolumes,omitempty"`

	// volumeBackups lists one entry per snapshotted disk. Entries are
	// neither added nor removed; each is immutable but for the one
	// volumeSnapshotName of a disk cut in a group, recorded once the group
	// is cut.
	// +optional
	// +listType=map
	// +listMapKey=volumeName
	// +kubebuilder:validation:MaxItems=256
	// +kubebuilder:validation:XValidation:rule="self.map(b, b.volumeName) == oldSelf.map(b, b.volumeName)",message="volumeBackups are immutable: entries can be neither added nor removed"
	VolumeBackups []VolumeBackup `json:"volumeBackups,omitempty"`

	// networkIdentity is the MAC and IP addresses of each interface, recorded
	// when the snapshot's keepIPAddress is Always.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=256
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="networkIdentity is immutable"
	NetworkIdentity []InterfaceIdentity `json:"networkIdentity,omitempty"`

	// secretBackups lists the Secrets the VM used (cloud-init user and
	// network data, secret volumes). Their data is kept in a Secret owned by
	// this content, never in the content itself.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=256
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="secretBackups are immutable"
	SecretBackups []SecretBackup `json:"secretBackups,omitempty"`

	// instancetypeRevisions are the ControllerRevisions the VM ran from:
	// the instancetype and the preference (spec.instancetype,
	// spec.preference) as KubeVirt stored them for the VM when it first
	// used them. A restore recreates them, so that the VM runs from the
	// instancetype and preference of the moment of the snapshot even when
	// they changed since.
	// +optional
	// +listType=map
	// +listMapKey=matcher
	// +kubebuilder:validation:MaxItems=2
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="instancetypeRevisions are immutable"
	InstancetypeRevisions []InstancetypeRevision `json:"instancetypeRevisions,omitempty"`
}

// InstancetypeMatcher names the field of a VM spec that points at an
// instancetype or a preference.
// +kubebuilder:validation:Enum=Instancetype;Preference
type InstancetypeMatcher string

const (
	// MatcherInstancetype is spec.instancetype.
	MatcherInstancetype InstancetypeMatcher = "Instancetype"
	// MatcherPreference is spec.preference.
	MatcherPreference InstancetypeMatcher = "Preference"
)

// InstancetypeRevision is a copy of one ControllerRevision a VM ran from.
type InstancetypeRevision struct {
	// matcher is the VM field the revision belongs to.
	// +required
	Matcher InstancetypeMatcher `json:"matcher"`
	// name of the ControllerRevision the VM used.
	// +required
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
	// labels of the ControllerRevision: KubeVirt records there the kind,
	// name, UID and generation of the object it copied.
	// +optional
	Labels map[string]string `json:"labels,omitempty"`
	// data of the ControllerRevision: the VirtualMachine(Cluster)Instancetype
	// or VirtualMachine(Cluster)Preference object as it was.
	// +required
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	Data runtime.RawExtension `json:"data"`
}

// SourceSpec is the captured source of a snapshot.
type SourceSpec struct {
	// virtualMachine is the VirtualMachine's metadata and spec at the moment
	// of the snapshot (server-populated fields removed). A content without
	// one can never be restored.
	// +required
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:EmbeddedResource
	// +kubebuilder:validation:XValidation:rule="self.apiVersion == 'kubevirt.io/v1' && self.kind == 'VirtualMachine'",message="virtualMachine must be a kubevirt.io/v1 VirtualMachine"
	// +kubebuilder:validation:XValidation:rule="has(self.metadata.name) && size(self.metadata.name) > 0",message="virtualMachine must have metadata.name"
	VirtualMachine *kubevirtv1.VirtualMachine `json:"virtualMachine,omitempty"`
}

// VolumeBackup is one snapshotted disk of a VM.
// +kubebuilder:validation:XValidation:rule="has(self.volumeGroupSnapshotName) == has(oldSelf.volumeGroupSnapshotName) && has(self.volumeGroupSnapshotClassName) == has(oldSelf.volumeGroupSnapshotClassName) && has(self.dataVolumeName) == has(oldSelf.dataVolumeName) && has(self.volumeSnapshotClassName) == has(oldSelf.volumeSnapshotClassName)",message="a volume backup is immutable: its fields can be neither added nor removed"
// +kubebuilder:validation:XValidation:rule="has(self.volumeSnapshotName) == has(oldSelf.volumeSnapshotName) || (!has(oldSelf.volumeSnapshotName) && has(self.volumeGroupSnapshotName))",message="volumeSnapshotName can be neither removed nor added, except once for a disk cut in a group"
type VolumeBackup struct {
	// volumeName is the name of the volume in the VM spec.
	// +required
	// +kubebuilder:validation:MaxLength=253
	VolumeName string `json:"volumeName"`

	// persistentVolumeClaim is the disk's claim as it was: name, labels,
	// annotations and spec, to recreate it on restore.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="persistentVolumeClaim is immutable"
	PersistentVolumeClaim PersistentVolumeClaimTemplate `json:"persistentVolumeClaim"`

	// dataVolumeName is the CDI DataVolume that owned the claim, if any.
	// +optional
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="dataVolumeName is immutable"
	// +kubebuilder:validation:MaxLength=253
	DataVolumeName *string `json:"dataVolumeName,omitempty"`

	// volumeSnapshotName is the VolumeSnapshot holding the disk's data. A
	// disk cut in a group gets it once the group is cut: snapshot-controller
	// names the group's VolumeSnapshots.
	// +optional
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="volumeSnapshotName is immutable"
	// +kubebuilder:validation:MaxLength=253
	VolumeSnapshotName *string `json:"volumeSnapshotName,omitempty"`

	// volumeSnapshotClassName is the VolumeSnapshotClass the disk was
	// snapshotted with, or would have been, had it not been cut in a group.
	// +optional
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="volumeSnapshotClassName is immutable"
	// +kubebuilder:validation:MaxLength=253
	VolumeSnapshotClassName *string `json:"volumeSnapshotClassName,omitempty"`

	// volumeGroupSnapshotName is the VolumeGroupSnapshot the disk was cut
	// in, together with the VM's other disks.
	// +optional
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="volumeGroupSnapshotName is immutable"
	// +kubebuilder:validation:MaxLength=253
	VolumeGroupSnapshotName *string `json:"volumeGroupSnapshotName,omitempty"`

	// volumeGroupSnapshotClassName is the VolumeGroupSnapshotClass of that
	// group.
	// +optional
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="volumeGroupSnapshotClassName is immutable"
	// +kubebuilder:validation:MaxLength=253
	VolumeGroupSnapshotClassName *string `json:"volumeGroupSnapshotClassName,omitempty"`
}

// PersistentVolumeClaimTemplate is a PersistentVolumeClaim's identity and spec.
type PersistentVolumeClaimTemplate struct {
	// name of the claim.
	// +required
	Name string `json:"name"`
	// labels of the claim.
	// +optional
	Labels map[string]string `json:"labels,omitempty"`
	// annotations of the claim.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`
	// spec of the claim.
	// +required
	Spec corev1.PersistentVolumeClaimSpec `json:"spec"`
}

// InterfaceIdentity is the network identity of one VM interface.
type InterfaceIdentity struct {
	// name of the interface in the VM spec.
	// +required
	Name string `json:"name"`
	// macAddress of the interface.
	// +optional
	MACAddress string `json:"macAddress,omitempty"`
	// ipAddresses the interface had, as reported by the VMI.
	// +optional
	// +listType=atomic
	IPAddresses []string `json:"ipAddresses,omitempty"`
}

// SecretBackup records one Secret the VM used.
type SecretBackup struct {
	// name of the Secret the VM referred to.
	// +required
	Name string `json:"name"`
	// volumeNames are the VM volumes that referred to the Secret.
	// +optional
	// +listType=set
	VolumeNames []string `json:"volumeNames,omitempty"`
	// backupSecretName is the Secret, owned by the content, that holds a copy
	// of the data.
	// +required
	BackupSecretName string `json:"backupSecretName"`
}

// VirtualMachineSnapshotContentStatus is the state of the captured volumes.
type VirtualMachineSnapshotContentStatus struct {
	// readyToUse is true when every VolumeSnapshot is ready to use.
	// +optional
	ReadyToUse *bool `json:"readyToUse,omitempty"`

	// creationTime is the moment of the cut.
	// +optional
	CreationTime *metav1.Time `json:"creationTime,omitempty"`

	// volumeSnapshotStatus is the state of each VolumeSnapshot.
	// +optional
	// +listType=map
	// +listMapKey=volumeSnapshotName
	VolumeSnapshotStatus []VolumeSnapshotStatus `json:"volumeSnapshotStatus,omitempty"`

	// conditions: Ready, with reasons and messages.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// error is the last error met, if any.
	// +optional
	Error *Error `json:"error,omitempty"`
}

// VolumeSnapshotStatus is the state of one VolumeSnapshot of a content.
type VolumeSnapshotStatus struct {
	// volumeSnapshotName is the VolumeSnapshot.
	// +required
	VolumeSnapshotName string `json:"volumeSnapshotName"`
	// readyToUse is the VolumeSnapshot's readiness.
	// +optional
	ReadyToUse *bool `json:"readyToUse,omitempty"`
	// creationTime is when the storage cut the snapshot.
	// +optional
	CreationTime *metav1.Time `json:"creationTime,omitempty"`
	// restoreSize is the minimum size of a volume restored from it.
	// +optional
	RestoreSize *resource.Quantity `json:"restoreSize,omitempty"`
	// error is the VolumeSnapshot's last error, if any.
	// +optional
	Error *Error `json:"error,omitempty"`
}

// VirtualMachineSnapshotContentList is a list of VirtualMachineSnapshotContents.
//
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
type VirtualMachineSnapshotContentList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []VirtualMachineSnapshotContent `json:"items"`
}
