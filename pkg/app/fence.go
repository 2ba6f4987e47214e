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

package app

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"k8s.io/utils/clock"
)

// leaseFence refuses this replica's writes while its leader lease may have
// passed to another replica. A leader that was stopped (SIGSTOP, a long
// pause, a partition) resumes believing it leads until its next renewal
// fails, and meanwhile its writes race the new leader's: one deletes the
// VolumeSnapshots the other has just created. The fence is open for
// RenewDeadline after the start of each renewal that succeeded; a standby
// takes the lease only after LeaseDuration, which is longer, without one.
// Writes to Leases (the election itself) always pass.
type leaseFence struct {
	validity time.Duration
	clock    clock.PassiveClock

	mu          sync.Mutex
	renewedAt   time.Time
	openedUntil time.Time
}

func newLeaseFence(validity time.Duration, clk clock.PassiveClock) *leaseFence {
	return &leaseFence{validity: validity, clock: clk}
}

// renewed opens the fence after a renewal of this replica's lease that
// started at start.
func (f *leaseFence) renewed(start time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.renewedAt = start
	f.openedUntil = start.Add(f.validity)
}

// released closes the fence: this replica gave the lease up.
func (f *leaseFence) released() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.openedUntil = time.Time{}
}

// check returns why a write must not go out now, or nil.
func (f *leaseFence) check() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.clock.Now()
	if now.Before(f.openedUntil) {
		return nil
	}
	if f.renewedAt.IsZero() {
		return fmt.Errorf("write refused: this replica does not hold the leader lease")
	}
	return fmt.Errorf("write refused: this replica last renewed its leader lease %s ago, and another may lead by now",
		now.Sub(f.renewedAt).Round(time.Millisecond))
}

func (f *leaseFence) wrap(next http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		if isWrite(req.Method) && !strings.HasPrefix(req.URL.Path, "/apis/coordination.k8s.io/") {
			if err := f.check(); err != nil {
				return nil, err
			}
		}
		return next.RoundTrip(req)
	})
}

func isWrite(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
