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

// Package gateoff runs the controller with the VirtualDiskSnapshot feature
// gate off: disk snapshots and claims to restore from them are told so,
// and nothing else happens to them, except that a deleted disk snapshot
// is still cleaned up. It is a test binary of its own because the gate is
// set when the controller starts.
package gateoff

import (
	"context"
	"fmt"
	"testing"
	"time"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/app"
	"vmsnap.io/vmsnap/pkg/disksnapshot"
	"vmsnap.io/vmsnap/pkg/features"
	"vmsnap.io/vmsnap/pkg/populator"
	"vmsnap.io/vmsnap/tests/framework"
)

func TestMain(m *testing.M) {
	framework.MainWithOptions(m, framework.Options{Configure: func(o *app.Options) {
		if err := o.FeatureGates.Set(string(features.VirtualDiskSnapshot) + "=false"); err != nil {
			panic(err)
		}
	}})
}

func TestDiskSnapshotFeatureOff(t *testing.T) {
	f := framework.New(t)
	f.CreateClaim("disk", "")
	f.CreateDiskSnapshot("snap", "disk")

	off := f.WaitForDiskSnapshotCondition("snap", snapshotapi.ConditionReady, metav1.ConditionFalse, disksnapshot.ReasonFeatureDisabled, framework.DefaultTimeout)
	if off.Status.Phase != "" || len(off.Finalizers) != 0 || off.Status.VolumeSnapshotName != nil {
		t.Errorf("with the feature off, want only the condition; got %s, finalizers %v", framework.DescribeDiskSnapshot(off), off.Finalizers)
	}
	f.WaitForEvent("VirtualDiskSnapshot", "snap", corev1.EventTypeWarning, disksnapshot.ReasonFeatureDisabled)

	f.CreateRestoreClaim("restored", "snap", framework.DiskSize, "")
	f.WaitForEvent("PersistentVolumeClaim", "restored", corev1.EventTypeWarning, populator.ReasonFeatureDisabled)

	f.Consistently("namespace "+f.Namespace, "no VolumeSnapshot, no prime claim, the claim Pending", 2*time.Second, func(ctx context.Context) (bool, string, error) {
		snapshots, err := f.Snapshots.SnapshotV1().VolumeSnapshots(f.Namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, "", err
		}
		claims, err := f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, "", err
		}
		restored, err := f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).Get(ctx, "restored", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		return len(snapshots.Items) == 0 && len(claims.Items) == 2 && restored.Status.Phase == corev1.ClaimPending,
			framework.DescribeClaim(restored), nil
	})

	f.DeleteDiskSnapshot("snap")
	f.WaitForDiskSnapshotGone("snap")
}

// A disk snapshot the controller started while the feature was on, deleted
// while the controller was down and back with the feature off, is still
// cleaned up: its guest thawed, its VM unlocked, its VolumeSnapshot
// deleted, and then it goes.
func TestDeletedDiskSnapshotIsCleanedUpWithTheFeatureOff(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(1))
	f.StartVM(vm, true)
	f.Controller.Stop()
	snap := createStartedDiskSnapshot(t, f, vm.Name, framework.ClaimName(vm.Name, "disk0"))
	f.DeleteDiskSnapshot(snap.Name)
	startController(t, f)

	f.WaitForDiskSnapshotGone(snap.Name)
	requireReleased(t, f, vm.Name)
}

// A disk snapshot in progress when the controller comes back with the
// feature off fails, rather than keep its VM locked until the feature is
// back, and is cleaned up like any failed one.
func TestDiskSnapshotInProgressFailsWhenTheFeatureIsOff(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(1))
	f.StartVM(vm, true)
	f.Controller.Stop()
	snap := createStartedDiskSnapshot(t, f, vm.Name, framework.ClaimName(vm.Name, "disk0"))
	startController(t, f)

	f.WaitForDiskSnapshotCondition(snap.Name, snapshotapi.ConditionReady, metav1.ConditionFalse, disksnapshot.ReasonFeatureDisabled, framework.DefaultTimeout)
	failed := f.WaitForDiskSnapshotPhase(snap.Name, snapshotapi.SnapshotFailed, framework.DefaultTimeout)
	if failed.Status.Error == nil {
		t.Errorf("a failed snapshot without an error: %s", framework.DescribeDiskSnapshot(failed))
	}
	requireReleased(t, f, vm.Name)
}

func startController(t *testing.T, f *framework.Framework) {
	t.Helper()
	if err := f.Controller.Start(); err != nil {
		t.Fatal(err)
	}
	if err := f.Controller.WaitReady(f.Context()); err != nil {
		t.Fatal(err)
	}
}

// requireReleased waits until the VM is unlocked, its guest thawed and the
// VolumeSnapshot gone.
func requireReleased(t *testing.T, f *framework.Framework, vmName string) {
	t.Helper()
	f.Eventually("VM "+f.Namespace+"/"+vmName, "unlocked and thawed", framework.DefaultTimeout, func(ctx context.Context) (bool, string, error) {
		holder := f.GetVM(vmName).Status.SnapshotInProgress
		frozen := f.Frozen(vmName)
		return holder == nil && !frozen, fmt.Sprintf("snapshotInProgress=%s frozen=%v", ptr.Deref(holder, ""), frozen), nil
	})
	f.WaitForNoVolumeSnapshots()
}

// createStartedDiskSnapshot plays, while the controller is down, the
// controller before the feature was turned off: a disk snapshot of the VM's disk with the finalizer, the VM
// locked for it and its guest frozen, its VolumeSnapshot made.
func createStartedDiskSnapshot(t *testing.T, f *framework.Framework, vmName, disk string) *snapshotapi.VirtualDiskSnapshot {
	t.Helper()
	snap := f.NewDiskSnapshot("snap", disk)
	snap.Finalizers = []string{disksnapshot.Finalizer}
	snap, err := f.VMSnap.SnapshotV1alpha1().VirtualDiskSnapshots(f.Namespace).Create(f.Context(), snap, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f.UpdateVMStatus(vmName, func(st *kubevirtv1.VirtualMachineStatus) {
		st.SnapshotInProgress = ptr.To(disksnapshot.LockHolder(snap))
	})
	f.Eventually("vdsnapshot "+f.Namespace+"/"+snap.Name, "the status of a snapshot in progress written", framework.DefaultTimeout,
		func(ctx context.Context) (bool, string, error) {
			s, err := f.VMSnap.SnapshotV1alpha1().VirtualDiskSnapshots(f.Namespace).Get(ctx, snap.Name, metav1.GetOptions{})
			if err != nil {
				return false, "", err
			}
			s.Status.Phase = snapshotapi.SnapshotInProgress
			s.Status.VirtualMachineName = ptr.To(vmName)
			s.Status.Indications = []snapshotapi.Indication{
				{Type: snapshotapi.IndicationOnline, Message: "the VM was running"},
				{Type: snapshotapi.IndicationGuestAgent, Message: "the guest agent froze the filesystems for the cut"},
			}
			_, err = f.VMSnap.SnapshotV1alpha1().VirtualDiskSnapshots(f.Namespace).UpdateStatus(ctx, s, metav1.UpdateOptions{})
			return err == nil, framework.DescribeDiskSnapshot(s), nil
		})
	// Long enough not to thaw by itself during the test.
	if err := f.KubeVirt.KubevirtV1().VirtualMachineInstances(f.Namespace).Freeze(f.Context(), vmName, time.Minute); err != nil {
		t.Fatal(err)
	}
	vs := &snapshotv1.VolumeSnapshot{
		ObjectMeta: metav1.ObjectMeta{
			Name: disksnapshot.VolumeSnapshotName(snap), Namespace: f.Namespace,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(snap, snapshotapi.SchemeGroupVersion.WithKind("VirtualDiskSnapshot"))},
		},
		Spec: snapshotv1.VolumeSnapshotSpec{Source: snapshotv1.VolumeSnapshotSource{PersistentVolumeClaimName: ptr.To(disk)}},
	}
	if _, err := f.Snapshots.SnapshotV1().VolumeSnapshots(f.Namespace).Create(f.Context(), vs, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return snap
}
