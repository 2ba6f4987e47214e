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
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/util/workqueue"
)

func drain(t *testing.T, q workqueue.TypedInterface[string]) []string {
	t.Helper()
	var out []string
	for q.Len() > 0 {
		key, _ := q.Get()
		out = append(out, key)
		q.Done(key)
	}
	return out
}

func TestLanesUrgentKeysGoFirstInArrivalOrder(t *testing.T) {
	urgent := map[string]bool{"ns/b": true, "ns/d": true}
	q := workqueue.NewTypedWithConfig(workqueue.TypedQueueConfig[string]{Queue: NewLanes(func(k string) bool { return urgent[k] })})
	defer q.ShutDown()
	for _, k := range []string{"ns/a", "ns/b", "ns/c", "ns/d", "ns/e"} {
		q.Add(k)
	}
	if got, want := drain(t, q), []string{"ns/b", "ns/d", "ns/a", "ns/c", "ns/e"}; !slices.Equal(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
}

func TestLanesKeyThatBecomesUrgentWhileQueuedMovesAheadOnce(t *testing.T) {
	urgent := map[string]bool{}
	q := workqueue.NewTypedWithConfig(workqueue.TypedQueueConfig[string]{Queue: NewLanes(func(k string) bool { return urgent[k] })})
	defer q.ShutDown()
	for _, k := range []string{"ns/a", "ns/b", "ns/c"} {
		q.Add(k)
	}
	urgent["ns/c"] = true
	q.Add("ns/c") // a watch event: the key is queued already
	q.Add("ns/c")
	if q.Len() != 3 {
		t.Fatalf("Len %d after promoting a queued key, want 3", q.Len())
	}
	if got, want := drain(t, q), []string{"ns/c", "ns/a", "ns/b"}; !slices.Equal(got, want) {
		t.Fatalf("order %v, want %v: the promoted key first, and only once", got, want)
	}
}

func TestLanesKeyAddedWhileProcessedIsQueuedOnceAfterDone(t *testing.T) {
	urgent := map[string]bool{}
	q := workqueue.NewTypedWithConfig(workqueue.TypedQueueConfig[string]{Queue: NewLanes(func(k string) bool { return urgent[k] })})
	defer q.ShutDown()
	q.Add("ns/a")
	q.Add("ns/b")
	key, _ := q.Get()
	if key != "ns/a" {
		t.Fatalf("first key %s, want ns/a", key)
	}
	urgent["ns/a"] = true
	q.Add("ns/a") // while its sync runs: no second sync of it at once
	if q.Len() != 1 {
		t.Fatalf("Len %d while ns/a is processed, want 1 (ns/b)", q.Len())
	}
	q.Done(key)
	if got, want := drain(t, q), []string{"ns/a", "ns/b"}; !slices.Equal(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
}

func TestLanesQueueRateLimitedAndDelayedKeysKeepTheLanes(t *testing.T) {
	q := NewLanesQueue("", nil, func(k string) bool { return strings.HasSuffix(k, "-urgent") })
	defer q.ShutDown()
	q.Add("ns/start")
	q.AddRateLimited("ns/finish-urgent")
	q.AddAfter("ns/later-urgent", 10*time.Millisecond)
	deadline := time.Now().Add(5 * time.Second)
	for q.Len() < 3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	var got []string
	for len(got) < 3 {
		key, _ := q.Get()
		got = append(got, key)
		q.Done(key)
	}
	if got[2] != "ns/start" {
		t.Fatalf("order %v: the urgent keys must go before ns/start", got)
	}
}
