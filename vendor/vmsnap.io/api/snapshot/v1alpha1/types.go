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

// Types shared by every kind of the group.

// SnapshotPhase is where a VirtualMachineSnapshot or VirtualDiskSnapshot is
// in its life.
// +kubebuilder:validation:Enum=Pending;InProgress;Ready;Failed;Terminating
type SnapshotPhase string

const (
	// SnapshotPending: waiting for everything the snapshot depends on (the
	// source, its disks, a guest agent, the VolumeSnapshot API).
	SnapshotPending SnapshotPhase = "Pending"
	// SnapshotInProgress: the snapshot is being taken.
	SnapshotInProgress SnapshotPhase = "InProgress"
	// SnapshotReady: every volume snapshot is ready to use; the snapshot can
	// be restored.
	SnapshotReady SnapshotPhase = "Ready"
	// SnapshotFailed: the snapshot could not be taken. It stays Failed until
	// it is deleted.
	SnapshotFailed SnapshotPhase = "Failed"
	// SnapshotTerminating: the snapshot is being deleted and its cleanup is
	// not finished.
	SnapshotTerminating SnapshotPhase = "Terminating"
)

// Condition types set on every kind of the group.
const (
	// ConditionReady is True when the object reached its goal: a snapshot is
	// ready to use, a restore is complete.
	ConditionReady = "Ready"
	// ConditionProgressing is True while the controller works towards the
	// goal, and False once it is reached or has failed.
	ConditionProgressing = "Progressing"
)

// IndicationType names a fact about the source at the moment of a snapshot.
// +kubebuilder:validation:Enum=Online;GuestAgent;NoGuestAgent;Paused;QuiesceFailed;QuiesceTimeout;PartialSnapshot;AtomicCut;PerVolumeCut
type IndicationType string

const (
	// IndicationOnline: the VM was running when the snapshot was taken.
	IndicationOnline IndicationType = "Online"
	// IndicationGuestAgent: the guest agent froze the filesystems for the cut.
	IndicationGuestAgent IndicationType = "GuestAgent"
	// IndicationNoGuestAgent: the VM was running without a connected guest
	// agent; the snapshot is crash-consistent only.
	IndicationNoGuestAgent IndicationType = "NoGuestAgent"
	// IndicationPaused: the VM was paused; no freeze was attempted and the
	// snapshot is crash-consistent only.
	IndicationPaused IndicationType = "Paused"
	// IndicationQuiesceFailed: the guest agent failed to freeze the filesystems.
	IndicationQuiesceFailed IndicationType = "QuiesceFailed"
	// IndicationQuiesceTimeout: the filesystems were thawed before every
	// volume was cut (the auto-thaw timeout expired).
	IndicationQuiesceTimeout IndicationType = "QuiesceTimeout"
	// IndicationPartialSnapshot: some persistent disks were left out because
	// no VolumeSnapshotClass can snapshot them (volumeSelection: SnapshottableOnly).
	IndicationPartialSnapshot IndicationType = "PartialSnapshot"
	// IndicationAtomicCut: every disk was cut at one instant, in one
	// VolumeGroupSnapshot: the disks agree with each other (crash-consistent
	// across disks), whether or not the guest was frozen.
	IndicationAtomicCut IndicationType = "AtomicCut"
	// IndicationPerVolumeCut: the disks of a running VM whose guest was not
	// frozen were cut one by one, although a group cut was asked for
	// (consistencyGroup: Auto): they may disagree; the message says why.
	IndicationPerVolumeCut IndicationType = "PerVolumeCut"
)

// Indication is a fact about the source at the moment of a snapshot, with an
// explanation for humans.
type Indication struct {
	// type of the indication.
	// +required
	Type IndicationType `json:"type"`
	// message explains the indication.
	// +optional
	Message string `json:"message,omitempty"`
}

// Error is the last error the controller met while working on an object.
type Error struct {
	// time the error was observed.
	// +optional
	Time *metav1.Time `json:"time,omitempty"`
	// message describing the error.
	// +optional
	Message *string `json:"message,omitempty"`
}

// DefaultFailureDeadline is how long a snapshot or restore may take when its
// spec does not say.
const DefaultFailureDeadline = "5m"
