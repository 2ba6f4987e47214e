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
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/tests/framework"
)

// Deleting a snapshot with the default deletionPolicy removes its content
// and VolumeSnapshots, and then the snapshot itself.
func TestDeleteSnapshot(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(2), framework.WithCloudInit())
	f.CreateSnapshot("snap", vm.Name)
	snap := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	content := f.ContentOf(snap)
	if n := len(f.VolumeSnapshotsOf(content)); n != 2 {
		t.Fatalf("want 2 VolumeSnapshots before the deletion; got %d", n)
	}

	f.MustKubectl("delete", "vmsnapshot", "snap", "--wait=false")
	f.WaitForSnapshotGone("snap")
	f.WaitForContentGone(content.Name)
	f.WaitForNoSnapshotData()
	for _, b := range content.Spec.SecretBackups {
		f.WaitForGone("secret "+f.Namespace+"/"+b.BackupSecretName, func(ctx context.Context) (string, error) {
			_, err := f.Kube.CoreV1().Secrets(f.Namespace).Get(ctx, b.BackupSecretName, metav1.GetOptions{})
			return "exists", err
		})
	}
	if _, err := f.Kube.CoreV1().Secrets(f.Namespace).Get(f.Context(), framework.CloudInitSecretName(vm.Name), metav1.GetOptions{}); err != nil {
		t.Errorf("the VM's own cloud-init Secret must survive the snapshot's deletion: %v", err)
	}
}

// A retained content outlives its snapshot with its VolumeSnapshots, and a
// new snapshot naming it as its source binds it and is Ready.
func TestRetainedContentIsBoundByNewSnapshot(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(2))
	f.CreateSnapshot("snap", vm.Name, framework.WithDeletionPolicy(snapshotapi.DeletionPolicyRetain))
	snap := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	content := f.ContentOf(snap)
	volumeSnapshots := f.VolumeSnapshotsOf(content)

	f.DeleteSnapshot("snap")
	requireRetained(t, f, snap, content, len(volumeSnapshots))

	f.CreateSnapshot("rebound", "", framework.FromContent(content.Name))
	f.MustKubectl("wait", "vmsnapshot/rebound", "--for=jsonpath={.status.phase}=Ready", "--timeout=60s")
	rebound := f.GetSnapshot("rebound")
	if !ptr.Deref(rebound.Status.ReadyToUse, false) || ptr.Deref(rebound.Status.VirtualMachineSnapshotContentName, "") != content.Name {
		t.Errorf("want readyToUse and bound to content %s; got %s, content %q", content.Name,
			framework.DescribeSnapshot(rebound), ptr.Deref(rebound.Status.VirtualMachineSnapshotContentName, ""))
	}
	if rebound.Status.CreationTime == nil || !rebound.Status.CreationTime.Equal(snap.Status.CreationTime) {
		t.Errorf("the bound snapshot's creationTime should be the original cut %v; got %v", snap.Status.CreationTime, rebound.Status.CreationTime)
	}
	requireIncluded(t, rebound, "disk0", "disk1")
	bound := f.GetContent(content.Name)
	if ptr.Deref(bound.Spec.VirtualMachineSnapshotName, "") != "rebound" {
		t.Errorf("content %s: want spec.virtualMachineSnapshotName rebound; got %s", content.Name, framework.DescribeContent(bound))
	}
}

// A foreground deletion (kubectl delete --cascade=foreground, GitOps
// pruning) has the garbage collector delete every dependent of the
// snapshot first: a retained content and its VolumeSnapshots must survive
// it all the same.
func TestRetainedContentSurvivesAForegroundDeletion(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(2))
	f.CreateSnapshot("snap", vm.Name, framework.WithDeletionPolicy(snapshotapi.DeletionPolicyRetain))
	snap := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	content := f.ContentOf(snap)

	f.MustKubectl("delete", "vmsnapshot", "snap", "--cascade=foreground", "--wait=false")
	requireRetained(t, f, snap, content, 2)
}

// requireRetained waits for the deleted snapshot to go, then checks that its
// content stays, released, with all its VolumeSnapshots ready.
func requireRetained(t *testing.T, f *framework.Framework, snap *snapshotapi.VirtualMachineSnapshot,
	content *snapshotapi.VirtualMachineSnapshotContent, volumeSnapshots int,
) {
	t.Helper()
	f.WaitForSnapshotGone(snap.Name)
	// The garbage collector would remove a content still owned by the
	// snapshot a moment after the snapshot is gone: give it that moment.
	f.Consistently("vmsnapshotcontent "+f.Namespace+"/"+content.Name, "to exist and be released", 3*time.Second,
		func(ctx context.Context) (bool, string, error) {
			c, err := f.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshotContents(f.Namespace).Get(ctx, content.Name, metav1.GetOptions{})
			if err != nil {
				return false, err.Error(), nil
			}
			for _, ref := range c.OwnerReferences {
				if ref.UID == snap.UID {
					return false, fmt.Sprintf("still owned by the deleted snapshot: %+v", c.OwnerReferences), nil
				}
			}
			return c.DeletionTimestamp == nil, framework.DescribeContent(c), nil
		})
	retained := f.GetContent(content.Name)
	if retained.Spec.DeletionPolicy != snapshotapi.DeletionPolicyRetain {
		t.Errorf("retained content: want deletionPolicy Retain; got %s", framework.DescribeContent(retained))
	}
	for _, vs := range f.VolumeSnapshotsOf(retained) {
		if !ptr.Deref(vs.Status.ReadyToUse, false) || vs.DeletionTimestamp != nil {
			t.Errorf("retained VolumeSnapshot %s: want readyToUse and not deleting; got %s", vs.Name, framework.DescribeVolumeSnapshot(vs))
		}
	}
	if got := len(f.ListVolumeSnapshots()); got != volumeSnapshots {
		t.Errorf("want the %d VolumeSnapshots retained; %d left", volumeSnapshots, got)
	}
}
