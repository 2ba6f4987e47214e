// Package disksnapshot is the VirtualDiskSnapshot controller: one CSI
// VolumeSnapshot of one disk (a PersistentVolumeClaim, or the claim of a CDI
// DataVolume), consistent whenever the disk's VM allows it.
//
// Phase machine (one sync computes the whole status and writes it once):
//
//	"" ─► Pending ──(disk Bound, class chosen, consistency possible, VM locked and frozen)──► InProgress ──(VolumeSnapshot ready)──► Ready
//	        │  waits: disk missing, not ready, resizing or being deleted;                    │ create VolumeSnapshot ─► cut ─► thaw, unlock
//	        │  no or ambiguous VolumeSnapshotClass; VM starting; no guest agent               │ fails at once: disk deleted before the cut,
//	        │  or paused (required consistency); another snapshot holds the VM;               │ VolumeSnapshot deleted before it was ready
//	        │  no place among the VMs frozen at once; a freeze that failed (retried);         │
//	        │  its VolumeSnapshot's name taken by one it did not create (VM released)         │
//	        └──────────────────────(failureDeadline passes)──────────────────────► Failed ◄───┘  (thaw, unlock, delete the VolumeSnapshot)
//	any phase, feature gate on or off ──(deleted)──► Terminating ──(thawed, unlocked, VolumeSnapshot gone)──► finalizer released
//
// An API call that fails is retried with backoff, and the snapshot is woken
// at its deadline whatever the backoff, to fail naming the step
// (requeueOrFail).
//
// Ownership: VirtualDiskSnapshot ◄─controller─ VolumeSnapshot vdsnapshot-<uid>,
// so a retry after a crash finds the VolumeSnapshot it already made. Whether
// it was made is asked of the API (the cache, or this process's record of
// its creates), never of the status. The name is no proof: anyone who can
// read the disk snapshot's UID can take it. Only the controller reference
// is (ownVolumeSnapshot); any other VolumeSnapshot under the name, found in
// the cache or by the create's AlreadyExists, is never observed, changed or
// deleted, and the snapshot waits (NameConflict) until its deadline.
//
// A running VM with a guest agent is locked through its
// status.snapshotInProgress ("VirtualDiskSnapshot/<name>") before it is
// frozen, and only the holder of the lock thaws it, so VM and disk
// snapshots of one VM take turns and never thaw each other.
//
// The source claim needs no finalizer of ours: external-snapshotter's
// snapshot.storage.kubernetes.io/pvc-as-source-protection keeps it from the
// moment the snapshot-controller starts the VolumeSnapshot until it is ready
// to use. Before that moment a claim being deleted cannot be snapshotted at
// all (the snapshot-controller refuses it), and a finalizer would only delay
// the deletion, so the controller does not start on such a claim and fails
// at once when the claim goes before the cut.
package disksnapshot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/controller"
	"vmsnap.io/vmsnap/pkg/freeze"
	"vmsnap.io/vmsnap/pkg/metrics"
)

const (
	// Finalizer guards the cleanup of a disk snapshot: thaw, unlock, and the
	// VolumeSnapshot gone.
	Finalizer = "snapshot.vmsnap.io/vdsnapshot-protection"
	// LabelDiskSnapshotName is set on the VolumeSnapshot of a disk snapshot.
	LabelDiskSnapshotName = "snapshot.vmsnap.io/vdsnapshot"
	// pvcSourceProtection is external-snapshotter's finalizer on a claim
	// whose snapshot the snapshot-controller has started.
	pvcSourceProtection = "snapshot.storage.kubernetes.io/pvc-as-source-protection"
)

// Reasons of the Ready and Progressing conditions beyond the waiting ones.
const (
	ReasonFeatureDisabled  = "FeatureDisabled"
	ReasonInProgress       = "InProgress"
	ReasonReady            = "Ready"
	ReasonDeadlineExceeded = "DeadlineExceeded"
	ReasonSnapshotFailed   = "VolumeSnapshotFailed"
	ReasonQuiesceTimeout   = "QuiesceTimeout"
	ReasonQuiesceFailed    = "QuiesceFailed"
	ReasonVolumeLost       = "VolumeSnapshotMissing"
	ReasonDiskDeleted      = "DiskDeleted"
	ReasonSourceReplaced   = "SourceReplaced"
	ReasonDeleting         = "Deleting"
	ReasonWaitingToFreeze  = "WaitingToFreeze"
	// ReasonNameConflict: a VolumeSnapshot this disk snapshot did not
	// create has its VolumeSnapshot's name. The name follows from the UID,
	// which anyone who can read the disk snapshot sees; the snapshot waits,
	// leaves that VolumeSnapshot alone and fails at its deadline.
	ReasonNameConflict = "NameConflict"
)

// Reasons naming the step whose API call failed, in the conditions while it
// is retried and in the Failed condition should the deadline pass first.
const (
	ReasonLockFailed   = "LockingVMFailed"
	ReasonFreezeFailed = "FreezeFailed"
	ReasonCreateFailed = "CreatingVolumeSnapshotFailed"
	ReasonThawFailed   = "ThawFailed"
	ReasonUnlockFailed = "UnlockingVMFailed"
)

const (
	// deletionRecheck is a safety net while the VolumeSnapshot is being
	// deleted; its deletion event normally wakes the snapshot first.
	deletionRecheck = 10 * time.Second
	// busyFreezerRecheck is a safety net for a snapshot waiting for a place
	// among the VMs frozen at once; a thaw normally wakes it first.
	busyFreezerRecheck = 5 * time.Second
)

var everything = labels.Everything()

// VolumeSnapshotName is the name of the VolumeSnapshot of a disk snapshot.
func VolumeSnapshotName(snap *snapshotapi.VirtualDiskSnapshot) string {
	return volumeSnapshotPrefix + string(snap.UID)
}

const volumeSnapshotPrefix = "vdsnapshot-"

// LockHolder is the name a disk snapshot holds its VM's lock under.
func LockHolder(snap *snapshotapi.VirtualDiskSnapshot) string {
	return "VirtualDiskSnapshot/" + snap.Name
}

func (c *Controller) sync(ctx context.Context, key string) (time.Duration, error) {
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	cached, err := c.diskSnapshots.VirtualDiskSnapshots(namespace).Get(name)
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
	ctx = klog.NewContext(ctx, klog.FromContext(ctx).WithValues("vdsnapshot", klog.KObj(cached)))

	deleting := cached.DeletionTimestamp != nil
	// With the feature off only a snapshot not started yet waits for it.
	// One in progress fails, and a failed or deleted one is cleaned up as
	// usual: it may hold a VM lock, a freeze and a VolumeSnapshot from when
	// the feature was on.
	if !c.enabled && notStarted(s.Object) {
		return 0, c.syncDisabled(ctx, s)
	}
	retry := c.retryDelay(s.Object)
	if err := s.EnsureFinalizer(ctx); err != nil {
		return retry, fmt.Errorf("adding finalizer %s: %w", Finalizer, err)
	}
	snap := s.Object

	var (
		requeue   time.Duration
		syncErr   error
		cleanedUp bool
	)
	switch {
	case deleting:
		cleanedUp, requeue, syncErr = c.syncDeletion(ctx, snap)
	case snap.Status.Phase == snapshotapi.SnapshotReady:
		err = c.syncReady(ctx, snap)
	case snap.Status.Phase == snapshotapi.SnapshotFailed:
	case !c.enabled:
		// Paused, it would keep its VM locked until the feature is back.
		c.fail(snap, c.clock.Now(), ReasonFeatureDisabled, "the VirtualDiskSnapshot feature gate was disabled in the vmsnap controller "+
			"while the snapshot was in progress; it is abandoned and its VM released")
	default:
		requeue, syncErr = c.syncInProgress(ctx, snap)
	}
	if err != nil {
		return 0, err
	}

	if _, err := s.WriteStatus(ctx); err != nil {
		return retry, err
	}
	switch {
	case deleting && cleanedUp:
		return 0, s.ReleaseFinalizer(ctx)
	case !deleting && snap.Status.Phase == snapshotapi.SnapshotFailed:
		if err := c.cleanUpFailed(ctx, snap); err != nil {
			return 0, err
		}
	}
	return requeue, syncErr
}

func (c *Controller) recordPhase(snap *snapshotapi.VirtualDiskSnapshot) {
	message := string(snap.Status.Phase)
	if ready := meta.FindStatusCondition(snap.Status.Conditions, snapshotapi.ConditionReady); ready != nil && ready.Message != "" {
		message = ready.Message
	}
	eventType := corev1.EventTypeNormal
	if snap.Status.Phase == snapshotapi.SnapshotFailed {
		eventType = corev1.EventTypeWarning
	}
	if controller.PhaseWorthAnEvent(snap.Status.Phase) {
		c.recorder.Event(snap, eventType, "Snapshot"+string(snap.Status.Phase), message)
	}

	now := c.clock.Now()
	switch snap.Status.Phase {
	case snapshotapi.SnapshotReady, snapshotapi.SnapshotFailed:
		c.metrics.Finished(metrics.KindVirtualDiskSnapshot, string(snap.Status.Phase), snap.CreationTimestamp.Time, now)
	}
	if snap.Status.Phase == snapshotapi.SnapshotFailed && failureDeadline(snap).Exceeded(now) {
		c.metrics.DeadlineExceeded(metrics.KindVirtualDiskSnapshot)
	}
}

// syncDisabled says that the feature is off on a snapshot not started yet,
// and releases a VM lock a start cut short before its InProgress write may
// have left. (Every other snapshot goes on as usual: see sync.)
func (c *Controller) syncDisabled(ctx context.Context, s *controller.Sync[*snapshotapi.VirtualDiskSnapshot]) error {
	snap := s.Object
	if err := c.unlockVM(ctx, snap); err != nil {
		return err
	}
	wasOff := controller.ReadyReason(snap.Status.Conditions) == ReasonFeatureDisabled
	controller.SetCondition(&snap.Status.Conditions, snapshotapi.ConditionReady, metav1.ConditionFalse, ReasonFeatureDisabled,
		"the VirtualDiskSnapshot feature gate is disabled in the vmsnap controller; this snapshot is not taken until it is enabled",
		snap.Generation, metav1.NewTime(c.clock.Now()))
	wrote, err := s.WriteStatus(ctx)
	if err != nil {
		return err
	}
	if wrote && !wasOff {
		c.recorder.Event(snap, corev1.EventTypeWarning, ReasonFeatureDisabled,
			"the VirtualDiskSnapshot feature gate is disabled in the vmsnap controller; this snapshot is not taken")
	}
	return nil
}

// --- In progress -----------------------------------------------------------

// syncInProgress drives a snapshot from Pending to Ready or Failed. A step
// whose API call fails is retried until the deadline (requeueOrFail).
func (c *Controller) syncInProgress(ctx context.Context, snap *snapshotapi.VirtualDiskSnapshot) (time.Duration, error) {
	now := c.clock.Now()
	deadline := failureDeadline(snap)
	if snap.Status.Phase == "" {
		snap.Status.Phase = snapshotapi.SnapshotPending
	}
	if !c.volumeSnapshotsOK() {
		requeue := c.wait(snap, deadline, now, blocker{ReasonVolumeSnapshotAPI,
			"the VolumeSnapshot API (snapshot.storage.k8s.io/v1) is not served or not synced yet; install the CSI snapshot CRDs and snapshot-controller"})
		return controller.Sooner(requeue, controller.CacheRecheck), nil
	}
	requeue, err := c.progress(ctx, snap, deadline, now)
	if err != nil {
		return c.requeueOrFail(snap, deadline, now, err)
	}
	return requeue, nil
}

// progress starts the snapshot, or follows its VolumeSnapshot. Whether the
// VolumeSnapshot was made is asked of the API, never of the status: a
// status names it only once it exists, and one written by an older version
// named it before the freeze.
func (c *Controller) progress(ctx context.Context, snap *snapshotapi.VirtualDiskSnapshot, deadline controller.Deadline, now time.Time) (time.Duration, error) {
	vs := c.knownVolumeSnapshot(snap, now)
	if vs == nil && controller.ReadyReason(snap.Status.Conditions) == ReasonNameConflict {
		// The cache may not show yet the VolumeSnapshot a create's
		// AlreadyExists found: ask the API before locking and freezing again.
		var err error
		if vs, err = c.liveVolumeSnapshot(ctx, snap); err != nil {
			return 0, err
		}
	}
	if vs != nil && !ownVolumeSnapshot(snap, vs) {
		// Seen before anything is locked or frozen.
		return c.nameConflict(ctx, snap, vs.Name, deadline, now)
	}
	switch {
	case vs == nil && snap.Status.CreationTime != nil:
		// Cut and gone: making it again would cut another point in time.
		c.fail(snap, now, ReasonVolumeLost, fmt.Sprintf("VolumeSnapshot %s was deleted before it was ready to use", VolumeSnapshotName(snap)))
		return 0, nil
	case vs == nil || snap.Status.VolumeSnapshotName == nil:
		var requeue time.Duration
		var err error
		if vs, requeue, err = c.start(ctx, snap, vs, deadline, now); vs == nil || err != nil {
			return requeue, err
		}
	}
	return c.observe(ctx, snap, vs, deadline, now)
}

// ownVolumeSnapshot reports whether the snapshot created the VolumeSnapshot:
// only its controller reference proves it, never the name or the labels.
func ownVolumeSnapshot(snap *snapshotapi.VirtualDiskSnapshot, vs *snapshotv1.VolumeSnapshot) bool {
	return metav1.IsControlledBy(vs, snap)
}

// nameTaken is a create answered AlreadyExists for a VolumeSnapshot the
// snapshot did not create.
type nameTaken struct{ name string }

func (e *nameTaken) Error() string {
	return fmt.Sprintf("VolumeSnapshot %s exists and was not created by this disk snapshot", e.name)
}

// nameConflict keeps the snapshot waiting, or fails it at its deadline,
// while a VolumeSnapshot it did not create has its VolumeSnapshot's name.
// That one is left alone; a VM this snapshot locked or froze is released,
// since nothing can be cut for it until the name is free. Once its own was
// cut, the snapshot fails at once: cutting again would take another point
// in time.
func (c *Controller) nameConflict(ctx context.Context, snap *snapshotapi.VirtualDiskSnapshot, name string,
	deadline controller.Deadline, now time.Time,
) (time.Duration, error) {
	if snap.Status.CreationTime != nil {
		c.fail(snap, now, ReasonNameConflict, fmt.Sprintf("VolumeSnapshot %s was deleted and replaced by one this disk snapshot did not create; "+
			"that one is left alone, and the disk snapshot cannot be restored", name))
		return 0, nil
	}
	if err := c.thawIfNeeded(ctx, snap); err != nil {
		return 0, err
	}
	if err := c.unlockVM(ctx, snap); err != nil {
		return 0, err
	}
	snap.Status.VolumeSnapshotName = nil // names only the snapshot's own
	klog.FromContext(ctx).V(2).Info("The VolumeSnapshot's name is taken by one this snapshot did not create", "volumeSnapshot", klog.KRef(snap.Namespace, name))
	return c.wait(snap, deadline, now, blocker{ReasonNameConflict, fmt.Sprintf(
		"VolumeSnapshot %s exists and was not created by this disk snapshot (it has no controller reference to it); "+
			"it is left alone, and the snapshot cannot start while it has the name", name)}), nil
}

// liveVolumeSnapshot reads the VolumeSnapshot under the snapshot's name from
// the API; nil if there is none.
func (c *Controller) liveVolumeSnapshot(ctx context.Context, snap *snapshotapi.VirtualDiskSnapshot) (*snapshotv1.VolumeSnapshot, error) {
	name := VolumeSnapshotName(snap)
	vs, err := c.snapshotClient.SnapshotV1().VolumeSnapshots(snap.Namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	return vs, stepErr(ReasonNameConflict, err, "reading VolumeSnapshot %s", name)
}

// knownVolumeSnapshot returns the snapshot's VolumeSnapshot if it exists:
// the cache's, or the one this process created that the cache does not
// show yet. A restart empties the record of creates, and then the cache,
// listed after every create of the process before, is the whole truth.
// What it returns is only under the snapshot's name: check ownVolumeSnapshot.
func (c *Controller) knownVolumeSnapshot(snap *snapshotapi.VirtualDiskSnapshot, now time.Time) *snapshotv1.VolumeSnapshot {
	name := VolumeSnapshotName(snap)
	cached, err := c.volumeSnapshots.VolumeSnapshots(snap.Namespace).Get(name)
	vs, _ := c.createdVolumeSnapshots.Lookup(snap.Namespace+"/"+name, cached, err, now)
	return vs
}

// start checks that the snapshot can be taken, takes the VM lock, freezes
// and creates the VolumeSnapshot. existing is a VolumeSnapshot an earlier
// sync made before it could record it. It returns a nil VolumeSnapshot when
// the snapshot waits or failed.
func (c *Controller) start(ctx context.Context, snap *snapshotapi.VirtualDiskSnapshot, existing *snapshotv1.VolumeSnapshot,
	deadline controller.Deadline, now time.Time,
) (*snapshotv1.VolumeSnapshot, time.Duration, error) {
	next, requeue := c.readyToStart(snap, deadline, now)
	if next == nil {
		return nil, requeue, nil
	}
	if err := c.lockVM(ctx, snap, next.plan); err != nil {
		return nil, 0, err
	}
	recordStart(snap, next)
	alreadyCut := existing != nil && existing.Status != nil && existing.Status.CreationTime != nil
	if next.plan.freeze != nil && !alreadyCut {
		busy, err := c.freezeGuest(ctx, snap, next.plan.freeze.name, deadline)
		if err != nil {
			return nil, 0, err
		}
		if busy != nil {
			requeue := c.wait(snap, deadline, now, *busy)
			if snap.Status.Phase == snapshotapi.SnapshotFailed {
				return nil, 0, nil
			}
			return nil, controller.Sooner(requeue, busyFreezerRecheck), nil
		}
	}
	vs := existing
	if vs == nil {
		var err error
		if vs, err = c.createVolumeSnapshot(ctx, snap, next.claim.Name, next.class, now); err != nil {
			// Taken since the cache was looked at, maybe while frozen.
			var taken *nameTaken
			if errors.As(err, &taken) {
				requeue, err := c.nameConflict(ctx, snap, taken.name, deadline, now)
				return nil, requeue, err
			}
			return nil, 0, err
		}
		klog.FromContext(ctx).V(2).Info("Created the VolumeSnapshot", "volumeSnapshot", klog.KObj(vs), "class", next.class,
			"vm", next.plan.vmName, "frozen", next.plan.freeze != nil)
	}
	snap.Status.Phase = snapshotapi.SnapshotInProgress
	snap.Status.VolumeSnapshotName = ptr.To(vs.Name)
	return vs, 0, nil
}

// startable is what a snapshot that can start now snapshots, and how.
type startable struct {
	claim *corev1.PersistentVolumeClaim
	class string
	plan  consistencyPlan
}

// readyToStart checks that the snapshot can start now. When it cannot, it
// leaves the snapshot waiting (or failed) and returns when to look again.
func (c *Controller) readyToStart(snap *snapshotapi.VirtualDiskSnapshot, deadline controller.Deadline, now time.Time) (*startable, time.Duration) {
	if c.kubeVirtServed() && !c.kubeVirtSynced() {
		requeue := c.wait(snap, deadline, now, blocker{ReasonKubeVirtNotSynced,
			"the controller has not yet listed the VMs, so it cannot tell whether the disk is attached to one"})
		return nil, controller.Sooner(requeue, controller.CacheRecheck)
	}
	claim, class, b := c.inspectDisk(snap)
	if b != nil {
		return nil, c.wait(snap, deadline, now, *b)
	}
	if snap.Status.SourceUID != nil && *snap.Status.SourceUID != claim.UID {
		c.fail(snap, now, ReasonSourceReplaced, fmt.Sprintf("PersistentVolumeClaim %s was deleted and created again during the snapshot", claim.Name))
		return nil, 0
	}
	plan := planConsistency(snap.Spec.IsConsistencyRequired(), LockHolder(snap), c.attachments(snap.Namespace, snap.Spec.VirtualDiskName))
	if plan.blocker != nil {
		return nil, c.wait(snap, deadline, now, *plan.blocker)
	}
	return &startable{claim: claim, class: class, plan: plan}, 0
}

// recordStart notes, before anything is frozen or created, what the cleanup
// of every later path needs: the claim, and the VM that is locked and may
// be frozen.
func recordStart(snap *snapshotapi.VirtualDiskSnapshot, next *startable) {
	snap.Status.ReadyToUse = ptr.To(false)
	snap.Status.SourceUID = ptr.To(next.claim.UID)
	snap.Status.VirtualMachineName = nil
	if next.plan.vmName != "" {
		snap.Status.VirtualMachineName = ptr.To(next.plan.vmName)
	}
	snap.Status.Indications = next.plan.indications
}

// freezeGuest freezes the VM's guest for the cut. While the most VMs
// allowed are frozen (--max-frozen-vms) it returns a blocker: a wait, woken
// by the next thaw, and never a reason to cut unfrozen. A failed freeze is
// an error to retry when consistency is required; otherwise the cut goes
// on crash-consistent and says so.
func (c *Controller) freezeGuest(ctx context.Context, snap *snapshotapi.VirtualDiskSnapshot, vmiName string, deadline controller.Deadline) (*blocker, error) {
	if _, frozen := c.freezer.Frozen(snap.UID); frozen {
		return nil, nil
	}
	freezeCtx, cancel := deadline.Bound(ctx)
	err := c.freezer.Freeze(freezeCtx, snap.UID, snap.Namespace, vmiName)
	cancel()
	switch {
	case err == nil:
		return nil, nil
	case errors.Is(err, freeze.ErrBusy):
		klog.FromContext(ctx).V(4).Info("Waiting for a place among the frozen VMs", "vmi", klog.KRef(snap.Namespace, vmiName))
		return &blocker{ReasonWaitingToFreeze, fmt.Sprintf("VM %s waits to be frozen for the cut: %v", vmiName, err)}, nil
	case snap.Spec.IsConsistencyRequired():
		return nil, stepErr(ReasonFreezeFailed, err, "freezing the filesystems of VM %s", vmiName)
	}
	controller.SetIndication(&snap.Status.Indications, snapshotapi.IndicationQuiesceFailed, "freezing the filesystems failed: "+err.Error())
	return nil, nil
}

// inspectDisk finds the disk's claim and VolumeSnapshotClass, or what stops
// the snapshot.
func (c *Controller) inspectDisk(snap *snapshotapi.VirtualDiskSnapshot) (*corev1.PersistentVolumeClaim, string, *blocker) {
	name := snap.Spec.VirtualDiskName
	in := diskInputs{
		spec: &snap.Spec,
		storageClass: func(name string) *storagev1.StorageClass {
			sc, _ := c.storageClasses.Get(name)
			return sc
		},
	}
	in.claim, _ = c.claims.PersistentVolumeClaims(snap.Namespace).Get(name)
	if c.dataVolumesOK() {
		in.dataVolume, _ = c.dataVolumes.Namespace(snap.Namespace).Get(name)
	}
	in.snapshotClasses, _ = c.snapshotClasses.List(everything)
	class, b := checkDisk(in)
	return in.claim, class, b
}

// attachments lists the VMs whose spec or running instance uses the disk.
func (c *Controller) attachments(namespace, disk string) []attachment {
	if !c.kubeVirtServed() {
		return nil // no KubeVirt, no VMs
	}
	key := namespace + "/" + disk
	var names []string
	for _, index := range []cache.Indexer{c.vmIndex, c.vmiIndex} {
		objs, _ := index.ByIndex(IndexByClaim, key)
		for _, o := range objs {
			if m, ok := o.(metav1.Object); ok && !slices.Contains(names, m.GetName()) {
				names = append(names, m.GetName())
			}
		}
	}
	out := make([]attachment, 0, len(names))
	for _, name := range names {
		a := attachment{name: name}
		a.vm, _ = c.vms.Namespace(namespace).Get(name)
		a.vmi, _ = c.vmis.Namespace(namespace).Get(name)
		out = append(out, a)
	}
	return out
}

// createVolumeSnapshot creates the VolumeSnapshot and remembers it until
// the cache shows it.
func (c *Controller) createVolumeSnapshot(ctx context.Context, snap *snapshotapi.VirtualDiskSnapshot, claimName, class string, now time.Time) (*snapshotv1.VolumeSnapshot, error) {
	vs := &snapshotv1.VolumeSnapshot{
		ObjectMeta: metav1.ObjectMeta{
			Name:      VolumeSnapshotName(snap),
			Namespace: snap.Namespace,
			Labels:    map[string]string{LabelDiskSnapshotName: snap.Name},
			// Recorded with the create, so that whoever sees the cut can
			// tell whether it fell inside the freeze (cutWindow).
			Annotations: c.freezer.OpenWindow(snap.UID, now).Annotations(),
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(snap,
				snapshotapi.SchemeGroupVersion.WithKind("VirtualDiskSnapshot"))},
		},
		Spec: snapshotv1.VolumeSnapshotSpec{
			Source:                  snapshotv1.VolumeSnapshotSource{PersistentVolumeClaimName: ptr.To(claimName)},
			VolumeSnapshotClassName: ptr.To(class),
		},
	}
	client := c.snapshotClient.SnapshotV1().VolumeSnapshots(snap.Namespace)
	created, err := client.Create(ctx, vs, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		// Made by a sync whose create answered with an error, or by a
		// process before a restart, and not in the cache yet; or by
		// someone else, which only the controller reference tells.
		created, err = client.Get(ctx, vs.Name, metav1.GetOptions{})
		if err == nil && !ownVolumeSnapshot(snap, created) {
			return nil, &nameTaken{name: vs.Name}
		}
	}
	if err != nil {
		return nil, stepErr(ReasonCreateFailed, err, "creating VolumeSnapshot %s of PersistentVolumeClaim %s", vs.Name, claimName)
	}
	c.createdVolumeSnapshots.ExpectCreated(snap.Namespace+"/"+vs.Name, created, now)
	return created, nil
}

// observe follows the VolumeSnapshot: it thaws and unlocks the VM at the
// cut, and reports Ready once the VolumeSnapshot is ready to use.
func (c *Controller) observe(ctx context.Context, snap *snapshotapi.VirtualDiskSnapshot, vs *snapshotv1.VolumeSnapshot,
	deadline controller.Deadline, now time.Time,
) (time.Duration, error) {
	st := vs.Status
	if st == nil {
		st = &snapshotv1.VolumeSnapshotStatus{}
	}
	cut := st.CreationTime != nil
	if vs.DeletionTimestamp != nil && !ptr.Deref(st.ReadyToUse, false) {
		c.fail(snap, now, ReasonVolumeLost, fmt.Sprintf("VolumeSnapshot %s was deleted before it was ready to use", vs.Name))
		return 0, nil
	}
	if !cut {
		if b := c.sourceGone(snap); b != nil {
			c.fail(snap, now, b.reason, b.message)
			return 0, nil
		}
	}
	cutNow := cut && snap.Status.CreationTime == nil
	if cutNow {
		if err := c.thawAtCut(ctx, snap, vs); err != nil {
			return 0, err
		}
		if err := c.unlockVM(ctx, snap); err != nil {
			return 0, err
		}
		snap.Status.CreationTime = st.CreationTime.DeepCopy()
	}
	if snap.Spec.IsConsistencyRequired() {
		if m := controller.IndicationMessage(snap.Status.Indications, snapshotapi.IndicationQuiesceTimeout); m != "" {
			c.fail(snap, now, ReasonQuiesceTimeout, m+
				"; the snapshot is not consistent. Raise the controller's --unfreeze-timeout, or set requiredConsistency: false")
			return 0, nil
		}
		if m := controller.IndicationMessage(snap.Status.Indications, snapshotapi.IndicationQuiesceFailed); m != "" {
			c.fail(snap, now, ReasonQuiesceFailed, m+"; the snapshot is not consistent")
			return 0, nil
		}
	}
	if st.RestoreSize != nil {
		snap.Status.RestoreSize = ptr.To(st.RestoreSize.DeepCopy())
	}

	if ptr.Deref(st.ReadyToUse, false) {
		if !cutNow {
			// Released at the cut; again in case the cache hid the lock then.
			if err := c.unlockVM(ctx, snap); err != nil {
				return 0, err
			}
		}
		snap.Status.Phase = snapshotapi.SnapshotReady
		snap.Status.ReadyToUse = ptr.To(true)
		snap.Status.Consistent = ptr.To(controller.Consistent(snap.Status.Indications))
		snap.Status.Error = nil
		c.setConditions(snap, now, metav1.ConditionFalse, ReasonReady, "the snapshot is complete",
			metav1.ConditionTrue, ReasonReady, readyMessage(snap))
		return 0, nil
	}

	snap.Status.Phase = snapshotapi.SnapshotInProgress
	snap.Status.ReadyToUse = ptr.To(false)
	message := fmt.Sprintf("waiting for the storage to cut VolumeSnapshot %s", vs.Name)
	if cut {
		message = fmt.Sprintf("VolumeSnapshot %s was cut at %s; waiting for it to be ready to use", vs.Name, st.CreationTime.UTC().Format(time.RFC3339))
	}
	storageError := ""
	if st.Error != nil && st.Error.Message != nil {
		storageError = *st.Error.Message
		message += "; the storage reports: " + storageError
	}
	c.setConditions(snap, now, metav1.ConditionTrue, ReasonInProgress, message, metav1.ConditionFalse, ReasonInProgress, message)
	if deadline.Exceeded(now) {
		reason := ReasonDeadlineExceeded
		if storageError != "" {
			reason = ReasonSnapshotFailed
		}
		c.fail(snap, now, reason, fmt.Sprintf("the snapshot did not complete within its failureDeadline of %s: %s", deadline.Length, message))
		return 0, nil
	}
	return deadline.Remaining(now), nil
}

// sourceGone says why a VolumeSnapshot not cut yet never will be: its claim
// was deleted, or is being deleted before the snapshot-controller protected
// it.
func (c *Controller) sourceGone(snap *snapshotapi.VirtualDiskSnapshot) *blocker {
	name := snap.Spec.VirtualDiskName
	claim, err := c.claims.PersistentVolumeClaims(snap.Namespace).Get(name)
	switch {
	case apierrors.IsNotFound(err):
		return &blocker{ReasonDiskDeleted, fmt.Sprintf("PersistentVolumeClaim %s was deleted before the storage cut the snapshot", name)}
	case err != nil:
		return nil
	case snap.Status.SourceUID != nil && claim.UID != *snap.Status.SourceUID:
		return &blocker{ReasonSourceReplaced, fmt.Sprintf("PersistentVolumeClaim %s was deleted and created again before the storage cut the snapshot", name)}
	case claim.DeletionTimestamp != nil && !slices.Contains(claim.Finalizers, pvcSourceProtection):
		return &blocker{ReasonDiskDeleted, fmt.Sprintf(
			"PersistentVolumeClaim %s was deleted before the snapshot-controller started the snapshot; a claim being deleted cannot be snapshotted", name)}
	}
	return nil
}

// --- Ready -------------------------------------------------------------------

// syncReady keeps readyToUse true while the VolumeSnapshot is there, and
// releases a VM lock whose release an earlier sync could not see yet.
func (c *Controller) syncReady(ctx context.Context, snap *snapshotapi.VirtualDiskSnapshot) error {
	if err := c.unlockVM(ctx, snap); err != nil {
		return err
	}
	if !c.volumeSnapshotsOK() {
		return nil
	}
	now := metav1.NewTime(c.clock.Now())
	name := ptr.Deref(snap.Status.VolumeSnapshotName, VolumeSnapshotName(snap))
	vs, err := c.volumeSnapshots.VolumeSnapshots(snap.Namespace).Get(name)
	if apierrors.IsNotFound(err) {
		snap.Status.ReadyToUse = ptr.To(false)
		controller.SetCondition(&snap.Status.Conditions, snapshotapi.ConditionReady, metav1.ConditionFalse, ReasonVolumeLost,
			fmt.Sprintf("VolumeSnapshot %s is gone; the disk snapshot cannot be restored", name), snap.Generation, now)
		return nil
	}
	if err != nil {
		return err
	}
	if !ownVolumeSnapshot(snap, vs) {
		// Ours was deleted and the name taken: not our data to offer.
		snap.Status.ReadyToUse = ptr.To(false)
		controller.SetCondition(&snap.Status.Conditions, snapshotapi.ConditionReady, metav1.ConditionFalse, ReasonNameConflict,
			fmt.Sprintf("VolumeSnapshot %s was not created by this disk snapshot, whose own is gone; the disk snapshot cannot be restored", name),
			snap.Generation, now)
		return nil
	}
	ready := vs.Status != nil && ptr.Deref(vs.Status.ReadyToUse, false)
	snap.Status.ReadyToUse = ptr.To(ready)
	if ready {
		if vs.Status.RestoreSize != nil {
			snap.Status.RestoreSize = ptr.To(vs.Status.RestoreSize.DeepCopy())
		}
		controller.SetCondition(&snap.Status.Conditions, snapshotapi.ConditionReady, metav1.ConditionTrue, ReasonReady,
			readyMessage(snap), snap.Generation, now)
	}
	return nil
}

func readyMessage(snap *snapshotapi.VirtualDiskSnapshot) string {
	return fmt.Sprintf("VolumeSnapshot %s of disk %s is ready to use", ptr.Deref(snap.Status.VolumeSnapshotName, ""), snap.Spec.VirtualDiskName)
}

// --- Failure and deletion -----------------------------------------------------

// fail marks the snapshot Failed; cleanUpFailed then undoes what it made.
func (c *Controller) fail(snap *snapshotapi.VirtualDiskSnapshot, now time.Time, reason, message string) {
	snap.Status.Phase = snapshotapi.SnapshotFailed
	snap.Status.ReadyToUse = ptr.To(false)
	snap.Status.Error = &snapshotapi.Error{Time: ptr.To(metav1.NewTime(now)), Message: ptr.To(message)}
	c.setConditions(snap, now, metav1.ConditionFalse, reason, message, metav1.ConditionFalse, reason, message)
}

// cleanUpFailed thaws the VM, releases it and deletes the VolumeSnapshot.
// It runs on every sync of a Failed snapshot, so a crash half-way through,
// or a VolumeSnapshot the cache did not show yet, is dealt with later.
func (c *Controller) cleanUpFailed(ctx context.Context, snap *snapshotapi.VirtualDiskSnapshot) error {
	if err := c.thawIfNeeded(ctx, snap); err != nil {
		return err
	}
	if err := c.unlockVM(ctx, snap); err != nil {
		return err
	}
	_, err := c.deleteVolumeSnapshot(ctx, snap)
	return err
}

// syncDeletion thaws, unlocks and deletes the VolumeSnapshot, and reports
// whether all is done so that the finalizer can go.
func (c *Controller) syncDeletion(ctx context.Context, snap *snapshotapi.VirtualDiskSnapshot) (bool, time.Duration, error) {
	if !slices.Contains(snap.Finalizers, Finalizer) {
		return false, 0, nil
	}
	if snap.Status.Phase != snapshotapi.SnapshotTerminating {
		snap.Status.Phase = snapshotapi.SnapshotTerminating
		c.setConditions(snap, c.clock.Now(), metav1.ConditionTrue, ReasonDeleting, "the snapshot is being deleted",
			metav1.ConditionFalse, ReasonDeleting, "the snapshot is being deleted")
	}
	if err := c.thawIfNeeded(ctx, snap); err != nil {
		return false, 0, err
	}
	if err := c.unlockVM(ctx, snap); err != nil {
		return false, 0, err
	}
	gone, err := c.deleteVolumeSnapshot(ctx, snap)
	if err != nil || !gone {
		return false, deletionRecheck, err
	}
	c.freezer.Forget(snap.UID)
	return true, 0, nil
}

// deleteVolumeSnapshot deletes the snapshot's VolumeSnapshot and reports
// whether it is gone.
func (c *Controller) deleteVolumeSnapshot(ctx context.Context, snap *snapshotapi.VirtualDiskSnapshot) (bool, error) {
	vs := c.knownVolumeSnapshot(snap, c.clock.Now())
	if vs == nil || !ownVolumeSnapshot(snap, vs) {
		return true, nil // gone, or not ours to delete
	}
	if c.deleted.Deleting(vs, c.clock.Now()) {
		return false, nil // woken by its deletion event
	}
	if ok, _ := controller.DeletableVolumeSnapshot(vs, c.clock.Now()); !ok {
		return false, nil // woken when snapshot-controller binds it
	}
	err := c.snapshotClient.SnapshotV1().VolumeSnapshots(snap.Namespace).Delete(ctx, vs.Name, metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{UID: ptr.To(vs.UID)},
	})
	c.createdVolumeSnapshots.Observed(snap.Namespace + "/" + vs.Name) // from now on the cache tells
	if apierrors.IsNotFound(err) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("deleting VolumeSnapshot %s: %w", vs.Name, err)
	}
	c.deleted.ExpectDeleted(vs, c.clock.Now())
	return false, nil
}

// --- Freeze, thaw and the VM lock --------------------------------------------

// thawAtCut thaws the VM the snapshot froze, now that the storage cut it,
// and notes whether the guest had already thawed by itself.
func (c *Controller) thawAtCut(ctx context.Context, snap *snapshotapi.VirtualDiskSnapshot, vs *snapshotv1.VolumeSnapshot) error {
	if !controller.HasIndication(snap.Status.Indications, snapshotapi.IndicationGuestAgent) || controller.HasIndication(snap.Status.Indications, snapshotapi.IndicationQuiesceFailed) {
		return nil
	}
	cutAt := vs.Status.CreationTime.Time
	window, known := c.cutWindow(snap, vs)
	switch {
	case !known:
		controller.SetIndication(&snap.Status.Indications, snapshotapi.IndicationQuiesceFailed, fmt.Sprintf(
			"VolumeSnapshot %s records no freeze window: it was created while the guest was not frozen", vs.Name))
	case window.CutAfterAutoThaw(cutAt):
		controller.SetIndication(&snap.Status.Indications, snapshotapi.IndicationQuiesceTimeout, fmt.Sprintf(
			"the disk was cut %s after the freeze, past the %s auto-thaw timeout",
			cutAt.Sub(window.FrozenAt).Round(time.Millisecond), window.AutoThawAt.Sub(window.FrozenAt)))
	}
	return c.thawIfNeeded(ctx, snap)
}

// cutWindow returns the freeze window the VolumeSnapshot was created in, as
// recorded on it: the process that froze the guest may be gone, and the
// guest may have thawed by itself while none ran. A VolumeSnapshot made
// before windows were recorded falls back on this process's own freeze.
func (c *Controller) cutWindow(snap *snapshotapi.VirtualDiskSnapshot, vs *snapshotv1.VolumeSnapshot) (*freeze.Window, bool) {
	if window, ok := freeze.WindowOf(vs.Annotations); ok {
		return window, true
	}
	return c.freezer.HeldWindow(snap.UID)
}

// thawIfNeeded thaws a VM this snapshot may have frozen and not thawed yet,
// also after a restart of the controller that forgot whether it froze.
// Only the holder thaws: a VM another snapshot holds may be frozen for that
// one's cut, which a thaw from here would spoil.
func (c *Controller) thawIfNeeded(ctx context.Context, snap *snapshotapi.VirtualDiskSnapshot) error {
	if !controller.HasIndication(snap.Status.Indications, snapshotapi.IndicationGuestAgent) || c.freezer.Thawed(snap.UID) {
		return nil
	}
	_, frozenHere := c.freezer.Frozen(snap.UID)
	if !frozenHere && snap.Status.CreationTime != nil {
		return nil // cut before; thawed then
	}
	vmName := ptr.Deref(snap.Status.VirtualMachineName, "")
	if _, err := c.vmis.Namespace(snap.Namespace).Get(vmName); vmName == "" || apierrors.IsNotFound(err) {
		c.freezer.MarkThawed(snap.UID)
		return nil
	}
	if !c.holdsFreeze(snap, vmName, frozenHere) {
		klog.FromContext(ctx).V(4).Info("Not thawing a VM another snapshot holds", "vm", klog.KRef(snap.Namespace, vmName))
		c.freezer.MarkThawed(snap.UID) // the holder's freeze now; free our place
		return nil
	}
	return stepErr(ReasonThawFailed, c.freezer.Thaw(ctx, snap.UID, snap.Namespace, vmName), "VM %s", vmName)
}

// holdsFreeze reports whether the snapshot may thaw the VM: the VM lock
// names it, or nobody holds the lock and this process froze the VM for it.
// A VM instance without a VM has no lock; then only that record counts.
func (c *Controller) holdsFreeze(snap *snapshotapi.VirtualDiskSnapshot, vmName string, frozenHere bool) bool {
	if !c.kubeVirtServed() {
		return frozenHere
	}
	vm, err := c.vms.Namespace(snap.Namespace).Get(vmName)
	if err != nil {
		return frozenHere
	}
	holder := c.freezer.Holder(vm)
	return holder == LockHolder(snap) || (holder == "" && frozenHere)
}

// lockVM names the snapshot in the status.snapshotInProgress of the VM it
// is to freeze.
func (c *Controller) lockVM(ctx context.Context, snap *snapshotapi.VirtualDiskSnapshot, plan consistencyPlan) error {
	if plan.freeze == nil || plan.freeze.vm == nil {
		return nil
	}
	return stepErr(ReasonLockFailed, c.freezer.Lock(ctx, plan.freeze.vm, LockHolder(snap)), "locking VM %s", plan.freeze.name)
}

// unlockVM clears status.snapshotInProgress of every VM that names this
// snapshot: the one its status records, and those the disk is attached to,
// in case the controller crashed between the lock and the status write
// that records it.
func (c *Controller) unlockVM(ctx context.Context, snap *snapshotapi.VirtualDiskSnapshot) error {
	if !c.kubeVirtServed() {
		return nil
	}
	var names []string
	if name := ptr.Deref(snap.Status.VirtualMachineName, ""); name != "" {
		names = append(names, name)
	}
	for _, a := range c.attachments(snap.Namespace, snap.Spec.VirtualDiskName) {
		if !slices.Contains(names, a.name) {
			names = append(names, a.name)
		}
	}
	for _, name := range names {
		vm, err := c.vms.Namespace(snap.Namespace).Get(name)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return err
		}
		if err := c.freezer.Unlock(ctx, vm, LockHolder(snap)); err != nil {
			return stepErr(ReasonUnlockFailed, err, "releasing the lock of VM %s", name)
		}
	}
	return nil
}

// --- Waiting --------------------------------------------------------------

// wait keeps the snapshot Pending for the blocker, or fails it once the
// deadline has passed. It requeues at the deadline.
func (c *Controller) wait(snap *snapshotapi.VirtualDiskSnapshot, deadline controller.Deadline, now time.Time, b blocker) time.Duration {
	if deadline.Exceeded(now) {
		c.fail(snap, now, b.reason, fmt.Sprintf("the snapshot could not start within its failureDeadline of %s: %s", deadline.Length, b.message))
		return 0
	}
	snap.Status.Phase = snapshotapi.SnapshotPending
	snap.Status.ReadyToUse = ptr.To(false)
	c.setConditions(snap, now, metav1.ConditionFalse, b.reason, b.message, metav1.ConditionFalse, b.reason, b.message)
	return deadline.Remaining(now)
}

// requeueOrFail retries a step whose API call failed with backoff, and
// wakes the snapshot at its deadline whatever the backoff; past the
// deadline it fails, naming the step.
func (c *Controller) requeueOrFail(snap *snapshotapi.VirtualDiskSnapshot, deadline controller.Deadline, now time.Time, err error) (time.Duration, error) {
	reason := ReasonDeadlineExceeded
	var step *stepError
	if errors.As(err, &step) {
		reason = step.reason
	}
	if deadline.Exceeded(now) {
		c.fail(snap, now, reason, fmt.Sprintf("the snapshot did not complete within its failureDeadline of %s: %v", deadline.Length, err))
		return 0, nil
	}
	// A conflict is the cache behind a write and is retried at once:
	// nothing a user needs to read.
	if !apierrors.IsConflict(err) {
		message := err.Error() + "; retrying until the failureDeadline"
		snap.Status.Error = &snapshotapi.Error{Time: ptr.To(metav1.NewTime(now)), Message: ptr.To(err.Error())}
		c.setConditions(snap, now, metav1.ConditionTrue, reason, message, metav1.ConditionFalse, reason, message)
	}
	return deadline.Remaining(now), err
}

// retryDelay goes with an error of a snapshot not done yet: the time left
// to its deadline, so that the queue wakes it then, to fail, however long
// the backoff has grown.
func (c *Controller) retryDelay(snap *snapshotapi.VirtualDiskSnapshot) time.Duration {
	switch {
	case snap.DeletionTimestamp != nil, snap.Status.Phase == snapshotapi.SnapshotReady, snap.Status.Phase == snapshotapi.SnapshotFailed:
		return 0
	}
	return failureDeadline(snap).Remaining(c.clock.Now())
}

func (c *Controller) setConditions(snap *snapshotapi.VirtualDiskSnapshot, now time.Time,
	progressing metav1.ConditionStatus, progressingReason, progressingMessage string,
	ready metav1.ConditionStatus, readyReason, readyMessage string,
) {
	controller.SetProgressAndReady(&snap.Status.Conditions, snap.Generation, metav1.NewTime(now),
		progressing, progressingReason, progressingMessage, ready, readyReason, readyMessage)
}

// --- Small helpers --------------------------------------------------------

func failureDeadline(snap *snapshotapi.VirtualDiskSnapshot) controller.Deadline {
	return controller.Deadline{Start: snap.CreationTimestamp.Time, Length: snap.Spec.GetFailureDeadline()}
}

// stepError is the failed API call of one step. Its message names the
// step; its reason is what the snapshot fails with should the deadline pass
// while the call keeps failing.
type stepError struct {
	reason string
	err    error
}

func (e *stepError) Error() string { return e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

// stepErr wraps err, if any, with the step: "<format>: err".
func stepErr(reason string, err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return &stepError{reason: reason, err: fmt.Errorf(format+": %w", append(args, err)...)}
}

// notStarted reports whether a snapshot has not created its VolumeSnapshot.
func notStarted(snap *snapshotapi.VirtualDiskSnapshot) bool {
	return snap.DeletionTimestamp == nil && (snap.Status.Phase == "" || snap.Status.Phase == snapshotapi.SnapshotPending)
}
