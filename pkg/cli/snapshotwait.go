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
	"strings"
	"time"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
)

// unlockGrace bounds how long a wait that saw Ready also waits for the VM
// to be unlocked. The controller writes Ready first and then clears the
// VM's status.snapshotInProgress; a user who starts the VM the moment the
// command returns would otherwise be refused by KubeVirt.
const unlockGrace = 30 * time.Second

// snapshotView is what one look at a snapshot in progress found.
type snapshotView struct {
	snap    *snapshotapi.VirtualMachineSnapshot
	content *snapshotapi.VirtualMachineSnapshotContent
	// frozen is how long the guest has been seen frozen, and whether it
	// still is.
	frozen    time.Duration
	frozenNow bool
	// volumeSnapshots are the content's VolumeSnapshots by name, read each
	// look: the content's status is written in batches, theirs as each
	// disk is cut and ready.
	volumeSnapshots map[string]*snapshotv1.VolumeSnapshot
	// colour paints the phase.
	colour bool
}

// diskCounts are the snapshot's disks: all, cut (the CSI driver took the
// point in time) and ready to restore.
func (v snapshotView) diskCounts() (total, cut, ready int) {
	if v.content == nil {
		return 0, 0, 0
	}
	reported := map[string]snapshotapi.VolumeSnapshotStatus{}
	for _, s := range v.content.Status.VolumeSnapshotStatus {
		reported[s.VolumeSnapshotName] = s
	}
	for _, b := range v.content.Spec.VolumeBackups {
		if b.VolumeSnapshotName == nil {
			continue
		}
		total++
		status := reported[*b.VolumeSnapshotName]
		isCut, isReady := status.CreationTime != nil, status.ReadyToUse != nil && *status.ReadyToUse
		if vs := v.volumeSnapshots[*b.VolumeSnapshotName]; vs != nil && vs.Status != nil {
			isCut = isCut || vs.Status.CreationTime != nil
			isReady = isReady || (vs.Status.ReadyToUse != nil && *vs.Status.ReadyToUse)
		}
		if isCut {
			cut++
		}
		if isReady {
			ready++
		}
	}
	return total, cut, ready
}

// progress is the progress line: the part that changes with the snapshot,
// and the elapsed time, which changes every tick.
func (v snapshotView) progress(now time.Time) (line, ticking string) {
	s := v.snap
	phase := phaseOrPending(string(s.Status.Phase))
	parts := []string{fmt.Sprintf("snapshot %s: %s%s", s.Name, paint(v.colour, phaseColour(phase), phase), readyReason(phase, s.Status.Conditions))}
	if total, cut, ready := v.diskCounts(); v.content != nil {
		parts = append(parts, fmt.Sprintf("disks %d/%d cut, %d/%d ready", cut, total, ready, total))
	}
	ticking = elapsed(s.CreationTimestamp, now)
	if v.frozenNow {
		// The freeze's length ticks; that it began is what a log keeps.
		parts = append(parts, "guest frozen")
		ticking = " " + since(v.frozen) + ticking
	}
	return strings.Join(parts, " · "), ticking
}

// summary is the paragraph printed when the snapshot ended.
func (v snapshotView) summary() string {
	s := v.snap
	vm := s.Spec.Source.Name
	if s.Status.Phase == snapshotapi.SnapshotFailed {
		return fmt.Sprintf("Snapshot %s of VM %s %s: %s", s.Name, vm, paint(v.colour, colourRed, "failed"), failureMessage(s.Status.Error, s.Status.Conditions))
	}
	total, _, _ := v.diskCounts()
	var b strings.Builder
	fmt.Fprintf(&b, "Snapshot %s of VM %s is %s: %s", s.Name, vm, paint(v.colour, colourGreen, "Ready"), plural(total, "disk", "disks"))
	if v.content != nil {
		if size, _ := contentRestoreSize(v.content); !size.IsZero() {
			fmt.Fprintf(&b, ", %s in all", size.String())
		}
	}
	if ready := meta.FindStatusCondition(s.Status.Conditions, snapshotapi.ConditionReady); ready != nil {
		fmt.Fprintf(&b, ", taken in %s", since(ready.LastTransitionTime.Sub(s.CreationTimestamp.Time)))
	}
	b.WriteString(". ")
	b.WriteString(consistencySentence(s.Status.Consistent, s.Status.Indications, v.frozen, "the VM was stopped"))
	if s.Status.SnapshotVolumes != nil && len(s.Status.SnapshotVolumes.ExcludedVolumes) > 0 {
		var excluded []string
		for _, e := range s.Status.SnapshotVolumes.ExcludedVolumes {
			excluded = append(excluded, e.Name+" ("+e.Reason+")")
		}
		fmt.Fprintf(&b, " Not in the snapshot: %s.", strings.Join(excluded, ", "))
	}
	return b.String()
}

// consistencySentence says whether the disks are from one consistent
// moment and why, from the snapshot's indications.
// offline says why a cut without the Online indication is consistent.
func consistencySentence(consistent *bool, indications []snapshotapi.Indication, frozen time.Duration, offline string) string {
	// message by indication; present means indicated.
	has := map[snapshotapi.IndicationType]string{}
	for _, i := range indications {
		has[i.Type] = i.Message
	}
	indicated := func(t snapshotapi.IndicationType) bool { _, ok := has[t]; return ok }
	var why string
	switch {
	case !indicated(snapshotapi.IndicationOnline):
		why = offline
	case indicated(snapshotapi.IndicationGuestAgent):
		why = "the guest agent froze the filesystems for the cut"
		if frozen > 0 {
			why += " (seen frozen for about " + since(frozen) + ")"
		}
	case indicated(snapshotapi.IndicationPaused):
		why = "the VM was paused, so nothing was frozen: crash-consistent only"
	case indicated(snapshotapi.IndicationNoGuestAgent):
		why = "the VM ran without a guest agent: crash-consistent only"
	}
	for _, t := range []snapshotapi.IndicationType{snapshotapi.IndicationQuiesceFailed, snapshotapi.IndicationQuiesceTimeout,
		snapshotapi.IndicationPartialSnapshot, snapshotapi.IndicationAtomicCut, snapshotapi.IndicationPerVolumeCut} {
		if msg, ok := has[t]; ok {
			if why != "" {
				why += "; "
			}
			why += string(t)
			if msg != "" {
				why += ": " + msg
			}
		}
	}
	verdict := "Consistent"
	if consistent == nil || !*consistent {
		verdict = "Not consistent"
	}
	if why == "" {
		return verdict + "."
	}
	return verdict + ": " + why + "."
}

// failureMessage is the status error, or else the Ready condition's message.
func failureMessage(e *snapshotapi.Error, conditions []metav1.Condition) string {
	if e != nil && e.Message != nil && *e.Message != "" {
		return *e.Message
	}
	if c := meta.FindStatusCondition(conditions, snapshotapi.ConditionReady); c != nil && c.Message != "" {
		return c.Message
	}
	return "no reason given"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// waitSnapshot follows a VM snapshot to Ready or Failed, showing its
// progress on o.Out, then prints the summary. A Failed snapshot is
// ExitFailed.
func (o *Options) waitSnapshot(ctx context.Context, c *Clients, name string) error {
	line := newProgressLine(o.Out)
	var (
		view         = snapshotView{colour: useColour(o.Out)}
		frozenSince  time.Time
		frozenBefore time.Duration
		readySeen    time.Time
	)
	resume := "kubectl vmsnap wait " + name
	err := pollUntil(ctx, pollInterval, resume, func(ctx context.Context) (bool, error) {
		snap, err := c.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshots(c.Namespace).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, fmt.Errorf("snapshot %q was deleted while waiting for it", name)
		}
		if err != nil {
			return false, fmt.Errorf("reading snapshot %q: %w", name, err)
		}
		now := time.Now()
		view.snap = snap
		if cn := snap.Status.VirtualMachineSnapshotContentName; cn != nil && *cn != "" {
			// The content may lag the snapshot or be unreadable to this
			// user; the line then shows no disk counts.
			if content, err := c.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshotContents(c.Namespace).Get(ctx, *cn, metav1.GetOptions{}); err == nil {
				view.content = content
				view.volumeSnapshots = o.volumeSnapshots(ctx, c, content)
			}
		}
		// The freeze is seen by looking, so its length is good to a tick.
		frozen := snap.Status.Phase != snapshotapi.SnapshotReady && snap.Status.Phase != snapshotapi.SnapshotFailed &&
			o.guestFrozen(ctx, c, snap.Spec.Source.Name)
		switch {
		case frozen && frozenSince.IsZero():
			frozenSince = now
		case !frozen && !frozenSince.IsZero():
			frozenBefore += now.Sub(frozenSince)
			frozenSince = time.Time{}
		}
		view.frozenNow, view.frozen = frozen, frozenBefore
		if frozen {
			view.frozen += now.Sub(frozenSince)
		}
		text, ticking := view.progress(now)
		line.Show(text, ticking)
		switch snap.Status.Phase {
		case snapshotapi.SnapshotFailed:
			return true, nil
		case snapshotapi.SnapshotReady:
			if readySeen.IsZero() {
				readySeen = now
			}
			return o.vmUnlocked(ctx, c, snap) || now.Sub(readySeen) > unlockGrace, nil
		}
		return false, nil
	})
	line.Done()
	if err != nil {
		return err
	}
	printSummary(o.Out, view.summary())
	if view.snap.Status.Phase == snapshotapi.SnapshotFailed {
		return withCode(ExitFailed, fmt.Errorf("snapshot %q failed", name))
	}
	return nil
}

// volumeSnapshots reads the content's VolumeSnapshots that its status does
// not yet report ready, by name: a VM has a handful of disks, and a list of
// the namespace could be thousands.
func (o *Options) volumeSnapshots(ctx context.Context, c *Clients, content *snapshotapi.VirtualMachineSnapshotContent) map[string]*snapshotv1.VolumeSnapshot {
	ready := map[string]bool{}
	for _, s := range content.Status.VolumeSnapshotStatus {
		ready[s.VolumeSnapshotName] = s.ReadyToUse != nil && *s.ReadyToUse
	}
	found := map[string]*snapshotv1.VolumeSnapshot{}
	for _, b := range content.Spec.VolumeBackups {
		if b.VolumeSnapshotName == nil || ready[*b.VolumeSnapshotName] {
			continue
		}
		if vs, err := c.Snapshots.SnapshotV1().VolumeSnapshots(c.Namespace).Get(ctx, *b.VolumeSnapshotName, metav1.GetOptions{}); err == nil {
			found[vs.Name] = vs
		}
	}
	return found
}

// guestFrozen reads the VM instance's freeze status, as virt-handler
// reports it. No instance, or no right to read it, is not frozen.
func (o *Options) guestFrozen(ctx context.Context, c *Clients, vm string) bool {
	vmi, err := c.Virt.KubevirtV1().VirtualMachineInstances(c.Namespace).Get(ctx, vm, metav1.GetOptions{})
	return err == nil && vmi.Status.FSFreezeStatus == "frozen"
}

// vmUnlocked tells whether the snapshot no longer holds its VM.
func (o *Options) vmUnlocked(ctx context.Context, c *Clients, snap *snapshotapi.VirtualMachineSnapshot) bool {
	vm, err := c.Virt.KubevirtV1().VirtualMachines(c.Namespace).Get(ctx, snap.Spec.Source.Name, metav1.GetOptions{})
	if err != nil {
		return true
	}
	return vm.Status.SnapshotInProgress == nil || *vm.Status.SnapshotInProgress != snap.Name
}

// printSummary writes a paragraph.
func printSummary(out io.Writer, paragraph string) {
	fmt.Fprintln(out, paragraph)
}
