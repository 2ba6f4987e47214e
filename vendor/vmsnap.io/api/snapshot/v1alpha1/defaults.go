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
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The CRD schema defaults every optional field at admission. Objects can still
// reach the controller without them (created before a default existed, or
// built in Go), so the controllers read specs only through these accessors,
// which apply the same defaults.

// defaultFailureDeadline is DefaultFailureDeadline as a duration.
const defaultFailureDeadline = 5 * time.Minute

// failureDeadlineOrDefault returns the deadline, or the default when unset.
// Zero means no deadline.
func failureDeadlineOrDefault(d *metav1.Duration) time.Duration {
	if d == nil {
		return defaultFailureDeadline
	}
	return d.Duration
}

func boolOrDefault(b *bool, def bool) bool {
	if b == nil {
		return def
	}
	return *b
}

func orDefault[T ~string](v, def T) T {
	if v == "" {
		return def
	}
	return v
}

// GetFailureDeadline returns how long the snapshot may take; zero means forever.
func (s *VirtualMachineSnapshotSpec) GetFailureDeadline() time.Duration {
	return failureDeadlineOrDefault(s.FailureDeadline)
}

// IsConsistencyRequired reports whether only a consistent snapshot may be taken.
func (s *VirtualMachineSnapshotSpec) IsConsistencyRequired() bool {
	return boolOrDefault(s.RequiredConsistency, true)
}

// GetKeepIPAddress returns the network identity policy.
func (s *VirtualMachineSnapshotSpec) GetKeepIPAddress() KeepIPAddressPolicy {
	return orDefault(s.KeepIPAddress, KeepIPAddressAlways)
}

// GetDeletionPolicy returns what happens to the content on deletion.
func (s *VirtualMachineSnapshotSpec) GetDeletionPolicy() DeletionPolicy {
	return orDefault(s.DeletionPolicy, DeletionPolicyDelete)
}

// GetVolumeSelection returns how disks that cannot be snapshotted are treated.
func (s *VirtualMachineSnapshotSpec) GetVolumeSelection() VolumeSelectionPolicy {
	return orDefault(s.VolumeSelection, VolumeSelectionAll)
}

// GetConsistencyGroup returns spec.consistencyGroup or its default, Auto.
func (s *VirtualMachineSnapshotSpec) GetConsistencyGroup() ConsistencyGroupPolicy {
	return orDefault(s.ConsistencyGroup, ConsistencyGroupAuto)
}

// VolumeSnapshotClassFor returns the VolumeSnapshotClass the spec names for a
// StorageClass, and whether it names one.
func (s *VirtualMachineSnapshotSpec) VolumeSnapshotClassFor(storageClassName string) (string, bool) {
	for _, m := range s.VolumeSnapshotClasses {
		if m.StorageClassName == storageClassName {
			return m.VolumeSnapshotClassName, true
		}
	}
	return "", false
}

// GetDeletionPolicy returns what happens to the content on deletion.
func (s *VirtualMachineSnapshotContentSpec) GetDeletionPolicy() DeletionPolicy {
	return orDefault(s.DeletionPolicy, DeletionPolicyDelete)
}

// GetFailureDeadline returns how long the snapshot may take; zero means forever.
func (s *VirtualDiskSnapshotSpec) GetFailureDeadline() time.Duration {
	return failureDeadlineOrDefault(s.FailureDeadline)
}

// IsConsistencyRequired reports whether only a consistent snapshot may be taken.
func (s *VirtualDiskSnapshotSpec) IsConsistencyRequired() bool {
	return boolOrDefault(s.RequiredConsistency, true)
}

// GetFailureDeadline returns how long the restore may take; zero means forever.
func (s *VirtualMachineRestoreSpec) GetFailureDeadline() time.Duration {
	return failureDeadlineOrDefault(s.FailureDeadline)
}

// GetMode returns how the restore treats conflicts.
func (s *VirtualMachineRestoreSpec) GetMode() RestoreMode {
	return orDefault(s.Mode, RestoreModeStrict)
}

// GetTargetReadinessPolicy returns what to do with a running target VM.
func (s *VirtualMachineRestoreSpec) GetTargetReadinessPolicy() TargetReadinessPolicy {
	return orDefault(s.TargetReadinessPolicy, TargetReadinessWaitGracePeriodAndFail)
}

// GetVolumeRestorePolicy returns how the disks of an in-place restore are named.
func (s *VirtualMachineRestoreSpec) GetVolumeRestorePolicy() VolumeRestorePolicy {
	return orDefault(s.VolumeRestorePolicy, VolumeRestoreRandomizeNames)
}

// ReplacementFor returns the new name of an object of the given kind and name,
// and whether a nameReplacement matched. The first matching entry wins; an
// entry without a kind matches every kind.
func (s *VirtualMachineRestoreSpec) ReplacementFor(kind, name string) (string, bool) {
	for _, r := range s.NameReplacements {
		if r.From.Name == name && (r.From.Kind == "" || r.From.Kind == kind) {
			return r.To, true
		}
	}
	return "", false
}

// FailureDeadlineOrDefault returns how long each scheduled snapshot may
// take; zero means forever.
func (t *ScheduledSnapshotTemplate) FailureDeadlineOrDefault() time.Duration {
	return failureDeadlineOrDefault(t.FailureDeadline)
}
