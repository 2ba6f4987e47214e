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

package disksnapshot

import (
	"net/http"
	"testing"
	"time"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/disksnapshot"
	"vmsnap.io/vmsnap/tests/framework"
)

// deadlineSlack is how late after its failureDeadline a snapshot whose API
// calls keep failing may be failed. The retry backoff alone would wake it
// 5ms·2^k after the first failure: past a 30s deadline, at 41s.
const deadlineSlack = 6 * time.Second

// A disk snapshot whose VolumeSnapshot the API server keeps refusing is
// retried until its failureDeadline and failed then, naming the step,
// rather than when the retry backoff happens to wake it.
func TestDiskSnapshotWhoseCreateKeepsFailingFailsAtItsDeadline(t *testing.T) {
	const deadline = 30 * time.Second
	f := framework.New(t)
	faults := framework.NewFaultInjector(f.Namespace, framework.Fault{
		Method: http.MethodPost, Path: "/volumesnapshots", Code: http.StatusInternalServerError, Times: -1,
	})
	f.RunControllerVariant(framework.Variant{Wrap: faults.Wrap})
	f.CreateClaim("disk", "")
	start := time.Now()
	f.CreateDiskSnapshot("snap", "disk", framework.DiskFailureDeadline(deadline))

	failed := f.WaitForDiskSnapshotPhase("snap", snapshotapi.SnapshotFailed, deadline+framework.DefaultTimeout)
	if late := time.Since(start) - deadline; late > deadlineSlack {
		t.Errorf("failed %s after its %s deadline; want within %s", late.Round(time.Second), deadline, deadlineSlack)
	}
	requireReadyCondition(t, failed, disksnapshot.ReasonCreateFailed, "failureDeadline", "creating VolumeSnapshot")
	t.Logf("the create was tried %d times", len(faults.Injected()))
	if n := len(faults.Injected()); n < 3 {
		t.Errorf("want the create retried until the deadline; it was tried %d times", n)
	}
	if vss := f.ListVolumeSnapshots(); len(vss) != 0 {
		t.Errorf("want no VolumeSnapshot; got %d", len(vss))
	}
}
