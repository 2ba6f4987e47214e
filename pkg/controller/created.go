package controller

import (
	"sync"
	"time"
)

// CreatedTTL is how long a create is trusted before the cache shows it:
// far longer than an informer lags, short enough that an object deleted
// before the cache ever saw it counts as missing again soon.
const CreatedTTL = 30 * time.Second

// Created remembers the objects a controller created until its informer
// shows them. A sync that runs before the cache has the object would
// otherwise create it again and get AlreadyExists (a 409) for a write that
// was never needed.
type Created[T any] struct {
	mu      sync.Mutex
	entries map[string]createdEntry[T]
}

type createdEntry[T any] struct {
	obj T
	at  time.Time
}

// NewCreated returns an empty record of creates.
func NewCreated[T any]() *Created[T] {
	return &Created[T]{entries: map[string]createdEntry[T]{}}
}

// Remember records obj, created at now under key (namespace/name).
func (c *Created[T]) Remember(key string, obj T, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[key] = createdEntry[T]{obj: obj, at: now}
}

// Lookup returns the object created under key, if that was less than
// CreatedTTL ago.
func (c *Created[T]) Lookup(key string, now time.Time) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if ok && now.Sub(e.at) < CreatedTTL {
		return e.obj, true
	}
	delete(c.entries, key)
	var zero T
	return zero, false
}

// Seen drops key: the cache shows the object now.
func (c *Created[T]) Seen(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, key)
}
