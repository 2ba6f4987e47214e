package fakevirtapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"
	virtv1 "kubevirt.io/api/core/v1"
)

// VMValidatePath is where the server answers the apiserver's admission
// reviews of VirtualMachines; the path is virt-api's.
const VMValidatePath = "/virtualmachines-validate"

// maxReviewBytes bounds an admission review, which carries a VM twice.
const maxReviewBytes = 3 << 20

// The admission.k8s.io/v1 AdmissionReview, reduced to the fields the
// webhook reads and writes. k8s.io/api/admission/v1 is not among the
// vendored packages, and vendor/ is not this package's to change; the JSON
// is the same.
type admissionReview struct {
	metav1.TypeMeta `json:",inline"`
	Request         *admissionRequest  `json:"request,omitempty"`
	Response        *admissionResponse `json:"response,omitempty"`
}

type admissionRequest struct {
	UID       types.UID                   `json:"uid"`
	Resource  metav1.GroupVersionResource `json:"resource"`
	Name      string                      `json:"name,omitempty"`
	Namespace string                      `json:"namespace,omitempty"`
	Operation string                      `json:"operation"`
	Object    runtime.RawExtension        `json:"object,omitempty"`
	OldObject runtime.RawExtension        `json:"oldObject,omitempty"`
}

type admissionResponse struct {
	UID     types.UID      `json:"uid"`
	Allowed bool           `json:"allowed"`
	Result  *metav1.Status `json:"status,omitempty"`
}

const (
	admissionAPIVersion = "admission.k8s.io/v1"
	admissionKind       = "AdmissionReview"
	operationUpdate     = "UPDATE"
)

var vmResource = virtv1.SchemeGroupVersion.WithResource("virtualmachines")

// serveVMValidation answers an admission review of a VirtualMachine create
// or update as virt-api's VirtualMachine validator does, for the rules in
// vmrules.go only.
func (s *Server) serveVMValidation(w http.ResponseWriter, r *http.Request) {
	var review admissionReview
	data, err := io.ReadAll(io.LimitReader(r.Body, maxReviewBytes))
	if err == nil {
		err = json.Unmarshal(data, &review)
	}
	if err == nil && review.Request == nil {
		err = fmt.Errorf("the %s has no request", admissionKind)
	}
	if err != nil {
		http.Error(w, fmt.Sprintf("reading the admission review: %v", err), http.StatusBadRequest)
		return
	}
	s.vmReviews.Add(1)

	request := review.Request
	response := admitVM(request)
	response.UID = request.UID
	if !response.Allowed {
		klog.FromContext(r.Context()).V(2).Info("Refusing", "operation", request.Operation,
			"vm", klog.KRef(request.Namespace, request.Name), "message", response.Result.Message)
	}
	writeJSON(w, http.StatusOK, &admissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: admissionAPIVersion, Kind: admissionKind},
		Response: response,
	})
}

// admitVM decides a review as KubeVirt v1.9's VirtualMachine admitter
// (pkg/virt-api/webhooks/validating-webhook/admitters/vms-admitter.go)
// frames its rules: requests for another resource or with an unreadable VM
// are errors, a VM being deleted passes, and then come the rules of
// vmUpdateCauses, for updates only.
func admitVM(request *admissionRequest) *admissionResponse {
	if request.Resource.Group != vmResource.Group || request.Resource.Resource != vmResource.Resource {
		return errorResponse(fmt.Errorf("expect resource to be '%s'", vmResource.Resource))
	}
	newVM := &virtv1.VirtualMachine{}
	if err := json.Unmarshal(request.Object.Raw, newVM); err != nil {
		return errorResponse(err)
	}
	if newVM.DeletionTimestamp != nil || request.Operation != operationUpdate {
		return &admissionResponse{Allowed: true}
	}
	oldVM := &virtv1.VirtualMachine{}
	if err := json.Unmarshal(request.OldObject.Raw, oldVM); err != nil {
		return refusal([]metav1.StatusCause{{Type: metav1.CauseTypeUnexpectedServerResponse, Message: "Could not fetch old vm"}})
	}
	if causes := vmUpdateCauses(oldVM, newVM); len(causes) > 0 {
		return refusal(causes)
	}
	return &admissionResponse{Allowed: true}
}

// refusal answers a request that breaks rules as KubeVirt does: Invalid
// (422), the causes' messages joined into the message the user reads.
func refusal(causes []metav1.StatusCause) *admissionResponse {
	messages := make([]string, 0, len(causes))
	for _, cause := range causes {
		messages = append(messages, cause.Message)
	}
	return &admissionResponse{Result: &metav1.Status{
		Message: strings.Join(messages, ", "),
		Reason:  metav1.StatusReasonInvalid,
		Code:    http.StatusUnprocessableEntity,
		Details: &metav1.StatusDetails{Causes: causes},
	}}
}

// errorResponse answers a request the webhook cannot judge, as KubeVirt
// does: Bad Request (400).
func errorResponse(err error) *admissionResponse {
	return &admissionResponse{Result: &metav1.Status{Message: err.Error(), Code: http.StatusBadRequest}}
}
