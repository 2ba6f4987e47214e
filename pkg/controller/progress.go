package controller

import (
	"sync"
	"time"
)

// Status changes come in three kinds. Those a reader waits for (a phase,
// readiness, an error) are written at once. Progress (the cut: every volume
// is cut, the point in time is fixed) waits up to ProgressInterval, often to
// be written together with readiness. Detail (one more volume cut or ready,
// while others are not) waits up to DetailInterval. A snapshot whose
// volumes move one by one thus costs the API server one or two writes
// however many volumes it has, and a batch of thousands of snapshots does
// not turn into a status write per volume and step.
const (
	ProgressInterval = 5 * time.Second
	DetailInterval   = time.Minute
)

// Progress remembers, per object key, since when the object has had a
// change not written yet, and since when that change includes the cut.
type Progress struct {
	mu      sync.Mutex
	details map[string]time.Time
	cuts    map[string]time.Time
}

// NewProgress returns an empty record.
func NewProgress() *Progress {
	return &Progress{details: map[string]time.Time{}, cuts: map[string]time.Time{}}
}

// Wait returns how much longer an unwritten change of key may wait:
// DetailInterval since its first unwritten change, or, once the change
// includes the cut (cut), ProgressInterval since the cut was first seen,
// whichever ends first. At zero or less, write.
func (p *Progress) Wait(key string, now time.Time, cut bool) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	wait := DetailInterval - now.Sub(since(p.details, key, now))
	if cut {
		wait = min(wait, ProgressInterval-now.Sub(since(p.cuts, key, now)))
	}
	return wait
}

func since(m map[string]time.Time, key string, now time.Time) time.Time {
	t, ok := m[key]
	if !ok {
		m[key] = now
		return now
	}
	return t
}

// Done records that key has no unwritten change.
func (p *Progress) Done(key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.details, key)
	delete(p.cuts, key)
}
