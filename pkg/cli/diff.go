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
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/pmezard/go-difflib/difflib"
	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"
	"sigs.k8s.io/yaml"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
)

func newDiffCommand(o *Options) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "diff SNAPSHOT",
		Short: "Show what changed in the VM since a snapshot",
		Long: `Compare the VM a snapshot captured with the VM as it is now.

The captured VM and the live one are written as YAML (name, labels,
annotations and spec; status and the fields the API server sets are left
out) and compared as a unified diff. Then the disks: the ones added to the
VM since, removed from it, resized (the storage the claim asks for, against
what the snapshot recorded), or now on another claim (as after an in-place
restore).

A VM deleted since the snapshot is said so, and everything it had is shown
as removed.

The exit code is 0 whether or not the VM changed: 1 means an error in this
plugin, as in kubectl, so it cannot also mean "different" as it does for
diff(1). Scripts read "changed" from -o json or -o yaml, which print the
comparison as data: specChanged, the unified diff, and the disks added,
removed, resized and with a new claim.`,
		Example: `  # What changed in the VM since snapshot my-snap
  kubectl vmsnap diff my-snap

  # Whether anything changed, for a script
  kubectl vmsnap diff my-snap -o json | jq .changed`,
		Args:              exactArgs("SNAPSHOT"),
		ValidArgsFunction: completeArgs(o, listSnapshots),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			c, err := o.Clients()
			if err != nil {
				return err
			}
			result, err := readVMDiff(cmd.Context(), c, c.Namespace, args[0])
			if err != nil {
				return err
			}
			if output != "" {
				return printData(o.Out, output, result)
			}
			return printVMDiff(o.Out, result, useColour(o.Out))
		},
	}
	addOutputFlag(cmd, &output)
	return cmd
}

// vmDiff is what changed in a VM since a snapshot; the -o json|yaml form.
type vmDiff struct {
	Snapshot       string `json:"snapshot"`
	VirtualMachine string `json:"virtualMachine"`
	// SnapshotTime is when the snapshot was taken.
	SnapshotTime *metav1.Time `json:"snapshotTime,omitempty"`
	// VMDeleted: the VM no longer exists.
	VMDeleted bool `json:"vmDeleted"`
	// Changed: the spec, the labels, the annotations or the disks.
	Changed bool `json:"changed"`
	// SpecChanged: the spec, the labels or the annotations.
	SpecChanged bool        `json:"specChanged"`
	UnifiedDiff string      `json:"unifiedDiff,omitempty"`
	Disks       diskChanges `json:"disks"`
}

// diskState is a persistent disk of a VM: its volume, its claim (or
// DataVolume, whose claim has its name) and the storage the claim asks
// for, when known.
type diskState struct {
	Volume string             `json:"volume"`
	Claim  string             `json:"claim"`
	Size   *resource.Quantity `json:"size,omitempty"`
}

// diskResize is a disk whose claim asks for another size.
type diskResize struct {
	Volume string            `json:"volume"`
	Claim  string            `json:"claim"`
	From   resource.Quantity `json:"from"`
	To     resource.Quantity `json:"to"`
}

// claimChange is a volume that uses another claim now.
type claimChange struct {
	Volume string `json:"volume"`
	From   string `json:"from"`
	To     string `json:"to"`
}

// diskChanges are the disks added, removed, resized or on another claim;
// each list is ordered by volume name.
type diskChanges struct {
	Added        []diskState   `json:"added"`
	Removed      []diskState   `json:"removed"`
	Resized      []diskResize  `json:"resized"`
	ClaimChanged []claimChange `json:"claimChanged"`
}

func (d diskChanges) empty() bool {
	return len(d.Added)+len(d.Removed)+len(d.Resized)+len(d.ClaimChanged) == 0
}

// readVMDiff reads the snapshot, its content, the live VM and its claims,
// and compares them.
func readVMDiff(ctx context.Context, c *Clients, namespace, name string) (*vmDiff, error) {
	api := c.VMSnap.SnapshotV1alpha1()
	s, err := api.VirtualMachineSnapshots(namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("VirtualMachineSnapshot %q not found in namespace %s", name, namespace)
	}
	if err != nil {
		return nil, fmt.Errorf("reading VirtualMachineSnapshot %s: %w", name, err)
	}
	contentName := contentNameOf(s)
	if contentName == "" {
		return nil, fmt.Errorf("VirtualMachineSnapshot %s (phase %s) has captured nothing to compare: it has no content", name, phaseOrNone(string(s.Status.Phase)))
	}
	content, err := api.VirtualMachineSnapshotContents(namespace).Get(ctx, contentName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("the content of VirtualMachineSnapshot %s, %s, does not exist: nothing to compare", name, contentName)
	}
	if err != nil {
		return nil, fmt.Errorf("reading VirtualMachineSnapshotContent %s: %w", contentName, err)
	}
	captured := content.Spec.Source.VirtualMachine
	if captured == nil {
		return nil, fmt.Errorf("VirtualMachineSnapshotContent %s of snapshot %s holds no VM", contentName, name)
	}
	live, err := getVMIfExists(ctx, c, namespace, captured.Name)
	if err != nil {
		return nil, err
	}
	claims := map[string]*corev1.PersistentVolumeClaim{}
	for claimName := range vmDiskNames(live) {
		claim, err := c.Kube.CoreV1().PersistentVolumeClaims(namespace).Get(ctx, claimName, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			return nil, fmt.Errorf("reading PersistentVolumeClaim %s: %w", claimName, err)
		default:
			claims[claimName] = claim
		}
	}
	taken := s.Status.CreationTime
	if taken == nil {
		taken = &s.CreationTimestamp
	}
	return compareVM(s.Name, taken, captured, content.Spec.VolumeBackups, live, claims)
}

func phaseOrNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

// compareVM compares the captured VM and its volume backups with the live
// VM (nil when deleted) and its claims.
func compareVM(snapshot string, taken *metav1.Time, captured *kubevirtv1.VirtualMachine, backups []snapshotapi.VolumeBackup,
	live *kubevirtv1.VirtualMachine, liveClaims map[string]*corev1.PersistentVolumeClaim) (*vmDiff, error) {
	before, err := comparableVMYAML(captured)
	if err != nil {
		return nil, err
	}
	after, err := comparableVMYAML(live)
	if err != nil {
		return nil, err
	}
	d := &vmDiff{
		Snapshot:       snapshot,
		VirtualMachine: captured.Name,
		SnapshotTime:   taken,
		VMDeleted:      live == nil,
		Disks:          compareDisks(capturedDisks(captured, backups), liveDisks(live, liveClaims)),
	}
	if before != after {
		d.SpecChanged = true
		to := "VirtualMachine " + captured.Name + " now"
		if live == nil {
			to = "VirtualMachine " + captured.Name + " (deleted)"
		}
		if d.UnifiedDiff, err = unifiedDiff(before, after, "snapshot "+snapshot, to); err != nil {
			return nil, err
		}
	}
	d.Changed = d.SpecChanged || !d.Disks.empty()
	return d, nil
}

// annotationsNotCompared are written by KubeVirt, kubectl or vmsnap's
// controller, not by the VM's owner; they differ for reasons that are not
// a change to the VM.
var annotationsNotCompared = []string{
	corev1.LastAppliedConfigAnnotation,
	"kubevirt.io/latest-observed-api-version",
	"kubevirt.io/storage-observed-api-version",
}

const vmsnapAnnotationPrefix = "snapshot.vmsnap.io/"

// comparedAnnotations are the annotations diff compares.
func comparedAnnotations(annotations map[string]string) map[string]string {
	kept := map[string]string{}
	for k, v := range annotations {
		if strings.HasPrefix(k, vmsnapAnnotationPrefix) || slices.Contains(annotationsNotCompared, k) {
			continue
		}
		kept[k] = v
	}
	if len(kept) == 0 {
		return nil
	}
	return kept
}

// comparableVM is the part of a VM diff compares: what its owner wrote.
// Status and the fields the API server sets (uid, resourceVersion,
// generation, creationTimestamp, managedFields) always differ.
type comparableVM struct {
	Metadata struct {
		Name        string            `json:"name"`
		Labels      map[string]string `json:"labels,omitempty"`
		Annotations map[string]string `json:"annotations,omitempty"`
	} `json:"metadata"`
	Spec kubevirtv1.VirtualMachineSpec `json:"spec"`
}

// comparableVMYAML writes the compared part of a VM as YAML, keys sorted;
// a deleted VM (nil) is empty.
func comparableVMYAML(vm *kubevirtv1.VirtualMachine) (string, error) {
	if vm == nil {
		return "", nil
	}
	var doc comparableVM
	doc.Metadata.Name = vm.Name
	doc.Metadata.Labels = vm.Labels
	doc.Metadata.Annotations = comparedAnnotations(vm.Annotations)
	doc.Spec = vm.Spec
	data, err := yaml.Marshal(doc)
	if err != nil {
		return "", fmt.Errorf("writing VirtualMachine %s as YAML: %w", vm.Name, err)
	}
	return string(data), nil
}

// unifiedDiff is a unified diff of two texts with 3 lines of context, or
// "" when they are the same.
func unifiedDiff(before, after, fromName, toName string) (string, error) {
	if before == after {
		return "", nil
	}
	return difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A:        diffLines(before),
		B:        diffLines(after),
		FromFile: fromName,
		ToFile:   toName,
		Context:  3,
	})
}

// diffLines splits text into lines that keep their "\n"; an empty text has
// no lines (difflib.SplitLines would give one empty line).
func diffLines(text string) []string {
	if text == "" {
		return nil
	}
	lines := strings.SplitAfter(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// capturedDisks are the persistent disks of the captured VM, with the size
// the snapshot recorded for each claim it backed up.
func capturedDisks(vm *kubevirtv1.VirtualMachine, backups []snapshotapi.VolumeBackup) []diskState {
	sizes := map[string]*resource.Quantity{}
	for _, b := range backups {
		sizes[b.VolumeName] = claimStorageRequest(b.PersistentVolumeClaim.Spec)
	}
	var disks []diskState
	for _, v := range vmVolumes(vm) {
		if claim := volumeClaimName(v); claim != "" {
			disks = append(disks, diskState{Volume: v.Name, Claim: claim, Size: sizes[v.Name]})
		}
	}
	return disks
}

// liveDisks are the persistent disks of the live VM, with the size each
// claim asks for now (unknown for a claim that does not exist).
func liveDisks(vm *kubevirtv1.VirtualMachine, claims map[string]*corev1.PersistentVolumeClaim) []diskState {
	var disks []diskState
	for _, v := range vmVolumes(vm) {
		name := volumeClaimName(v)
		if name == "" {
			continue
		}
		disk := diskState{Volume: v.Name, Claim: name}
		if claim := claims[name]; claim != nil {
			disk.Size = claimStorageRequest(claim.Spec)
		}
		disks = append(disks, disk)
	}
	return disks
}

func vmVolumes(vm *kubevirtv1.VirtualMachine) []kubevirtv1.Volume {
	if vm == nil || vm.Spec.Template == nil {
		return nil
	}
	return vm.Spec.Template.Spec.Volumes
}

// compareDisks matches disks by volume name. A size is compared only when
// both are known.
func compareDisks(before, after []diskState) diskChanges {
	changes := diskChanges{
		Added: []diskState{}, Removed: []diskState{}, Resized: []diskResize{}, ClaimChanged: []claimChange{},
	}
	then := map[string]diskState{}
	for _, d := range before {
		then[d.Volume] = d
	}
	now := map[string]bool{}
	for _, d := range after {
		now[d.Volume] = true
		old, existed := then[d.Volume]
		if !existed {
			changes.Added = append(changes.Added, d)
			continue
		}
		if old.Claim != d.Claim {
			changes.ClaimChanged = append(changes.ClaimChanged, claimChange{Volume: d.Volume, From: old.Claim, To: d.Claim})
		}
		if old.Size != nil && d.Size != nil && old.Size.Cmp(*d.Size) != 0 {
			changes.Resized = append(changes.Resized, diskResize{Volume: d.Volume, Claim: d.Claim, From: *old.Size, To: *d.Size})
		}
	}
	for _, d := range before {
		if !now[d.Volume] {
			changes.Removed = append(changes.Removed, d)
		}
	}
	sort.Slice(changes.Added, func(i, j int) bool { return changes.Added[i].Volume < changes.Added[j].Volume })
	sort.Slice(changes.Removed, func(i, j int) bool { return changes.Removed[i].Volume < changes.Removed[j].Volume })
	sort.Slice(changes.Resized, func(i, j int) bool { return changes.Resized[i].Volume < changes.Resized[j].Volume })
	sort.Slice(changes.ClaimChanged, func(i, j int) bool { return changes.ClaimChanged[i].Volume < changes.ClaimChanged[j].Volume })
	return changes
}

// printVMDiff writes the comparison for people: a sentence, the unified
// diff, the disks.
func printVMDiff(out io.Writer, d *vmDiff, colour bool) error {
	when := ""
	if d.SnapshotTime != nil && !d.SnapshotTime.IsZero() {
		when = " (" + d.SnapshotTime.UTC().Format(time.RFC3339) + ")"
	}
	var b strings.Builder
	switch {
	case d.VMDeleted:
		fmt.Fprintf(&b, "VirtualMachine %s was deleted since snapshot %s%s: everything it had is shown as removed.\n", d.VirtualMachine, d.Snapshot, when)
	case !d.Changed:
		fmt.Fprintf(&b, "No changes to VirtualMachine %s since snapshot %s%s.\n", d.VirtualMachine, d.Snapshot, when)
		_, err := io.WriteString(out, b.String())
		return err
	default:
		fmt.Fprintf(&b, "Changes to VirtualMachine %s since snapshot %s%s:\n", d.VirtualMachine, d.Snapshot, when)
	}
	b.WriteString("\n")
	if d.SpecChanged {
		b.WriteString(paintDiff(d.UnifiedDiff, colour))
	} else {
		b.WriteString("Spec, labels and annotations: no changes.\n")
	}
	b.WriteString("\n")
	b.WriteString(disksSection(d.Disks))
	_, err := io.WriteString(out, b.String())
	return err
}

// disksSection lists the disk changes, one a line.
func disksSection(changes diskChanges) string {
	if changes.empty() {
		return "Disks: no changes.\n"
	}
	var b strings.Builder
	b.WriteString("Disks:\n")
	line := func(verb, volume, what string) { fmt.Fprintf(&b, "  %-13s %s: %s\n", verb, volume, what) }
	for _, d := range changes.Added {
		line("added", d.Volume, "claim "+d.Claim+sizeSuffix(d.Size))
	}
	for _, d := range changes.Removed {
		line("removed", d.Volume, "claim "+d.Claim+sizeSuffix(d.Size))
	}
	for _, d := range changes.Resized {
		line("resized", d.Volume, fmt.Sprintf("claim %s, %s -> %s", d.Claim, humanSize(d.From), humanSize(d.To)))
	}
	for _, d := range changes.ClaimChanged {
		line("claim changed", d.Volume, d.From+" -> "+d.To)
	}
	return b.String()
}

func sizeSuffix(q *resource.Quantity) string {
	if q == nil {
		return ""
	}
	return ", " + humanSize(*q)
}

// diffHunkColour is the colour of a diff's @@ lines (cyan).
const diffHunkColour = "36"

// paintDiff colours a unified diff's lines: removed red, added green, hunk
// headers cyan.
func paintDiff(text string, colour bool) string {
	if !colour {
		return text
	}
	lines := diffLines(text)
	for i, line := range lines {
		body := strings.TrimSuffix(line, "\n")
		switch {
		case strings.HasPrefix(body, "---"), strings.HasPrefix(body, "+++"):
		case strings.HasPrefix(body, "@@"):
			lines[i] = paint(true, diffHunkColour, body) + "\n"
		case strings.HasPrefix(body, "-"):
			lines[i] = paint(true, colourRed, body) + "\n"
		case strings.HasPrefix(body, "+"):
			lines[i] = paint(true, colourGreen, body) + "\n"
		}
	}
	return strings.Join(lines, "")
}
