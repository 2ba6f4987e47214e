/*
Copyright The vmsnap Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package controller

import (
	"context"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/klog/v2"
)

// Object is an object whose life a controller drives through phases.
type Object interface {
	metav1.Object
	runtime.Object
}

// Lifecycle is the skeleton every sync of the project's kinds runs on:
// read the newest known version of the object (the cache, or this
// controller's own write the cache does not show yet), hold it with the
// controller's finalizer, compute the whole status, write it once if it
// changed, and log and record a phase change after the write lands. What
// differs between kinds (the API calls, where the status and the phase
// are, what a phase change records) is given as functions.
type Lifecycle[T Object] struct {
	// Finalizer holds the object until the controller has undone what it
	// did for it.
	Finalizer string
	// Patch sends a JSON patch of the object; UpdateStatus writes its
	// status subresource.
	Patch        func(ctx context.Context, obj T, patch []byte) (T, error)
	UpdateStatus func(ctx context.Context, obj T) (T, error)
	// Status returns the object's status, to compare; Phase its phase and
	// ReadyReason the reason of its Ready condition, for the log.
	Status      func(T) any
	Phase       func(T) string
	ReadyReason func(T) string
	// ObserveGeneration records in the status the generation it reflects.
	ObserveGeneration func(T)
	// PhaseChanged records a phase change that was written: its event and
	// metrics.
	PhaseChanged func(ctx context.Context, obj T, from string)

	written *Written[T]
}

// Init makes the lifecycle ready for use.
func (l *Lifecycle[T]) Init() *Lifecycle[T] {
	l.written = NewWritten[T]()
	return l
}

// Forget drops what the lifecycle remembers of a deleted object.
func (l *Lifecycle[T]) Forget(key string) { l.written.Forget(key) }

// Pending is the number of writes the cache does not show yet.
func (l *Lifecycle[T]) Pending() int { return l.written.Len() }

// Sync is one sync of one object.
type Sync[T Object] struct {
	lc            *Lifecycle[T]
	key           string
	cachedVersion string
	// Object is the newest known version of the object, a copy the sync
	// changes and writes.
	Object T
	// written is the object as last read or written: what a status write
	// compares with.
	written T
}

// Begin starts a sync of the object the cache holds under key.
func (l *Lifecycle[T]) Begin(ctx context.Context, key string, cached T) *Sync[T] {
	s := &Sync[T]{lc: l, key: key, cachedVersion: cached.GetResourceVersion()}
	latest := l.written.Latest(key, cached)
	if latest.GetResourceVersion() != s.cachedVersion {
		klog.FromContext(ctx).V(4).Info("Syncing from this controller's own write: the cache does not show it yet",
			"key", key, "cached", s.cachedVersion, "written", latest.GetResourceVersion())
	}
	s.reset(latest)
	return s
}

func (s *Sync[T]) reset(obj T) {
	s.written = obj
	s.Object = obj.DeepCopyObject().(T)
}

func (s *Sync[T]) remember(obj T) {
	s.lc.written.Store(s.key, s.cachedVersion, obj)
	s.reset(obj)
}

// EnsureFinalizer adds the finalizer to an object not being deleted. The
// sync goes on from the patched object.
func (s *Sync[T]) EnsureFinalizer(ctx context.Context) error {
	if s.Object.GetDeletionTimestamp() != nil {
		return nil
	}
	patch, needed := FinalizerPatch(s.Object, s.lc.Finalizer, true)
	if !needed {
		return nil
	}
	patched, err := s.lc.Patch(ctx, s.Object, patch)
	if err != nil {
		return err
	}
	s.remember(patched)
	return nil
}

// ReleaseFinalizer removes the finalizer; an object already gone is fine.
func (s *Sync[T]) ReleaseFinalizer(ctx context.Context) error {
	patch, needed := FinalizerPatch(s.Object, s.lc.Finalizer, false)
	if !needed {
		return nil
	}
	patched, err := s.lc.Patch(ctx, s.Object, patch)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	s.remember(patched)
	return nil
}

// StatusChanged reports whether the sync changed the status since the
// object was last read or written.
func (s *Sync[T]) StatusChanged() bool {
	s.lc.ObserveGeneration(s.Object)
	return !equality.Semantic.DeepEqual(s.lc.Status(s.written), s.lc.Status(s.Object))
}

// WriteStatus writes the status if it changed, and then logs and records a
// phase change. It reports whether it wrote. An object deleted under a
// sync that cleans it up is gone, not an error.
func (s *Sync[T]) WriteStatus(ctx context.Context) (bool, error) {
	if !s.StatusChanged() {
		return false, nil
	}
	from := s.lc.Phase(s.written)
	updated, err := s.lc.UpdateStatus(ctx, s.Object)
	if err != nil {
		if apierrors.IsNotFound(err) && s.Object.GetDeletionTimestamp() != nil {
			return false, nil
		}
		return false, err
	}
	s.remember(updated)
	if to := s.lc.Phase(updated); to != from {
		klog.FromContext(ctx).V(2).Info("Phase changed", "from", from, "to", to, "reason", s.lc.ReadyReason(updated))
		s.lc.PhaseChanged(ctx, updated, from)
	}
	return true, nil
}
