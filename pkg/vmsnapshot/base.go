package vmsnapshot

import (
	"context"
	"sync"

	groupsnapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumegroupsnapshot/v1"
	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	snapshotclient "github.com/kubernetes-csi/external-snapshotter/client/v8/clientset/versioned"
	groupinformers "github.com/kubernetes-csi/external-snapshotter/client/v8/informers/externalversions/volumegroupsnapshot/v1"
	vsinformers "github.com/kubernetes-csi/external-snapshotter/client/v8/informers/externalversions/volumesnapshot/v1"
	grouplisters "github.com/kubernetes-csi/external-snapshotter/client/v8/listers/volumegroupsnapshot/v1"
	vslisters "github.com/kubernetes-csi/external-snapshotter/client/v8/listers/volumesnapshot/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	coreinformers "k8s.io/client-go/informers/core/v1"
	storageinformers "k8s.io/client-go/informers/storage/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	storagelisters "k8s.io/client-go/listers/storage/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
	kubevirtv1 "kubevirt.io/api/core/v1"
	kubevirtclient "kubevirt.io/client-go/kubevirt"
	cdiv1 "kubevirt.io/containerized-data-importer-api/pkg/apis/core/v1beta1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
	vmsnapclient "vmsnap.io/client-go/clientset/versioned"
	vmsnapinformers "vmsnap.io/client-go/informers/externalversions/snapshot/v1alpha1"
	vmsnaplisters "vmsnap.io/client-go/listers/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/apiwatch"
	"vmsnap.io/vmsnap/pkg/controller"
	"vmsnap.io/vmsnap/pkg/freeze"
	"vmsnap.io/vmsnap/pkg/kubevirtinformers"
	"vmsnap.io/vmsnap/pkg/metrics"
	"vmsnap.io/vmsnap/pkg/snapshotclass"
)

// ControllerName names the controller's queue, logs and metrics.
const ControllerName = "vmsnapshot"

// ThawQueueName names the queue of snapshots whose VM may be thawed.
const ThawQueueName = "vmsnapshot-thaw"

// thawWorkers is enough: a thaw sync reads the cache and makes one call.
const thawWorkers = 2

// indexBySource indexes snapshots by namespace/source-VM-name.
const indexBySource = "source"

// Controller reconciles VirtualMachineSnapshots.
type Controller struct {
	client         vmsnapclient.Interface
	snapshotClient snapshotclient.Interface
	kubevirt       kubevirtclient.Interface
	kube           kubernetes.Interface

	snapshots       vmsnaplisters.VirtualMachineSnapshotLister
	snapshotIndexer cache.Indexer
	contents        vmsnaplisters.VirtualMachineSnapshotContentLister
	vms             kubevirtinformers.Lister[*kubevirtv1.VirtualMachine]
	vmis            kubevirtinformers.Lister[*kubevirtv1.VirtualMachineInstance]
	dataVolumes     kubevirtinformers.Lister[*cdiv1.DataVolume]
	claims          corelisters.PersistentVolumeClaimLister
	storageClasses  storagelisters.StorageClassLister
	volumeSnapshots vslisters.VolumeSnapshotLister
	vsContents      vslisters.VolumeSnapshotContentLister
	snapshotClasses vslisters.VolumeSnapshotClassLister
	// volumeSnapshotIndexer finds the VolumeSnapshots of a group (indexByGroup).
	volumeSnapshotIndexer cache.Indexer
	groupSnapshots        grouplisters.VolumeGroupSnapshotLister
	groupContents         grouplisters.VolumeGroupSnapshotContentLister
	groupClasses          grouplisters.VolumeGroupSnapshotClassLister
	groupSnapshotsOK      func() bool
	volumeSnapshotsOK     func() bool
	kubeVirtOK            func() bool
	dataVolumesOK         func() bool
	// catchingUp: one of those APIs is served but its caches have not
	// synced yet; every sync waits for them.
	catchingUp func() bool
	apis       *apiwatch.Watcher

	ownSynced []cache.InformerSynced
	queue     workqueue.TypedRateLimitingInterface[string]
	thawQueue workqueue.TypedRateLimitingInterface[string]
	recorder  record.EventRecorder
	clock     clock.PassiveClock
	freezer   *freeze.Freezer
	metrics   *metrics.Operations
	// The overlays below are memory only. Each says why a restart, which
	// empties it, cannot lead a sync astray.

	// lifecycle runs the sync skeleton; it holds the snapshots this
	// controller wrote that the cache does not show yet. Restart: the new
	// informers list every write.
	lifecycle *controller.Lifecycle[*snapshotapi.VirtualMachineSnapshot]
	// progress holds snapshots with progress not written yet. Restart:
	// progress is computed again from the VolumeSnapshots.
	progress *controller.Progress
	// cuts holds the UIDs of snapshots cut before their status says so
	// (the status write of the cut is never held back). Restart: the
	// VolumeSnapshots' creation times and the content's status tell.
	cuts sync.Map
	// secretsCopied holds the UIDs of snapshots whose Secret copies all
	// exist. It only saves reads: after a restart they are checked again.
	secretsCopied sync.Map
	// freezeWaiters wait for a VM to thaw before they may freeze theirs.
	// Restart: nothing is frozen by the new process, so nobody waits; and
	// a waiter also looks again after CacheRecheck.
	freezeWaiters freezeWaiters
	// createdContents and createdVolumeSnapshots are creates the cache
	// does not show yet. Restart: the new informers list every create.
	createdContents        *controller.CreateExpectations[*snapshotapi.VirtualMachineSnapshotContent]
	createdVolumeSnapshots *controller.CreateExpectations[*snapshotv1.VolumeSnapshot]
	createdGroups          *controller.CreateExpectations[*groupsnapshotv1.VolumeGroupSnapshot]
	// writtenContents are content updates (a retained content's release)
	// the cache does not show yet. Restart: the new informers show them.
	writtenContents *controller.Written[*snapshotapi.VirtualMachineSnapshotContent]
	// deleted are deletes of contents, groups and VolumeSnapshots the cache
	// does not show yet. Restart: the new process deletes again, harmlessly.
	deleted *controller.DeleteExpectations
}

// Config is what the controller is built from.
type Config struct {
	Client          vmsnapclient.Interface
	SnapshotClient  snapshotclient.Interface
	KubeVirt        kubevirtclient.Interface
	Kube            kubernetes.Interface
	Snapshots       vmsnapinformers.VirtualMachineSnapshotInformer
	Contents        vmsnapinformers.VirtualMachineSnapshotContentInformer
	KubeVirtFactory *kubevirtinformers.Factory
	Claims          coreinformers.PersistentVolumeClaimInformer
	StorageClasses  storageinformers.StorageClassInformer
	VolumeSnapshots vsinformers.VolumeSnapshotInformer
	// VolumeSnapshotContents tell a cut as soon as csi-snapshotter has it,
	// before snapshot-controller copies it to the VolumeSnapshot: the thaw
	// of a frozen VM waits for it.
	VolumeSnapshotContents vsinformers.VolumeSnapshotContentInformer
	SnapshotClasses        vsinformers.VolumeSnapshotClassInformer
	// The VolumeGroupSnapshot API is optional: without it, or without a
	// VolumeGroupSnapshotClass for the disks' driver, disks are cut one by one.
	GroupSnapshots        groupinformers.VolumeGroupSnapshotInformer
	GroupSnapshotContents groupinformers.VolumeGroupSnapshotContentInformer
	GroupSnapshotClasses  groupinformers.VolumeGroupSnapshotClassInformer
	APIs                  *apiwatch.Watcher
	Recorder              record.EventRecorder
	Clock                 clock.PassiveClock
	Queue                 workqueue.TypedRateLimitingInterface[string]
	// ThawQueue carries the snapshots whose frozen VM may be thawed now:
	// a queue of its own, so that a thaw never waits behind other
	// snapshots' work.
	ThawQueue workqueue.TypedRateLimitingInterface[string]
	Freezer   *freeze.Freezer
	Metrics   *metrics.Operations
}

// New builds the controller and registers its informer handlers.
func New(cfg Config) (*Controller, error) {
	vmInformer := cfg.KubeVirtFactory.VirtualMachines()
	vmiInformer := cfg.KubeVirtFactory.VirtualMachineInstances()
	dvInformer := cfg.KubeVirtFactory.DataVolumes()
	c := &Controller{
		client:          cfg.Client,
		snapshotClient:  cfg.SnapshotClient,
		kubevirt:        cfg.KubeVirt,
		kube:            cfg.Kube,
		snapshots:       cfg.Snapshots.Lister(),
		snapshotIndexer: cfg.Snapshots.Informer().GetIndexer(),
		contents:        cfg.Contents.Lister(),
		vms:             kubevirtinformers.VirtualMachineLister(vmInformer),
		vmis:            kubevirtinformers.VirtualMachineInstanceLister(vmiInformer),
		dataVolumes:     kubevirtinformers.DataVolumeLister(dvInformer),
		claims:          cfg.Claims.Lister(),
		storageClasses:  cfg.StorageClasses.Lister(),
		volumeSnapshots: cfg.VolumeSnapshots.Lister(),
		vsContents:      cfg.VolumeSnapshotContents.Lister(),
		snapshotClasses: cfg.SnapshotClasses.Lister(),
		groupSnapshots:  cfg.GroupSnapshots.Lister(),
		groupContents:   cfg.GroupSnapshotContents.Lister(),
		groupClasses:    cfg.GroupSnapshotClasses.Lister(),
		apis:            cfg.APIs,

		volumeSnapshotIndexer: cfg.VolumeSnapshots.Informer().GetIndexer(),
		ownSynced: []cache.InformerSynced{
			cfg.Snapshots.Informer().HasSynced, cfg.Contents.Informer().HasSynced,
			cfg.Claims.Informer().HasSynced, cfg.StorageClasses.Informer().HasSynced,
		},
		queue:     cfg.Queue,
		thawQueue: cfg.ThawQueue,
		recorder:  cfg.Recorder,
		clock:     cfg.Clock,
		freezer:   cfg.Freezer,
		metrics:   cfg.Metrics,
		progress:  controller.NewProgress(),

		createdContents:        controller.NewCreateExpectations[*snapshotapi.VirtualMachineSnapshotContent](),
		createdVolumeSnapshots: controller.NewCreateExpectations[*snapshotv1.VolumeSnapshot](),
		createdGroups:          controller.NewCreateExpectations[*groupsnapshotv1.VolumeGroupSnapshot](),
		writtenContents:        controller.NewWritten[*snapshotapi.VirtualMachineSnapshotContent](),
		deleted:                controller.NewDeleteExpectations(),
	}
	c.lifecycle = (&controller.Lifecycle[*snapshotapi.VirtualMachineSnapshot]{
		Finalizer: Finalizer,
		Patch: func(ctx context.Context, snap *snapshotapi.VirtualMachineSnapshot, patch []byte) (*snapshotapi.VirtualMachineSnapshot, error) {
			return c.client.SnapshotV1alpha1().VirtualMachineSnapshots(snap.Namespace).Patch(ctx, snap.Name, types.JSONPatchType, patch, metav1.PatchOptions{})
		},
		UpdateStatus: func(ctx context.Context, snap *snapshotapi.VirtualMachineSnapshot) (*snapshotapi.VirtualMachineSnapshot, error) {
			return c.client.SnapshotV1alpha1().VirtualMachineSnapshots(snap.Namespace).UpdateStatus(ctx, snap, metav1.UpdateOptions{})
		},
		Status: func(snap *snapshotapi.VirtualMachineSnapshot) any { return &snap.Status },
		Phase:  func(snap *snapshotapi.VirtualMachineSnapshot) string { return string(snap.Status.Phase) },
		ReadyReason: func(snap *snapshotapi.VirtualMachineSnapshot) string {
			return controller.ReadyReason(snap.Status.Conditions)
		},
		ObserveGeneration: func(snap *snapshotapi.VirtualMachineSnapshot) { snap.Status.ObservedGeneration = snap.Generation },
		PhaseChanged: func(_ context.Context, snap *snapshotapi.VirtualMachineSnapshot, _ string) {
			c.recordPhase(snap)
			c.recordFinished(snap)
		},
	}).Init()
	c.freezer.OnThaw(c.wakeFreezeWaiters)
	vsInformer, vscInformer := cfg.VolumeSnapshots.Informer(), cfg.SnapshotClasses.Informer()
	contentInformer := cfg.VolumeSnapshotContents.Informer()
	volumeSnapshots := controller.NewOptionalAPI(cfg.APIs, snapshotv1.SchemeGroupVersion.WithResource("volumesnapshots"),
		vsInformer.HasSynced, contentInformer.HasSynced, vscInformer.HasSynced)
	kubeVirt := controller.NewOptionalAPI(cfg.APIs, kubevirtinformers.VirtualMachinesResource, vmInformer.HasSynced, vmiInformer.HasSynced)
	dataVolumes := controller.NewOptionalAPI(cfg.APIs, kubevirtinformers.DataVolumesResource, dvInformer.HasSynced)
	groupInformer, groupContentInformer, groupClassInformer := cfg.GroupSnapshots.Informer(),
		cfg.GroupSnapshotContents.Informer(), cfg.GroupSnapshotClasses.Informer()
	groupSnapshots := controller.NewOptionalAPI(cfg.APIs, groupsnapshotv1.SchemeGroupVersion.WithResource("volumegroupsnapshots"),
		groupInformer.HasSynced, groupContentInformer.HasSynced, groupClassInformer.HasSynced)
	c.volumeSnapshotsOK, c.kubeVirtOK, c.dataVolumesOK = volumeSnapshots.OK, kubeVirt.OK, dataVolumes.OK
	c.groupSnapshotsOK = groupSnapshots.OK
	c.catchingUp = controller.AnyCatchingUp(volumeSnapshots, kubeVirt, dataVolumes, groupSnapshots)

	if err := cfg.Snapshots.Informer().AddIndexers(cache.Indexers{indexBySource: indexSnapshotBySource}); err != nil {
		return nil, err
	}
	if err := vsInformer.AddIndexers(cache.Indexers{indexByGroup: indexVolumeSnapshotByGroup}); err != nil {
		return nil, err
	}
	handlers := []struct {
		informer cache.SharedIndexInformer
		handler  cache.ResourceEventHandler
	}{
		{cfg.Snapshots.Informer(), controller.EnqueueHandler(c.queue)},
		{cfg.Contents.Informer(), controller.HandlerFor(c.enqueueContentOwner)},
		{vsInformer, controller.HandlerFor(c.enqueueVolumeSnapshotOwner)},
		{contentInformer, controller.HandlerFor(c.enqueueVolumeSnapshotContentOwner)},
		{vmInformer, controller.HandlerFor(c.enqueueSnapshotsOfVM)},
		{vmiInformer, controller.HandlerFor(c.enqueueSnapshotsOfVM)},
		{cfg.Claims.Informer(), controller.HandlerFor(c.enqueueWaitingInNamespace)},
		{dvInformer, controller.HandlerFor(c.enqueueWaitingInNamespace)},
		{vscInformer, controller.HandlerFor(func(interface{}) { c.enqueueWaitingForClass() })},
		{groupInformer, controller.HandlerFor(c.enqueueGroupOwner)},
		{groupContentInformer, controller.HandlerFor(c.enqueueGroupContentOwner)},
		{groupClassInformer, controller.HandlerFor(func(interface{}) { c.enqueueWaitingForClass() })},
	}
	for _, h := range handlers {
		if _, err := h.informer.AddEventHandler(h.handler); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// UnderWay returns the urgency of the snapshot queue's keys (controller.Lanes):
// a snapshot under way (InProgress: it may hold its VM's lock, freeze or
// deletion protection) or being deleted goes before snapshots that have not
// started. Its syncs are short, and finishing one releases its VM.
func UnderWay(snapshots vmsnaplisters.VirtualMachineSnapshotLister) func(key string) bool {
	return func(key string) bool {
		namespace, name, err := cache.SplitMetaNamespaceKey(key)
		if err != nil {
			return false
		}
		snap, err := snapshots.VirtualMachineSnapshots(namespace).Get(name)
		if err != nil {
			return false
		}
		return snap.Status.Phase == snapshotapi.SnapshotInProgress || snap.DeletionTimestamp != nil
	}
}

// Run starts the workers and blocks until ctx is done.
func (c *Controller) Run(ctx context.Context, workers int) {
	logger := klog.FromContext(ctx).WithValues("controller", ControllerName)
	if !cache.WaitForNamedCacheSyncWithContext(klog.NewContext(ctx, logger), c.ownSynced...) {
		return
	}
	go controller.Run(ctx, ThawQueueName, c.thawQueue, thawWorkers, c.syncThaw)
	controller.Run(ctx, ControllerName, c.queue, workers, c.sync)
}

func indexSnapshotBySource(obj interface{}) ([]string, error) {
	s, ok := obj.(*snapshotapi.VirtualMachineSnapshot)
	if !ok || s.Spec.Source.Kind != "VirtualMachine" {
		return nil, nil
	}
	return []string{s.Namespace + "/" + s.Spec.Source.Name}, nil
}

func (c *Controller) enqueueContentOwner(obj interface{}) {
	content, ok := obj.(*snapshotapi.VirtualMachineSnapshotContent)
	if !ok || content.Spec.VirtualMachineSnapshotName == nil {
		return
	}
	c.queue.Add(content.Namespace + "/" + *content.Spec.VirtualMachineSnapshotName)
}

func (c *Controller) enqueueVolumeSnapshotOwner(obj interface{}) {
	vs, ok := obj.(*snapshotv1.VolumeSnapshot)
	if !ok {
		return
	}
	if name := vs.Labels[LabelSnapshotName]; name != "" {
		c.enqueueSnapshot(vs.Namespace, name)
		return
	}
	// A VolumeSnapshot of a group carries no label of ours; its group does.
	if ref := controller.GroupOwner(vs); ref != nil {
		if group, err := c.groupSnapshots.VolumeGroupSnapshots(vs.Namespace).Get(ref.Name); err == nil {
			c.enqueueGroupOwner(group)
		}
	}
}

// enqueueSnapshot wakes a snapshot, and its thaw if it froze its VM.
func (c *Controller) enqueueSnapshot(namespace, name string) {
	key := namespace + "/" + name
	c.queue.Add(key)
	if snap, err := c.snapshots.VirtualMachineSnapshots(namespace).Get(name); err == nil {
		if _, frozen := c.freezer.Frozen(snap.UID); frozen {
			c.thawQueue.Add(key)
		}
	}
}

func (c *Controller) enqueueGroupOwner(obj interface{}) {
	group, ok := obj.(*groupsnapshotv1.VolumeGroupSnapshot)
	if !ok || group.Labels[LabelSnapshotName] == "" {
		return
	}
	c.enqueueSnapshot(group.Namespace, group.Labels[LabelSnapshotName])
}

// enqueueGroupContentOwner wakes the snapshot of a group as soon as
// csi-snapshotter records the group's cut, before snapshot-controller
// copies it to the group: the thaw waits for it.
func (c *Controller) enqueueGroupContentOwner(obj interface{}) {
	content, ok := obj.(*groupsnapshotv1.VolumeGroupSnapshotContent)
	if !ok || content.Status == nil || content.Status.CreationTime == nil {
		return
	}
	ref := content.Spec.VolumeGroupSnapshotRef
	if group, err := c.groupSnapshots.VolumeGroupSnapshots(ref.Namespace).Get(ref.Name); err == nil {
		c.enqueueGroupOwner(group)
	}
}

// enqueueVolumeSnapshotContentOwner wakes the snapshot whose VolumeSnapshot
// a content is bound to, so a cut is seen without waiting for the
// snapshot-controller to copy it.
func (c *Controller) enqueueVolumeSnapshotContentOwner(obj interface{}) {
	content, ok := obj.(*snapshotv1.VolumeSnapshotContent)
	if !ok || content.Status == nil || content.Status.CreationTime == nil {
		return
	}
	ref := content.Spec.VolumeSnapshotRef
	vs, err := c.volumeSnapshots.VolumeSnapshots(ref.Namespace).Get(ref.Name)
	if err != nil {
		return
	}
	c.enqueueVolumeSnapshotOwner(vs)
}

func (c *Controller) enqueueSnapshotsOfVM(obj interface{}) {
	var namespace, name string
	switch o := obj.(type) {
	case *kubevirtv1.VirtualMachine:
		namespace, name = o.Namespace, o.Name
	case *kubevirtv1.VirtualMachineInstance:
		namespace, name = o.Namespace, o.Name
	default:
		return
	}
	keys, err := c.snapshotIndexer.IndexKeys(indexBySource, namespace+"/"+name)
	if err != nil {
		return
	}
	for _, key := range keys {
		c.queue.Add(key)
	}
}

// enqueueWaitingInNamespace wakes the snapshots of a namespace that have not
// started yet when one of its disks changes: they may be waiting for it.
func (c *Controller) enqueueWaitingInNamespace(obj interface{}) {
	o, ok := obj.(metav1.Object)
	if !ok {
		return
	}
	namespace := o.GetNamespace()
	snaps, err := c.snapshots.VirtualMachineSnapshots(namespace).List(everything)
	if err != nil {
		return
	}
	for _, s := range snaps {
		if notStarted(s) {
			c.queue.Add(s.Namespace + "/" + s.Name)
		}
	}
}

// enqueueWaitingForClass wakes only the snapshots that wait for a
// VolumeSnapshotClass, not every snapshot of every VM.
func (c *Controller) enqueueWaitingForClass() {
	snaps, err := c.snapshots.List(everything)
	if err != nil {
		return
	}
	for _, s := range snaps {
		if !notStarted(s) {
			continue
		}
		switch controller.ReadyReason(s.Status.Conditions) {
		case snapshotclass.ReasonNone, snapshotclass.ReasonAmbiguous, snapshotclass.ReasonNotFound, snapshotclass.ReasonDriverMismatch,
			ReasonNoConsistencyGroup:
			c.queue.Add(s.Namespace + "/" + s.Name)
		}
	}
}
