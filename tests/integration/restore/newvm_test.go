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
	"strings"
	"testing"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/restore"
	"vmsnap.io/vmsnap/tests/framework"
)

// renameAll restores the snapshot of VM "vm" with two disks and cloud-init
// as a new VM whose every object carries the prefix.
func renameAll(prefix string) []framework.RestoreOption {
	return []framework.RestoreOption{
		framework.Rename("VirtualMachine", "vm", prefix),
		framework.Rename("PersistentVolumeClaim", framework.ClaimName("vm", "disk0"), prefix+"-disk0"),
		framework.Rename("PersistentVolumeClaim", framework.ClaimName("vm", "disk1"), prefix+"-disk1"),
		framework.Rename("Secret", framework.CloudInitSecretName("vm"), framework.CloudInitSecretName(prefix)),
	}
}

func cloudInitSecretOf(vm *kubevirtv1.VirtualMachine) string {
	for _, v := range vm.Spec.Template.Spec.Volumes {
		if v.CloudInitNoCloud != nil && v.CloudInitNoCloud.UserDataSecretRef != nil {
			return v.CloudInitNoCloud.UserDataSecretRef.Name
		}
	}
	return "<none>"
}

// A snapshot restored as a new VM with nameReplacements for the VM, both
// disks and the cloud-init Secret: everything is created under the new
// names, every reference is rewritten, the VM is stopped, and the source VM
// is left alone.
func TestRestoreAsNewVM(t *testing.T) {
	f := newTest(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(2), framework.WithCloudInit())
	content := f.ContentOf(readySnapshot(f, "snap", vm.Name))

	f.CreateRestore("restore", "snap", renameAll("vm2")...)
	r := waitReady(t, f, "restore")

	created := f.GetVM("vm2")
	if runStrategy(created) != kubevirtv1.RunStrategyHalted || created.Spec.Running != nil {
		t.Errorf("new VM: run strategy %s running %v; want created stopped", runStrategy(created), created.Spec.Running)
	}
	if created.Labels[restore.LabelRestoreUID] != string(r.UID) {
		t.Errorf("new VM labels %v: want %s", created.Labels, ownedBy(r))
	}
	for _, volume := range []string{"disk0", "disk1"} {
		requireRestoredClaim(t, f, r, "vm2-"+volume, volumeSnapshotOf(content, volume))
		if got := volumeClaim(created, volume); got != "vm2-"+volume {
			t.Errorf("new VM volume %s uses %s, want vm2-%s", volume, got, volume)
		}
	}
	if got := cloudInitSecretOf(created); got != framework.CloudInitSecretName("vm2") {
		t.Errorf("new VM cloud-init Secret %s, want %s", got, framework.CloudInitSecretName("vm2"))
	}
	secret, err := f.Kube.CoreV1().Secrets(f.Namespace).Get(f.Context(), framework.CloudInitSecretName("vm2"), metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the restored cloud-init Secret: %v", err)
	}
	if string(secret.Data["userdata"]) != framework.CloudInitUserData {
		t.Errorf("restored Secret data %q, want the snapshot's", secret.Data["userdata"])
	}
	if len(r.OwnerReferences) != 0 {
		t.Errorf("the restore has owner references %v; restores are not owned by their target VM", r.OwnerReferences)
	}
	requireResults(t, r, map[string]snapshotapi.ResourceResult{
		"VirtualMachine vm2":              snapshotapi.ResourceCreated,
		"PersistentVolumeClaim vm2-disk0": snapshotapi.ResourceCreated,
		"PersistentVolumeClaim vm2-disk1": snapshotapi.ResourceCreated,
		"Secret vm2-cloudinit":            snapshotapi.ResourceCreated,
	})

	source := f.GetVM("vm")
	if volumeClaim(source, "disk0") != framework.ClaimName("vm", "disk0") || source.Annotations[restore.AnnLastRestoreUID] != "" {
		t.Errorf("the source VM was changed: %+v", source.Spec.Template.Spec.Volumes)
	}
	// Deleting a completed restore leaves what it restored.
	f.DeleteRestore("restore")
	f.WaitForRestoreGone("restore")
	f.GetVM("vm2")
	f.GetClaim("vm2-disk0")
}

// A VM without persistent disks has a configuration-only snapshot, which
// restores as a VM and its Secret.
func TestRestoreConfigurationOnlySnapshot(t *testing.T) {
	f := newTest(t)
	vm := f.CreateVM("vm", framework.WithContainerDisk(), framework.WithCloudInit())
	content := f.ContentOf(readySnapshot(f, "snap", vm.Name))
	if len(content.Spec.VolumeBackups) != 0 {
		t.Fatalf("want a configuration-only snapshot; the content has %d volume backups", len(content.Spec.VolumeBackups))
	}
	f.CreateRestore("restore", "snap", framework.Rename("", "vm", "copy"), framework.Rename("", framework.CloudInitSecretName("vm"), "copy-ci"))
	r := waitReady(t, f, "restore")
	created := f.GetVM("copy")
	if got := cloudInitSecretOf(created); got != "copy-ci" {
		t.Errorf("cloud-init Secret %s, want copy-ci", got)
	}
	if n := len(f.ListClaims(ownedBy(r))); n != 0 {
		t.Errorf("%d claims restored from a configuration-only snapshot", n)
	}
	requireResults(t, r, map[string]snapshotapi.ResourceResult{"VirtualMachine copy": snapshotapi.ResourceCreated, "Secret copy-ci": snapshotapi.ResourceCreated})
}

// One snapshot restored twice, as two new VMs with different names.
func TestRestoreSameSnapshotTwice(t *testing.T) {
	f := newTest(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(2), framework.WithCloudInit())
	readySnapshot(f, "snap", vm.Name)
	f.CreateRestore("first", "snap", renameAll("vm-a")...)
	f.CreateRestore("second", "snap", renameAll("vm-b")...)
	first, second := waitReady(t, f, "first"), waitReady(t, f, "second")
	for _, tc := range []struct {
		r      *snapshotapi.VirtualMachineRestore
		prefix string
	}{{first, "vm-a"}, {second, "vm-b"}} {
		vm := f.GetVM(tc.prefix)
		if got := volumeClaim(vm, "disk0"); got != tc.prefix+"-disk0" {
			t.Errorf("VM %s: disk0 on %s", tc.prefix, got)
		}
		if n := len(f.ListClaims(ownedBy(tc.r))); n != 2 {
			t.Errorf("restore %s made %d claims, want 2", tc.r.Name, n)
		}
	}
}

// A hotplugged disk (hotpluggable in the VM spec) is restored as a
// hotplugged disk.
func TestRestoreKeepsHotpluggedDisk(t *testing.T) {
	f := newTest(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(1), framework.WithHotplugDisk("hot"))
	snap := readySnapshot(f, "snap", vm.Name)
	content := f.ContentOf(snap)
	f.CreateRestore("restore", "snap", framework.Rename("", "vm", "vm2"),
		framework.Rename("", framework.ClaimName("vm", "disk0"), "vm2-disk0"), framework.Rename("", framework.ClaimName("vm", "hot"), "vm2-hot"))
	r := waitReady(t, f, "restore")
	requireRestoredClaim(t, f, r, "vm2-hot", volumeSnapshotOf(content, "hot"))
	for _, v := range f.GetVM("vm2").Spec.Template.Spec.Volumes {
		if v.Name == "hot" && (v.PersistentVolumeClaim == nil || !v.PersistentVolumeClaim.Hotpluggable || v.PersistentVolumeClaim.ClaimName != "vm2-hot") {
			t.Errorf("restored volume hot: %+v; want hotpluggable on claim vm2-hot", v.VolumeSource)
		}
	}
}

// A disk on a CDI DataVolume is restored as a claim and a DataVolume of the
// new name: the claim provisioned from the VolumeSnapshot, the DataVolume
// marked pre-populated so that CDI adopts the claim instead of importing.
func TestRestoreDataVolumeDisk(t *testing.T) {
	f := newTest(t)
	vm := f.CreateVM("vm", framework.WithDataVolumeDisk("data"))
	content := f.ContentOf(readySnapshot(f, "snap", vm.Name))
	f.CreateRestore("restore", "snap", framework.Rename("", "vm", "vm2"), framework.Rename("DataVolume", "vm-data", "vm2-data"))
	r := waitReady(t, f, "restore")

	claim := requireRestoredClaim(t, f, r, "vm2-data", volumeSnapshotOf(content, "data"))
	if claim.Annotations["cdi.kubevirt.io/storage.populatedFor"] != "vm2-data" {
		t.Errorf("claim vm2-data annotations %v: want it marked populated for DataVolume vm2-data", claim.Annotations)
	}
	dv, err := f.CDI.CdiV1beta1().DataVolumes(f.Namespace).Get(f.Context(), "vm2-data", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the restored DataVolume: %v", err)
	}
	if dv.Annotations["cdi.kubevirt.io/storage.prePopulated"] != "vm2-data" || dv.Spec.Source == nil || dv.Spec.Source.Snapshot == nil ||
		dv.Spec.Source.Snapshot.Name != volumeSnapshotOf(content, "data") {
		t.Errorf("DataVolume vm2-data: annotations %v source %+v; want pre-populated, from the VolumeSnapshot", dv.Annotations, dv.Spec.Source)
	}
	if got := volumeClaim(f.GetVM("vm2"), "data"); got != "vm2-data" {
		t.Errorf("new VM volume data on DataVolume %s, want vm2-data", got)
	}
	requireResults(t, r, map[string]snapshotapi.ResourceResult{"DataVolume vm2-data": snapshotapi.ResourceCreated})

	// The DataVolume was made under the restore's owner reference (its
	// proof), and handed over with the rest once Ready.
	r = f.WaitForRestoreCondition("restore", restore.ConditionCleanedUp, metav1.ConditionTrue, restore.ReasonHandedOver, framework.DefaultTimeout)
	if !strings.Contains(apimeta.FindStatusCondition(r.Status.Conditions, restore.ConditionCleanedUp).Message, "DataVolume vm2-data") {
		t.Errorf("CleanedUp %+v; want it to name DataVolume vm2-data as handed over", r.Status.Conditions)
	}
	if dv, err = f.CDI.CdiV1beta1().DataVolumes(f.Namespace).Get(f.Context(), "vm2-data", metav1.GetOptions{}); err != nil || ownerOf(r, dv) {
		t.Errorf("DataVolume vm2-data after the hand-over: %v, owners %+v; want it no longer the restore's", err, dv.OwnerReferences)
	}
}

// The Secret of a VM's accessCredentials (an SSH key) is captured with the
// snapshot and restored with the VM: as a new VM, under its new name; in
// place, recreated once it is gone.
func TestRestoreAccessCredentials(t *testing.T) {
	f := newTest(t)
	vm := f.CreateVM("vm", framework.WithContainerDisk(), framework.WithAccessCredentials())
	content := f.ContentOf(readySnapshot(f, "snap", vm.Name))
	if len(content.Spec.SecretBackups) != 1 || content.Spec.SecretBackups[0].Name != framework.SSHKeySecretName("vm") {
		t.Fatalf("secretBackups %+v; want the accessCredentials Secret %s", content.Spec.SecretBackups, framework.SSHKeySecretName("vm"))
	}

	f.CreateRestore("copy", "snap", framework.Rename("", "vm", "vm2"), framework.Rename("Secret", framework.SSHKeySecretName("vm"), "vm2-ssh"))
	r := waitReady(t, f, "copy")
	requireResults(t, r, map[string]snapshotapi.ResourceResult{"Secret vm2-ssh": snapshotapi.ResourceCreated})
	if got := f.GetVM("vm2").Spec.Template.Spec.AccessCredentials[0].SSHPublicKey.Source.Secret.SecretName; got != "vm2-ssh" {
		t.Errorf("the new VM's accessCredentials Secret %s, want vm2-ssh", got)
	}
	requireSSHKey(t, f, "vm2-ssh")

	if err := f.Kube.CoreV1().Secrets(f.Namespace).Delete(f.Context(), framework.SSHKeySecretName("vm"), metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	f.CreateRestore("inplace", "snap")
	waitReady(t, f, "inplace")
	requireSSHKey(t, f, framework.SSHKeySecretName("vm"))
}

func requireSSHKey(t *testing.T, f *framework.Framework, name string) {
	t.Helper()
	secret, err := f.Kube.CoreV1().Secrets(f.Namespace).Get(f.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("Secret %s: %v", name, err)
	}
	if string(secret.Data["key1"]) != framework.SSHPublicKey {
		t.Errorf("Secret %s data %q, want the snapshot's key", name, secret.Data["key1"])
	}
}
