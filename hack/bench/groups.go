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

package main

// The group comparison: running VMs with a guest agent, snapshotted all at
// once with their disks cut one by one (consistencyGroup Disabled: one
// CreateSnapshot per disk) and then, fresh VMs of the same shape, cut
// together (Required: one CreateVolumeGroupSnapshot per VM), at several
// disk counts. It measures what a group cut changes for the guest (the
// frozen window) and for the batch (wall time, per-VM time), and checks
// that each batch took the path its mode asks for.

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	groupsnapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumegroupsnapshot/v1"
	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/vmsnapshot"
	"vmsnap.io/vmsnap/tests/csidriver"
	"vmsnap.io/vmsnap/tests/fakevirtapi"
)

const (
	// groupClassName is the VolumeGroupSnapshotClass the comparison
	// creates for the test driver, marked its default.
	groupClassName = "vmsnap-bench-group"
	// The CSI methods that cut: one disk, or a group of them.
	createSnapshotMethod = "CreateSnapshot"
	createGroupMethod    = "CreateVolumeGroupSnapshot"
	// groupClassWait bounds the wait for the class to show in a list.
	groupClassWait = 30 * time.Second
)

// groupModes are the modes compared, in the order they run at each disk
// count: per volume first, then in one group.
var groupModes = []snapshotapi.ConsistencyGroupPolicy{snapshotapi.ConsistencyGroupDisabled, snapshotapi.ConsistencyGroupRequired}

// GroupComparison is the group comparison: one row per disk count and mode.
type GroupComparison struct {
	// VMs is the number of running VMs of each row, fresh ones per row.
	VMs   int   `json:"vmsPerRow"`
	Disks []int `json:"disksPerVM"`
	// Class is the VolumeGroupSnapshotClass of Driver the Required rows
	// were cut with.
	Class  string     `json:"volumeGroupSnapshotClass"`
	Driver string     `json:"driver"`
	Rows   []GroupRow `json:"rows"`
	Notes  []string   `json:"notes,omitempty"`
}

// GroupRow is one batch: VMs running VMs of Disks disks each, snapshotted
// all at once with spec.consistencyGroup ConsistencyGroup.
type GroupRow struct {
	Disks            int    `json:"disksPerVM"`
	ConsistencyGroup string `json:"consistencyGroup"`
	Namespace        string `json:"namespace"`
	// Workload is the batch: wall time (first create → last Ready),
	// per-VM latency (create → Ready), the controller's cost.
	Workload Workload   `json:"workload"`
	Frozen   CutWindows `json:"frozen"`
	Calls    CutCalls   `json:"cutCalls"`
	// AtomicCut counts the snapshots with the AtomicCut indication;
	// Grouped the contents whose disks all record one VolumeGroupSnapshot.
	AtomicCut int `json:"atomicCut"`
	Grouped   int `json:"grouped"`
	// Problems say how the batch strayed from the path its mode asks for;
	// the run stops after such a row.
	Problems []string `json:"problems,omitempty"`
}

// CutWindows compares, per VM, the time its guest was frozen with the CSI
// calls that cut its disks: its disks' CreateSnapshot calls, or its
// group's CreateVolumeGroupSnapshot call (calls.jsonl).
type CutWindows struct {
	// VMs is how many VMs were measured.
	VMs int `json:"vms"`
	// Window: the fake virt-api froze the guest → it thawed it.
	Window Distribution `json:"window"`
	// Cut: the first cut call arrived → the last one returned.
	Cut         Distribution `json:"cut"`
	FreezeToCut Distribution `json:"freezeToCut"`
	CutToThaw   Distribution `json:"cutToThaw"`
	// Missing counts the VMs without exactly one closed frozen window or
	// without a successful cut call for every disk (or for the group).
	Missing int `json:"missing,omitempty"`
	// Outside counts the VMs whose cut calls did not lie wholly within the
	// frozen window.
	Outside int `json:"cutOutsideWindow,omitempty"`
}

// CutCalls counts the driver's cut calls for a row's namespace.
type CutCalls struct {
	CreateSnapshot            int `json:"createSnapshot"`
	CreateVolumeGroupSnapshot int `json:"createVolumeGroupSnapshot"`
	// Failed counts the calls of either method that did not return OK;
	// they are not in the two counts above.
	Failed int `json:"failed,omitempty"`
}

// vmCut is what one VM's snapshot shows of its cut.
type vmCut struct {
	atomicCut bool
	// groups are the VolumeGroupSnapshots ("namespace/name") its content
	// records, volumes the VolumeSnapshots of its disks cut one by one.
	groups  []string
	volumes []string
	// disks is how many disks its content holds.
	disks   int
	windows []fakevirtapi.FrozenWindow
	// calls are the first successful cut call of each group, or of each
	// volume; missing counts the groups or volumes without one.
	calls   []csidriver.Call
	missing int
}

// groupComparison creates the group class, then runs a row per disk count
// and mode. It stops at the first row that fails or strays from its path.
func (b *bench) groupComparison(ctx context.Context, r *Report) error {
	g := &GroupComparison{VMs: b.cfg.GroupVMs, Disks: b.cfg.GroupDisks, Driver: b.env.cluster.DriverName()}
	r.Groups = g
	// The schedule's thousand snapshots write their last details for up to
	// a minute; the first row should not share the controller with them.
	if err := b.waitForQuietQueues(ctx, quietQueuesLimit, "before the group comparison"); err != nil {
		return err
	}
	b.logf("group comparison: VolumeGroupSnapshotClass %s for %s", groupClassName, g.Driver)
	class, err := b.ensureGroupClass(ctx, g.Driver)
	g.Class = class
	if err != nil {
		return err
	}
	for _, disks := range g.Disks {
		for _, mode := range groupModes {
			row, err := b.groupRow(ctx, disks, mode)
			g.Rows = append(g.Rows, row)
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// ensureGroupClass creates the comparison's VolumeGroupSnapshotClass (one
// left from before will do) and checks that the controller would choose
// it: the driver's only default one, or its only one.
func (b *bench) ensureGroupClass(ctx context.Context, driver string) (string, error) {
	classes := b.env.snapshots.GroupsnapshotV1().VolumeGroupSnapshotClasses()
	class := &groupsnapshotv1.VolumeGroupSnapshotClass{
		ObjectMeta:     metav1.ObjectMeta{Name: groupClassName, Annotations: map[string]string{vmsnapshot.AnnotationDefaultGroupClass: "true"}},
		Driver:         driver,
		DeletionPolicy: snapshotv1.VolumeSnapshotContentDelete,
	}
	if _, err := classes.Create(ctx, class, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return "", fmt.Errorf("creating VolumeGroupSnapshotClass %s: %w", groupClassName, err)
	}
	var chosen string
	var chooseErr error
	waitUntil(ctx, groupClassWait, func() bool {
		list, err := classes.List(ctx, metav1.ListOptions{})
		if err != nil {
			chooseErr = err
			return false
		}
		chosen, chooseErr = groupClassFor(driver, list.Items)
		return chooseErr == nil && chosen == groupClassName
	})
	switch {
	case chooseErr != nil:
		return chosen, fmt.Errorf("group comparison: %w", chooseErr)
	case chosen != groupClassName:
		return chosen, fmt.Errorf("group comparison: the controller would cut groups of %s with VolumeGroupSnapshotClass %s, not %s", driver, chosen, groupClassName)
	}
	// The controller's watch must show the class before a Required
	// snapshot asks for it.
	return chosen, sleep(ctx, b.cfg.Settle)
}

// groupClassFor is the VolumeGroupSnapshotClass the controller cuts
// driver's groups with: the one marked default, or else the only one.
func groupClassFor(driver string, classes []groupsnapshotv1.VolumeGroupSnapshotClass) (string, error) {
	var all, defaults []string
	for _, c := range classes {
		if c.Driver != driver || c.DeletionTimestamp != nil {
			continue
		}
		all = append(all, c.Name)
		if c.Annotations[vmsnapshot.AnnotationDefaultGroupClass] == "true" {
			defaults = append(defaults, c.Name)
		}
	}
	sort.Strings(all)
	sort.Strings(defaults)
	switch {
	case len(defaults) == 1:
		return defaults[0], nil
	case len(defaults) > 1:
		return "", fmt.Errorf("VolumeGroupSnapshotClasses %s of %s are all marked default", strings.Join(defaults, ", "), driver)
	case len(all) == 1:
		return all[0], nil
	case len(all) > 1:
		return "", fmt.Errorf("%s has VolumeGroupSnapshotClasses %s and none is marked default", driver, strings.Join(all, ", "))
	}
	return "", fmt.Errorf("%s has no VolumeGroupSnapshotClass", driver)
}

// groupRow creates fresh running VMs of disks disks, snapshots them all at
// once with mode, and measures the batch and the frozen windows. A batch
// that strays from its path is an error.
func (b *bench) groupRow(ctx context.Context, disks int, mode snapshotapi.ConsistencyGroupPolicy) (GroupRow, error) {
	n := b.cfg.GroupVMs
	lower := strings.ToLower(string(mode))
	row := GroupRow{Disks: disks, ConsistencyGroup: string(mode), Namespace: fmt.Sprintf("bench-group-d%d-%s", disks, lower)}
	name := fmt.Sprintf("group-d%d-%s", disks, lower)
	b.logf("group comparison: creating %d running VMs with a guest agent and %d disks each", n, disks)
	vms, err := b.createVMs(ctx, row.Namespace, "vm", n, disks, true)
	if err != nil {
		return row, err
	}
	b.logf("group comparison: snapshotting the %d VMs of %d disks at once, consistencyGroup %s", n, disks, mode)
	row.Workload, err = b.snapshotVMs(ctx, name, row.Namespace, vms, disks, false, mode)
	if err == nil {
		err = errIfIncomplete(row.Workload)
	}
	if err != nil {
		return row, err
	}
	calls, err := csidriver.ReadCalls(b.env.cluster.CSIStateDir())
	if err != nil {
		return row, err
	}
	cuts, err := b.cutsOf(ctx, row.Namespace, vms, calls)
	if err != nil {
		return row, err
	}
	row.Calls = countCutCalls(calls, row.Namespace)
	row.Frozen = summarizeCuts(cuts)
	row.AtomicCut, row.Grouped = countPaths(cuts)
	row.Problems = pathProblems(mode, n, disks, row.AtomicCut, row.Grouped, row.Calls)
	if len(row.Problems) > 0 {
		return row, fmt.Errorf("%s did not take the path consistencyGroup %s asks for: %s", name, mode, strings.Join(row.Problems, "; "))
	}
	return row, nil
}

// cutsOf reads, for each VM snapped as snap-<vm>, its indications, the
// VolumeGroupSnapshot or VolumeSnapshots its content records, its frozen
// windows from the fake virt-api and the driver's cut calls from calls.
func (b *bench) cutsOf(ctx context.Context, namespace string, vms []string, calls []csidriver.Call) ([]vmCut, error) {
	snaps, err := b.env.vmsnap.SnapshotV1alpha1().VirtualMachineSnapshots(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	contents, err := b.env.vmsnap.SnapshotV1alpha1().VirtualMachineSnapshotContents(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	snapByName := map[string]*snapshotapi.VirtualMachineSnapshot{}
	for i := range snaps.Items {
		snapByName[snaps.Items[i].Name] = &snaps.Items[i]
	}
	contentByName := map[string]*snapshotapi.VirtualMachineSnapshotContent{}
	for i := range contents.Items {
		contentByName[contents.Items[i].Name] = &contents.Items[i]
	}
	firstCuts := firstCutCalls(calls)
	cuts := make([]vmCut, len(vms))
	for i, vm := range vms {
		c := &cuts[i]
		c.windows = b.env.virtAPI.FrozenWindows(namespace, vm)
		snap := snapByName["snap-"+vm]
		if snap == nil {
			continue
		}
		c.atomicCut = slices.ContainsFunc(snap.Status.Indications, func(ind snapshotapi.Indication) bool {
			return ind.Type == snapshotapi.IndicationAtomicCut
		})
		content := contentByName[ptr.Deref(snap.Status.VirtualMachineSnapshotContentName, "")]
		if content == nil {
			continue
		}
		c.groups, c.volumes, c.disks = backupsOf(namespace, content.Spec.VolumeBackups)
		c.calls, c.missing = cutCallsOf(c.groups, c.volumes, firstCuts)
	}
	return cuts, nil
}

// backupsOf returns the VolumeGroupSnapshots ("namespace/name") the
// backups record, once each, the VolumeSnapshots of the disks cut alone,
// and how many disks there are.
func backupsOf(namespace string, backups []snapshotapi.VolumeBackup) (groups, volumes []string, disks int) {
	for _, vb := range backups {
		switch {
		case vb.VolumeGroupSnapshotName != nil:
			if g := key(namespace, *vb.VolumeGroupSnapshotName); !slices.Contains(groups, g) {
				groups = append(groups, g)
			}
		case vb.VolumeSnapshotName != nil:
			volumes = append(volumes, key(namespace, *vb.VolumeSnapshotName))
		default:
			// A disk cut alone whose VolumeSnapshot is not recorded: its
			// call cannot be found, and counts as missing.
			volumes = append(volumes, "")
		}
	}
	return groups, volumes, len(backups)
}

// cutKey names a cut call: its method and the object ("namespace/name")
// the sidecar passed with it.
type cutKey struct{ method, object string }

// firstCutCalls indexes the first successful cut call of each
// VolumeSnapshot and of each VolumeGroupSnapshot.
func firstCutCalls(calls []csidriver.Call) map[cutKey]csidriver.Call {
	first := map[cutKey]csidriver.Call{}
	for _, c := range calls {
		if c.Code != "OK" {
			continue
		}
		var k cutKey
		switch c.Method {
		case createSnapshotMethod:
			k = cutKey{c.Method, c.VolumeSnapshot}
		case createGroupMethod:
			k = cutKey{c.Method, c.VolumeGroupSnapshot}
		default:
			continue
		}
		if _, seen := first[k]; !seen && k.object != "" {
			first[k] = c
		}
	}
	return first
}

// cutCallsOf returns the calls that cut a VM's groups and lone volumes,
// and how many of them have none.
func cutCallsOf(groups, volumes []string, first map[cutKey]csidriver.Call) (calls []csidriver.Call, missing int) {
	find := func(method, object string) {
		if c, ok := first[cutKey{method, object}]; ok && object != "" {
			calls = append(calls, c)
		} else {
			missing++
		}
	}
	for _, g := range groups {
		find(createGroupMethod, g)
	}
	for _, v := range volumes {
		find(createSnapshotMethod, v)
	}
	return calls, missing
}

// countCutCalls counts the cut calls for the objects of namespace.
func countCutCalls(calls []csidriver.Call, namespace string) CutCalls {
	var n CutCalls
	prefix := namespace + "/"
	for _, c := range calls {
		var object string
		switch c.Method {
		case createSnapshotMethod:
			object = c.VolumeSnapshot
		case createGroupMethod:
			object = c.VolumeGroupSnapshot
		default:
			continue
		}
		switch {
		case !strings.HasPrefix(object, prefix):
		case c.Code != "OK":
			n.Failed++
		case c.Method == createSnapshotMethod:
			n.CreateSnapshot++
		default:
			n.CreateVolumeGroupSnapshot++
		}
	}
	return n
}

// summarizeCuts sets each VM's frozen window against its cut: the first
// cut call in → the last one out.
func summarizeCuts(cuts []vmCut) CutWindows {
	var f CutWindows
	var windows, spans, before, after []time.Duration
	for _, c := range cuts {
		if len(c.windows) != 1 || c.windows[0].To.IsZero() || len(c.calls) == 0 || c.missing > 0 {
			f.Missing++
			continue
		}
		w := c.windows[0]
		var start, end time.Time
		for _, call := range c.calls {
			if start.IsZero() || call.Time.Before(start) {
				start = call.Time
			}
			end = latest(end, call.Time.Add(call.Duration))
		}
		if start.Before(w.From) || end.After(w.To) {
			f.Outside++
		}
		windows = append(windows, w.To.Sub(w.From))
		spans = append(spans, end.Sub(start))
		before = append(before, start.Sub(w.From))
		after = append(after, w.To.Sub(end))
	}
	f.VMs = len(windows)
	f.Window, f.Cut, f.FreezeToCut, f.CutToThaw = summarize(windows), summarize(spans), summarize(before), summarize(after)
	return f
}

// countPaths counts the snapshots with the AtomicCut indication and the
// contents whose disks are all in one group.
func countPaths(cuts []vmCut) (atomicCut, grouped int) {
	for _, c := range cuts {
		if c.atomicCut {
			atomicCut++
		}
		if len(c.groups) == 1 && len(c.volumes) == 0 && c.disks > 0 {
			grouped++
		}
	}
	return atomicCut, grouped
}

// pathProblems says how a row of vms VMs of disks disks strayed from the
// path mode asks for: Required, every VM in one group, AtomicCut, one
// group call per VM and no single cut; Disabled, none of that and a
// CreateSnapshot per disk. Retried calls may add to the counts.
func pathProblems(mode snapshotapi.ConsistencyGroupPolicy, vms, disks, atomicCut, grouped int, calls CutCalls) []string {
	var p []string
	switch mode {
	case snapshotapi.ConsistencyGroupRequired:
		if atomicCut < vms {
			p = append(p, fmt.Sprintf("%d of %d snapshots lack the AtomicCut indication", vms-atomicCut, vms))
		}
		if grouped < vms {
			p = append(p, fmt.Sprintf("%d of %d contents do not record one VolumeGroupSnapshot for all disks", vms-grouped, vms))
		}
		if calls.CreateSnapshot > 0 {
			p = append(p, fmt.Sprintf("the driver served %d CreateSnapshot calls, want none", calls.CreateSnapshot))
		}
		if calls.CreateVolumeGroupSnapshot < vms {
			p = append(p, fmt.Sprintf("the driver served %d CreateVolumeGroupSnapshot calls, want one per VM (%d)", calls.CreateVolumeGroupSnapshot, vms))
		}
	default:
		if atomicCut > 0 {
			p = append(p, fmt.Sprintf("%d of %d snapshots carry the AtomicCut indication", atomicCut, vms))
		}
		if grouped > 0 {
			p = append(p, fmt.Sprintf("%d of %d contents record a VolumeGroupSnapshot", grouped, vms))
		}
		if calls.CreateVolumeGroupSnapshot > 0 {
			p = append(p, fmt.Sprintf("the driver served %d CreateVolumeGroupSnapshot calls, want none", calls.CreateVolumeGroupSnapshot))
		}
		if calls.CreateSnapshot < vms*disks {
			p = append(p, fmt.Sprintf("the driver served %d CreateSnapshot calls, want one per disk (%d)", calls.CreateSnapshot, vms*disks))
		}
	}
	return p
}

// groupRatio is, at one disk count, the Required row's figure over the
// Disabled row's: below 1, the group cut is shorter.
type groupRatio struct {
	Disks        int
	Wall, Frozen float64
}

// groupRatios pairs each disk count's two rows; counts missing a row or a
// figure are left out.
func groupRatios(rows []GroupRow) []groupRatio {
	var out []groupRatio
	for _, disabled := range rows {
		if disabled.ConsistencyGroup != string(snapshotapi.ConsistencyGroupDisabled) {
			continue
		}
		for _, required := range rows {
			if required.ConsistencyGroup != string(snapshotapi.ConsistencyGroupRequired) || required.Disks != disabled.Disks {
				continue
			}
			if disabled.Workload.WallSeconds > 0 && disabled.Frozen.Window.Median > 0 {
				out = append(out, groupRatio{
					Disks:  disabled.Disks,
					Wall:   required.Workload.WallSeconds / disabled.Workload.WallSeconds,
					Frozen: required.Frozen.Window.Median / disabled.Frozen.Window.Median,
				})
			}
		}
	}
	return out
}
