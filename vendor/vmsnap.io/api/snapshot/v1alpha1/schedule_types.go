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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// VirtualMachineSnapshotSchedule takes VirtualMachineSnapshots of the
// VirtualMachines it selects on a cron schedule, prunes them by count and
// age, and reports per VM when the last good one was taken.
//
// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=vmsnapschedule;vmsnapschedules,categories=vmsnap;all
// +kubebuilder:printcolumn:name="Schedule",type=string,JSONPath=`.spec.schedule`
// +kubebuilder:printcolumn:name="Suspended",type=boolean,JSONPath=`.spec.suspend`
// +kubebuilder:printcolumn:name="Last",type=date,JSONPath=`.status.lastScheduleTime`
// +kubebuilder:printcolumn:name="Next",type=string,JSONPath=`.status.nextScheduleTime`
// +kubebuilder:printcolumn:name="VMs",type=integer,JSONPath=`.status.selectedVMs`
// +kubebuilder:printcolumn:name="Failing",type=integer,JSONPath=`.status.failingVMs`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`,priority=1
// Its name is at most 63 characters long: it labels the snapshots it takes.
// +kubebuilder:validation:XValidation:rule="size(self.metadata.name) <= 63",message="metadata.name must be at most 63 characters: it labels the snapshots the schedule takes"
type VirtualMachineSnapshotSchedule struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec says when to snapshot which VMs, how, and how many to keep.
	// +required
	Spec VirtualMachineSnapshotScheduleSpec `json:"spec"`

	// status is what the controller observed and did.
	// +optional
	Status VirtualMachineSnapshotScheduleStatus `json:"status,omitempty"`
}

// VirtualMachineSnapshotScheduleSpec says when to snapshot which VMs, how,
// and how many snapshots to keep.
type VirtualMachineSnapshotScheduleSpec struct {
	// schedule is a cron expression, as a Kubernetes CronJob takes it: five
	// fields (minute hour day-of-month month day-of-week) or a macro such as
	// @hourly, @daily, @weekly, @monthly, @yearly, or "@every <duration>"
	// (at least a minute apart).
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:XValidation:rule="!self.contains('TZ=')",message="schedule must not name a time zone (CRON_TZ= or TZ=): use spec.timeZone"
	// +kubebuilder:validation:XValidation:rule="self.startsWith('@') || self.trim().split(' ').filter(f, f != '').size() == 5",message="schedule must have five fields (minute hour day-of-month month day-of-week) or be a macro such as @daily"
	Schedule string `json:"schedule"`

	// timeZone is the IANA time zone the schedule is read in, such as
	// "Europe/Berlin". Default: UTC.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$`
	TimeZone *string `json:"timeZone,omitempty"`

	// selector chooses the VirtualMachines of the namespace to snapshot. An
	// empty selector selects none, never every VM by accident.
	// +required
	Selector metav1.LabelSelector `json:"selector"`

	// template is what every snapshot the schedule takes is made from.
	// +optional
	Template ScheduledSnapshotTemplate `json:"template,omitempty"`

	// retention says how many of each VM's snapshots to keep.
	// +optional
	Retention ScheduleRetention `json:"retention,omitempty"`

	// suspend stops new runs while true; snapshots already taken are kept
	// and pruned as usual.
	// +optional
	Suspend *bool `json:"suspend,omitempty"`

	// maxConsecutiveFailures suspends the schedule for one VM after that
	// many of its scheduled snapshots failed in a row, with a condition and
	// an event. Any change to the spec (setting suspend and back, say)
	// resumes such VMs. 0 never suspends. Default: 3.
	// +optional
	// +kubebuilder:default=3
	// +kubebuilder:validation:Minimum=0
	MaxConsecutiveFailures *int32 `json:"maxConsecutiveFailures,omitempty"`

	// startingDeadlineSeconds is how late a run may still start, for
	// example after the controller was down across the run's time. A later
	// run is counted as missed. Only the most recent missed run is ever
	// taken, never a burst of them. Unset: no limit.
	// +optional
	// +kubebuilder:validation:Minimum=0
	StartingDeadlineSeconds *int64 `json:"startingDeadlineSeconds,omitempty"`

	// spread spreads the snapshots of one run over a window, in the order of
	// the VMs' names, so that a schedule over many VMs does not create every
	// snapshot, or freeze every guest, in the same second. Default: 3s per
	// 100 selected VMs; "0s" takes them all at once.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('0s') && duration(self) <= duration('1h')",message="spread must be a duration between 0s and 1h"
	Spread *metav1.Duration `json:"spread,omitempty"`

	// deletionPolicy says what happens to the schedule's snapshots when the
	// schedule is deleted: Retain (the default) keeps them; Delete deletes
	// them (and, by each snapshot's own deletionPolicy, their content).
	// +optional
	// +kubebuilder:default=Retain
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`
}

// ScheduledSnapshotTemplate is what a schedule's snapshots are made from:
// the fields of a VirtualMachineSnapshotSpec except the source, and labels
// and annotations.
type ScheduledSnapshotTemplate struct {
	// metadata holds labels and annotations for the snapshots.
	// +optional
	Metadata ScheduledSnapshotMetadata `json:"metadata,omitempty"`

	// failureDeadline, as in VirtualMachineSnapshot.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('0s')",message="failureDeadline must be a non-negative duration such as 90s or 10m"
	FailureDeadline *metav1.Duration `json:"failureDeadline,omitempty"`

	// requiredConsistency, as in VirtualMachineSnapshot.
	// +optional
	RequiredConsistency *bool `json:"requiredConsistency,omitempty"`

	// volumeSnapshotClasses, as in VirtualMachineSnapshot.
	// +optional
	// +listType=map
	// +listMapKey=storageClassName
	// +kubebuilder:validation:MaxItems=64
	VolumeSnapshotClasses []VolumeSnapshotClassMapping `json:"volumeSnapshotClasses,omitempty"`

	// keepIPAddress, as in VirtualMachineSnapshot.
	// +optional
	KeepIPAddress KeepIPAddressPolicy `json:"keepIPAddress,omitempty"`

	// deletionPolicy, as in VirtualMachineSnapshot: what pruning or deleting
	// a scheduled snapshot does to its content.
	// +optional
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`

	// volumeSelection, as in VirtualMachineSnapshot.
	// +optional
	VolumeSelection VolumeSelectionPolicy `json:"volumeSelection,omitempty"`

	// consistencyGroup, as in VirtualMachineSnapshot.
	// +optional
	ConsistencyGroup ConsistencyGroupPolicy `json:"consistencyGroup,omitempty"`
}

// ScheduledSnapshotMetadata holds labels and annotations for scheduled
// snapshots. The schedule's own labels and annotations are added to them.
type ScheduledSnapshotMetadata struct {
	// labels for every snapshot.
	// +optional
	// +kubebuilder:validation:MaxProperties=64
	Labels map[string]string `json:"labels,omitempty"`
	// annotations for every snapshot.
	// +optional
	// +kubebuilder:validation:MaxProperties=64
	Annotations map[string]string `json:"annotations,omitempty"`
}

// ScheduleRetention says which of a VM's snapshots a schedule keeps. It
// counts only this schedule's snapshots, and never deletes a VM's newest
// Ready snapshot, one still in progress, nor one a restore is using.
type ScheduleRetention struct {
	// maxCount keeps at most this many Ready snapshots per VM.
	// +optional
	// +kubebuilder:validation:Minimum=1
	MaxCount *int32 `json:"maxCount,omitempty"`

	// maxAge deletes Ready snapshots older than this, such as "168h".
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s')",message="maxAge must be a positive duration such as 24h"
	MaxAge *metav1.Duration `json:"maxAge,omitempty"`

	// maxFailed keeps at most this many Failed snapshots per VM, for
	// diagnosis. Default: 3.
	// +optional
	// +kubebuilder:default=3
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	MaxFailed *int32 `json:"maxFailed,omitempty"`
}

// VirtualMachineSnapshotScheduleStatus is what the controller observed and
// did.
type VirtualMachineSnapshotScheduleStatus struct {
	// lastScheduleTime is the time of the latest run that was started or
	// counted as missed.
	// +optional
	LastScheduleTime *metav1.Time `json:"lastScheduleTime,omitempty"`

	// nextScheduleTime is the time of the next run.
	// +optional
	NextScheduleTime *metav1.Time `json:"nextScheduleTime,omitempty"`

	// selectedVMs is how many VMs the selector chooses.
	// +optional
	SelectedVMs int32 `json:"selectedVMs"`

	// failingVMs is how many selected VMs had their last scheduled snapshot
	// fail, or are suspended after failures.
	// +optional
	FailingVMs int32 `json:"failingVMs"`

	// virtualMachines is the state of each selected VM.
	// +optional
	// +listType=map
	// +listMapKey=name
	VirtualMachines []ScheduledVirtualMachine `json:"virtualMachines,omitempty"`

	// observedGeneration is the generation of the spec this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions: Ready (the schedule is valid and runs).
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// ScheduledVirtualMachine is the state of one VM a schedule selects.
type ScheduledVirtualMachine struct {
	// name of the VirtualMachine.
	// +required
	Name string `json:"name"`

	// selectedSince is when the schedule first selected the VM.
	// +optional
	SelectedSince *metav1.Time `json:"selectedSince,omitempty"`

	// lastRunTime is the time of the latest run that handled the VM.
	// +optional
	LastRunTime *metav1.Time `json:"lastRunTime,omitempty"`

	// lastRunResult is what that run did for the VM: Taken, Skipped (the
	// previous snapshot was still in progress), Missed (too late), or
	// Suspended.
	// +optional
	LastRunResult ScheduleRunResult `json:"lastRunResult,omitempty"`

	// lastSnapshotName is the latest snapshot the schedule took of the VM.
	// +optional
	LastSnapshotName string `json:"lastSnapshotName,omitempty"`

	// lastSuccessfulSnapshotName is the VM's newest Ready snapshot of this
	// schedule.
	// +optional
	LastSuccessfulSnapshotName string `json:"lastSuccessfulSnapshotName,omitempty"`

	// lastSuccessfulTime is that snapshot's creation time (its cut).
	// +optional
	LastSuccessfulTime *metav1.Time `json:"lastSuccessfulTime,omitempty"`

	// lastFinishedRunTime is the run time of the newest of the VM's
	// snapshots whose outcome was counted.
	// +optional
	LastFinishedRunTime *metav1.Time `json:"lastFinishedRunTime,omitempty"`

	// consecutiveFailures is how many of the VM's scheduled snapshots failed
	// in a row, the newest last.
	// +optional
	ConsecutiveFailures int32 `json:"consecutiveFailures,omitempty"`

	// suspended is true once consecutiveFailures reached
	// maxConsecutiveFailures: the VM is left out of runs until the
	// schedule's spec changes.
	// +optional
	Suspended bool `json:"suspended,omitempty"`

	// suspendedGeneration is the schedule's generation when the VM was
	// suspended.
	// +optional
	SuspendedGeneration int64 `json:"suspendedGeneration,omitempty"`
}

// ScheduleRunResult is what one run did for one VM.
// +kubebuilder:validation:Enum=Taken;Skipped;Missed;Suspended
type ScheduleRunResult string

const (
	// ScheduleRunTaken: the run created the VM's snapshot.
	ScheduleRunTaken ScheduleRunResult = "Taken"
	// ScheduleRunSkipped: the VM's previous scheduled snapshot was still in
	// progress.
	ScheduleRunSkipped ScheduleRunResult = "Skipped"
	// ScheduleRunMissed: the run came too late (startingDeadlineSeconds).
	ScheduleRunMissed ScheduleRunResult = "Missed"
	// ScheduleRunSuspended: the VM is suspended after failures.
	ScheduleRunSuspended ScheduleRunResult = "Suspended"
)

// Labels and annotations a schedule puts on its snapshots.
const (
	// LabelSchedule names the schedule that took a snapshot.
	LabelSchedule = "snapshot.vmsnap.io/schedule"
	// LabelScheduledVM names the VM a scheduled snapshot is of (cut to a
	// label value; spec.source.name holds the whole name).
	LabelScheduledVM = "snapshot.vmsnap.io/vm"
	// AnnotationScheduleUID is the UID of the schedule that took a snapshot:
	// only its own snapshots are pruned.
	AnnotationScheduleUID = "snapshot.vmsnap.io/schedule-uid"
	// AnnotationScheduleTime is the run time a snapshot was taken for.
	AnnotationScheduleTime = "snapshot.vmsnap.io/schedule-time"
)

// VirtualMachineSnapshotScheduleList is a list of
// VirtualMachineSnapshotSchedules.
//
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
type VirtualMachineSnapshotScheduleList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []VirtualMachineSnapshotSchedule `json:"items"`
}
