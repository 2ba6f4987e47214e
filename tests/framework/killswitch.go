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

package framework

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
)

// errKilled is what a killed controller's API calls get.
var errKilled = errors.New("the controller was killed by the test's kill switch")

// KillSwitch kills the in-process controller right after its k-th API
// write: the write reaches the API server, but the controller never reads
// the answer, and nothing it sends afterwards arrives, as when the process
// dies between two writes. Writes are the controller's POST, PUT, PATCH and
// DELETE calls, except events and the leader election Lease, which another
// goroutine sends at its own pace. With k = 0 it only counts the writes.
type KillSwitch struct {
	after     int
	namespace string
	onKill    func()

	mu     sync.Mutex
	writes []string
	dead   bool
	killed chan struct{}
}

// NewKillSwitch returns a switch that kills after the k-th write (k = 0:
// never) to objects of the namespace; writes elsewhere (what earlier tests
// left behind) do not count.
func NewKillSwitch(k int, namespace string) *KillSwitch {
	return &KillSwitch{after: k, namespace: namespace, killed: make(chan struct{})}
}

// Killed is closed once the switch killed the controller.
func (k *KillSwitch) Killed() <-chan struct{} { return k.killed }

// Writes lists the writes that reached the API server, as "METHOD path".
func (k *KillSwitch) Writes() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]string(nil), k.writes...)
}

func (k *KillSwitch) wrap(next http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		k.mu.Lock()
		dead := k.dead
		k.mu.Unlock()
		if dead {
			return nil, errKilled
		}
		if !countedWrite(req, k.namespace) {
			return next.RoundTrip(req)
		}
		resp, err := next.RoundTrip(req)
		if !k.record(req) {
			return resp, err
		}
		if resp != nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		return nil, errKilled
	})
}

// record counts a write that reached the server and reports whether it was
// the one to die after.
func (k *KillSwitch) record(req *http.Request) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.dead {
		return true
	}
	k.writes = append(k.writes, req.Method+" "+req.URL.Path)
	if k.after == 0 || len(k.writes) != k.after {
		return false
	}
	k.dead = true
	close(k.killed)
	// Stop waits for the controller's goroutines, this one among them.
	go k.onKill()
	return true
}

func countedWrite(req *http.Request, namespace string) bool {
	switch req.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
	default:
		return false
	}
	path := req.URL.Path
	return strings.Contains(path, "/namespaces/"+namespace+"/") &&
		!strings.Contains(path, "/events") && !strings.Contains(path, "/leases")
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
