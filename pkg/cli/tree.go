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
	"sort"
	"strings"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
)

func newTreeCommand(o *Options) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "tree SNAPSHOT|VM",
		Short: "Show what a snapshot is made of, or every snapshot and restore of a VM",
		Long: `Show a snapshot as the tree of objects it is made of: the
VirtualMachineSnapshot, its VirtualMachineSnapshotContent, one VolumeSnapshot
per disk with the VolumeSnapshotContent it is bound to, and the copies of
the Secrets the VM used. Each object shows its state: phase, ready, size,
the storage's snapshot handle.

For a VM, the VM is at the root, with each of its snapshots (VM and disk
snapshots, newest first, each with its tree) and each restore that reads
one of its snapshots or writes the VM.

An object that should exist and does not is shown as <missing> (a broken
snapshot); one a snapshot in progress has not created yet as <not created
yet>; one you may not read (VolumeSnapshotContents are cluster-scoped,
Secrets are often not readable) as <forbidden>.

NAME alone is looked up as a VM snapshot first, then as a disk snapshot,
then as a VM; when several exist the first is shown and a note on stderr
says how to ask for the others. A prefix says which: vm/NAME,
snapshot/NAME (or vmsnapshot/NAME), disksnapshot/NAME (or vdsnapshot/NAME).

With -o json or -o yaml the same tree is printed as nested objects, each
with kind, name, its state and children.`,
		Example: `  # What snapshot my-snap is made of
  kubectl vmsnap tree my-snap

  # Every snapshot and restore of VM my-vm
  kubectl vmsnap tree vm/my-vm`,
		Args:              exactArgs("SNAPSHOT|VM"),
		ValidArgsFunction: completeArgs(o, listSnapshots, listDiskSnapshots, listVMs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			target, err := parseTreeArg(args[0])
			if err != nil {
				return err
			}
			c, err := o.Clients()
			if err != nil {
				return err
			}
			b := &treeBuilder{ctx: cmd.Context(), c: c, namespace: c.Namespace}
			root, note, err := b.build(target)
			if err != nil {
				return err
			}
			if note != "" {
				fmt.Fprintln(o.ErrOut, "note: "+note)
			}
			if output != "" {
				return printData(o.Out, output, root)
			}
			renderTree(o.Out, root, useColour(o.Out))
			return nil
		},
	}
	addOutputFlag(cmd, &output)
	return cmd
}

// treeLookupOrder is the order an unqualified NAME is looked up in.
var treeLookupOrder = []string{kindSnapshot, kindDiskSnapshot, kindVM}

// treeTarget is what tree was asked for; Kind is empty for a bare NAME.
type treeTarget struct {
	Kind, Name string
}

// parseTreeArg reads NAME or KIND/NAME (KIND may carry kubectl's group:
// vm.kubevirt.io/NAME).
func parseTreeArg(arg string) (treeTarget, error) {
	kind, name, err := splitKind(arg, kindVM, kindSnapshot, kindDiskSnapshot)
	if err != nil {
		return treeTarget{}, err
	}
	return treeTarget{Kind: kind, Name: name}, nil
}

// pickTreeKind chooses among the kinds that have an object named name: the
// first in treeLookupOrder. The note says what else has that name and how
// to ask for it.
func pickTreeKind(name string, found map[string]bool) (kind, note string) {
	var others []string
	for _, k := range treeLookupOrder {
		if !found[k] {
			continue
		}
		if kind == "" {
			kind = k
			continue
		}
		others = append(others, fmt.Sprintf("%s/%s for the %s", prefixFor(k), name, k))
	}
	if kind != "" && len(others) > 0 {
		note = fmt.Sprintf("%q is the name of more than one object; showing the %s (ask for %s)", name, kind, strings.Join(others, ", "))
	}
	return kind, note
}

// Why an object of the tree is not shown with its state.
const (
	// absenceMissing: it should exist and does not.
	absenceMissing = "Missing"
	// absenceNotYet: a snapshot or restore in progress has not made it yet.
	absenceNotYet = "NotCreatedYet"
	// absenceForbidden: the user may not read it.
	absenceForbidden = "Forbidden"
)

// treeNode is one object of the tree, its state and what it is made of.
// It is also the -o json|yaml form.
type treeNode struct {
	Kind string `json:"kind"`
	Name string `json:"name,omitempty"`
	// Absence says why the object could not be shown: Missing,
	// NotCreatedYet or Forbidden.
	Absence string `json:"absence,omitempty"`
	// Phase is the object's phase (a VM's printable status, a claim's phase).
	Phase          string             `json:"phase,omitempty"`
	ReadyToUse     *bool              `json:"readyToUse,omitempty"`
	Consistent     *bool              `json:"consistent,omitempty"`
	RestoreSize    *resource.Quantity `json:"restoreSize,omitempty"`
	SnapshotHandle string             `json:"snapshotHandle,omitempty"`
	// Detail is what the object is for (a volume, the Secret copied), or
	// why it failed.
	Detail   string      `json:"detail,omitempty"`
	Children []*treeNode `json:"children,omitempty"`
}

// renderTree draws the tree, one object a line, with ├─ └─ │ as kubectl
// tree draws them.
func renderTree(w io.Writer, root *treeNode, colour bool) {
	fmt.Fprintln(w, treeLine(root, colour))
	renderSubtree(w, root.Children, "", colour)
}

func renderSubtree(w io.Writer, children []*treeNode, indent string, colour bool) {
	for i, child := range children {
		branch, under := "├─ ", "│  "
		if i == len(children)-1 {
			branch, under = "└─ ", "   "
		}
		fmt.Fprintln(w, indent+branch+treeLine(child, colour))
		renderSubtree(w, child.Children, indent+under, colour)
	}
}

// treeLine is one object: Kind/name [state, ...] detail.
func treeLine(n *treeNode, colour bool) string {
	line := n.Kind
	if n.Name != "" {
		line += "/" + n.Name
	}
	if words := stateWords(n, colour); len(words) > 0 {
		line += " [" + strings.Join(words, ", ") + "]"
	}
	if n.Detail != "" {
		line += " " + n.Detail
	}
	return line
}

// stateWords are the words between the brackets of a line.
func stateWords(n *treeNode, colour bool) []string {
	switch n.Absence {
	case absenceMissing:
		return []string{paint(colour, colourRed, "<missing>")}
	case absenceNotYet:
		return []string{paint(colour, colourYellow, "<not created yet>")}
	case absenceForbidden:
		return []string{"<forbidden>"}
	}
	var words []string
	if n.Phase != "" {
		words = append(words, paintPhase(colour, n.Kind, n.Phase))
	}
	// A phase says whether the object is ready, except when a ready
	// snapshot lost a piece since.
	if n.ReadyToUse != nil && (n.Phase == "" || !*n.ReadyToUse) {
		if *n.ReadyToUse {
			words = append(words, paint(colour, colourGreen, "ready"))
		} else {
			words = append(words, paint(colour, colourYellow, "not ready"))
		}
	}
	if n.Consistent != nil {
		if *n.Consistent {
			words = append(words, "consistent")
		} else {
			words = append(words, "not consistent")
		}
	}
	if n.RestoreSize != nil {
		words = append(words, humanSize(*n.RestoreSize))
	}
	if n.SnapshotHandle != "" {
		words = append(words, "handle "+n.SnapshotHandle)
	}
	return words
}

// paintPhase colours a phase; claims and VMs have phases of their own.
func paintPhase(colour bool, kind, phase string) string {
	switch kind {
	case kindVM:
		return phase
	case kindClaim:
		switch corev1.PersistentVolumeClaimPhase(phase) {
		case corev1.ClaimBound:
			return paint(colour, colourGreen, phase)
		case corev1.ClaimLost:
			return paint(colour, colourRed, phase)
		}
		return paint(colour, colourYellow, phase)
	}
	return paint(colour, phaseColour(phase), phase)
}

// treeBuilder reads the objects of a tree from the cluster.
type treeBuilder struct {
	ctx       context.Context
	c         *Clients
	namespace string
}

// build finds what target names and draws its tree. The note tells which
// object was taken when a bare name has several.
func (b *treeBuilder) build(target treeTarget) (root *treeNode, note string, err error) {
	kind := target.Kind
	if kind == "" {
		found := map[string]bool{}
		for _, k := range treeLookupOrder {
			exists, err := b.exists(k, target.Name)
			if err != nil {
				return nil, "", err
			}
			found[k] = exists
		}
		kind, note = pickTreeKind(target.Name, found)
		if kind == "" {
			return nil, "", fmt.Errorf("no VM snapshot, disk snapshot or VM named %q in namespace %s", target.Name, b.namespace)
		}
	}
	switch kind {
	case kindSnapshot:
		root, err = b.vmSnapshotRoot(target.Name)
	case kindDiskSnapshot:
		root, err = b.diskSnapshotRoot(target.Name)
	default:
		root, err = b.vmRoot(target.Name)
	}
	return root, note, err
}

func (b *treeBuilder) exists(kind, name string) (bool, error) {
	var err error
	switch kind {
	case kindSnapshot:
		_, err = b.c.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshots(b.namespace).Get(b.ctx, name, metav1.GetOptions{})
	case kindDiskSnapshot:
		_, err = b.c.VMSnap.SnapshotV1alpha1().VirtualDiskSnapshots(b.namespace).Get(b.ctx, name, metav1.GetOptions{})
	case kindVM:
		_, err = b.c.Virt.KubevirtV1().VirtualMachines(b.namespace).Get(b.ctx, name, metav1.GetOptions{})
	}
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("looking up %s %s: %w", kind, name, err)
	}
	return true, nil
}

func (b *treeBuilder) vmSnapshotRoot(name string) (*treeNode, error) {
	s, err := b.c.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshots(b.namespace).Get(b.ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("VirtualMachineSnapshot %q not found in namespace %s", name, b.namespace)
	}
	if err != nil {
		return nil, fmt.Errorf("reading VirtualMachineSnapshot %s: %w", name, err)
	}
	node, content, err := b.vmSnapshotNode(s)
	if err != nil {
		return nil, err
	}
	if vm := snapshotVMName(s, content); vm != "" {
		node.Detail = joinDetail("of VM "+vm, node.Detail)
	}
	return node, nil
}

func (b *treeBuilder) diskSnapshotRoot(name string) (*treeNode, error) {
	d, err := b.c.VMSnap.SnapshotV1alpha1().VirtualDiskSnapshots(b.namespace).Get(b.ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("VirtualDiskSnapshot %q not found in namespace %s", name, b.namespace)
	}
	if err != nil {
		return nil, fmt.Errorf("reading VirtualDiskSnapshot %s: %w", name, err)
	}
	return b.diskSnapshotNode(d)
}

// vmRoot is the VM with its snapshots, newest first, and the restores that
// read them or write the VM, newest first.
func (b *treeBuilder) vmRoot(name string) (*treeNode, error) {
	vm, err := getVMIfExists(b.ctx, b.c, b.namespace, name)
	if err != nil {
		return nil, err
	}
	inv, err := readInventory(b.ctx, b.c, b.namespace)
	if err != nil {
		return nil, err
	}
	restores, err := b.c.VMSnap.SnapshotV1alpha1().VirtualMachineRestores(b.namespace).List(b.ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("listing VirtualMachineRestores: %w", err)
	}

	rows := inv.rowsOfVM(name, vmDiskNames(vm))
	sortNewestFirst(rows)
	related := restoresOfVM(name, restores.Items, inv)
	if vm == nil && len(rows) == 0 && len(related) == 0 {
		return nil, fmt.Errorf("VirtualMachine %q not found in namespace %s, and no snapshot or restore names it", name, b.namespace)
	}

	root := &treeNode{Kind: kindVM, Name: name}
	if vm == nil {
		root.Absence = absenceMissing
		root.Detail = "(deleted; its snapshots remain)"
	} else {
		root.Phase = string(vm.Status.PrintableStatus)
	}
	for _, row := range rows {
		var node *treeNode
		switch s := row.object.(type) {
		case *snapshotapi.VirtualMachineSnapshot:
			node, _, err = b.vmSnapshotNode(s)
		case *snapshotapi.VirtualDiskSnapshot:
			node, err = b.diskSnapshotNode(s)
		}
		if err != nil {
			return nil, err
		}
		root.Children = append(root.Children, node)
	}
	for _, r := range related {
		node, err := b.restoreNode(r, inv)
		if err != nil {
			return nil, err
		}
		root.Children = append(root.Children, node)
	}
	return root, nil
}

// restoresOfVM are the restores that read a snapshot of the VM or write
// the VM, newest first.
func restoresOfVM(vmName string, restores []snapshotapi.VirtualMachineRestore, inv *snapshotInventory) []*snapshotapi.VirtualMachineRestore {
	var related []*snapshotapi.VirtualMachineRestore
	for i := range restores {
		r := &restores[i]
		source := inv.snapshotVMByName(r.Namespace, r.Spec.VirtualMachineSnapshotName)
		if source == vmName || restoreTargetName(r, source) == vmName {
			related = append(related, r)
		}
	}
	sort.SliceStable(related, func(i, j int) bool {
		a, b := related[i].CreationTimestamp, related[j].CreationTimestamp
		if !a.Equal(&b) {
			return b.Before(&a)
		}
		return related[i].Name < related[j].Name
	})
	return related
}

// snapshotVMByName is the VM of the VM snapshot of that name, or "".
func (inv *snapshotInventory) snapshotVMByName(namespace, name string) string {
	for i := range inv.vmSnapshots {
		s := &inv.vmSnapshots[i]
		if s.Namespace == namespace && s.Name == name {
			return snapshotVMName(s, inv.contentOf(s))
		}
	}
	return ""
}

// treeInProgress tells a snapshot or restore that is still making its objects:
// what is absent is not made yet rather than missing.
func treeInProgress(phase string) bool {
	switch phase {
	case "", string(snapshotapi.SnapshotPending), string(snapshotapi.SnapshotInProgress):
		return true
	}
	return false
}

// absenceOf is the Absence of an object a read failed for, or the error
// when the failure is not about the object.
func absenceOf(err error, notYet bool) (string, error) {
	switch {
	case apierrors.IsNotFound(err) && notYet:
		return absenceNotYet, nil
	case apierrors.IsNotFound(err):
		return absenceMissing, nil
	case apierrors.IsForbidden(err):
		return absenceForbidden, nil
	}
	return "", err
}

// vmSnapshotNode is a VM snapshot with its content's tree; the content is
// returned too (nil when absent).
func (b *treeBuilder) vmSnapshotNode(s *snapshotapi.VirtualMachineSnapshot) (*treeNode, *snapshotapi.VirtualMachineSnapshotContent, error) {
	node := &treeNode{
		Kind:       kindSnapshot,
		Name:       s.Name,
		Phase:      string(s.Status.Phase),
		ReadyToUse: s.Status.ReadyToUse,
		Consistent: s.Status.Consistent,
		Detail:     treeFailureDetail(string(s.Status.Phase), s.Status.Error, s.Status.Conditions),
	}
	contentName := contentNameOf(s)
	if contentName == "" {
		// A snapshot that failed before it captured anything has no
		// content; one in progress has none yet.
		if !treeInProgress(string(s.Status.Phase)) && s.Status.Phase != snapshotapi.SnapshotFailed {
			node.Children = append(node.Children, &treeNode{Kind: "VirtualMachineSnapshotContent", Absence: absenceMissing})
		}
		return node, nil, nil
	}
	notYet := treeInProgress(string(s.Status.Phase))
	content, err := b.c.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshotContents(s.Namespace).Get(b.ctx, contentName, metav1.GetOptions{})
	if err != nil {
		why, err := absenceOf(err, notYet)
		if err != nil {
			return nil, nil, fmt.Errorf("reading VirtualMachineSnapshotContent %s: %w", contentName, err)
		}
		node.Children = append(node.Children, &treeNode{Kind: "VirtualMachineSnapshotContent", Name: contentName, Absence: why})
		return node, nil, nil
	}
	contentNode, err := b.contentNode(content, notYet)
	if err != nil {
		return nil, nil, err
	}
	node.Children = append(node.Children, contentNode)
	return node, content, nil
}

// contentNode is a content with a VolumeSnapshot per backed-up volume and
// the Secret copies.
func (b *treeBuilder) contentNode(content *snapshotapi.VirtualMachineSnapshotContent, notYet bool) (*treeNode, error) {
	node := &treeNode{
		Kind:       "VirtualMachineSnapshotContent",
		Name:       content.Name,
		ReadyToUse: content.Status.ReadyToUse,
	}
	if content.Status.Error != nil && content.Status.Error.Message != nil {
		node.Detail = *content.Status.Error.Message
	}
	if group := groupOfContent(content); group != "" {
		child, err := b.groupNode(content.Namespace, group, len(content.Spec.VolumeBackups), notYet)
		if err != nil {
			return nil, err
		}
		node.Children = append(node.Children, child)
	}
	for _, backup := range content.Spec.VolumeBackups {
		detail := "volume " + backup.VolumeName + ", claim " + backup.PersistentVolumeClaim.Name
		if backup.VolumeSnapshotName == nil {
			node.Children = append(node.Children, &treeNode{Kind: "VolumeSnapshot", Absence: absenceNotYet, Detail: detail})
			continue
		}
		child, err := b.volumeSnapshotNode(content.Namespace, *backup.VolumeSnapshotName, detail, notYet)
		if err != nil {
			return nil, err
		}
		node.Children = append(node.Children, child)
	}
	for _, secret := range content.Spec.SecretBackups {
		child, err := b.secretNode(content.Namespace, secret.BackupSecretName, "copy of Secret "+secret.Name)
		if err != nil {
			return nil, err
		}
		node.Children = append(node.Children, child)
	}
	return node, nil
}

// groupOfContent is the VolumeGroupSnapshot a content's disks are cut in.
func groupOfContent(content *snapshotapi.VirtualMachineSnapshotContent) string {
	for _, b := range content.Spec.VolumeBackups {
		if b.VolumeGroupSnapshotName != nil {
			return *b.VolumeGroupSnapshotName
		}
	}
	return ""
}

// groupNode is the VolumeGroupSnapshot that cut a content's disks together.
func (b *treeBuilder) groupNode(namespace, name string, disks int, notYet bool) (*treeNode, error) {
	node := &treeNode{Kind: "VolumeGroupSnapshot", Name: name, Detail: fmt.Sprintf("cuts the %s at one instant", plural(disks, "disk", "disks"))}
	group, err := b.c.Snapshots.GroupsnapshotV1().VolumeGroupSnapshots(namespace).Get(b.ctx, name, metav1.GetOptions{})
	if err != nil {
		if node.Absence, err = absenceOf(err, notYet); err != nil {
			return nil, fmt.Errorf("reading VolumeGroupSnapshot %s: %w", name, err)
		}
		return node, nil
	}
	if st := group.Status; st != nil {
		node.ReadyToUse = st.ReadyToUse
		if st.Error != nil && st.Error.Message != nil {
			node.Detail = joinDetail(node.Detail, *st.Error.Message)
		}
	}
	return node, nil
}

// volumeSnapshotNode is a VolumeSnapshot and the VolumeSnapshotContent it
// is bound to.
func (b *treeBuilder) volumeSnapshotNode(namespace, name, detail string, notYet bool) (*treeNode, error) {
	node := &treeNode{Kind: "VolumeSnapshot", Name: name, Detail: detail}
	vs, err := b.c.Snapshots.SnapshotV1().VolumeSnapshots(namespace).Get(b.ctx, name, metav1.GetOptions{})
	if err != nil {
		if node.Absence, err = absenceOf(err, notYet); err != nil {
			return nil, fmt.Errorf("reading VolumeSnapshot %s: %w", name, err)
		}
		return node, nil
	}
	status := vs.Status
	if status == nil {
		if notYet {
			node.Children = append(node.Children, &treeNode{Kind: "VolumeSnapshotContent", Absence: absenceNotYet})
		}
		return node, nil
	}
	node.ReadyToUse = status.ReadyToUse
	node.RestoreSize = status.RestoreSize
	if status.Error != nil && status.Error.Message != nil {
		node.Detail = joinDetail(node.Detail, *status.Error.Message)
	}
	if status.BoundVolumeSnapshotContentName == nil {
		if status.ReadyToUse == nil || !*status.ReadyToUse {
			node.Children = append(node.Children, &treeNode{Kind: "VolumeSnapshotContent", Absence: absenceNotYet})
		}
		return node, nil
	}
	child, err := b.volumeSnapshotContentNode(*status.BoundVolumeSnapshotContentName)
	if err != nil {
		return nil, err
	}
	node.Children = append(node.Children, child)
	return node, nil
}

func (b *treeBuilder) volumeSnapshotContentNode(name string) (*treeNode, error) {
	node := &treeNode{Kind: "VolumeSnapshotContent", Name: name}
	vsc, err := b.c.Snapshots.SnapshotV1().VolumeSnapshotContents().Get(b.ctx, name, metav1.GetOptions{})
	if err != nil {
		if node.Absence, err = absenceOf(err, false); err != nil {
			return nil, fmt.Errorf("reading VolumeSnapshotContent %s: %w", name, err)
		}
		return node, nil
	}
	if status := vsc.Status; status != nil {
		node.ReadyToUse = status.ReadyToUse
		if status.SnapshotHandle != nil {
			node.SnapshotHandle = *status.SnapshotHandle
		}
		if status.Error != nil && status.Error.Message != nil {
			node.Detail = *status.Error.Message
		}
	}
	return node, nil
}

// secretNode is a Secret; only whether it exists is shown.
func (b *treeBuilder) secretNode(namespace, name, detail string) (*treeNode, error) {
	node := &treeNode{Kind: kindSecret, Name: name, Detail: detail}
	_, err := b.c.Kube.CoreV1().Secrets(namespace).Get(b.ctx, name, metav1.GetOptions{})
	if err != nil {
		if node.Absence, err = absenceOf(err, false); err != nil {
			return nil, fmt.Errorf("reading Secret %s: %w", name, err)
		}
	}
	return node, nil
}

// diskSnapshotNode is a disk snapshot and its VolumeSnapshot.
func (b *treeBuilder) diskSnapshotNode(d *snapshotapi.VirtualDiskSnapshot) (*treeNode, error) {
	detail := "disk " + d.Spec.VirtualDiskName
	if d.Status.VirtualMachineName != nil && *d.Status.VirtualMachineName != "" {
		detail += " of VM " + *d.Status.VirtualMachineName
	}
	node := &treeNode{
		Kind:        kindDiskSnapshot,
		Name:        d.Name,
		Phase:       string(d.Status.Phase),
		ReadyToUse:  d.Status.ReadyToUse,
		Consistent:  d.Status.Consistent,
		RestoreSize: d.Status.RestoreSize,
		Detail:      joinDetail(detail, treeFailureDetail(string(d.Status.Phase), d.Status.Error, d.Status.Conditions)),
	}
	if d.Status.VolumeSnapshotName == nil {
		return node, nil
	}
	child, err := b.volumeSnapshotNode(d.Namespace, *d.Status.VolumeSnapshotName, "", treeInProgress(string(d.Status.Phase)))
	if err != nil {
		return nil, err
	}
	node.Children = append(node.Children, child)
	return node, nil
}

// restoreNode is a restore with the claims it restored.
func (b *treeBuilder) restoreNode(r *snapshotapi.VirtualMachineRestore, inv *snapshotInventory) (*treeNode, error) {
	detail := "from snapshot " + r.Spec.VirtualMachineSnapshotName
	if target := restoreTargetName(r, inv.snapshotVMByName(r.Namespace, r.Spec.VirtualMachineSnapshotName)); target != "" {
		detail += " into VM " + target
	}
	node := &treeNode{
		Kind:   "VirtualMachineRestore",
		Name:   r.Name,
		Phase:  string(r.Status.Phase),
		Detail: joinDetail(detail, treeFailureDetail(string(r.Status.Phase), r.Status.Error, r.Status.Conditions)),
	}
	for _, restored := range r.Status.Restores {
		claimNode := &treeNode{Kind: kindClaim, Name: restored.PersistentVolumeClaimName, Detail: "volume " + restored.VolumeName}
		claim, err := b.c.Kube.CoreV1().PersistentVolumeClaims(r.Namespace).Get(b.ctx, restored.PersistentVolumeClaimName, metav1.GetOptions{})
		if err != nil {
			if claimNode.Absence, err = absenceOf(err, treeInProgress(string(r.Status.Phase))); err != nil {
				return nil, fmt.Errorf("reading PersistentVolumeClaim %s: %w", restored.PersistentVolumeClaimName, err)
			}
		} else {
			claimNode.Phase = string(claim.Status.Phase)
		}
		node.Children = append(node.Children, claimNode)
	}
	return node, nil
}

// treeFailureDetail is why a snapshot or restore failed: its error, else its
// Ready condition's message. Empty unless it failed.
func treeFailureDetail(phase string, e *snapshotapi.Error, conditions []metav1.Condition) string {
	if phase != string(snapshotapi.SnapshotFailed) {
		return ""
	}
	if e != nil && e.Message != nil && *e.Message != "" {
		return "(" + *e.Message + ")"
	}
	if c := meta.FindStatusCondition(conditions, snapshotapi.ConditionReady); c != nil && c.Message != "" {
		return "(" + c.Message + ")"
	}
	return ""
}

// joinDetail puts details one after the other.
func joinDetail(parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, " ")
}
