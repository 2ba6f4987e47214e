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

package cli

import (
	"context"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clienttesting "k8s.io/client-go/testing"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
	vmsnapfake "vmsnap.io/client-go/clientset/versioned/fake"
)

// TestDryRunIsDeletedOnEveryPath: the one write a dry run adds after its
// create is the delete of the DryRun restore. It is sent once whether the
// plan came or Ctrl-C stopped the wait; when the API refuses it, the
// command still gives its answer and says how to delete the dry run by
// hand. A run cut short between the create and the delete leaves a
// DryRun restore, which changes nothing and is named SNAPSHOT-dryrun-.
func TestDryRunIsDeletedOnEveryPath(t *testing.T) {
	for _, tc := range []struct {
		name        string
		interrupted bool
		deleteErr   error
		wantCode    int
		wantErrOut  string
	}{
		{name: "plan shown, delete lands", wantCode: 0},
		{name: "plan shown, delete refused", deleteErr: apierrors.NewInternalError(errString("etcd unavailable")), wantCode: 0,
			wantErrOut: "Warning: deleting the dry run snap-dryrun-1: Internal error occurred: etcd unavailable; delete it with kubectl delete vmrestore snap-dryrun-1"},
		{name: "Ctrl-C before the plan, delete lands", interrupted: true, wantCode: ExitInterrupted},
		{name: "Ctrl-C before the plan, delete refused", interrupted: true, deleteErr: apierrors.NewServiceUnavailable("restarting"), wantCode: ExitInterrupted,
			wantErrOut: "Warning: deleting the dry run snap-dryrun-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := fakeClientsFor()
			vmsnap := c.VMSnap.(*vmsnapfake.Clientset)
			planned := &snapshotapi.VirtualMachineRestore{
				ObjectMeta: metav1.ObjectMeta{Name: "snap-dryrun-1", Namespace: testNamespace, CreationTimestamp: metav1.Now()},
				Spec:       snapshotapi.VirtualMachineRestoreSpec{VirtualMachineSnapshotName: "snap", Mode: snapshotapi.RestoreModeDryRun},
				Status: snapshotapi.VirtualMachineRestoreStatus{
					Phase: snapshotapi.RestoreReady,
					Resources: []snapshotapi.RestoredResource{
						{APIVersion: "v1", Kind: kindClaim, Name: "restore-disk0", Result: snapshotapi.ResourceCreated, Message: "restored"},
					},
				},
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			vmsnap.PrependReactor("create", "virtualmachinerestores", func(clienttesting.Action) (bool, runtime.Object, error) {
				created := planned.DeepCopy()
				created.Status = snapshotapi.VirtualMachineRestoreStatus{}
				return true, created, nil
			})
			vmsnap.PrependReactor("get", "virtualmachinerestores", func(clienttesting.Action) (bool, runtime.Object, error) {
				if tc.interrupted {
					// Ctrl-C while the controller has not planned yet.
					cancel()
					pending := planned.DeepCopy()
					pending.Status = snapshotapi.VirtualMachineRestoreStatus{}
					return true, pending, nil
				}
				return true, planned.DeepCopy(), nil
			})
			deletes := 0
			vmsnap.PrependReactor("delete", "virtualmachinerestores", func(a clienttesting.Action) (bool, runtime.Object, error) {
				deletes++
				if name := a.(clienttesting.DeleteAction).GetName(); name != "snap-dryrun-1" {
					t.Errorf("deleted %q, want the dry run", name)
				}
				return true, nil, tc.deleteErr
			})

			ro := &restoreOptions{mode: modeStrict, dryRun: true, wait: true}
			r, err := ro.restoreFor("snap")
			if err != nil {
				t.Fatal(err)
			}
			r.Namespace = testNamespace
			o, out, errOut := testOptions(c)
			err = ro.runDryRun(ctx, o, c, r, snapshotapi.RestoreModeStrict)
			if got := exitCode(err); got != tc.wantCode {
				t.Fatalf("exit %d (%v), want %d", got, err, tc.wantCode)
			}
			if deletes != 1 {
				t.Errorf("the dry run was deleted %d times, want once", deletes)
			}
			if !tc.interrupted && !strings.Contains(out.String(), "restore-disk0") {
				t.Errorf("the plan was not printed:\n%s", out.String())
			}
			if tc.wantErrOut == "" && strings.Contains(errOut.String(), "Warning: deleting") {
				t.Errorf("a warning about a delete that landed: %s", errOut.String())
			}
			if !strings.Contains(errOut.String(), tc.wantErrOut) {
				t.Errorf("stderr %q does not say %q", errOut.String(), tc.wantErrOut)
			}
		})
	}
}

// errString is an error with a fixed text.
type errString string

func (e errString) Error() string { return string(e) }
