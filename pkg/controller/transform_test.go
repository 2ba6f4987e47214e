/*
Copyright The vmsnap Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package controller

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
)

func TestDropManagedFieldsKeepsEverythingElse(t *testing.T) {
	pvc := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{
		Name: "disk", Labels: map[string]string{"a": "b"},
		ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl", Operation: metav1.ManagedFieldsOperationApply}},
	}}
	out, err := DropManagedFields(pvc)
	if err != nil {
		t.Fatal(err)
	}
	got := out.(*corev1.PersistentVolumeClaim)
	if got.ManagedFields != nil || got.Name != "disk" || got.Labels["a"] != "b" {
		t.Fatalf("got %+v, want the claim without managedFields and nothing else changed", got.ObjectMeta)
	}
	tombstone := cache.DeletedFinalStateUnknown{Key: "ns/disk", Obj: pvc}
	if out, err := DropManagedFields(tombstone); err != nil || out != any(tombstone) {
		t.Fatalf("a tombstone must pass through unchanged, got %v, %v", out, err)
	}
}
