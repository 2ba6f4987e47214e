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

package vmsnapshot

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/tests/framework"
)

// A snapshot whose Secret copy the API server refuses (a ResourceQuota on
// Secrets) is never Ready without it: it waits, and once the quota is
// lifted it copies the Secret and is Ready, with the copy its content
// names.
func TestRefusedSecretCopyIsMadeLater(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(1), framework.WithCloudInit())
	quota := &corev1.ResourceQuota{
		ObjectMeta: metav1.ObjectMeta{Name: "no-more-secrets", Namespace: f.Namespace},
		Spec:       corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{"count/secrets": resource.MustParse("1")}},
	}
	created, err := f.Kube.CoreV1().ResourceQuotas(f.Namespace).Create(f.Context(), quota, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The test cluster runs no resource quota controller: the usage it
	// would record, the VM's one Secret, is written here.
	created.Status = corev1.ResourceQuotaStatus{Hard: quota.Spec.Hard, Used: corev1.ResourceList{"count/secrets": resource.MustParse("1")}}
	if _, err := f.Kube.CoreV1().ResourceQuotas(f.Namespace).UpdateStatus(f.Context(), created, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The quota admission reads quotas from its own cache: probe until a
	// Secret is refused, deleting the probes it let through.
	f.Eventually("resourcequota "+f.Namespace+"/"+quota.Name, "refusing Secrets", framework.DefaultTimeout,
		func(ctx context.Context) (bool, string, error) {
			probe := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{GenerateName: "quota-probe-", Namespace: f.Namespace}}
			made, err := f.Kube.CoreV1().Secrets(f.Namespace).Create(ctx, probe, metav1.CreateOptions{})
			if err != nil {
				return true, "", nil
			}
			return false, "a probe Secret was accepted", f.Kube.CoreV1().Secrets(f.Namespace).Delete(ctx, made.Name, metav1.DeleteOptions{})
		})
	f.CreateSnapshot("snap", vm.Name)
	f.Consistently("vmsnapshot "+f.Namespace+"/snap", "not Ready while its Secret copy is refused", 5*time.Second,
		func(ctx context.Context) (bool, string, error) {
			snap := f.GetSnapshot("snap")
			return snap.Status.Phase != snapshotapi.SnapshotReady, framework.DescribeSnapshot(snap), nil
		})

	if err := f.Kube.CoreV1().ResourceQuotas(f.Namespace).Delete(f.Context(), quota.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	snap := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	content := f.ContentOf(snap)
	if len(content.Spec.SecretBackups) != 1 {
		t.Fatalf("content %s: secretBackups %+v, want the cloud-init Secret", content.Name, content.Spec.SecretBackups)
	}
	backup := content.Spec.SecretBackups[0]
	copied, err := f.Kube.CoreV1().Secrets(f.Namespace).Get(f.Context(), backup.BackupSecretName, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the copy %s of Secret %s: %v", backup.BackupSecretName, backup.Name, err)
	}
	original, err := f.Kube.CoreV1().Secrets(f.Namespace).Get(f.Context(), backup.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if string(copied.Data["userdata"]) != string(original.Data["userdata"]) {
		t.Errorf("the copy holds %q, want the Secret's %q", copied.Data["userdata"], original.Data["userdata"])
	}
}
