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

package vmsnapshot

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/controller/controllertest"
)

// A thaw at the cut that keeps failing is said in the status and retried
// while the VM stays locked (only the holder may thaw it), and the snapshot
// fails at its deadline like any step that keeps failing. Before, the sync
// returned the error alone: the snapshot stayed InProgress past its
// deadline for as long as the thaw failed, its status still "waiting for
// the storage to cut".
func TestSyncFailingThawAtTheCutFailsAtTheDeadline(t *testing.T) {
	f, _ := frozenWithCutContent(t)
	// The sync before the deadline, the one at it, and the Failed
	// snapshot's first cleanup fail; the next cleanup thaws.
	unfreeze := &controllertest.Fault{Verb: "put", Resource: "virtualmachineinstances", Subresource: "unfreeze",
		Err: controllertest.APIErrors()["InternalError"], Times: 3}
	controllertest.Inject(f.kubevirt, unfreeze)

	requeue, err := f.c.sync(context.Background(), "ns/snap")
	if err == nil || !strings.Contains(err.Error(), "thawing") {
		t.Fatalf("sync error %v, want the failed thaw", err)
	}
	if want := 5*time.Minute - 3*time.Second; requeue != want {
		t.Errorf("requeue %s with the error, want the %s left to the deadline", requeue, want)
	}
	st := f.status("snap")
	ready := meta(st.Conditions, snapshotapi.ConditionReady)
	if st.Phase != snapshotapi.SnapshotInProgress || ready == nil || ready.Reason != ReasonThawFailed ||
		!strings.Contains(ready.Message, "thawing the guest failed") || st.Error == nil || !strings.Contains(ptr.Deref(st.Error.Message, ""), "thawing") {
		t.Fatalf("phase %s, Ready %+v, error %v: want InProgress, reason %s and an error naming the thaw", st.Phase, ready, st.Error, ReasonThawFailed)
	}
	if holder := f.vmLock(); holder != "snap" {
		t.Fatalf("VM lock %q while the thaw fails, want the snapshot that must thaw", holder)
	}

	f.clock.SetTime(created.Add(5*time.Minute + time.Second))
	if _, err := f.c.sync(context.Background(), "ns/snap"); err == nil {
		t.Fatal("the Failed snapshot's cleanup thawed although the thaw fails")
	}
	st = f.status("snap")
	ready = meta(st.Conditions, snapshotapi.ConditionReady)
	if st.Phase != snapshotapi.SnapshotFailed || ready == nil || ready.Reason != ReasonDeadlineExceeded ||
		!strings.Contains(ready.Message, "failureDeadline of 5m0s") || !strings.Contains(ready.Message, "thawing") {
		t.Fatalf("at the deadline: phase %s, Ready %+v; want Failed, reason %s, naming the deadline and the thaw", st.Phase, ready, ReasonDeadlineExceeded)
	}
	if holder := f.vmLock(); holder != "snap" {
		t.Fatalf("VM lock %q while the cleanup's thaw fails, want the snapshot that must thaw", holder)
	}

	f.writes = nil
	if _, err := f.c.sync(context.Background(), "ns/snap"); err != nil {
		t.Fatalf("cleanup once the thaw works: %v", err)
	}
	if got := strings.Join(f.actions(), ","); !strings.HasPrefix(got, "put virtualmachineinstances/unfreeze,update virtualmachines/status") {
		t.Errorf("writes %s: want the thaw, then the unlock", got)
	}
	if holder := f.vmLock(); holder != "" {
		t.Errorf("VM lock %q after the cleanup, want none", holder)
	}
	if n := unfreeze.Applied(); n != 3 {
		t.Errorf("%d unfreezes failed, want 3", n)
	}
}

// A thaw that fails, then works before the deadline, completes the
// snapshot as if it had worked at once: the cut recorded, the VM unlocked.
func TestSyncFailingThawAtTheCutRecoversBeforeTheDeadline(t *testing.T) {
	f, cut := frozenWithCutContent(t)
	controllertest.Inject(f.kubevirt, &controllertest.Fault{Verb: "put", Resource: "virtualmachineinstances", Subresource: "unfreeze",
		Err: controllertest.APIErrors()["InternalError"], Times: 1})
	if _, err := f.c.sync(context.Background(), "ns/snap"); err == nil {
		t.Fatal("the injected thaw failure did not reach the sync")
	}
	f.clock.Step(time.Second)
	if _, err := f.c.sync(context.Background(), "ns/snap"); err != nil {
		t.Fatal(err)
	}
	st := f.status("snap")
	if st.Phase != snapshotapi.SnapshotInProgress || st.CreationTime == nil || !st.CreationTime.Time.Equal(cut) {
		t.Fatalf("phase %s, creationTime %v: want InProgress with the cut %s recorded", st.Phase, st.CreationTime, cut)
	}
	if ready := meta(st.Conditions, snapshotapi.ConditionReady); ready == nil || ready.Reason != ReasonInProgress {
		t.Errorf("Ready %+v once thawed, want reason %s", ready, ReasonInProgress)
	}
}

// vmLock is who holds the lock of the fixture's VM, as the API says.
func (f *fixture) vmLock() string {
	f.t.Helper()
	vm, err := f.kubevirt.KubevirtV1().VirtualMachines("ns").Get(context.Background(), "vm", metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return ptr.Deref(vm.Status.SnapshotInProgress, "")
}
