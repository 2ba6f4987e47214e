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

import "k8s.io/client-go/util/workqueue"

// Lanes is a workqueue's order of keys in two FIFO lanes: the keys that
// urgent picks when they are added go before all others. A batch of new
// snapshots queues hundreds of starts at once; the syncs that finish a
// snapshot already under way (and so unlock or thaw its VM) must not wait
// behind them. The workqueue still runs one sync of a key at a time.
//
// urgent is called with the workqueue's lock held: it must only read (a
// lister, say) and never add to the queue.
type Lanes struct {
	urgent func(key string) bool
	lanes  [2][]laneEntry
	queued map[string]laneEntry
	seq    uint64
}

// laneEntry is one place in a lane; a key promoted to the urgent lane
// leaves a stale place behind, recognised by its older seq.
type laneEntry struct {
	key  string
	lane int
	seq  uint64
}

var _ workqueue.Queue[string] = &Lanes{}

// NewLanes returns an empty two-lane order.
func NewLanes(urgent func(key string) bool) *Lanes {
	return &Lanes{urgent: urgent, queued: map[string]laneEntry{}}
}

func (l *Lanes) laneOf(key string) int {
	if l.urgent(key) {
		return 0
	}
	return 1
}

func (l *Lanes) place(key string, lane int) {
	l.seq++
	e := laneEntry{key: key, lane: lane, seq: l.seq}
	l.queued[key] = e
	l.lanes[lane] = append(l.lanes[lane], e)
}

// Push queues a key that is not queued.
func (l *Lanes) Push(key string) { l.place(key, l.laneOf(key)) }

// Touch is a key added again while it waits: it moves to the urgent lane
// if it became urgent meanwhile. It never moves back.
func (l *Lanes) Touch(key string) {
	if e, ok := l.queued[key]; ok && e.lane == 1 && l.urgent(key) {
		l.place(key, 0)
	}
}

// Len is the number of queued keys.
func (l *Lanes) Len() int { return len(l.queued) }

// Pop returns the first key of the urgent lane, else of the other. The
// workqueue calls it only when Len is above zero.
func (l *Lanes) Pop() string {
	for lane := range l.lanes {
		for len(l.lanes[lane]) > 0 {
			e := l.lanes[lane][0]
			l.lanes[lane][0] = laneEntry{}
			l.lanes[lane] = l.lanes[lane][1:]
			if cur, ok := l.queued[e.key]; ok && cur.seq == e.seq {
				delete(l.queued, e.key)
				return e.key
			}
		}
	}
	return ""
}
