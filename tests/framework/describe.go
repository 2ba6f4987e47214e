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

package framework

import (
	"context"
	"fmt"
	"strings"
	"time"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
)

// The Describe functions render what a user would look at in an object, in
// one line, for failure messages and logs.

// DescribeSnapshot renders a VirtualMachineSnapshot's status.
func DescribeSnapshot(s *snapshotapi.VirtualMachineSnapshot) string {
	st := s.Status
	parts := []string{
		"phase " + orUnset(string(st.Phase)),
		"readyToUse=" + boolOrUnset(st.ReadyToUse),
		"consistent=" + boolOrUnset(st.Consistent),
		"conditions: " + DescribeConditions(st.Conditions),
	}
	if len(st.Indications) > 0 {
		names := make([]string, 0, len(st.Indications))
		for _, i := range st.Indications {
			names = append(names, string(i.Type))
		}
		parts = append(parts, "indications: "+strings.Join(names, ", "))
	}
	if st.Error != nil && st.Error.Message != nil {
		parts = append(parts, fmt.Sprintf("error: %q", *st.Error.Message))
	}
	if s.DeletionTimestamp != nil {
		parts = append(parts, fmt.Sprintf("deleting, finalizers %v", s.Finalizers))
	}
	return strings.Join(parts, ", ")
}

// DescribeConditions renders conditions as Type=Status (Reason: message).
func DescribeConditions(conditions []metav1.Condition) string {
	if len(conditions) == 0 {
		return "none"
	}
	out := make([]string, 0, len(conditions))
	for _, c := range conditions {
		out = append(out, fmt.Sprintf("%s=%s (%s: %q)", c.Type, c.Status, c.Reason, c.Message))
	}
	return strings.Join(out, "; ")
}

// DescribeContent renders a VirtualMachineSnapshotContent.
func DescribeContent(c *snapshotapi.VirtualMachineSnapshotContent) string {
	parts := []string{
		fmt.Sprintf("snapshot %s", ptrOr(c.Spec.VirtualMachineSnapshotName, "<none>")),
		fmt.Sprintf("deletionPolicy %s", c.Spec.DeletionPolicy),
		fmt.Sprintf("%d volumeBackups", len(c.Spec.VolumeBackups)),
		"readyToUse=" + boolOrUnset(c.Status.ReadyToUse),
	}
	if c.DeletionTimestamp != nil {
		parts = append(parts, fmt.Sprintf("deleting, finalizers %v", c.Finalizers))
	}
	return strings.Join(parts, ", ")
}

// DescribeVolumeSnapshot renders a VolumeSnapshot's status.
func DescribeVolumeSnapshot(vs *snapshotv1.VolumeSnapshot) string {
	st := vs.Status
	if st == nil {
		return "no status yet"
	}
	parts := []string{"readyToUse=" + boolOrUnset(st.ReadyToUse)}
	if st.CreationTime != nil {
		parts = append(parts, "cut at "+st.CreationTime.UTC().Format(time.RFC3339))
	} else {
		parts = append(parts, "not cut")
	}
	if st.BoundVolumeSnapshotContentName != nil {
		parts = append(parts, "content "+*st.BoundVolumeSnapshotContentName)
	}
	if st.Error != nil && st.Error.Message != nil {
		parts = append(parts, fmt.Sprintf("error: %q", *st.Error.Message))
	}
	if vs.DeletionTimestamp != nil {
		parts = append(parts, fmt.Sprintf("deleting, finalizers %v", vs.Finalizers))
	}
	return strings.Join(parts, ", ")
}

// DescribeClaim renders a PersistentVolumeClaim's binding.
func DescribeClaim(pvc *corev1.PersistentVolumeClaim) string {
	return fmt.Sprintf("phase %s, volume %s, storageClass %s",
		orUnset(string(pvc.Status.Phase)), orUnset(pvc.Spec.VolumeName), ptrOr(pvc.Spec.StorageClassName, "<default>"))
}

// DescribeVM renders the parts of a VirtualMachine's status vmsnap touches.
func DescribeVM(vm *kubevirtv1.VirtualMachine) string {
	return "snapshotInProgress=" + ptrOr(vm.Status.SnapshotInProgress, "<unset>")
}

// DescribeVMI renders a VirtualMachineInstance's phase and conditions.
func DescribeVMI(vmi *kubevirtv1.VirtualMachineInstance) string {
	conds := make([]string, 0, len(vmi.Status.Conditions))
	for _, c := range vmi.Status.Conditions {
		conds = append(conds, fmt.Sprintf("%s=%s", c.Type, c.Status))
	}
	return fmt.Sprintf("phase %s, conditions [%s], fsFreezeStatus %q",
		orUnset(string(vmi.Status.Phase)), strings.Join(conds, " "), vmi.Status.FSFreezeStatus)
}

// DescribeEvents renders events oldest first as type reason: message.
func DescribeEvents(events []corev1.Event) string {
	if len(events) == 0 {
		return "none"
	}
	out := make([]string, 0, len(events))
	for _, e := range events {
		out = append(out, fmt.Sprintf("%s %s: %q", e.Type, e.Reason, e.Message))
	}
	return strings.Join(out, "; ")
}

// describeNamespace lists the test's objects, one per line, for the log of
// a failed test.
func (f *Framework) describeNamespace(ctx context.Context) string {
	var b strings.Builder
	line := func(kind, name, description string) { fmt.Fprintf(&b, "  %s %s: %s\n", kind, name, description) }
	listErr := func(kind string, err error) { fmt.Fprintf(&b, "  listing %s: %v\n", kind, err) }
	ns := f.Namespace

	if list, err := f.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshots(ns).List(ctx, metav1.ListOptions{}); err != nil {
		listErr("vmsnapshots", err)
	} else {
		for i := range list.Items {
			line("vmsnapshot", list.Items[i].Name, DescribeSnapshot(&list.Items[i]))
		}
	}
	if list, err := f.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshotContents(ns).List(ctx, metav1.ListOptions{}); err != nil {
		listErr("vmsnapshotcontents", err)
	} else {
		for i := range list.Items {
			line("vmsnapshotcontent", list.Items[i].Name, DescribeContent(&list.Items[i]))
		}
	}
	if list, err := f.Snapshots.SnapshotV1().VolumeSnapshots(ns).List(ctx, metav1.ListOptions{}); err != nil {
		listErr("volumesnapshots", err)
	} else {
		for i := range list.Items {
			line("volumesnapshot", list.Items[i].Name, DescribeVolumeSnapshot(&list.Items[i]))
		}
	}
	if list, err := f.KubeVirt.KubevirtV1().VirtualMachines(ns).List(ctx, metav1.ListOptions{}); err != nil {
		listErr("virtualmachines", err)
	} else {
		for i := range list.Items {
			line("vm", list.Items[i].Name, DescribeVM(&list.Items[i]))
		}
	}
	if list, err := f.KubeVirt.KubevirtV1().VirtualMachineInstances(ns).List(ctx, metav1.ListOptions{}); err != nil {
		listErr("virtualmachineinstances", err)
	} else {
		for i := range list.Items {
			line("vmi", list.Items[i].Name, DescribeVMI(&list.Items[i]))
		}
	}
	if list, err := f.Kube.CoreV1().PersistentVolumeClaims(ns).List(ctx, metav1.ListOptions{}); err != nil {
		listErr("persistentvolumeclaims", err)
	} else {
		for i := range list.Items {
			line("pvc", list.Items[i].Name, DescribeClaim(&list.Items[i]))
		}
	}
	if list, err := f.Kube.CoreV1().Events(ns).List(ctx, metav1.ListOptions{}); err != nil {
		listErr("events", err)
	} else {
		for _, e := range list.Items {
			line("event", e.InvolvedObject.Kind+"/"+e.InvolvedObject.Name, fmt.Sprintf("%s %s: %q", e.Type, e.Reason, e.Message))
		}
	}
	for _, call := range f.VirtAPICalls("") {
		line("virt-api call", call.Name, fmt.Sprintf("%s at %s: %s %d %s", call.Op, call.Time.Format("15:04:05.000"), call.Result, call.StatusCode, call.Message))
	}
	return b.String()
}

func orUnset(s string) string {
	if s == "" {
		return "<unset>"
	}
	return s
}

func boolOrUnset(b *bool) string {
	if b == nil {
		return "<unset>"
	}
	return fmt.Sprint(*b)
}

func ptrOr[T ~string](p *T, fallback string) string {
	if p == nil {
		return fallback
	}
	return string(*p)
}
