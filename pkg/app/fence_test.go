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
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/klog/v2"
	testingclock "k8s.io/utils/clock/testing"
)

// A replica stopped past its lease (SIGSTOP, a long pause) resumes with
// its writes refused until it renews; its election and its reads go on.
func TestLeaseFenceRefusesWritesOfAStaleLeader(t *testing.T) {
	clk := testingclock.NewFakeClock(time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC))
	fence := newLeaseFence(10*time.Second, clk)
	sent := 0
	rt := fence.wrap(roundTripperFunc(func(*http.Request) (*http.Response, error) {
		sent++
		return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody}, nil
	}))
	send := func(method, path string) error {
		_, err := rt.RoundTrip(httptest.NewRequest(method, "https://apiserver"+path, nil))
		return err
	}
	const vs = "/apis/snapshot.storage.k8s.io/v1/namespaces/ns/volumesnapshots"
	const lease = "/apis/coordination.k8s.io/v1/namespaces/vmsnap-system/leases/vmsnap-controller"

	if err := send(http.MethodPost, vs); err == nil || !strings.Contains(err.Error(), "does not hold") {
		t.Errorf("a write before the first renewal: %v; want refused", err)
	}
	fence.renewed(clk.Now())
	clk.Step(9 * time.Second)
	if err := send(http.MethodDelete, vs+"/a"); err != nil {
		t.Errorf("a write within the renewal's validity: %v", err)
	}
	clk.Step(2 * time.Second) // stopped past the renew deadline
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if err := send(method, vs); err == nil || !strings.Contains(err.Error(), "11s ago") {
			t.Errorf("%s by a stale leader: %v; want refused, naming the last renewal", method, err)
		}
	}
	if err := send(http.MethodGet, vs); err != nil {
		t.Errorf("a read by a stale leader: %v", err)
	}
	if err := send(http.MethodPut, lease); err != nil {
		t.Errorf("the stale leader's own lease renewal: %v", err)
	}
	if sent != 3 {
		t.Errorf("%d requests went out, want 3: the write in time, the read and the lease", sent)
	}
}

// The Lease lock tells the fence of every renewal, and of the release.
func TestAdvisingLockOpensAndClosesTheFence(t *testing.T) {
	ctx := context.Background()
	clk := testingclock.NewFakeClock(time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC))
	client := fake.NewClientset()
	lease, err := resourcelock.New(resourcelock.LeasesResourceLock, "vmsnap-system", "vmsnap-controller",
		client.CoreV1(), client.CoordinationV1(), resourcelock.ResourceLockConfig{Identity: "me"})
	if err != nil {
		t.Fatal(err)
	}
	lock := newAdvisingLock(lease, "vmsnap-system", "vmsnap-controller", klog.Background())
	lock.clock = clk
	lock.fence = newLeaseFence(10*time.Second, clk)

	if err := lock.Create(ctx, resourcelock.LeaderElectionRecord{HolderIdentity: "me"}); err != nil {
		t.Fatal(err)
	}
	if err := lock.fence.check(); err != nil {
		t.Errorf("after taking the lease: %v", err)
	}
	if _, _, err := lock.Get(ctx); err != nil {
		t.Fatal(err)
	}
	clk.Step(8 * time.Second)
	if err := lock.Update(ctx, resourcelock.LeaderElectionRecord{HolderIdentity: "me"}); err != nil {
		t.Fatal(err)
	}
	clk.Step(8 * time.Second)
	if err := lock.fence.check(); err != nil {
		t.Errorf("8s after a renewal: %v", err)
	}
	if err := lock.Update(ctx, resourcelock.LeaderElectionRecord{HolderIdentity: ""}); err != nil {
		t.Fatal(err)
	}
	if err := lock.fence.check(); err == nil {
		t.Error("after releasing the lease the fence is open")
	}
}
