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
	"context"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kubevirtv1 "kubevirt.io/api/core/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
)

// Kinds of snapshot in list's KIND column.
const (
	rowKindVM   = "VM"
	rowKindDisk = "disk"
)

func newListCommand(o *Options) *cobra.Command {
	var (
		allNamespaces bool
		output        string
	)
	cmd := &cobra.Command{
		Use:     "list [VM]",
		Aliases: []string{"ls"},
		Short:   "List VM and disk snapshots, newest first",
		Long: `List the snapshots of the namespace: VM snapshots (VirtualMachineSnapshot)
and disk snapshots (VirtualDiskSnapshot), newest first.

With a VM, only that VM's snapshots: the VM snapshots taken of it, and the
disk snapshots of disks it had when they were taken or has now. A VM that
was deleted is still listed by its snapshots; a name that neither a VM nor
any snapshot has is an error.

Columns:
  KIND          VM or disk
  SOURCE        the VM; for a disk snapshot, the disk and, in parentheses,
                the VM it was attached to
  CONSISTENT    true when the guest's filesystems were frozen or the VM
                was stopped
  INDICATIONS   what the snapshot noticed (Online, GuestAgent, Paused, ...)
  SIZE          the space a restore needs: the sum of the restore sizes of
                the snapshot's volumes; <unknown> while some are not known,
                <none> when the snapshot holds no data (failed, not taken)

With -o json or -o yaml the snapshots are printed as a List of the objects.
Nothing found is not an error: the message goes to stderr and the exit
code is 0.`,
		Example: `  # Every snapshot in the namespace
  kubectl vmsnap list

  # The snapshots of one VM
  kubectl vmsnap list my-vm

  # Every snapshot in the cluster, as JSON
  kubectl vmsnap list -A -o json`,
		Args:              rangeArgs(0, 1, "at most one VM name"),
		ValidArgsFunction: completeArgs(o, listVMs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			if allNamespaces && len(args) > 0 {
				return usageErrorf("a VM name cannot be used with --all-namespaces: a VM belongs to one namespace")
			}
			c, err := o.Clients()
			if err != nil {
				return err
			}
			namespace := c.Namespace
			if allNamespaces {
				namespace = metav1.NamespaceAll
			}
			vmName := ""
			if len(args) == 1 {
				vmName = args[0]
			}
			return runList(cmd.Context(), o, c, namespace, vmName, output)
		},
	}
	cmd.Flags().BoolVarP(&allNamespaces, "all-namespaces", "A", false, "List the snapshots of every namespace")
	addOutputFlag(cmd, &output)
	return cmd
}

func runList(ctx context.Context, o *Options, c *Clients, namespace, vmName, output string) error {
	inv, err := readInventory(ctx, c, namespace)
	if err != nil {
		return err
	}
	var rows []listRow
	if vmName == "" {
		rows = inv.rows()
	} else {
		vm, err := getVMIfExists(ctx, c, namespace, vmName)
		if err != nil {
			return err
		}
		rows = inv.rowsOfVM(vmName, vmDiskNames(vm))
		if vm == nil && len(rows) == 0 {
			return fmt.Errorf("VirtualMachine %q not found in namespace %s, and no snapshot was taken of a VM of that name", vmName, namespace)
		}
	}
	sortNewestFirst(rows)

	if output != "" {
		return printData(o.Out, output, rowsAsList(rows))
	}
	if len(rows) == 0 {
		fmt.Fprintln(o.ErrOut, noSnapshotsMessage(namespace, vmName))
		return nil
	}
	return printListTable(o.Out, rows, namespace == metav1.NamespaceAll, useColour(o.Out), time.Now())
}

// noSnapshotsMessage is said on stderr when nothing is listed, as kubectl
// says "No resources found".
func noSnapshotsMessage(namespace, vmName string) string {
	switch {
	case namespace == metav1.NamespaceAll:
		return "No snapshots found."
	case vmName != "":
		return fmt.Sprintf("No snapshots of VM %s found in %s namespace.", vmName, namespace)
	}
	return fmt.Sprintf("No snapshots found in %s namespace.", namespace)
}

// snapshotInventory is every snapshot of a namespace (or of all of them),
// with the contents that tell a VM snapshot's size and, for an imported
// snapshot, its VM.
type snapshotInventory struct {
	vmSnapshots   []snapshotapi.VirtualMachineSnapshot
	diskSnapshots []snapshotapi.VirtualDiskSnapshot
	// contents by namespace/name.
	contents map[string]*snapshotapi.VirtualMachineSnapshotContent
}

// readInventory lists the snapshots and contents of namespace (every
// namespace when it is empty). A cluster that does not serve disk
// snapshots (the CRD left out) has none.
func readInventory(ctx context.Context, c *Clients, namespace string) (*snapshotInventory, error) {
	api := c.VMSnap.SnapshotV1alpha1()
	vmSnapshots, err := api.VirtualMachineSnapshots(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("listing VirtualMachineSnapshots: %w", err)
	}
	inv := &snapshotInventory{
		vmSnapshots: vmSnapshots.Items,
		contents:    map[string]*snapshotapi.VirtualMachineSnapshotContent{},
	}
	diskSnapshots, err := api.VirtualDiskSnapshots(namespace).List(ctx, metav1.ListOptions{})
	switch {
	case apierrors.IsNotFound(err):
	case err != nil:
		return nil, fmt.Errorf("listing VirtualDiskSnapshots: %w", err)
	default:
		inv.diskSnapshots = diskSnapshots.Items
	}
	contents, err := api.VirtualMachineSnapshotContents(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("listing VirtualMachineSnapshotContents: %w", err)
	}
	for i := range contents.Items {
		content := &contents.Items[i]
		inv.contents[content.Namespace+"/"+content.Name] = content
	}
	return inv, nil
}

// contentOf is the content bound to a VM snapshot, or nil.
func (inv *snapshotInventory) contentOf(s *snapshotapi.VirtualMachineSnapshot) *snapshotapi.VirtualMachineSnapshotContent {
	name := contentNameOf(s)
	if name == "" {
		return nil
	}
	return inv.contents[s.Namespace+"/"+name]
}

// contentNameOf is the content a VM snapshot is bound to: the one its
// status names, or for an import the one it binds.
func contentNameOf(s *snapshotapi.VirtualMachineSnapshot) string {
	if s.Status.VirtualMachineSnapshotContentName != nil {
		return *s.Status.VirtualMachineSnapshotContentName
	}
	if s.Spec.Source.Kind == "VirtualMachineSnapshotContent" {
		return s.Spec.Source.Name
	}
	return ""
}

// snapshotVMName is the VM a VM snapshot captured: its source, or for an
// imported content the VM the content recorded. Empty when not known.
func snapshotVMName(s *snapshotapi.VirtualMachineSnapshot, content *snapshotapi.VirtualMachineSnapshotContent) string {
	if s.Spec.Source.Kind == kindVM {
		return s.Spec.Source.Name
	}
	if content != nil && content.Spec.Source.VirtualMachine != nil {
		return content.Spec.Source.VirtualMachine.Name
	}
	return ""
}

// rows are every snapshot of the inventory, unsorted.
func (inv *snapshotInventory) rows() []listRow {
	rows := make([]listRow, 0, len(inv.vmSnapshots)+len(inv.diskSnapshots))
	for i := range inv.vmSnapshots {
		s := &inv.vmSnapshots[i]
		rows = append(rows, vmSnapshotRow(s, inv.contentOf(s)))
	}
	for i := range inv.diskSnapshots {
		rows = append(rows, diskSnapshotRow(&inv.diskSnapshots[i]))
	}
	return rows
}

// rowsOfVM are the snapshots of one VM: the VM snapshots taken of it, and
// the disk snapshots of a disk attached to it then (status) or now
// (liveDisks, the claims and DataVolumes of the live VM).
func (inv *snapshotInventory) rowsOfVM(vmName string, liveDisks map[string]bool) []listRow {
	var rows []listRow
	for _, row := range inv.rows() {
		if row.belongsTo(vmName, liveDisks) {
			rows = append(rows, row)
		}
	}
	return rows
}

// listRow is one snapshot as list shows it.
type listRow struct {
	Namespace   string
	Name        string
	Kind        string
	Source      string
	Phase       string
	Consistent  *bool
	Indications []string
	// Size is the restore size, nil when not (yet) known; NoData marks a
	// snapshot that holds no volume data at all (failed, or not taken yet).
	Size    *resource.Quantity
	NoData  bool
	Created metav1.Time

	// vmName is the VM of a VM snapshot, or the VM a disk was attached to;
	// disk is the disk of a disk snapshot.
	vmName string
	disk   string
	object runtime.Object
}

func vmSnapshotRow(s *snapshotapi.VirtualMachineSnapshot, content *snapshotapi.VirtualMachineSnapshotContent) listRow {
	vmName := snapshotVMName(s, content)
	row := listRow{
		Namespace:   s.Namespace,
		Name:        s.Name,
		Kind:        rowKindVM,
		Source:      vmName,
		Phase:       string(s.Status.Phase),
		Consistent:  s.Status.Consistent,
		Indications: indicationNames(s.Status.Indications),
		Created:     s.CreationTimestamp,
		vmName:      vmName,
		object:      s,
	}
	if vmName == "" {
		row.Source = "content/" + s.Spec.Source.Name
	}
	if content == nil {
		row.NoData = true
	} else if size, known := contentRestoreSize(content); known {
		row.Size = &size
	}
	return row
}

func diskSnapshotRow(d *snapshotapi.VirtualDiskSnapshot) listRow {
	row := listRow{
		Namespace:   d.Namespace,
		Name:        d.Name,
		Kind:        rowKindDisk,
		Source:      d.Spec.VirtualDiskName,
		Phase:       string(d.Status.Phase),
		Consistent:  d.Status.Consistent,
		Indications: indicationNames(d.Status.Indications),
		Size:        d.Status.RestoreSize,
		Created:     d.CreationTimestamp,
		disk:        d.Spec.VirtualDiskName,
		object:      d,
	}
	if d.Status.VirtualMachineName != nil && *d.Status.VirtualMachineName != "" {
		row.vmName = *d.Status.VirtualMachineName
		row.Source += " (" + row.vmName + ")"
	}
	if d.Status.VolumeSnapshotName == nil && d.Status.RestoreSize == nil {
		row.NoData = true
	}
	return row
}

// belongsTo tells whether the snapshot is of the VM: taken of it, or of a
// disk it had then or has now.
func (r listRow) belongsTo(vmName string, liveDisks map[string]bool) bool {
	if r.vmName == vmName {
		return true
	}
	return r.Kind == rowKindDisk && liveDisks[r.disk]
}

func indicationNames(indications []snapshotapi.Indication) []string {
	names := make([]string, 0, len(indications))
	for _, i := range indications {
		names = append(names, string(i.Type))
	}
	return names
}

// contentRestoreSize sums the restore sizes of a content's volumes. It is
// known when every volume the content backs up reports one; a content
// without volumes (a configuration-only snapshot) holds 0 bytes.
func contentRestoreSize(content *snapshotapi.VirtualMachineSnapshotContent) (resource.Quantity, bool) {
	total := resource.MustParse("0")
	reported := map[string]bool{}
	for _, status := range content.Status.VolumeSnapshotStatus {
		if status.RestoreSize == nil {
			continue
		}
		total.Add(*status.RestoreSize)
		reported[status.VolumeSnapshotName] = true
	}
	for _, backup := range content.Spec.VolumeBackups {
		if backup.VolumeSnapshotName == nil || !reported[*backup.VolumeSnapshotName] {
			return total, false
		}
	}
	return total, true
}

// sortNewestFirst orders rows by creation, newest first; rows created in
// the same second by namespace, name and kind, so the order is stable.
func sortNewestFirst(rows []listRow) {
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if !a.Created.Equal(&b.Created) {
			return b.Created.Before(&a.Created)
		}
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Kind < b.Kind
	})
}

// sizeCell is the SIZE column.
func sizeCell(r listRow) string {
	switch {
	case r.Size != nil:
		return humanSize(*r.Size)
	case r.NoData:
		return "<none>"
	}
	return "<unknown>"
}

// humanSize writes a size in binary units, as claims ask for them: 1Gi,
// 1.5Gi, 512Mi; sizes under 1Ki in bytes.
func humanSize(q resource.Quantity) string {
	bytes := q.Value()
	if bytes < 1024 {
		return strconv.FormatInt(bytes, 10)
	}
	value, unit := float64(bytes), ""
	for _, u := range []string{"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"} {
		if value < 1024 {
			break
		}
		value, unit = value/1024, u
	}
	if value == math.Trunc(value) {
		return strconv.FormatFloat(value, 'f', 0, 64) + unit
	}
	return strconv.FormatFloat(value, 'f', 1, 64) + unit
}

func printListTable(out io.Writer, rows []listRow, withNamespace, colour bool, now time.Time) error {
	table := newTable(out)
	header := []string{"NAME", "KIND", "SOURCE", "PHASE", "CONSISTENT", "INDICATIONS", "SIZE", "AGE"}
	if withNamespace {
		header = append([]string{"NAMESPACE"}, header...)
	}
	table.Row(header...)
	for _, r := range rows {
		phase := r.Phase
		if phase == "" {
			phase = "<none>"
		} else {
			phase = paint(colour, phaseColour(phase), phase)
		}
		indications := strings.Join(r.Indications, ",")
		if indications == "" {
			indications = "<none>"
		}
		cells := []string{r.Name, r.Kind, r.Source, phase, boolCell(r.Consistent), indications, sizeCell(r), age(r.Created, now)}
		if withNamespace {
			cells = append([]string{r.Namespace}, cells...)
		}
		table.Row(cells...)
	}
	return table.Flush()
}

// rowsAsList is the -o json|yaml form: a v1 List of the objects, each with
// its apiVersion and kind, without managedFields (as kubectl prints them).
func rowsAsList(rows []listRow) *metav1.List {
	list := &metav1.List{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "List"},
		Items:    []runtime.RawExtension{},
	}
	for _, r := range rows {
		obj := r.object.DeepCopyObject()
		setKind(obj)
		if accessor, ok := obj.(metav1.Object); ok {
			accessor.SetManagedFields(nil)
		}
		list.Items = append(list.Items, runtime.RawExtension{Object: obj})
	}
	return list
}

// getVMIfExists reads a VM; nil when there is none.
func getVMIfExists(ctx context.Context, c *Clients, namespace, name string) (*kubevirtv1.VirtualMachine, error) {
	vm, err := c.Virt.KubevirtV1().VirtualMachines(namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading VirtualMachine %s: %w", name, err)
	}
	return vm, nil
}

// vmDiskNames are the claims and DataVolumes of a VM's volumes: the names a
// disk snapshot's virtualDiskName may have. A DataVolume's claim has its
// name.
func vmDiskNames(vm *kubevirtv1.VirtualMachine) map[string]bool {
	names := map[string]bool{}
	if vm == nil || vm.Spec.Template == nil {
		return names
	}
	for _, v := range vm.Spec.Template.Spec.Volumes {
		if claim := volumeClaimName(v); claim != "" {
			names[claim] = true
		}
	}
	return names
}

// volumeClaimName is the claim a persistent volume of a VM uses, or "" for
// ephemeral volumes (containerDisk, cloud-init, ...).
func volumeClaimName(v kubevirtv1.Volume) string {
	switch {
	case v.PersistentVolumeClaim != nil:
		return v.PersistentVolumeClaim.ClaimName
	case v.DataVolume != nil:
		return v.DataVolume.Name
	}
	return ""
}

// claimStorageRequest is the storage a claim spec asks for, or nil.
func claimStorageRequest(spec corev1.PersistentVolumeClaimSpec) *resource.Quantity {
	if q, ok := spec.Resources.Requests[corev1.ResourceStorage]; ok {
		return &q
	}
	return nil
}
