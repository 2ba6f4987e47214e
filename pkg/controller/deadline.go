package controller

import (
	"context"
	"time"
)

// Deadline is a failure deadline counted from an object's creation.
type Deadline struct {
	// Start is when the clock started: the object's creation.
	Start time.Time
	// Length is how long the work may take; zero means no deadline.
	Length time.Duration
}

// Exceeded reports whether the deadline has passed at now.
func (d Deadline) Exceeded(now time.Time) bool {
	return d.Length > 0 && !now.Before(d.Start.Add(d.Length))
}

// Remaining is how long until the deadline passes at now: the requeue delay
// that wakes the controller exactly then. Zero when there is no deadline or
// it has passed.
func (d Deadline) Remaining(now time.Time) time.Duration {
	if d.Length == 0 {
		return 0
	}
	if r := d.Start.Add(d.Length).Sub(now); r > 0 {
		return r
	}
	return 0
}

// Sooner returns the earlier of two requeue delays, where zero means none.
func Sooner(a, b time.Duration) time.Duration {
	switch {
	case a == 0:
		return b
	case b == 0:
		return a
	case a < b:
		return a
	default:
		return b
	}
}

// CacheRecheck is how soon an object that waits for an API to be served, or
// for an informer of an API that just appeared to sync, is looked at again:
// no event announces either.
const CacheRecheck = 2 * time.Second

// Bound returns ctx ended at the deadline, if there is one, so that a call
// that hangs (a freeze) cannot outlast it.
func (d Deadline) Bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if d.Length == 0 {
		return context.WithCancel(ctx)
	}
	return context.WithDeadline(ctx, d.Start.Add(d.Length))
}
