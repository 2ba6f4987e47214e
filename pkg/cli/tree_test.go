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

package cli

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	groupsnapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumegroupsnapshot/v1"
	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
)

func TestRenderTree(t *testing.T) {
	root := &treeNode{Kind: "VirtualMachine", Name: "vm", Phase: "Stopped", Children: []*treeNode{
		{Kind: "VirtualMachineSnapshot", Name: "snap", Phase: "Ready", ReadyToUse: ptr.To(true), Consistent: ptr.To(true), Children: []*treeNode{
			{Kind: "VirtualMachineSnapshotContent", Name: "content", ReadyToUse: ptr.To(true), Children: []*treeNode{
				{Kind: "VolumeSnapshot", Name: "vs0", ReadyToUse: ptr.To(true), RestoreSize: mustQuantity("1Gi"), Detail: "volume disk0", Children: []*treeNode{
					{Kind: "VolumeSnapshotContent", Name: "vsc0", ReadyToUse: ptr.To(true), SnapshotHandle: "snap-1"},
				}},
				{Kind: "VolumeSnapshot", Name: "vs1", Absence: absenceMissing, Detail: "volume disk1"},
				{Kind: "Secret", Name: "copy", Detail: "copy of Secret vm-cloudinit"},
			}},
		}},
		{Kind: "VirtualMachineSnapshot", Name: "broken", Phase: "Ready", ReadyToUse: ptr.To(false), Consistent: ptr.To(false)},
		{Kind: "VirtualMachineRestore", Name: "restore", Phase: "Ready", Detail: "from snapshot snap into VM vm2", Children: []*treeNode{
			{Kind: "PersistentVolumeClaim", Name: "vm2-disk0", Phase: "Bound", Detail: "volume disk0"},
		}},
	}}
	var out bytes.Buffer
	renderTree(&out, root, false)
	want := `VirtualMachine/vm [Stopped]
├─ VirtualMachineSnapshot/snap [Ready, consistent]
│  └─ VirtualMachineSnapshotContent/content [ready]
│     ├─ VolumeSnapshot/vs0 [ready, 1Gi] volume disk0
│     │  └─ VolumeSnapshotContent/vsc0 [ready, handle snap-1]
│     ├─ VolumeSnapshot/vs1 [<missing>] volume disk1
│     └─ Secret/copy copy of Secret vm-cloudinit
├─ VirtualMachineSnapshot/broken [Ready, not ready, not consistent]
└─ VirtualMachineRestore/restore [Ready] from snapshot snap into VM vm2
   └─ PersistentVolumeClaim/vm2-disk0 [Bound] volume disk0
`
	if out.String() != want {
		t.Errorf("tree:\n%s\nwant:\n%s", out.String(), want)
	}

	out.Reset()
	renderTree(&out, root, true)
	for _, painted := range []string{"\x1b[31m<missing>\x1b[0m", "\x1b[32mReady\x1b[0m", "\x1b[32mBound\x1b[0m", "\x1b[33mnot ready\x1b[0m"} {
		if !strings.Contains(out.String(), painted) {
			t.Errorf("on a terminal the tree should have %q:\n%s", painted, out.String())
		}
	}
	if strings.Contains(out.String(), "\x1b[33mStopped") {
		t.Error("a VM's status is not a phase to colour")
	}
}

func TestParseTreeArg(t *testing.T) {
	for in, want := range map[string]treeTarget{
		"name":                                {Name: "name"},
		"vm/name":                             {Kind: kindVM, Name: "name"},
		"VirtualMachine/name":                 {Kind: kindVM, Name: "name"},
		"vm.kubevirt.io/name":                 {Kind: kindVM, Name: "name"},
		"snapshot/name":                       {Kind: kindSnapshot, Name: "name"},
		"vmsnapshot/name":                     {Kind: kindSnapshot, Name: "name"},
		"disksnapshot/name":                   {Kind: kindDiskSnapshot, Name: "name"},
		"vdsnapshots.snapshot.vmsnap.io/name": {Kind: kindDiskSnapshot, Name: "name"},
	} {
		got, err := parseTreeArg(in)
		if err != nil || got != want {
			t.Errorf("parseTreeArg(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"pod/name", "vm/", "vm/a/b"} {
		_, err := parseTreeArg(bad)
		var coded *exitError
		if err == nil || !errors.As(err, &coded) || coded.code != ExitUsage {
			t.Errorf("parseTreeArg(%q): %v, want a usage error", bad, err)
		}
	}
}

func TestPickTreeKind(t *testing.T) {
	kind, note := pickTreeKind("x", map[string]bool{kindVM: true})
	if kind != kindVM || note != "" {
		t.Errorf("only a VM: %q %q", kind, note)
	}
	kind, note = pickTreeKind("x", map[string]bool{kindVM: true, kindSnapshot: true})
	if kind != kindSnapshot || !strings.Contains(note, "vm/x for the VirtualMachine") {
		t.Errorf("a snapshot and a VM: %q %q; want the snapshot, and a note naming vm/x", kind, note)
	}
	if kind, _ := pickTreeKind("x", map[string]bool{}); kind != "" {
		t.Errorf("nothing: %q", kind)
	}
}

func TestRestoreTargetName(t *testing.T) {
	r := &snapshotapi.VirtualMachineRestore{Spec: snapshotapi.VirtualMachineRestoreSpec{VirtualMachineSnapshotName: "snap"}}
	if got := restoreTargetName(r, "vm"); got != "vm" {
		t.Errorf("in place: %q", got)
	}
	r.Spec.NameReplacements = []snapshotapi.NameReplacement{{From: snapshotapi.NameReplacementSource{Kind: "VirtualMachine", Name: "vm"}, To: "vm2"}}
	if got := restoreTargetName(r, "vm"); got != "vm2" {
		t.Errorf("renamed: %q", got)
	}
	r.Status.TargetName = ptr.To("written")
	if got := restoreTargetName(r, "vm"); got != "written" {
		t.Errorf("status wins: %q", got)
	}
}

// TestTreeBuilder reads trees from fake clusters: a Ready snapshot of vm
// whose disk1 VolumeSnapshot and Secret copy were deleted, a failed one, a
// disk snapshot, and a restore into a new VM.
func TestTreeBuilder(t *testing.T) {
	vm := fakeVM("vm", "disk0", "disk1")
	snap := fakeVMSnapshot("snap", "vm", minutesAgo(10), snapshotapi.SnapshotReady)
	content := fakeContentFor(snap, vm, "disk0", "disk1")
	content.Spec.SecretBackups = []snapshotapi.SecretBackup{{Name: "vm-cloudinit", BackupSecretName: "snap-secret"}}
	vs0 := &snapshotv1.VolumeSnapshot{
		ObjectMeta: metav1.ObjectMeta{Name: "vs-snap-disk0", Namespace: testNamespace},
		Status: &snapshotv1.VolumeSnapshotStatus{
			BoundVolumeSnapshotContentName: ptr.To("vsc0"), ReadyToUse: ptr.To(true), RestoreSize: mustQuantity("1Gi"),
		},
	}
	vsc0 := &snapshotv1.VolumeSnapshotContent{
		ObjectMeta: metav1.ObjectMeta{Name: "vsc0"},
		Status:     &snapshotv1.VolumeSnapshotContentStatus{ReadyToUse: ptr.To(true), SnapshotHandle: ptr.To("handle-0")},
	}
	failed := fakeVMSnapshot("failed", "vm", minutesAgo(5), snapshotapi.SnapshotFailed)
	failed.Status.Error = &snapshotapi.Error{Message: ptr.To("the guest agent did not answer")}
	disk := fakeDiskSnapshot("disk", "vm-disk0", "vm", minutesAgo(1))
	restore := &snapshotapi.VirtualMachineRestore{
		ObjectMeta: metav1.ObjectMeta{Name: "restore", Namespace: testNamespace, CreationTimestamp: minutesAgo(2)},
		Spec: snapshotapi.VirtualMachineRestoreSpec{
			VirtualMachineSnapshotName: "snap",
			NameReplacements:           []snapshotapi.NameReplacement{{From: snapshotapi.NameReplacementSource{Name: "vm"}, To: "vm2"}},
		},
		Status: snapshotapi.VirtualMachineRestoreStatus{
			Phase:    snapshotapi.RestoreReady,
			Restores: []snapshotapi.VolumeRestore{{VolumeName: "disk0", PersistentVolumeClaimName: "vm2-disk0"}},
		},
	}
	claim := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "vm2-disk0", Namespace: testNamespace},
		Status:     corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimBound},
	}
	c := fakeClientsFor(vm, snap, content, vs0, vsc0, failed, disk, restore, claim)
	b := &treeBuilder{ctx: context.Background(), c: c, namespace: testNamespace}

	t.Run("a snapshot", func(t *testing.T) {
		root, note, err := b.build(treeTarget{Name: "snap"})
		if err != nil || note != "" {
			t.Fatalf("%v %q", err, note)
		}
		var out bytes.Buffer
		renderTree(&out, root, false)
		want := `VirtualMachineSnapshot/snap [Ready, consistent] of VM vm
└─ VirtualMachineSnapshotContent/content-snap [ready]
   ├─ VolumeSnapshot/vs-snap-disk0 [ready, 1Gi] volume disk0, claim vm-disk0
   │  └─ VolumeSnapshotContent/vsc0 [ready, handle handle-0]
   ├─ VolumeSnapshot/vs-snap-disk1 [<missing>] volume disk1, claim vm-disk1
   └─ Secret/snap-secret [<missing>] copy of Secret vm-cloudinit
`
		if out.String() != want {
			t.Errorf("tree:\n%s\nwant:\n%s", out.String(), want)
		}
	})

	t.Run("a VM", func(t *testing.T) {
		root, _, err := b.build(treeTarget{Kind: kindVM, Name: "vm"})
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		renderTree(&out, root, false)
		want := `VirtualMachine/vm [Stopped]
├─ VirtualDiskSnapshot/disk [Ready, not consistent, 512Mi] disk vm-disk0 of VM vm
│  └─ VolumeSnapshot/vdsnapshot-disk [<missing>]
├─ VirtualMachineSnapshot/failed [Failed] (the guest agent did not answer)
├─ VirtualMachineSnapshot/snap [Ready, consistent]
│  └─ VirtualMachineSnapshotContent/content-snap [ready]
│     ├─ VolumeSnapshot/vs-snap-disk0 [ready, 1Gi] volume disk0, claim vm-disk0
│     │  └─ VolumeSnapshotContent/vsc0 [ready, handle handle-0]
│     ├─ VolumeSnapshot/vs-snap-disk1 [<missing>] volume disk1, claim vm-disk1
│     └─ Secret/snap-secret [<missing>] copy of Secret vm-cloudinit
└─ VirtualMachineRestore/restore [Ready] from snapshot snap into VM vm2
   └─ PersistentVolumeClaim/vm2-disk0 [Bound] volume disk0
`
		if out.String() != want {
			t.Errorf("tree:\n%s\nwant:\n%s", out.String(), want)
		}
	})

	t.Run("the VM a restore wrote", func(t *testing.T) {
		root, _, err := b.build(treeTarget{Kind: kindVM, Name: "vm2"})
		if err != nil {
			t.Fatal(err)
		}
		if root.Absence != absenceMissing || len(root.Children) != 1 || root.Children[0].Name != "restore" {
			t.Errorf("vm2 (not in the fake cluster) got %+v; want it missing, with the restore that wrote it", root)
		}
	})

	t.Run("a name nothing has", func(t *testing.T) {
		if _, _, err := b.build(treeTarget{Name: "nothing"}); err == nil || !strings.Contains(err.Error(), `no VM snapshot, disk snapshot or VM named "nothing"`) {
			t.Errorf("got %v", err)
		}
		if _, _, err := b.build(treeTarget{Kind: kindSnapshot, Name: "vm"}); err == nil || !strings.Contains(err.Error(), `VirtualMachineSnapshot "vm" not found`) {
			t.Errorf("snapshot/vm: got %v", err)
		}
	})

	t.Run("a snapshot in progress has pieces not created yet", func(t *testing.T) {
		pending := fakeVMSnapshot("pending", "vm", minutesAgo(0), snapshotapi.SnapshotInProgress)
		pending.Status.VirtualMachineSnapshotContentName = ptr.To("content-pending")
		c := fakeClientsFor(vm, pending)
		b := &treeBuilder{ctx: context.Background(), c: c, namespace: testNamespace}
		root, _, err := b.build(treeTarget{Name: "pending"})
		if err != nil {
			t.Fatal(err)
		}
		if got := root.Children[0].Absence; got != absenceNotYet {
			t.Errorf("the content of a snapshot in progress: absence %q, want %q", got, absenceNotYet)
		}
	})
}

// A snapshot whose disks were cut in one group shows the group above the
// disks' VolumeSnapshots; a group not made yet is said so.
func TestTreeShowsTheGroup(t *testing.T) {
	vm := fakeVM("vm", "disk0", "disk1")
	snap := fakeVMSnapshot("snap", "vm", minutesAgo(1), snapshotapi.SnapshotReady)
	content := fakeContentFor(snap, vm, "disk0", "disk1")
	for i := range content.Spec.VolumeBackups {
		content.Spec.VolumeBackups[i].VolumeGroupSnapshotName = ptr.To("group-snap")
	}
	group := &groupsnapshotv1.VolumeGroupSnapshot{
		ObjectMeta: metav1.ObjectMeta{Name: "group-snap", Namespace: testNamespace},
		Status:     &groupsnapshotv1.VolumeGroupSnapshotStatus{ReadyToUse: ptr.To(true)},
	}
	for name, tc := range map[string]struct {
		objects []runtime.Object
		want    string
	}{
		"cut":  {[]runtime.Object{vm, snap, content, group}, "VolumeGroupSnapshot/group-snap [ready] cuts the 2 disks at one instant"},
		"gone": {[]runtime.Object{vm, snap, content}, "VolumeGroupSnapshot/group-snap [<missing>] cuts the 2 disks at one instant"},
	} {
		t.Run(name, func(t *testing.T) {
			b := &treeBuilder{ctx: context.Background(), c: fakeClientsFor(tc.objects...), namespace: testNamespace}
			root, _, err := b.build(treeTarget{Name: "snap"})
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			renderTree(&out, root, false)
			if !strings.Contains(out.String(), "├─ "+tc.want+"\n") {
				t.Errorf("tree:\n%s\nwant a line %q under the content", out.String(), tc.want)
			}
		})
	}
}
