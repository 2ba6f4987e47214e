// Package restore is the VirtualMachineRestore controller: it restores a
// VirtualMachineSnapshot in place, into the VM it was taken of (KubeVirt's
// restore), or as a new VM with all its disks and Secrets (Deckhouse's).
//
// Phase machine (one sync computes the whole status and writes it once):
//
//	"" ─► Pending ──(snapshot Ready, plan without failing conflicts, target stopped or being stopped)──► InProgress ──► Ready
//	        │ waits: snapshot missing or not Ready, target running                  │ new VM: Secrets ─► claims ─► VM (stopped) ─► revisions ─► DataVolumes
//	        │ (WaitGracePeriodAndFail, WaitEventually), target locked by            │ in place: target named in status ─► lock ─► [stop] ─► Secrets ─► revisions ─► claims ─► VM spec
//	        │ a snapshot or another restore                                         │   replaced ─► DataVolumes ─► old owned disks deleted ─► [start] ─► unlock
//	        └──(deadline; conflict in Strict; target is another VM; FailImmediate)──► Failed ◄──(deadline; snapshot deleted)──┘
//	mode DryRun: Pending ──(plan)──► Ready with complete=false and reason DryRun; nothing is changed
//	Failed: what the restore created is removed (except what a VM uses) and the VM released, once: the
//	  condition CleanedUp records it, and until it is set every sync retries, so a crash half-way is harmless
//	Ready: what the restore created is handed over (its owner reference dropped), once, recorded the same way
//	deleted before Ready: the same cleanup, then the finalizer goes; Ready is final, and deleting a Ready
//	  restore leaves the restored objects alone
//	feature gate off: only a condition says so; a deletion still runs the cleanup, then the finalizer goes
//
// The plan (plan.go) is computed on every sync from observed state only. It
// names each object after nameReplacements and volumeRestorePolicy, rewrites
// every reference, and finds conflicts before anything is written: in Strict
// mode any conflict fails the restore with nothing changed; in BestEffort a
// Secret with other data is left as it is and a MAC in use is dropped (the
// VM gets a fresh one), while a disk in conflict still fails the restore,
// since the VM would otherwise run on data that is not the snapshot's.
//
// Ownership: nothing owns a restore. Every object it creates carries the
// label LabelRestoreUID, an index by which a retry after a crash finds what
// it made and a failed or deleted restore removes it; the claims and the VM
// also carry an owner reference to it, the proof that it made them (see
// ownerRef), which it drops once Ready. The instancetype and preference
// ControllerRevisions it makes (revisions above) are controlled by the VM,
// as KubeVirt makes them, and carry the restore's owner reference too. A cleanup never deletes what it
// cannot prove it made, nor what a VM it did not create uses. Names are deterministic, so a resumed restore never creates a
// second claim. An in-place restore names the VM in its status.targetName
// before it touches it (a cleanup whose status lacks it derives it from the
// snapshot), marks the VM's status.restoreInProgress throughout, records on
// the VM, in the update that halts it, the run strategy it stopped it from, and
// commits by replacing the VM's spec in one update that also records the
// restore's UID (AnnLastRestoreUID): from then on the VM is restored and the
// remaining steps only tidy up.
package restore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/controller"
	"vmsnap.io/vmsnap/pkg/metrics"
)

const (
	// Finalizer guards the cleanup of an unfinished restore.
	Finalizer = "snapshot.vmsnap.io/vmrestore-protection"
	// LabelRestoreUID marks every object a restore creates with its UID.
	LabelRestoreUID = "snapshot.vmsnap.io/vmrestore-uid"
	// AnnRestoreName names, for people, the restore that created an object.
	AnnRestoreName = "snapshot.vmsnap.io/vmrestore"
	// AnnLastRestoreUID is set on a VM by the update that restores it.
	AnnLastRestoreUID = "snapshot.vmsnap.io/last-restore-uid"
	// AnnRunStrategyBeforeRestore records, on a VM that a restore stopped
	// (targetReadinessPolicy StopTarget), the run strategy to give it back.
	AnnRunStrategyBeforeRestore = "snapshot.vmsnap.io/run-strategy-before-restore"
	// AnnStoppedByRestore is the UID of the restore that stopped the VM, set
	// in the same update: the proof that gives it back its run strategy,
	// which happens after the lock is released.
	AnnStoppedByRestore = "snapshot.vmsnap.io/stopped-by-restore-uid"
)

// ConditionCleanedUp is True once a finished restore has settled what it
// created: a Failed one removed it (but what a VM uses) and released the VM;
// a Ready one handed it over. A resync does not do it again.
const ConditionCleanedUp = "CleanedUp"

// Reasons of the Ready and Progressing conditions.
const (
	ReasonSnapshotNotFound  = "SnapshotNotFound"
	ReasonSnapshotNotReady  = "SnapshotNotReady"
	ReasonSnapshotDeleted   = "SnapshotDeleted"
	ReasonAPIMissing        = "APIMissing"
	ReasonTargetIsAnotherVM = "TargetIsAnotherVM"
	ReasonTargetRunning     = "TargetRunning"
	ReasonTargetBusy        = "TargetBusy"
	ReasonStoppingTarget    = "StoppingTarget"
	ReasonConflict          = "Conflict"
	ReasonInProgress        = "InProgress"
	ReasonReplacingDisks    = "ReplacingDisks"
	ReasonDeadlineExceeded  = "DeadlineExceeded"
	ReasonRestored          = "Restored"
	ReasonDryRun            = "DryRun"
	ReasonDeleting          = "Deleting"
	ReasonFeatureDisabled   = "FeatureDisabled"
	// ReasonNameConflict: a VolumeSnapshot or Secret copy the content names
	// was not made for it; its data is never put into a guest.
	ReasonNameConflict = "NameConflict"
	// ReasonCleanedUp and ReasonHandedOver are those of ConditionCleanedUp.
	ReasonCleanedUp  = "CleanedUp"
	ReasonHandedOver = "HandedOver"
)

// safetyRequeue bounds a wait that informer events normally end.
const safetyRequeue = 10 * time.Second

func (c *Controller) sync(ctx context.Context, key string) (time.Duration, error) {
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	cached, err := c.restores.VirtualMachineRestores(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		c.lifecycle.Forget(key)
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if c.catchingUp() {
		return controller.CacheRecheck, nil
	}
	s := c.lifecycle.Begin(ctx, key, cached)
	ctx = klog.NewContext(ctx, klog.FromContext(ctx).WithValues("vmrestore", klog.KObj(cached)))

	if !c.enabled && waitsForTheGate(s.Object) {
		return c.syncDisabled(ctx, s)
	}
	if s.Object.DeletionTimestamp != nil {
		return c.syncDeletion(ctx, s)
	}
	if err := s.EnsureFinalizer(ctx); err != nil {
		return 0, err
	}
	r := s.Object

	var requeue time.Duration
	var syncErr error
	switch {
	case r.Status.Phase == snapshotapi.RestoreReady || r.Status.Phase == snapshotapi.RestoreFailed:
	case !c.enabled:
		c.fail(r, c.clock.Now(), ReasonFeatureDisabled, "the Restore feature gate was disabled in the vmsnap controller while the restore "+
			"was in progress; it is abandoned, and what it did is undone")
	default:
		requeue, syncErr = c.syncActive(ctx, r)
	}
	if _, err := s.WriteStatus(ctx); err != nil {
		// Backoff retries the write; the delay still wakes the restore at
		// its deadline.
		return requeue, err
	}
	if err := c.settleOnce(ctx, s); err != nil {
		return requeue, err
	}
	return requeue, syncErr
}

// settleOnce settles what a finished restore created, once: a Failed
// restore is cleaned up, a Ready one hands its objects over, and the
// CleanedUp condition records it. A resync must not clean up again: by then
// the user may have put a restored disk to use. A dry run created nothing.
func (c *Controller) settleOnce(ctx context.Context, s *controller.Sync[*snapshotapi.VirtualMachineRestore]) error {
	r := s.Object
	dryRun := r.Status.Phase == snapshotapi.RestoreReady && !ptr.Deref(r.Status.Complete, false)
	finished := r.Status.Phase == snapshotapi.RestoreReady || r.Status.Phase == snapshotapi.RestoreFailed
	if !finished || dryRun || apimeta.IsStatusConditionTrue(r.Status.Conditions, ConditionCleanedUp) {
		return nil
	}
	summary, err := c.settleFinished(ctx, r)
	if err != nil {
		return err
	}
	reason, message := ReasonCleanedUp, "the restore failed and cleaned up: "+summary
	if r.Status.Phase == snapshotapi.RestoreReady {
		reason, message = ReasonHandedOver, "the restored objects no longer belong to the restore, and deleting it leaves them: "+summary
	}
	controller.SetCondition(&r.Status.Conditions, ConditionCleanedUp, metav1.ConditionTrue, reason, message, r.Generation, metav1.NewTime(c.clock.Now()))
	_, err = s.WriteStatus(ctx)
	return err
}

// settleFinished hands over what a Ready restore created, or cleans up
// after any other.
func (c *Controller) settleFinished(ctx context.Context, r *snapshotapi.VirtualMachineRestore) (string, error) {
	if r.Status.Phase == snapshotapi.RestoreReady {
		return c.handOver(ctx, r)
	}
	return c.cleanUp(ctx, r)
}

func (c *Controller) recordFinished(r *snapshotapi.VirtualMachineRestore) {
	now := c.clock.Now()
	switch r.Status.Phase {
	case snapshotapi.RestoreReady, snapshotapi.RestoreFailed:
		c.metrics.Finished(metrics.KindVirtualMachineRestore, string(r.Status.Phase), r.CreationTimestamp.Time, now)
	}
	if r.Status.Phase == snapshotapi.RestoreFailed && c.deadline(r, now).Exceeded(now) {
		c.metrics.DeadlineExceeded(metrics.KindVirtualMachineRestore)
	}
}

func (c *Controller) recordPhase(r *snapshotapi.VirtualMachineRestore) {
	message := string(r.Status.Phase)
	if ready := apimeta.FindStatusCondition(r.Status.Conditions, snapshotapi.ConditionReady); ready != nil && ready.Message != "" {
		message = ready.Message
	}
	eventType := corev1.EventTypeNormal
	if r.Status.Phase == snapshotapi.RestoreFailed {
		eventType = corev1.EventTypeWarning
	}
	c.recorder.Event(r, eventType, "Restore"+string(r.Status.Phase), message)
}

// syncActive drives a restore from Pending to Ready or Failed.
func (c *Controller) syncActive(ctx context.Context, r *snapshotapi.VirtualMachineRestore) (time.Duration, error) {
	now := c.clock.Now()
	if r.Status.Phase == "" {
		r.Status.Phase = snapshotapi.RestorePending
	}
	deadline := c.deadline(r, now)
	inProgress := r.Status.Phase == snapshotapi.RestoreInProgress
	if inProgress && deadline.Exceeded(now) {
		c.fail(r, now, ReasonDeadlineExceeded, fmt.Sprintf("the restore did not complete within its failureDeadline of %s: %s",
			deadline.Length, lastWord(r)))
		return 0, nil
	}
	if !c.volumeSnapshotsOK() || !c.kubeVirtOK() {
		requeue, err := c.wait(r, deadline, now, blocker{ReasonAPIMissing,
			"the VolumeSnapshot API (snapshot.storage.k8s.io/v1) or the KubeVirt API (kubevirt.io/v1) is not served or not synced yet"})
		return controller.Sooner(requeue, controller.CacheRecheck), err
	}

	snap, content, b, err := c.snapshotOf(r)
	if err != nil {
		return c.requeueOrFail(r, deadline, now, err)
	}
	if b != nil {
		if inProgress {
			c.fail(r, now, b.reason, "the snapshot became unusable during the restore: "+b.message)
			return 0, nil
		}
		return c.wait(r, deadline, now, *b)
	}

	in, err := c.planInputs(ctx, r, snap, content)
	if err != nil {
		return c.requeueOrFail(r, deadline, now, err)
	}
	p := buildPlan(in.planInput)
	if err := in.err(); err != nil {
		return c.requeueOrFail(r, deadline, now, err)
	}
	r.Status.TargetName = ptr.To(p.targetName)
	r.Status.Resources, r.Status.Restores = p.resources, p.restores
	if len(p.blockers) > 0 {
		if inProgress {
			c.fail(r, now, p.blockers[0].reason, "the snapshot became unusable during the restore: "+joinBlockers(p.blockers))
			return 0, nil
		}
		requeue, err := c.wait(r, deadline, now, p.blockers...)
		for _, b := range p.blockers {
			requeue = controller.Sooner(requeue, unwatchedRecheck[b.reason])
		}
		return requeue, err
	}

	mode := r.Spec.GetMode()
	switch {
	case mode == snapshotapi.RestoreModeDryRun:
		c.reportDryRun(r, p, in.live, now)
		return 0, nil
	case p.refused != "":
		c.fail(r, now, ReasonTargetIsAnotherVM, p.refused)
		return 0, nil
	case len(p.failing) > 0:
		changed := "nothing was changed"
		if inProgress {
			changed = "what the restore created is removed"
		}
		c.fail(r, now, ReasonConflict, fmt.Sprintf("%s (mode %s), %s: %s", countOf(len(p.failing), "conflict"), mode, changed, strings.Join(p.failing, "; ")))
		return 0, nil
	case p.inPlace:
		return c.restoreInPlace(ctx, r, p, in.live, deadline, now)
	default:
		return c.restoreNewVM(ctx, r, p, deadline, now)
	}
}

// unwatchedRecheck is how soon a restore waiting for a blocker looks again
// when no informer event would wake it: a Secret in its way going (Secrets
// are not watched), or the DataVolume API appearing (as the waits for the
// other APIs do).
var unwatchedRecheck = map[string]time.Duration{
	ReasonNameConflict: safetyRequeue,
	ReasonAPIMissing:   controller.CacheRecheck,
}

// deadline is the restore's failureDeadline, counted from its creation; for
// WaitEventually, whose wait for the VM to stop has no limit, from the moment
// the restore started to change things.
func (c *Controller) deadline(r *snapshotapi.VirtualMachineRestore, now time.Time) controller.Deadline {
	d := controller.Deadline{Start: r.CreationTimestamp.Time, Length: r.Spec.GetFailureDeadline()}
	if r.Spec.GetTargetReadinessPolicy() == snapshotapi.TargetReadinessWaitEventually && r.Status.Phase == snapshotapi.RestoreInProgress {
		d.Start = now
		if p := apimeta.FindStatusCondition(r.Status.Conditions, snapshotapi.ConditionProgressing); p != nil && p.Status == metav1.ConditionTrue {
			d.Start = p.LastTransitionTime.Time
		}
	}
	return d
}

// snapshotOf returns the snapshot to restore and its content, or why they
// cannot be restored now.
func (c *Controller) snapshotOf(r *snapshotapi.VirtualMachineRestore) (*snapshotapi.VirtualMachineSnapshot,
	*snapshotapi.VirtualMachineSnapshotContent, *blocker, error,
) {
	name := r.Spec.VirtualMachineSnapshotName
	snap, err := c.snapshots.VirtualMachineSnapshots(r.Namespace).Get(name)
	if apierrors.IsNotFound(err) {
		return nil, nil, &blocker{ReasonSnapshotNotFound, fmt.Sprintf("VirtualMachineSnapshot %s does not exist", name)}, nil
	}
	if err != nil {
		return nil, nil, nil, fmt.Errorf("reading VirtualMachineSnapshot %s: %w", name, err)
	}
	if snap.DeletionTimestamp != nil {
		return nil, nil, &blocker{ReasonSnapshotDeleted, fmt.Sprintf("VirtualMachineSnapshot %s is being deleted", name)}, nil
	}
	if snap.Status.Phase != snapshotapi.SnapshotReady || !ptr.Deref(snap.Status.ReadyToUse, false) {
		message := fmt.Sprintf("VirtualMachineSnapshot %s is %s, not ready to use", name, orUnset(string(snap.Status.Phase)))
		if ready := apimeta.FindStatusCondition(snap.Status.Conditions, snapshotapi.ConditionReady); ready != nil && ready.Message != "" {
			message += ": " + ready.Message
		}
		return nil, nil, &blocker{ReasonSnapshotNotReady, message}, nil
	}
	contentName := ptr.Deref(snap.Status.VirtualMachineSnapshotContentName, "")
	content, err := c.contents.VirtualMachineSnapshotContents(r.Namespace).Get(contentName)
	if apierrors.IsNotFound(err) {
		return nil, nil, &blocker{ReasonSnapshotNotReady, fmt.Sprintf(
			"VirtualMachineSnapshotContent %q of snapshot %s does not exist", contentName, name)}, nil
	}
	if err != nil {
		return nil, nil, nil, fmt.Errorf("reading VirtualMachineSnapshotContent %s: %w", contentName, err)
	}
	if content.DeletionTimestamp != nil {
		return nil, nil, &blocker{ReasonSnapshotDeleted, fmt.Sprintf(
			"VirtualMachineSnapshotContent %s of snapshot %s is being deleted", contentName, name)}, nil
	}
	return snap, content, nil, nil
}

// --- Outcomes ---------------------------------------------------------------

// wait keeps the restore Pending for the blockers, or fails it once the
// deadline has passed, naming them. It requeues at the deadline.
func (c *Controller) wait(r *snapshotapi.VirtualMachineRestore, deadline controller.Deadline, now time.Time, blockers ...blocker) (time.Duration, error) {
	reason, message := blockers[0].reason, joinBlockers(blockers)
	if deadline.Exceeded(now) {
		c.fail(r, now, reason, fmt.Sprintf("the restore could not start within its failureDeadline of %s: %s", deadline.Length, message))
		return 0, nil
	}
	r.Status.Phase = snapshotapi.RestorePending
	c.setConditions(r, now, metav1.ConditionFalse, reason, message, metav1.ConditionFalse, reason, message)
	return deadline.Remaining(now), nil
}

// progress keeps the restore InProgress with a message, until the deadline.
func (c *Controller) progress(r *snapshotapi.VirtualMachineRestore, deadline controller.Deadline, now time.Time, reason, message string) (time.Duration, error) {
	r.Status.Phase = snapshotapi.RestoreInProgress
	c.setConditions(r, now, metav1.ConditionTrue, reason, message, metav1.ConditionFalse, reason, message)
	return controller.Sooner(deadline.Remaining(now), safetyRequeue), nil
}

// requeueOrFail retries an API error with backoff until the deadline, then
// fails naming it. With the error it returns the time left, so that the
// queue wakes the restore at its deadline however long the backoff has grown.
func (c *Controller) requeueOrFail(r *snapshotapi.VirtualMachineRestore, deadline controller.Deadline, now time.Time, err error) (time.Duration, error) {
	if deadline.Exceeded(now) {
		c.fail(r, now, ReasonDeadlineExceeded, fmt.Sprintf("the restore did not complete within its failureDeadline of %s: %v", deadline.Length, err))
		return 0, nil
	}
	r.Status.Error = &snapshotapi.Error{Time: ptr.To(metav1.NewTime(now)), Message: ptr.To(err.Error())}
	return deadline.Remaining(now), err
}

// fail marks the restore Failed; settleOnce then removes what it created.
func (c *Controller) fail(r *snapshotapi.VirtualMachineRestore, now time.Time, reason, message string) {
	r.Status.Phase = snapshotapi.RestoreFailed
	r.Status.Complete = ptr.To(false)
	r.Status.Error = &snapshotapi.Error{Time: ptr.To(metav1.NewTime(now)), Message: ptr.To(message)}
	c.setConditions(r, now, metav1.ConditionFalse, reason, message, metav1.ConditionFalse, reason, message)
}

func (c *Controller) succeed(r *snapshotapi.VirtualMachineRestore, now time.Time, message string) {
	r.Status.Phase = snapshotapi.RestoreReady
	r.Status.Complete = ptr.To(true)
	r.Status.RestoreTime = ptr.To(metav1.NewTime(now))
	r.Status.Error = nil
	c.setConditions(r, now, metav1.ConditionFalse, ReasonRestored, "the restore is complete", metav1.ConditionTrue, ReasonRestored, message)
}

// reportDryRun ends a dry run: Ready, not complete, with the plan in
// status.resources and its summary in the Ready condition. A dry run is
// Ready (its report is done) even when the plan has conflicts; complete
// stays false because nothing was restored.
func (c *Controller) reportDryRun(r *snapshotapi.VirtualMachineRestore, p *plan, target targetState, now time.Time) {
	results := resultsOf(p.resources)
	parts := []string{}
	for _, res := range []snapshotapi.ResourceResult{snapshotapi.ResourceCreated, snapshotapi.ResourceReplaced,
		snapshotapi.ResourceUnchanged, snapshotapi.ResourceConflict} {
		if objs := results[res]; len(objs) > 0 {
			parts = append(parts, fmt.Sprintf("%s: %s", strings.ToLower(string(res)), strings.Join(objs, ", ")))
		}
	}
	message := "dry run, nothing was changed; the restore would leave " + strings.Join(parts, "; ")
	if len(p.conflicts) > 0 {
		message = fmt.Sprintf("dry run, nothing was changed; %s would fail a Strict restore: %s; the restore would leave %s",
			countOf(len(p.conflicts), "conflict"), strings.Join(p.conflicts, "; "), strings.Join(parts, "; "))
	}
	if p.inPlace && target.running {
		message += fmt.Sprintf("; VirtualMachine %s is running, and with targetReadinessPolicy %s the restore would %s",
			p.targetName, r.Spec.GetTargetReadinessPolicy(), runningOutcome(r.Spec.GetTargetReadinessPolicy()))
	}
	r.Status.Phase = snapshotapi.RestoreReady
	r.Status.Complete = ptr.To(false)
	r.Status.Error = nil
	c.setConditions(r, now, metav1.ConditionFalse, ReasonDryRun, message, metav1.ConditionTrue, ReasonDryRun, message)
}

func runningOutcome(p snapshotapi.TargetReadinessPolicy) string {
	switch p {
	case snapshotapi.TargetReadinessStopTarget:
		return "stop it, restore it and start it again"
	case snapshotapi.TargetReadinessFailImmediate:
		return "fail at once"
	case snapshotapi.TargetReadinessWaitEventually:
		return "wait until it is stopped"
	default:
		return "wait for it to stop until the failureDeadline, then fail"
	}
}

func (c *Controller) setConditions(r *snapshotapi.VirtualMachineRestore, now time.Time,
	progressing metav1.ConditionStatus, progressingReason, progressingMessage string,
	ready metav1.ConditionStatus, readyReason, readyMessage string,
) {
	controller.SetProgressAndReady(&r.Status.Conditions, r.Generation, metav1.NewTime(now),
		progressing, progressingReason, progressingMessage, ready, readyReason, readyMessage)
}

// --- Deletion ---------------------------------------------------------------

// syncDeletion removes what an unfinished restore created and releases the
// VM, then lets the restore go. A completed restore (or a dry run) leaves
// everything as it is, and hands over what it has not yet, so that the
// garbage collector does not follow its owner references.
func (c *Controller) syncDeletion(ctx context.Context, s *controller.Sync[*snapshotapi.VirtualMachineRestore]) (time.Duration, error) {
	r := s.Object
	if !slices.Contains(r.Finalizers, Finalizer) {
		return 0, nil
	}
	if !apimeta.IsStatusConditionTrue(r.Status.Conditions, ConditionCleanedUp) {
		if _, err := c.settleFinished(ctx, r); err != nil {
			return 0, err
		}
	}
	return 0, s.ReleaseFinalizer(ctx)
}

// syncDisabled only says that the feature is off, on a restore not started
// yet (waitsForTheGate). Every other restore goes on as usual: a deleted
// one that carries the finalizer from before the gate was turned off may
// have locked, halted or half-restored a VM then, and its deletion runs the
// cleanup the finalizer promises.
func (c *Controller) syncDisabled(ctx context.Context, s *controller.Sync[*snapshotapi.VirtualMachineRestore]) (time.Duration, error) {
	r := s.Object
	wasOff := conditionReason(r, snapshotapi.ConditionReady) == ReasonFeatureDisabled
	c.setConditions(r, c.clock.Now(), metav1.ConditionFalse, ReasonFeatureDisabled, disabledMessage, metav1.ConditionFalse, ReasonFeatureDisabled, disabledMessage)
	wrote, err := s.WriteStatus(ctx)
	if err != nil {
		return 0, err
	}
	if wrote && !wasOff {
		c.recorder.Event(r, corev1.EventTypeWarning, ReasonFeatureDisabled, disabledMessage)
	}
	return 0, nil
}

// waitsForTheGate reports whether a restore, with the feature off, only
// waits for it: one not started. A restore that started (its target is
// recorded before it is locked, so a start cut short by a crash counts
// too) would keep its target locked, and perhaps halted, until the feature
// is back: it fails and is cleaned up instead; a finished or deleted one is
// settled as usual.
func waitsForTheGate(r *snapshotapi.VirtualMachineRestore) bool {
	return r.DeletionTimestamp == nil && (r.Status.Phase == "" || r.Status.Phase == snapshotapi.RestorePending) &&
		ptr.Deref(r.Status.TargetName, "") == ""
}

// disabledMessage is the condition of every restore while the feature is off.
const disabledMessage = "the Restore feature gate is disabled in the vmsnap controller; this restore is not acted on until it is enabled"

// --- Small helpers ------------------------------------------------------------

func joinBlockers(bs []blocker) string {
	msgs := make([]string, 0, len(bs))
	for _, b := range bs {
		msgs = append(msgs, b.message)
	}
	return strings.Join(msgs, "; ")
}

func conditionReason(r *snapshotapi.VirtualMachineRestore, t string) string {
	if c := apimeta.FindStatusCondition(r.Status.Conditions, t); c != nil {
		return c.Reason
	}
	return ""
}

func conditionMessage(r *snapshotapi.VirtualMachineRestore, t string) string {
	if c := apimeta.FindStatusCondition(r.Status.Conditions, t); c != nil {
		return c.Message
	}
	return "no progress was reported"
}

// lastWord is what a restore that ran out of time last reported: its
// progress, and the error of the step that kept it from going on.
func lastWord(r *snapshotapi.VirtualMachineRestore) string {
	message := conditionMessage(r, snapshotapi.ConditionProgressing)
	if r.Status.Error != nil && r.Status.Error.Message != nil {
		message += "; the last error: " + *r.Status.Error.Message
	}
	return message
}

func orUnset(s string) string {
	if s == "" {
		return "not yet reported"
	}
	return s
}

// countOf is a count with its noun: "1 disk", "2 disks", "0 Secrets".
func countOf(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
