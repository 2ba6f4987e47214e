package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestStateCollectorReportsOnlyLiveObjects(t *testing.T) {
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	objects := []ObjectState{
		{Kind: KindVirtualMachineSnapshot, Namespace: "a", Name: "ok", Phase: "Ready"},
		{Kind: KindVirtualMachineSnapshot, Namespace: "a", Name: "bad", Phase: "Failed", Reason: "NoGuestAgent"},
		{Kind: KindVirtualMachineSnapshot, Namespace: "b", Name: "stuck", Phase: "InProgress", Overdue: true},
	}
	frozen := []FrozenVM{{Namespace: "b", Name: "vm", Since: now.Add(-90 * time.Second)}}
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewStateCollector(func() []ObjectState { return objects }, func() []FrozenVM { return frozen }, func() time.Time { return now }))

	expected := `
# HELP vmsnap_failed_info 1 for each failed snapshot or restore, with the reason of its Ready condition.
# TYPE vmsnap_failed_info gauge
vmsnap_failed_info{kind="VirtualMachineSnapshot",name="bad",namespace="a",reason="NoGuestAgent"} 1
# HELP vmsnap_objects Snapshots and restores by kind and phase.
# TYPE vmsnap_objects gauge
vmsnap_objects{kind="VirtualMachineSnapshot",phase="Failed"} 1
vmsnap_objects{kind="VirtualMachineSnapshot",phase="InProgress"} 1
vmsnap_objects{kind="VirtualMachineSnapshot",phase="Ready"} 1
# HELP vmsnap_overdue_info 1 for each snapshot or restore not finished past its failureDeadline.
# TYPE vmsnap_overdue_info gauge
vmsnap_overdue_info{kind="VirtualMachineSnapshot",name="stuck",namespace="b"} 1
# HELP vmsnap_vm_frozen_for_seconds How long each VM this controller froze has been frozen, now.
# TYPE vmsnap_vm_frozen_for_seconds gauge
vmsnap_vm_frozen_for_seconds{namespace="b",vm="vm"} 90
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(expected)); err != nil {
		t.Fatal(err)
	}

	// Deleted objects and thawed VMs leave no series behind.
	objects, frozen = nil, nil
	if n, err := testutil.GatherAndCount(reg); err != nil || n != 0 {
		t.Fatalf("after deletion: %d series (err %v), want 0", n, err)
	}
}

func TestOperations(t *testing.T) {
	reg := prometheus.NewRegistry()
	o := NewOperations(reg)
	created := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	o.Finished(KindVirtualMachineSnapshot, "Ready", created, created.Add(3*time.Second))
	o.Finished(KindVirtualMachineSnapshot, "Failed", created, created.Add(5*time.Minute))
	o.DeadlineExceeded(KindVirtualMachineSnapshot)
	o.Thawed(150 * time.Millisecond)

	expected := `
# HELP vmsnap_operations_total Snapshots and restores that reached a final phase, by kind and result (Ready or Failed).
# TYPE vmsnap_operations_total counter
vmsnap_operations_total{kind="VirtualMachineSnapshot",result="Failed"} 1
vmsnap_operations_total{kind="VirtualMachineSnapshot",result="Ready"} 1
# HELP vmsnap_deadline_exceeded_total Snapshots and restores failed because their failureDeadline passed, by kind.
# TYPE vmsnap_deadline_exceeded_total counter
vmsnap_deadline_exceeded_total{kind="VirtualMachineSnapshot"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(expected), "vmsnap_operations_total", "vmsnap_deadline_exceeded_total"); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(o.frozen); n != 1 {
		t.Fatalf("frozen histogram series %d, want 1", n)
	}
	var nilOps *Operations
	nilOps.Finished(KindVirtualMachineSnapshot, "Ready", created, created) // must not panic
}
