package schedule

import (
	"time"

	"k8s.io/apimachinery/pkg/labels"

	vmsnaplisters "vmsnap.io/client-go/listers/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/metrics"
)

// RecoveryPoints reads, from the schedules' statuses, the recovery point of
// every VM they select. A schedule whose cron does not parse has no
// objective and reports nothing (its Ready condition says why).
func RecoveryPoints(schedules vmsnaplisters.VirtualMachineSnapshotScheduleLister, minInterval time.Duration, now func() time.Time) func() []metrics.RecoveryPoint {
	return func() []metrics.RecoveryPoint {
		list, err := schedules.List(labels.Everything())
		if err != nil {
			return nil
		}
		t := now()
		var out []metrics.RecoveryPoint
		for _, s := range list {
			parsed, err := ParseCron(s.Spec.Schedule, s.Spec.TimeZone, minInterval)
			if err != nil || s.DeletionTimestamp != nil {
				continue
			}
			objective := 2*parsed.LongestGap(t) + s.Spec.Template.FailureDeadlineOrDefault() +
				spreadWindow(s.Spec.Spread, len(s.Status.VirtualMachines))
			for _, e := range s.Status.VirtualMachines {
				last, succeeded := e.LastSuccessfulTime, true
				if last == nil {
					last, succeeded = e.SelectedSince, false
				}
				if last == nil {
					continue
				}
				out = append(out, metrics.RecoveryPoint{Namespace: s.Namespace, VM: e.Name, LastSuccess: last.Time, Succeeded: succeeded, Objective: objective})
			}
		}
		return out
	}
}
