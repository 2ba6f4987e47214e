package v1alpha1

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestVirtualMachineSnapshotSpecDefaults(t *testing.T) {
	var empty VirtualMachineSnapshotSpec
	if got := empty.GetFailureDeadline(); got != 5*time.Minute {
		t.Errorf("GetFailureDeadline() = %s, want 5m", got)
	}
	if !empty.IsConsistencyRequired() {
		t.Error("IsConsistencyRequired() = false, want true by default")
	}
	if got := empty.GetKeepIPAddress(); got != KeepIPAddressAlways {
		t.Errorf("GetKeepIPAddress() = %q, want Always", got)
	}
	if got := empty.GetDeletionPolicy(); got != DeletionPolicyDelete {
		t.Errorf("GetDeletionPolicy() = %q, want Delete", got)
	}
	if got := empty.GetVolumeSelection(); got != VolumeSelectionAll {
		t.Errorf("GetVolumeSelection() = %q, want All", got)
	}

	set := VirtualMachineSnapshotSpec{
		FailureDeadline:     &metav1.Duration{},
		RequiredConsistency: ptr.To(false),
		KeepIPAddress:       KeepIPAddressNever,
		DeletionPolicy:      DeletionPolicyRetain,
		VolumeSelection:     VolumeSelectionSnapshottableOnly,
		VolumeSnapshotClasses: []VolumeSnapshotClassMapping{
			{StorageClassName: "fast", VolumeSnapshotClassName: "fast-snap"},
			{StorageClassName: "slow", VolumeSnapshotClassName: "slow-snap"},
		},
	}
	if got := set.GetFailureDeadline(); got != 0 {
		t.Errorf("GetFailureDeadline() = %s, want 0 (no deadline) when set to 0", got)
	}
	if set.IsConsistencyRequired() || set.GetKeepIPAddress() != KeepIPAddressNever ||
		set.GetDeletionPolicy() != DeletionPolicyRetain || set.GetVolumeSelection() != VolumeSelectionSnapshottableOnly {
		t.Errorf("explicit values not returned: %+v", set)
	}
	if got, ok := set.VolumeSnapshotClassFor("slow"); !ok || got != "slow-snap" {
		t.Errorf("VolumeSnapshotClassFor(slow) = %q, %v; want slow-snap, true", got, ok)
	}
	if got, ok := set.VolumeSnapshotClassFor("other"); ok {
		t.Errorf("VolumeSnapshotClassFor(other) = %q, true; want no mapping", got)
	}
}

func TestContentAndDiskSnapshotDefaults(t *testing.T) {
	if got := (&VirtualMachineSnapshotContentSpec{}).GetDeletionPolicy(); got != DeletionPolicyDelete {
		t.Errorf("content GetDeletionPolicy() = %q, want Delete", got)
	}
	var disk VirtualDiskSnapshotSpec
	if disk.GetFailureDeadline() != 5*time.Minute || !disk.IsConsistencyRequired() {
		t.Errorf("disk snapshot defaults: deadline %s, consistency %v; want 5m, true", disk.GetFailureDeadline(), disk.IsConsistencyRequired())
	}
	disk.FailureDeadline = &metav1.Duration{Duration: 90 * time.Second}
	disk.RequiredConsistency = ptr.To(false)
	if disk.GetFailureDeadline() != 90*time.Second || disk.IsConsistencyRequired() {
		t.Errorf("explicit disk snapshot values not returned: %+v", disk)
	}
}

func TestVirtualMachineRestoreSpecDefaults(t *testing.T) {
	var empty VirtualMachineRestoreSpec
	if empty.GetFailureDeadline() != 5*time.Minute {
		t.Errorf("GetFailureDeadline() = %s, want 5m", empty.GetFailureDeadline())
	}
	if empty.GetMode() != RestoreModeStrict {
		t.Errorf("GetMode() = %q, want Strict", empty.GetMode())
	}
	if empty.GetTargetReadinessPolicy() != TargetReadinessWaitGracePeriodAndFail {
		t.Errorf("GetTargetReadinessPolicy() = %q, want WaitGracePeriodAndFail", empty.GetTargetReadinessPolicy())
	}
	if empty.GetVolumeRestorePolicy() != VolumeRestoreRandomizeNames {
		t.Errorf("GetVolumeRestorePolicy() = %q, want RandomizeNames", empty.GetVolumeRestorePolicy())
	}
}

func TestReplacementFor(t *testing.T) {
	spec := VirtualMachineRestoreSpec{NameReplacements: []NameReplacement{
		{From: NameReplacementSource{Kind: "PersistentVolumeClaim", Name: "root"}, To: "root-pvc-2"},
		{From: NameReplacementSource{Name: "root"}, To: "root-any-2"},
		{From: NameReplacementSource{Kind: "VirtualMachine", Name: "vm"}, To: "vm-2"},
		{From: NameReplacementSource{Kind: "VirtualMachine", Name: "vm"}, To: "vm-3"},
	}}
	for _, tc := range []struct {
		kind, name string
		want       string
		wantOK     bool
	}{
		{"PersistentVolumeClaim", "root", "root-pvc-2", true}, // kind-specific entry comes first
		{"Secret", "root", "root-any-2", true},                // entry without kind matches any kind
		{"VirtualMachine", "vm", "vm-2", true},                // first match wins
		{"DataVolume", "vm", "", false},                       // kind mismatch
		{"VirtualMachine", "other", "", false},
	} {
		got, ok := spec.ReplacementFor(tc.kind, tc.name)
		if got != tc.want || ok != tc.wantOK {
			t.Errorf("ReplacementFor(%s, %s) = %q, %v; want %q, %v", tc.kind, tc.name, got, ok, tc.want, tc.wantOK)
		}
	}
}
