package controller

import (
	corev1 "k8s.io/api/core/v1"
)

// ClaimResizing reports whether a claim's expansion is under way: a resize
// condition, an allocated-resource status, or a request above the capacity.
func ClaimResizing(claim *corev1.PersistentVolumeClaim) bool {
	for _, c := range claim.Status.Conditions {
		if (c.Type == corev1.PersistentVolumeClaimResizing || c.Type == corev1.PersistentVolumeClaimFileSystemResizePending) &&
			c.Status == corev1.ConditionTrue {
			return true
		}
	}
	if len(claim.Status.AllocatedResourceStatuses) > 0 {
		return true
	}
	want, have := claim.Spec.Resources.Requests[corev1.ResourceStorage], claim.Status.Capacity[corev1.ResourceStorage]
	return !have.IsZero() && want.Cmp(have) > 0
}

// PhaseOr names a phase for a message, saying so when none is reported yet.
func PhaseOr(phase string) string {
	if phase == "" {
		return "not yet reported"
	}
	return phase
}
