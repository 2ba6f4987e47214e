package fakevirtapi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	virtv1 "kubevirt.io/api/core/v1"
)

// review posts an admission review to the webhook and returns the HTTP
// status and the review answered.
func (f *fixture) review(t *testing.T, body []byte) (int, *admissionReview) {
	t.Helper()
	response, err := f.http.Client().Post(f.http.URL+VMValidatePath, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer response.Body.Close()
	data, err := io.ReadAll(response.Body)
	if err != nil {
		t.Fatal(err)
	}
	if response.StatusCode != http.StatusOK {
		return response.StatusCode, nil
	}
	answer := &admissionReview{}
	if err := json.Unmarshal(data, answer); err != nil {
		t.Fatalf("answer %q is not an AdmissionReview: %v", data, err)
	}
	return response.StatusCode, answer
}

// vmReview is the review the apiserver sends for an operation on a VM;
// oldVM is nil for a create.
func vmReview(t *testing.T, operation string, oldVM, newVM *virtv1.VirtualMachine) []byte {
	t.Helper()
	return reviewJSON(t, vmRequest(t, operation, oldVM, newVM))
}

func vmRequest(t *testing.T, operation string, oldVM, newVM *virtv1.VirtualMachine) *admissionRequest {
	t.Helper()
	request := &admissionRequest{
		UID:       "4f1d2b6e-0000-4000-8000-000000000001",
		Resource:  metav1.GroupVersionResource{Group: "kubevirt.io", Version: "v1", Resource: "virtualmachines"},
		Name:      newVM.Name,
		Namespace: newVM.Namespace,
		Operation: operation,
		Object:    rawJSON(t, newVM),
	}
	if oldVM != nil {
		request.OldObject = rawJSON(t, oldVM)
	}
	return request
}

func rawJSON(t *testing.T, object any) runtime.RawExtension {
	t.Helper()
	data, err := json.Marshal(object)
	if err != nil {
		t.Fatal(err)
	}
	return runtime.RawExtension{Raw: data}
}

func reviewJSON(t *testing.T, request *admissionRequest) []byte {
	t.Helper()
	data, err := json.Marshal(&admissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request:  request,
	})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestVMValidationAnswers(t *testing.T) {
	deleting := func(vm *virtv1.VirtualMachine) { vm.DeletionTimestamp = ptr.To(metav1.Now()) }
	always := runStrategyOf(virtv1.RunStrategyAlways)
	wrongResource := func(t *testing.T) []byte {
		request := vmRequest(t, "UPDATE", ruleVM(), ruleVM())
		request.Resource.Resource = "virtualmachineinstances"
		return reviewJSON(t, request)
	}
	unreadableOldVM := func(t *testing.T) []byte {
		request := vmRequest(t, "UPDATE", ruleVM(), ruleVM(restoring, always))
		request.OldObject = runtime.RawExtension{Raw: []byte(`{"spec":{"runStrategy":7}}`)}
		return reviewJSON(t, request)
	}

	for _, tc := range []struct {
		name string
		body func(t *testing.T) []byte
		// wantStatus is nil when the request is allowed.
		wantStatus *metav1.Status
	}{
		{
			name: "an update under restore that changes the run strategy is refused",
			body: func(t *testing.T) []byte {
				return vmReview(t, "UPDATE", ruleVM(restoring), ruleVM(restoring, always))
			},
			wantStatus: &metav1.Status{
				Message: restoreMessage,
				Reason:  metav1.StatusReasonInvalid,
				Code:    http.StatusUnprocessableEntity,
				Details: &metav1.StatusDetails{Causes: []metav1.StatusCause{
					{Type: metav1.CauseTypeFieldValueNotSupported, Message: restoreMessage, Field: "spec"},
				}},
			},
		},
		{
			name: "an update under snapshot that changes the volumes is refused",
			body: func(t *testing.T) []byte {
				return vmReview(t, "UPDATE", ruleVM(snapshotting), ruleVM(snapshotting, volumes()))
			},
			wantStatus: &metav1.Status{
				Message: snapshotVolumesMessage,
				Reason:  metav1.StatusReasonInvalid,
				Code:    http.StatusUnprocessableEntity,
				Details: &metav1.StatusDetails{Causes: []metav1.StatusCause{
					{Type: metav1.CauseTypeFieldValueNotSupported, Message: snapshotVolumesMessage, Field: "spec"},
				}},
			},
		},
		{
			name: "an update with no lock is allowed",
			body: func(t *testing.T) []byte { return vmReview(t, "UPDATE", ruleVM(), ruleVM(always)) },
		},
		{
			name: "a create is allowed whatever its status",
			body: func(t *testing.T) []byte { return vmReview(t, "CREATE", nil, ruleVM(restoring, snapshotting, always)) },
		},
		{
			name: "an update of a VM being deleted is allowed",
			body: func(t *testing.T) []byte {
				return vmReview(t, "UPDATE", ruleVM(restoring), ruleVM(restoring, always, deleting))
			},
		},
		{
			name:       "a review of another resource is an error",
			body:       wrongResource,
			wantStatus: &metav1.Status{Message: "expect resource to be 'virtualmachines'", Code: http.StatusBadRequest},
		},
		{
			name: "an old VM that cannot be read is refused",
			body: unreadableOldVM,
			wantStatus: &metav1.Status{
				Message: "Could not fetch old vm",
				Reason:  metav1.StatusReasonInvalid,
				Code:    http.StatusUnprocessableEntity,
				Details: &metav1.StatusDetails{Causes: []metav1.StatusCause{
					{Type: metav1.CauseTypeUnexpectedServerResponse, Message: "Could not fetch old vm"},
				}},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, Options{})
			code, answer := f.review(t, tc.body(t))
			if code != http.StatusOK {
				t.Fatalf("want HTTP 200; got %d", code)
			}
			if answer.APIVersion != "admission.k8s.io/v1" || answer.Kind != "AdmissionReview" {
				t.Errorf("want an admission.k8s.io/v1 AdmissionReview; got %s %s", answer.APIVersion, answer.Kind)
			}
			response := answer.Response
			if response == nil {
				t.Fatal("the review has no response")
			}
			if response.UID != "4f1d2b6e-0000-4000-8000-000000000001" {
				t.Errorf("want the request's uid in the response; got %q", response.UID)
			}
			if allowed := tc.wantStatus == nil; response.Allowed != allowed {
				t.Errorf("want allowed=%t; got %t (%+v)", allowed, response.Allowed, response.Result)
			}
			if !reflect.DeepEqual(response.Result, tc.wantStatus) {
				t.Errorf("want status %+v; got %+v", tc.wantStatus, response.Result)
			}
			if got := f.server.vmReviews.Load(); got != 1 {
				t.Errorf("want 1 review counted; got %d", got)
			}
		})
	}
}

func TestVMValidationRejectsMalformedReviews(t *testing.T) {
	f := newFixture(t, Options{})
	for _, body := range []string{`not json`, `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}`} {
		if code, _ := f.review(t, []byte(body)); code != http.StatusBadRequest {
			t.Errorf("review %q: want HTTP 400; got %d", body, code)
		}
	}
	if got := f.server.vmReviews.Load(); got != 0 {
		t.Errorf("want no review counted; got %d", got)
	}
}
