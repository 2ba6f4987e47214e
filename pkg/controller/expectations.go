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
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// ExpectationsTTL is how long a create is trusted before the cache shows it:
// far longer than an informer lags, short enough that an object deleted
// before the cache ever saw it counts as missing again soon.
const ExpectationsTTL = 30 * time.Second

// CreateExpectations is this project's take on Kubernetes' controller
// expectations: it remembers the objects a controller created until its
// informer shows them. A sync that runs before the cache has the object
// would otherwise create it again and get AlreadyExists (a 409) for a write
// that was never needed, or take the object for missing.
//
// It is the one way every controller here handles cache lag for creates;
// Written is the one for updates. Both are memory only, and a restart cannot
// break either: the new process's informers list the API before its first
// sync, so they already show every create and write of the process before.
type CreateExpectations[T any] struct {
	mu      sync.Mutex
	entries map[string]expectedCreate[T]
}

type expectedCreate[T any] struct {
	obj T
	at  time.Time
}

// NewCreateExpectations returns an empty record of creates.
func NewCreateExpectations[T any]() *CreateExpectations[T] {
	return &CreateExpectations[T]{entries: map[string]expectedCreate[T]{}}
}

// ExpectCreated records obj, created at now under key (namespace/name).
func (c *CreateExpectations[T]) ExpectCreated(key string, obj T, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[key] = expectedCreate[T]{obj: obj, at: now}
}

// Pending returns the object created under key that the cache has not shown
// yet, if that create was less than ExpectationsTTL ago.
func (c *CreateExpectations[T]) Pending(key string, now time.Time) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if ok && now.Sub(e.at) < ExpectationsTTL {
		return e.obj, true
	}
	delete(c.entries, key)
	var zero T
	return zero, false
}

// Lookup returns what a lister's Get answered (cached, err), or, when the
// cache does not have the object, the one this controller created under
// key that the cache does not show yet. Every read of an object the
// controller creates goes through it.
func (c *CreateExpectations[T]) Lookup(key string, cached T, err error, now time.Time) (T, bool) {
	if err == nil {
		c.Observed(key)
		return cached, true
	}
	return c.Pending(key, now)
}

// Observed drops key: the cache shows the object now, or it was deleted.
func (c *CreateExpectations[T]) Observed(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, key)
}

// DeleteExpectations remembers the objects a controller asked the API server
// to delete for ExpectationsTTL. A sync that runs before the informer shows
// an object terminating or gone would otherwise delete it again: a request
// the API server answers for nothing (under a burst of snapshot deletions,
// a fifth more deletes than objects). Memory only, like CreateExpectations:
// a new process deletes again, which is harmless.
type DeleteExpectations struct {
	mu      sync.Mutex
	entries map[string]expectedDelete
}

type expectedDelete struct {
	uid types.UID
	at  time.Time
}

// NewDeleteExpectations returns an empty record of deletes.
func NewDeleteExpectations() *DeleteExpectations {
	return &DeleteExpectations{entries: map[string]expectedDelete{}}
}

// ExpectDeleted records that obj was deleted at now (or found gone). It
// also forgets the records older than ExpectationsTTL, so that the record
// holds at most the deletes of the last TTL.
func (d *DeleteExpectations) ExpectDeleted(obj metav1.Object, now time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for key, e := range d.entries {
		if now.Sub(e.at) >= ExpectationsTTL {
			delete(d.entries, key)
		}
	}
	d.entries[obj.GetNamespace()+"/"+obj.GetName()] = expectedDelete{uid: obj.GetUID(), at: now}
}

// Deleting reports whether obj, as a cache shows it, is being deleted: it
// carries a deletionTimestamp, or it was deleted less than ExpectationsTTL
// ago and the cache is behind. An object of the same name with another UID
// is another object.
func (d *DeleteExpectations) Deleting(obj metav1.Object, now time.Time) bool {
	if obj.GetDeletionTimestamp() != nil {
		return true
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	e, ok := d.entries[obj.GetNamespace()+"/"+obj.GetName()]
	return ok && e.uid == obj.GetUID() && now.Sub(e.at) < ExpectationsTTL
}
