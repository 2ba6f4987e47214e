package restore

import (
	"context"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	vsinformers "github.com/kubernetes-csi/external-snapshotter/client/v8/informers/externalversions/volumesnapshot/v1"
	vslisters "github.com/kubernetes-csi/external-snapshotter/client/v8/listers/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
	kubevirtv1 "kubevirt.io/api/core/v1"
	cdiclient "kubevirt.io/client-go/containerizeddataimporter"
	kubevirtclient "kubevirt.io/client-go/kubevirt"
	cdiv1 "kubevirt.io/containerized-data-importer-api/pkg/apis/core/v1beta1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
	vmsnapclient "vmsnap.io/client-go/clientset/versioned"
	vmsnapinformers "vmsnap.io/client-go/informers/externalversions/snapshot/v1alpha1"
	vmsnaplisters "vmsnap.io/client-go/listers/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/apiwatch"
	"vmsnap.io/vmsnap/pkg/controller"
	"vmsnap.io/vmsnap/pkg/kubevirtinformers"
	"vmsnap.io/vmsnap/pkg/metrics"
)

// ControllerName names the controller's queue, logs and metrics.
const ControllerName = "vmrestore"

// Indexes of restores: by the snapshot they restore and by their target VM,
// both as namespace/name.
const (
	indexBySnapshot = "snapshot"
	indexByTarget   = "target"
)

var everything = labels.Everything()

// Controller reconciles VirtualMachineRestores.
type Controller struct {
	client   vmsnapclient.Interface
	kube     kubernetes.Interface
	kubevirt kubevirtclient.Interface
	cdi      cdiclient.Interface

	restores       vmsnaplisters.VirtualMachineRestoreLister
	restoreIndexer cache.Indexer
	snapshots      vmsnaplisters.VirtualMachineSnapshotLister
	contents       vmsnaplisters.VirtualMachineSnapshotContentLister
	vms            kubevirtinformers.Lister[*kubevirtv1.VirtualMachine]
	vmis           kubevirtinformers.Lister[*kubevirtv1.VirtualMachineInstance]
	// vmIndexer and vmiIndexer find VMs and VMIs of every namespace by MAC.
	vmIndexer, vmiIndexer cache.Indexer
	dataVolumes           kubevirtinformers.Lister[*cdiv1.DataVolume]
	claims                corelisters.PersistentVolumeClaimLister
	volumeSnapshots       vslisters.VolumeSnapshotLister

	volumeSnapshotsOK func() bool
	kubeVirtOK        func() bool
	dataVolumesOK     func() bool
	// catchingUp: one of those APIs is served but its caches have not
	// synced yet; every sync waits for them.
	catchingUp func() bool

	ownSynced []cache.InformerSynced
	queue     workqueue.TypedRateLimitingInterface[string]
	recorder  record.EventRecorder
	clock     clock.PassiveClock
	metrics   *metrics.Operations
	enabled   bool
	// lifecycle runs the sync skeleton; it holds the restores this
	// controller wrote that the cache does not show yet. Restart: the new
	// informers list every write.
	lifecycle *controller.Lifecycle[*snapshotapi.VirtualMachineRestore]
	// createdClaims and createdVMs are creates the cache does not show yet.
	// Restart: the new informers list every claim and VM. (Secrets are not
	// cached: each plan reads them from the API.)
	createdClaims *controller.CreateExpectations[*corev1.PersistentVolumeClaim]
	createdVMs    *controller.CreateExpectations[*kubevirtv1.VirtualMachine]
}

// Config is what the controller is built from.
type Config struct {
	Client          vmsnapclient.Interface
	Kube            kubernetes.Interface
	KubeVirt        kubevirtclient.Interface
	CDI             cdiclient.Interface
	Restores        vmsnapinformers.VirtualMachineRestoreInformer
	Snapshots       vmsnapinformers.VirtualMachineSnapshotInformer
	Contents        vmsnapinformers.VirtualMachineSnapshotContentInformer
	KubeVirtFactory *kubevirtinformers.Factory
	Claims          coreinformers.PersistentVolumeClaimInformer
	VolumeSnapshots vsinformers.VolumeSnapshotInformer
	APIs            *apiwatch.Watcher
	Recorder        record.EventRecorder
	Clock           clock.PassiveClock
	Queue           workqueue.TypedRateLimitingInterface[string]
	Metrics         *metrics.Operations
	// Enabled is the Restore feature gate. When false, restores only get a
	// condition saying the feature is off; one deleted with the finalizer
	// still gets the cleanup it promises.
	Enabled bool
}

// New builds the controller and registers its informer handlers.
func New(cfg Config) (*Controller, error) {
	vmInformer := cfg.KubeVirtFactory.VirtualMachines()
	vmiInformer := cfg.KubeVirtFactory.VirtualMachineInstances()
	dvInformer := cfg.KubeVirtFactory.DataVolumes()
	vsInformer := cfg.VolumeSnapshots.Informer()
	c := &Controller{
		client:          cfg.Client,
		kube:            cfg.Kube,
		kubevirt:        cfg.KubeVirt,
		cdi:             cfg.CDI,
		restores:        cfg.Restores.Lister(),
		restoreIndexer:  cfg.Restores.Informer().GetIndexer(),
		snapshots:       cfg.Snapshots.Lister(),
		contents:        cfg.Contents.Lister(),
		vms:             kubevirtinformers.VirtualMachineLister(vmInformer),
		vmis:            kubevirtinformers.VirtualMachineInstanceLister(vmiInformer),
		vmIndexer:       vmInformer.GetIndexer(),
		vmiIndexer:      vmiInformer.GetIndexer(),
		dataVolumes:     kubevirtinformers.DataVolumeLister(dvInformer),
		claims:          cfg.Claims.Lister(),
		volumeSnapshots: cfg.VolumeSnapshots.Lister(),
		ownSynced: []cache.InformerSynced{
			cfg.Restores.Informer().HasSynced, cfg.Snapshots.Informer().HasSynced,
			cfg.Contents.Informer().HasSynced, cfg.Claims.Informer().HasSynced,
		},
		queue:    cfg.Queue,
		recorder: cfg.Recorder,
		clock:    cfg.Clock,
		metrics:  cfg.Metrics,
		enabled:  cfg.Enabled,
	}
	for _, informer := range []cache.SharedIndexInformer{vmInformer, vmiInformer} {
		if err := addMACIndex(informer); err != nil {
			return nil, err
		}
	}
	c.createdClaims = controller.NewCreateExpectations[*corev1.PersistentVolumeClaim]()
	c.createdVMs = controller.NewCreateExpectations[*kubevirtv1.VirtualMachine]()
	c.lifecycle = (&controller.Lifecycle[*snapshotapi.VirtualMachineRestore]{
		Finalizer: Finalizer,
		Patch: func(ctx context.Context, r *snapshotapi.VirtualMachineRestore, patch []byte) (*snapshotapi.VirtualMachineRestore, error) {
			return c.client.SnapshotV1alpha1().VirtualMachineRestores(r.Namespace).Patch(ctx, r.Name, types.JSONPatchType, patch, metav1.PatchOptions{})
		},
		UpdateStatus: func(ctx context.Context, r *snapshotapi.VirtualMachineRestore) (*snapshotapi.VirtualMachineRestore, error) {
			return c.client.SnapshotV1alpha1().VirtualMachineRestores(r.Namespace).UpdateStatus(ctx, r, metav1.UpdateOptions{})
		},
		Status: func(r *snapshotapi.VirtualMachineRestore) any { return &r.Status },
		Phase:  func(r *snapshotapi.VirtualMachineRestore) string { return string(r.Status.Phase) },
		ReadyReason: func(r *snapshotapi.VirtualMachineRestore) string {
			return conditionReason(r, snapshotapi.ConditionReady)
		},
		ObserveGeneration: func(r *snapshotapi.VirtualMachineRestore) { r.Status.ObservedGeneration = r.Generation },
		PhaseChanged: func(_ context.Context, r *snapshotapi.VirtualMachineRestore, _ string) {
			c.recordPhase(r)
			c.recordFinished(r)
		},
	}).Init()
	volumeSnapshots := controller.NewOptionalAPI(cfg.APIs, snapshotv1.SchemeGroupVersion.WithResource("volumesnapshots"), vsInformer.HasSynced)
	kubeVirt := controller.NewOptionalAPI(cfg.APIs, kubevirtinformers.VirtualMachinesResource, vmInformer.HasSynced, vmiInformer.HasSynced)
	dataVolumes := controller.NewOptionalAPI(cfg.APIs, kubevirtinformers.DataVolumesResource, dvInformer.HasSynced)
	c.volumeSnapshotsOK, c.kubeVirtOK, c.dataVolumesOK = volumeSnapshots.OK, kubeVirt.OK, dataVolumes.OK
	c.catchingUp = controller.AnyCatchingUp(volumeSnapshots, kubeVirt, dataVolumes)

	if err := cfg.Restores.Informer().AddIndexers(cache.Indexers{
		indexBySnapshot: indexRestoreBySnapshot,
		indexByTarget:   indexRestoreByTarget,
	}); err != nil {
		return nil, err
	}
	handlers := []struct {
		informer cache.SharedIndexInformer
		handler  cache.ResourceEventHandler
	}{
		{cfg.Restores.Informer(), controller.EnqueueHandler(c.queue)},
		{cfg.Snapshots.Informer(), controller.HandlerFor(c.enqueueRestoresOfSnapshot)},
		{cfg.Contents.Informer(), controller.HandlerFor(c.enqueueRestoresOfContent)},
		{vmInformer, controller.HandlerFor(c.enqueueRestoresOfVM)},
		{vmiInformer, controller.HandlerFor(c.enqueueRestoresOfVM)},
		// A deleted claim or DataVolume may be one an in-place restore waits
		// to recreate under its own name.
		{cfg.Claims.Informer(), cache.ResourceEventHandlerFuncs{DeleteFunc: controller.Unwrapped(c.enqueueActiveInNamespace)}},
		{dvInformer, cache.ResourceEventHandlerFuncs{DeleteFunc: controller.Unwrapped(c.enqueueActiveInNamespace)}},
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

func indexRestoreBySnapshot(obj interface{}) ([]string, error) {
	r, ok := obj.(*snapshotapi.VirtualMachineRestore)
	if !ok {
		return nil, nil
	}
	return []string{r.Namespace + "/" + r.Spec.VirtualMachineSnapshotName}, nil
}

// indexRestoreByTarget indexes by the target the restore reported, or named;
// a restore that has neither yet is synced on its own creation anyway.
func indexRestoreByTarget(obj interface{}) ([]string, error) {
	r, ok := obj.(*snapshotapi.VirtualMachineRestore)
	if !ok {
		return nil, nil
	}
	var keys []string
	if r.Status.TargetName != nil {
		keys = append(keys, r.Namespace+"/"+*r.Status.TargetName)
	}
	if r.Spec.Target != nil && (r.Status.TargetName == nil || *r.Status.TargetName != r.Spec.Target.Name) {
		keys = append(keys, r.Namespace+"/"+r.Spec.Target.Name)
	}
	return keys, nil
}

// enqueueIndexed wakes the unfinished restores under an index key.
func (c *Controller) enqueueIndexed(index, key string) {
	objs, err := c.restoreIndexer.ByIndex(index, key)
	if err != nil {
		return
	}
	for _, obj := range objs {
		if r, ok := obj.(*snapshotapi.VirtualMachineRestore); ok && active(r) {
			c.queue.Add(r.Namespace + "/" + r.Name)
		}
	}
}

func (c *Controller) enqueueRestoresOfSnapshot(obj interface{}) {
	if s, ok := obj.(*snapshotapi.VirtualMachineSnapshot); ok {
		c.enqueueIndexed(indexBySnapshot, s.Namespace+"/"+s.Name)
	}
}

func (c *Controller) enqueueRestoresOfContent(obj interface{}) {
	if content, ok := obj.(*snapshotapi.VirtualMachineSnapshotContent); ok && content.Spec.VirtualMachineSnapshotName != nil {
		c.enqueueIndexed(indexBySnapshot, content.Namespace+"/"+*content.Spec.VirtualMachineSnapshotName)
	}
}

func (c *Controller) enqueueRestoresOfVM(obj interface{}) {
	switch o := obj.(type) {
	case *kubevirtv1.VirtualMachine:
		c.enqueueIndexed(indexByTarget, o.Namespace+"/"+o.Name)
	case *kubevirtv1.VirtualMachineInstance:
		c.enqueueIndexed(indexByTarget, o.Namespace+"/"+o.Name)
	}
}

func (c *Controller) enqueueActiveInNamespace(obj interface{}) {
	o, ok := obj.(metav1.Object)
	if !ok {
		return
	}
	namespace := o.GetNamespace()
	restores, err := c.restores.VirtualMachineRestores(namespace).List(everything)
	if err != nil {
		return
	}
	for _, r := range restores {
		if active(r) && r.Status.Phase == snapshotapi.RestoreInProgress {
			c.queue.Add(r.Namespace + "/" + r.Name)
		}
	}
}

// active reports whether a restore still has work: it is not finished, or
// it is being deleted.
func active(r *snapshotapi.VirtualMachineRestore) bool {
	if r.DeletionTimestamp != nil {
		return true
	}
	return r.Status.Phase != snapshotapi.RestoreReady && r.Status.Phase != snapshotapi.RestoreFailed
}
