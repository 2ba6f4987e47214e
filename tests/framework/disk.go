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
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/tests/framework/cluster"
)

// DiskSnapshotOption sets a field of a VirtualDiskSnapshot's spec.
type DiskSnapshotOption func(*snapshotapi.VirtualDiskSnapshotSpec)

// DiskFailureDeadline sets spec.failureDeadline.
func DiskFailureDeadline(d time.Duration) DiskSnapshotOption {
	return func(s *snapshotapi.VirtualDiskSnapshotSpec) { s.FailureDeadline = &metav1.Duration{Duration: d} }
}

// DiskRequiredConsistency sets spec.requiredConsistency.
func DiskRequiredConsistency(required bool) DiskSnapshotOption {
	return func(s *snapshotapi.VirtualDiskSnapshotSpec) { s.RequiredConsistency = ptr.To(required) }
}

// DiskSnapshotClass sets spec.volumeSnapshotClassName.
func DiskSnapshotClass(name string) DiskSnapshotOption {
	return func(s *snapshotapi.VirtualDiskSnapshotSpec) { s.VolumeSnapshotClassName = ptr.To(name) }
}

// NewDiskSnapshot returns, without creating it, a snapshot of the disk (a
// claim or DataVolume) in the test's namespace.
func (f *Framework) NewDiskSnapshot(name, disk string, opts ...DiskSnapshotOption) *snapshotapi.VirtualDiskSnapshot {
	s := &snapshotapi.VirtualDiskSnapshot{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: f.Namespace},
		Spec:       snapshotapi.VirtualDiskSnapshotSpec{VirtualDiskName: disk},
	}
	for _, opt := range opts {
		opt(&s.Spec)
	}
	return s
}

// CreateDiskSnapshot creates a snapshot of the disk.
func (f *Framework) CreateDiskSnapshot(name, disk string, opts ...DiskSnapshotOption) *snapshotapi.VirtualDiskSnapshot {
	f.t.Helper()
	created, err := f.VMSnap.SnapshotV1alpha1().VirtualDiskSnapshots(f.Namespace).Create(f.ctx, f.NewDiskSnapshot(name, disk, opts...), metav1.CreateOptions{})
	if err != nil {
		f.t.Fatalf("creating VirtualDiskSnapshot %s: %v", name, err)
	}
	return created
}

// GetDiskSnapshot reads a disk snapshot of the test's namespace.
func (f *Framework) GetDiskSnapshot(name string) *snapshotapi.VirtualDiskSnapshot {
	f.t.Helper()
	s, err := f.VMSnap.SnapshotV1alpha1().VirtualDiskSnapshots(f.Namespace).Get(f.ctx, name, metav1.GetOptions{})
	if err != nil {
		f.t.Fatalf("reading VirtualDiskSnapshot %s: %v", name, err)
	}
	return s
}

// DeleteDiskSnapshot deletes a disk snapshot; its cleanup is the controller's.
func (f *Framework) DeleteDiskSnapshot(name string) {
	f.t.Helper()
	if err := f.VMSnap.SnapshotV1alpha1().VirtualDiskSnapshots(f.Namespace).Delete(f.ctx, name, metav1.DeleteOptions{}); err != nil {
		f.t.Fatalf("deleting VirtualDiskSnapshot %s: %v", name, err)
	}
}

// WaitForDiskSnapshot waits until ok holds for the disk snapshot; want says
// what ok checks, for the failure message.
func (f *Framework) WaitForDiskSnapshot(name, want string, timeout time.Duration, ok func(*snapshotapi.VirtualDiskSnapshot) bool) *snapshotapi.VirtualDiskSnapshot {
	f.t.Helper()
	return waitForObject(f, "vdsnapshot "+f.Namespace+"/"+name, want, timeout, f.diskSnapshotGetter(name), DescribeDiskSnapshot, ok)
}

func (f *Framework) diskSnapshotGetter(name string) func(context.Context) (*snapshotapi.VirtualDiskSnapshot, error) {
	return func(ctx context.Context) (*snapshotapi.VirtualDiskSnapshot, error) {
		return f.VMSnap.SnapshotV1alpha1().VirtualDiskSnapshots(f.Namespace).Get(ctx, name, metav1.GetOptions{})
	}
}

// WaitForDiskSnapshotPhase waits until the disk snapshot reaches phase.
func (f *Framework) WaitForDiskSnapshotPhase(name string, phase snapshotapi.SnapshotPhase, timeout time.Duration) *snapshotapi.VirtualDiskSnapshot {
	f.t.Helper()
	return f.WaitForDiskSnapshot(name, "phase "+string(phase), timeout, func(s *snapshotapi.VirtualDiskSnapshot) bool {
		return s.Status.Phase == phase
	})
}

// WaitForDiskSnapshotCondition waits until the disk snapshot's condition of
// type conditionType has the status and reason.
func (f *Framework) WaitForDiskSnapshotCondition(name, conditionType string, status metav1.ConditionStatus, reason string, timeout time.Duration) *snapshotapi.VirtualDiskSnapshot {
	f.t.Helper()
	want := fmt.Sprintf("condition %s=%s with reason %s", conditionType, status, reason)
	return f.WaitForDiskSnapshot(name, want, timeout, func(s *snapshotapi.VirtualDiskSnapshot) bool {
		c := meta.FindStatusCondition(s.Status.Conditions, conditionType)
		return c != nil && c.Status == status && c.Reason == reason
	})
}

// WaitForDiskSnapshotGone waits until the disk snapshot is deleted,
// finalizer and all.
func (f *Framework) WaitForDiskSnapshotGone(name string) {
	f.t.Helper()
	waitForObjectGone(f, "vdsnapshot "+f.Namespace+"/"+name, f.diskSnapshotGetter(name), DescribeDiskSnapshot)
}

// WaitForNoVolumeSnapshots waits until the namespace holds no
// VolumeSnapshot, and no VolumeSnapshotContent is bound to one of it: what
// a failed or deleted disk snapshot must leave behind.
func (f *Framework) WaitForNoVolumeSnapshots() {
	f.t.Helper()
	f.Eventually("namespace "+f.Namespace, "no volumesnapshots and no volumesnapshotcontents of them", DefaultTimeout, func(ctx context.Context) (bool, string, error) {
		snapshots, err := f.Snapshots.SnapshotV1().VolumeSnapshots(f.Namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, "", err
		}
		contents, err := f.Snapshots.SnapshotV1().VolumeSnapshotContents().List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, "", err
		}
		var left []string
		for i := range snapshots.Items {
			left = append(left, "volumesnapshot "+snapshots.Items[i].Name+" ("+DescribeVolumeSnapshot(&snapshots.Items[i])+")")
		}
		for _, c := range contents.Items {
			if c.Spec.VolumeSnapshotRef.Namespace == f.Namespace {
				left = append(left, "volumesnapshotcontent "+c.Name+" of "+c.Spec.VolumeSnapshotRef.Name)
			}
		}
		return len(left) == 0, strings.Join(left, "; "), nil
	})
}

// DescribeDiskSnapshot renders a VirtualDiskSnapshot's status.
func DescribeDiskSnapshot(s *snapshotapi.VirtualDiskSnapshot) string {
	st := s.Status
	parts := []string{
		"phase " + orUnset(string(st.Phase)),
		"readyToUse=" + boolOrUnset(st.ReadyToUse),
		"consistent=" + boolOrUnset(st.Consistent),
		"volumeSnapshot " + ptrOr(st.VolumeSnapshotName, "<unset>"),
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

// CreateDefaultVolumeSnapshotClassFor makes a VolumeSnapshotClass of the
// given driver annotated as the driver's default. It is deleted after the
// test.
func (f *Framework) CreateDefaultVolumeSnapshotClassFor(driver string) string {
	f.t.Helper()
	class := &snapshotv1.VolumeSnapshotClass{
		ObjectMeta: metav1.ObjectMeta{
			Name:        f.name("vsc"),
			Annotations: map[string]string{"snapshot.storage.kubernetes.io/is-default-class": "true"},
		},
		Driver:         driver,
		DeletionPolicy: snapshotv1.VolumeSnapshotContentDelete,
	}
	if _, err := f.Snapshots.SnapshotV1().VolumeSnapshotClasses().Create(f.ctx, class, metav1.CreateOptions{}); err != nil {
		f.t.Fatalf("creating VolumeSnapshotClass %s: %v", class.Name, err)
	}
	f.deferClusterCleanup(func(ctx context.Context) error {
		return f.Snapshots.SnapshotV1().VolumeSnapshotClasses().Delete(ctx, class.Name, metav1.DeleteOptions{})
	})
	return class.Name
}

// NewRestoreClaim returns, without creating it, a ReadWriteOnce claim of
// size on storageClass (cluster.StorageClassName if empty) whose
// dataSourceRef is the VirtualDiskSnapshot diskSnapshot.
func (f *Framework) NewRestoreClaim(name, diskSnapshot, size, storageClass string) *corev1.PersistentVolumeClaim {
	if storageClass == "" {
		storageClass = cluster.StorageClassName
	}
	claim := f.newClaim(name, storageClass)
	claim.Spec.Resources.Requests[corev1.ResourceStorage] = resource.MustParse(size)
	claim.Spec.DataSourceRef = &corev1.TypedObjectReference{
		APIGroup: ptr.To(snapshotapi.SchemeGroupVersion.Group), Kind: "VirtualDiskSnapshot", Name: diskSnapshot,
	}
	return claim
}

// CreateRestoreClaim creates the claim NewRestoreClaim describes, without
// waiting for it to bind.
func (f *Framework) CreateRestoreClaim(name, diskSnapshot, size, storageClass string) *corev1.PersistentVolumeClaim {
	f.t.Helper()
	created, err := f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).Create(f.ctx, f.NewRestoreClaim(name, diskSnapshot, size, storageClass), metav1.CreateOptions{})
	if err != nil {
		f.t.Fatalf("creating PersistentVolumeClaim %s: %v", name, err)
	}
	return created
}

// GetClaim reads a claim of the test's namespace.
func (f *Framework) GetClaim(name string) *corev1.PersistentVolumeClaim {
	f.t.Helper()
	claim, err := f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).Get(f.ctx, name, metav1.GetOptions{})
	if err != nil {
		f.t.Fatalf("reading PersistentVolumeClaim %s: %v", name, err)
	}
	return claim
}

// WaitForClaimGone waits until a claim of the test's namespace is deleted.
func (f *Framework) WaitForClaimGone(name string) {
	f.t.Helper()
	f.WaitForGone("persistentvolumeclaim "+f.Namespace+"/"+name, func(ctx context.Context) (string, error) {
		claim, err := f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return "", err
		}
		return DescribeClaim(claim) + fmt.Sprintf(", finalizers %v", claim.Finalizers), nil
	})
}
