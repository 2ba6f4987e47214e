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
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/disksnapshot"
	"vmsnap.io/vmsnap/tests/fakevirtapi"
	"vmsnap.io/vmsnap/tests/framework"
	"vmsnap.io/vmsnap/tests/framework/cluster"
)

// adoptionDeadline is the failureDeadline of the disk snapshots whose
// VolumeSnapshot name someone else took.
const adoptionDeadline = 15 * time.Second

// The name of a disk snapshot's VolumeSnapshot follows from its UID, which
// anyone who can read the snapshot sees. A VolumeSnapshot someone made under
// that name before the controller did is not the disk snapshot's: it is
// never reported as its data, never changed and never deleted. The disk
// snapshot waits, saying so, and fails at its failureDeadline.
func TestVolumeSnapshotMadeInAdvanceIsNotAdopted(t *testing.T) {
	f := framework.New(t)
	// The disk does not exist yet: the snapshot waits, its UID visible.
	snap := f.CreateDiskSnapshot("snap", "disk", framework.DiskFailureDeadline(adoptionDeadline))
	f.WaitForDiskSnapshotCondition("snap", snapshotapi.ConditionReady, metav1.ConditionFalse, disksnapshot.ReasonDiskNotFound, framework.DefaultTimeout)
	intruder := createIntruder(t, f, disksnapshot.VolumeSnapshotName(snap), "disk")
	f.CreateClaim("disk", "")

	failed := f.WaitForDiskSnapshotPhase("snap", snapshotapi.SnapshotFailed, adoptionDeadline+framework.DefaultTimeout)
	requireNameConflictFailure(t, failed, intruder.Name)
	f.WaitForEvent("VirtualDiskSnapshot", "snap", corev1.EventTypeWarning, "SnapshotFailed")
	requireUntouched(t, f, intruder)

	f.DeleteDiskSnapshot("snap")
	f.WaitForDiskSnapshotGone("snap")
	requireUntouched(t, f, intruder)
}

// The same for the disk of a running VM with a guest agent: the taken name
// is seen before the VM is locked or frozen, and the VM is left unlocked
// and thawed.
func TestVolumeSnapshotMadeInAdvanceForARunningVMDisk(t *testing.T) {
	f := framework.New(t)
	vm := f.CreateVM("vm", framework.WithPVCDisks(1))
	f.StartVM(vm, true)
	disk := framework.ClaimName(vm.Name, "disk0")
	// Another snapshot holds the VM: the disk snapshot waits its turn.
	f.UpdateVMStatus(vm.Name, func(st *kubevirtv1.VirtualMachineStatus) { st.SnapshotInProgress = ptr.To("other-snapshot") })
	snap := f.CreateDiskSnapshot("snap", disk, framework.DiskFailureDeadline(adoptionDeadline))
	f.WaitForDiskSnapshotCondition("snap", snapshotapi.ConditionReady, metav1.ConditionFalse, disksnapshot.ReasonWaitingForVM, framework.DefaultTimeout)
	intruder := createIntruder(t, f, disksnapshot.VolumeSnapshotName(snap), disk)
	f.UpdateVMStatus(vm.Name, func(st *kubevirtv1.VirtualMachineStatus) { st.SnapshotInProgress = nil })

	failed := f.WaitForDiskSnapshotPhase("snap", snapshotapi.SnapshotFailed, adoptionDeadline+framework.DefaultTimeout)
	requireNameConflictFailure(t, failed, intruder.Name)
	requireUntouched(t, f, intruder)
	if freezes := framework.CallsOf(f.VirtAPICalls(vm.Name), fakevirtapi.OpFreeze); len(freezes) != 0 {
		t.Errorf("the VM was frozen for a snapshot that could not be taken: %s", describeCalls(f.VirtAPICalls(vm.Name)))
	}
	requireVMReleased(t, f, vm.Name)

	f.DeleteDiskSnapshot("snap")
	f.WaitForDiskSnapshotGone("snap")
	requireUntouched(t, f, intruder)
	requireVMReleased(t, f, vm.Name)
}

// The name may also be taken after the controller looked and found it
// free: between the look and its create, while the VM is locked and
// frozen. The create's AlreadyExists is no proof of ownership either; the
// VM is thawed and unlocked, and the disk snapshot fails at its deadline
// without touching the other VolumeSnapshot.
func TestVolumeSnapshotNameTakenJustBeforeTheCreate(t *testing.T) {
	f := framework.New(t)
	race := &nameRace{f: f}
	f.RunControllerVariant(framework.Variant{Wrap: race.wrap})
	vm := f.CreateVM("vm", framework.WithPVCDisks(1))
	f.StartVM(vm, true)
	disk := framework.ClaimName(vm.Name, "disk0")
	race.claim = disk
	f.CreateDiskSnapshot("snap", disk, framework.DiskFailureDeadline(adoptionDeadline))

	failed := f.WaitForDiskSnapshotPhase("snap", snapshotapi.SnapshotFailed, adoptionDeadline+framework.DefaultTimeout)
	intruder, err := race.result()
	if err != nil {
		t.Fatalf("taking the name before the controller's create: %v", err)
	}
	if intruder == nil {
		t.Fatalf("the controller never created a VolumeSnapshot; %s", framework.DescribeDiskSnapshot(failed))
	}
	requireNameConflictFailure(t, failed, intruder.Name)
	requireUntouched(t, f, intruder)
	calls := f.VirtAPICalls(vm.Name)
	if len(framework.CallsOf(calls, fakevirtapi.OpFreeze)) == 0 {
		t.Errorf("want the VM frozen before the create (else this test does not test the thaw); calls: %s", describeCalls(calls))
	}
	requireVMReleased(t, f, vm.Name)

	f.DeleteDiskSnapshot("snap")
	f.WaitForDiskSnapshotGone("snap")
	requireUntouched(t, f, intruder)
}

// nameRace is a controller transport: on the controller's first create of
// a VolumeSnapshot in the namespace it has someone else create one under
// the same name first.
type nameRace struct {
	f     *framework.Framework
	claim string

	mu       sync.Mutex
	done     bool
	intruder *snapshotv1.VolumeSnapshot
	err      error
}

func (r *nameRace) wrap(next http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		if req.Method != http.MethodPost || !strings.HasSuffix(req.URL.Path, "/namespaces/"+r.f.Namespace+"/volumesnapshots") {
			return next.RoundTrip(req)
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.done || req.Body == nil {
			return next.RoundTrip(req)
		}
		r.done = true
		body, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		var vs snapshotv1.VolumeSnapshot
		if r.err = json.Unmarshal(body, &vs); r.err == nil {
			r.intruder, r.err = r.f.Snapshots.SnapshotV1().VolumeSnapshots(r.f.Namespace).Create(req.Context(), intruderFor(r.f, vs.Name, r.claim), metav1.CreateOptions{})
		}
		return next.RoundTrip(req)
	})
}

func (r *nameRace) result() (*snapshotv1.VolumeSnapshot, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.intruder, r.err
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// intruderFor is a VolumeSnapshot of the claim that someone other than the
// controller makes under name. It even carries the label the controller
// puts on its own; only the controller reference is missing.
func intruderFor(f *framework.Framework, name, claim string) *snapshotv1.VolumeSnapshot {
	return &snapshotv1.VolumeSnapshot{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: f.Namespace,
			Labels:      map[string]string{disksnapshot.LabelDiskSnapshotName: "snap"},
			Annotations: map[string]string{"example.com/made-by": "someone else"},
		},
		Spec: snapshotv1.VolumeSnapshotSpec{
			Source:                  snapshotv1.VolumeSnapshotSource{PersistentVolumeClaimName: ptr.To(claim)},
			VolumeSnapshotClassName: ptr.To(cluster.SnapshotClassName),
		},
	}
}

func createIntruder(t *testing.T, f *framework.Framework, name, claim string) *snapshotv1.VolumeSnapshot {
	t.Helper()
	vs, err := f.Snapshots.SnapshotV1().VolumeSnapshots(f.Namespace).Create(f.Context(), intruderFor(f, name, claim), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating VolumeSnapshot %s in advance: %v", name, err)
	}
	return vs
}

// requireNameConflictFailure checks that the disk snapshot failed at its
// deadline, not before, for the name conflict, and reports none of the
// other VolumeSnapshot's data as its own.
func requireNameConflictFailure(t *testing.T, snap *snapshotapi.VirtualDiskSnapshot, vsName string) {
	t.Helper()
	requireReadyCondition(t, snap, disksnapshot.ReasonNameConflict, vsName, "not created by this disk snapshot", "failureDeadline")
	if snap.Status.Error == nil || snap.Status.Error.Time == nil {
		t.Fatalf("want status.error with its time; got %s", framework.DescribeDiskSnapshot(snap))
	}
	if early := snap.CreationTimestamp.Add(adoptionDeadline).Sub(snap.Status.Error.Time.Time); early > 0 {
		t.Errorf("failed %s before its %s failureDeadline", early, adoptionDeadline)
	}
	if ptr.Deref(snap.Status.ReadyToUse, true) || snap.Status.VolumeSnapshotName != nil || snap.Status.RestoreSize != nil || snap.Status.CreationTime != nil {
		t.Errorf("want readyToUse false and no volumeSnapshotName, restoreSize or creationTime (those of %s are not the snapshot's); got %s, volumeSnapshotName %v, restoreSize %v, creationTime %v",
			vsName, framework.DescribeDiskSnapshot(snap), snap.Status.VolumeSnapshotName, snap.Status.RestoreSize, snap.Status.CreationTime)
	}
}

// requireUntouched checks that the controller neither deleted nor changed
// the VolumeSnapshot. Its status and the snapshot-controller's finalizers
// are the snapshot-controller's, which does take the snapshot.
func requireUntouched(t *testing.T, f *framework.Framework, before *snapshotv1.VolumeSnapshot) {
	t.Helper()
	f.Consistently("volumesnapshot "+f.Namespace+"/"+before.Name, "there and untouched by the vmsnap controller", 2*time.Second, func(ctx context.Context) (bool, string, error) {
		vs, err := f.Snapshots.SnapshotV1().VolumeSnapshots(f.Namespace).Get(ctx, before.Name, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		var changed []string
		if vs.UID != before.UID {
			changed = append(changed, "UID "+string(vs.UID)+", was "+string(before.UID))
		}
		if vs.DeletionTimestamp != nil {
			changed = append(changed, "being deleted")
		}
		if !equality.Semantic.DeepEqual(vs.OwnerReferences, before.OwnerReferences) {
			changed = append(changed, "owner references")
		}
		if !equality.Semantic.DeepEqual(vs.Labels, before.Labels) {
			changed = append(changed, "labels")
		}
		for k, v := range vs.Annotations {
			if before.Annotations[k] != v && !strings.HasPrefix(k, "snapshot.storage.kubernetes.io/") {
				changed = append(changed, "annotation "+k)
			}
		}
		for k := range before.Annotations {
			if _, ok := vs.Annotations[k]; !ok {
				changed = append(changed, "annotation "+k+" removed")
			}
		}
		if slices.ContainsFunc(vs.Finalizers, func(s string) bool { return strings.Contains(s, "vmsnap") }) {
			changed = append(changed, "finalizers")
		}
		if !equality.Semantic.DeepEqual(vs.Spec, before.Spec) {
			changed = append(changed, "spec")
		}
		return len(changed) == 0, strings.Join(changed, ", ") + "; " + framework.DescribeVolumeSnapshot(vs), nil
	})
}

// requireVMReleased checks that the VM is neither frozen nor locked.
func requireVMReleased(t *testing.T, f *framework.Framework, vmName string) {
	t.Helper()
	f.Eventually("vm "+f.Namespace+"/"+vmName, "thawed and not locked", framework.DefaultTimeout, func(ctx context.Context) (bool, string, error) {
		vm, err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).Get(ctx, vmName, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		return !f.Frozen(vmName) && vm.Status.SnapshotInProgress == nil,
			framework.DescribeVM(vm) + ", calls: " + describeCalls(f.VirtAPICalls(vmName)), nil
	})
}
