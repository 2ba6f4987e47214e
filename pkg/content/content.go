// Package content is the VirtualMachineSnapshotContent controller.
//
// It keeps a content's status a mirror of its VolumeSnapshots:
//
//	VolumeSnapshot events ─► content key ─► status.volumeSnapshotStatus[],
//	                                         readyToUse, creationTime, Ready condition
//
// Readiness and failures are written at once, the cut within
// controller.ProgressInterval, per-volume detail within
// controller.DetailInterval: a content takes one or two status writes
// however many volumes and VolumeSnapshot updates it has.
//
// It creates and deletes nothing: the VirtualMachineSnapshot controller makes
// the content and its VolumeSnapshots, and the garbage collector removes the
// VolumeSnapshots with the content that owns them. A VolumeSnapshot that
// disappears after it was cut is reported, never silently recreated.
package content

import (
	"context"
	"fmt"
	"strings"
	"time"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	vsinformers "github.com/kubernetes-csi/external-snapshotter/client/v8/informers/externalversions/volumesnapshot/v1"
	vslisters "github.com/kubernetes-csi/external-snapshotter/client/v8/listers/volumesnapshot/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
	vmsnapclient "vmsnap.io/client-go/clientset/versioned"
	vmsnapinformers "vmsnap.io/client-go/informers/externalversions/snapshot/v1alpha1"
	vmsnaplisters "vmsnap.io/client-go/listers/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/controller"
)

// ControllerName names the controller's queue, logs and metrics.
const ControllerName = "vmsnapshotcontent"

// Condition reasons.
const (
	ReasonReady      = "Ready"
	ReasonInProgress = "InProgress"
	ReasonMissing    = "VolumeSnapshotMissing"
)

// Controller mirrors VolumeSnapshot state into contents.
type Controller struct {
	client          vmsnapclient.Interface
	contents        vmsnaplisters.VirtualMachineSnapshotContentLister
	snapshots       vmsnaplisters.VirtualMachineSnapshotLister
	volumeSnapshots vslisters.VolumeSnapshotLister
	synced          []cache.InformerSynced
	queue           workqueue.TypedRateLimitingInterface[string]
	clock           clock.PassiveClock
	// written holds status writes the cache does not show yet.
	written *controller.Written[*snapshotapi.VirtualMachineSnapshotContent]
	pending *controller.Progress
}

// New builds the controller and registers its informer handlers.
func New(client vmsnapclient.Interface, contents vmsnapinformers.VirtualMachineSnapshotContentInformer,
	snapshots vmsnapinformers.VirtualMachineSnapshotInformer, volumeSnapshots vsinformers.VolumeSnapshotInformer,
	queue workqueue.TypedRateLimitingInterface[string], clk clock.PassiveClock,
) (*Controller, error) {
	c := &Controller{
		client:          client,
		contents:        contents.Lister(),
		snapshots:       snapshots.Lister(),
		volumeSnapshots: volumeSnapshots.Lister(),
		synced:          []cache.InformerSynced{contents.Informer().HasSynced, snapshots.Informer().HasSynced},
		queue:           queue,
		clock:           clk,
		written:         controller.NewWritten[*snapshotapi.VirtualMachineSnapshotContent](),
		pending:         controller.NewProgress(),
	}
	if _, err := contents.Informer().AddEventHandler(controller.EnqueueHandler(queue)); err != nil {
		return nil, err
	}
	enqueueOwner := func(obj interface{}) {
		if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = t.Obj
		}
		vs, ok := obj.(*snapshotv1.VolumeSnapshot)
		if !ok {
			return
		}
		if ref := metav1.GetControllerOf(vs); ref != nil && ref.Kind == "VirtualMachineSnapshotContent" &&
			ref.APIVersion == snapshotapi.SchemeGroupVersion.String() {
			queue.Add(vs.Namespace + "/" + ref.Name)
		}
	}
	_, err := volumeSnapshots.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueueOwner,
		UpdateFunc: func(_, obj interface{}) { enqueueOwner(obj) },
		DeleteFunc: enqueueOwner,
	})
	return c, err
}

// Run starts the workers and blocks until ctx is done.
func (c *Controller) Run(ctx context.Context, workers int) {
	if !cache.WaitForNamedCacheSyncWithContext(ctx, c.synced...) {
		return
	}
	controller.Run(ctx, ControllerName, c.queue, workers, c.sync)
}

func (c *Controller) sync(ctx context.Context, key string) (time.Duration, error) {
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	cached, err := c.contents.VirtualMachineSnapshotContents(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		c.written.Forget(key)
		c.pending.Done(key)
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	latest := c.written.Latest(key, cached)
	if c.deleting(latest) {
		c.pending.Done(key)
		return 0, nil
	}
	content := latest.DeepCopy()
	now := c.clock.Now()
	content.Status = Status(content, c.volumeSnapshots, now)
	if equality.Semantic.DeepEqual(latest.Status, content.Status) {
		c.pending.Done(key)
		return 0, nil
	}
	if !Settled(&latest.Status, &content.Status) {
		cut := latest.Status.CreationTime == nil && content.Status.CreationTime != nil
		if wait := c.pending.Wait(key, now, cut); wait > 0 {
			return wait, nil
		}
	}
	updated, err := c.client.SnapshotV1alpha1().VirtualMachineSnapshotContents(namespace).UpdateStatus(ctx, content, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	c.written.Store(key, cached.ResourceVersion, updated)
	c.pending.Done(key)
	klog.FromContext(ctx).V(4).Info("Updated content status", "content", klog.KObj(content), "readyToUse", ptr.Deref(content.Status.ReadyToUse, false))
	return 0, nil
}

// deleting reports whether the content is being deleted, by itself or with
// the snapshot that controls it. Its VolumeSnapshots then go on purpose, one
// by one, and a status write for each would report a loss to nobody: under
// a burst of deletions, two writes per content for nothing.
func (c *Controller) deleting(content *snapshotapi.VirtualMachineSnapshotContent) bool {
	if content.DeletionTimestamp != nil {
		return true
	}
	ref := metav1.GetControllerOf(content)
	if ref == nil || ref.Kind != "VirtualMachineSnapshot" || ref.APIVersion != snapshotapi.SchemeGroupVersion.String() {
		return false
	}
	snap, err := c.snapshots.VirtualMachineSnapshots(content.Namespace).Get(ref.Name)
	return err == nil && snap.UID == ref.UID && snap.DeletionTimestamp != nil
}

// Settled reports whether a new status settles something a reader waits
// for: readiness, or a lost or failing VolumeSnapshot. Such a change is
// written at once; progress in between waits (see controller.Progress).
func Settled(old, status *snapshotapi.VirtualMachineSnapshotContentStatus) bool {
	if ptr.Deref(old.ReadyToUse, false) != ptr.Deref(status.ReadyToUse, false) {
		return true
	}
	if (old.Error == nil) != (status.Error == nil) {
		return true
	}
	if volumeErrors(old) != volumeErrors(status) {
		return true
	}
	return controller.ReadyReason(old.Conditions) != controller.ReadyReason(status.Conditions) &&
		controller.ReadyReason(status.Conditions) != ReasonInProgress
}

func volumeErrors(status *snapshotapi.VirtualMachineSnapshotContentStatus) string {
	var b strings.Builder
	for _, v := range status.VolumeSnapshotStatus {
		if v.Error != nil {
			fmt.Fprintf(&b, "%s: %s\n", v.VolumeSnapshotName, ptr.Deref(v.Error.Message, ""))
		}
	}
	return b.String()
}

// Status computes a content's status from its VolumeSnapshots. A
// VolumeSnapshot counts as lost only once it had been cut: before that it
// may simply not be created yet.
func Status(content *snapshotapi.VirtualMachineSnapshotContent, volumeSnapshots vslisters.VolumeSnapshotLister, now time.Time) snapshotapi.VirtualMachineSnapshotContentStatus {
	previous := map[string]snapshotapi.VolumeSnapshotStatus{}
	for _, s := range content.Status.VolumeSnapshotStatus {
		previous[s.VolumeSnapshotName] = s
	}
	status := snapshotapi.VirtualMachineSnapshotContentStatus{Conditions: content.Status.Conditions}
	ready, pending := 0, 0
	var lost []string
	var lastCut *metav1.Time
	for _, b := range content.Spec.VolumeBackups {
		name := ptr.Deref(b.VolumeSnapshotName, "")
		vs, err := volumeSnapshots.VolumeSnapshots(content.Namespace).Get(name)
		if err != nil {
			if prev, ok := previous[name]; ok && prev.CreationTime != nil {
				prev.ReadyToUse = ptr.To(false)
				prev.Error = &snapshotapi.Error{Message: ptr.To("the VolumeSnapshot is gone")}
				status.VolumeSnapshotStatus = append(status.VolumeSnapshotStatus, prev)
				lost = append(lost, name)
			} else {
				pending++
			}
			continue
		}
		s := snapshotapi.VolumeSnapshotStatus{VolumeSnapshotName: name, ReadyToUse: ptr.To(false)}
		if st := vs.Status; st != nil {
			s.ReadyToUse = ptr.To(ptr.Deref(st.ReadyToUse, false))
			s.CreationTime = st.CreationTime
			s.RestoreSize = st.RestoreSize
			if st.Error != nil {
				s.Error = &snapshotapi.Error{Time: st.Error.Time, Message: st.Error.Message}
			}
		}
		if *s.ReadyToUse {
			ready++
		}
		if s.CreationTime != nil && (lastCut == nil || s.CreationTime.After(lastCut.Time)) {
			lastCut = s.CreationTime
		}
		status.VolumeSnapshotStatus = append(status.VolumeSnapshotStatus, s)
	}

	total := len(content.Spec.VolumeBackups)
	allReady := ready == total
	status.ReadyToUse = ptr.To(allReady)
	status.CreationTime = content.Status.CreationTime
	if status.CreationTime == nil {
		switch {
		case total == 0:
			status.CreationTime = ptr.To(content.CreationTimestamp)
		case pending == 0 && len(lost) == 0 && allCut(status.VolumeSnapshotStatus):
			status.CreationTime = lastCut
		}
	}
	t := metav1.NewTime(now)
	switch {
	case len(lost) > 0:
		message := fmt.Sprintf("VolumeSnapshots %s are gone; this content cannot be restored", strings.Join(lost, ", "))
		status.Error = &snapshotapi.Error{Time: &t, Message: ptr.To(message)}
		controller.SetCondition(&status.Conditions, snapshotapi.ConditionReady, metav1.ConditionFalse, ReasonMissing, message, content.Generation, t)
	case allReady:
		controller.SetCondition(&status.Conditions, snapshotapi.ConditionReady, metav1.ConditionTrue, ReasonReady,
			fmt.Sprintf("all %d volume snapshots are ready to use", total), content.Generation, t)
	default:
		controller.SetCondition(&status.Conditions, snapshotapi.ConditionReady, metav1.ConditionFalse, ReasonInProgress,
			fmt.Sprintf("%d of %d volume snapshots ready", ready, total), content.Generation, t)
	}
	return status
}

func allCut(statuses []snapshotapi.VolumeSnapshotStatus) bool {
	for _, s := range statuses {
		if s.CreationTime == nil {
			return false
		}
	}
	return true
}
