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

package chaos

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/freeze"
	"vmsnap.io/vmsnap/pkg/restore"
	"vmsnap.io/vmsnap/tests/csidriver"
	"vmsnap.io/vmsnap/tests/fakevirtapi"
	"vmsnap.io/vmsnap/tests/framework"
)

const (
	// quiescenceMargin is how long after the last deadline everything must
	// have settled.
	quiescenceMargin = 45 * time.Second
	// orphanGrace bounds the wait for leftovers to go: csi-snapshotter
	// deletes a VolumeSnapshotContent deleted during its CreateSnapshot call
	// only at its next resync, every 20s here (kubernetes-csi/external-snapshotter#1388).
	orphanGrace = time.Minute
	// resyncWait is how long a Ready snapshot is watched after its forced
	// resync.
	resyncWait = 5 * time.Second
	// queueDrainWait bounds the wait for the leader's work queues to empty.
	queueDrainWait = 15 * time.Second
	// resyncAnnotation is what the test changes to make the controller sync
	// an object again.
	resyncAnnotation = "chaos.vmsnap.io/resync"
	// frozenForSeconds is the metric with a series per VM frozen now.
	frozenForSeconds = "vmsnap_vm_frozen_for_seconds"
	queueDepth       = "vmsnap_workqueue_depth"
)

// world is everything of the test's namespace, read at one moment.
type world struct {
	snapshots     []snapshotapi.VirtualMachineSnapshot
	contents      []snapshotapi.VirtualMachineSnapshotContent
	diskSnapshots []snapshotapi.VirtualDiskSnapshot
	restores      []snapshotapi.VirtualMachineRestore
	vms           []kubevirtv1.VirtualMachine
	volumeSnaps   []snapshotv1.VolumeSnapshot
	// volumeContents are the VolumeSnapshotContents of the namespace's
	// VolumeSnapshots.
	volumeContents []snapshotv1.VolumeSnapshotContent
	claims         []corev1.PersistentVolumeClaim
	secrets        []corev1.Secret
	// stored are the test driver's snapshots cut for the namespace.
	stored []csidriver.StoredSnapshot
}

// observe reads the world, retrying while the API server is away.
func (w *workload) observe(ctx context.Context) (*world, error) {
	f, ns := w.f, w.f.Namespace
	snap := f.VMSnap.SnapshotV1alpha1()
	var o world
	err := retryAPI(ctx, func(ctx context.Context) error {
		snapshots, err := snap.VirtualMachineSnapshots(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		contents, err := snap.VirtualMachineSnapshotContents(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		disks, err := snap.VirtualDiskSnapshots(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		restores, err := snap.VirtualMachineRestores(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		vms, err := f.KubeVirt.KubevirtV1().VirtualMachines(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		volumeSnaps, err := f.Snapshots.SnapshotV1().VolumeSnapshots(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		volumeContents, err := f.Snapshots.SnapshotV1().VolumeSnapshotContents().List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		claims, err := f.Kube.CoreV1().PersistentVolumeClaims(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		secrets, err := f.Kube.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		o = world{
			snapshots: snapshots.Items, contents: contents.Items, diskSnapshots: disks.Items,
			restores: restores.Items, vms: vms.Items, volumeSnaps: volumeSnaps.Items,
			claims: claims.Items, secrets: secrets.Items,
		}
		for _, c := range volumeContents.Items {
			if c.Spec.VolumeSnapshotRef.Namespace == ns {
				o.volumeContents = append(o.volumeContents, c)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	stored, err := csidriver.StoredSnapshots(f.Cluster.CSIStateDir())
	if err != nil {
		return nil, err
	}
	for _, s := range stored {
		if s.VolumeSnapshotNamespace == ns {
			o.stored = append(o.stored, s)
		}
	}
	return &o, nil
}

// unsettled lists what keeps the namespace from quiescence: objects not
// final or still being deleted, locked VMs and frozen guests.
func (w *workload) unsettled(o *world) []string {
	var out []string
	for _, s := range o.snapshots {
		if s.DeletionTimestamp != nil || !finalSnapshotPhase(s.Status.Phase) {
			out = append(out, "vmsnapshot "+s.Name+" "+framework.DescribeSnapshot(&s))
		}
	}
	for _, s := range o.diskSnapshots {
		if s.DeletionTimestamp != nil || !finalSnapshotPhase(s.Status.Phase) {
			out = append(out, "vdsnapshot "+s.Name+" "+framework.DescribeDiskSnapshot(&s))
		}
	}
	for _, r := range o.restores {
		if r.DeletionTimestamp != nil || !finalRestorePhase(r.Status.Phase) {
			out = append(out, "vmrestore "+r.Name+" "+framework.DescribeRestore(&r))
		}
	}
	out = append(out, w.checkVMs(o)...)
	out = append(out, w.checkThawed(o)...)
	return out
}

func finalSnapshotPhase(p snapshotapi.SnapshotPhase) bool {
	return p == snapshotapi.SnapshotReady || p == snapshotapi.SnapshotFailed
}

func finalRestorePhase(p snapshotapi.RestorePhase) bool {
	return p == snapshotapi.RestoreReady || p == snapshotapi.RestoreFailed
}

// checkFinal: every snapshot, disk snapshot and restore is Ready, or Failed
// with a reason; none is left Terminating.
func checkFinal(o *world) []string {
	var out []string
	check := func(kind, name string, deleting bool, final, failed bool, conditions []metav1.Condition, describe string) {
		ready := meta.FindStatusCondition(conditions, snapshotapi.ConditionReady)
		switch {
		case deleting:
			out = append(out, fmt.Sprintf("%s %s: deleted but still there (%s)", kind, name, describe))
		case !final:
			out = append(out, fmt.Sprintf("%s %s: stuck (%s)", kind, name, describe))
		case failed && (ready == nil || ready.Status != metav1.ConditionFalse || ready.Reason == ""):
			out = append(out, fmt.Sprintf("%s %s: Failed without a Ready=False condition with a reason (%s)", kind, name, describe))
		case !failed && (ready == nil || ready.Status != metav1.ConditionTrue):
			out = append(out, fmt.Sprintf("%s %s: Ready without a Ready=True condition (%s)", kind, name, describe))
		}
	}
	for _, s := range o.snapshots {
		check("vmsnapshot", s.Name, s.DeletionTimestamp != nil, finalSnapshotPhase(s.Status.Phase),
			s.Status.Phase == snapshotapi.SnapshotFailed, s.Status.Conditions, framework.DescribeSnapshot(&s))
	}
	for _, s := range o.diskSnapshots {
		check("vdsnapshot", s.Name, s.DeletionTimestamp != nil, finalSnapshotPhase(s.Status.Phase),
			s.Status.Phase == snapshotapi.SnapshotFailed, s.Status.Conditions, framework.DescribeDiskSnapshot(&s))
	}
	for _, r := range o.restores {
		check("vmrestore", r.Name, r.DeletionTimestamp != nil, finalRestorePhase(r.Status.Phase),
			r.Status.Phase == snapshotapi.RestoreFailed, r.Status.Conditions, framework.DescribeRestore(&r))
	}
	return out
}

// checkVMs: no VM is locked or protected, and each runs as the test left it (the VMs it
// made) or is stopped (those restored as new VMs).
func (w *workload) checkVMs(o *world) []string {
	var out []string
	for _, vm := range o.vms {
		if holder := ptr.Deref(vm.Status.SnapshotInProgress, ""); holder != "" {
			out = append(out, fmt.Sprintf("VM %s: status.snapshotInProgress=%s", vm.Name, holder))
		}
		if holder := ptr.Deref(vm.Status.RestoreInProgress, ""); holder != "" {
			out = append(out, fmt.Sprintf("VM %s: status.restoreInProgress=%s", vm.Name, holder))
		}
		if slices.Contains(vm.Finalizers, freeze.SourceProtection) {
			out = append(out, fmt.Sprintf("VM %s: still protected from deletion (%s)", vm.Name, freeze.SourceProtection))
		}
		if by, ok := vm.Annotations[restore.AnnStoppedByRestore]; ok {
			out = append(out, fmt.Sprintf("VM %s: still marked stopped by restore %s", vm.Name, by))
		}
		want := w.recordOf(vm.Name).runStrategy
		if got := ptr.Deref(vm.Spec.RunStrategy, ""); got != want || vm.Spec.Running != nil {
			out = append(out, fmt.Sprintf("VM %s: run strategy %q, running %v; want %q", vm.Name, got, vm.Spec.Running, want))
		}
	}
	return out
}

// checkThawed: no guest is frozen.
func (w *workload) checkThawed(o *world) []string {
	var out []string
	for _, vm := range o.vms {
		if w.f.Frozen(vm.Name) {
			out = append(out, fmt.Sprintf("VM %s: guest still frozen; frozen windows %s", vm.Name, describeWindows(w.f.FrozenWindows(vm.Name))))
		}
	}
	return out
}

// checkConsistency: a snapshot of a running VM that claims consistent: true
// had every volume cut inside one frozen window of its guest.
func (w *workload) checkConsistency(o *world) []string {
	var out []string
	cutOf := func(volumeSnapshot string) (time.Time, bool) {
		vs := find(o.volumeSnaps, func(vs snapshotv1.VolumeSnapshot) bool { return vs.Name == volumeSnapshot })
		if vs == nil || vs.Status == nil || vs.Status.BoundVolumeSnapshotContentName == nil {
			return time.Time{}, false
		}
		bound := *vs.Status.BoundVolumeSnapshotContentName
		c := find(o.volumeContents, func(c snapshotv1.VolumeSnapshotContent) bool { return c.Name == bound })
		if c == nil || c.Status == nil || c.Status.CreationTime == nil {
			return time.Time{}, false
		}
		return time.Unix(0, *c.Status.CreationTime), true
	}
	check := func(kind, name, vmName string, volumeSnapshots []string) {
		var cuts []time.Time
		for _, vs := range volumeSnapshots {
			cut, ok := cutOf(vs)
			if !ok {
				out = append(out, fmt.Sprintf("%s %s: consistent, but VolumeSnapshot %s has no cut", kind, name, vs))
				return
			}
			cuts = append(cuts, cut)
		}
		windows := w.f.FrozenWindows(vmName)
		if !slices.ContainsFunc(windows, func(win fakevirtapi.FrozenWindow) bool { return holdsAll(win, cuts) }) {
			out = append(out, fmt.Sprintf("%s %s: consistent: true of running VM %s, but no frozen window holds every cut %s; windows %s",
				kind, name, vmName, describeTimes(cuts), describeWindows(windows)))
		}
	}
	for _, s := range o.snapshots {
		if !ptr.Deref(s.Status.Consistent, false) || !hasIndication(s.Status.Indications, snapshotapi.IndicationOnline) {
			continue
		}
		content := find(o.contents, func(c snapshotapi.VirtualMachineSnapshotContent) bool {
			return c.Name == ptr.Deref(s.Status.VirtualMachineSnapshotContentName, "")
		})
		if content == nil {
			continue // checkReady reports it
		}
		var names []string
		for _, b := range content.Spec.VolumeBackups {
			names = append(names, ptr.Deref(b.VolumeSnapshotName, ""))
		}
		check("vmsnapshot", s.Name, s.Spec.Source.Name, names)
	}
	for _, s := range o.diskSnapshots {
		if ptr.Deref(s.Status.Consistent, false) && hasIndication(s.Status.Indications, snapshotapi.IndicationOnline) {
			check("vdsnapshot", s.Name, ptr.Deref(s.Status.VirtualMachineName, ""), []string{ptr.Deref(s.Status.VolumeSnapshotName, "")})
		}
	}
	return out
}

func holdsAll(win fakevirtapi.FrozenWindow, cuts []time.Time) bool {
	for _, cut := range cuts {
		if cut.Before(win.From) || (!win.To.IsZero() && cut.After(win.To)) {
			return false
		}
	}
	return true
}

// checkReady: a Ready snapshot has its content and everything the content
// recorded (source UID, indications, volumes, Secret copies), and each of
// its VolumeSnapshots is ready to use.
func checkReady(o *world) []string {
	var out []string
	for _, s := range o.snapshots {
		if s.Status.Phase != snapshotapi.SnapshotReady {
			continue
		}
		problem := func(format string, args ...any) {
			out = append(out, fmt.Sprintf("vmsnapshot %s: Ready, but ", s.Name)+fmt.Sprintf(format, args...)+" ("+framework.DescribeSnapshot(&s)+")")
		}
		contentName := ptr.Deref(s.Status.VirtualMachineSnapshotContentName, "")
		content := find(o.contents, func(c snapshotapi.VirtualMachineSnapshotContent) bool { return c.Name == contentName })
		switch {
		case contentName == "":
			problem("names no content")
			continue
		case content == nil:
			problem("its content %s does not exist", contentName)
			continue
		}
		if !ptr.Deref(s.Status.ReadyToUse, false) {
			problem("not readyToUse")
		}
		vm := find(o.vms, func(vm kubevirtv1.VirtualMachine) bool { return vm.Name == s.Spec.Source.Name })
		switch uid := ptr.Deref(s.Status.SourceUID, ""); {
		case uid == "":
			problem("no sourceUID")
		case uid != ptr.Deref(content.Spec.SourceUID, ""):
			problem("sourceUID %s, the content's %s", uid, ptr.Deref(content.Spec.SourceUID, ""))
		case vm != nil && uid != vm.UID:
			problem("sourceUID %s, VM %s has %s", uid, vm.Name, vm.UID)
		}
		// An offline snapshot has none; an online one has at least Online.
		if got, want := indicationTypes(s.Status.Indications), indicationTypes(content.Spec.Indications); got != want {
			problem("indications [%s], the content's [%s]", got, want)
		}
		if s.Status.SnapshotVolumes == nil || len(s.Status.SnapshotVolumes.IncludedVolumes) != len(content.Spec.VolumeBackups) {
			problem("its included volumes do not match the content's %d volume backups", len(content.Spec.VolumeBackups))
		}
		for _, b := range content.Spec.VolumeBackups {
			name := ptr.Deref(b.VolumeSnapshotName, "")
			vs := find(o.volumeSnaps, func(vs snapshotv1.VolumeSnapshot) bool { return vs.Name == name })
			if vs == nil || vs.Status == nil || !ptr.Deref(vs.Status.ReadyToUse, false) {
				problem("VolumeSnapshot %q of volume %s is missing or not ready to use", name, b.VolumeName)
			}
		}
		for _, b := range content.Spec.SecretBackups {
			if find(o.secrets, func(sec corev1.Secret) bool { return sec.Name == b.BackupSecretName }) == nil {
				problem("the copy %s of Secret %s is missing", b.BackupSecretName, b.Name)
			}
		}
	}
	for _, s := range o.diskSnapshots {
		if s.Status.Phase != snapshotapi.SnapshotReady {
			continue
		}
		name := ptr.Deref(s.Status.VolumeSnapshotName, "")
		vs := find(o.volumeSnaps, func(vs snapshotv1.VolumeSnapshot) bool { return vs.Name == name })
		if s.Status.SourceUID == nil || !ptr.Deref(s.Status.ReadyToUse, false) || vs == nil || vs.Status == nil || !ptr.Deref(vs.Status.ReadyToUse, false) {
			out = append(out, fmt.Sprintf("vdsnapshot %s: Ready without its source UID or a ready VolumeSnapshot %q (%s)", s.Name, name, framework.DescribeDiskSnapshot(&s)))
		}
	}
	return out
}

// checkOrphans: everything snapshot-related in the namespace belongs to a
// live owner, and what a Retain snapshot promised to keep is there.
func (w *workload) checkOrphans(o *world) []string {
	var out []string
	snapshotByName := map[string]*snapshotapi.VirtualMachineSnapshot{}
	for i := range o.snapshots {
		snapshotByName[o.snapshots[i].Name] = &o.snapshots[i]
	}
	ownedVolumeSnaps := map[string]bool{}
	ownedSecretCopies := map[string]bool{}
	for _, c := range o.contents {
		snapName := ptr.Deref(c.Spec.VirtualMachineSnapshotName, "")
		snap := snapshotByName[snapName]
		switch {
		case snap == nil && c.Spec.DeletionPolicy != snapshotapi.DeletionPolicyRetain:
			out = append(out, fmt.Sprintf("vmsnapshotcontent %s: its snapshot %s is gone, and it is not Retain", c.Name, snapName))
			continue
		case snap != nil && snap.Status.Phase == snapshotapi.SnapshotFailed:
			out = append(out, fmt.Sprintf("vmsnapshotcontent %s: its snapshot %s Failed, yet it is still there", c.Name, snapName))
			continue
		}
		for _, b := range c.Spec.VolumeBackups {
			ownedVolumeSnaps[ptr.Deref(b.VolumeSnapshotName, "")] = true
		}
		for _, b := range c.Spec.SecretBackups {
			ownedSecretCopies[b.BackupSecretName] = true
		}
	}
	for content, snap := range w.retained {
		if find(o.contents, func(c snapshotapi.VirtualMachineSnapshotContent) bool { return c.Name == content }) == nil {
			out = append(out, fmt.Sprintf("vmsnapshotcontent %s: the Retain snapshot %s was deleted after its cut, and the content is gone", content, snap))
		}
	}
	for _, s := range o.diskSnapshots {
		if s.Status.Phase != snapshotapi.SnapshotFailed {
			ownedVolumeSnaps[ptr.Deref(s.Status.VolumeSnapshotName, "")] = true
		}
	}
	volumeSnapUIDs := map[types.UID]bool{}
	for _, vs := range o.volumeSnaps {
		volumeSnapUIDs[vs.UID] = true
		if !ownedVolumeSnaps[vs.Name] {
			out = append(out, fmt.Sprintf("volumesnapshot %s: no live content or disk snapshot holds it (labels %v; %s)", vs.Name, vs.Labels, framework.DescribeVolumeSnapshot(&vs)))
		}
	}
	handles := map[string]bool{}
	for _, c := range o.volumeContents {
		if c.Status != nil && c.Status.SnapshotHandle != nil {
			handles[*c.Status.SnapshotHandle] = true
		}
		if !volumeSnapUIDs[c.Spec.VolumeSnapshotRef.UID] {
			out = append(out, fmt.Sprintf("volumesnapshotcontent %s: its VolumeSnapshot %s (uid %s) is gone (%s)",
				c.Name, c.Spec.VolumeSnapshotRef.Name, c.Spec.VolumeSnapshotRef.UID, describeVolumeContent(&c)))
		}
	}
	for _, s := range o.stored {
		if !handles[s.ID] {
			out = append(out, fmt.Sprintf("CSI snapshot %s (of VolumeSnapshot %s, content %s): no VolumeSnapshotContent holds it", s.ID, s.VolumeSnapshotName, s.ContentName))
		}
	}
	out = append(out, w.checkRestoredObjects(o, ownedSecretCopies)...)
	return out
}

// checkRestoredObjects: Secret copies belong to a live content; what a
// restore made (VMs, claims, Secrets) stays only if its restore got Ready
// or a VM uses it; every claim is a user disk or used by a VM.
func (w *workload) checkRestoredObjects(o *world, ownedSecretCopies map[string]bool) []string {
	var out []string
	usedClaims, usedSecrets := map[string]bool{}, map[string]bool{}
	for _, vm := range o.vms {
		for _, c := range claimsOf(&vm) {
			usedClaims[c] = true
		}
		for _, s := range secretsOf(&vm) {
			usedSecrets[s] = true
		}
	}
	restoredBy := func(labels map[string]string) (string, bool) {
		uid, ok := labels[restore.LabelRestoreUID]
		return uid, ok
	}
	for _, vm := range o.vms {
		if uid, ok := restoredBy(vm.Labels); ok && !w.restoreWasReady(uid) {
			out = append(out, fmt.Sprintf("VM %s: made by restore %s, which never got Ready", vm.Name, uid))
		}
	}
	for _, c := range o.claims {
		uid, restored := restoredBy(c.Labels)
		switch {
		case usedClaims[c.Name] || w.userClaims[c.Name]:
		case restored && w.restoreWasReady(uid):
		default:
			out = append(out, fmt.Sprintf("claim %s: no VM uses it, and no restore that got Ready made it (labels %v)", c.Name, c.Labels))
		}
	}
	for _, s := range o.secrets {
		uid, restored := restoredBy(s.Labels)
		switch {
		case strings.HasPrefix(s.Name, "vmsnapshot-") && strings.Contains(s.Name, "-secret-"):
			if !ownedSecretCopies[s.Name] {
				out = append(out, fmt.Sprintf("Secret copy %s: no live content holds it", s.Name))
			}
		case restored && !usedSecrets[s.Name] && !w.restoreWasReady(uid):
			out = append(out, fmt.Sprintf("Secret %s: no VM uses it, and its restore %s never got Ready", s.Name, uid))
		}
	}
	return out
}

// checkResync forces a sync of every Ready snapshot and disk snapshot (an
// annotation changes) and checks that each stays Ready.
func (w *workload) checkResync(ctx context.Context, o *world) []string {
	patch := fmt.Appendf(nil, `{"metadata":{"annotations":{%q:%q}}}`, resyncAnnotation, time.Now().Format(time.RFC3339Nano))
	snaps := w.f.VMSnap.SnapshotV1alpha1()
	var ready, readyDisks []string
	for _, s := range o.snapshots {
		if s.Status.Phase == snapshotapi.SnapshotReady {
			ready = append(ready, s.Name)
			_ = retryAPI(ctx, func(ctx context.Context) error {
				_, err := snaps.VirtualMachineSnapshots(w.f.Namespace).Patch(ctx, s.Name, types.MergePatchType, patch, metav1.PatchOptions{})
				return err
			})
		}
	}
	for _, s := range o.diskSnapshots {
		if s.Status.Phase == snapshotapi.SnapshotReady {
			readyDisks = append(readyDisks, s.Name)
			_ = retryAPI(ctx, func(ctx context.Context) error {
				_, err := snaps.VirtualDiskSnapshots(w.f.Namespace).Patch(ctx, s.Name, types.MergePatchType, patch, metav1.PatchOptions{})
				return err
			})
		}
	}
	sleep(ctx, resyncWait)
	after, err := w.observe(ctx)
	if err != nil {
		return []string{"reading the namespace after the resync: " + err.Error()}
	}
	var out []string
	for _, name := range ready {
		s := find(after.snapshots, func(s snapshotapi.VirtualMachineSnapshot) bool { return s.Name == name })
		if s == nil || s.Status.Phase != snapshotapi.SnapshotReady || !ptr.Deref(s.Status.ReadyToUse, false) {
			out = append(out, fmt.Sprintf("vmsnapshot %s: not Ready after a resync (%s)", name, describeOrGone(s, framework.DescribeSnapshot)))
		}
	}
	for _, name := range readyDisks {
		s := find(after.diskSnapshots, func(s snapshotapi.VirtualDiskSnapshot) bool { return s.Name == name })
		if s == nil || s.Status.Phase != snapshotapi.SnapshotReady || !ptr.Deref(s.Status.ReadyToUse, false) {
			out = append(out, fmt.Sprintf("vdsnapshot %s: not Ready after a resync (%s)", name, describeOrGone(s, framework.DescribeDiskSnapshot)))
		}
	}
	return append(out, checkReady(after)...)
}

// checkLeaderMetrics: the leader reports no frozen VM, and its work queues
// drain.
func checkLeaderMetrics(ctx context.Context, replicas *replicaSet) []string {
	leader, err := replicas.leader(ctx, nil)
	if err != nil {
		return []string{"reading the leader's metrics: " + err.Error()}
	}
	var out []string
	var busy []string
	_ = wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, queueDrainWait, true, func(ctx context.Context) (bool, error) {
		page, err := leader.scrape(ctx)
		if err != nil {
			busy = []string{err.Error()}
			return false, nil
		}
		out, busy = nil, nil
		for _, line := range strings.Split(page, "\n") {
			if strings.HasPrefix(line, frozenForSeconds+"{") || strings.HasPrefix(line, frozenForSeconds+" ") {
				out = append(out, fmt.Sprintf("%s /metrics: %s", leader.name, line))
			}
			if fields := strings.Fields(line); len(fields) == 2 && strings.HasPrefix(line, queueDepth+"{") {
				if v, err := strconv.ParseFloat(fields[1], 64); err == nil && v != 0 {
					busy = append(busy, line)
				}
			}
		}
		return len(busy) == 0, nil
	})
	for _, line := range busy {
		out = append(out, fmt.Sprintf("%s /metrics: queue not empty after %s: %s", leader.name, queueDrainWait, line))
	}
	return out
}

// checkLogs: no replica panicked.
func checkLogs(replicas *replicaSet) []string {
	var out []string
	for _, r := range replicas.replicas {
		for _, line := range r.panics() {
			out = append(out, fmt.Sprintf("%s log %s: %s", r.name, r.logPath, line))
		}
	}
	return out
}

func find[T any](items []T, match func(T) bool) *T {
	for i := range items {
		if match(items[i]) {
			return &items[i]
		}
	}
	return nil
}

func hasIndication(indications []snapshotapi.Indication, t snapshotapi.IndicationType) bool {
	return slices.ContainsFunc(indications, func(i snapshotapi.Indication) bool { return i.Type == t })
}

func indicationTypes(indications []snapshotapi.Indication) string {
	types := make([]string, 0, len(indications))
	for _, i := range indications {
		types = append(types, string(i.Type))
	}
	slices.Sort(types)
	return strings.Join(types, ",")
}

func describeOrGone[T any](obj *T, describe func(*T) string) string {
	if obj == nil {
		return "gone"
	}
	return describe(obj)
}

// describeVolumeContent renders what tells why a VolumeSnapshotContent is
// still there.
func describeVolumeContent(c *snapshotv1.VolumeSnapshotContent) string {
	parts := []string{fmt.Sprintf("created %s", c.CreationTimestamp.UTC().Format(time.RFC3339))}
	if st := c.Status; st != nil {
		parts = append(parts, "handle "+ptr.Deref(st.SnapshotHandle, "<none>"), fmt.Sprintf("readyToUse=%v", ptr.Deref(st.ReadyToUse, false)))
		if st.Error != nil {
			parts = append(parts, "error: "+ptr.Deref(st.Error.Message, ""))
		}
	} else {
		parts = append(parts, "no status")
	}
	if c.DeletionTimestamp != nil {
		parts = append(parts, fmt.Sprintf("deleting since %s, finalizers %v", c.DeletionTimestamp.UTC().Format(time.RFC3339), c.Finalizers))
	}
	var annotations []string
	for k := range c.Annotations {
		annotations = append(annotations, k)
	}
	slices.Sort(annotations)
	return strings.Join(append(parts, fmt.Sprintf("annotations %v", annotations)), ", ")
}

func describeWindows(windows []fakevirtapi.FrozenWindow) string {
	parts := make([]string, 0, len(windows))
	for _, w := range windows {
		end := "still frozen"
		if !w.To.IsZero() {
			end = w.To.Format("15:04:05.000000") + " by " + string(w.EndedBy)
		}
		parts = append(parts, "["+w.From.Format("15:04:05.000000")+" - "+end+"]")
	}
	return strings.Join(parts, " ")
}

func describeTimes(times []time.Time) string {
	parts := make([]string, 0, len(times))
	for _, t := range times {
		parts = append(parts, t.Format("15:04:05.000000"))
	}
	return "[" + strings.Join(parts, " ") + "]"
}
