package controller

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
)

// SetCondition sets a condition, keeping its lastTransitionTime unless the
// status changes; now comes from the controller's clock.
func SetCondition(conditions *[]metav1.Condition, condType string, status metav1.ConditionStatus, reason, message string, generation int64, now metav1.Time) {
	meta.SetStatusCondition(conditions, metav1.Condition{
		Type:               condType,
		Status:             status,
		Reason:             reason,
		Message:            message,
		ObservedGeneration: generation,
		LastTransitionTime: now,
	})
}

// SetProgressAndReady sets the Progressing and Ready conditions together, as
// every snapshot and restore reports them.
func SetProgressAndReady(conditions *[]metav1.Condition, generation int64, now metav1.Time,
	progressing metav1.ConditionStatus, progressingReason, progressingMessage string,
	ready metav1.ConditionStatus, readyReason, readyMessage string,
) {
	SetCondition(conditions, snapshotapi.ConditionProgressing, progressing, progressingReason, progressingMessage, generation, now)
	SetCondition(conditions, snapshotapi.ConditionReady, ready, readyReason, readyMessage, generation, now)
}

// ReadyReason returns the reason of the Ready condition, or "".
func ReadyReason(conditions []metav1.Condition) string {
	if c := meta.FindStatusCondition(conditions, snapshotapi.ConditionReady); c != nil {
		return c.Reason
	}
	return ""
}

// PhaseWorthAnEvent reports whether a snapshot entering phase records an
// event. Events tell why a snapshot waits (Pending), how it ended (Ready,
// Failed) and that it is going (Terminating); InProgress is routine, is
// already in the status, and would cost every snapshot one more write.
func PhaseWorthAnEvent(phase snapshotapi.SnapshotPhase) bool {
	return phase != snapshotapi.SnapshotInProgress
}
