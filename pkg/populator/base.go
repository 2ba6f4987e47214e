package populator

import (
	"context"
	"strings"
	"sync"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	snapshotinformers "github.com/kubernetes-csi/external-snapshotter/client/v8/informers/externalversions/volumesnapshot/v1"
	snapshotlisters "github.com/kubernetes-csi/external-snapshotter/client/v8/listers/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
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

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
	vmsnapinformers "vmsnap.io/client-go/informers/externalversions/snapshot/v1alpha1"
	vmsnaplisters "vmsnap.io/client-go/listers/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/apiwatch"
	"vmsnap.io/vmsnap/pkg/controller"
)

// ControllerName names the populator's queue, logs and metrics.
const ControllerName = "disksnapshot-populator"

// indexBySource indexes the claims to populate by namespace/VirtualDiskSnapshot.
const indexBySource = "populator.source"

// Populator populates claims from VirtualDiskSnapshots.
type Populator struct {
	kube kubernetes.Interface

	claims         corelisters.PersistentVolumeClaimLister
	claimIndex     cache.Indexer
	volumes        corelisters.PersistentVolumeLister
	storageClasses storagelisters.StorageClassLister
	diskSnapshots  vmsnaplisters.VirtualDiskSnapshotLister
	// volumeSnapshots proves which VolumeSnapshot a disk snapshot made.
	// Their API is optional: its informer starts only once it is served.
	volumeSnapshots   snapshotlisters.VolumeSnapshotLister
	volumeSnapshotAPI controller.OptionalAPI

	enabled   bool
	ownSynced []cache.InformerSynced
	queue     workqueue.TypedRateLimitingInterface[string]
	recorder  record.EventRecorder

	// reported is the last event recorded per claim, so that a claim
	// waiting for the same reason gets one event, not one per sync.
	mu       sync.Mutex
	reported map[types.UID]string
}

// Config is what the populator is built from.
type Config struct {
	Kube           kubernetes.Interface
	Claims         coreinformers.PersistentVolumeClaimInformer
	Volumes        coreinformers.PersistentVolumeInformer
	StorageClasses storageinformers.StorageClassInformer
	DiskSnapshots  vmsnapinformers.VirtualDiskSnapshotInformer
	// VolumeSnapshots and APIs: the VolumeSnapshot API, which is optional.
	VolumeSnapshots snapshotinformers.VolumeSnapshotInformer
	APIs            *apiwatch.Watcher
	Recorder        record.EventRecorder
	Queue           workqueue.TypedRateLimitingInterface[string]
	// Enabled is the VirtualDiskSnapshot feature gate. When false, claims
	// to populate only get an event saying the feature is off.
	Enabled bool
}

// New builds the populator and registers its informer handlers and indexes.
func New(cfg Config) (*Populator, error) {
	p := &Populator{
		kube:            cfg.Kube,
		claims:          cfg.Claims.Lister(),
		claimIndex:      cfg.Claims.Informer().GetIndexer(),
		volumes:         cfg.Volumes.Lister(),
		storageClasses:  cfg.StorageClasses.Lister(),
		diskSnapshots:   cfg.DiskSnapshots.Lister(),
		volumeSnapshots: cfg.VolumeSnapshots.Lister(),
		volumeSnapshotAPI: controller.NewOptionalAPI(cfg.APIs, snapshotv1.SchemeGroupVersion.WithResource("volumesnapshots"),
			cfg.VolumeSnapshots.Informer().HasSynced),
		enabled: cfg.Enabled,
		ownSynced: []cache.InformerSynced{
			cfg.Claims.Informer().HasSynced, cfg.Volumes.Informer().HasSynced,
			cfg.StorageClasses.Informer().HasSynced, cfg.DiskSnapshots.Informer().HasSynced,
		},
		queue:    cfg.Queue,
		recorder: cfg.Recorder,
		reported: map[types.UID]string{},
	}
	if err := cfg.Claims.Informer().AddIndexers(cache.Indexers{indexBySource: indexClaimBySource}); err != nil {
		return nil, err
	}
	handlers := []struct {
		informer cache.SharedIndexInformer
		handler  cache.ResourceEventHandler
	}{
		{cfg.Claims.Informer(), controller.HandlerFor(p.enqueueClaim)},
		{cfg.Volumes.Informer(), controller.HandlerFor(p.enqueueVolumeClaim)},
		{cfg.DiskSnapshots.Informer(), controller.HandlerFor(p.enqueueClaimsOfSnapshot)},
	}
	for _, h := range handlers {
		if _, err := h.informer.AddEventHandler(h.handler); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Run starts the workers and blocks until ctx is done.
func (p *Populator) Run(ctx context.Context, workers int) {
	logger := klog.FromContext(ctx).WithValues("controller", ControllerName)
	if !cache.WaitForNamedCacheSyncWithContext(klog.NewContext(ctx, logger), p.ownSynced...) {
		return
	}
	controller.Run(ctx, ControllerName, p.queue, workers, p.sync)
}

func indexClaimBySource(obj interface{}) ([]string, error) {
	pvc, ok := obj.(*corev1.PersistentVolumeClaim)
	if !ok || !populatedFromDiskSnapshot(pvc) {
		return nil, nil
	}
	return []string{pvc.Namespace + "/" + pvc.Spec.DataSourceRef.Name}, nil
}

// populatedFromDiskSnapshot reports whether a claim's dataSourceRef names a
// VirtualDiskSnapshot.
func populatedFromDiskSnapshot(pvc *corev1.PersistentVolumeClaim) bool {
	ref := pvc.Spec.DataSourceRef
	return ref != nil && ref.APIGroup != nil && *ref.APIGroup == snapshotapi.SchemeGroupVersion.Group &&
		ref.Kind == "VirtualDiskSnapshot" && ref.Name != "" && (ref.Namespace == nil || *ref.Namespace == pvc.Namespace)
}

// enqueueClaim enqueues a claim to populate, and the claim a prime claim
// works for or whose prime's name it has.
func (p *Populator) enqueueClaim(obj interface{}) {
	pvc, ok := obj.(*corev1.PersistentVolumeClaim)
	if !ok {
		return
	}
	if populatedFromDiskSnapshot(pvc) {
		p.queue.Add(pvc.Namespace + "/" + pvc.Name)
		return
	}
	owner := metav1.GetControllerOf(pvc)
	if owner != nil && owner.Kind == "PersistentVolumeClaim" && pvc.Labels[LabelPopulates] == owner.Name {
		p.queue.Add(pvc.Namespace + "/" + owner.Name)
	}
	// One made by someone else under a prime's name wakes the claim of that
	// UID too: to say so, or to go on once it is gone.
	uid, ok := strings.CutPrefix(pvc.Name, primePrefix)
	if !ok || (owner != nil && owner.UID == types.UID(uid)) {
		return
	}
	claims, err := p.claims.PersistentVolumeClaims(pvc.Namespace).List(labels.Everything())
	if err != nil {
		return
	}
	for _, c := range claims {
		if c.UID == types.UID(uid) {
			p.queue.Add(c.Namespace + "/" + c.Name)
		}
	}
}

// enqueueVolumeClaim enqueues the claim a volume is being handed over to,
// whether the volume still names the prime or already the claim.
func (p *Populator) enqueueVolumeClaim(obj interface{}) {
	pv, ok := obj.(*corev1.PersistentVolume)
	if !ok || pv.Spec.ClaimRef == nil {
		return
	}
	if _, handingOver := pv.Annotations[AnnotationReclaimPolicy]; !handingOver {
		return
	}
	ref := pv.Spec.ClaimRef
	if claim, err := p.claims.PersistentVolumeClaims(ref.Namespace).Get(ref.Name); err == nil {
		p.enqueueClaim(claim)
		return
	}
	p.queue.Add(ref.Namespace + "/" + ref.Name)
}

func (p *Populator) enqueueClaimsOfSnapshot(obj interface{}) {
	snap, ok := obj.(*snapshotapi.VirtualDiskSnapshot)
	if !ok {
		return
	}
	keys, err := p.claimIndex.IndexKeys(indexBySource, snap.Namespace+"/"+snap.Name)
	if err != nil {
		return
	}
	for _, key := range keys {
		p.queue.Add(key)
	}
}
