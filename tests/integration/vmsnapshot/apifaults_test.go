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
	"net/http"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/tests/framework"
)

// A status write that fails after the content was created, because the API
// server refused it (a conflict, a 503) or because its answer was lost (a
// 500 after it took effect), changes nothing a user sees at the end: the
// snapshot is Ready with everything its content holds, and stays Ready.
// (Before, the next sync took the VolumeSnapshots as its own, called a
// snapshot of a VM without a guest agent consistent, left out the content
// name, source UID, indications and volume lists, and a later sync found
// "content is gone".)
func TestFailedStatusWriteAfterTheContentWasCreated(t *testing.T) {
	for _, tc := range []struct {
		name string
		code int
		lost bool
	}{
		{name: "conflict", code: http.StatusConflict},
		{name: "unavailable", code: http.StatusServiceUnavailable},
		{name: "answer lost", code: http.StatusInternalServerError, lost: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := framework.New(t)
			vm := f.CreateVM("vm", framework.WithPVCDisks(2), framework.WithCloudInit())
			f.StartVM(vm, false)
			faults := framework.NewFaultInjector(f.Namespace, framework.Fault{
				Method: http.MethodPut,
				Path:   "/virtualmachinesnapshots/snap/status",
				Code:   tc.code,
				Lost:   tc.lost,
				Times:  2,
				After:  "/virtualmachinesnapshotcontents",
			})
			f.RunControllerVariant(framework.Variant{Wrap: faults.Wrap})
			f.CreateSnapshot("snap", vm.Name, framework.RequiredConsistency(false))

			snap := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
			if injected := faults.Injected(); len(injected) != 2 {
				t.Fatalf("want 2 status writes failed after the content's creation; got %q", injected)
			}
			requireWholeReadySnapshot(t, f, snap, vm.UID, "disk0", "disk1")

			f.Consistently("vmsnapshot "+f.Namespace+"/snap", "Ready, with its content, across resyncs", 3*time.Second,
				func(ctx context.Context) (bool, string, error) {
					s := f.GetSnapshot("snap")
					return s.Status.Phase == snapshotapi.SnapshotReady && ptr.Deref(s.Status.ReadyToUse, false) &&
						ptr.Deref(s.Status.VirtualMachineSnapshotContentName, "") != "", framework.DescribeSnapshot(s), nil
				})
			if contents := f.ListContents(); len(contents) != 1 {
				t.Errorf("want one content; got %d", len(contents))
			}
			if vss := f.ListVolumeSnapshots(); len(vss) != 2 {
				t.Errorf("want one VolumeSnapshot for each of the 2 disks; got %d", len(vss))
			}
			current, err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).Get(f.Context(), vm.Name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if current.Status.SnapshotInProgress != nil {
				t.Errorf("the VM is still marked snapshotInProgress=%s", *current.Status.SnapshotInProgress)
			}
		})
	}
}

// requireWholeReadySnapshot checks that a Ready snapshot of a running VM
// without a guest agent says everything its content holds.
func requireWholeReadySnapshot(t *testing.T, f *framework.Framework, snap *snapshotapi.VirtualMachineSnapshot, source types.UID, volumes ...string) {
	t.Helper()
	if !ptr.Deref(snap.Status.ReadyToUse, false) || ptr.Deref(snap.Status.Consistent, true) {
		t.Errorf("want readyToUse and not consistent (no guest agent); got %s", framework.DescribeSnapshot(snap))
	}
	if got := ptr.Deref(snap.Status.SourceUID, ""); got != source {
		t.Errorf("want sourceUID %v; got %q", source, got)
	}
	want := []snapshotapi.IndicationType{snapshotapi.IndicationOnline, snapshotapi.IndicationNoGuestAgent}
	if len(volumes) > 1 {
		// The suite's driver has no VolumeGroupSnapshotClass: the disks of
		// a guest nothing froze were cut one by one, and may disagree.
		want = append(want, snapshotapi.IndicationPerVolumeCut)
	}
	requireIndications(t, snap, want...)
	requireIncluded(t, snap, volumes...)
	content := f.ContentOf(snap)
	if len(content.Status.VolumeSnapshotStatus) != len(volumes) {
		t.Errorf("content %s: want %d volume snapshots; got %+v", content.Name, len(volumes), content.Status.VolumeSnapshotStatus)
	}
	if len(content.Spec.SecretBackups) != 1 {
		t.Fatalf("content %s: secretBackups %+v, want the cloud-init Secret", content.Name, content.Spec.SecretBackups)
	}
	if _, err := f.Kube.CoreV1().Secrets(f.Namespace).Get(f.Context(), content.Spec.SecretBackups[0].BackupSecretName, metav1.GetOptions{}); err != nil {
		t.Errorf("the Secret copy its content names: %v", err)
	}
}
