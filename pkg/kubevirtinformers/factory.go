// Package kubevirtinformers builds shared informers and listers for the
// KubeVirt and CDI kinds the controllers watch. kubevirt.io/client-go ships
// typed clients but no generated informers, so this is the small piece of
// plumbing that fills the gap, in the shape of a generated factory: informers
// are made on first request and started together.
package kubevirtinformers

import (
	"context"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/listers"
	"k8s.io/client-go/tools/cache"
	kubevirtv1 "kubevirt.io/api/core/v1"
	cdiclient "kubevirt.io/client-go/containerizeddataimporter"
	kubevirtclient "kubevirt.io/client-go/kubevirt"
	cdiv1 "kubevirt.io/containerized-data-importer-api/pkg/apis/core/v1beta1"

	"vmsnap.io/vmsnap/pkg/controller"
)

// Resources the factory serves, for API discovery.
var (
	VirtualMachinesResource         = kubevirtv1.SchemeGroupVersion.WithResource("virtualmachines")
	VirtualMachineInstancesResource = kubevirtv1.SchemeGroupVersion.WithResource("virtualmachineinstances")
	DataVolumesResource             = cdiv1.SchemeGroupVersion.WithResource("datavolumes")
)

// Factory makes and starts shared informers for KubeVirt and CDI objects.
type Factory struct {
	kubevirt kubevirtclient.Interface
	cdi      cdiclient.Interface
	resync   time.Duration

	mu        sync.Mutex
	informers map[schema.GroupVersionResource]cache.SharedIndexInformer
	started   map[schema.GroupVersionResource]bool
}

// NewFactory returns a factory. cdi may be nil when CDI is not installed.
func NewFactory(kubevirt kubevirtclient.Interface, cdi cdiclient.Interface, resync time.Duration) *Factory {
	return &Factory{
		kubevirt:  kubevirt,
		cdi:       cdi,
		resync:    resync,
		informers: map[schema.GroupVersionResource]cache.SharedIndexInformer{},
		started:   map[schema.GroupVersionResource]bool{},
	}
}

// VirtualMachines returns the shared VirtualMachine informer.
func (f *Factory) VirtualMachines() cache.SharedIndexInformer {
	return f.informerFor(VirtualMachinesResource, &kubevirtv1.VirtualMachine{}, f.kubevirt,
		func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			return f.kubevirt.KubevirtV1().VirtualMachines(metav1.NamespaceAll).List(ctx, o)
		},
		func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			return f.kubevirt.KubevirtV1().VirtualMachines(metav1.NamespaceAll).Watch(ctx, o)
		})
}

// VirtualMachineInstances returns the shared VirtualMachineInstance informer.
func (f *Factory) VirtualMachineInstances() cache.SharedIndexInformer {
	return f.informerFor(VirtualMachineInstancesResource, &kubevirtv1.VirtualMachineInstance{}, f.kubevirt,
		func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			return f.kubevirt.KubevirtV1().VirtualMachineInstances(metav1.NamespaceAll).List(ctx, o)
		},
		func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			return f.kubevirt.KubevirtV1().VirtualMachineInstances(metav1.NamespaceAll).Watch(ctx, o)
		})
}

// DataVolumes returns the shared CDI DataVolume informer.
func (f *Factory) DataVolumes() cache.SharedIndexInformer {
	return f.informerFor(DataVolumesResource, &cdiv1.DataVolume{}, f.cdi,
		func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			return f.cdi.CdiV1beta1().DataVolumes(metav1.NamespaceAll).List(ctx, o)
		},
		func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			return f.cdi.CdiV1beta1().DataVolumes(metav1.NamespaceAll).Watch(ctx, o)
		})
}

// Lister lists and gets objects of one kind from an informer's cache.
type Lister[T runtime.Object] struct {
	listers.ResourceIndexer[T]
}

// Namespace returns a lister of one namespace.
func (l Lister[T]) Namespace(namespace string) listers.ResourceIndexer[T] {
	return listers.NewNamespaced(l.ResourceIndexer, namespace)
}

// VirtualMachineLister lists from an informer made by VirtualMachines.
func VirtualMachineLister(i cache.SharedIndexInformer) Lister[*kubevirtv1.VirtualMachine] {
	return Lister[*kubevirtv1.VirtualMachine]{listers.New[*kubevirtv1.VirtualMachine](i.GetIndexer(), kubevirtv1.Resource("virtualmachines"))}
}

// VirtualMachineInstanceLister lists from an informer made by VirtualMachineInstances.
func VirtualMachineInstanceLister(i cache.SharedIndexInformer) Lister[*kubevirtv1.VirtualMachineInstance] {
	return Lister[*kubevirtv1.VirtualMachineInstance]{listers.New[*kubevirtv1.VirtualMachineInstance](i.GetIndexer(), kubevirtv1.Resource("virtualmachineinstances"))}
}

// DataVolumeLister lists from an informer made by DataVolumes.
func DataVolumeLister(i cache.SharedIndexInformer) Lister[*cdiv1.DataVolume] {
	return Lister[*cdiv1.DataVolume]{listers.New[*cdiv1.DataVolume](i.GetIndexer(), DataVolumesResource.GroupResource())}
}

func (f *Factory) informerFor(
	gvr schema.GroupVersionResource,
	obj runtime.Object,
	client any,
	list func(context.Context, metav1.ListOptions) (runtime.Object, error),
	watchFn func(context.Context, metav1.ListOptions) (watch.Interface, error),
) cache.SharedIndexInformer {
	f.mu.Lock()
	defer f.mu.Unlock()
	if i, ok := f.informers[gvr]; ok {
		return i
	}
	// The client tells whether it can stream the initial list through a
	// watch (fake clients cannot); the reflector falls back to list+watch.
	i := cache.NewSharedIndexInformer(
		cache.ToListWatcherWithWatchListSemantics(&cache.ListWatch{ListWithContextFunc: list, WatchFuncWithContext: watchFn}, client),
		obj, f.resync, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc},
	)
	_ = i.SetTransform(controller.DropManagedFields) // fails only once started
	f.informers[gvr] = i
	return i
}

// Start starts the informers of the given resources that were requested and
// not started yet. Resources are named so that callers can start each one
// only once its API is served.
func (f *Factory) Start(ctx context.Context, resources ...schema.GroupVersionResource) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, gvr := range resources {
		i, ok := f.informers[gvr]
		if !ok || f.started[gvr] {
			continue
		}
		f.started[gvr] = true
		go i.RunWithContext(ctx)
	}
}

// HasSynced reports whether the informer of a resource has synced; false for
// a resource never requested or started.
func (f *Factory) HasSynced(gvr schema.GroupVersionResource) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	i, ok := f.informers[gvr]
	return ok && f.started[gvr] && i.HasSynced()
}
