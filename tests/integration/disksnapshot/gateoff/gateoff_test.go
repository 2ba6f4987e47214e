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
// and nothing else happens to them. It is a test binary of its own because
// the gate is set when the controller starts.
package gateoff

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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
