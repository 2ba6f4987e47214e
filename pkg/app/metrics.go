package app

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/controller"
	"vmsnap.io/vmsnap/pkg/metrics"
)

// overdueGrace is how long past its deadline an unfinished object may take
// before it counts as overdue: the controller fails it at the deadline, so
// one still running after this is stuck.
const overdueGrace = 30 * time.Second

// objectStates returns the source of the state collector: every snapshot
// and restore in the informer caches, as they are at scrape time.
func objectStates(cc *ControllerContext) func() []metrics.ObjectState {
	informers := cc.VMSnapInformers.Snapshot().V1alpha1()
	vmSnapshots := informers.VirtualMachineSnapshots().Lister()
	diskSnapshots := informers.VirtualDiskSnapshots().Lister()
	restores := informers.VirtualMachineRestores().Lister()
	return func() []metrics.ObjectState {
		now := time.Now()
		var out []metrics.ObjectState
		add := func(kind string, meta metav1.ObjectMeta, phase string, conds []metav1.Condition, deadline time.Duration) {
			final := phase == "Ready" || phase == "Failed"
			out = append(out, metrics.ObjectState{
				Kind: kind, Namespace: meta.Namespace, Name: meta.Name, Phase: phaseOrNone(phase),
				Reason:  readyReason(conds),
				Overdue: !final && meta.DeletionTimestamp == nil && controller.Deadline{Start: meta.CreationTimestamp.Time, Length: deadline}.Exceeded(now.Add(-overdueGrace)),
			})
		}
		if list, err := vmSnapshots.List(labels.Everything()); err == nil {
			for _, s := range list {
				add(metrics.KindVirtualMachineSnapshot, s.ObjectMeta, string(s.Status.Phase), s.Status.Conditions, s.Spec.GetFailureDeadline())
			}
		}
		if list, err := diskSnapshots.List(labels.Everything()); err == nil {
			for _, s := range list {
				add(metrics.KindVirtualDiskSnapshot, s.ObjectMeta, string(s.Status.Phase), s.Status.Conditions, s.Spec.GetFailureDeadline())
			}
		}
		if list, err := restores.List(labels.Everything()); err == nil {
			for _, r := range list {
				add(metrics.KindVirtualMachineRestore, r.ObjectMeta, string(r.Status.Phase), r.Status.Conditions, r.Spec.GetFailureDeadline())
			}
		}
		return out
	}
}

func phaseOrNone(phase string) string {
	if phase == "" {
		return "None"
	}
	return phase
}

func readyReason(conds []metav1.Condition) string {
	for _, c := range conds {
		if c.Type == snapshotapi.ConditionReady {
			return c.Reason
		}
	}
	return ""
}
