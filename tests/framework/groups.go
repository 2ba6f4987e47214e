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
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	groupsnapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumegroupsnapshot/v1"
	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"vmsnap.io/vmsnap/pkg/vmsnapshot"
	"vmsnap.io/vmsnap/tests/csidriver"
)

// GroupCutMethod is the CSI method of a group snapshot's cut, as the test
// CSI driver records it.
const GroupCutMethod = "CreateVolumeGroupSnapshot"

// WriteDisk writes to the volume of a claim of the test's namespace, as
// the guest writes to its disk: the test CSI driver (the one that
// provisioned the volume, with cluster.Config.SecondDriver either of two)
// counts the write in the volume's generation. A snapshot records the
// generation of its source at its cut, and a volume restored from it
// starts at that generation; so a disk's generation after a restore tells
// which writes the snapshot caught. It returns the new generation.
func (f *Framework) WriteDisk(claimName string) int64 {
	f.t.Helper()
	v := f.claimVolume(claimName)
	generation, err := csidriver.WriteVolume(v.stateDir, v.id)
	if err != nil {
		f.t.Fatalf("writing to %s: %v", v, err)
	}
	return generation
}

// DiskGeneration is the write generation of the volume of a claim of the
// test's namespace (see WriteDisk).
func (f *Framework) DiskGeneration(claimName string) int64 {
	f.t.Helper()
	v := f.claimVolume(claimName)
	generation, err := csidriver.VolumeGeneration(v.stateDir, v.id)
	if err != nil {
		f.t.Fatalf("reading the generation of %s: %v", v, err)
	}
	return generation
}

// GroupCuts are the CreateVolumeGroupSnapshot calls the cluster's CSI
// drivers served since the given time for VolumeGroupSnapshots of the
// test's namespace, oldest first: the cuts of its group snapshots, failed
// ones included (Call.Code says). Call.SourceVolumeIDs are the volumes cut
// together (see ClaimVolumeID), Call.VolumeGroupSnapshot is
// "namespace/name".
func (f *Framework) GroupCuts(since time.Time) []csidriver.Call {
	f.t.Helper()
	calls, err := f.driverCalls(since, GroupCutMethod)
	if err != nil {
		f.t.Fatal(err)
	}
	return slices.DeleteFunc(calls, func(call csidriver.Call) bool {
		return !strings.HasPrefix(call.VolumeGroupSnapshot, f.Namespace+"/")
	})
}

// ClaimVolumeID is the CSI volume handle of the volume bound to a claim of
// the test's namespace: the ID the test CSI driver's calls name it by.
func (f *Framework) ClaimVolumeID(claimName string) string {
	f.t.Helper()
	return f.claimVolume(claimName).id
}

// driverCalls reads the calls of the given methods (all if none) that every
// driver of the cluster served since a time, merged in time order.
func (f *Framework) driverCalls(since time.Time, methods ...string) ([]csidriver.Call, error) {
	var selected []csidriver.Call
	for _, driver := range f.Cluster.DriverNames() {
		calls, err := csidriver.ReadCalls(f.Cluster.CSIStateDirOf(driver))
		if errors.Is(err, fs.ErrNotExist) {
			continue // a driver that has served nothing yet
		}
		if err != nil {
			return nil, fmt.Errorf("reading the calls of CSI driver %s: %w", driver, err)
		}
		for _, call := range calls {
			if !call.Time.Before(since) && (len(methods) == 0 || slices.Contains(methods, call.Method)) {
				selected = append(selected, call)
			}
		}
	}
	slices.SortStableFunc(selected, func(a, b csidriver.Call) int { return a.Time.Compare(b.Time) })
	return selected, nil
}

// claimVolumeRef locates a claim's volume in the test CSI driver that
// holds it.
type claimVolumeRef struct {
	claim, driver, id string
	// stateDir is the driver's state directory.
	stateDir string
}

func (v claimVolumeRef) String() string {
	return fmt.Sprintf("claim %s (volume %s of CSI driver %s)", v.claim, v.id, v.driver)
}

// claimVolume finds the driver and volume handle of a Bound claim's
// volume, failing the test when the claim is not bound or its volume is
// not one of the cluster's test drivers.
func (f *Framework) claimVolume(claimName string) claimVolumeRef {
	f.t.Helper()
	key := f.Namespace + "/" + claimName
	claim, err := f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).Get(f.ctx, claimName, metav1.GetOptions{})
	if err != nil {
		f.t.Fatalf("reading claim %s: %v", key, err)
	}
	if claim.Spec.VolumeName == "" {
		f.t.Fatalf("claim %s is not bound to a volume: %s", key, DescribeClaim(claim))
	}
	pv, err := f.Kube.CoreV1().PersistentVolumes().Get(f.ctx, claim.Spec.VolumeName, metav1.GetOptions{})
	if err != nil {
		f.t.Fatalf("reading the volume of claim %s: %v", key, err)
	}
	if pv.Spec.CSI == nil {
		f.t.Fatalf("volume %s of claim %s is not a CSI volume", pv.Name, key)
	}
	v := claimVolumeRef{claim: key, driver: pv.Spec.CSI.Driver, id: pv.Spec.CSI.VolumeHandle}
	if v.stateDir = f.Cluster.CSIStateDirOf(v.driver); v.stateDir == "" {
		f.t.Fatalf("%s: the cluster runs no such driver (it runs %v)", v, f.Cluster.DriverNames())
	}
	return v
}

// CreateGroupSnapshotClass makes the test CSI driver's default
// VolumeGroupSnapshotClass for the length of the test, for suites whose
// cluster has none (cluster.Config.GroupSnapshotClass): while it exists,
// VM snapshots cut the disks of that driver in one group.
func (f *Framework) CreateGroupSnapshotClass() string {
	f.t.Helper()
	class := &groupsnapshotv1.VolumeGroupSnapshotClass{
		ObjectMeta:     metav1.ObjectMeta{Name: f.name("vgsc"), Annotations: map[string]string{vmsnapshot.AnnotationDefaultGroupClass: "true"}},
		Driver:         f.Cluster.DriverName(),
		DeletionPolicy: snapshotv1.VolumeSnapshotContentDelete,
	}
	if _, err := f.Snapshots.GroupsnapshotV1().VolumeGroupSnapshotClasses().Create(f.ctx, class, metav1.CreateOptions{}); err != nil {
		f.t.Fatalf("creating VolumeGroupSnapshotClass %s: %v", class.Name, err)
	}
	f.deferClusterCleanup(func(ctx context.Context) error {
		return f.Snapshots.GroupsnapshotV1().VolumeGroupSnapshotClasses().Delete(ctx, class.Name, metav1.DeleteOptions{})
	})
	return class.Name
}

// GroupSnapshots lists the VolumeGroupSnapshots of the test's namespace.
func (f *Framework) GroupSnapshots() []groupsnapshotv1.VolumeGroupSnapshot {
	f.t.Helper()
	list, err := f.Snapshots.GroupsnapshotV1().VolumeGroupSnapshots(f.Namespace).List(f.ctx, metav1.ListOptions{})
	if err != nil {
		f.t.Fatalf("listing VolumeGroupSnapshots: %v", err)
	}
	return list.Items
}
