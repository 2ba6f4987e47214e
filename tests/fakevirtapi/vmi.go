package fakevirtapi

import (
	"context"
	"errors"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"
	virtv1 "kubevirt.io/api/core/v1"
)

var vmiResource = virtv1.SchemeGroupVersion.WithResource("virtualmachineinstances")

// statusPatchTimeout bounds writing a VMI's freeze status, which also runs
// for auto-thaws that have no request to take a deadline from.
const statusPatchTimeout = 10 * time.Second

// fsFrozen is the value of status.fsFreezeStatus while a freeze is in force.
const fsFrozen = "frozen"

// checkVMI answers as virt-api does before it passes a freeze or unfreeze
// on to the guest: the VMI must exist and run. It also requires the guest
// agent to be connected, without which the guest's freeze or thaw fails.
func (s *Server) checkVMI(ctx context.Context, key vmiKey) *apierrors.StatusError {
	if s.vmis == nil {
		return nil
	}
	// virt-api names the resource in the singular in its errors.
	resource := schema.GroupResource{Group: virtv1.SchemeGroupVersion.Group, Resource: "virtualmachineinstance"}
	vmi, err := s.vmis.Resource(vmiResource).Namespace(key.namespace).Get(ctx, key.name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return apierrors.NewNotFound(resource, key.name)
	case err != nil:
		return apierrors.NewInternalError(err)
	}

	if phase, _, _ := unstructured.NestedString(vmi.Object, "status", "phase"); phase != string(virtv1.Running) {
		return apierrors.NewConflict(resource, key.name, errors.New("VMI is not running"))
	}
	if !hasTrueCondition(vmi, string(virtv1.VirtualMachineInstanceAgentConnected)) {
		return apierrors.NewInternalError(fmt.Errorf("guest agent of VMI %s/%s is not connected", key.namespace, key.name))
	}
	return nil
}

func hasTrueCondition(obj *unstructured.Unstructured, conditionType string) bool {
	conditions, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, c := range conditions {
		condition, ok := c.(map[string]any)
		if ok && condition["type"] == conditionType && condition["status"] == "True" {
			return true
		}
	}
	return false
}

// reportFreezeStatusLocked mirrors the guest's state into the VMI's
// status.fsFreezeStatus, which virt-handler sets to "frozen" while a freeze
// is in force and clears after the thaw. It runs under s.mu so that the
// writes for one VMI land in the order of the state changes. A failure is
// only logged: the guest's state does not depend on it.
func (s *Server) reportFreezeStatusLocked(ctx context.Context, key vmiKey, frozen bool) {
	if !s.reportFreezeStatus {
		return
	}
	patch := []byte(`{"status":{"fsFreezeStatus":null}}`)
	if frozen {
		patch = []byte(`{"status":{"fsFreezeStatus":"` + fsFrozen + `"}}`)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), statusPatchTimeout)
	defer cancel()
	_, err := s.vmis.Resource(vmiResource).Namespace(key.namespace).Patch(ctx, key.name, types.MergePatchType, patch, metav1.PatchOptions{})
	if err != nil {
		s.logger.Error(err, "Writing the VMI's freeze status failed", "vmi", klog.KRef(key.namespace, key.name), "frozen", frozen)
	}
}
