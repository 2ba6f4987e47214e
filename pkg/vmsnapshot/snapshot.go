// Package vmsnapshot is the VirtualMachineSnapshot controller.
//
// Phase machine (one sync computes the whole status and writes it once):
//
//	"" ─► Pending ──(disks ready, consistency possible, VM lock taken)──► InProgress ──(every VolumeSnapshot ready)──► Ready
//	        │  waits: VM missing, disk not ready/resizing,                    │ freeze ─► create VolumeSnapshots ─► all cut ─► thaw
//	        │  RestartRequired, no agent (required consistency),              │
//	        │  no VolumeSnapshotClass, other snapshot holds the VM            │
//	        └──────────────(failureDeadline passes)──────────────► Failed ◄───┘  (thaw, delete content and VolumeSnapshots, unlock)
//	any phase ──(deleted)──► Terminating ──(thawed, unlocked, content deleted or retained)──► finalizer released
//
// Ownership: VirtualMachineSnapshot ◄─owner─ VirtualMachineSnapshotContent
// ◄─owner─ VolumeSnapshots and Secret copies. The VM's status.snapshotInProgress
// names the one snapshot that may freeze it: concurrent snapshots of one VM
// take turns and never thaw each other. Child names derive from the
// snapshot's UID, so a retry after a crash finds what it already made.
package vmsnapshot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	groupsnapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumegroupsnapshot/v1"
	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"
	cdiv1 "kubevirt.io/containerized-data-importer-api/pkg/apis/core/v1beta1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/controller"
	"vmsnap.io/vmsnap/pkg/freeze"
	"vmsnap.io/vmsnap/pkg/metrics"
)

const (
	// Finalizer guards the cleanup of a snapshot: thaw, unlock, content.
	Finalizer = "snapshot.vmsnap.io/vmsnapshot-protection"
	// LabelSnapshotName is set on the content and the VolumeSnapshots of a snapshot.
	LabelSnapshotName = "snapshot.vmsnap.io/vmsnapshot"
	// LabelVolumeName is set on each VolumeSnapshot: the VM volume it holds.
	LabelVolumeName = "snapshot.vmsnap.io/volume"
	// AnnotationGuestFreeze marked the contents of guest-frozen snapshots
	// before contents recorded their indications; it is still read.
	AnnotationGuestFreeze = "snapshot.vmsnap.io/guest-freeze"
	// AnnotationFrozenAt and AnnotationAutoThawAt record on a VolumeSnapshot
	// the freeze window it was created in (freeze.Window).
	AnnotationFrozenAt   = freeze.AnnotationFrozenAt
	AnnotationAutoThawAt = freeze.AnnotationAutoThawAt
)

// Reasons of the Ready and Progressing conditions beyond the waiting ones.
const (
	ReasonInProgress       = "InProgress"
	ReasonReady            = "Ready"
	ReasonDeadlineExceeded = "DeadlineExceeded"
	ReasonQuiesceTimeout   = "QuiesceTimeout"
	ReasonVolumeLost       = "VolumeSnapshotMissing"
	ReasonSourceReplaced   = "SourceReplaced"
	ReasonDeleting         = "Deleting"
	// ReasonStorageError: still in progress, but a VolumeSnapshot reports an
	// error (the snapshot fails with it at its deadline, if it has one).
	ReasonStorageError = "VolumeSnapshotError"
	// ReasonThawFailed: every volume is cut, but the guest could not be
	// thawed; the thaw is retried until the deadline.
	ReasonThawFailed = "ThawFailed"
)

var everything = labels.Everything()

// ContentName is the name of the content of a snapshot.
func ContentName(snap *snapshotapi.VirtualMachineSnapshot) string {
	return "vmsnapshot-content-" + string(snap.UID)
}

// VolumeSnapshotName is the name of the VolumeSnapshot of one VM volume.
func VolumeSnapshotName(snapUID types.UID, volumeName string) string {
	return "vmsnapshot-" + string(snapUID) + "-" + volumeName
}

// SecretBackupName is the name of the copy of one Secret the VM uses.
func SecretBackupName(snapUID types.UID, secretName string) string {
	sum := sha256.Sum256([]byte(secretName))
	return "vmsnapshot-" + string(snapUID) + "-secret-" + hex.EncodeToString(sum[:5])
}

func (c *Controller) sync(ctx context.Context, key string) (time.Duration, error) {
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	cached, err := c.snapshots.VirtualMachineSnapshots(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		c.lifecycle.Forget(key)
		c.progress.Done(key)
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if c.catchingUp() {
		return controller.CacheRecheck, nil
	}
	s := c.lifecycle.Begin(ctx, key, cached)
	ctx = klog.NewContext(ctx, klog.FromContext(ctx).WithValues("vmsnapshot", klog.KObj(cached)))
	if err := s.EnsureFinalizer(ctx); err != nil {
		return 0, err
	}
	snap := s.Object
	old := snap.Status.DeepCopy()

	var requeue time.Duration
	var syncErr error
	cleanedUp := false
	switch {
	case snap.DeletionTimestamp != nil:
		cleanedUp, requeue, syncErr = c.syncDeletion(ctx, snap)
	case snap.Status.Phase == snapshotapi.SnapshotReady:
		c.syncReady(snap)
	case snap.Status.Phase == snapshotapi.SnapshotFailed:
	default:
		requeue, syncErr = c.syncInProgress(ctx, snap)
	}

	wait, err := c.writeStatus(ctx, key, s, old)
	if err != nil {
		return 0, err
	}
	if wait > 0 {
		requeue = controller.Sooner(requeue, wait)
	}
	switch {
	case cleanedUp:
		return 0, s.ReleaseFinalizer(ctx)
	case snap.DeletionTimestamp != nil:
	case snap.Status.Phase == snapshotapi.SnapshotFailed:
		if err := c.cleanUpFailed(ctx, snap); err != nil {
			return 0, err
		}
	case snap.Status.Phase == snapshotapi.SnapshotReady:
		// Also after a crash between the Ready write and the unlock.
		if err := c.unlockVM(ctx, snap); err != nil {
			return 0, err
		}
	}
	return requeue, syncErr
}

// writeStatus writes the status once, if it changed. A change that only
// reports progress waits up to controller.ProgressInterval; it returns how
// much longer it may wait.
func (c *Controller) writeStatus(ctx context.Context, key string, s *controller.Sync[*snapshotapi.VirtualMachineSnapshot],
	old *snapshotapi.VirtualMachineSnapshotStatus,
) (time.Duration, error) {
	snap := s.Object
	if !s.StatusChanged() {
		c.progress.Done(key)
		return 0, nil
	}
	if progressOnly(old, &snap.Status) {
		// The cut waits for readiness up to ProgressInterval; longer when
		// the storage has finished every volume, so that readiness is only
		// snapshot-controller's copy away (under load, seconds) and the
		// cut is written with it.
		cut := old.CreationTime == nil && snap.Status.CreationTime != nil && !c.readySoon(snap)
		if wait := c.progress.Wait(key, c.clock.Now(), cut); wait > 0 {
			return wait, nil
		}
	}
	if _, err := s.WriteStatus(ctx); err != nil {
		return 0, err
	}
	c.progress.Done(key)
	if snap.Status.CreationTime != nil {
		c.cuts.Delete(snap.UID) // the status now tells it
	}
	return 0, nil
}

// readySoon reports whether every VolumeSnapshot of the snapshot is cut
// and finished on the storage, and only its readyToUse is to come.
func (c *Controller) readySoon(snap *snapshotapi.VirtualMachineSnapshot) bool {
	content, err := c.content(snap, c.clock.Now())
	if err != nil || content == nil {
		return false
	}
	observed, _ := c.observe(snap, content)
	return observed.readySoon
}

// progressOnly reports whether a status change only reports progress:
// the snapshot stays InProgress, with the same reasons, errors and
// indications; its messages change, or it gains its creationTime (the cut,
// which this controller also remembers in memory until it is written).
func progressOnly(old, status *snapshotapi.VirtualMachineSnapshotStatus) bool {
	if old.Phase != snapshotapi.SnapshotInProgress || status.Phase != snapshotapi.SnapshotInProgress ||
		controller.ReadyReason(old.Conditions) != controller.ReadyReason(status.Conditions) {
		return false
	}
	progressed := status.DeepCopy()
	progressed.CreationTime, progressed.Conditions = old.CreationTime, old.Conditions
	return equality.Semantic.DeepEqual(old, progressed)
}

func (c *Controller) recordFinished(snap *snapshotapi.VirtualMachineSnapshot) {
	now := c.clock.Now()
	switch snap.Status.Phase {
	case snapshotapi.SnapshotReady, snapshotapi.SnapshotFailed:
		c.metrics.Finished(metrics.KindVirtualMachineSnapshot, string(snap.Status.Phase), snap.CreationTimestamp.Time, now)
	}
	deadline := controller.Deadline{Start: snap.CreationTimestamp.Time, Length: snap.Spec.GetFailureDeadline()}
	if snap.Status.Phase == snapshotapi.SnapshotFailed && deadline.Exceeded(now) {
		c.metrics.DeadlineExceeded(metrics.KindVirtualMachineSnapshot)
	}
}

func (c *Controller) recordPhase(snap *snapshotapi.VirtualMachineSnapshot) {
	if !controller.PhaseWorthAnEvent(snap.Status.Phase) {
		return
	}
	ready := meta(snap.Status.Conditions, snapshotapi.ConditionReady)
	message := string(snap.Status.Phase)
	if ready != nil && ready.Message != "" {
		message = ready.Message
	}
	eventType := corev1.EventTypeNormal
	if snap.Status.Phase == snapshotapi.SnapshotFailed {
		eventType = corev1.EventTypeWarning
	}
	c.recorder.Event(snap, eventType, "Snapshot"+string(snap.Status.Phase), message)
}

// --- In progress -----------------------------------------------------------

// syncInProgress drives a snapshot from Pending to Ready or Failed.
func (c *Controller) syncInProgress(ctx context.Context, snap *snapshotapi.VirtualMachineSnapshot) (time.Duration, error) {
	now := c.clock.Now()
	deadline := controller.Deadline{Start: snap.CreationTimestamp.Time, Length: snap.Spec.GetFailureDeadline()}
	if snap.Status.Phase == "" {
		snap.Status.Phase = snapshotapi.SnapshotPending
	}
	if !c.volumeSnapshotsOK() {
		requeue, err := c.wait(snap, deadline, now, blocker{ReasonVolumeSnapshotAPI,
			"the VolumeSnapshot API (snapshot.storage.k8s.io/v1) is not served or not synced yet; install the CSI snapshot CRDs and snapshot-controller"})
		return controller.Sooner(requeue, controller.CacheRecheck), err
	}
	if snap.Spec.Source.Kind == "VirtualMachineSnapshotContent" {
		return c.syncBound(ctx, snap, deadline, now)
	}
	if !c.kubeVirtOK() {
		requeue, err := c.wait(snap, deadline, now, blocker{ReasonSourceNotFound,
			"the KubeVirt API (kubevirt.io/v1 virtualmachines) is not served or not synced yet"})
		return controller.Sooner(requeue, controller.CacheRecheck), err
	}
	vm, err := c.vms.Namespace(snap.Namespace).Get(snap.Spec.Source.Name)
	if err != nil && !apierrors.IsNotFound(err) {
		return 0, err
	}
	content, err := c.content(snap, now)
	if err != nil && !apierrors.IsNotFound(err) {
		return 0, err
	}
	if content != nil && !ownContent(snap, content) {
		conflict := &nameConflict{kind: "VirtualMachineSnapshotContent", name: content.Name}
		return c.wait(snap, deadline, now, blocker{ReasonNameConflict, conflict.Error()})
	}
	// The status as synced, before this sync derives anything into it.
	recorded := ptr.Deref(snap.Status.VirtualMachineSnapshotContentName, "")
	if content != nil {
		deriveFromContent(snap, content)
	}
	if vm == nil || (snap.Status.SourceUID != nil && *snap.Status.SourceUID != vm.UID) {
		if content != nil && c.cut(snap, content) {
			// The VM went after the cut (its source protection is removed
			// then): the content and the VolumeSnapshots hold all the
			// snapshot needs, and it completes from them.
			snap.Status.Phase = snapshotapi.SnapshotInProgress
			return c.takeVolumeSnapshots(ctx, snap, content, nil, deadline, now)
		}
		if vm == nil {
			return c.wait(snap, deadline, now, blocker{ReasonSourceNotFound,
				fmt.Sprintf("VirtualMachine %s does not exist", snap.Spec.Source.Name)})
		}
		c.fail(snap, now, ReasonSourceReplaced, fmt.Sprintf("VirtualMachine %s was deleted and created again during the snapshot", vm.Name))
		return 0, nil
	}
	vmi, err := c.vmis.Namespace(snap.Namespace).Get(vm.Name)
	if apierrors.IsNotFound(err) {
		vmi = nil
	} else if err != nil {
		return 0, err
	}
	if content == nil {
		content, err = c.start(ctx, snap, vm, vmi, freeze.DecideMode(vmi), deadline, now)
		if err != nil || content == nil {
			return c.requeueOrFail(snap, deadline, now, err)
		}
	}
	snap.Status.Phase = snapshotapi.SnapshotInProgress
	content, released, err := c.releaseRetainedContent(ctx, snap, content, recorded)
	if err != nil {
		return c.requeueOrFail(snap, deadline, now, err)
	}
	if !released {
		// Nothing is cut before the status names the content; writing it
		// wakes the next sync.
		return c.inProgress(snap, deadline, now, ReasonInProgress, "recording the content before the cut", ReasonDeadlineExceeded), nil
	}
	return c.takeVolumeSnapshots(ctx, snap, content, vmi, deadline, now)
}

// cut reports whether every volume of the content was cut: the status or
// the content says so, or every VolumeSnapshot has its creation time.
func (c *Controller) cut(snap *snapshotapi.VirtualMachineSnapshot, content *snapshotapi.VirtualMachineSnapshotContent) bool {
	if snap.Status.CreationTime != nil || content.Status.CreationTime != nil {
		return true
	}
	observed, _ := c.observe(snap, content)
	return observed.allCut
}

// deriveFromContent sets what the content recorded at the start of the
// snapshot. Every sync derives it again rather than trusting the status: a
// status write lost after the content was made (a crash, a refused call)
// loses nothing.
func deriveFromContent(snap *snapshotapi.VirtualMachineSnapshot, content *snapshotapi.VirtualMachineSnapshotContent) {
	snap.Status.VirtualMachineSnapshotContentName = ptr.To(content.Name)
	if content.Spec.SourceUID != nil {
		snap.Status.SourceUID = content.Spec.SourceUID
	}
	snap.Status.SnapshotVolumes = &snapshotapi.SnapshotVolumesLists{
		IncludedVolumes: includedVolumes(content),
		ExcludedVolumes: content.Spec.ExcludedVolumes,
	}
	if content.Spec.Indications != nil || content.Spec.SourceUID != nil {
		snap.Status.Indications = slices.Clone(content.Spec.Indications)
	}
}

// includedVolumes are the VM volumes a content holds a backup of.
func includedVolumes(content *snapshotapi.VirtualMachineSnapshotContent) []string {
	var names []string
	for _, b := range content.Spec.VolumeBackups {
		names = append(names, b.VolumeName)
	}
	return names
}

// content returns the snapshot's content from the cache, or the one this
// controller created or updated and the cache does not show yet.
func (c *Controller) content(snap *snapshotapi.VirtualMachineSnapshot, now time.Time) (*snapshotapi.VirtualMachineSnapshotContent, error) {
	key := snap.Namespace + "/" + ContentName(snap)
	cached, err := c.contents.VirtualMachineSnapshotContents(snap.Namespace).Get(ContentName(snap))
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, err
	}
	if content, ok := c.createdContents.Lookup(key, cached, err, now); ok {
		return c.writtenContents.Latest(key, content), nil
	}
	return nil, err
}

// start checks that the snapshot can begin, takes the VM lock and creates the
// content. It returns a nil content when the snapshot must wait.
func (c *Controller) start(ctx context.Context, snap *snapshotapi.VirtualMachineSnapshot, vm *kubevirtv1.VirtualMachine,
	vmi *kubevirtv1.VirtualMachineInstance, mode freeze.Mode, deadline controller.Deadline, now time.Time,
) (*snapshotapi.VirtualMachineSnapshotContent, error) {
	if restore := ptr.Deref(vm.Status.RestoreInProgress, ""); restore != "" {
		_, err := c.wait(snap, deadline, now, blocker{ReasonRestoreInProgress, fmt.Sprintf(
			"VirtualMachineRestore %s is restoring the VM; the snapshot waits until it is done", restore)})
		return nil, err
	}
	if vm.DeletionTimestamp != nil {
		_, err := c.wait(snap, deadline, now, blocker{ReasonSourceNotFound, fmt.Sprintf(
			"VirtualMachine %s is being deleted", vm.Name)})
		return nil, err
	}
	if holder, busy := freeze.HeldByOther(c.freezer.LatestVM(vm), snap.Name); busy {
		_, err := c.wait(snap, deadline, now, blocker{ReasonWaitingForVM, fmt.Sprintf(
			"snapshot %s of the same VM is in progress; this one waits its turn", holder)})
		return nil, err
	}
	plan := c.plan(snap, vm, vmi)
	group := c.planGroup(snap, plan)
	blockers := append(plan.blockers, consistencyBlockers(snap, mode)...)
	blockers = append(blockers, groupBlockers(&snap.Spec, group)...)
	secrets, secretBlockers, err := c.readSecrets(ctx, snap.Namespace, vm)
	if err != nil {
		return nil, err
	}
	blockers = append(blockers, secretBlockers...)
	revisions, revisionBlockers, err := c.readInstancetypeRevisions(ctx, vm)
	if err != nil {
		return nil, err
	}
	blockers = append(blockers, revisionBlockers...)
	blockers = append(blockers, c.volumeSnapshotConflicts(snap, plan, group)...)
	// Everything that can be checked is, before the VM is locked: a content
	// the API server would refuse must not leave the VM locked.
	content := newContent(snap, vm, vmi, mode, plan, group, secrets)
	content.Spec.InstancetypeRevisions = revisions
	blockers = append(blockers, contentLimits(content)...)
	if len(blockers) > 0 {
		_, err := c.wait(snap, deadline, now, blockers...)
		return nil, err
	}

	if err := c.freezer.Lock(ctx, vm, snap.Name); err != nil {
		return nil, fmt.Errorf("locking VirtualMachine %s for the snapshot: %w", vm.Name, err)
	}
	// The VM cannot be deleted before its disks are cut; the content is
	// made only once it is protected.
	if err := c.freezer.Protect(ctx, vm, snap.Name); err != nil {
		return nil, fmt.Errorf("protecting VirtualMachine %s from deletion until the cut: %w", vm.Name, err)
	}
	content, err = c.createContent(ctx, snap, content, secrets)
	if err != nil {
		return nil, err
	}
	deriveFromContent(snap, content)
	return content, nil
}

func (c *Controller) plan(snap *snapshotapi.VirtualMachineSnapshot, vm *kubevirtv1.VirtualMachine, vmi *kubevirtv1.VirtualMachineInstance) volumePlan {
	classes, _ := c.snapshotClasses.List(everything)
	in := planInputs{
		spec: &snap.Spec,
		vm:   vm,
		vmi:  vmi,
		claim: func(name string) *corev1.PersistentVolumeClaim {
			pvc, _ := c.claims.PersistentVolumeClaims(snap.Namespace).Get(name)
			return pvc
		},
		storageClass: func(name string) *storagev1.StorageClass {
			sc, _ := c.storageClasses.Get(name)
			return sc
		},
		snapshotClasses: classes,
		persistentStateClaims: func() []*corev1.PersistentVolumeClaim {
			claims, _ := c.claims.PersistentVolumeClaims(snap.Namespace).List(everything)
			return controller.PersistentStateClaims(claims, vm.Name)
		},
	}
	if c.dataVolumesOK() {
		in.dataVolume = func(name string) *cdiv1.DataVolume {
			dv, _ := c.dataVolumes.Namespace(snap.Namespace).Get(name)
			return dv
		}
	}
	return planVolumes(in)
}

// planGroup decides from the cache whether the planned disks are cut together.
func (c *Controller) planGroup(snap *snapshotapi.VirtualMachineSnapshot, plan volumePlan) groupPlan {
	classes, _ := c.snapshotClasses.List(everything)
	served := c.groupSnapshotsOK()
	var groupClasses []*groupsnapshotv1.VolumeGroupSnapshotClass
	if served {
		groupClasses, _ = c.groupClasses.List(everything)
	}
	return planGroup(&snap.Spec, plan.included, classes, groupClasses, served)
}

// consistencyBlockers says why a consistent snapshot cannot be taken now.
func consistencyBlockers(snap *snapshotapi.VirtualMachineSnapshot, mode freeze.Mode) []blocker {
	switch mode {
	case freeze.Starting:
		return []blocker{{ReasonNotSettled, "the VM is starting; the snapshot waits until it runs or stops"}}
	case freeze.NoAgent:
		if snap.Spec.IsConsistencyRequired() {
			return []blocker{{ReasonNoGuestAgent, "the VM is running without a connected guest agent, so its filesystems cannot be frozen; " +
				"stop the VM, connect the guest agent, or set requiredConsistency: false for a crash-consistent snapshot"}}
		}
	case freeze.Paused:
		if snap.Spec.IsConsistencyRequired() {
			return []blocker{{ReasonPaused, "the VM is paused, so its filesystems cannot be frozen; " +
				"unpause or stop it, or set requiredConsistency: false for a crash-consistent snapshot"}}
		}
	}
	return nil
}

// takeVolumeSnapshots freezes the VM if it can, creates the VolumeSnapshots,
// thaws as soon as every one is cut, and reports Ready once all are ready.
// Whether the cut is consistent is read from the VolumeSnapshots' freeze
// windows, never from memory, so a restart cannot make two moments look
// like one.
func (c *Controller) takeVolumeSnapshots(ctx context.Context, snap *snapshotapi.VirtualMachineSnapshot,
	content *snapshotapi.VirtualMachineSnapshotContent, vmi *kubevirtv1.VirtualMachineInstance,
	deadline controller.Deadline, now time.Time,
) (time.Duration, error) {
	observed, group := c.observe(snap, content)
	// Once cut, a snapshot never cuts again: a VolumeSnapshot lost later is
	// an error, not one to retake at another point in time.
	_, cutSeen := c.cuts.Load(snap.UID)
	cutBefore := snap.Status.CreationTime != nil || content.Status.CreationTime != nil || cutSeen
	required := snap.Spec.IsConsistencyRequired()
	guestFrozen := freezesGuest(content)

	if len(observed.foreign) > 0 {
		// Checked before the freeze: nothing is cut while a name is taken.
		kind := "VolumeSnapshot"
		if name, _ := groupOf(content); name == observed.foreign[0] {
			kind = "VolumeGroupSnapshot"
		}
		return c.requeueOrFail(snap, deadline, now, &nameConflict{kind: kind, name: observed.foreign[0]})
	}
	if len(observed.missing) > 0 && !cutBefore {
		window := c.freezer.OpenWindow(snap.UID, now)
		if observed.grouped && window == nil {
			// Before the freeze: the label selects the claims to cut.
			if err := c.labelGroupClaims(ctx, snap, content); err != nil {
				return c.requeueOrFail(snap, deadline, now, err)
			}
		}
		if guestFrozen && !observed.grouped {
			if stale := observed.cutOutside(window); len(stale) > 0 {
				return c.retakeCut(ctx, snap, content, stale, deadline, now)
			}
		}
		// Best effort gives up freezing after one failure; required
		// consistency keeps trying until the deadline and never cuts an
		// unfrozen guest.
		if guestFrozen && vmi != nil && window == nil && (required || !c.freezer.Thawed(snap.UID)) {
			freezeCtx, cancel := deadline.Bound(ctx)
			err := c.freezer.Freeze(freezeCtx, snap.UID, vmi.Namespace, vmi.Name)
			cancel()
			if errors.Is(err, freeze.ErrBusy) {
				// Woken when a VM thaws; the recheck is a safety net.
				c.freezeWaiters.add(snap.Namespace + "/" + snap.Name)
				requeue := c.inProgress(snap, deadline, now, ReasonInProgress, "waiting to freeze the guest: "+err.Error(), ReasonDeadlineExceeded)
				if snap.Status.Phase == snapshotapi.SnapshotFailed {
					return 0, nil
				}
				return controller.Sooner(requeue, controller.CacheRecheck), nil
			}
			if err != nil && required {
				controller.SetIndication(&snap.Status.Indications, snapshotapi.IndicationQuiesceFailed, "freezing the filesystems failed, retrying: "+err.Error())
				return c.requeueOrFail(snap, deadline, now, fmt.Errorf("freezing the VM's filesystems: %w", err))
			}
			// Best effort goes on crash-consistent: its VolumeSnapshots carry
			// no freeze window, and the status says so (cutIndications).
			window = c.freezer.OpenWindow(snap.UID, now)
		}
		var err error
		if observed.grouped {
			err = c.createGroup(ctx, snap, content, window)
		} else {
			err = c.createVolumeSnapshots(ctx, snap, content, observed.missing, window)
		}
		if err != nil {
			return c.requeueOrFail(snap, deadline, now, err)
		}
		observed, group = c.observe(snap, content)
	}
	if guestFrozen {
		for _, ind := range observed.cutIndications() {
			controller.SetIndication(&snap.Status.Indications, ind.Type, ind.Message)
		}
	}

	if observed.allCut && snap.Status.CreationTime == nil {
		c.cuts.Store(snap.UID, struct{}{})
		// The thaw queue has usually thawed the VM already (syncThaw). A
		// process started after the freeze does not know whether the guest
		// is still frozen: it thaws, as the holder of the VM lock.
		if err := c.thawIfNeeded(ctx, snap); err != nil {
			// Said in the status, retried, and failed at the deadline like
			// any step: a thaw that keeps failing must not hold the
			// snapshot InProgress for good.
			message := fmt.Sprintf("all %d volumes are cut; thawing the guest failed, retrying: %v", len(content.Spec.VolumeBackups), err)
			c.setConditions(snap, now, metav1.ConditionTrue, ReasonThawFailed, message, metav1.ConditionFalse, ReasonThawFailed, message)
			return c.requeueOrFail(snap, deadline, now, err)
		}
		if err := c.unprotectVM(ctx, snap); err != nil {
			return c.requeueOrFail(snap, deadline, now, err)
		}
		if observed.grouped {
			// The group's content lists its volumes: the label has done its job.
			if err := c.unlabelGroupClaims(ctx, snap); err != nil {
				return c.requeueOrFail(snap, deadline, now, err)
			}
		}
		snap.Status.CreationTime = ptr.To(metav1.NewTime(observed.lastCut))
		if len(content.Spec.VolumeBackups) == 0 {
			snap.Status.CreationTime = ptr.To(content.CreationTimestamp)
		}
	}
	if required && guestFrozen && observed.allCut && !controller.Consistent(snap.Status.Indications) {
		reason, message := inconsistency(snap.Status.Indications)
		c.fail(snap, now, reason, message+"; the snapshot is not consistent. Raise the controller's --unfreeze-timeout, or set requiredConsistency: false")
		return 0, nil
	}
	if cutBefore && len(observed.missing) > 0 {
		return c.requeueOrFail(snap, deadline, now, fmt.Errorf("VolumeSnapshots %s disappeared", strings.Join(observed.missing, ", ")))
	}
	if observed.grouped && observed.allCut {
		if missing := missingMembers(content, group); len(missing) > 0 {
			c.fail(snap, now, ReasonGroupIncomplete, fmt.Sprintf("VolumeGroupSnapshot %s holds no VolumeSnapshot of PersistentVolumeClaims %s: "+
				"they lost the label %s before the cut", group.group.Name, strings.Join(missing, ", "), GroupLabel(snap.UID)))
			return 0, nil
		}
		recorded, err := c.recordMembers(ctx, content, group)
		if err != nil {
			return c.requeueOrFail(snap, deadline, now, err)
		}
		if recorded != content {
			content = recorded
			observed, _ = c.observe(snap, content)
		}
	}
	if observed.allReady {
		if err := c.ensureSecretCopies(ctx, snap, content); err != nil {
			return c.requeueOrFail(snap, deadline, now, err)
		}
		// The VM lock is released once Ready is written (sync): the
		// snapshot reports Ready one API call sooner.
		snap.Status.Phase = snapshotapi.SnapshotReady
		snap.Status.ReadyToUse = ptr.To(true)
		snap.Status.Consistent = ptr.To(controller.Consistent(snap.Status.Indications))
		snap.Status.Error = nil
		c.setConditions(snap, now, metav1.ConditionFalse, ReasonReady, "the snapshot is complete",
			metav1.ConditionTrue, ReasonReady, readyMessage(content))
		return 0, nil
	}

	message, reason := progressMessage(observed, len(content.Spec.VolumeBackups)), ReasonInProgress
	if len(observed.errors) > 0 {
		// A reason of its own: a storage error is news, written at once.
		message += "; the storage reports: " + strings.Join(observed.errors, "; ")
		reason = ReasonStorageError
	}
	failReason := ReasonDeadlineExceeded
	if len(observed.errors) > 0 {
		failReason = ReasonSnapshotFailed
	}
	return c.inProgress(snap, deadline, now, reason, message, failReason), nil
}

// retakeCut deletes VolumeSnapshots cut in a freeze window that has ended
// (the controller restarted, or the guest thawed by itself) while other
// volumes are still to be cut: cutting those now would put two moments in
// one snapshot. Once they are gone, the next sync freezes again and cuts
// every volume together. Nothing is retaken once every volume was cut.
func (c *Controller) retakeCut(ctx context.Context, snap *snapshotapi.VirtualMachineSnapshot,
	content *snapshotapi.VirtualMachineSnapshotContent, stale []*snapshotv1.VolumeSnapshot,
	deadline controller.Deadline, now time.Time,
) (time.Duration, error) {
	logger := klog.FromContext(ctx)
	var names []string
	for _, vs := range stale {
		names = append(names, vs.Name)
		if c.deleted.Deleting(vs, now) {
			continue
		}
		if ok, _ := controller.DeletableVolumeSnapshot(vs, now); !ok {
			continue // woken when snapshot-controller binds it
		}
		err := c.snapshotClient.SnapshotV1().VolumeSnapshots(vs.Namespace).Delete(ctx, vs.Name, metav1.DeleteOptions{
			Preconditions: &metav1.Preconditions{UID: ptr.To(vs.UID)},
		})
		if err != nil && !apierrors.IsNotFound(err) {
			return c.requeueOrFail(snap, deadline, now, fmt.Errorf("deleting VolumeSnapshot %s cut in an ended freeze window: %w", vs.Name, err))
		}
		c.deleted.ExpectDeleted(vs, now)
		c.createdVolumeSnapshots.Observed(vs.Namespace + "/" + vs.Name)
	}
	logger.V(2).Info("Retaking the cut: VolumeSnapshots were cut in a freeze window that has ended", "volumeSnapshots", names)
	// Woken by the VolumeSnapshots' deletion events.
	return c.inProgress(snap, deadline, now, ReasonInProgress, fmt.Sprintf(
		"VolumeSnapshots %s were cut in a freeze window that has ended before every volume was cut; "+
			"they are deleted so that all %d volumes are cut again in one window",
		strings.Join(names, ", "), len(content.Spec.VolumeBackups)), ReasonDeadlineExceeded), nil
}

// inconsistency says why a guest-frozen snapshot's cut is not consistent.
func inconsistency(list []snapshotapi.Indication) (reason, message string) {
	if m := controller.IndicationMessage(list, snapshotapi.IndicationQuiesceTimeout); m != "" {
		return ReasonQuiesceTimeout, m
	}
	if m := controller.IndicationMessage(list, snapshotapi.IndicationQuiesceFailed); m != "" {
		return ReasonQuiesceFailed, m
	}
	return ReasonQuiesceFailed, "the guest was not frozen for the whole cut"
}

// inProgress keeps the snapshot InProgress, saying why in its conditions,
// or fails it with failReason once its deadline has passed. It returns when
// to look again: at the deadline.
func (c *Controller) inProgress(snap *snapshotapi.VirtualMachineSnapshot, deadline controller.Deadline, now time.Time,
	reason, message, failReason string,
) time.Duration {
	snap.Status.Phase = snapshotapi.SnapshotInProgress
	snap.Status.ReadyToUse = ptr.To(false)
	c.setConditions(snap, now, metav1.ConditionTrue, reason, message, metav1.ConditionFalse, reason, message)
	if deadline.Exceeded(now) {
		c.fail(snap, now, failReason, fmt.Sprintf("the snapshot did not complete within its failureDeadline of %s: %s", deadline.Length, message))
		return 0
	}
	return deadline.Remaining(now)
}

// progressMessage names the stage a snapshot is in, not a count of
// volumes: a status write per volume cut or ready would cost the API server
// a write for no decision anyone takes (the content's status lists each
// volume).
func progressMessage(observed volumeSnapshotsState, volumes int) string {
	if observed.allCut {
		return fmt.Sprintf("all %d volumes are cut; waiting for the storage to make their snapshots ready to use", volumes)
	}
	return fmt.Sprintf("waiting for the storage to cut %d volume snapshots", volumes)
}

// syncThaw thaws a VM this process froze as soon as the last of its
// snapshot's volumes is cut. It runs from a queue of its own, fed by the
// VolumeSnapshot and VolumeSnapshotContent events of frozen snapshots only,
// so the frozen window does not grow with the main queue's backlog. The
// main sync then records the cut; it thaws too if this has not happened.
func (c *Controller) syncThaw(ctx context.Context, key string) (time.Duration, error) {
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	snap, err := c.snapshots.VirtualMachineSnapshots(namespace).Get(name)
	if err != nil {
		return 0, nil
	}
	if _, frozen := c.freezer.Frozen(snap.UID); !frozen {
		return 0, nil
	}
	content, err := c.contents.VirtualMachineSnapshotContents(namespace).Get(ContentName(snap))
	if err != nil {
		return 0, nil
	}
	if observed, _ := c.observe(snap, content); !observed.allCut {
		return 0, nil
	}
	if err := c.freezer.Thaw(ctx, snap.UID, namespace, snap.Spec.Source.Name); err != nil {
		return 0, err
	}
	c.queue.Add(key)
	return 0, nil
}

// freezeWaiters are the snapshots waiting for a place among the VMs that
// may be frozen at once, in the order they asked.
type freezeWaiters struct {
	mu     sync.Mutex
	order  []string
	queued map[string]bool
}

func (w *freezeWaiters) add(key string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.queued == nil {
		w.queued = map[string]bool{}
	}
	if !w.queued[key] {
		w.queued[key] = true
		w.order = append(w.order, key)
	}
}

// take removes and returns the first n waiters; all of them if n < 0.
func (w *freezeWaiters) take(n int) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if n < 0 || n > len(w.order) {
		n = len(w.order)
	}
	out := w.order[:n:n]
	w.order = w.order[n:]
	for _, key := range out {
		delete(w.queued, key)
	}
	return out
}

// wakeFreezeWaiters enqueues as many waiting snapshots as VMs may be frozen.
func (c *Controller) wakeFreezeWaiters(free int) {
	for _, key := range c.freezeWaiters.take(free) {
		c.queue.Add(key)
	}
}

// volumeSnapshotsState is what the VolumeSnapshots of a content show.
type volumeSnapshotsState struct {
	missing []string
	// foreign are names taken by VolumeSnapshots the content does not control.
	foreign          []string
	cut, ready       int
	allCut, allReady bool
	// readyOnStorage counts the VolumeSnapshots the storage has finished
	// (readyOnStorage); readySoon: all are cut and finished, and only
	// their readyToUse is still to be copied in by snapshot-controller.
	readyOnStorage int
	readySoon      bool
	lastCut        time.Time
	errors         []string
	// present are the VolumeSnapshots that exist, and windows the freeze
	// window each was created in (nil: created while not frozen), by the
	// object windowNames names: each VolumeSnapshot, or the one group.
	present     []*snapshotv1.VolumeSnapshot
	windows     []*freeze.Window
	windowNames []string
	// grouped: the volumes are cut in one VolumeGroupSnapshot.
	grouped bool
}

// cutOutside returns the VolumeSnapshots created in a freeze window other
// than the open one (any window, when none is open).
func (s volumeSnapshotsState) cutOutside(open *freeze.Window) []*snapshotv1.VolumeSnapshot {
	var out []*snapshotv1.VolumeSnapshot
	for i, w := range s.windows {
		if w != nil && (open == nil || !w.FrozenAt.Equal(open.FrozenAt)) {
			out = append(out, s.present[i])
		}
	}
	return out
}

// cutIndications say what the VolumeSnapshots of a guest-frozen snapshot
// show of its cut: volumes cut while the guest was not frozen, cut in
// different windows, or cut after the auto-thaw.
func (s volumeSnapshotsState) cutIndications() []snapshotapi.Indication {
	var unfrozen []string
	var out []snapshotapi.Indication
	frozenAt := map[time.Time]bool{}
	var first *freeze.Window
	for i, w := range s.windows {
		if w == nil {
			unfrozen = append(unfrozen, s.windowNames[i])
			continue
		}
		frozenAt[w.FrozenAt] = true
		first = w
	}
	switch {
	case len(unfrozen) > 0:
		what := "VolumeSnapshots " + strings.Join(unfrozen, ", ") + " were"
		if s.grouped {
			what = "VolumeGroupSnapshot " + unfrozen[0] + " was"
		}
		out = append(out, snapshotapi.Indication{Type: snapshotapi.IndicationQuiesceFailed, Message: fmt.Sprintf(
			"the guest could not be frozen: %s cut while it ran unfrozen", what)})
	case len(frozenAt) > 1:
		out = append(out, snapshotapi.Indication{Type: snapshotapi.IndicationQuiesceFailed,
			Message: "the volumes were cut in different freeze windows"})
	}
	if s.allCut && first != nil && len(frozenAt) == 1 && first.CutAfterAutoThaw(s.lastCut) {
		out = append(out, snapshotapi.Indication{Type: snapshotapi.IndicationQuiesceTimeout, Message: fmt.Sprintf(
			"the last volume was cut %s after the freeze, past the %s auto-thaw timeout",
			s.lastCut.Sub(first.FrozenAt).Round(time.Millisecond), first.AutoThawAt.Sub(first.FrozenAt))})
	}
	return out
}

// observe reads how far a content's cut is: its group's, or its
// VolumeSnapshots'.
func (c *Controller) observe(snap *snapshotapi.VirtualMachineSnapshot, content *snapshotapi.VirtualMachineSnapshotContent) (volumeSnapshotsState, groupState) {
	if name, _ := groupOf(content); name != "" {
		return c.observeGroup(snap, content, name)
	}
	return c.observeVolumeSnapshots(snap, content), groupState{}
}

func (c *Controller) observeVolumeSnapshots(snap *snapshotapi.VirtualMachineSnapshot, content *snapshotapi.VirtualMachineSnapshotContent) volumeSnapshotsState {
	var s volumeSnapshotsState
	for _, b := range content.Spec.VolumeBackups {
		name := ptr.Deref(b.VolumeSnapshotName, "")
		cached, err := c.volumeSnapshots.VolumeSnapshots(content.Namespace).Get(name)
		vs, ok := c.createdVolumeSnapshots.Lookup(content.Namespace+"/"+name, cached, err, c.clock.Now())
		if !ok {
			s.missing = append(s.missing, name)
			continue
		}
		if !c.holdsBackup(snap, content, b, vs) {
			s.foreign = append(s.foreign, name)
			continue
		}
		window, _ := freeze.WindowOf(vs.Annotations)
		s.present = append(s.present, vs)
		s.windows = append(s.windows, window)
		s.windowNames = append(s.windowNames, vs.Name)
		if cut, ok := c.cutTime(vs); ok {
			s.cut++
			if cut.After(s.lastCut) {
				s.lastCut = cut
			}
		}
		if st := vs.Status; st != nil {
			if ptr.Deref(st.ReadyToUse, false) {
				s.ready++
			}
			if st.Error != nil && st.Error.Message != nil {
				s.errors = append(s.errors, fmt.Sprintf("%s: %s", name, *st.Error.Message))
			}
		}
		if c.readyOnStorage(vs) {
			s.readyOnStorage++
		}
	}
	n := len(content.Spec.VolumeBackups)
	s.allCut = s.cut == n && len(s.missing) == 0
	s.allReady = s.ready == n && len(s.missing) == 0
	s.readySoon = s.allCut && !s.allReady && s.readyOnStorage == n && len(s.errors) == 0
	return s
}

// cutTime is when the storage cut a VolumeSnapshot: its own
// status.creationTime, or, earlier, that of the VolumeSnapshotContent bound
// to it, which csi-snapshotter sets as soon as the driver answers.
func (c *Controller) cutTime(vs *snapshotv1.VolumeSnapshot) (time.Time, bool) {
	if vs.Status != nil && vs.Status.CreationTime != nil {
		return vs.Status.CreationTime.Time, true
	}
	content := c.boundContent(vs)
	if content == nil || content.Status == nil || content.Status.CreationTime == nil {
		return time.Time{}, false
	}
	return time.Unix(0, *content.Status.CreationTime), true
}

// readyOnStorage reports whether a VolumeSnapshot is ready to use, or its
// bound VolumeSnapshotContent already says the storage finished it: then
// only snapshot-controller's copy into the VolumeSnapshot is left to come.
func (c *Controller) readyOnStorage(vs *snapshotv1.VolumeSnapshot) bool {
	if vs.Status != nil && ptr.Deref(vs.Status.ReadyToUse, false) {
		return true
	}
	content := c.boundContent(vs)
	return content != nil && content.Status != nil && ptr.Deref(content.Status.ReadyToUse, false)
}

// boundContent is the cached VolumeSnapshotContent made for a
// VolumeSnapshot (named by its status, or by snapshot-controller's rule
// before that), if it points back to it.
func (c *Controller) boundContent(vs *snapshotv1.VolumeSnapshot) *snapshotv1.VolumeSnapshotContent {
	name := "snapcontent-" + string(vs.UID)
	if vs.Status != nil && vs.Status.BoundVolumeSnapshotContentName != nil {
		name = *vs.Status.BoundVolumeSnapshotContentName
	}
	content, err := c.vsContents.Get(name)
	if err != nil || content.Spec.VolumeSnapshotRef.UID != vs.UID {
		return nil
	}
	return content
}

// createVolumeSnapshots creates the missing VolumeSnapshots at once, in
// parallel: the VM is frozen meanwhile, so every millisecond counts.
func (c *Controller) createVolumeSnapshots(ctx context.Context, snap *snapshotapi.VirtualMachineSnapshot,
	content *snapshotapi.VirtualMachineSnapshotContent, missing []string, window *freeze.Window,
) error {
	byName := map[string]snapshotapi.VolumeBackup{}
	for _, b := range content.Spec.VolumeBackups {
		byName[ptr.Deref(b.VolumeSnapshotName, "")] = b
	}
	errs := make([]error, len(missing))
	var wg sync.WaitGroup
	for i, name := range missing {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = c.createVolumeSnapshot(ctx, snap, content, byName[name], window)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (c *Controller) createVolumeSnapshot(ctx context.Context, snap *snapshotapi.VirtualMachineSnapshot,
	content *snapshotapi.VirtualMachineSnapshotContent, b snapshotapi.VolumeBackup, window *freeze.Window,
) error {
	vs := &snapshotv1.VolumeSnapshot{
		ObjectMeta: metav1.ObjectMeta{
			Name:        ptr.Deref(b.VolumeSnapshotName, ""),
			Namespace:   snap.Namespace,
			Labels:      map[string]string{LabelSnapshotName: snap.Name, LabelVolumeName: b.VolumeName},
			Annotations: window.Annotations(),
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(content,
				snapshotapi.SchemeGroupVersion.WithKind("VirtualMachineSnapshotContent"))},
		},
		Spec: snapshotv1.VolumeSnapshotSpec{
			Source:                  snapshotv1.VolumeSnapshotSource{PersistentVolumeClaimName: ptr.To(b.PersistentVolumeClaim.Name)},
			VolumeSnapshotClassName: b.VolumeSnapshotClassName,
		},
	}
	created, err := c.snapshotClient.SnapshotV1().VolumeSnapshots(snap.Namespace).Create(ctx, vs, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		// Made by a sync whose answer was lost, or by another user.
		created, err = c.snapshotClient.SnapshotV1().VolumeSnapshots(snap.Namespace).Get(ctx, vs.Name, metav1.GetOptions{})
		if err == nil && !ownVolumeSnapshot(content, created) {
			return &nameConflict{kind: "VolumeSnapshot", name: vs.Name}
		}
	}
	if err != nil {
		return fmt.Errorf("creating VolumeSnapshot %s for volume %s: %w", vs.Name, b.VolumeName, err)
	}
	c.createdVolumeSnapshots.ExpectCreated(snap.Namespace+"/"+vs.Name, created, c.clock.Now())
	return nil
}

// --- Ready -------------------------------------------------------------------

// syncReady keeps readyToUse true while every VolumeSnapshot is there.
func (c *Controller) syncReady(snap *snapshotapi.VirtualMachineSnapshot) {
	now := c.clock.Now()
	content, err := c.contents.VirtualMachineSnapshotContents(snap.Namespace).Get(boundContentName(snap))
	if err == nil && snap.Spec.Source.Kind == "VirtualMachine" {
		deriveFromContent(snap, content)
	}
	if err != nil {
		snap.Status.ReadyToUse = ptr.To(false)
		controller.SetCondition(&snap.Status.Conditions, snapshotapi.ConditionReady, metav1.ConditionFalse, ReasonVolumeLost,
			fmt.Sprintf("VirtualMachineSnapshotContent %s is gone; the snapshot cannot be restored", boundContentName(snap)),
			snap.Generation, metav1.NewTime(now))
		return
	}
	if !c.volumeSnapshotsOK() {
		return
	}
	observed, _ := c.observe(snap, content)
	if len(observed.missing) > 0 {
		snap.Status.ReadyToUse = ptr.To(false)
		controller.SetCondition(&snap.Status.Conditions, snapshotapi.ConditionReady, metav1.ConditionFalse, ReasonVolumeLost,
			fmt.Sprintf("VolumeSnapshots %s are gone; the snapshot cannot be restored", strings.Join(observed.missing, ", ")),
			snap.Generation, metav1.NewTime(now))
		return
	}
	snap.Status.ReadyToUse = ptr.To(observed.allReady)
	if observed.allReady {
		controller.SetCondition(&snap.Status.Conditions, snapshotapi.ConditionReady, metav1.ConditionTrue, ReasonReady,
			readyMessage(content), snap.Generation, metav1.NewTime(now))
	}
}

// boundContentName is the name of the content a snapshot is bound to.
func boundContentName(snap *snapshotapi.VirtualMachineSnapshot) string {
	if snap.Spec.Source.Kind == "VirtualMachineSnapshotContent" {
		return snap.Spec.Source.Name
	}
	return ContentName(snap)
}

// --- Failure and deletion -----------------------------------------------------

// fail marks the snapshot Failed; cleanUpFailed then undoes what it made.
func (c *Controller) fail(snap *snapshotapi.VirtualMachineSnapshot, now time.Time, reason, message string) {
	snap.Status.Phase = snapshotapi.SnapshotFailed
	snap.Status.ReadyToUse = ptr.To(false)
	snap.Status.Error = &snapshotapi.Error{Time: ptr.To(metav1.NewTime(now)), Message: ptr.To(message)}
	c.setConditions(snap, now, metav1.ConditionFalse, reason, message, metav1.ConditionFalse, reason, message)
}

// cleanUpFailed thaws the VM, releases it and removes the content and its
// VolumeSnapshots. It runs on every sync of a Failed snapshot, so a crash
// half-way through is finished later.
func (c *Controller) cleanUpFailed(ctx context.Context, snap *snapshotapi.VirtualMachineSnapshot) error {
	if err := c.thawIfNeeded(ctx, snap); err != nil {
		return err
	}
	if err := c.unlockVM(ctx, snap); err != nil {
		return err
	}
	if err := c.unlabelGroupClaims(ctx, snap); err != nil {
		return err
	}
	if snap.Spec.Source.Kind == "VirtualMachineSnapshotContent" {
		return nil // a bound content belongs to whoever retained it
	}
	_, err := c.deleteContent(ctx, snap)
	return err
}

// syncDeletion undoes what the snapshot holds, as its deletion policy says,
// and reports whether it is done: then its finalizer goes.
func (c *Controller) syncDeletion(ctx context.Context, snap *snapshotapi.VirtualMachineSnapshot) (bool, time.Duration, error) {
	if !slices.Contains(snap.Finalizers, Finalizer) {
		return false, 0, nil
	}
	now := c.clock.Now()
	wasReady := snap.Status.Phase == snapshotapi.SnapshotReady
	if snap.Status.Phase != snapshotapi.SnapshotTerminating {
		snap.Status.Phase = snapshotapi.SnapshotTerminating
		c.setConditions(snap, now, metav1.ConditionTrue, ReasonDeleting, "the snapshot is being deleted",
			metav1.ConditionFalse, ReasonDeleting, "the snapshot is being deleted")
	}
	if err := c.thawIfNeeded(ctx, snap); err != nil {
		return false, 0, err
	}
	if err := c.unlockVM(ctx, snap); err != nil {
		return false, 0, err
	}
	if err := c.unlabelGroupClaims(ctx, snap); err != nil {
		return false, 0, err
	}
	retain := snap.Spec.GetDeletionPolicy() == snapshotapi.DeletionPolicyRetain && (wasReady || snap.Status.CreationTime != nil)
	bound := snap.Spec.Source.Kind == "VirtualMachineSnapshotContent"
	if retain || (bound && snap.Spec.GetDeletionPolicy() == snapshotapi.DeletionPolicyRetain) {
		if err := c.releaseContent(ctx, snap); err != nil {
			return false, 0, err
		}
	} else {
		gone, err := c.deleteContent(ctx, snap)
		if err != nil {
			return false, 0, err
		}
		if !gone {
			// Woken by the content's deletion event; the requeue is a safety net.
			return false, 5 * time.Second, nil
		}
	}
	c.freezer.Forget(snap.UID)
	c.writtenContents.Forget(snap.Namespace + "/" + ContentName(snap))
	c.cuts.Delete(snap.UID)
	return true, 0, nil
}

// deleteContent deletes the snapshot's VolumeSnapshots and, once they are
// gone, its content (the Secret copies follow it), and reports whether the
// content is gone. The order is not left to a foreground deletion of the
// content: the garbage collector retries an owner that waits for its
// dependents with a growing backoff, which held deletions for minutes
// under load.
func (c *Controller) deleteContent(ctx context.Context, snap *snapshotapi.VirtualMachineSnapshot) (bool, error) {
	name := boundContentName(snap)
	content, err := c.contents.VirtualMachineSnapshotContents(snap.Namespace).Get(name)
	if apierrors.IsNotFound(err) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	if !ownContent(snap, content) {
		return true, nil // not ours to delete
	}
	if c.deleted.Deleting(content, c.clock.Now()) {
		return false, nil // woken by its deletion event
	}
	propagation := metav1.DeletePropagationBackground
	if c.volumeSnapshotsOK() {
		groupGone, err := c.deleteGroupOf(ctx, content)
		if err != nil || !groupGone {
			return false, err // woken by its deletion event
		}
		remaining, err := c.deleteVolumeSnapshotsOf(ctx, content)
		if err != nil || remaining > 0 {
			return false, err // woken by their deletion events
		}
	} else {
		// No VolumeSnapshot cache to follow them: the garbage collector
		// deletes them before the content.
		propagation = metav1.DeletePropagationForeground
	}
	err = c.client.SnapshotV1alpha1().VirtualMachineSnapshotContents(snap.Namespace).Delete(ctx, name, metav1.DeleteOptions{
		PropagationPolicy: ptr.To(propagation),
		Preconditions:     &metav1.Preconditions{UID: ptr.To(content.UID)},
	})
	if err != nil && !apierrors.IsNotFound(err) {
		return false, fmt.Errorf("deleting VirtualMachineSnapshotContent %s: %w", name, err)
	}
	c.deleted.ExpectDeleted(content, c.clock.Now())
	return apierrors.IsNotFound(err), nil
}

// deleteVolumeSnapshotsOf deletes the content's VolumeSnapshots and returns
// how many are not gone yet.
func (c *Controller) deleteVolumeSnapshotsOf(ctx context.Context, content *snapshotapi.VirtualMachineSnapshotContent) (int, error) {
	remaining := 0
	for _, b := range content.Spec.VolumeBackups {
		vs, err := c.volumeSnapshots.VolumeSnapshots(content.Namespace).Get(ptr.Deref(b.VolumeSnapshotName, ""))
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return remaining, err
		}
		if !metav1.IsControlledBy(vs, content) {
			continue // not ours to delete
		}
		remaining++
		if c.deleted.Deleting(vs, c.clock.Now()) {
			continue
		}
		if claims := c.claimsRestoringFrom(vs); len(claims) > 0 {
			klog.FromContext(ctx).V(2).Info("Deletion waits: claims are being restored from a VolumeSnapshot", "volumeSnapshot", vs.Name, "claims", claims)
			continue
		}
		if ok, _ := controller.DeletableVolumeSnapshot(vs, c.clock.Now()); !ok {
			klog.FromContext(ctx).V(4).Info("Deletion waits: snapshot-controller has not bound the VolumeSnapshot yet", "volumeSnapshot", vs.Name)
			continue
		}
		err = c.snapshotClient.SnapshotV1().VolumeSnapshots(vs.Namespace).Delete(ctx, vs.Name, metav1.DeleteOptions{
			Preconditions: &metav1.Preconditions{UID: ptr.To(vs.UID)},
		})
		if err != nil && !apierrors.IsNotFound(err) {
			return remaining, fmt.Errorf("deleting VolumeSnapshot %s: %w", vs.Name, err)
		}
		c.deleted.ExpectDeleted(vs, c.clock.Now())
	}
	return remaining, nil
}

// claimsRestoringFrom lists the claims not bound yet whose data source is
// the VolumeSnapshot. Its deletion waits for them: csi-provisioner refuses
// to provision from a VolumeSnapshot being deleted, and snapshot-controller
// does not finish deleting one a claim is still being provisioned from, so
// deleting a snapshot right after a restore from it would strand both.
func (c *Controller) claimsRestoringFrom(vs *snapshotv1.VolumeSnapshot) []string {
	claims, err := c.claims.PersistentVolumeClaims(vs.Namespace).List(everything)
	if err != nil {
		return nil
	}
	var names []string
	for _, pvc := range claims {
		if pvc.Status.Phase != corev1.ClaimBound && pvc.DeletionTimestamp == nil && restoresFrom(pvc, vs.Name) {
			names = append(names, pvc.Name)
		}
	}
	return names
}

func restoresFrom(pvc *corev1.PersistentVolumeClaim, volumeSnapshot string) bool {
	isVS := func(group *string, kind, name string) bool {
		return ptr.Deref(group, "") == snapshotv1.GroupName && kind == "VolumeSnapshot" && name == volumeSnapshot
	}
	if ds := pvc.Spec.DataSource; ds != nil && isVS(ds.APIGroup, ds.Kind, ds.Name) {
		return true
	}
	ref := pvc.Spec.DataSourceRef
	return ref != nil && isVS(ref.APIGroup, ref.Kind, ref.Name)
}

// releaseContent unbinds a retained content from the snapshot being deleted,
// so that it outlives it and a new snapshot can bind it.
func (c *Controller) releaseContent(ctx context.Context, snap *snapshotapi.VirtualMachineSnapshot) error {
	name := boundContentName(snap)
	content, err := c.contents.VirtualMachineSnapshotContents(snap.Namespace).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	refs := slices.DeleteFunc(slices.Clone(content.OwnerReferences), func(r metav1.OwnerReference) bool { return r.UID == snap.UID })
	if len(refs) == len(content.OwnerReferences) && content.Spec.DeletionPolicy == snapshotapi.DeletionPolicyRetain {
		return nil
	}
	content = content.DeepCopy()
	content.OwnerReferences = refs
	content.Spec.DeletionPolicy = snapshotapi.DeletionPolicyRetain
	_, err = c.client.SnapshotV1alpha1().VirtualMachineSnapshotContents(snap.Namespace).Update(ctx, content, metav1.UpdateOptions{})
	return err
}

// --- Freeze, thaw and the VM lock --------------------------------------------

// thawIfNeeded thaws a VM this snapshot may have frozen and not thawed yet,
// also after a restart of the controller that forgot whether it froze. Only
// the holder thaws: a snapshot freezes only while the VM lock names it and
// releases the lock only after its thaw, so a snapshot the lock does not
// name has nothing to thaw, and a thaw from it could end the freeze another
// snapshot holds.
func (c *Controller) thawIfNeeded(ctx context.Context, snap *snapshotapi.VirtualMachineSnapshot) error {
	if c.freezer.Thawed(snap.UID) {
		return nil
	}
	_, frozenHere := c.freezer.Frozen(snap.UID)
	if !frozenHere {
		content, err := c.contents.VirtualMachineSnapshotContents(snap.Namespace).Get(ContentName(snap))
		mayBeFrozen := controller.HasIndication(snap.Status.Indications, snapshotapi.IndicationGuestAgent) || (err == nil && freezesGuest(content))
		if !mayBeFrozen || snap.Status.CreationTime != nil {
			return nil // never frozen, or the cut completed and thawed then
		}
		if !c.holdsVMLock(snap) {
			klog.FromContext(ctx).V(4).Info("Not thawing: the VM lock does not name this snapshot", "vm", snap.Spec.Source.Name)
			return nil
		}
	}
	if _, err := c.vmis.Namespace(snap.Namespace).Get(snap.Spec.Source.Name); apierrors.IsNotFound(err) {
		c.freezer.MarkThawed(snap.UID)
		return nil
	}
	return c.freezer.Thaw(ctx, snap.UID, snap.Namespace, snap.Spec.Source.Name)
}

// holdsVMLock reports whether the VM's status.snapshotInProgress names the
// snapshot.
func (c *Controller) holdsVMLock(snap *snapshotapi.VirtualMachineSnapshot) bool {
	vm, err := c.vms.Namespace(snap.Namespace).Get(snap.Spec.Source.Name)
	if err != nil {
		return false
	}
	return c.freezer.Holder(vm) == snap.Name
}

// unprotectVM lets the VM be deleted once every disk is cut.
func (c *Controller) unprotectVM(ctx context.Context, snap *snapshotapi.VirtualMachineSnapshot) error {
	vm, err := c.vms.Namespace(snap.Namespace).Get(snap.Spec.Source.Name)
	if apierrors.IsNotFound(err) || (err == nil && snap.Status.SourceUID != nil && vm.UID != *snap.Status.SourceUID) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := c.freezer.Unprotect(ctx, vm); err != nil {
		return fmt.Errorf("removing the source protection of VirtualMachine %s after the cut: %w", vm.Name, err)
	}
	return nil
}

// unlockVM clears the VM's status.snapshotInProgress if it names this snapshot.
func (c *Controller) unlockVM(ctx context.Context, snap *snapshotapi.VirtualMachineSnapshot) error {
	if snap.Spec.Source.Kind != "VirtualMachine" || !c.kubeVirtOK() {
		return nil
	}
	vm, err := c.vms.Namespace(snap.Namespace).Get(snap.Spec.Source.Name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return c.freezer.Unlock(ctx, vm, snap.Name)
}

// --- Waiting --------------------------------------------------------------

// wait keeps the snapshot Pending for the blockers, or fails it once the
// deadline has passed, naming them. It requeues at the deadline.
func (c *Controller) wait(snap *snapshotapi.VirtualMachineSnapshot, deadline controller.Deadline, now time.Time, blockers ...blocker) (time.Duration, error) {
	reason, message := joinBlockers(blockers)
	if deadline.Exceeded(now) {
		c.fail(snap, now, reason, fmt.Sprintf("the snapshot could not start within its failureDeadline of %s: %s", deadline.Length, message))
		return 0, nil
	}
	snap.Status.Phase = snapshotapi.SnapshotPending
	snap.Status.ReadyToUse = ptr.To(false)
	c.setConditions(snap, now, metav1.ConditionFalse, reason, message, metav1.ConditionFalse, reason, message)
	return deadline.Remaining(now), nil
}

// requeueOrFail retries an error with backoff until the deadline, then fails.
func (c *Controller) requeueOrFail(snap *snapshotapi.VirtualMachineSnapshot, deadline controller.Deadline, now time.Time, err error) (time.Duration, error) {
	if err == nil {
		return deadline.Remaining(now), nil
	}
	if conflict, ok := asNameConflict(err); ok {
		// Waited out, not retried with backoff: only the user can free the
		// name, and the cache shows when they do.
		if deadline.Exceeded(now) {
			c.fail(snap, now, ReasonNameConflict, fmt.Sprintf("the snapshot did not complete within its failureDeadline of %s: %v", deadline.Length, conflict))
			return 0, nil
		}
		snap.Status.ReadyToUse = ptr.To(false)
		c.setConditions(snap, now, metav1.ConditionFalse, ReasonNameConflict, conflict.Error(), metav1.ConditionFalse, ReasonNameConflict, conflict.Error())
		return controller.Sooner(deadline.Remaining(now), nameConflictRecheck), nil
	}
	if deadline.Exceeded(now) {
		c.fail(snap, now, ReasonDeadlineExceeded, fmt.Sprintf("the snapshot did not complete within its failureDeadline of %s: %v", deadline.Length, err))
		return 0, nil
	}
	snap.Status.Error = &snapshotapi.Error{Time: ptr.To(metav1.NewTime(now)), Message: ptr.To(err.Error())}
	// Retried with backoff, and woken at the deadline whatever the backoff.
	return deadline.Remaining(now), err
}

func (c *Controller) setConditions(snap *snapshotapi.VirtualMachineSnapshot, now time.Time,
	progressing metav1.ConditionStatus, progressingReason, progressingMessage string,
	ready metav1.ConditionStatus, readyReason, readyMessage string,
) {
	controller.SetProgressAndReady(&snap.Status.Conditions, snap.Generation, metav1.NewTime(now),
		progressing, progressingReason, progressingMessage, ready, readyReason, readyMessage)
}

// --- Small helpers --------------------------------------------------------

func meta(conds []metav1.Condition, t string) *metav1.Condition {
	for i := range conds {
		if conds[i].Type == t {
			return &conds[i]
		}
	}
	return nil
}

// notStarted reports whether a snapshot has not begun taking volume snapshots.
func notStarted(snap *snapshotapi.VirtualMachineSnapshot) bool {
	return snap.DeletionTimestamp == nil && (snap.Status.Phase == "" || snap.Status.Phase == snapshotapi.SnapshotPending)
}

// freezesGuest reports whether the snapshot of a content freezes its guest.
func freezesGuest(content *snapshotapi.VirtualMachineSnapshotContent) bool {
	return controller.HasIndication(content.Spec.Indications, snapshotapi.IndicationGuestAgent) ||
		content.Annotations[AnnotationGuestFreeze] == "true"
}

// indications describe the VM at the start of the snapshot.
func indications(mode freeze.Mode, plan volumePlan, group groupPlan) []snapshotapi.Indication {
	var out []snapshotapi.Indication
	online := snapshotapi.Indication{Type: snapshotapi.IndicationOnline, Message: "the VM was running"}
	switch mode {
	case freeze.Freeze:
		out = append(out, online, snapshotapi.Indication{Type: snapshotapi.IndicationGuestAgent,
			Message: "the guest agent froze the filesystems for the cut"})
	case freeze.NoAgent:
		out = append(out, online, snapshotapi.Indication{Type: snapshotapi.IndicationNoGuestAgent,
			Message: "no guest agent was connected: the snapshot is crash-consistent"})
	case freeze.Paused:
		out = append(out, online, snapshotapi.Indication{Type: snapshotapi.IndicationPaused,
			Message: "the VM was paused: the snapshot is crash-consistent"})
	}
	if len(plan.partial) > 0 {
		out = append(out, snapshotapi.Indication{Type: snapshotapi.IndicationPartialSnapshot,
			Message: "no VolumeSnapshotClass can snapshot volumes " + strings.Join(plan.partial, ", ") + "; they are not in the snapshot"})
	}
	if ind := groupIndication(group, len(plan.included), mode); ind != nil {
		out = append(out, *ind)
	}
	return out
}

func readyMessage(content *snapshotapi.VirtualMachineSnapshotContent) string {
	if n := len(content.Spec.VolumeBackups); n > 0 {
		return fmt.Sprintf("all %d volume snapshots are ready to use", n)
	}
	return "the VM configuration was captured; the VM has no disks to snapshot"
}
