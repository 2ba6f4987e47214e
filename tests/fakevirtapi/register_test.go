package fakevirtapi

import (
	"encoding/base64"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
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
