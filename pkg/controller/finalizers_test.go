package controller

import (
	"encoding/json"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestFinalizerPatch(t *testing.T) {
	const f = "snapshot.vmsnap.io/cleanup"
	obj := &metav1.ObjectMeta{ResourceVersion: "42", Finalizers: []string{"other"}}

	patch, needed := FinalizerPatch(obj, f, true)
	if !needed {
		t.Fatal("adding a missing finalizer: no patch")
	}
	var ops []jsonPatchOp
	if err := json.Unmarshal(patch, &ops); err != nil {
		t.Fatal(err)
	}
	if len(ops) != 2 || ops[0].Op != "test" || ops[0].Value != "42" || ops[1].Path != "/metadata/finalizers" {
		t.Fatalf("patch %s: want a resourceVersion test, then the finalizer list", patch)
	}
	if got := ops[1].Value.([]interface{}); len(got) != 2 || got[0] != "other" || got[1] != f {
		t.Fatalf("finalizers %v, want [other %s]", got, f)
	}
	if len(obj.Finalizers) != 1 {
		t.Fatal("FinalizerPatch modified the object")
	}

	if _, needed := FinalizerPatch(obj, "other", true); needed {
		t.Error("adding a present finalizer: patch")
	}
	if _, needed := FinalizerPatch(obj, f, false); needed {
		t.Error("removing a missing finalizer: patch")
	}
	patch, needed = FinalizerPatch(obj, "other", false)
	if !needed {
		t.Fatal("removing a present finalizer: no patch")
	}
	_ = json.Unmarshal(patch, &ops)
	if got := ops[1].Value.([]interface{}); len(got) != 0 {
		t.Fatalf("finalizers after removal %v, want []", got)
	}
}
