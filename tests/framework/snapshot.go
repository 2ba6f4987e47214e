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
	"slices"
	"strings"
	"time"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/tests/fakevirtapi"
)

// SnapshotOption sets a field of a VirtualMachineSnapshot's spec.
type SnapshotOption func(*snapshotapi.VirtualMachineSnapshotSpec)

// FailureDeadline sets spec.failureDeadline.
func FailureDeadline(d time.Duration) SnapshotOption {
	return func(s *snapshotapi.VirtualMachineSnapshotSpec) { s.FailureDeadline = &metav1.Duration{Duration: d} }
}

// RequiredConsistency sets spec.requiredConsistency.
func RequiredConsistency(required bool) SnapshotOption {
	return func(s *snapshotapi.VirtualMachineSnapshotSpec) { s.RequiredConsistency = ptr.To(required) }
}

// WithDeletionPolicy sets spec.deletionPolicy.
func WithDeletionPolicy(p snapshotapi.DeletionPolicy) SnapshotOption {
	return func(s *snapshotapi.VirtualMachineSnapshotSpec) { s.DeletionPolicy = p }
}

// WithVolumeSelection sets spec.volumeSelection.
func WithVolumeSelection(p snapshotapi.VolumeSelectionPolicy) SnapshotOption {
	return func(s *snapshotapi.VirtualMachineSnapshotSpec) { s.VolumeSelection = p }
}

// WithSnapshotClass maps the disks of a StorageClass to a VolumeSnapshotClass.
func WithSnapshotClass(storageClass, volumeSnapshotClass string) SnapshotOption {
	return func(s *snapshotapi.VirtualMachineSnapshotSpec) {
		s.VolumeSnapshotClasses = append(s.VolumeSnapshotClasses, snapshotapi.VolumeSnapshotClassMapping{
			StorageClassName: storageClass, VolumeSnapshotClassName: volumeSnapshotClass,
		})
	}
}

// FromContent makes the snapshot bind a retained content instead of
// snapshotting a VM; the source name given to NewSnapshot is ignored.
func FromContent(contentName string) SnapshotOption {
	return func(s *snapshotapi.VirtualMachineSnapshotSpec) {
		s.Source = corev1.TypedLocalObjectReference{
			APIGroup: ptr.To(snapshotapi.SchemeGroupVersion.Group),
			Kind:     "VirtualMachineSnapshotContent",
			Name:     contentName,
		}
	}
}

// NewSnapshot returns, without creating it, a snapshot of the VM vmName in
// the test's namespace.
func (f *Framework) NewSnapshot(name, vmName string, opts ...SnapshotOption) *snapshotapi.VirtualMachineSnapshot {
	s := &snapshotapi.VirtualMachineSnapshot{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: f.Namespace},
		Spec: snapshotapi.VirtualMachineSnapshotSpec{
			Source: corev1.TypedLocalObjectReference{APIGroup: ptr.To("kubevirt.io"), Kind: "VirtualMachine", Name: vmName},
		},
	}
	for _, opt := range opts {
		opt(&s.Spec)
	}
	return s
}

// CreateSnapshot creates a snapshot of the VM vmName.
func (f *Framework) CreateSnapshot(name, vmName string, opts ...SnapshotOption) *snapshotapi.VirtualMachineSnapshot {
	f.t.Helper()
	created, err := f.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshots(f.Namespace).Create(f.ctx, f.NewSnapshot(name, vmName, opts...), metav1.CreateOptions{})
	if err != nil {
		f.t.Fatalf("creating VirtualMachineSnapshot %s: %v", name, err)
	}
	return created
}

// GetSnapshot reads a snapshot of the test's namespace.
func (f *Framework) GetSnapshot(name string) *snapshotapi.VirtualMachineSnapshot {
	f.t.Helper()
	s, err := f.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshots(f.Namespace).Get(f.ctx, name, metav1.GetOptions{})
	if err != nil {
		f.t.Fatalf("reading VirtualMachineSnapshot %s: %v", name, err)
	}
	return s
}

// DeleteSnapshot deletes a snapshot; its cleanup is the controller's.
func (f *Framework) DeleteSnapshot(name string) {
	f.t.Helper()
	if err := f.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshots(f.Namespace).Delete(f.ctx, name, metav1.DeleteOptions{}); err != nil {
		f.t.Fatalf("deleting VirtualMachineSnapshot %s: %v", name, err)
	}
}

// WaitForSnapshot waits until ok holds for the snapshot; want says what ok
// checks, for the failure message.
func (f *Framework) WaitForSnapshot(name, want string, timeout time.Duration, ok func(*snapshotapi.VirtualMachineSnapshot) bool) *snapshotapi.VirtualMachineSnapshot {
	f.t.Helper()
	return waitForObject(f, "vmsnapshot "+f.Namespace+"/"+name, want, timeout, f.snapshotGetter(name), DescribeSnapshot, ok)
}

func (f *Framework) snapshotGetter(name string) func(context.Context) (*snapshotapi.VirtualMachineSnapshot, error) {
	return func(ctx context.Context) (*snapshotapi.VirtualMachineSnapshot, error) {
		return f.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshots(f.Namespace).Get(ctx, name, metav1.GetOptions{})
	}
}

// WaitForSnapshotPhase waits until the snapshot reaches phase.
func (f *Framework) WaitForSnapshotPhase(name string, phase snapshotapi.SnapshotPhase, timeout time.Duration) *snapshotapi.VirtualMachineSnapshot {
	f.t.Helper()
	return f.WaitForSnapshot(name, "phase "+string(phase), timeout, func(s *snapshotapi.VirtualMachineSnapshot) bool {
		return s.Status.Phase == phase
	})
}

// WaitForSnapshotCondition waits until the snapshot's condition of type
// conditionType has the status and reason.
func (f *Framework) WaitForSnapshotCondition(name, conditionType string, status metav1.ConditionStatus, reason string, timeout time.Duration) *snapshotapi.VirtualMachineSnapshot {
	f.t.Helper()
	want := fmt.Sprintf("condition %s=%s with reason %s", conditionType, status, reason)
	return f.WaitForSnapshot(name, want, timeout, func(s *snapshotapi.VirtualMachineSnapshot) bool {
		c := meta.FindStatusCondition(s.Status.Conditions, conditionType)
		return c != nil && c.Status == status && c.Reason == reason
	})
}

// WaitForSnapshotGone waits until the snapshot is deleted, finalizer and all.
func (f *Framework) WaitForSnapshotGone(name string) {
	f.t.Helper()
	waitForObjectGone(f, "vmsnapshot "+f.Namespace+"/"+name, f.snapshotGetter(name), DescribeSnapshot)
}

// GetContent reads a content of the test's namespace.
func (f *Framework) GetContent(name string) *snapshotapi.VirtualMachineSnapshotContent {
	f.t.Helper()
	c, err := f.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshotContents(f.Namespace).Get(f.ctx, name, metav1.GetOptions{})
	if err != nil {
		f.t.Fatalf("reading VirtualMachineSnapshotContent %s: %v", name, err)
	}
	return c
}

// ContentOf reads the content a snapshot's status names.
func (f *Framework) ContentOf(s *snapshotapi.VirtualMachineSnapshot) *snapshotapi.VirtualMachineSnapshotContent {
	f.t.Helper()
	if s.Status.VirtualMachineSnapshotContentName == nil {
		f.t.Fatalf("vmsnapshot %s/%s names no content: %s", s.Namespace, s.Name, DescribeSnapshot(s))
	}
	return f.GetContent(*s.Status.VirtualMachineSnapshotContentName)
}

// WaitForContentGone waits until a content is deleted.
func (f *Framework) WaitForContentGone(name string) {
	f.t.Helper()
	f.WaitForGone("vmsnapshotcontent "+f.Namespace+"/"+name, func(ctx context.Context) (string, error) {
		c, err := f.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshotContents(f.Namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return "", err
		}
		return DescribeContent(c), nil
	})
}

// VolumeSnapshotsOf reads the VolumeSnapshot of each of the content's
// volume backups, in their order.
func (f *Framework) VolumeSnapshotsOf(c *snapshotapi.VirtualMachineSnapshotContent) []*snapshotv1.VolumeSnapshot {
	f.t.Helper()
	var out []*snapshotv1.VolumeSnapshot
	for _, b := range c.Spec.VolumeBackups {
		name := ptr.Deref(b.VolumeSnapshotName, "")
		vs, err := f.Snapshots.SnapshotV1().VolumeSnapshots(f.Namespace).Get(f.ctx, name, metav1.GetOptions{})
		if err != nil {
			f.t.Fatalf("reading VolumeSnapshot %s of volume %s: %v", name, b.VolumeName, err)
		}
		out = append(out, vs)
	}
	return out
}

// ListVolumeSnapshots lists the VolumeSnapshots of the test's namespace.
func (f *Framework) ListVolumeSnapshots() []snapshotv1.VolumeSnapshot {
	f.t.Helper()
	list, err := f.Snapshots.SnapshotV1().VolumeSnapshots(f.Namespace).List(f.ctx, metav1.ListOptions{})
	if err != nil {
		f.t.Fatalf("listing VolumeSnapshots: %v", err)
	}
	return list.Items
}

// ListContents lists the VirtualMachineSnapshotContents of the test's namespace.
func (f *Framework) ListContents() []snapshotapi.VirtualMachineSnapshotContent {
	f.t.Helper()
	list, err := f.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshotContents(f.Namespace).List(f.ctx, metav1.ListOptions{})
	if err != nil {
		f.t.Fatalf("listing VirtualMachineSnapshotContents: %v", err)
	}
	return list.Items
}

// WaitForNoSnapshotData waits until the namespace holds no content and no
// VolumeSnapshot: what a failed or deleted snapshot must leave behind.
func (f *Framework) WaitForNoSnapshotData() {
	f.t.Helper()
	f.Eventually("namespace "+f.Namespace, "no vmsnapshotcontents and no volumesnapshots", DefaultTimeout, func(ctx context.Context) (bool, string, error) {
		contents, err := f.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshotContents(f.Namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, "", err
		}
		snapshots, err := f.Snapshots.SnapshotV1().VolumeSnapshots(f.Namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, "", err
		}
		var left []string
		for i := range contents.Items {
			left = append(left, "vmsnapshotcontent "+contents.Items[i].Name+" ("+DescribeContent(&contents.Items[i])+")")
		}
		for i := range snapshots.Items {
			left = append(left, "volumesnapshot "+snapshots.Items[i].Name+" ("+DescribeVolumeSnapshot(&snapshots.Items[i])+")")
		}
		return len(left) == 0, strings.Join(left, "; "), nil
	})
}

// BoundContentCutTime is the moment the storage cut a VolumeSnapshot, with
// the nanosecond precision its VolumeSnapshotContent keeps (the
// VolumeSnapshot's own creationTime has whole seconds).
func (f *Framework) BoundContentCutTime(vs *snapshotv1.VolumeSnapshot) time.Time {
	f.t.Helper()
	if vs.Status == nil || vs.Status.BoundVolumeSnapshotContentName == nil {
		f.t.Fatalf("VolumeSnapshot %s is not bound: %s", vs.Name, DescribeVolumeSnapshot(vs))
	}
	content, err := f.Snapshots.SnapshotV1().VolumeSnapshotContents().Get(f.ctx, *vs.Status.BoundVolumeSnapshotContentName, metav1.GetOptions{})
	if err != nil {
		f.t.Fatalf("reading VolumeSnapshotContent of %s: %v", vs.Name, err)
	}
	if content.Status == nil || content.Status.CreationTime == nil {
		f.t.Fatalf("VolumeSnapshotContent %s has no creationTime", content.Name)
	}
	return time.Unix(0, *content.Status.CreationTime)
}

// VirtAPICalls are the freeze, unfreeze and auto-thaw calls the fake
// virt-api recorded for the VM's instance in the test's namespace; all the
// namespace's calls if vmName is empty.
func (f *Framework) VirtAPICalls(vmName string) []fakevirtapi.Call {
	return slices.DeleteFunc(f.VirtAPI.Calls(), func(c fakevirtapi.Call) bool {
		return c.Namespace != f.Namespace || (vmName != "" && c.Name != vmName)
	})
}

// CallsOf keeps the calls of one operation.
func CallsOf(calls []fakevirtapi.Call, op fakevirtapi.Op) []fakevirtapi.Call {
	return slices.DeleteFunc(slices.Clone(calls), func(c fakevirtapi.Call) bool { return c.Op != op })
}

// SetVirtAPIBehavior tells the fake virt-api how to answer the VM's calls.
func (f *Framework) SetVirtAPIBehavior(vmName string, b fakevirtapi.Behavior) {
	f.VirtAPI.SetBehavior(f.Namespace, vmName, b)
}

// Frozen reports whether the fake virt-api holds the VM's guest frozen.
func (f *Framework) Frozen(vmName string) bool { return f.VirtAPI.Frozen(f.Namespace, vmName) }

// FrozenWindows are the intervals the VM's guest was frozen.
func (f *Framework) FrozenWindows(vmName string) []fakevirtapi.FrozenWindow {
	return f.VirtAPI.FrozenWindows(f.Namespace, vmName)
}

// Events lists the events about one object of the test's namespace, oldest
// first.
func (f *Framework) Events(kind, name string) []corev1.Event {
	f.t.Helper()
	events, err := f.events(f.ctx, kind, name)
	if err != nil {
		f.t.Fatalf("listing events of %s %s: %v", kind, name, err)
	}
	return events
}

func (f *Framework) events(ctx context.Context, kind, name string) ([]corev1.Event, error) {
	selector := fields.Set{"involvedObject.kind": kind, "involvedObject.name": name}.AsSelector().String()
	list, err := f.Kube.CoreV1().Events(f.Namespace).List(ctx, metav1.ListOptions{FieldSelector: selector})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(list.Items, func(a, b corev1.Event) int { return a.CreationTimestamp.Compare(b.CreationTimestamp.Time) })
	return list.Items, nil
}

// WaitForEvent waits for an event of the type and reason about an object,
// and returns it. Events are recorded asynchronously, a moment after the
// change they report.
func (f *Framework) WaitForEvent(kind, name, eventType, reason string) corev1.Event {
	f.t.Helper()
	var found corev1.Event
	want := fmt.Sprintf("a %s event with reason %s", eventType, reason)
	f.Eventually("events of "+kind+" "+f.Namespace+"/"+name, want, DefaultTimeout, func(ctx context.Context) (bool, string, error) {
		events, err := f.events(ctx, kind, name)
		if err != nil {
			return false, "", err
		}
		for _, e := range events {
			if e.Type == eventType && e.Reason == reason {
				found = e
				return true, "", nil
			}
		}
		return false, DescribeEvents(events), nil
	})
	return found
}
