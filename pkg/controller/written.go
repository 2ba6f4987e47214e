package controller

import (
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Written remembers the objects a controller wrote until its informer
// catches up with them. A sync that follows its own write within a few
// milliseconds would otherwise read the version the write replaced, compute
// the same change again and fail with a 409 conflict (or, worse, decide from
// a status it has already moved past).
//
// An entry is keyed by the object's namespace/name and records the
// resourceVersions the write superseded: the one the informer showed, and
// those of the controller's earlier writes the informer has not shown yet.
// While the informer shows one of them, the written object is the newest one
// known; as soon as it shows any other, the informer has caught up (events
// arrive in order), and the entry is dropped. No resourceVersions are
// compared for order: they are opaque.
type Written[T metav1.Object] struct {
	mu      sync.Mutex
	entries map[string]writtenEntry[T]
}

type writtenEntry[T metav1.Object] struct {
	superseded map[string]bool
	obj        T
}

// NewWritten returns an empty record of writes.
func NewWritten[T metav1.Object]() *Written[T] {
	return &Written[T]{entries: map[string]writtenEntry[T]{}}
}

// Latest returns the newest known version of an object: the one the
// controller last wrote, while the informer has not shown it yet, or else the
// informer's own copy.
func (w *Written[T]) Latest(key string, cached T) T {
	w.mu.Lock()
	defer w.mu.Unlock()
	e, ok := w.entries[key]
	if !ok {
		return cached
	}
	if e.superseded[cached.GetResourceVersion()] {
		return e.obj
	}
	delete(w.entries, key)
	return cached
}

// Store records obj, returned by a write made while the informer showed
// informerVersion of it.
func (w *Written[T]) Store(key, informerVersion string, obj T) {
	w.mu.Lock()
	defer w.mu.Unlock()
	e, ok := w.entries[key]
	if ok && e.superseded[informerVersion] {
		e.superseded[e.obj.GetResourceVersion()] = true
	} else {
		e = writtenEntry[T]{superseded: map[string]bool{informerVersion: true}}
	}
	e.obj = obj
	w.entries[key] = e
}

// Forget drops the record of a deleted object.
func (w *Written[T]) Forget(key string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.entries, key)
}

// Len is the number of writes the informer has not shown yet.
func (w *Written[T]) Len() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.entries)
}
