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
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	kubefake "k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"
)

// The lifecycle is exercised on ConfigMaps: their data stands for a
// status, its "phase" key for the phase.
func configMapLifecycle(client *kubefake.Clientset, changes *[]string) *Lifecycle[*corev1.ConfigMap] {
	return (&Lifecycle[*corev1.ConfigMap]{
		Finalizer: "test.vmsnap.io/finalizer",
		Patch: func(ctx context.Context, cm *corev1.ConfigMap, patch []byte) (*corev1.ConfigMap, error) {
			return client.CoreV1().ConfigMaps(cm.Namespace).Patch(ctx, cm.Name, types.JSONPatchType, patch, metav1.PatchOptions{})
		},
		UpdateStatus: func(ctx context.Context, cm *corev1.ConfigMap) (*corev1.ConfigMap, error) {
			return client.CoreV1().ConfigMaps(cm.Namespace).Update(ctx, cm, metav1.UpdateOptions{})
		},
		Status:            func(cm *corev1.ConfigMap) any { return cm.Data },
		Phase:             func(cm *corev1.ConfigMap) string { return cm.Data["phase"] },
		ReadyReason:       func(cm *corev1.ConfigMap) string { return cm.Data["reason"] },
		ObserveGeneration: func(cm *corev1.ConfigMap) {},
		PhaseChanged: func(_ context.Context, cm *corev1.ConfigMap, from string) {
			*changes = append(*changes, from+"->"+cm.Data["phase"])
		},
	}).Init()
}

func TestLifecycleWritesOnceAndRemembersItsWrites(t *testing.T) {
	ctx := context.Background()
	cached := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "ns", ResourceVersion: "1"}, Data: map[string]string{"phase": "Pending"}}
	client := kubefake.NewClientset(cached)
	var changes []string
	lc := configMapLifecycle(client, &changes)

	s := lc.Begin(ctx, "ns/a", cached)
	if err := s.EnsureFinalizer(ctx); err != nil {
		t.Fatal(err)
	}
	if len(s.Object.Finalizers) != 1 {
		t.Fatalf("finalizers %v after EnsureFinalizer", s.Object.Finalizers)
	}
	if wrote, err := s.WriteStatus(ctx); err != nil || wrote {
		t.Fatalf("WriteStatus of an unchanged status: wrote %v, err %v; want no write", wrote, err)
	}
	s.Object.Data["phase"] = "InProgress"
	if wrote, err := s.WriteStatus(ctx); err != nil || !wrote {
		t.Fatalf("WriteStatus of a changed status: wrote %v, err %v", wrote, err)
	}
	s.Object.Data["reason"] = "still InProgress"
	if wrote, err := s.WriteStatus(ctx); err != nil || !wrote {
		t.Fatalf("second WriteStatus in one sync: wrote %v, err %v; want it compared with the first write", wrote, err)
	}
	if len(changes) != 1 || changes[0] != "Pending->InProgress" {
		t.Errorf("phase changes %v, want one Pending->InProgress", changes)
	}

	// The next sync, with the cache still at the old version, starts from
	// what this controller wrote.
	next := lc.Begin(ctx, "ns/a", cached)
	if next.Object.Data["reason"] != "still InProgress" || len(next.Object.Finalizers) != 1 {
		t.Errorf("next sync starts from %+v; want the controller's last write", next.Object)
	}
	if lc.Pending() != 1 {
		t.Errorf("Pending() = %d, want 1", lc.Pending())
	}
	lc.Forget("ns/a")
	if got := lc.Begin(ctx, "ns/a", cached); got.Object.ResourceVersion != "1" {
		t.Errorf("after Forget, the sync starts from resourceVersion %s; want the cache's", got.Object.ResourceVersion)
	}
}

func TestLifecycleToleratesAnObjectGoneWhileDeleted(t *testing.T) {
	ctx := context.Background()
	gone := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{
		Name: "a", Namespace: "ns", ResourceVersion: "1", DeletionTimestamp: ptr.To(metav1.Now()), Finalizers: []string{"test.vmsnap.io/finalizer"},
	}, Data: map[string]string{"phase": "Ready"}}
	var changes []string
	lc := configMapLifecycle(kubefake.NewClientset(), &changes)
	s := lc.Begin(ctx, "ns/a", gone)
	s.Object.Data["phase"] = "Terminating"
	if wrote, err := s.WriteStatus(ctx); err != nil || wrote {
		t.Errorf("status write of a deleted object that is gone: wrote %v, err %v; want neither", wrote, err)
	}
	if err := s.ReleaseFinalizer(ctx); err != nil {
		t.Errorf("releasing the finalizer of an object that is gone: %v", err)
	}
}
