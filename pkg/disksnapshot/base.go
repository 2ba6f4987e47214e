package disksnapshot

import (
	"context"
	"slices"
	"strings"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	snapshotclient "github.com/kubernetes-csi/external-snapshotter/client/v8/clientset/versioned"
	vsinformers "github.com/kubernetes-csi/external-snapshotter/client/v8/informers/externalversions/volumesnapshot/v1"
	vslisters "github.com/kubernetes-csi/external-snapshotter/client/v8/listers/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	coreinformers "k8s.io/client-go/informers/core/v1"
	storageinformers "k8s.io/client-go/informers/storage/v1"
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
const ControllerName = "disksnapshot"

const (
	// indexByDisk indexes disk snapshots by namespace/virtualDiskName.
	indexByDisk = "disksnapshot.disk"
	// IndexByClaim indexes VMs and VM instances by namespace/claim for every
	// claim or DataVolume their volumes name. It is added to the shared
	// KubeVirt informers.
	IndexByClaim = "disksnapshot.claim"
)

// Controller reconciles VirtualDiskSnapshots.
type Controller struct {
	client         vmsnapclient.Interface
	snapshotClient snapshotclient.Interface
	kubevirt       kubevirtclient.Interface

	diskSnapshots     vmsnaplisters.VirtualDiskSnapshotLister
	diskSnapshotIndex cache.Indexer
	vms               kubevirtinformers.Lister[*kubevirtv1.VirtualMachine]
	vmis              kubevirtinformers.Lister[*kubevirtv1.VirtualMachineInstance]
	vmIndex           cache.Indexer
	vmiIndex          cache.Indexer
	dataVolumes       kubevirtinformers.Lister[*cdiv1.DataVolume]
	claims            corelisters.PersistentVolumeClaimLister
	storageClasses    storagelisters.StorageClassLister
	volumeSnapshots   vslisters.VolumeSnapshotLister
	snapshotClasses   vslisters.VolumeSnapshotClassLister

	// volumeSnapshotsOK: the VolumeSnapshot API is served and its caches synced.
	volumeSnapshotsOK func() bool
	// kubeVirtServed and kubeVirtSynced tell whether VMs can exist and
	// whether the VM caches can be trusted to list them all.
	kubeVirtServed func() bool
	kubeVirtSynced func() bool
	// dataVolumesOK: CDI is installed and its cache synced.
	dataVolumesOK func() bool
	// catchingUp: one of those APIs is served but its caches have not
	// synced yet; every sync waits for them.
	catchingUp func() bool

	enabled   bool
	ownSynced []cache.InformerSynced
	queue     workqueue.TypedRateLimitingInterface[string]
	recorder  record.EventRecorder
	clock     clock.PassiveClock
	freezer   *freeze.Freezer
	metrics   *metrics.Operations

	// lifecycle runs the sync skeleton; it holds the snapshots this
	// controller wrote that the cache does not show yet. Restart: the new
	// informers list every write.
	lifecycle *controller.Lifecycle[*snapshotapi.VirtualDiskSnapshot]
	// createdVolumeSnapshots are the VolumeSnapshots this process created
	// that the cache may not show yet. Memory only: after a restart the
	// new informers list every create of the process before.
	createdVolumeSnapshots *controller.CreateExpectations[*snapshotv1.VolumeSnapshot]
	// deleted are deletes of VolumeSnapshots the cache does not show yet.
	// Restart: the new process deletes again, harmlessly.
	deleted *controller.DeleteExpectations
}

// Config is what the controller is built from.
type Config struct {
	Client          vmsnapclient.Interface
	SnapshotClient  snapshotclient.Interface
	KubeVirt        kubevirtclient.Interface
	DiskSnapshots   vmsnapinformers.VirtualDiskSnapshotInformer
	KubeVirtFactory *kubevirtinformers.Factory
	Claims          coreinformers.PersistentVolumeClaimInformer
	StorageClasses  storageinformers.StorageClassInformer
	VolumeSnapshots vsinformers.VolumeSnapshotInformer
	SnapshotClasses vsinformers.VolumeSnapshotClassInformer
	APIs            *apiwatch.Watcher
	Recorder        record.EventRecorder
	Clock           clock.PassiveClock
	Queue           workqueue.TypedRateLimitingInterface[string]
	Freezer         *freeze.Freezer
	Metrics         *metrics.Operations
	// Enabled is the VirtualDiskSnapshot feature gate. When false, disk
	// snapshots only get a condition saying the feature is off; deleted
	// ones are still cleaned up.
	Enabled bool
}

// New builds the controller and registers its informer handlers and indexes.
func New(cfg Config) (*Controller, error) {
	vmInformer := cfg.KubeVirtFactory.VirtualMachines()
	vmiInformer := cfg.KubeVirtFactory.VirtualMachineInstances()
	dvInformer := cfg.KubeVirtFactory.DataVolumes()
	vsInformer, vscInformer := cfg.VolumeSnapshots.Informer(), cfg.SnapshotClasses.Informer()
	c := &Controller{
		client:            cfg.Client,
		snapshotClient:    cfg.SnapshotClient,
		kubevirt:          cfg.KubeVirt,
		diskSnapshots:     cfg.DiskSnapshots.Lister(),
		diskSnapshotIndex: cfg.DiskSnapshots.Informer().GetIndexer(),
		vms:               kubevirtinformers.VirtualMachineLister(vmInformer),
		vmis:              kubevirtinformers.VirtualMachineInstanceLister(vmiInformer),
		vmIndex:           vmInformer.GetIndexer(),
		vmiIndex:          vmiInformer.GetIndexer(),
		dataVolumes:       kubevirtinformers.DataVolumeLister(dvInformer),
		claims:            cfg.Claims.Lister(),
		storageClasses:    cfg.StorageClasses.Lister(),
		volumeSnapshots:   cfg.VolumeSnapshots.Lister(),
		snapshotClasses:   cfg.SnapshotClasses.Lister(),
		enabled:           cfg.Enabled,
		ownSynced: []cache.InformerSynced{
			cfg.DiskSnapshots.Informer().HasSynced, cfg.Claims.Informer().HasSynced, cfg.StorageClasses.Informer().HasSynced,
		},
		queue:    cfg.Queue,
		recorder: cfg.Recorder,
		clock:    cfg.Clock,
		freezer:  cfg.Freezer,
		metrics:  cfg.Metrics,

		createdVolumeSnapshots: controller.NewCreateExpectations[*snapshotv1.VolumeSnapshot](),
		deleted:                controller.NewDeleteExpectations(),
	}
	c.lifecycle = (&controller.Lifecycle[*snapshotapi.VirtualDiskSnapshot]{
		Finalizer: Finalizer,
		Patch: func(ctx context.Context, snap *snapshotapi.VirtualDiskSnapshot, patch []byte) (*snapshotapi.VirtualDiskSnapshot, error) {
			return c.client.SnapshotV1alpha1().VirtualDiskSnapshots(snap.Namespace).Patch(ctx, snap.Name, types.JSONPatchType, patch, metav1.PatchOptions{})
		},
		UpdateStatus: func(ctx context.Context, snap *snapshotapi.VirtualDiskSnapshot) (*snapshotapi.VirtualDiskSnapshot, error) {
			return c.client.SnapshotV1alpha1().VirtualDiskSnapshots(snap.Namespace).UpdateStatus(ctx, snap, metav1.UpdateOptions{})
		},
		Status: func(snap *snapshotapi.VirtualDiskSnapshot) any { return &snap.Status },
		Phase:  func(snap *snapshotapi.VirtualDiskSnapshot) string { return string(snap.Status.Phase) },
		ReadyReason: func(snap *snapshotapi.VirtualDiskSnapshot) string {
			return controller.ReadyReason(snap.Status.Conditions)
		},
		ObserveGeneration: func(snap *snapshotapi.VirtualDiskSnapshot) { snap.Status.ObservedGeneration = snap.Generation },
		PhaseChanged:      func(_ context.Context, snap *snapshotapi.VirtualDiskSnapshot, _ string) { c.recordPhase(snap) },
	}).Init()
	volumeSnapshots := controller.NewOptionalAPI(cfg.APIs, snapshotv1.SchemeGroupVersion.WithResource("volumesnapshots"),
		vsInformer.HasSynced, vscInformer.HasSynced)
	kubeVirt := controller.NewOptionalAPI(cfg.APIs, kubevirtinformers.VirtualMachinesResource, vmInformer.HasSynced, vmiInformer.HasSynced)
	dataVolumes := controller.NewOptionalAPI(cfg.APIs, kubevirtinformers.DataVolumesResource, dvInformer.HasSynced)
	c.volumeSnapshotsOK, c.dataVolumesOK = volumeSnapshots.OK, dataVolumes.OK
	c.kubeVirtServed = func() bool { return cfg.APIs.Served(kubevirtinformers.VirtualMachinesResource) }
	c.kubeVirtSynced = func() bool { return vmInformer.HasSynced() && vmiInformer.HasSynced() }
	c.catchingUp = controller.AnyCatchingUp(volumeSnapshots, kubeVirt, dataVolumes)

	if err := cfg.DiskSnapshots.Informer().AddIndexers(cache.Indexers{indexByDisk: indexDiskSnapshotByDisk}); err != nil {
		return nil, err
	}
	if err := vmInformer.AddIndexers(cache.Indexers{IndexByClaim: indexVMByClaim}); err != nil {
		return nil, err
	}
	if err := vmiInformer.AddIndexers(cache.Indexers{IndexByClaim: indexVMIByClaim}); err != nil {
		return nil, err
	}
	c.freezer.OnThaw(c.wakeFreezeWaiters)
	handlers := []struct {
		informer cache.SharedIndexInformer
		handler  cache.ResourceEventHandler
	}{
		{cfg.DiskSnapshots.Informer(), controller.EnqueueHandler(c.queue)},
		{vsInformer, controller.HandlerFor(c.enqueueVolumeSnapshotOwner)},
		{cfg.Claims.Informer(), controller.HandlerFor(c.enqueueSnapshotsOfDisk)},
		{dvInformer, controller.HandlerFor(c.enqueueSnapshotsOfDisk)},
		{vmInformer, controller.HandlerFor(c.enqueueSnapshotsOfDisk)},
		{vmiInformer, controller.HandlerFor(c.enqueueSnapshotsOfDisk)},
		{vscInformer, controller.HandlerFor(func(interface{}) { c.enqueueWaitingForClass() })},
	}
	for _, h := range handlers {
		if _, err := h.informer.AddEventHandler(h.handler); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Run starts the workers and blocks until ctx is done.
func (c *Controller) Run(ctx context.Context, workers int) {
	logger := klog.FromContext(ctx).WithValues("controller", ControllerName)
	if !cache.WaitForNamedCacheSyncWithContext(klog.NewContext(ctx, logger), c.ownSynced...) {
		return
	}
	controller.Run(ctx, ControllerName, c.queue, workers, c.sync)
}

func indexDiskSnapshotByDisk(obj interface{}) ([]string, error) {
	s, ok := obj.(*snapshotapi.VirtualDiskSnapshot)
	if !ok {
		return nil, nil
	}
	return []string{s.Namespace + "/" + s.Spec.VirtualDiskName}, nil
}

func indexVMByClaim(obj interface{}) ([]string, error) {
	vm, ok := obj.(*kubevirtv1.VirtualMachine)
	if !ok || vm.Spec.Template == nil {
		return nil, nil
	}
	return claimKeys(vm.Namespace, vm.Spec.Template.Spec.Volumes), nil
}

// indexVMIByClaim also catches disks hotplugged into a running instance only.
func indexVMIByClaim(obj interface{}) ([]string, error) {
	vmi, ok := obj.(*kubevirtv1.VirtualMachineInstance)
	if !ok {
		return nil, nil
	}
	return claimKeys(vmi.Namespace, vmi.Spec.Volumes), nil
}

// claimKeys are the namespace/name keys of the claims and DataVolumes the
// volumes name. A DataVolume's claim has the DataVolume's name.
func claimKeys(namespace string, volumes []kubevirtv1.Volume) []string {
	var keys []string
	for _, v := range volumes {
		var name string
		switch {
		case v.PersistentVolumeClaim != nil:
			name = v.PersistentVolumeClaim.ClaimName
		case v.DataVolume != nil:
			name = v.DataVolume.Name
		default:
			continue
		}
		if key := namespace + "/" + name; !slices.Contains(keys, key) {
			keys = append(keys, key)
		}
	}
	return keys
}

func (c *Controller) enqueueVolumeSnapshotOwner(obj interface{}) {
	vs, ok := obj.(*snapshotv1.VolumeSnapshot)
	if !ok {
		return
	}
	owner := metav1.GetControllerOf(vs)
	if owner != nil && owner.Kind == "VirtualDiskSnapshot" && owner.APIVersion == snapshotapi.SchemeGroupVersion.String() {
		c.queue.Add(vs.Namespace + "/" + owner.Name)
	}
	// One made by someone else under a disk snapshot's VolumeSnapshot name
	// wakes that disk snapshot too: to wait, or to go on once it is gone.
	uid, ok := strings.CutPrefix(vs.Name, volumeSnapshotPrefix)
	if !ok || (owner != nil && owner.UID == types.UID(uid)) {
		return
	}
	snaps, err := c.diskSnapshots.VirtualDiskSnapshots(vs.Namespace).List(everything)
	if err != nil {
		return
	}
	for _, s := range snaps {
		if s.UID == types.UID(uid) {
			c.queue.Add(s.Namespace + "/" + s.Name)
		}
	}
}

// enqueueSnapshotsOfDisk wakes the snapshots of the disks a claim,
// DataVolume, VM or VM instance is or names.
func (c *Controller) enqueueSnapshotsOfDisk(obj interface{}) {
	var keys []string
	switch o := obj.(type) {
	case *corev1.PersistentVolumeClaim:
		keys = []string{o.Namespace + "/" + o.Name}
	case *cdiv1.DataVolume:
		keys = []string{o.Namespace + "/" + o.Name}
	case *kubevirtv1.VirtualMachine:
		keys, _ = indexVMByClaim(o)
	case *kubevirtv1.VirtualMachineInstance:
		keys, _ = indexVMIByClaim(o)
	}
	for _, disk := range keys {
		snapshotKeys, err := c.diskSnapshotIndex.IndexKeys(indexByDisk, disk)
		if err != nil {
			continue
		}
		for _, key := range snapshotKeys {
			c.queue.Add(key)
		}
	}
}

// enqueueWaitingForClass wakes only the snapshots that wait for a
// VolumeSnapshotClass.
func (c *Controller) enqueueWaitingForClass() {
	for _, key := range c.waitingFor(snapshotclass.ReasonNone, snapshotclass.ReasonAmbiguous, snapshotclass.ReasonNotFound, snapshotclass.ReasonDriverMismatch) {
		c.queue.Add(key)
	}
}

// wakeFreezeWaiters enqueues, oldest first, as many snapshots waiting for a
// place among the frozen VMs as there are places free (all of them when
// there is no bound). Waiters are found by their condition, so a restart
// loses none; one whose condition the cache does not show yet is woken by
// busyFreezerRecheck.
func (c *Controller) wakeFreezeWaiters(free int) {
	keys := c.waitingFor(ReasonWaitingToFreeze)
	if free >= 0 && free < len(keys) {
		keys = keys[:free]
	}
	for _, key := range keys {
		c.queue.Add(key)
	}
}

// waitingFor returns the keys of the snapshots not started that wait for
// one of the reasons, oldest first.
func (c *Controller) waitingFor(reasons ...string) []string {
	snaps, err := c.diskSnapshots.List(everything)
	if err != nil {
		return nil
	}
	snaps = slices.DeleteFunc(snaps, func(s *snapshotapi.VirtualDiskSnapshot) bool {
		return !notStarted(s) || !slices.Contains(reasons, controller.ReadyReason(s.Status.Conditions))
	})
	slices.SortFunc(snaps, func(a, b *snapshotapi.VirtualDiskSnapshot) int {
		return a.CreationTimestamp.Compare(b.CreationTimestamp.Time)
	})
	keys := make([]string, 0, len(snaps))
	for _, s := range snaps {
		keys = append(keys, s.Namespace+"/"+s.Name)
	}
	return keys
}
