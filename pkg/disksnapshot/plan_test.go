package disksnapshot

import (
	"testing"

	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/controller"
)

func TestPlanConsistency(t *testing.T) {
	locked := vmUsing("disk")
	locked.Status.SnapshotInProgress = ptr.To("VirtualDiskSnapshot/snap")
	for _, tc := range []struct {
		name            string
		required        bool
		attached        []attachment
		wantVM          string
		wantFreeze      string
		wantIndications []snapshotapi.IndicationType
		wantBlocker     string
		wantConsistent  bool
	}{
		{name: "attached to no VM", required: true, wantConsistent: true},
		{name: "stopped VM", required: true, attached: []attachment{{name: "vm", vm: vmUsing("disk")}},
			wantVM: "vm", wantConsistent: true},
		{name: "stopped VM and a finished instance", required: true, attached: []attachment{{name: "vm", vm: vmUsing("disk"), vmi: finishedVMI()}},
			wantVM: "vm", wantConsistent: true},
		{name: "running with agent", required: true, attached: []attachment{{name: "vm", vm: vmUsing("disk"), vmi: runningVMI(true)}},
			wantVM: "vm", wantFreeze: "vm", wantIndications: []snapshotapi.IndicationType{snapshotapi.IndicationOnline, snapshotapi.IndicationGuestAgent}, wantConsistent: true},
		{name: "running with agent, locked by this snapshot", required: true, attached: []attachment{{name: "vm", vm: locked, vmi: runningVMI(true)}},
			wantVM: "vm", wantFreeze: "vm", wantIndications: []snapshotapi.IndicationType{snapshotapi.IndicationOnline, snapshotapi.IndicationGuestAgent}, wantConsistent: true},
		{name: "instance without a VM, with agent: frozen, not locked", required: true, attached: []attachment{{name: "vmi", vmi: namedRunningVMI("vmi", true)}},
			wantVM: "vmi", wantFreeze: "vmi", wantIndications: []snapshotapi.IndicationType{snapshotapi.IndicationOnline, snapshotapi.IndicationGuestAgent}, wantConsistent: true},
		{name: "running without agent, best effort", attached: []attachment{{name: "vm", vm: vmUsing("disk"), vmi: runningVMI(false)}},
			wantVM: "vm", wantIndications: []snapshotapi.IndicationType{snapshotapi.IndicationOnline, snapshotapi.IndicationNoGuestAgent}},
		{name: "one of two VMs running", required: true, attached: []attachment{
			{name: "b", vm: namedVMUsing("b", "disk"), vmi: namedRunningVMI("b", true)}, {name: "a", vm: namedVMUsing("a", "disk")}},
			wantVM: "b", wantFreeze: "b", wantIndications: []snapshotapi.IndicationType{snapshotapi.IndicationOnline, snapshotapi.IndicationGuestAgent}, wantConsistent: true},
		{name: "two running VMs, best effort", attached: []attachment{
			{name: "a", vm: namedVMUsing("a", "disk"), vmi: namedRunningVMI("a", true)}, {name: "b", vm: namedVMUsing("b", "disk"), vmi: namedRunningVMI("b", true)}},
			wantIndications: []snapshotapi.IndicationType{snapshotapi.IndicationOnline}},
		{name: "two running VMs, consistency required", required: true, attached: []attachment{
			{name: "a", vm: namedVMUsing("a", "disk"), vmi: namedRunningVMI("a", true)}, {name: "b", vm: namedVMUsing("b", "disk"), vmi: namedRunningVMI("b", true)}},
			wantBlocker: ReasonSharedDisk},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan := planConsistency(tc.required, "VirtualDiskSnapshot/snap", tc.attached)
			if got := blockerReason(plan.blocker); got != tc.wantBlocker {
				t.Fatalf("blocker %q, want %q", got, tc.wantBlocker)
			}
			if tc.wantBlocker != "" {
				return
			}
			freeze := ""
			if plan.freeze != nil {
				freeze = plan.freeze.name
			}
			if plan.vmName != tc.wantVM || freeze != tc.wantFreeze {
				t.Errorf("VM %q, freeze %q; want %q and %q", plan.vmName, freeze, tc.wantVM, tc.wantFreeze)
			}
			snap := newDiskSnapshot(func(s *snapshotapi.VirtualDiskSnapshot) { s.Status.Indications = plan.indications })
			for _, want := range tc.wantIndications {
				if !controller.HasIndication(snap.Status.Indications, want) {
					t.Errorf("indications %v, want %s", plan.indications, want)
				}
			}
			if len(plan.indications) != len(tc.wantIndications) {
				t.Errorf("indications %v, want %v", plan.indications, tc.wantIndications)
			}
			if got := controller.Consistent(snap.Status.Indications); got != tc.wantConsistent {
				t.Errorf("consistent %v, want %v", got, tc.wantConsistent)
			}
		})
	}
}

func finishedVMI() *kubevirtv1.VirtualMachineInstance {
	vmi := runningVMI(true)
	vmi.Status.Phase = kubevirtv1.Succeeded
	return vmi
}

func blockerReason(b *blocker) string {
	if b == nil {
		return ""
	}
	return b.reason
}
