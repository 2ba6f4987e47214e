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
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/restore"
	"vmsnap.io/vmsnap/tests/framework"
)

// sourceMAC is the MAC the spec of the conflicting world's VM sets.
const sourceMAC = "02:00:00:00:00:01"

// conflictingWorld is a snapshot of VM "vm" (two disks, cloud-init), the VM
// running with its MAC, and a Secret vm2-cloudinit whose data is not the
// snapshot's.
func conflictingWorld(t *testing.T, opts ...framework.SnapshotOption) *framework.Framework {
	f := newTest(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(2), framework.WithCloudInit(), framework.WithMAC(sourceMAC))
	readySnapshot(f, "snap", vm.Name, opts...)
	f.StartVM(vm, false)
	other := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: framework.CloudInitSecretName("vm2"), Namespace: f.Namespace},
		Data:       map[string][]byte{"userdata": []byte("#cloud-config\n# someone else's\n")},
	}
	if _, err := f.Kube.CoreV1().Secrets(f.Namespace).Create(f.Context(), other, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return f
}

// requireNothingRestored checks that no VM vm2 and nothing labeled with the
// restore exist, and that the foreign Secret kept its data.
func requireNothingRestored(t *testing.T, f *framework.Framework, r *snapshotapi.VirtualMachineRestore) {
	t.Helper()
	if _, err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).Get(f.Context(), "vm2", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("VM vm2 exists (err %v); nothing may be created", err)
	}
	if claims := f.ListClaims(ownedBy(r)); len(claims) != 0 {
		t.Errorf("%d claims created; nothing may be", len(claims))
	}
	secrets, err := f.Kube.CoreV1().Secrets(f.Namespace).List(f.Context(), metav1.ListOptions{LabelSelector: ownedBy(r)})
	if err != nil || len(secrets.Items) != 0 {
		t.Errorf("Secrets created (err %v): %d; nothing may be", err, len(secrets.Items))
	}
	s, err := f.Kube.CoreV1().Secrets(f.Namespace).Get(f.Context(), framework.CloudInitSecretName("vm2"), metav1.GetOptions{})
	if err != nil || !strings.Contains(string(s.Data["userdata"]), "someone else's") {
		t.Errorf("the existing Secret vm2-cloudinit was changed (err %v)", err)
	}
}

func TestRestoreConflicts(t *testing.T) {
	newVM := []framework.RestoreOption{
		framework.Rename("VirtualMachine", "vm", "vm2"),
		framework.Rename("Secret", framework.CloudInitSecretName("vm"), framework.CloudInitSecretName("vm2")),
	}
	renamedDisks := slices.Concat(newVM, []framework.RestoreOption{
		framework.Rename("PersistentVolumeClaim", framework.ClaimName("vm", "disk0"), "vm2-disk0"),
		framework.Rename("PersistentVolumeClaim", framework.ClaimName("vm", "disk1"), "vm2-disk1"),
	})
	everyConflict := map[string]snapshotapi.ResourceResult{
		"PersistentVolumeClaim vm-disk0": snapshotapi.ResourceConflict,
		"PersistentVolumeClaim vm-disk1": snapshotapi.ResourceConflict,
		"Secret vm2-cloudinit":           snapshotapi.ResourceConflict,
		"VirtualMachine vm2":             snapshotapi.ResourceConflict,
	}

	t.Run("Strict fails listing every conflict and changes nothing", func(t *testing.T) {
		f := conflictingWorld(t)
		f.CreateRestore("restore", "snap", newVM...)
		r := f.WaitForRestorePhase("restore", snapshotapi.RestoreFailed, framework.DefaultTimeout)
		ready := condition(r, snapshotapi.ConditionReady)
		if ready.Reason != restore.ReasonConflict {
			t.Errorf("Ready reason %s, want Conflict", ready.Reason)
		}
		for _, want := range []string{"4 conflicts", "nothing was changed", "PersistentVolumeClaim vm-disk0 exists", "PersistentVolumeClaim vm-disk1 exists",
			"used by VirtualMachine vm", "Secret vm2-cloudinit exists with data that differs", "MAC address " + sourceMAC} {
			if !strings.Contains(ready.Message, want) {
				t.Errorf("Ready message %q: want it to say %q", ready.Message, want)
			}
		}
		requireResults(t, r, everyConflict)
		f.Consistently("namespace "+f.Namespace, "nothing restored", 2*time.Second, func(ctx context.Context) (bool, string, error) {
			_, err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).Get(ctx, "vm2", metav1.GetOptions{})
			return apierrors.IsNotFound(err), "VM vm2 exists", nil
		})
		requireNothingRestored(t, f, r)
		f.WaitForEvent("VirtualMachineRestore", "restore", corev1.EventTypeWarning, "RestoreFailed")
	})

	t.Run("BestEffort skips the Secret and the MAC, and reports them", func(t *testing.T) {
		f := conflictingWorld(t)
		f.CreateRestore("restore", "snap", append(slices.Clone(renamedDisks), framework.WithRestoreMode(snapshotapi.RestoreModeBestEffort))...)
		r := waitReady(t, f, "restore")
		requireResults(t, r, map[string]snapshotapi.ResourceResult{
			"Secret vm2-cloudinit":            snapshotapi.ResourceSkipped,
			"VirtualMachine vm2":              snapshotapi.ResourceCreated,
			"PersistentVolumeClaim vm2-disk0": snapshotapi.ResourceCreated,
		})
		if msg := resultOf(r, "VirtualMachine", "vm2").Message; !strings.Contains(msg, "new MAC address") {
			t.Errorf("VM vm2 result message %q: want it to report the MAC it could not keep", msg)
		}
		created := f.GetVM("vm2")
		if mac := created.Spec.Template.Spec.Domain.Devices.Interfaces[0].MacAddress; mac != "" {
			t.Errorf("new VM MAC %q: the MAC in use must be left for KubeVirt to assign afresh", mac)
		}
		s, err := f.Kube.CoreV1().Secrets(f.Namespace).Get(f.Context(), framework.CloudInitSecretName("vm2"), metav1.GetOptions{})
		if err != nil || !strings.Contains(string(s.Data["userdata"]), "someone else's") {
			t.Errorf("the skipped Secret was changed (err %v)", err)
		}
	})

	t.Run("BestEffort still fails on a disk in conflict", func(t *testing.T) {
		f := conflictingWorld(t)
		f.CreateRestore("restore", "snap", append(slices.Clone(newVM), framework.WithRestoreMode(snapshotapi.RestoreModeBestEffort))...)
		r := f.WaitForRestorePhase("restore", snapshotapi.RestoreFailed, framework.DefaultTimeout)
		if msg := condition(r, snapshotapi.ConditionReady).Message; !strings.Contains(msg, "2 conflicts") || !strings.Contains(msg, "vm-disk0") {
			t.Errorf("Ready message %q: want the two disks in conflict, and only them", msg)
		}
		requireNothingRestored(t, f, r)
	})

	t.Run("DryRun reports the plan and changes nothing", func(t *testing.T) {
		f := conflictingWorld(t)
		f.CreateRestore("restore", "snap", append(slices.Clone(newVM), framework.WithRestoreMode(snapshotapi.RestoreModeDryRun))...)
		r := waitReady(t, f, "restore")
		if r.Status.Complete == nil || *r.Status.Complete {
			t.Errorf("a dry run must end with complete=false; got %s", framework.DescribeRestore(r))
		}
		ready := condition(r, snapshotapi.ConditionReady)
		if ready.Reason != restore.ReasonDryRun || !strings.Contains(ready.Message, "dry run") || !strings.Contains(ready.Message, "4 conflicts") {
			t.Errorf("Ready %+v: want reason DryRun reporting the 4 conflicts", ready)
		}
		requireResults(t, r, everyConflict)
		requireNothingRestored(t, f, r)
	})

	t.Run("DryRun of a clean restore reports what it would create", func(t *testing.T) {
		f := conflictingWorld(t)
		f.CreateRestore("restore", "snap", framework.Rename("", "vm", "vm3"), framework.Rename("", framework.ClaimName("vm", "disk0"), "vm3-disk0"),
			framework.Rename("", framework.ClaimName("vm", "disk1"), "vm3-disk1"), framework.Rename("", framework.CloudInitSecretName("vm"), "vm3-ci"),
			framework.WithRestoreMode(snapshotapi.RestoreModeDryRun))
		r := waitReady(t, f, "restore")
		requireResults(t, r, map[string]snapshotapi.ResourceResult{
			"PersistentVolumeClaim vm3-disk0": snapshotapi.ResourceCreated, "Secret vm3-ci": snapshotapi.ResourceCreated,
		})
		// The source VM runs with the MAC the snapshot keeps.
		requireResults(t, r, map[string]snapshotapi.ResourceResult{"VirtualMachine vm3": snapshotapi.ResourceConflict})
		if _, err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).Get(f.Context(), "vm3", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("a dry run created VM vm3 (err %v)", err)
		}
	})

	t.Run("keepIPAddress Never gives the new VM fresh MACs", func(t *testing.T) {
		f := conflictingWorld(t, framework.WithKeepIPAddress(snapshotapi.KeepIPAddressNever))
		f.CreateRestore("restore", "snap", framework.Rename("", "vm", "vm2"), framework.Rename("", framework.ClaimName("vm", "disk0"), "vm2-disk0"),
			framework.Rename("", framework.ClaimName("vm", "disk1"), "vm2-disk1"), framework.Rename("", framework.CloudInitSecretName("vm"), "vm2-ci"))
		waitReady(t, f, "restore")
		if mac := f.GetVM("vm2").Spec.Template.Spec.Domain.Devices.Interfaces[0].MacAddress; mac != "" {
			t.Errorf("new VM MAC %q, want none (a fresh one from KubeVirt)", mac)
		}
	})
}

// A restore whose target is an existing VM other than the snapshot's source
// is refused.
func TestRestoreIntoAnotherVMIsRefused(t *testing.T) {
	f := newTest(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(1))
	other := f.CreateVM("other", framework.WithPVCDisks(1))
	readySnapshot(f, "snap", vm.Name)
	f.CreateRestore("restore", "snap", framework.RestoreTarget("other"))
	r := f.WaitForRestorePhase("restore", snapshotapi.RestoreFailed, framework.DefaultTimeout)
	ready := condition(r, snapshotapi.ConditionReady)
	if ready.Reason != restore.ReasonTargetIsAnotherVM || !strings.Contains(ready.Message, "VirtualMachine other exists and is not the VM snapshot snap was taken of") {
		t.Errorf("Ready %+v: want reason TargetIsAnotherVM saying why", ready)
	}
	if live := f.GetVM("other"); live.ResourceVersion != other.ResourceVersion {
		t.Errorf("VM other was written to (resourceVersion %s, was %s)", live.ResourceVersion, other.ResourceVersion)
	}
	if n := len(f.ListClaims(ownedBy(r))); n != 0 {
		t.Errorf("%d claims created by a refused restore", n)
	}
}

// MACs are unique in the cluster, as KubeMacPool assumes: a stopped VM of
// another namespace whose spec sets the MAC a new VM would keep is a
// conflict, named with its namespace. (Before, only running VMs of the
// restore's own namespace were checked.)
func TestMACOfAStoppedVMInAnotherNamespaceIsAConflict(t *testing.T) {
	f := newTest(t)
	const mac = "02:00:00:00:0a:0b"
	vm := f.CreateVM("vm", framework.WithPVCDisks(1), framework.WithMAC(mac))
	readySnapshot(f, "snap", vm.Name)
	if err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).Delete(f.Context(), vm.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	elsewhere := framework.New(t)
	theirs := elsewhere.CreateVM("theirs", framework.WithMAC(mac))

	f.CreateRestore("restore", "snap", framework.Rename("VirtualMachine", "vm", "vm2"), framework.Rename("PersistentVolumeClaim", framework.ClaimName("vm", "disk0"), "vm2-disk0"))
	r := f.WaitForRestorePhase("restore", snapshotapi.RestoreFailed, framework.DefaultTimeout)
	if msg := resultOf(r, "VirtualMachine", "vm2").Message; !strings.Contains(msg, "MAC address "+mac) || !strings.Contains(msg, elsewhere.Namespace+"/"+theirs.Name) {
		t.Errorf("VM vm2 result %q: want a MAC conflict naming %s/%s", msg, elsewhere.Namespace, theirs.Name)
	}
	if _, err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).Get(f.Context(), "vm2", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("VM vm2 exists (err %v); a Strict restore in conflict creates nothing", err)
	}
}
