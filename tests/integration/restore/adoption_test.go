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

package restore

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/restore"
	"vmsnap.io/vmsnap/tests/framework"
)

// Another user of the namespace replaces a Ready snapshot's copy of the
// VM's cloud-init Secret with a Secret of their own under the same name.
// A restore never puts that data into a guest: it waits, saying which copy
// is not the snapshot's, and fails at its deadline without creating the VM.
// (Before, the restore copied whatever Secret had the name.)
func TestRestoreNeverUsesASecretCopyMadeBySomeoneElse(t *testing.T) {
	const deadline = 15 * time.Second
	f := newTest(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(1), framework.WithCloudInit())
	content := f.ContentOf(readySnapshot(f, "snap", vm.Name))
	copyName := content.Spec.SecretBackups[0].BackupSecretName
	if err := f.Kube.CoreV1().Secrets(f.Namespace).Delete(f.Context(), copyName, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	f.Eventually("secret "+f.Namespace+"/"+copyName, "gone", framework.DefaultTimeout, func(ctx context.Context) (bool, string, error) {
		_, err := f.Kube.CoreV1().Secrets(f.Namespace).Get(ctx, copyName, metav1.GetOptions{})
		return apierrors.IsNotFound(err), "exists", nil
	})
	if _, err := f.Kube.CoreV1().Secrets(f.Namespace).Create(f.Context(), &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: copyName, Namespace: f.Namespace},
		Data:       map[string][]byte{"userdata": []byte("#cloud-config\nusers: [{name: intruder}]")},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	f.CreateRestore("restore", "snap", append(renameAll("vm2"), framework.RestoreDeadline(deadline))...)
	failed := f.WaitForRestorePhase("restore", snapshotapi.RestoreFailed, deadline+framework.DefaultTimeout)
	ready := condition(failed, snapshotapi.ConditionReady)
	if ready.Reason != restore.ReasonNameConflict || !strings.Contains(ready.Message, copyName) {
		t.Errorf("want Ready=False %s naming the copy %s; got %s: %s", restore.ReasonNameConflict, copyName, ready.Reason, ready.Message)
	}
	if _, err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).Get(f.Context(), "vm2", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("VM vm2: %v; want it never created", err)
	}
	if _, err := f.Kube.CoreV1().Secrets(f.Namespace).Get(f.Context(), framework.CloudInitSecretName("vm2"), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("Secret %s: %v; want it never created", framework.CloudInitSecretName("vm2"), err)
	}
}
