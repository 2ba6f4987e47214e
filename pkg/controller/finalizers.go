package controller

import (
	"encoding/json"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

type jsonPatchOp struct {
	Op    string      `json:"op"`
	Path  string      `json:"path"`
	Value interface{} `json:"value"`
}

// FinalizerPatch returns a JSON patch that sets the object's finalizers to
// its current ones with finalizer added (add=true) or removed, and whether a
// patch is needed at all. The patch tests the resourceVersion first, so it
// fails with a conflict instead of dropping another writer's finalizer.
func FinalizerPatch(obj metav1.Object, finalizer string, add bool) ([]byte, bool) {
	current := obj.GetFinalizers()
	has := slices.Contains(current, finalizer)
	if has == add {
		return nil, false
	}
	var want []string
	if add {
		want = append(slices.Clone(current), finalizer)
	} else {
		want = slices.DeleteFunc(slices.Clone(current), func(f string) bool { return f == finalizer })
	}
	patch, err := json.Marshal([]jsonPatchOp{
		{Op: "test", Path: "/metadata/resourceVersion", Value: obj.GetResourceVersion()},
		{Op: "add", Path: "/metadata/finalizers", Value: want},
	})
	if err != nil {
		// Strings always marshal.
		panic(err)
	}
	return patch, true
}
