// Package apiwatch tells which APIs the cluster serves, and says so when that
// changes.
//
// The controller depends on APIs it does not install: KubeVirt's, the CSI
// VolumeSnapshot API, CDI's DataVolume. Any of them may be missing at start
// or appear later; the controller reports what is missing (logs, /readyz,
// conditions) and starts the parts that need an API once it appears, without
// a restart.
package apiwatch

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/klog/v2"
)

// Watcher polls discovery for a fixed set of resources.
type Watcher struct {
	discovery discovery.DiscoveryInterface
	interval  time.Duration
	wanted    []schema.GroupVersionResource

	mu      sync.Mutex
	served  map[schema.GroupVersionResource]bool
	polled  bool
	waiters map[schema.GroupVersionResource]chan struct{}
}

// New returns a Watcher for the given resources, polling every interval.
func New(client discovery.DiscoveryInterface, interval time.Duration, resources ...schema.GroupVersionResource) *Watcher {
	w := &Watcher{
		discovery: client,
		interval:  interval,
		wanted:    resources,
		served:    map[schema.GroupVersionResource]bool{},
		waiters:   map[schema.GroupVersionResource]chan struct{}{},
	}
	for _, r := range resources {
		w.waiters[r] = make(chan struct{})
	}
	return w
}

// Run polls until ctx is done.
func (w *Watcher) Run(ctx context.Context) {
	wait.UntilWithContext(ctx, w.Poll, w.interval)
}

// Poll asks discovery once and records what is served.
func (w *Watcher) Poll(ctx context.Context) {
	logger := klog.FromContext(ctx)
	byGroupVersion := map[schema.GroupVersion][]schema.GroupVersionResource{}
	for _, r := range w.wanted {
		byGroupVersion[r.GroupVersion()] = append(byGroupVersion[r.GroupVersion()], r)
	}
	now := map[schema.GroupVersionResource]bool{}
	for gv, resources := range byGroupVersion {
		list, err := w.discovery.ServerResourcesForGroupVersion(gv.String())
		if err != nil {
			if !apierrors.IsNotFound(err) {
				// Keep what we knew: a discovery hiccup is not an API removal.
				logger.V(2).Info("API discovery failed", "groupVersion", gv, "err", err)
				w.mu.Lock()
				for _, r := range resources {
					now[r] = w.served[r]
				}
				w.mu.Unlock()
			}
			continue
		}
		for _, res := range list.APIResources {
			for _, r := range resources {
				if res.Name == r.Resource {
					now[r] = true
				}
			}
		}
	}

	w.mu.Lock()
	defer w.mu.Unlock()
	for _, r := range w.wanted {
		was, is := w.served[r], now[r]
		switch {
		case is && !was:
			logger.Info("API is served", "resource", r.String())
			select {
			case <-w.waiters[r]:
			default:
				close(w.waiters[r])
			}
		case !is && (was || !w.polled):
			logger.Info("API is not served; the features that need it wait for it", "resource", r.String())
		}
		w.served[r] = is
	}
	w.polled = true
}

// Served reports whether the resource was served at the last poll.
func (w *Watcher) Served(r schema.GroupVersionResource) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.served[r]
}

// Appeared returns a channel closed once the resource has been served. It
// stays closed if the API disappears again later.
func (w *Watcher) Appeared(r schema.GroupVersionResource) <-chan struct{} {
	ch, ok := w.waiters[r]
	if !ok {
		panic(fmt.Sprintf("apiwatch: %s is not watched", r))
	}
	return ch
}

// Missing returns an error naming every given resource not served at the
// last poll, or nil.
func (w *Watcher) Missing(resources ...schema.GroupVersionResource) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.polled {
		return fmt.Errorf("API discovery has not run yet")
	}
	var missing []string
	for _, r := range resources {
		if !w.served[r] {
			missing = append(missing, r.Resource+"."+r.Group+"/"+r.Version)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	sort.Strings(missing)
	return fmt.Errorf("not served by the cluster: %s", strings.Join(missing, ", "))
}
