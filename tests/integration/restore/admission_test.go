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
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/tests/framework"
)

// The apiserver refuses invalid restores, saying why, before the controller
// ever sees them; and a restore's spec cannot change.
func TestInvalidRestoresAreRejected(t *testing.T) {
	f := newTest(t)
	for _, tc := range []struct {
		name   string
		mutate func(*snapshotapi.VirtualMachineRestoreSpec)
		want   string
	}{
		{"no snapshot", func(s *snapshotapi.VirtualMachineRestoreSpec) { s.VirtualMachineSnapshotName = "" }, "spec.virtualMachineSnapshotName"},
		{"target of another kind", func(s *snapshotapi.VirtualMachineRestoreSpec) {
			s.Target = &corev1.TypedLocalObjectReference{APIGroup: ptr.To(""), Kind: "Pod", Name: "p"}
		}, "target must be {apiGroup: kubevirt.io, kind: VirtualMachine}"},
		{"target without a name", func(s *snapshotapi.VirtualMachineRestoreSpec) {
			s.Target = &corev1.TypedLocalObjectReference{APIGroup: ptr.To("kubevirt.io"), Kind: "VirtualMachine"}
		}, "target.name must not be empty"},
		{"target with an invalid name", func(s *snapshotapi.VirtualMachineRestoreSpec) {
			s.Target = &corev1.TypedLocalObjectReference{APIGroup: ptr.To("kubevirt.io"), Kind: "VirtualMachine", Name: "Not_A_VM"}
		}, "target.name must be a valid VirtualMachine name"},
		{"negative failureDeadline", func(s *snapshotapi.VirtualMachineRestoreSpec) {
			s.FailureDeadline = &metav1.Duration{Duration: -time.Second}
		}, "failureDeadline must not be negative"},
		{"unknown mode", func(s *snapshotapi.VirtualMachineRestoreSpec) { s.Mode = "Sometimes" }, "spec.mode"},
		{"unknown targetReadinessPolicy", func(s *snapshotapi.VirtualMachineRestoreSpec) { s.TargetReadinessPolicy = "Never" }, "spec.targetReadinessPolicy"},
		{"unknown volumeRestorePolicy", func(s *snapshotapi.VirtualMachineRestoreSpec) { s.VolumeRestorePolicy = "Random" }, "spec.volumeRestorePolicy"},
		{"nameReplacement to an invalid name", framework.Rename("", "vm", "Not_A_Name"), "spec.nameReplacements[0].to"},
		{"nameReplacement of an unknown kind", framework.Rename("ConfigMap", "vm", "vm2"), "spec.nameReplacements[0].from.kind"},
		{"nameReplacement without a name", framework.Rename("", "", "vm2"), "spec.nameReplacements[0].from.name"},
		{"two claims renamed to one name", func(s *snapshotapi.VirtualMachineRestoreSpec) {
			framework.Rename("PersistentVolumeClaim", "disk0", "shared")(s)
			framework.Rename("PersistentVolumeClaim", "disk1", "shared")(s)
		}, "nameReplacements rename two objects of the same kind to the same name"},
		{"a claim and an object of any kind renamed to one name", func(s *snapshotapi.VirtualMachineRestoreSpec) {
			framework.Rename("PersistentVolumeClaim", "disk0", "shared")(s)
			framework.Rename("", "ci", "shared")(s)
		}, "nameReplacements rename two objects of the same kind to the same name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := f.NewRestore("invalid", "snap")
			tc.mutate(&r.Spec)
			_, err := f.VMSnap.SnapshotV1alpha1().VirtualMachineRestores(f.Namespace).Create(f.Context(), r, metav1.CreateOptions{})
			if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("creating a restore with %s: got %v; want Invalid mentioning %q", tc.name, err, tc.want)
			}
		})
	}

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
