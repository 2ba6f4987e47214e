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

package cluster

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	groupsnapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumegroupsnapshot/v1"
	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	snapshotclient "github.com/kubernetes-csi/external-snapshotter/client/v8/clientset/versioned"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"vmsnap.io/vmsnap/tests/csidriver"
)

const groupCutMethod = "CreateVolumeGroupSnapshot"

// TestGroupSnapshotsAndSecondDriver walks what VM group snapshots rest on,
// with the real snapshot-controller and csi-snapshotter: a
// VolumeGroupSnapshot of labelled claims on the default class is cut in one
// CSI call into one member VolumeSnapshot per claim, owned by the group and
// deleted with it (not alone), backend snapshots included; a group of
// claims labelled only after its creation is cut at the controller's next
// retry. Then the second driver
// (Config.SecondDriver): its claims are provisioned and snapshotted by its
// own sidecars, it restarts on its own, and its crashes are reported.
func TestGroupSnapshotsAndSecondDriver(t *testing.T) {
	t.Parallel()
	c := startWithConfig(t, Config{Dir: t.TempDir(), SecondDriver: true, GroupSnapshotClass: true})
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	kube := kubernetes.NewForConfigOrDie(c.RESTConfig())
	snapshots := snapshotclient.NewForConfigOrDie(c.RESTConfig())
	ns := createNamespace(ctx, t, kube, "groups")

	t.Run("group of three claims", func(t *testing.T) {
		testGroupSnapshot(ctx, t, c, kube, snapshots, ns)
	})
	t.Run("second driver", func(t *testing.T) {
		testSecondDriver(ctx, t, c, kube, snapshots, ns)
	})
}

func testGroupSnapshot(ctx context.Context, t *testing.T, c *Cluster, kube kubernetes.Interface, snapshots snapshotclient.Interface, ns string) {
	const group = "db"
	labels := map[string]string{"app": "db"}
	claims := []string{"data", "log", "index"}
	var volumeIDs []string
	for _, name := range claims {
		claim := pvc(name, nil)
		claim.Labels = labels
		createPVC(ctx, t, kube, ns, claim)
	}
	// A claim the selector leaves out.
	createPVC(ctx, t, kube, ns, pvc("other", nil))
	for _, name := range claims {
		waitForPVCBound(ctx, t, kube, ns, name)
		volumeIDs = append(volumeIDs, volumeHandleOf(ctx, t, kube, ns, name))
	}
	waitForPVCBound(ctx, t, kube, ns, "other")
	// Writes before the cut: data none, log one, index two.
	wantGenerations := map[string]int64{}
	for i, id := range volumeIDs {
		for range i {
			if _, err := csidriver.WriteVolume(c.CSIStateDir(), id); err != nil {
				t.Fatal(err)
			}
		}
		wantGenerations[id] = int64(i)
	}

	since := time.Now()
	vgs := &groupsnapshotv1.VolumeGroupSnapshot{
		ObjectMeta: metav1.ObjectMeta{Name: group},
		Spec: groupsnapshotv1.VolumeGroupSnapshotSpec{
			Source:                       groupsnapshotv1.VolumeGroupSnapshotSource{Selector: &metav1.LabelSelector{MatchLabels: labels}},
			VolumeGroupSnapshotClassName: ptr.To(GroupSnapshotClassName),
		},
	}
	if _, err := snapshots.GroupsnapshotV1().VolumeGroupSnapshots(ns).Create(ctx, vgs, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ready := waitForGroupReady(ctx, t, snapshots, ns, group)
	t.Logf("VolumeGroupSnapshot readyToUse after %v; finalizers %v; content %s", time.Since(since).Round(time.Millisecond),
		ready.Finalizers, ptr.Deref(ready.Status.BoundVolumeGroupSnapshotContentName, ""))

	// One member per claim, named by the controller, owned by the group
	// (an owner reference, but not a controller one).
	members := groupMembers(ctx, t, snapshots, ns, group)
	var sources, memberContents []string
	for _, vs := range members {
		sources = append(sources, ptr.Deref(vs.Spec.Source.PersistentVolumeClaimName, ""))
		if !slices.ContainsFunc(vs.OwnerReferences, func(ref metav1.OwnerReference) bool {
			return ref.Kind == "VolumeGroupSnapshot" && ref.APIVersion == groupsnapshotv1.SchemeGroupVersion.String() && ref.Name == group && ref.UID == ready.UID
		}) {
			t.Errorf("member VolumeSnapshot %s: owners %+v, want the VolumeGroupSnapshot %s", vs.Name, vs.OwnerReferences, group)
		}
		if vs.Status == nil || !ptr.Deref(vs.Status.ReadyToUse, false) || ptr.Deref(vs.Status.VolumeGroupSnapshotName, "") != group {
			t.Errorf("member VolumeSnapshot %s: status %+v, want readyToUse and volumeGroupSnapshotName %s", vs.Name, vs.Status, group)
		}
		t.Logf("member VolumeSnapshot %s of claim %s: class %q, labels %v, owners %+v, finalizers %v, content %s", vs.Name, sources[len(sources)-1],
			ptr.Deref(vs.Spec.VolumeSnapshotClassName, ""), vs.Labels, vs.OwnerReferences, vs.Finalizers, ptr.Deref(vs.Status.BoundVolumeSnapshotContentName, ""))
		memberContents = append(memberContents, ptr.Deref(vs.Status.BoundVolumeSnapshotContentName, ""))
	}
	for _, name := range memberContents {
		content, err := snapshots.SnapshotV1().VolumeSnapshotContents().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("member VolumeSnapshotContent %s: annotations %v, finalizers %v, deletionPolicy %s, snapshotHandle %s, groupHandle %s",
			content.Name, content.Annotations, content.Finalizers, content.Spec.DeletionPolicy,
			ptr.Deref(content.Status.SnapshotHandle, ""), ptr.Deref(content.Status.VolumeGroupSnapshotHandle, ""))
	}
	groupContent, err := snapshots.GroupsnapshotV1().VolumeGroupSnapshotContents().Get(ctx, ptr.Deref(ready.Status.BoundVolumeGroupSnapshotContentName, ""), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("VolumeGroupSnapshotContent %s: finalizers %v, handle %s, creationTime %v", groupContent.Name, groupContent.Finalizers,
		ptr.Deref(groupContent.Status.VolumeGroupSnapshotHandle, ""), groupContent.Status.CreationTime)
	if !sameSet(sources, claims) {
		t.Errorf("member VolumeSnapshots are of claims %v, want %v", sources, claims)
	}

	// One cut in the driver, of exactly the three volumes, and no single
	// snapshot besides. csi-snapshotter may call again for the same group
	// (to poll its readiness, or after a failed status write): every answer
	// must then be that one cut.
	calls := callsSince(t, c.CSIStateDir(), since)
	var cuts []csidriver.Call
	for _, call := range calls {
		switch call.Method {
		case groupCutMethod:
			cuts = append(cuts, call)
		case "CreateSnapshot":
			t.Errorf("the driver served CreateSnapshot %+v for a group snapshot", call)
		}
	}
	cut, err := csidriver.OneGroupCut(cuts)
	if err == nil && !sameSet(cut.SourceVolumeIDs, volumeIDs) {
		err = fmt.Errorf("the cut took volumes %v", cut.SourceVolumeIDs)
	}
	for _, call := range cuts {
		if err == nil && call.Code != "OK" {
			err = fmt.Errorf("a %s call failed: %s", groupCutMethod, call.Error)
		}
	}
	if err != nil {
		t.Fatalf("driver calls %s since the group's creation, want successful %s calls of volumes %v, all answered with one group cut: %v",
			describeCalls(calls), groupCutMethod, volumeIDs, err)
	}
	// A write after the cut changes no member.
	if _, err := csidriver.WriteVolume(c.CSIStateDir(), volumeIDs[0]); err != nil {
		t.Fatal(err)
	}
	stored := storedSnapshotsOf(t, c.CSIStateDir(), volumeIDs)
	if len(stored) != len(volumeIDs) {
		t.Errorf("the driver holds %d snapshots of the group's volumes, want %d", len(stored), len(volumeIDs))
	}
	for _, snap := range stored {
		if snap.GroupSnapshotID != cut.GroupSnapshotID || snap.Generation != wantGenerations[snap.SourceVolumeID] || !snap.CreationTime.Equal(*cut.CreationTime) {
			t.Errorf("backend snapshot %+v: want a member of group %s cut at %v with generation %d", snap, cut.GroupSnapshotID, cut.CreationTime, wantGenerations[snap.SourceVolumeID])
		}
	}

	// A member alone cannot be deleted while its group exists: it stays,
	// marked for deletion, with its backend snapshot.
	if err := snapshots.SnapshotV1().VolumeSnapshots(ns).Delete(ctx, members[0].Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond) // a few of snapshot-controller's retries
	held, err := snapshots.SnapshotV1().VolumeSnapshots(ns).Get(ctx, members[0].Name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("member VolumeSnapshot %s deleted alone: %v; want it held by its group", members[0].Name, err)
	}
	if held.DeletionTimestamp == nil || !slices.Contains(held.Finalizers, "snapshot.storage.kubernetes.io/volumesnapshot-in-group-protection") {
		t.Errorf("member VolumeSnapshot %s deleted alone: deletionTimestamp %v, finalizers %v; want it marked and held by the in-group finalizer", held.Name, held.DeletionTimestamp, held.Finalizers)
	}
	if got := storedSnapshotsOf(t, c.CSIStateDir(), volumeIDs); len(got) != len(volumeIDs) {
		t.Errorf("after deleting one member alone the driver holds %d of the group's snapshots, want all %d", len(got), len(volumeIDs))
	}

	// Deleting the group deletes its members and their backend snapshots.
	deleted := time.Now()
	if err := snapshots.GroupsnapshotV1().VolumeGroupSnapshots(ns).Delete(ctx, group, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	contentName := ptr.Deref(ready.Status.BoundVolumeGroupSnapshotContentName, "")
	gone := map[string]time.Duration{}
	waitFor(ctx, t, "the group, its content, its members and their backend snapshots gone", func() (bool, string, error) {
		seen := map[string]bool{}
		_, err := snapshots.GroupsnapshotV1().VolumeGroupSnapshots(ns).Get(ctx, group, metav1.GetOptions{})
		seen["VolumeGroupSnapshot"] = !apierrors.IsNotFound(err)
		_, err = snapshots.GroupsnapshotV1().VolumeGroupSnapshotContents().Get(ctx, contentName, metav1.GetOptions{})
		seen["VolumeGroupSnapshotContent"] = !apierrors.IsNotFound(err)
		list, err := snapshots.SnapshotV1().VolumeSnapshots(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, "", err
		}
		seen["member VolumeSnapshots"] = len(list.Items) > 0
		contents, err := snapshots.SnapshotV1().VolumeSnapshotContents().List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, "", err
		}
		seen["member VolumeSnapshotContents"] = slices.ContainsFunc(contents.Items, func(content snapshotv1.VolumeSnapshotContent) bool {
			return slices.Contains(memberContents, content.Name)
		})
		seen["backend snapshots"] = len(storedSnapshotsOf(t, c.CSIStateDir(), volumeIDs)) > 0
		var left []string
		for what, there := range seen {
			if !there {
				if _, ok := gone[what]; !ok {
					gone[what] = time.Since(deleted)
				}
			} else {
				left = append(left, what)
			}
		}
		slices.Sort(left)
		return len(left) == 0, "still there: " + strings.Join(left, ", "), nil
	})
	t.Logf("after the group's deletion, gone after: %v", gone)
	t.Logf("driver calls of the deletion: %s", describeCalls(callsSince(t, c.CSIStateDir(), deleted)))

	// A group whose selector matches no claim yet waits, with an error, and
	// is cut once a claim is labelled.
	late := vgs.DeepCopy()
	late.Name = "late"
	late.Spec.Source.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "late"}}
	if _, err := snapshots.GroupsnapshotV1().VolumeGroupSnapshots(ns).Create(ctx, late, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var early *groupsnapshotv1.VolumeGroupSnapshot
	waitFor(ctx, t, "VolumeGroupSnapshot late with an error", func() (bool, string, error) {
		var err error
		early, err = snapshots.GroupsnapshotV1().VolumeGroupSnapshots(ns).Get(ctx, late.Name, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		return early.Status != nil && early.Status.Error != nil, fmt.Sprintf("status %+v", early.Status), nil
	})
	t.Logf("group of no claim: error %q", ptr.Deref(early.Status.Error.Message, ""))
	time.Sleep(3 * time.Second) // let the controller back off a few times
	labelled := time.Now()
	patch := []byte(`{"metadata":{"labels":{"app":"late"}}}`)
	if _, err := kube.CoreV1().PersistentVolumeClaims(ns).Patch(ctx, "other", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	waitForGroupReady(ctx, t, snapshots, ns, late.Name)
	t.Logf("group labelled 3s after its creation: readyToUse %v after the label", time.Since(labelled).Round(time.Millisecond))
}

func testSecondDriver(ctx context.Context, t *testing.T, c *Cluster, kube kubernetes.Interface, snapshots snapshotclient.Interface, ns string) {
	claim := pvc("nogroup", nil)
	claim.Spec.StorageClassName = ptr.To(NoGroupStorageClassName)
	createPVC(ctx, t, kube, ns, claim)
	waitForPVCBound(ctx, t, kube, ns, claim.Name)
	pv := boundPV(ctx, t, kube, ns, claim.Name)
	if pv.Spec.CSI == nil || pv.Spec.CSI.Driver != SecondDriverName {
		t.Fatalf("claim %s on %s got volume %s of %+v, want one of %s", claim.Name, NoGroupStorageClassName, pv.Name, pv.Spec.CSI, SecondDriverName)
	}
	stateDir := c.CSIStateDirOf(SecondDriverName)
	if calls := callsSince(t, stateDir, time.Time{}); !slices.ContainsFunc(calls, func(call csidriver.Call) bool {
		return call.Method == "CreateVolume" && call.PVC == ns+"/"+claim.Name
	}) {
		t.Errorf("the second driver's calls %s lack the CreateVolume of %s", describeCalls(calls), claim.Name)
	}

	snap := &snapshotv1.VolumeSnapshot{
		ObjectMeta: metav1.ObjectMeta{Name: "nogroup"},
		// No class: the second driver's default must be picked.
		Spec: snapshotv1.VolumeSnapshotSpec{Source: snapshotv1.VolumeSnapshotSource{PersistentVolumeClaimName: ptr.To(claim.Name)}},
	}
	if _, err := snapshots.SnapshotV1().VolumeSnapshots(ns).Create(ctx, snap, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitForSnapshotReady(ctx, t, snapshots, ns, snap.Name)
	vs, err := snapshots.SnapshotV1().VolumeSnapshots(ns).Get(ctx, snap.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := ptr.Deref(vs.Spec.VolumeSnapshotClassName, ""); got != NoGroupSnapshotClassName {
		t.Errorf("VolumeSnapshot of the second driver's claim got class %q, want %s", got, NoGroupSnapshotClassName)
	}
	if got := storedSnapshotsOf(t, stateDir, []string{pv.Spec.CSI.VolumeHandle}); len(got) != 1 {
		t.Errorf("the second driver holds %d snapshots of %s, want 1", len(got), pv.Spec.CSI.VolumeHandle)
	}

	// The second set restarts on its own, and its crashes are reported.
	if err := c.RestartCSIDriverOf(ctx, SecondDriverName); err != nil {
		t.Fatal(err)
	}
	again := snap.DeepCopy()
	again.Name = "nogroup-after-restart"
	if _, err := snapshots.SnapshotV1().VolumeSnapshots(ns).Create(ctx, again, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitForSnapshotReady(ctx, t, snapshots, ns, again.Name)

	c.mu.Lock()
	snapshotter := c.processes[CSISnapshotter2]
	c.mu.Unlock()
	if err := snapshotter.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-snapshotter.exited
	if err := c.Err(); err == nil || !strings.Contains(err.Error(), CSISnapshotter2+" exited unexpectedly") {
		t.Errorf("Err() = %v, want a report of the %s crash", err, CSISnapshotter2)
	}
	if err := c.launch(CSISnapshotter2); err != nil {
		t.Fatal(err)
	}
}

func createNamespace(ctx context.Context, t *testing.T, kube kubernetes.Interface, name string) string {
	t.Helper()
	ns, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

func createPVC(ctx context.Context, t *testing.T, kube kubernetes.Interface, ns string, claim *corev1.PersistentVolumeClaim) {
	t.Helper()
	if _, err := kube.CoreV1().PersistentVolumeClaims(ns).Create(ctx, claim, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func boundPV(ctx context.Context, t *testing.T, kube kubernetes.Interface, ns, claimName string) *corev1.PersistentVolume {
	t.Helper()
	claim, err := kube.CoreV1().PersistentVolumeClaims(ns).Get(ctx, claimName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pv, err := kube.CoreV1().PersistentVolumes().Get(ctx, claim.Spec.VolumeName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return pv
}

func volumeHandleOf(ctx context.Context, t *testing.T, kube kubernetes.Interface, ns, claimName string) string {
	t.Helper()
	pv := boundPV(ctx, t, kube, ns, claimName)
	if pv.Spec.CSI == nil {
		t.Fatalf("volume %s of claim %s is not a CSI volume", pv.Name, claimName)
	}
	return pv.Spec.CSI.VolumeHandle
}

func waitForGroupReady(ctx context.Context, t *testing.T, snapshots snapshotclient.Interface, ns, name string) *groupsnapshotv1.VolumeGroupSnapshot {
	t.Helper()
	var vgs *groupsnapshotv1.VolumeGroupSnapshot
	waitFor(ctx, t, fmt.Sprintf("VolumeGroupSnapshot %s/%s readyToUse=true", ns, name), func() (bool, string, error) {
		var err error
		vgs, err = snapshots.GroupsnapshotV1().VolumeGroupSnapshots(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		if vgs.Status == nil {
			return false, "no status", nil
		}
		return ptr.Deref(vgs.Status.ReadyToUse, false), fmt.Sprintf("readyToUse %v, error %v", ptr.Deref(vgs.Status.ReadyToUse, false), vgs.Status.Error), nil
	})
	return vgs
}

// groupMembers are the VolumeSnapshots of the namespace whose status names
// the group.
func groupMembers(ctx context.Context, t *testing.T, snapshots snapshotclient.Interface, ns, group string) []snapshotv1.VolumeSnapshot {
	t.Helper()
	list, err := snapshots.SnapshotV1().VolumeSnapshots(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var members []snapshotv1.VolumeSnapshot
	for _, vs := range list.Items {
		if vs.Status != nil && ptr.Deref(vs.Status.VolumeGroupSnapshotName, "") == group {
			members = append(members, vs)
		} else {
			t.Errorf("VolumeSnapshot %s in %s is not a member of group %s: status %+v", vs.Name, ns, group, vs.Status)
		}
	}
	return members
}

func callsSince(t *testing.T, stateDir string, since time.Time) []csidriver.Call {
	t.Helper()
	calls, err := csidriver.ReadCalls(stateDir)
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(calls, func(call csidriver.Call) bool { return call.Time.Before(since) })
}

func describeCalls(calls []csidriver.Call) string {
	var parts []string
	for _, call := range calls {
		parts = append(parts, fmt.Sprintf("%s(volume %s%v snapshot %s%v group %s)=%s", call.Method,
			call.VolumeID, call.SourceVolumeIDs, call.SnapshotID, call.SnapshotIDs, call.GroupSnapshotID, call.Code))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// storedSnapshotsOf are the driver's snapshots of the given volumes.
func storedSnapshotsOf(t *testing.T, stateDir string, volumeIDs []string) []csidriver.StoredSnapshot {
	t.Helper()
	stored, err := csidriver.StoredSnapshots(stateDir)
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(stored, func(s csidriver.StoredSnapshot) bool { return !slices.Contains(volumeIDs, s.SourceVolumeID) })
}

func sameSet(a, b []string) bool {
	a, b = slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b))
	return slices.Equal(a, b)
}
