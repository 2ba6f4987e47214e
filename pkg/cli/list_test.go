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
	"encoding/json"
	"strings"
	"testing"
	"time"

	snapshotfake "github.com/kubernetes-csi/external-snapshotter/client/v8/clientset/versioned/fake"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	kubefake "k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"
	kubevirtfake "kubevirt.io/client-go/kubevirt/fake"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
	vmsnapfake "vmsnap.io/client-go/clientset/versioned/fake"
)

const testNamespace = "ns"

// testEpoch is the clock of the unit tests.
var testEpoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func minutesAgo(m int) metav1.Time {
	return metav1.NewTime(testEpoch.Add(-time.Duration(m) * time.Minute))
}

func mustQuantity(s string) *resource.Quantity {
	q := resource.MustParse(s)
	return &q
}

// fakeClientsFor puts each object into the fake clientset of its API.
func fakeClientsFor(objects ...runtime.Object) *Clients {
	var vmsnapObjs, kubeObjs, virtObjs, snapshotObjs []runtime.Object
	for _, obj := range objects {
		switch obj.(type) {
		case *snapshotapi.VirtualMachineSnapshot, *snapshotapi.VirtualMachineSnapshotContent,
			*snapshotapi.VirtualDiskSnapshot, *snapshotapi.VirtualMachineRestore:
			vmsnapObjs = append(vmsnapObjs, obj)
		case *kubevirtv1.VirtualMachine:
			virtObjs = append(virtObjs, obj)
		case *corev1.Secret, *corev1.PersistentVolumeClaim:
			kubeObjs = append(kubeObjs, obj)
		default:
			snapshotObjs = append(snapshotObjs, obj)
		}
	}
	return &Clients{
		Namespace: testNamespace,
		VMSnap:    vmsnapfake.NewSimpleClientset(vmsnapObjs...),
		Kube:      kubefake.NewSimpleClientset(kubeObjs...),
		Virt:      kubevirtfake.NewSimpleClientset(virtObjs...),
		Snapshots: snapshotfake.NewSimpleClientset(snapshotObjs...),
	}
}

// testOptions are Options whose clients are fakes and whose output is kept.
func testOptions(c *Clients) (*Options, *bytes.Buffer, *bytes.Buffer) {
	out, errOut := &bytes.Buffer{}, &bytes.Buffer{}
	return &Options{IOStreams: genericiooptions.IOStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut}, clients: c}, out, errOut
}

func fakeVMSnapshot(name, vm string, created metav1.Time, phase snapshotapi.SnapshotPhase) *snapshotapi.VirtualMachineSnapshot {
	s := &snapshotapi.VirtualMachineSnapshot{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: testNamespace, CreationTimestamp: created},
		Spec: snapshotapi.VirtualMachineSnapshotSpec{
			Source: corev1.TypedLocalObjectReference{APIGroup: ptr.To("kubevirt.io"), Kind: "VirtualMachine", Name: vm},
		},
		Status: snapshotapi.VirtualMachineSnapshotStatus{Phase: phase},
	}
	if phase == snapshotapi.SnapshotReady {
		s.Status.ReadyToUse = ptr.To(true)
		s.Status.Consistent = ptr.To(true)
		s.Status.VirtualMachineSnapshotContentName = ptr.To("content-" + name)
	}
	return s
}

// fakeContentFor is the content of a Ready snapshot, with a 1Gi VolumeSnapshot
// per volume.
func fakeContentFor(s *snapshotapi.VirtualMachineSnapshot, vm *kubevirtv1.VirtualMachine, volumes ...string) *snapshotapi.VirtualMachineSnapshotContent {
	c := &snapshotapi.VirtualMachineSnapshotContent{
		ObjectMeta: metav1.ObjectMeta{Name: "content-" + s.Name, Namespace: testNamespace},
		Spec: snapshotapi.VirtualMachineSnapshotContentSpec{
			VirtualMachineSnapshotName: ptr.To(s.Name),
			Source:                     snapshotapi.SourceSpec{VirtualMachine: vm},
		},
		Status: snapshotapi.VirtualMachineSnapshotContentStatus{ReadyToUse: ptr.To(true)},
	}
	for _, v := range volumes {
		vsName := "vs-" + s.Name + "-" + v
		c.Spec.VolumeBackups = append(c.Spec.VolumeBackups, snapshotapi.VolumeBackup{
			VolumeName:         v,
			VolumeSnapshotName: ptr.To(vsName),
			PersistentVolumeClaim: snapshotapi.PersistentVolumeClaimTemplate{
				Name: vm.Name + "-" + v,
				Spec: corev1.PersistentVolumeClaimSpec{Resources: corev1.VolumeResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")},
				}},
			},
		})
		c.Status.VolumeSnapshotStatus = append(c.Status.VolumeSnapshotStatus, snapshotapi.VolumeSnapshotStatus{
			VolumeSnapshotName: vsName, ReadyToUse: ptr.To(true), RestoreSize: mustQuantity("1Gi"),
		})
	}
	return c
}

func fakeDiskSnapshot(name, disk, vm string, created metav1.Time) *snapshotapi.VirtualDiskSnapshot {
	d := &snapshotapi.VirtualDiskSnapshot{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: testNamespace, CreationTimestamp: created},
		Spec:       snapshotapi.VirtualDiskSnapshotSpec{VirtualDiskName: disk},
		Status: snapshotapi.VirtualDiskSnapshotStatus{
			Phase:              snapshotapi.SnapshotReady,
			ReadyToUse:         ptr.To(true),
			Consistent:         ptr.To(false),
			VolumeSnapshotName: ptr.To("vdsnapshot-" + name),
			RestoreSize:        mustQuantity("512Mi"),
			Indications:        []snapshotapi.Indication{{Type: snapshotapi.IndicationOnline}, {Type: snapshotapi.IndicationNoGuestAgent}},
		},
	}
	if vm != "" {
		d.Status.VirtualMachineName = ptr.To(vm)
	}
	return d
}

// fakeVM is a VM with PVC disks <name>-<volume>.
func fakeVM(name string, volumes ...string) *kubevirtv1.VirtualMachine {
	vm := &kubevirtv1.VirtualMachine{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: testNamespace, Labels: map[string]string{"app": name}},
		Spec: kubevirtv1.VirtualMachineSpec{
			RunStrategy: ptr.To(kubevirtv1.RunStrategyHalted),
			Template:    &kubevirtv1.VirtualMachineInstanceTemplateSpec{},
		},
		Status: kubevirtv1.VirtualMachineStatus{PrintableStatus: kubevirtv1.VirtualMachineStatusStopped},
	}
	vm.Spec.Template.Spec.Domain.Resources.Requests = corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")}
	for _, v := range volumes {
		vm.Spec.Template.Spec.Volumes = append(vm.Spec.Template.Spec.Volumes, kubevirtv1.Volume{Name: v, VolumeSource: kubevirtv1.VolumeSource{
			PersistentVolumeClaim: &kubevirtv1.PersistentVolumeClaimVolumeSource{
				PersistentVolumeClaimVolumeSource: corev1.PersistentVolumeClaimVolumeSource{ClaimName: name + "-" + v},
			},
		}})
	}
	return vm
}

func rowNames(rows []listRow) []string {
	names := make([]string, 0, len(rows))
	for _, r := range rows {
		names = append(names, r.Name+"/"+r.Kind)
	}
	return names
}

func TestSortNewestFirst(t *testing.T) {
	rows := []listRow{
		{Name: "old", Kind: rowKindVM, Created: minutesAgo(30)},
		{Name: "b", Kind: rowKindVM, Created: minutesAgo(5)},
		{Name: "a", Kind: rowKindVM, Created: minutesAgo(5)},
		{Name: "a", Kind: rowKindDisk, Created: minutesAgo(5)},
		{Name: "new", Kind: rowKindDisk, Created: minutesAgo(1)},
		{Name: "other-namespace", Namespace: "a", Kind: rowKindVM, Created: minutesAgo(5)},
	}
	sortNewestFirst(rows)
	got := strings.Join(rowNames(rows), " ")
	// Ties (same second): namespace, then name, then kind.
	want := "new/disk a/VM a/disk b/VM other-namespace/VM old/VM"
	if got != want {
		t.Errorf("sorted:\n got %s\nwant %s", got, want)
	}
}

func TestContentRestoreSize(t *testing.T) {
	vm := fakeVM("vm", "disk0", "disk1")
	full := fakeContentFor(fakeVMSnapshot("s", "vm", minutesAgo(1), snapshotapi.SnapshotReady), vm, "disk0", "disk1")
	if size, known := contentRestoreSize(full); !known || size.Cmp(resource.MustParse("2Gi")) != 0 {
		t.Errorf("two 1Gi volumes: got %s known=%v, want 2Gi known", size.String(), known)
	}

	partial := full.DeepCopy()
	partial.Status.VolumeSnapshotStatus[1].RestoreSize = nil
	if _, known := contentRestoreSize(partial); known {
		t.Error("a volume without restoreSize: want the size unknown")
	}
	notReported := full.DeepCopy()
	notReported.Status.VolumeSnapshotStatus = notReported.Status.VolumeSnapshotStatus[:1]
	if _, known := contentRestoreSize(notReported); known {
		t.Error("a volume without a status entry: want the size unknown")
	}

	configOnly := fakeContentFor(fakeVMSnapshot("c", "vm", minutesAgo(1), snapshotapi.SnapshotReady), vm)
	if size, known := contentRestoreSize(configOnly); !known || !size.IsZero() {
		t.Errorf("a configuration-only snapshot: got %s known=%v, want 0 known", size.String(), known)
	}
}

func TestHumanSize(t *testing.T) {
	for in, want := range map[string]string{
		"0":          "0",
		"1000":       "1000",
		"1Ki":        "1Ki",
		"1536Mi":     "1.5Gi",
		"2Gi":        "2Gi",
		"1073741824": "1Gi",
		"1G":         "953.7Mi",
		"3Ti":        "3Ti",
	} {
		if got := humanSize(resource.MustParse(in)); got != want {
			t.Errorf("humanSize(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestSizeCell(t *testing.T) {
	vm := fakeVM("vm", "disk0")
	ready := fakeVMSnapshot("ready", "vm", minutesAgo(1), snapshotapi.SnapshotReady)
	content := fakeContentFor(ready, vm, "disk0")
	failed := fakeVMSnapshot("failed", "vm", minutesAgo(1), snapshotapi.SnapshotFailed)
	inProgress := content.DeepCopy()
	inProgress.Status.VolumeSnapshotStatus[0].RestoreSize = nil

	for _, tc := range []struct {
		name string
		row  listRow
		want string
	}{
		{"ready", vmSnapshotRow(ready, content), "1Gi"},
		{"failed, no content", vmSnapshotRow(failed, nil), "<none>"},
		{"size not reported yet", vmSnapshotRow(ready, inProgress), "<unknown>"},
		{"disk snapshot", diskSnapshotRow(fakeDiskSnapshot("d", "vm-disk0", "vm", minutesAgo(1))), "512Mi"},
	} {
		if got := sizeCell(tc.row); got != tc.want {
			t.Errorf("%s: SIZE %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestRowsOfVM(t *testing.T) {
	vm := fakeVM("vm", "disk0", "disk1")
	mine := fakeVMSnapshot("mine", "vm", minutesAgo(3), snapshotapi.SnapshotReady)
	theirs := fakeVMSnapshot("theirs", "other", minutesAgo(2), snapshotapi.SnapshotReady)
	// An imported snapshot names its content, whose VM is ours.
	imported := fakeVMSnapshot("imported", "", minutesAgo(1), snapshotapi.SnapshotReady)
	imported.Spec.Source = corev1.TypedLocalObjectReference{APIGroup: ptr.To("snapshot.vmsnap.io"), Kind: "VirtualMachineSnapshotContent", Name: "content-imported"}
	inv := &snapshotInventory{
		vmSnapshots: []snapshotapi.VirtualMachineSnapshot{*mine, *theirs, *imported},
		diskSnapshots: []snapshotapi.VirtualDiskSnapshot{
			*fakeDiskSnapshot("attached-then", "gone-disk", "vm", minutesAgo(4)),
			*fakeDiskSnapshot("attached-now", "vm-disk1", "", minutesAgo(5)),
			*fakeDiskSnapshot("elsewhere", "loose-disk", "", minutesAgo(6)),
			*fakeDiskSnapshot("other-vm", "other-disk0", "other", minutesAgo(7)),
		},
		contents: map[string]*snapshotapi.VirtualMachineSnapshotContent{},
	}
	for _, s := range []*snapshotapi.VirtualMachineSnapshot{mine, theirs, imported} {
		c := fakeContentFor(s, fakeVM(map[string]string{"mine": "vm", "theirs": "other", "imported": "vm"}[s.Name]))
		inv.contents[testNamespace+"/"+c.Name] = c
	}

	rows := inv.rowsOfVM("vm", vmDiskNames(vm))
	sortNewestFirst(rows)
	if got, want := strings.Join(rowNames(rows), " "), "imported/VM mine/VM attached-then/disk attached-now/disk"; got != want {
		t.Errorf("rows of vm:\n got %s\nwant %s", got, want)
	}
	if rows[0].Source != "vm" {
		t.Errorf("the imported snapshot's SOURCE %q, want its content's VM", rows[0].Source)
	}
	if rows[2].Source != "gone-disk (vm)" {
		t.Errorf("a disk snapshot's SOURCE %q, want the disk and its VM", rows[2].Source)
	}
	// A deleted VM still has the snapshots that name it.
	if got := rowNames(inv.rowsOfVM("vm", vmDiskNames(nil))); len(got) != 3 {
		t.Errorf("rows of a deleted vm: %v, want the 3 that name it", got)
	}
}

func TestPrintListTable(t *testing.T) {
	vm := fakeVM("vm", "disk0", "disk1")
	ready := fakeVMSnapshot("snap", "vm", minutesAgo(90), snapshotapi.SnapshotReady)
	ready.Status.Indications = []snapshotapi.Indication{{Type: snapshotapi.IndicationGuestAgent}, {Type: snapshotapi.IndicationOnline}}
	rows := []listRow{
		diskSnapshotRow(fakeDiskSnapshot("disk", "vm-disk0", "vm", minutesAgo(2))),
		vmSnapshotRow(ready, fakeContentFor(ready, vm, "disk0", "disk1")),
		vmSnapshotRow(fakeVMSnapshot("broken", "ghost", minutesAgo(3*24*60), snapshotapi.SnapshotFailed), nil),
	}
	var out bytes.Buffer
	if err := printListTable(&out, rows, false, false, testEpoch); err != nil {
		t.Fatal(err)
	}
	want := `NAME     KIND   SOURCE            PHASE    CONSISTENT    INDICATIONS             SIZE    AGE
disk     disk   vm-disk0 (vm)     Ready    false         Online,NoGuestAgent     512Mi   2m
snap     VM     vm                Ready    true          GuestAgent,Online       2Gi     90m
broken   VM     ghost             Failed   <unknown>     <none>                  <none>  3d
`
	if squeezeSpaces(out.String()) != squeezeSpaces(want) {
		t.Errorf("table:\n%s\nwant:\n%s", out.String(), want)
	}

	out.Reset()
	if err := printListTable(&out, rows[:1], true, true, testEpoch); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "NAMESPACE") || !strings.Contains(out.String(), "\x1b[32mReady\x1b[0m") {
		t.Errorf("with namespaces and colours:\n%q", out.String())
	}
}

// squeezeSpaces lets a test ignore how wide the tab writer made a column.
func squeezeSpaces(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' }), " ")
}

func TestRunList(t *testing.T) {
	vm := fakeVM("vm", "disk0")
	snap := fakeVMSnapshot("snap", "vm", minutesAgo(5), snapshotapi.SnapshotReady)
	c := fakeClientsFor(vm, snap, fakeContentFor(snap, vm, "disk0"), fakeDiskSnapshot("disk", "vm-disk0", "vm", minutesAgo(1)))
	ctx := context.Background()

	t.Run("json is a List of the objects", func(t *testing.T) {
		o, out, _ := testOptions(c)
		if err := runList(ctx, o, c, testNamespace, "", outputJSON); err != nil {
			t.Fatal(err)
		}
		var list struct {
			APIVersion, Kind string
			Items            []struct {
				APIVersion, Kind string
				Metadata         struct{ Name string }
			}
		}
		if err := json.Unmarshal(out.Bytes(), &list); err != nil {
			t.Fatalf("%v in %s", err, out)
		}
		if list.APIVersion != "v1" || list.Kind != "List" || len(list.Items) != 2 {
			t.Fatalf("got %+v", list)
		}
		if i := list.Items[0]; i.Kind != "VirtualDiskSnapshot" || i.APIVersion != "snapshot.vmsnap.io/v1alpha1" || i.Metadata.Name != "disk" {
			t.Errorf("first item %+v, want the newest, the disk snapshot, with its kind", i)
		}
		if i := list.Items[1]; i.Kind != "VirtualMachineSnapshot" || i.Metadata.Name != "snap" {
			t.Errorf("second item %+v", i)
		}
	})

	t.Run("nothing found is said on stderr", func(t *testing.T) {
		o, out, errOut := testOptions(c)
		if err := runList(ctx, o, c, "empty", "", ""); err != nil {
			t.Fatal(err)
		}
		if out.Len() != 0 || errOut.String() != "No snapshots found in empty namespace.\n" {
			t.Errorf("stdout %q stderr %q", out, errOut)
		}
	})

	t.Run("a VM neither existing nor snapshotted is an error", func(t *testing.T) {
		o, _, _ := testOptions(c)
		err := runList(ctx, o, c, testNamespace, "typo", "")
		if err == nil || !strings.Contains(err.Error(), `VirtualMachine "typo" not found`) {
			t.Errorf("got %v", err)
		}
	})

	t.Run("a VM without snapshots", func(t *testing.T) {
		other := fakeVM("lonely")
		c := fakeClientsFor(other)
		o, _, errOut := testOptions(c)
		if err := runList(ctx, o, c, testNamespace, "lonely", ""); err != nil {
			t.Fatal(err)
		}
		if errOut.String() != "No snapshots of VM lonely found in ns namespace.\n" {
			t.Errorf("stderr %q", errOut)
		}
	})
}
