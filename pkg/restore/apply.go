package restore

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/controller"
)

// --- New VM -------------------------------------------------------------------

// restoreNewVM creates the Secrets, the claims, the VM (stopped), the
// ControllerRevisions of its instancetype and preference, and its
// DataVolumes. Claims are not waited for: a WaitForFirstConsumer class binds
// them only when the VM first runs.
func (c *Controller) restoreNewVM(ctx context.Context, r *snapshotapi.VirtualMachineRestore, p *plan,
	deadline controller.Deadline, now time.Time,
) (time.Duration, error) {
	r.Status.Phase = snapshotapi.RestoreInProgress
	message := fmt.Sprintf("creating VirtualMachine %s from snapshot %s", p.targetName, r.Spec.VirtualMachineSnapshotName)
	c.setConditions(r, now, metav1.ConditionTrue, ReasonInProgress, message, metav1.ConditionFalse, ReasonInProgress, message)

	if err := c.createSecrets(ctx, r, p); err != nil {
		return c.requeueOrFail(r, deadline, now, err)
	}
	for _, step := range p.claims {
		if err := c.createClaim(ctx, r, step.claim); err != nil {
			return c.requeueOrFail(r, deadline, now, err)
		}
	}
	vm, err := c.createVM(ctx, r, p)
	if err != nil {
		return c.requeueOrFail(r, deadline, now, err)
	}
	// The revisions need the VM's UID for their controller reference; the VM
	// is stopped meanwhile, and KubeVirt's admission lets a VM name a
	// revision it does not find yet.
	if err := c.createRevisions(ctx, r, p, vm); err != nil {
		return c.requeueOrFail(r, deadline, now, err)
	}
	if step := p.persistentState; step != nil && step.claim != nil {
		if err := c.createClaim(ctx, r, controlledBy(step.claim, vm)); err != nil {
			return c.requeueOrFail(r, deadline, now, err)
		}
	}
	if err := c.createDataVolumes(ctx, r, p, vm); err != nil {
		return c.requeueOrFail(r, deadline, now, err)
	}
	c.succeed(r, now, fmt.Sprintf("created VirtualMachine %s, stopped, from snapshot %s with %s and %s",
		p.targetName, r.Spec.VirtualMachineSnapshotName, countOf(len(p.claims), "disk"), countOf(len(p.secrets), "Secret")))
	return 0, nil
}

func (c *Controller) createVM(ctx context.Context, r *snapshotapi.VirtualMachineRestore, p *plan) (*kubevirtv1.VirtualMachine, error) {
	if existing := c.knownVM(r.Namespace, p.targetName); existing != nil && ours(r, existing) {
		return existing, nil
	}
	vm := p.vm.DeepCopy()
	stopped(&vm.Spec)
	created, err := c.kubevirt.KubevirtV1().VirtualMachines(r.Namespace).Create(ctx, vm, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		existing, getErr := c.kubevirt.KubevirtV1().VirtualMachines(r.Namespace).Get(ctx, vm.Name, metav1.GetOptions{})
		if getErr != nil {
			return nil, fmt.Errorf("reading VirtualMachine %s, which exists already: %w", vm.Name, getErr)
		}
		if !ours(r, existing) {
			return nil, errNotOurs(kindVirtualMachine, vm.Name)
		}
		return existing, nil
	}
	if err != nil {
		return nil, fmt.Errorf("creating VirtualMachine %s: %w", vm.Name, err)
	}
	c.createdVMs.ExpectCreated(r.Namespace+"/"+vm.Name, created, c.clock.Now())
	klog.FromContext(ctx).V(2).Info("Created restored VM", "vm", klog.KObj(created))
	return created, nil
}

// --- In place -----------------------------------------------------------------

// restoreInPlace restores the snapshot's source VM: once it is stopped (per
// targetReadinessPolicy) and locked, its disks are recreated from the
// VolumeSnapshots, its spec is replaced by the snapshot's in one update (the
// commit), then the old disks the VM owned are deleted, the VM is started
// again if the restore stopped it, and the lock is released.
func (c *Controller) restoreInPlace(ctx context.Context, r *snapshotapi.VirtualMachineRestore, p *plan, live targetState,
	deadline controller.Deadline, now time.Time,
) (time.Duration, error) {
	vm := live.vm
	committed := vm.Annotations[AnnLastRestoreUID] == string(r.UID)
	restoring := fmt.Sprintf("restoring VirtualMachine %s in place from snapshot %s", vm.Name, r.Spec.VirtualMachineSnapshotName)
	if !committed {
		if message, busy := busyWith(vm, r.Name); busy {
			return c.wait(r, deadline, now, blocker{ReasonTargetBusy, message})
		}
		stopIt := r.Spec.GetTargetReadinessPolicy() == snapshotapi.TargetReadinessStopTarget
		if live.running && !stopIt {
			return c.waitForRunningTarget(r, vm, deadline, now)
		}
		if !live.recorded {
			// The next steps lock the VM and may halt it. The status names
			// it first, so that a cleanup after a lost write or a crash
			// always finds it; writing it wakes the next sync.
			return c.progress(r, deadline, now, ReasonInProgress, restoring)
		}
		if live.running {
			return c.stopTarget(ctx, r, vm, deadline, now)
		}
	}
	if r.Status.Phase != snapshotapi.RestoreInProgress {
		r.Status.Phase = snapshotapi.RestoreInProgress
		deadline = c.deadline(r, now)
	}
	vm, err := c.lockVM(ctx, vm, r.Name)
	if err != nil {
		return c.requeueOrFail(r, deadline, now, err)
	}
	if !committed {
		c.setConditions(r, now, metav1.ConditionTrue, ReasonInProgress, restoring, metav1.ConditionFalse, ReasonInProgress, restoring)
		if err := c.createSecrets(ctx, r, p); err != nil {
			return c.requeueOrFail(r, deadline, now, err)
		}
		// The VM is pointed at its revisions by the commit: they exist
		// before, as KubeVirt's admission looks them up.
		if err := c.createRevisions(ctx, r, p, vm); err != nil {
			return c.requeueOrFail(r, deadline, now, err)
		}
		waiting, err := c.restoreClaims(ctx, r, p, vm)
		if err != nil {
			return c.requeueOrFail(r, deadline, now, err)
		}
		if len(waiting) > 0 {
			return c.progress(r, deadline, now, ReasonReplacingDisks, fmt.Sprintf(
				"waiting for the VM's %s to be deleted, to create them again from the snapshot", strings.Join(waiting, ", ")))
		}
		if vm, err = c.commit(ctx, r, p, vm); err != nil {
			return c.requeueOrFail(r, deadline, now, err)
		}
	}
	if err := c.replacePersistentState(ctx, r, p, vm); err != nil {
		return c.requeueOrFail(r, deadline, now, err)
	}
	if err := c.createDataVolumes(ctx, r, p, vm); err != nil {
		return c.requeueOrFail(r, deadline, now, err)
	}
	removed, err := c.deleteOldDisks(ctx, r, vm)
	if err != nil {
		return c.requeueOrFail(r, deadline, now, err)
	}
	if err := c.releaseVM(ctx, r, vm); err != nil {
		return c.requeueOrFail(r, deadline, now, err)
	}
	message := fmt.Sprintf("restored VirtualMachine %s in place from snapshot %s with %s", vm.Name, r.Spec.VirtualMachineSnapshotName, countOf(len(p.claims), "disk"))
	if len(removed) > 0 {
		message += "; the VM's old disks " + strings.Join(removed, ", ") + " were deleted"
	}
	c.succeed(r, now, message)
	return 0, nil
}

// waitForRunningTarget applies a targetReadinessPolicy other than
// StopTarget to a running VM.
func (c *Controller) waitForRunningTarget(r *snapshotapi.VirtualMachineRestore, vm *kubevirtv1.VirtualMachine,
	deadline controller.Deadline, now time.Time,
) (time.Duration, error) {
	running := fmt.Sprintf("VirtualMachine %s is running", vm.Name)
	switch r.Spec.GetTargetReadinessPolicy() {
	case snapshotapi.TargetReadinessFailImmediate:
		c.fail(r, now, ReasonTargetRunning, running+" and targetReadinessPolicy is FailImmediate; "+
			"stop the VM and create the restore again, or use targetReadinessPolicy StopTarget")
		return 0, nil
	case snapshotapi.TargetReadinessWaitEventually:
		return c.wait(r, controller.Deadline{}, now, blocker{ReasonTargetRunning,
			running + "; the restore starts once it is stopped (targetReadinessPolicy WaitEventually)"})
	default:
		return c.wait(r, deadline, now, blocker{ReasonTargetRunning, running +
			"; the restore starts once it is stopped, and fails if it still runs at the failureDeadline (targetReadinessPolicy WaitGracePeriodAndFail)"})
	}
}

// busyWith says why another operation holds the VM: a snapshot of it, or
// another restore.
func busyWith(vm *kubevirtv1.VirtualMachine, restore string) (string, bool) {
	holder := ptr.Deref(vm.Status.RestoreInProgress, "")
	switch {
	case holder == restore:
		return "", false
	case holder != "":
		return fmt.Sprintf("restore %s of VirtualMachine %s is in progress; this one waits its turn", holder, vm.Name), true
	case vm.Status.SnapshotInProgress != nil:
		return fmt.Sprintf("snapshot %s of VirtualMachine %s is in progress; the restore waits for it to finish", *vm.Status.SnapshotInProgress, vm.Name), true
	}
	return "", false
}

// stopTarget halts the VM, recording its run strategy and that this restore
// stopped it, and then locks it; the restore goes on once its instance is
// gone (KubeVirt deletes it). The halt comes first: KubeVirt refuses a run
// strategy change while status.restoreInProgress is set.
func (c *Controller) stopTarget(ctx context.Context, r *snapshotapi.VirtualMachineRestore, vm *kubevirtv1.VirtualMachine,
	deadline controller.Deadline, now time.Time,
) (time.Duration, error) {
	r.Status.Phase = snapshotapi.RestoreInProgress
	if vm.Annotations[AnnStoppedByRestore] != string(r.UID) {
		if ptr.Deref(vm.Status.RestoreInProgress, "") == r.Name {
			// Locked, but not halted by this restore (a VM the user started
			// again): the lock goes first, so that the halt is allowed.
			if _, err := c.unlockVM(ctx, vm); err != nil {
				return c.requeueOrFail(r, deadline, now, err)
			}
			return c.progress(r, deadline, now, ReasonStoppingTarget, fmt.Sprintf(
				"VirtualMachine %s runs again; it is stopped again before it is restored", vm.Name))
		}
		updated := vm.DeepCopy()
		if updated.Annotations == nil {
			updated.Annotations = map[string]string{}
		}
		updated.Annotations[AnnRunStrategyBeforeRestore] = string(runStrategyOf(vm))
		updated.Annotations[AnnStoppedByRestore] = string(r.UID)
		stopped(&updated.Spec)
		halted, err := c.kubevirt.KubevirtV1().VirtualMachines(vm.Namespace).Update(ctx, updated, metav1.UpdateOptions{})
		if err != nil {
			return c.requeueOrFail(r, deadline, now, fmt.Errorf("halting VirtualMachine %s: %w", vm.Name, err))
		}
		klog.FromContext(ctx).V(2).Info("Stopping the VM to restore it", "vm", klog.KObj(vm), "runStrategyBefore", runStrategyOf(vm))
		vm = halted
	}
	if _, err := c.lockVM(ctx, vm, r.Name); err != nil {
		return c.requeueOrFail(r, deadline, now, err)
	}
	return c.progress(r, deadline, now, ReasonStoppingTarget, fmt.Sprintf(
		"stopping VirtualMachine %s (targetReadinessPolicy StopTarget); the restore goes on once its instance is gone, and starts it again after", vm.Name))
}

func runStrategyOf(vm *kubevirtv1.VirtualMachine) kubevirtv1.VirtualMachineRunStrategy {
	switch {
	case vm.Spec.RunStrategy != nil:
		return *vm.Spec.RunStrategy
	case ptr.Deref(vm.Spec.Running, false):
		return kubevirtv1.RunStrategyAlways
	default:
		return kubevirtv1.RunStrategyHalted
	}
}

// restoreClaims creates the restored claims. A claim that replaces the VM's
// own claim of the same name (volumeRestorePolicy InPlace) is created once
// the old one is gone; restoreClaims deletes the old ones and returns those
// still going. A new claim is controlled by the VM when the claim it
// replaces in the VM was (for InPlace the old claim is gone by then, and
// the new one is not: KubeVirt's own disks are owned through DataVolumes).
func (c *Controller) restoreClaims(ctx context.Context, r *snapshotapi.VirtualMachineRestore, p *plan, vm *kubevirtv1.VirtualMachine) ([]string, error) {
	var waiting []string
	for _, step := range p.dataVolumes {
		if old := step.replaces; old != nil {
			waiting = append(waiting, "DataVolume "+old.Name)
			if old.DeletionTimestamp == nil {
				if err := ignoreNotFound(c.cdi.CdiV1beta1().DataVolumes(old.Namespace).Delete(ctx, old.Name, preconditions(old.UID))); err != nil {
					return nil, fmt.Errorf("deleting the VM's DataVolume %s to create it again: %w", old.Name, err)
				}
			}
		}
	}
	for _, step := range p.claims {
		if old := step.replaces; old != nil {
			waiting = append(waiting, "PersistentVolumeClaim "+old.Name)
			if old.DeletionTimestamp == nil {
				if err := ignoreNotFound(c.kube.CoreV1().PersistentVolumeClaims(old.Namespace).Delete(ctx, old.Name, preconditions(old.UID))); err != nil {
					return nil, fmt.Errorf("deleting the VM's PersistentVolumeClaim %s to create it again: %w", old.Name, err)
				}
				klog.FromContext(ctx).V(2).Info("Deleted the VM's claim to create it again from the snapshot", "claim", klog.KObj(old))
			}
			continue
		}
		claim := step.claim
		if c.controlledByVM(vm, step.volumeName) {
			claim = claim.DeepCopy()
			claim.OwnerReferences = append(claim.OwnerReferences, *metav1.NewControllerRef(vm, kubevirtv1.VirtualMachineGroupVersionKind))
		}
		if err := c.createClaim(ctx, r, claim); err != nil {
			return nil, err
		}
	}
	if step := p.persistentState; step != nil && step.claim != nil && len(waiting) == 0 {
		// Without the label until the VM's own claims are deleted
		// (replacePersistentState): KubeVirt must never see two.
		unlabelled := controlledBy(step.claim, vm)
		delete(unlabelled.Labels, controller.LabelPersistentStateFor)
		if err := c.createClaim(ctx, r, unlabelled); err != nil {
			return nil, err
		}
	}
	return waiting, nil
}

// controlledBy is a copy of a restored backend-storage claim controlled by
// the VM, as KubeVirt makes them: it goes when the VM is deleted.
func controlledBy(claim *corev1.PersistentVolumeClaim, vm *kubevirtv1.VirtualMachine) *corev1.PersistentVolumeClaim {
	claim = claim.DeepCopy()
	claim.OwnerReferences = append(claim.OwnerReferences, *metav1.NewControllerRef(vm, kubevirtv1.VirtualMachineGroupVersionKind))
	return claim
}

// replacePersistentState, after the commit, deletes the VM's own
// backend-storage claims and then labels the restored one for the VM, so
// that KubeVirt finds it. Each step is repeated until it is seen done: a
// claim being deleted is one KubeVirt no longer takes.
func (c *Controller) replacePersistentState(ctx context.Context, r *snapshotapi.VirtualMachineRestore, p *plan, vm *kubevirtv1.VirtualMachine) error {
	step := p.persistentState
	if step == nil {
		return nil
	}
	for _, old := range step.replaces {
		if old.DeletionTimestamp != nil {
			continue
		}
		if err := ignoreNotFound(c.kube.CoreV1().PersistentVolumeClaims(old.Namespace).Delete(ctx, old.Name, preconditions(old.UID))); err != nil {
			return fmt.Errorf("deleting the VM's persistent TPM and EFI state, PersistentVolumeClaim %s, to replace it: %w", old.Name, err)
		}
		klog.FromContext(ctx).V(2).Info("Deleted the VM's backend-storage claim to replace it by the snapshot's", "claim", klog.KObj(old))
	}
	if step.claim == nil {
		return nil
	}
	restored := c.knownClaim(r.Namespace, step.claim.Name)
	if restored == nil {
		return c.createClaim(ctx, r, controlledBy(step.claim, vm))
	}
	if !ours(r, restored) {
		return errNotOurs(kindClaim, restored.Name)
	}
	if restored.Labels[controller.LabelPersistentStateFor] == vm.Name {
		return nil
	}
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"labels": map[string]string{controller.LabelPersistentStateFor: vm.Name}}})
	if err != nil {
		return err
	}
	if _, err := c.kube.CoreV1().PersistentVolumeClaims(r.Namespace).Patch(ctx, restored.Name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		return fmt.Errorf("labelling PersistentVolumeClaim %s as the persistent TPM and EFI state of VirtualMachine %s: %w", restored.Name, vm.Name, err)
	}
	return nil
}

// controlledByVM reports whether the claim a VM volume uses now is
// controlled by the VM.
func (c *Controller) controlledByVM(vm *kubevirtv1.VirtualMachine, volumeName string) bool {
	if vm.Spec.Template == nil {
		return false
	}
	for _, v := range vm.Spec.Template.Spec.Volumes {
		if v.Name != volumeName || v.PersistentVolumeClaim == nil {
			continue
		}
		claim, err := c.claims.PersistentVolumeClaims(vm.Namespace).Get(v.PersistentVolumeClaim.ClaimName)
		return err == nil && metav1.IsControlledBy(claim, vm)
	}
	return false
}

// commit replaces the VM's labels, annotations and spec by the restored
// ones, keeping its identity and run strategy, and records the restore's
// UID in the same update.
func (c *Controller) commit(ctx context.Context, r *snapshotapi.VirtualMachineRestore, p *plan, vm *kubevirtv1.VirtualMachine) (*kubevirtv1.VirtualMachine, error) {
	updated := vm.DeepCopy()
	updated.Labels = maps.Clone(p.vm.Labels)
	updated.Annotations = maps.Clone(p.vm.Annotations)
	if updated.Annotations == nil {
		updated.Annotations = map[string]string{}
	}
	for _, kept := range []string{AnnRunStrategyBeforeRestore, AnnStoppedByRestore} {
		if v, ok := vm.Annotations[kept]; ok {
			updated.Annotations[kept] = v
		}
	}
	updated.Annotations[AnnLastRestoreUID] = string(r.UID)
	updated.Spec = *p.vm.Spec.DeepCopy()
	updated.Spec.RunStrategy, updated.Spec.Running = vm.Spec.RunStrategy, vm.Spec.Running
	committed, err := c.kubevirt.KubevirtV1().VirtualMachines(vm.Namespace).Update(ctx, updated, metav1.UpdateOptions{})
	if err != nil {
		return nil, fmt.Errorf("replacing the spec of VirtualMachine %s: %w", vm.Name, err)
	}
	klog.FromContext(ctx).V(2).Info("Replaced the VM's spec by the snapshot's", "vm", klog.KObj(vm))
	return committed, nil
}

// deleteOldDisks deletes, after the commit, the claims and DataVolumes the
// VM controls and no longer uses, unless another VM uses them.
func (c *Controller) deleteOldDisks(ctx context.Context, r *snapshotapi.VirtualMachineRestore, vm *kubevirtv1.VirtualMachine) ([]string, error) {
	uses := claimsOf(vm)
	old := func(obj metav1.Object) bool {
		return metav1.IsControlledBy(obj, vm) && !uses[obj.GetName()] && !ours(r, obj) && obj.GetDeletionTimestamp() == nil &&
			len(c.claimUsers(vm.Namespace, obj.GetName(), vm.Name)) == 0
	}
	var removed []string
	claims, err := c.claims.PersistentVolumeClaims(vm.Namespace).List(everything)
	if err != nil {
		return nil, err
	}
	for _, claim := range claims {
		// The VM's backend storage is KubeVirt's, used though no volume
		// names it; only replacePersistentState replaces it.
		if old(claim) && !controller.IsPersistentStateClaimOf(claim, vm.Name) {
			if err := ignoreNotFound(c.kube.CoreV1().PersistentVolumeClaims(vm.Namespace).Delete(ctx, claim.Name, preconditions(claim.UID))); err != nil {
				return nil, fmt.Errorf("deleting the VM's old PersistentVolumeClaim %s: %w", claim.Name, err)
			}
			removed = append(removed, "PersistentVolumeClaim "+claim.Name)
		}
	}
	if c.dataVolumesOK() {
		dvs, err := c.dataVolumes.Namespace(vm.Namespace).List(everything)
		if err != nil {
			return nil, err
		}
		for _, dv := range dvs {
			if old(dv) {
				if err := ignoreNotFound(c.cdi.CdiV1beta1().DataVolumes(vm.Namespace).Delete(ctx, dv.Name, preconditions(dv.UID))); err != nil {
					return nil, fmt.Errorf("deleting the VM's old DataVolume %s: %w", dv.Name, err)
				}
				removed = append(removed, "DataVolume "+dv.Name)
			}
		}
	}
	slices.Sort(removed)
	return removed, nil
}

// claimUsers names the VMs of a namespace, other than except, whose spec
// uses a claim.
func (c *Controller) claimUsers(namespace, claim, except string) []string {
	vms, _ := c.vms.Namespace(namespace).List(everything)
	var users []string
	for _, vm := range vms {
		if vm.Name != except && claimsOf(vm)[claim] {
			users = append(users, vm.Name)
		}
	}
	slices.Sort(users)
	return users
}

// --- The VM lock ----------------------------------------------------------------

// lockVM names the restore in the VM's status.restoreInProgress, which keeps
// KubeVirt from starting it. The update carries the resourceVersion that was
// read, so two restores cannot both win.
func (c *Controller) lockVM(ctx context.Context, vm *kubevirtv1.VirtualMachine, restore string) (*kubevirtv1.VirtualMachine, error) {
	if ptr.Deref(vm.Status.RestoreInProgress, "") == restore {
		return vm, nil
	}
	vm = vm.DeepCopy()
	vm.Status.RestoreInProgress = ptr.To(restore)
	locked, err := c.kubevirt.KubevirtV1().VirtualMachines(vm.Namespace).UpdateStatus(ctx, vm, metav1.UpdateOptions{})
	if err != nil {
		return nil, fmt.Errorf("locking VirtualMachine %s (status.restoreInProgress): %w", vm.Name, err)
	}
	return locked, nil
}

// releaseVM clears the restore's status.restoreInProgress on a VM, and then
// gives back the run strategy the restore stopped it from, if it did: KubeVirt
// refuses a run strategy change while the lock is held. A crash between the
// two leaves the annotations that let the next call finish. A run strategy
// other than Halted was set by the user after the restore halted the VM:
// the user's last word wins.
func (c *Controller) releaseVM(ctx context.Context, r *snapshotapi.VirtualMachineRestore, vm *kubevirtv1.VirtualMachine) error {
	if ptr.Deref(vm.Status.RestoreInProgress, "") == r.Name {
		unlocked, err := c.unlockVM(ctx, vm)
		if err != nil || unlocked == nil {
			return err
		}
		vm = unlocked
	}
	if vm.Annotations[AnnStoppedByRestore] != string(r.UID) {
		return nil
	}
	before := vm.Annotations[AnnRunStrategyBeforeRestore]
	updated := vm.DeepCopy()
	delete(updated.Annotations, AnnRunStrategyBeforeRestore)
	delete(updated.Annotations, AnnStoppedByRestore)
	if runStrategyOf(vm) == kubevirtv1.RunStrategyHalted && before != "" {
		updated.Spec.Running = nil
		updated.Spec.RunStrategy = ptr.To(kubevirtv1.VirtualMachineRunStrategy(before))
	}
	if _, err := c.kubevirt.KubevirtV1().VirtualMachines(vm.Namespace).Update(ctx, updated, metav1.UpdateOptions{}); ignoreNotFound(err) != nil {
		return fmt.Errorf("giving VirtualMachine %s back its run strategy %s: %w", updated.Name, before, err)
	}
	klog.FromContext(ctx).V(2).Info("Gave the VM back its run strategy", "vm", klog.KObj(vm), "runStrategy", before)
	return nil
}

// unlockVM clears status.restoreInProgress; it returns nil for a VM that is
// gone.
func (c *Controller) unlockVM(ctx context.Context, vm *kubevirtv1.VirtualMachine) (*kubevirtv1.VirtualMachine, error) {
	vm = vm.DeepCopy()
	vm.Status.RestoreInProgress = nil
	unlocked, err := c.kubevirt.KubevirtV1().VirtualMachines(vm.Namespace).UpdateStatus(ctx, vm, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("unlocking VirtualMachine %s (status.restoreInProgress): %w", vm.Name, err)
	}
	return unlocked, nil
}
