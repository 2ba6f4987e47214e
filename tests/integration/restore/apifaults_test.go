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

package restore

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/restore"
	"vmsnap.io/vmsnap/tests/framework"
)

// A restore whose claims the API server keeps refusing (as a quota would)
// is retried until its failureDeadline and failed then, naming the step,
// rather than when the retry backoff happens to wake it (past a 30s
// deadline, the backoff alone first wakes it at 41s); what it made is
// cleaned up.
func TestRestoreWhoseClaimsKeepFailingFailsAtItsDeadline(t *testing.T) {
	const deadline, slack = 30 * time.Second, 6 * time.Second
	f := newTest(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(1))
	readySnapshot(f, "snap", vm.Name)
	faults := framework.NewFaultInjector(f.Namespace, framework.Fault{
		Method: http.MethodPost, Path: "/persistentvolumeclaims", Code: http.StatusForbidden, Times: -1,
	})
	f.RunControllerVariant(framework.Variant{Wrap: faults.Wrap})

	start := time.Now()
	f.CreateRestore("restore", "snap", append(renameAll("vm2"), framework.RestoreDeadline(deadline))...)
	failed := f.WaitForRestorePhase("restore", snapshotapi.RestoreFailed, deadline+framework.DefaultTimeout)
	if late := time.Since(start) - deadline; late > slack {
		t.Errorf("failed %s after its %s deadline; want within %s", late.Round(time.Second), deadline, slack)
	}
	ready := condition(failed, snapshotapi.ConditionReady)
	if ready.Reason != restore.ReasonDeadlineExceeded || !strings.Contains(ready.Message, "creating PersistentVolumeClaim vm2-disk0") {
		t.Errorf("want Ready=False %s naming the claim's creation; got %s: %s", restore.ReasonDeadlineExceeded, ready.Reason, ready.Message)
	}
	if n := len(faults.Injected()); n < 3 {
		t.Errorf("want the claim's creation retried until the deadline; it was tried %d times", n)
	}
	f.Eventually("namespace "+f.Namespace, "no restored VM", framework.DefaultTimeout, func(ctx context.Context) (bool, string, error) {
		_, err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).Get(ctx, "vm2", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, "", nil
		}
		return false, "VM vm2 exists", err
	})
}
