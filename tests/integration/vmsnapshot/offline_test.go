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
	"bytes"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/tests/framework"
)

// A stopped VM is snapshotted without a freeze: its two disks become
// VolumeSnapshots, the containerDisk and cloud-init volumes are listed as
// excluded with a reason, and the cloud-init Secret is copied into a Secret
// the content owns, never into the content.
func TestSnapshotOfStoppedVM(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(2), framework.WithContainerDisk(), framework.WithCloudInit())
	f.CreateSnapshot("snap", vm.Name)

	f.MustKubectl("wait", "vmsnapshot/snap", "--for=condition=Ready", "--timeout=60s")
	snap := f.GetSnapshot("snap")
	if snap.Status.Phase != snapshotapi.SnapshotReady || !ptr.Deref(snap.Status.ReadyToUse, false) || !ptr.Deref(snap.Status.Consistent, false) {
		t.Errorf("want phase Ready, readyToUse and consistent; got %s", framework.DescribeSnapshot(snap))
	}
	if len(snap.Status.Indications) != 0 {
		t.Errorf("a stopped VM's snapshot should carry no indications; got %s", framework.DescribeSnapshot(snap))
	}
	if snap.Status.CreationTime == nil {
		t.Errorf("status.creationTime (the cut) is not set")
	}
	requireIncluded(t, snap, "disk0", "disk1")
	requireExcluded(t, snap, framework.CloudInitVolume, framework.ContainerDiskVolume)

	content := f.ContentOf(snap)
	if len(content.Spec.VolumeBackups) != 2 {
		t.Fatalf("want 2 volumeBackups, got %d: %+v", len(content.Spec.VolumeBackups), content.Spec.VolumeBackups)
	}
	for i, vs := range f.VolumeSnapshotsOf(content) {
		backup := content.Spec.VolumeBackups[i]
		if !ptr.Deref(vs.Status.ReadyToUse, false) {
			t.Errorf("VolumeSnapshot %s of volume %s: want readyToUse; got %s", vs.Name, backup.VolumeName, framework.DescribeVolumeSnapshot(vs))
		}
		if want := framework.ClaimName(vm.Name, backup.VolumeName); ptr.Deref(vs.Spec.Source.PersistentVolumeClaimName, "") != want ||
			backup.PersistentVolumeClaim.Name != want {
			t.Errorf("volume %s: want claim %s in the VolumeSnapshot and the backup; got %q and %q",
				backup.VolumeName, want, ptr.Deref(vs.Spec.Source.PersistentVolumeClaimName, ""), backup.PersistentVolumeClaim.Name)
		}
	}
	requireSecretBackup(t, f, content, framework.CloudInitSecretName(vm.Name), framework.CloudInitVolume)

	// What a user sees in the listing: PHASE, CONSISTENT, READY, SOURCE.
	fields := strings.Fields(f.MustKubectl("get", "vmsnapshot", "snap", "--no-headers"))
	if len(fields) < 5 || fields[1] != "Ready" || fields[2] != "true" || fields[3] != "true" || fields[4] != vm.Name {
		t.Errorf("kubectl get vmsnapshot snap: want Ready true true %s; got %q", vm.Name, strings.Join(fields, " "))
	}
	f.WaitForEvent("VirtualMachineSnapshot", "snap", corev1.EventTypeNormal, "SnapshotReady")
}

// requireSecretBackup checks that the content records the Secret, that the
// copy exists with the same data and is owned by the content, and that the
// content itself holds none of the data.
func requireSecretBackup(t *testing.T, f *framework.Framework, content *snapshotapi.VirtualMachineSnapshotContent, secretName, volume string) {
	t.Helper()
	i := slices.IndexFunc(content.Spec.SecretBackups, func(b snapshotapi.SecretBackup) bool { return b.Name == secretName })
	if i < 0 {
		t.Fatalf("content %s: want secretBackups to list Secret %s; got %+v", content.Name, secretName, content.Spec.SecretBackups)
	}
	backup := content.Spec.SecretBackups[i]
	if !slices.Contains(backup.VolumeNames, volume) {
		t.Errorf("secretBackup %s: want volume %s among %v", secretName, volume, backup.VolumeNames)
	}
	original, err := f.Kube.CoreV1().Secrets(f.Namespace).Get(f.Context(), secretName, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("reading Secret %s: %v", secretName, err)
	}
	cp, err := f.Kube.CoreV1().Secrets(f.Namespace).Get(f.Context(), backup.BackupSecretName, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("reading the copy %s of Secret %s: %v", backup.BackupSecretName, secretName, err)
	}
	for key, value := range original.Data {
		if !bytes.Equal(cp.Data[key], value) {
			t.Errorf("copy %s of Secret %s: key %s differs from the original", cp.Name, secretName, key)
		}
	}
	if owner := metav1.GetControllerOf(cp); owner == nil || owner.UID != content.UID || owner.Kind != "VirtualMachineSnapshotContent" {
		t.Errorf("copy %s of Secret %s: want it controlled by content %s (uid %s); owner references %+v",
			cp.Name, secretName, content.Name, content.UID, cp.OwnerReferences)
	}
	raw, err := json.Marshal(content)
	if err != nil {
		t.Fatal(err)
	}
	for _, value := range original.Data {
		if bytes.Contains(raw, value) || bytes.Contains(raw, []byte(base64.StdEncoding.EncodeToString(value))) {
			t.Errorf("content %s holds data of Secret %s; it must only refer to the copy", content.Name, secretName)
		}
	}
}

// A disk on a CDI DataVolume is snapshotted through the DataVolume's claim,
// and the content records the DataVolume. The VM ran and was stopped
// before: the snapshot is an offline one.
func TestSnapshotOfVMWithDataVolume(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("vm", framework.WithDataVolumeDisk("root"))
	f.StartVM(vm, true)
	f.StopVM(vm)
	f.CreateSnapshot("snap", vm.Name)

	snap := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	requireIndications(t, snap)
	if calls := f.VirtAPICalls(vm.Name); len(calls) > 0 {
		t.Errorf("a stopped VM must not be frozen; got %s", describeCalls(calls))
	}
	requireIncluded(t, snap, "root")
	content := f.ContentOf(snap)
	if len(content.Spec.VolumeBackups) != 1 {
		t.Fatalf("want 1 volumeBackup; got %+v", content.Spec.VolumeBackups)
	}
	backup := content.Spec.VolumeBackups[0]
	if want := framework.ClaimName(vm.Name, "root"); ptr.Deref(backup.DataVolumeName, "") != want || backup.PersistentVolumeClaim.Name != want {
		t.Errorf("volume root: want DataVolume and claim %s; got dataVolumeName %q, claim %q",
			want, ptr.Deref(backup.DataVolumeName, ""), backup.PersistentVolumeClaim.Name)
	}
}
