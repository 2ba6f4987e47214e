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

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/tests/framework"
)

// A restore's spec cannot change once it is created, and one name for
// objects of different kinds is no collision. (Malformed new restores:
// TestMalformedManifestsAreRefused in the vmsnapshot suite, whose cluster
// serves every kind.)
func TestInvalidRestoresAreRejected(t *testing.T) {
	f := newTest(t)
	t.Run("one name for objects of different kinds is accepted", func(t *testing.T) {
		r := f.NewRestore("different-kinds", "snap", framework.Rename("VirtualMachine", "vm", "same"),
			framework.Rename("PersistentVolumeClaim", "vm-disk0", "same"), framework.Rename("Secret", "vm-ci", "same"))
		if _, err := f.VMSnap.SnapshotV1alpha1().VirtualMachineRestores(f.Namespace).Create(f.Context(), r, metav1.CreateOptions{}); err != nil {
			t.Errorf("a VM, a claim and a Secret renamed to one name: %v; want accepted", err)
		}
	})

	t.Run("the spec is immutable", func(t *testing.T) {
		f.CreateRestore("valid", "snap")
		var err error
		// The controller writes the restore too: read it again after a conflict.
		f.Eventually("vmrestore "+f.Namespace+"/valid", "an update that is not a conflict", framework.DefaultTimeout,
			func(ctx context.Context) (bool, string, error) {
				r, getErr := f.VMSnap.SnapshotV1alpha1().VirtualMachineRestores(f.Namespace).Get(ctx, "valid", metav1.GetOptions{})
				if getErr != nil {
					return false, "", getErr
				}
				r.Spec.Mode = snapshotapi.RestoreModeDryRun
				_, err = f.VMSnap.SnapshotV1alpha1().VirtualMachineRestores(f.Namespace).Update(ctx, r, metav1.UpdateOptions{})
				return !apierrors.IsConflict(err), "a conflict", nil
			})
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec is immutable") {
			t.Errorf("changing the spec: got %v; want Invalid saying the spec is immutable", err)
		}
	})
}
