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
)

// VirtualMachineRestore restores a VirtualMachineSnapshot: in place, into
// the VM that was snapshotted, or as a new VM with all its disks and Secrets.
//
// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=vmrestore;vmrestores,categories=vmsnap;all
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Snapshot",type=string,JSONPath=`.spec.virtualMachineSnapshotName`
// +kubebuilder:printcolumn:name="Target",type=string,JSONPath=`.status.targetName`
// +kubebuilder:printcolumn:name="Complete",type=boolean,JSONPath=`.status.complete`
// +kubebuilder:printcolumn:name="Error",type=string,JSONPath=`.status.error.message`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type VirtualMachineRestore struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec says what to restore, where and how. It cannot be changed after
	// creation.
	// +required
	Spec VirtualMachineRestoreSpec `json:"spec"`

	// status is what the controller observed and did.
	// +optional
	Status VirtualMachineRestoreStatus `json:"status,omitempty"`
}

// VirtualMachineRestoreSpec says what to restore, where and how.
// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec is immutable: create a new VirtualMachineRestore instead"
type VirtualMachineRestoreSpec struct {
	// virtualMachineSnapshotName is the snapshot to restore, in the restore's
	// namespace.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	VirtualMachineSnapshotName string `json:"virtualMachineSnapshotName"`

	// target is the VirtualMachine to restore into
	// (apiGroup: kubevirt.io, kind: VirtualMachine). Default: the VM the
	// snapshot was taken of, after nameReplacements. When that VM exists it is
	// restored in place; when it does not, it is created with all its disks
	// and Secrets. A VM other than the snapshot's source is refused.
	// +optional
	// +kubebuilder:validation:XValidation:rule="has(self.apiGroup) && self.apiGroup == 'kubevirt.io' && self.kind == 'VirtualMachine'",message="target must be {apiGroup: kubevirt.io, kind: VirtualMachine}"
	// +kubebuilder:validation:XValidation:rule="size(self.name) > 0",message="target.name must not be empty"
	// +kubebuilder:validation:XValidation:rule="size(self.name) <= 253 && self.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')",message="target.name must be a valid VirtualMachine name: lowercase letters, digits, '-' and '.', at most 253 characters"
	Target *corev1.TypedLocalObjectReference `json:"target,omitempty"`

	// nameReplacements renames restored objects: the first entry whose from
	// matches an object's kind (or any kind, when from.kind is empty) and
	// name gives its new name. Every reference to a renamed object is
	// rewritten too. Two objects of one kind cannot be renamed to the same
	// name: two disks would be restored into one claim; nor can one object
	// be renamed twice.
	// +optional
	// +listType=atomic
	// At most 128 entries: the check compares every pair, within the API
	// server's cost budget for a rule.
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:XValidation:rule="self.all(a, self.all(b, a.to != b.to || a.from.name == b.from.name || (has(a.from.kind) && has(b.from.kind) && a.from.kind != '' && b.from.kind != '' && a.from.kind != b.from.kind)))",message="nameReplacements rename two objects of the same kind to the same name"
	// +kubebuilder:validation:XValidation:rule="self.all(a, self.exists_one(b, b.from.name == a.from.name && (!has(a.from.kind) || !has(b.from.kind) || a.from.kind == '' || b.from.kind == '' || a.from.kind == b.from.kind)))",message="nameReplacements rename one object twice: only the first would apply"
	NameReplacements []NameReplacement `json:"nameReplacements,omitempty"`

	// mode: Strict (the default) fails the restore on any conflict and
	// changes nothing; BestEffort skips what conflicts when it can and
	// reports it; DryRun validates everything and reports what would be
	// created, replaced or in conflict, changing nothing.
	// +optional
	// +kubebuilder:default=Strict
	Mode RestoreMode `json:"mode,omitempty"`

	// targetReadinessPolicy says what to do when the target VM is running
	// (in-place restore): WaitGracePeriodAndFail (the default) waits up to the
	// failureDeadline for it to stop, then fails; StopTarget stops it,
	// restores, and starts it again; FailImmediate fails at once;
	// WaitEventually waits for it to be stopped, however long that takes.
	// +optional
	// +kubebuilder:default=WaitGracePeriodAndFail
	TargetReadinessPolicy TargetReadinessPolicy `json:"targetReadinessPolicy,omitempty"`

	// volumeRestorePolicy names the disks of an in-place restore:
	// RandomizeNames (the default) creates restore-<uid>-<volume> claims and
	// removes the old disks only after success (and only those the VM owned);
	// InPlace recreates each claim under its own name; PrefixTargetName
	// names them <vm>-<volume>.
	// +optional
	// +kubebuilder:default=RandomizeNames
	VolumeRestorePolicy VolumeRestorePolicy `json:"volumeRestorePolicy,omitempty"`

	// failureDeadline is how long the restore may take before it is marked
	// Failed and what it created is removed. "0" means no deadline. A
	// restore always ends Ready or Failed. Default: 5m.
	// +optional
	// +kubebuilder:default="5m"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('0s')",message="failureDeadline must be a non-negative duration such as 90s or 10m"
	FailureDeadline *metav1.Duration `json:"failureDeadline,omitempty"`
}

// NameReplacement renames one restored object.
type NameReplacement struct {
	// from selects the object to rename.
	// +required
	From NameReplacementSource `json:"from"`
	// to is the new name.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	To string `json:"to"`
}

// NameReplacementSource selects an object by kind and name.
type NameReplacementSource struct {
	// kind of the object: VirtualMachine, PersistentVolumeClaim, DataVolume
	// or Secret. Empty matches any kind.
	// +optional
	// +kubebuilder:validation:Enum=VirtualMachine;PersistentVolumeClaim;DataVolume;Secret
	Kind string `json:"kind,omitempty"`
	// name of the object in the snapshot.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// RestoreMode says how a restore treats conflicts.
// +kubebuilder:validation:Enum=Strict;BestEffort;DryRun
type RestoreMode string

const (
	// RestoreModeStrict fails on any conflict and changes nothing.
	RestoreModeStrict RestoreMode = "Strict"
	// RestoreModeBestEffort skips what conflicts when it can, and reports it.
	RestoreModeBestEffort RestoreMode = "BestEffort"
	// RestoreModeDryRun reports the plan and changes nothing.
	RestoreModeDryRun RestoreMode = "DryRun"
)

// TargetReadinessPolicy says what an in-place restore does with a running VM.
// +kubebuilder:validation:Enum=WaitGracePeriodAndFail;StopTarget;FailImmediate;WaitEventually
type TargetReadinessPolicy string

const (
	// TargetReadinessWaitGracePeriodAndFail waits up to the failureDeadline
	// for the VM to stop, then fails.
	TargetReadinessWaitGracePeriodAndFail TargetReadinessPolicy = "WaitGracePeriodAndFail"
	// TargetReadinessStopTarget stops the VM, restores, and starts it again.
	TargetReadinessStopTarget TargetReadinessPolicy = "StopTarget"
	// TargetReadinessFailImmediate fails at once.
	TargetReadinessFailImmediate TargetReadinessPolicy = "FailImmediate"
	// TargetReadinessWaitEventually waits for the VM to stop, however long.
	TargetReadinessWaitEventually TargetReadinessPolicy = "WaitEventually"
)

// VolumeRestorePolicy says how the disks of an in-place restore are named.
// +kubebuilder:validation:Enum=RandomizeNames;InPlace;PrefixTargetName
type VolumeRestorePolicy string

const (
	// VolumeRestoreRandomizeNames names claims restore-<uid>-<volume>.
	VolumeRestoreRandomizeNames VolumeRestorePolicy = "RandomizeNames"
	// VolumeRestoreInPlace recreates each claim under its own name.
	VolumeRestoreInPlace VolumeRestorePolicy = "InPlace"
	// VolumeRestorePrefixTargetName names claims <vm>-<volume>.
	VolumeRestorePrefixTargetName VolumeRestorePolicy = "PrefixTargetName"
)

// RestorePhase is where a VirtualMachineRestore is in its life.
// +kubebuilder:validation:Enum=Pending;InProgress;Ready;Failed
type RestorePhase string

const (
	// RestorePending: waiting for the snapshot or for the target VM to stop.
	RestorePending RestorePhase = "Pending"
	// RestoreInProgress: objects are being created or replaced.
	RestoreInProgress RestorePhase = "InProgress"
	// RestoreReady: the restore is complete.
	RestoreReady RestorePhase = "Ready"
	// RestoreFailed: the restore failed; see conditions and resources.
	RestoreFailed RestorePhase = "Failed"
)

// VirtualMachineRestoreStatus is what the controller observed and did.
type VirtualMachineRestoreStatus struct {
	// phase is where the restore is in its life: Pending, InProgress, Ready
	// or Failed.
	// +optional
	Phase RestorePhase `json:"phase,omitempty"`

	// complete is true once the restore finished successfully.
	// +optional
	Complete *bool `json:"complete,omitempty"`

	// restoreTime is when the restore completed.
	// +optional
	RestoreTime *metav1.Time `json:"restoreTime,omitempty"`

	// targetName is the name of the VM restored into.
	// +optional
	TargetName *string `json:"targetName,omitempty"`

	// resources lists every object the restore creates, replaces, leaves
	// unchanged, skips or finds in conflict, with why.
	// +optional
	// +listType=atomic
	Resources []RestoredResource `json:"resources,omitempty"`

	// restores maps each restored volume to its new claim and the
	// VolumeSnapshot it came from.
	// +optional
	// +listType=map
	// +listMapKey=volumeName
	Restores []VolumeRestore `json:"restores,omitempty"`

	// observedGeneration is the generation of the spec this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions: Progressing and Ready, with reasons and messages.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// error is the last error met, if any.
	// +optional
	Error *Error `json:"error,omitempty"`
}

// ResourceResult is what a restore does, or would do, to one object.
// +kubebuilder:validation:Enum=Created;Replaced;Unchanged;Conflict;Skipped
type ResourceResult string

const (
	// ResourceCreated: the object did not exist and was (or would be) created.
	ResourceCreated ResourceResult = "Created"
	// ResourceReplaced: the object existed and was (or would be) replaced.
	ResourceReplaced ResourceResult = "Replaced"
	// ResourceUnchanged: the object already matched the snapshot.
	ResourceUnchanged ResourceResult = "Unchanged"
	// ResourceConflict: an object of that name exists and cannot be replaced.
	ResourceConflict ResourceResult = "Conflict"
	// ResourceSkipped: a conflicting object was left alone (BestEffort).
	ResourceSkipped ResourceResult = "Skipped"
)

// RestoredResource is one object of a restore plan.
type RestoredResource struct {
	// apiVersion of the object.
	// +required
	APIVersion string `json:"apiVersion"`
	// kind of the object.
	// +required
	Kind string `json:"kind"`
	// name of the object (after nameReplacements).
	// +required
	Name string `json:"name"`
	// result of the restore for this object.
	// +required
	Result ResourceResult `json:"result"`
	// message explains the result.
	// +optional
	Message string `json:"message,omitempty"`
}

// VolumeRestore maps a restored volume to its claim.
type VolumeRestore struct {
	// volumeName is the volume in the VM spec.
	// +required
	VolumeName string `json:"volumeName"`
	// persistentVolumeClaimName is the restored claim.
	// +required
	PersistentVolumeClaimName string `json:"persistentVolumeClaimName"`
	// volumeSnapshotName is the VolumeSnapshot the claim was restored from.
	// +required
	VolumeSnapshotName string `json:"volumeSnapshotName"`
	// dataVolumeName is the DataVolume restored for the volume, if any.
	// +optional
	DataVolumeName *string `json:"dataVolumeName,omitempty"`
}

// VirtualMachineRestoreList is a list of VirtualMachineRestores.
//
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
type VirtualMachineRestoreList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []VirtualMachineRestore `json:"items"`
}
