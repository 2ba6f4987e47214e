package controller

import (
	"sync"
	"time"
)

// ProgressInterval is how long a status change that only reports progress
// (one more volume cut or ready) may go unwritten. Changes a reader waits
// for (a phase, readiness, an error) are written at once; progress waits,
// so that a snapshot whose volumes move one by one costs the API server one
// write for the lot rather than one per volume and step.
const ProgressInterval = 5 * time.Second

// Progress remembers, per object key, since when the object has had
// progress that is not written yet.
type Progress struct {
	mu    sync.Mutex
	since map[string]time.Time
}

// NewProgress returns an empty record.
func NewProgress() *Progress {
	return &Progress{since: map[string]time.Time{}}
}

// Wait returns how much longer the unwritten progress of key may wait,
// starting the wait at now if it was not waiting. At zero or less, write.
func (p *Progress) Wait(key string, now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	since, ok := p.since[key]
	if !ok {
		p.since[key] = now
		return ProgressInterval
	}
	return ProgressInterval - now.Sub(since)
}

// Done records that key has no unwritten progress.
func (p *Progress) Done(key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.since, key)
}
