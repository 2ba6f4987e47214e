// Package controller holds the plumbing every vmsnap controller shares: the
// workqueue loop, deadlines, conditions, finalizers and events. The decisions
// live in one package per controller.
package controller

import (
	"context"
	"time"

	"golang.org/x/time/rate"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
)

// SyncFunc reconciles one object, named by its namespace/name key. It
// returns how long to wait before looking again (0: only on the next event),
// and an error to retry with backoff (then the delay, if any, still wakes it
// at a deadline). The queue is the controllers' only timer: deadlines are
// requeues, never sleeps.
type SyncFunc func(ctx context.Context, key string) (requeueAfter time.Duration, err error)

// NewQueue returns a rate-limited queue named after its controller; the name
// labels the queue's metrics.
func NewQueue(name string, provider workqueue.MetricsProvider) workqueue.TypedRateLimitingInterface[string] {
	return workqueue.NewTypedRateLimitingQueueWithConfig(
		retryRateLimiter(),
		workqueue.TypedRateLimitingQueueConfig[string]{Name: name, MetricsProvider: provider},
	)
}

// NewLanesQueue is NewQueue whose keys run in the order of Lanes: the keys
// urgent picks first.
func NewLanesQueue(name string, provider workqueue.MetricsProvider, urgent func(key string) bool) workqueue.TypedRateLimitingInterface[string] {
	queue := workqueue.NewTypedWithConfig(workqueue.TypedQueueConfig[string]{
		Name: name, MetricsProvider: provider, Queue: NewLanes(urgent),
	})
	delaying := workqueue.NewTypedDelayingQueueWithConfig(workqueue.TypedDelayingQueueConfig[string]{
		Name: name, MetricsProvider: provider, Queue: queue,
	})
	return workqueue.NewTypedRateLimitingQueueWithConfig(
		retryRateLimiter(),
		workqueue.TypedRateLimitingQueueConfig[string]{Name: name, MetricsProvider: provider, DelayingQueue: delaying},
	)
}

// retryRateLimiter spaces the retries of one key exponentially (5ms, 10ms,
// ... up to 1000s), and all retries by an overall bucket. The bucket of
// client-go's default limiter (10/s, burst 100) is too small here: a batch
// of snapshots retries hundreds of keys at once when the cache lags behind
// the controller's own writes, and the overall bucket would then space
// them 100ms apart, holding a frozen VM's thaw behind seconds of queueing.
func retryRateLimiter() workqueue.TypedRateLimiter[string] {
	return workqueue.NewTypedMaxOfRateLimiter(
		workqueue.NewTypedItemExponentialFailureRateLimiter[string](5*time.Millisecond, 1000*time.Second),
		&workqueue.TypedBucketRateLimiter[string]{Limiter: rate.NewLimiter(rate.Limit(200), 2000)},
	)
}

// Run processes the queue with workers goroutines until ctx is done, then
// shuts the queue down.
func Run(ctx context.Context, name string, queue workqueue.TypedRateLimitingInterface[string], workers int, sync SyncFunc) {
	defer utilruntime.HandleCrashWithContext(ctx)
	defer queue.ShutDown()
	logger := klog.FromContext(ctx).WithValues("controller", name)
	ctx = klog.NewContext(ctx, logger)
	logger.Info("Starting workers", "workers", workers)
	for i := 0; i < workers; i++ {
		go wait.UntilWithContext(ctx, func(ctx context.Context) {
			for processNext(ctx, queue, sync) {
			}
		}, time.Second)
	}
	<-ctx.Done()
	logger.Info("Stopping workers")
}

func processNext(ctx context.Context, queue workqueue.TypedRateLimitingInterface[string], sync SyncFunc) bool {
	key, quit := queue.Get()
	if quit {
		return false
	}
	defer queue.Done(key)

	requeueAfter, err := sync(ctx, key)
	switch {
	case err != nil:
		if apierrors.IsConflict(err) {
			// The cache had not caught up with a write: expected, not an error.
			klog.FromContext(ctx).V(4).Info("Sync read an outdated object; retrying", "key", key, "err", err)
		} else {
			utilruntime.HandleErrorWithContext(ctx, err, "Sync failed; retrying", "key", key)
		}
		queue.AddRateLimited(key)
		if requeueAfter > 0 {
			// A deadline must not wait for a long backoff: whichever comes
			// first wakes the sync.
			queue.AddAfter(key, requeueAfter)
		}
	case requeueAfter > 0:
		queue.Forget(key)
		queue.AddAfter(key, requeueAfter)
	default:
		queue.Forget(key)
	}
	return true
}

// KeyOf returns the namespace/name key of an informer object, including
// deleted-final-state tombstones.
func KeyOf(obj interface{}) (string, bool) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		utilruntime.HandleError(err)
		return "", false
	}
	return key, true
}

// EnqueueHandler returns informer handlers that enqueue the object's own key.
func EnqueueHandler(queue workqueue.TypedInterface[string]) cache.ResourceEventHandlerFuncs {
	add := func(obj interface{}) {
		if key, ok := KeyOf(obj); ok {
			queue.Add(key)
		}
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    add,
		UpdateFunc: func(_, obj interface{}) { add(obj) },
		DeleteFunc: add,
	}
}

// HandlerFor adapts a function of an informer object to event handlers for
// adds, updates and deletes, unwrapping deletion tombstones.
func HandlerFor(f func(obj interface{})) cache.ResourceEventHandlerFuncs {
	unwrap := Unwrapped(f)
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    unwrap,
		UpdateFunc: func(_, obj interface{}) { unwrap(obj) },
		DeleteFunc: unwrap,
	}
}

// Unwrapped calls f with the object itself when an informer hands over the
// tombstone of a deletion it missed.
func Unwrapped(f func(obj interface{})) func(obj interface{}) {
	return func(obj interface{}) {
		if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = t.Obj
		}
		f(obj)
	}
}
