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

package plugin

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
	"vmsnap.io/vmsnap/tests/framework"
)

// TestDiffAfterChanges compares a VM with its snapshot: unchanged; after a
// label, CPU and memory change, a disk added and a claim resized; after the
// VM was deleted. Each exits 0.
func TestDiffAfterChanges(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(2))
	snapshotAndRelease(f, "snap", vm.Name)

	unchanged := plugin(t, f, "diff", "snap")
	wantCode(t, unchanged, 0)
	golden(t, f, "diff-unchanged", unchanged.Stdout)

	f.CreateClaim(framework.ClaimName(vm.Name, "disk2"), "")
	f.UpdateVM(vm.Name, func(vm *kubevirtv1.VirtualMachine) {
		vm.Labels["tier"] = "gold"
		spec := &vm.Spec.Template.Spec
		spec.Domain.CPU = &kubevirtv1.CPU{Cores: 2}
		spec.Domain.Resources.Requests[corev1.ResourceMemory] = resource.MustParse("256Mi")
		spec.Volumes = append(spec.Volumes, kubevirtv1.Volume{Name: "disk2", VolumeSource: kubevirtv1.VolumeSource{
			PersistentVolumeClaim: &kubevirtv1.PersistentVolumeClaimVolumeSource{
				PersistentVolumeClaimVolumeSource: corev1.PersistentVolumeClaimVolumeSource{ClaimName: framework.ClaimName(vm.Name, "disk2")},
			},
		}})
		spec.Domain.Devices.Disks = append(spec.Domain.Devices.Disks, kubevirtv1.Disk{Name: "disk2",
			DiskDevice: kubevirtv1.DiskDevice{Disk: &kubevirtv1.DiskTarget{Bus: kubevirtv1.DiskBusVirtio}}})
	})
	f.ResizeClaim(framework.ClaimName(vm.Name, "disk1"), framework.GrownDiskSize)

	changed := plugin(t, f, "diff", "snap")
	wantCode(t, changed, 0)
	golden(t, f, "diff-changed", changed.Stdout)

	asJSON := plugin(t, f, "diff", "snap", "-o", "json")
	wantCode(t, asJSON, 0)
	var result struct {
		Snapshot, VirtualMachine        string
		Changed, SpecChanged, VMDeleted bool
		UnifiedDiff                     string
		Disks                           struct {
			Added   []struct{ Volume, Claim, Size string }
			Removed []any
			Resized []struct{ Volume, From, To string }
		}
	}
	if err := json.Unmarshal([]byte(asJSON.Stdout), &result); err != nil {
		t.Fatalf("diff -o json is not JSON: %v\n%s", err, asJSON.Stdout)
	}
	if !result.Changed || !result.SpecChanged || result.VMDeleted || !strings.Contains(result.UnifiedDiff, "+    tier: gold") {
		t.Errorf("diff -o json: %+v; want the spec changed, with the label in the diff", result)
	}
	if len(result.Disks.Added) != 1 || result.Disks.Added[0].Volume != "disk2" || result.Disks.Added[0].Size != "1Gi" ||
		len(result.Disks.Resized) != 1 || result.Disks.Resized[0].Volume != "disk1" || result.Disks.Resized[0].To != "2Gi" || len(result.Disks.Removed) != 0 {
		t.Errorf("diff -o json disks: %+v; want disk2 added (1Gi) and disk1 resized to 2Gi", result.Disks)
	}

	asYAML := plugin(t, f, "diff", "snap", "-o", "yaml")
	wantCode(t, asYAML, 0)
	if !strings.Contains(asYAML.Stdout, "specChanged: true") {
		t.Errorf("diff -o yaml:\n%s", asYAML.Stdout)
	}

	if err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).Delete(f.Context(), vm.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatalf("deleting VM %s: %v", vm.Name, err)
	}
	f.Eventually("virtualmachine "+f.Namespace+"/"+vm.Name, "gone", framework.DefaultTimeout, func(ctx context.Context) (bool, string, error) {
		_, err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).Get(ctx, vm.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, "", nil
		}
		return false, "still there", err
	})
	deleted := plugin(t, f, "diff", "snap")
	wantCode(t, deleted, 0)
	golden(t, f, "diff-vm-deleted", deleted.Stdout)
	requireNoEscapes(t, unchanged, changed, asJSON, asYAML, deleted)
}

// TestDiffErrors: a snapshot that does not exist, or that captured nothing,
// exits 1 with a message; wrong arguments exit 2.
func TestDiffErrors(t *testing.T) {
	f := framework.New(t)
	missing := plugin(t, f, "diff", "no-such-snap")
	wantCode(t, missing, 1)
	if want := `error: VirtualMachineSnapshot "no-such-snap" not found in namespace ` + f.Namespace + "\n"; missing.Stderr != want || missing.Stdout != "" {
		t.Errorf("diff of a missing snapshot: stdout %q stderr %q, want %q", missing.Stdout, missing.Stderr, want)
	}

	f.CreateSnapshot("ghost-snap", "ghost", framework.FailureDeadline(0))
	f.WaitForSnapshotCondition("ghost-snap", snapshotapi.ConditionReady, metav1.ConditionFalse, "SourceNotFound", framework.DefaultTimeout)
	nothing := plugin(t, f, "diff", "ghost-snap")
	wantCode(t, nothing, 1)
	if !strings.Contains(nothing.Stderr, "VirtualMachineSnapshot ghost-snap (phase Pending) has captured nothing to compare") {
		t.Errorf("diff of a snapshot without content said %q", nothing.Stderr)
	}
	for _, args := range [][]string{{"diff"}, {"diff", "a", "b"}, {"diff", "snap", "-o", "wide"}} {
		r := plugin(t, f, args...)
		wantCode(t, r, 2)
	}
	requireNoEscapes(t, missing, nothing)
}
