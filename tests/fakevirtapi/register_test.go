package fakevirtapi

import (
	"encoding/base64"
	"slices"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"
)

func TestAPIService(t *testing.T) {
	obj := apiService(8443, []byte("ca"))
	spec := obj.Object["spec"].(map[string]any)
	service := spec["service"].(map[string]any)
	if obj.GetName() != "v1.subresources.kubevirt.io" || spec["group"] != Group || spec["version"] != Version {
		t.Errorf("APIService names %s for %v/%v", obj.GetName(), spec["group"], spec["version"])
	}
	if service["namespace"] != Namespace || service["name"] != ServiceName || service["port"] != int64(8443) {
		t.Errorf("APIService points at %v", service)
	}
	if spec["caBundle"] != base64.StdEncoding.EncodeToString([]byte("ca")) {
		t.Errorf("caBundle is %v", spec["caBundle"])
	}
}

func TestAvailableCondition(t *testing.T) {
	withConditions := func(conditions ...any) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{"status": map[string]any{"conditions": conditions}}}
	}
	tests := []struct {
		name          string
		apiService    *unstructured.Unstructured
		wantAvailable bool
		wantMessage   string
	}{
		{name: "no status", apiService: &unstructured.Unstructured{Object: map[string]any{}}, wantMessage: "no Available condition yet"},
		{
			name:        "unavailable",
			apiService:  withConditions(map[string]any{"type": "Available", "status": "False", "message": "failing or missing response"}),
			wantMessage: "failing or missing response",
		},
		{
			name:          "available",
			apiService:    withConditions(map[string]any{"type": "Other", "status": "False"}, map[string]any{"type": "Available", "status": "True", "message": "all checks passed"}),
			wantAvailable: true,
			wantMessage:   "all checks passed",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			available, message := availableCondition(tc.apiService)
			if available != tc.wantAvailable || message != tc.wantMessage {
				t.Errorf("got (%t, %q), want (%t, %q)", available, message, tc.wantAvailable, tc.wantMessage)
			}
		})
	}
}

// TestVMValidator checks the webhook against KubeVirt's registration of its
// VirtualMachine validator.
func TestVMValidator(t *testing.T) {
	config := vmValidator(8443, []byte("ca"))
	if ptr.Deref(config.Name, "") != "virt-api-validator" || len(config.Webhooks) != 1 {
		t.Fatalf("configuration %s has %d webhooks, want virt-api-validator with 1", ptr.Deref(config.Name, ""), len(config.Webhooks))
	}
	webhook := config.Webhooks[0]
	if ptr.Deref(webhook.Name, "") != "virtualmachine-validator.kubevirt.io" ||
		ptr.Deref(webhook.FailurePolicy, "") != admissionregistrationv1.Fail ||
		ptr.Deref(webhook.SideEffects, "") != admissionregistrationv1.SideEffectClassNone ||
		ptr.Deref(webhook.TimeoutSeconds, 0) != 10 ||
		!slices.Equal(webhook.AdmissionReviewVersions, []string{"v1"}) {
		t.Errorf("webhook is %s, failurePolicy %v, sideEffects %v, timeout %v, review versions %v",
			ptr.Deref(webhook.Name, ""), ptr.Deref(webhook.FailurePolicy, ""), ptr.Deref(webhook.SideEffects, ""),
			ptr.Deref(webhook.TimeoutSeconds, 0), webhook.AdmissionReviewVersions)
	}
	if len(webhook.Rules) != 1 {
		t.Fatalf("webhook has %d rules, want 1", len(webhook.Rules))
	}
	rule := webhook.Rules[0]
	if !slices.Equal(rule.Operations, []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update}) ||
		!slices.Equal(rule.APIGroups, []string{"kubevirt.io"}) || !slices.Equal(rule.APIVersions, []string{"v1"}) ||
		!slices.Equal(rule.Resources, []string{"virtualmachines"}) {
		t.Errorf("rule is %v on %v/%v %v", rule.Operations, rule.APIGroups, rule.APIVersions, rule.Resources)
	}
	client := webhook.ClientConfig
	if service := client.Service; service == nil || ptr.Deref(service.Namespace, "") != Namespace || ptr.Deref(service.Name, "") != ServiceName ||
		ptr.Deref(service.Port, 0) != 8443 || ptr.Deref(service.Path, "") != "/virtualmachines-validate" {
		t.Errorf("webhook points at %+v", client.Service)
	}
	if string(client.CABundle) != "ca" {
		t.Errorf("caBundle is %q", client.CABundle)
	}
}
