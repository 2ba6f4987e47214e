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

package csidriver

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc/codes"
)

func (td *testDriver) createGroupSnapshot(name string, volumeIDs []string, params map[string]string) (*csi.VolumeGroupSnapshot, error) {
	resp, err := td.groupController.CreateVolumeGroupSnapshot(testContext(td.t), &csi.CreateVolumeGroupSnapshotRequest{
		Name: name, SourceVolumeIds: volumeIDs, Parameters: params,
	})
	return resp.GetGroupSnapshot(), err
}

func (td *testDriver) mustCreateGroupSnapshot(name string, volumeIDs []string, params map[string]string) *csi.VolumeGroupSnapshot {
	td.t.Helper()
	group, err := td.createGroupSnapshot(name, volumeIDs, params)
	if err != nil {
		td.t.Fatalf("CreateVolumeGroupSnapshot %s: %v", name, err)
	}
	return group
}

func (td *testDriver) getGroupSnapshot(id string, snapshotIDs []string) (*csi.VolumeGroupSnapshot, error) {
	resp, err := td.groupController.GetVolumeGroupSnapshot(testContext(td.t), &csi.GetVolumeGroupSnapshotRequest{
		GroupSnapshotId: id, SnapshotIds: snapshotIDs,
	})
	return resp.GetGroupSnapshot(), err
}

func (td *testDriver) mustGetGroupSnapshot(id string, snapshotIDs []string) *csi.VolumeGroupSnapshot {
	td.t.Helper()
	group, err := td.getGroupSnapshot(id, snapshotIDs)
	if err != nil {
		td.t.Fatalf("GetVolumeGroupSnapshot %s: %v", id, err)
	}
	return group
}

func (td *testDriver) deleteGroupSnapshot(id string, snapshotIDs []string) error {
	_, err := td.groupController.DeleteVolumeGroupSnapshot(testContext(td.t), &csi.DeleteVolumeGroupSnapshotRequest{
		GroupSnapshotId: id, SnapshotIds: snapshotIDs,
	})
	return err
}

// createVolumes makes one volume per name with the same parameters and
// returns their IDs.
func (td *testDriver) createVolumes(params map[string]string, names ...string) []string {
	td.t.Helper()
	var ids []string
	for _, name := range names {
		ids = append(ids, td.createVolume(name, params).GetVolumeId())
	}
	return ids
}

func memberIDs(group *csi.VolumeGroupSnapshot) []string {
	var ids []string
	for _, snap := range group.GetSnapshots() {
		ids = append(ids, snap.GetSnapshotId())
	}
	return ids
}

// checkOneCut checks that the group and every member were cut at cutAt, of
// volumeIDs in order, and report ready as the group does.
func checkOneCut(t *testing.T, group *csi.VolumeGroupSnapshot, volumeIDs []string, cutAt time.Time, ready bool) {
	t.Helper()
	if got := group.GetCreationTime().AsTime(); !got.Equal(cutAt) || group.GetReadyToUse() != ready {
		t.Errorf("group %s cut at %v, ready %v; want %v, %v", group.GetGroupSnapshotId(), got, group.GetReadyToUse(), cutAt, ready)
	}
	if len(group.GetSnapshots()) != len(volumeIDs) {
		t.Fatalf("group has %d members, want %d: %v", len(group.GetSnapshots()), len(volumeIDs), group)
	}
	for i, snap := range group.GetSnapshots() {
		if snap.GetSourceVolumeId() != volumeIDs[i] || !snap.GetCreationTime().AsTime().Equal(cutAt) ||
			snap.GetReadyToUse() != ready || snap.GetGroupSnapshotId() != group.GetGroupSnapshotId() || snap.GetSizeBytes() != gib {
			t.Errorf("member %d = %v, want a snapshot of %s in group %s cut at %v, ready %v",
				i, snap, volumeIDs[i], group.GetGroupSnapshotId(), cutAt, ready)
		}
	}
}

func TestCreateGroupSnapshot(t *testing.T) {
	td := newTestDriver(t)
	volumes := td.createVolumes(nil, "pvc-a", "pvc-b", "pvc-c")
	ab := volumes[:2]

	group := td.mustCreateGroupSnapshot("group-1", ab, nil)
	if group.GetGroupSnapshotId() == "" {
		t.Fatalf("CreateVolumeGroupSnapshot = %v, want a group snapshot ID", group)
	}
	checkOneCut(t, group, ab, startTime, true)
	members := memberIDs(group)
	if listed := td.getSnapshot(members[1]); listed.GetGroupSnapshotId() != group.GetGroupSnapshotId() {
		t.Errorf("ListSnapshots of a member = %v, want it in group %s", listed, group.GetGroupSnapshotId())
	}

	// The same volumes in another order are the same request.
	again := td.mustCreateGroupSnapshot("group-1", []string{ab[1], ab[0]}, nil)
	if again.GetGroupSnapshotId() != group.GetGroupSnapshotId() || !slices.Equal(memberIDs(again), members) {
		t.Errorf("CreateVolumeGroupSnapshot again = %v, want group %s with members %v", again, group.GetGroupSnapshotId(), members)
	}
	_, err := td.createGroupSnapshot("group-1", []string{volumes[0], volumes[2]}, nil)
	wantCode(t, err, codes.AlreadyExists, "group-1")
	_, err = td.createGroupSnapshot("group-2", []string{volumes[0], "vol-missing"}, nil)
	wantCode(t, err, codes.NotFound, "vol-missing")
	_, err = td.createGroupSnapshot("", ab, nil)
	wantCode(t, err, codes.InvalidArgument, "name")
	_, err = td.createGroupSnapshot("group-3", nil, nil)
	wantCode(t, err, codes.InvalidArgument, "source volume")
	_, err = td.createGroupSnapshot("group-3", []string{volumes[0], volumes[0]}, nil)
	wantCode(t, err, codes.InvalidArgument, "twice")

	// Snapshot names and group names are apart.
	if single := td.mustCreateSnapshot("group-1", volumes[0], nil); slices.Contains(members, single.GetSnapshotId()) ||
		single.GetGroupSnapshotId() != "" {
		t.Errorf("CreateSnapshot named like a group = %v, want a snapshot of its own", single)
	}
}

func TestGroupSnapshotCutDelayAndReadyDelay(t *testing.T) {
	td := newTestDriver(t)
	volumes := []string{
		td.createVolume("pvc-a", map[string]string{ParamCutDelay: "5s"}).GetVolumeId(),
		td.createVolume("pvc-b", map[string]string{ParamCutDelay: "10s"}).GetVolumeId(),
	}
	class := map[string]string{ParamReadyDelay: "1m"}

	type result struct {
		group *csi.VolumeGroupSnapshot
		err   error
	}
	first := make(chan result, 1)
	go func() {
		group, err := td.createGroupSnapshot("group-1", volumes, class)
		first <- result{group, err}
	}()
	td.waitForCutTimers(1)

	// A retry during the cut waits for the same cut.
	shortCtx, cancel := context.WithTimeout(testContext(t), 200*time.Millisecond)
	defer cancel()
	_, err := td.groupController.CreateVolumeGroupSnapshot(shortCtx, &csi.CreateVolumeGroupSnapshotRequest{
		Name: "group-1", SourceVolumeIds: volumes, Parameters: class,
	})
	wantCode(t, err, codes.DeadlineExceeded, "")
	if n := td.clock.Waiters(); n != 1 {
		t.Errorf("%d cuts under way, want 1", n)
	}

	// One cut for all volumes, after the longest cut delay.
	td.clock.Step(5 * time.Second)
	if n := td.clock.Waiters(); n != 1 {
		t.Errorf("the group was cut after the shorter cut delay")
	}
	td.clock.Step(5 * time.Second)
	r := <-first
	if r.err != nil {
		t.Fatalf("CreateVolumeGroupSnapshot: %v", r.err)
	}
	cutAt := startTime.Add(10 * time.Second)
	checkOneCut(t, r.group, volumes, cutAt, false)
	members := memberIDs(r.group)

	td.clock.Step(time.Minute - time.Nanosecond)
	checkOneCut(t, td.mustGetGroupSnapshot(r.group.GetGroupSnapshotId(), members), volumes, cutAt, false)
	td.clock.Step(time.Nanosecond)
	checkOneCut(t, td.mustGetGroupSnapshot(r.group.GetGroupSnapshotId(), members), volumes, cutAt, true)
	if !td.getSnapshot(members[0]).GetReadyToUse() {
		t.Errorf("ListSnapshots of a member: not ready once the group is")
	}
	again := td.mustCreateGroupSnapshot("group-1", volumes, class)
	if again.GetGroupSnapshotId() != r.group.GetGroupSnapshotId() {
		t.Errorf("CreateVolumeGroupSnapshot after the cut made %s, want %s", again.GetGroupSnapshotId(), r.group.GetGroupSnapshotId())
	}
	checkOneCut(t, again, volumes, cutAt, true)
}

func TestGroupSnapshotFailures(t *testing.T) {
	tests := []struct {
		name         string
		volumeParams []map[string]string // of the two volumes
		classParams  map[string]string
		wantFailures int // -1: every attempt fails
	}{
		{name: "count from the group class", classParams: map[string]string{ParamFailSnapshot: "2"}, wantFailures: 2},
		{name: "always", classParams: map[string]string{ParamFailSnapshot: "always"}, wantFailures: -1},
		{name: "one volume's count", volumeParams: []map[string]string{{ParamFailSnapshot: "1"}, nil}, wantFailures: 1},
		{name: "one volume always", volumeParams: []map[string]string{nil, {ParamFailSnapshot: "true"}}, wantFailures: -1},
		{name: "class overrides volumes", volumeParams: []map[string]string{{ParamFailSnapshot: "always"}, nil},
			classParams: map[string]string{ParamFailSnapshot: "false"}, wantFailures: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			td := newTestDriver(t)
			var volumes []string
			for i, name := range []string{"pvc-a", "pvc-b"} {
				var params map[string]string
				if tt.volumeParams != nil {
					params = tt.volumeParams[i]
				}
				volumes = append(volumes, td.createVolume(name, params).GetVolumeId())
			}
			var made string
			for attempt := 1; attempt <= 4; attempt++ {
				group, err := td.createGroupSnapshot("group-1", volumes, tt.classParams)
				switch {
				case tt.wantFailures < 0 || attempt <= tt.wantFailures:
					wantCode(t, err, codes.Internal, ParamFailSnapshot)
					wantCode(t, err, codes.Internal, `"group-1"`)
				case err != nil:
					t.Errorf("attempt %d: %v, want success", attempt, err)
				case made != "" && group.GetGroupSnapshotId() != made:
					t.Errorf("attempt %d made group %s, want %s again", attempt, group.GetGroupSnapshotId(), made)
				default:
					made = group.GetGroupSnapshotId()
				}
			}
		})
	}
}

func TestGroupSnapshotMalformedParameters(t *testing.T) {
	for key, value := range map[string]string{
		ParamCutDelay:     "soon",
		ParamReadyDelay:   "-1s",
		ParamFailSnapshot: "-2",
		ParamHangSnapshot: "maybe",
	} {
		t.Run(key, func(t *testing.T) {
			td := newTestDriver(t)
			volumes := td.createVolumes(nil, "pvc-a", "pvc-b")
			_, err := td.createGroupSnapshot("group-1", volumes, map[string]string{key: value})
			wantCode(t, err, codes.InvalidArgument, key)
		})
	}
}

// One hanging volume hangs the whole group, and nothing is cut.
func TestGroupSnapshotHang(t *testing.T) {
	td := newTestDriver(t)
	volumes := []string{
		td.createVolume("pvc-a", nil).GetVolumeId(),
		td.createVolume("pvc-b", map[string]string{ParamHangSnapshot: "true"}).GetVolumeId(),
	}
	ctx, cancel := context.WithTimeout(testContext(t), 200*time.Millisecond)
	defer cancel()
	_, err := td.groupController.CreateVolumeGroupSnapshot(ctx, &csi.CreateVolumeGroupSnapshotRequest{Name: "group-1", SourceVolumeIds: volumes})
	wantCode(t, err, codes.DeadlineExceeded, "")
	resp, err := td.controller.ListSnapshots(testContext(t), &csi.ListSnapshotsRequest{})
	if err != nil || len(resp.GetEntries()) != 0 {
		t.Errorf("ListSnapshots = %v, %v; want no snapshot", resp, err)
	}
	if groups, err := StoredGroups(td.dir); err != nil || len(groups) != 0 {
		t.Errorf("StoredGroups = %v, %v; want none", groups, err)
	}
}

func TestDeleteGroupSnapshot(t *testing.T) {
	td := newTestDriver(t)
	volumes := td.createVolumes(nil, "pvc-a", "pvc-b")
	group := td.mustCreateGroupSnapshot("group-1", volumes, nil)
	id, members := group.GetGroupSnapshotId(), memberIDs(group)

	// A member deleted on its own leaves the group with the other.
	if _, err := td.controller.DeleteSnapshot(testContext(t), &csi.DeleteSnapshotRequest{SnapshotId: members[0]}); err != nil {
		t.Fatalf("DeleteSnapshot of a member: %v", err)
	}
	if got := memberIDs(td.mustGetGroupSnapshot(id, members)); !slices.Equal(got, members[1:]) {
		t.Errorf("group after deleting a member has %v, want %v", got, members[1:])
	}

	_, err := td.getGroupSnapshot(id, members[1:])
	wantCode(t, err, codes.InvalidArgument, "not the members")
	err = td.deleteGroupSnapshot(id, []string{members[1], "snap-other"})
	wantCode(t, err, codes.InvalidArgument, "not the members")

	for range 2 {
		if err := td.deleteGroupSnapshot(id, members); err != nil {
			t.Errorf("DeleteVolumeGroupSnapshot: %v", err)
		}
	}
	resp, err := td.controller.ListSnapshots(testContext(t), &csi.ListSnapshotsRequest{})
	if err != nil || len(resp.GetEntries()) != 0 {
		t.Errorf("ListSnapshots after deleting the group = %v, %v; want no snapshot", resp, err)
	}
	_, err = td.getGroupSnapshot(id, members)
	wantCode(t, err, codes.NotFound, id)
	if err := td.deleteGroupSnapshot("group-unknown", []string{"snap-unknown"}); err != nil {
		t.Errorf("DeleteVolumeGroupSnapshot of an unknown group: %v", err)
	}
	if again := td.mustCreateGroupSnapshot("group-1", volumes, nil); again.GetGroupSnapshotId() == id {
		t.Errorf("CreateVolumeGroupSnapshot after deleting the group returned the deleted group %s", id)
	}
}

func TestRestartKeepsGroups(t *testing.T) {
	td := newTestDriver(t)
	volumes := td.createVolumes(nil, "pvc-a", "pvc-b")
	group := td.mustCreateGroupSnapshot("group-1", volumes, map[string]string{
		ParamReadyDelay:                    "1m",
		metadataVolumeGroupSnapshotNS:      "ns",
		metadataVolumeGroupSnapshotName:    "vgs-1",
		metadataVolumeGroupSnapshotContent: "groupsnapcontent-1",
	})
	id, members := group.GetGroupSnapshotId(), memberIDs(group)
	// What a driver killed in the middle of a group cut leaves: a member
	// without its group.
	interrupted := &snapshot{ID: "snap-interrupted", SourceVolumeID: volumes[0], GroupSnapshotID: "group-never-saved"}
	if err := td.driver.store.putSnapshot(interrupted); err != nil {
		t.Fatal(err)
	}

	td = td.restart()
	checkOneCut(t, td.mustGetGroupSnapshot(id, members), volumes, startTime, false)
	if _, err := os.Stat(filepath.Join(td.dir, snapshotsDir, interrupted.ID+".json")); !os.IsNotExist(err) {
		t.Errorf("the member of an interrupted cut: %v; want it dropped", err)
	}
	td.clock.Step(time.Minute)
	again := td.mustCreateGroupSnapshot("group-1", volumes, nil)
	if again.GetGroupSnapshotId() != id {
		t.Errorf("CreateVolumeGroupSnapshot after restart made %s, want %s", again.GetGroupSnapshotId(), id)
	}
	checkOneCut(t, again, volumes, startTime, true)

	stored, err := StoredGroups(td.dir)
	if err != nil {
		t.Fatal(err)
	}
	want := StoredGroup{
		ID: id, Name: "group-1", SnapshotIDs: members, SourceVolumeIDs: volumes,
		VolumeGroupSnapshotNamespace: "ns", VolumeGroupSnapshotName: "vgs-1", ContentName: "groupsnapcontent-1",
		CreationTime: startTime,
	}
	if len(stored) != 1 || !storedGroupsEqual(stored[0], want) {
		t.Errorf("StoredGroups = %+v, want %+v", stored, want)
	}
	snapshots, err := StoredSnapshots(td.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, snap := range snapshots {
		if !slices.Contains(members, snap.ID) || snap.GroupSnapshotID != id || !snap.CreationTime.Equal(startTime) {
			t.Errorf("stored snapshot %+v, want a member of %s cut at %v", snap, id, startTime)
		}
	}
}

func storedGroupsEqual(a, b StoredGroup) bool {
	return a.ID == b.ID && a.Name == b.Name && slices.Equal(a.SnapshotIDs, b.SnapshotIDs) &&
		slices.Equal(a.SourceVolumeIDs, b.SourceVolumeIDs) && a.VolumeGroupSnapshotNamespace == b.VolumeGroupSnapshotNamespace &&
		a.VolumeGroupSnapshotName == b.VolumeGroupSnapshotName && a.ContentName == b.ContentName && a.CreationTime.Equal(b.CreationTime)
}

func TestReadCallsOfGroups(t *testing.T) {
	td := newTestDriver(t)
	volumes := td.createVolumes(nil, "pvc-a", "pvc-b")
	group := td.mustCreateGroupSnapshot("group-1", volumes, map[string]string{
		metadataVolumeGroupSnapshotNS: "ns", metadataVolumeGroupSnapshotName: "vgs-1",
	})
	id, members := group.GetGroupSnapshotId(), memberIDs(group)
	td.mustGetGroupSnapshot(id, members)
	td.getSnapshot(members[1]) // as the csi-snapshotter polls a member
	if err := td.deleteGroupSnapshot(id, members); err != nil {
		t.Fatal(err)
	}
	_, err := td.createGroupSnapshot("group-2", []string{volumes[0], "vol-missing"}, nil)
	wantCode(t, err, codes.NotFound, "vol-missing")
	td.driver.Stop()

	calls, err := ReadCalls(td.dir)
	if err != nil {
		t.Fatalf("ReadCalls: %v", err)
	}
	if len(calls) != 7 {
		t.Fatalf("ReadCalls = %+v, want 2 CreateVolume, 4 group calls and a ListSnapshots", calls)
	}
	if c := calls[2]; c.Method != "CreateVolumeGroupSnapshot" || c.GroupSnapshotName != "group-1" || c.GroupSnapshotID != id ||
		!slices.Equal(c.SourceVolumeIDs, volumes) || !slices.Equal(c.SnapshotIDs, members) || c.VolumeGroupSnapshot != "ns/vgs-1" ||
		c.CreationTime == nil || !c.CreationTime.Equal(startTime) || c.ReadyToUse == nil || !*c.ReadyToUse || c.Code != "OK" {
		t.Errorf("create call = %+v, want group-1 of %v cut at %v", c, volumes, startTime)
	}
	if c := calls[3]; c.Method != "GetVolumeGroupSnapshot" || c.GroupSnapshotID != id || !slices.Equal(c.SnapshotIDs, members) ||
		!slices.Equal(c.SourceVolumeIDs, volumes) || c.CreationTime == nil || !c.CreationTime.Equal(startTime) {
		t.Errorf("get call = %+v, want group %s cut at %v", c, id, startTime)
	}
	if c := calls[4]; c.Method != "ListSnapshots" || c.SnapshotID != members[1] || c.GroupSnapshotID != id {
		t.Errorf("list call = %+v, want member %s of group %s", c, members[1], id)
	}
	if c := calls[5]; c.Method != "DeleteVolumeGroupSnapshot" || c.GroupSnapshotID != id || !slices.Equal(c.SnapshotIDs, members) ||
		c.Code != "OK" {
		t.Errorf("delete call = %+v, want group %s", c, id)
	}
	if c := calls[6]; c.Method != "CreateVolumeGroupSnapshot" || c.GroupSnapshotName != "group-2" || c.Code != codes.NotFound.String() ||
		!slices.Equal(c.SourceVolumeIDs, []string{volumes[0], "vol-missing"}) || c.CreationTime != nil || c.GroupSnapshotID != "" {
		t.Errorf("failed create call = %+v, want NotFound for group-2", c)
	}
}

// The driver answers a repeated create of one group with that group's one
// cut, which OneGroupCut accepts; a second group of the same volumes is a
// second cut, which it refuses, and so are failed calls alone.
func TestOneGroupCut(t *testing.T) {
	td := newTestDriver(t)
	volumes := td.createVolumes(nil, "pvc-a", "pvc-b")
	first := td.mustCreateGroupSnapshot("group-1", volumes, nil)
	td.clock.Step(time.Second)
	td.mustCreateGroupSnapshot("group-1", volumes, nil) // csi-snapshotter asks again
	_, err := td.createGroupSnapshot("group-3", []string{volumes[0], "vol-missing"}, nil)
	wantCode(t, err, codes.NotFound, "vol-missing")
	td.mustCreateGroupSnapshot("group-2", volumes, nil) // a second moment
	td.driver.Stop()
	calls, err := ReadCalls(td.dir)
	if err != nil {
		t.Fatalf("ReadCalls: %v", err)
	}
	groupCalls := calls[2:]

	cut, err := OneGroupCut(groupCalls[:3])
	if err != nil || cut.GroupSnapshotID != first.GetGroupSnapshotId() || !cut.CreationTime.Equal(startTime) {
		t.Errorf("OneGroupCut(group-1 twice, a failed call) = %+v, %v; want group %s cut at %v", cut, err, first.GetGroupSnapshotId(), startTime)
	}
	if cut, err := OneGroupCut(groupCalls); err == nil || !strings.Contains(err.Error(), "two group cuts") {
		t.Errorf("OneGroupCut(group-1, group-2) = %+v, %v; want the error two group cuts", cut, err)
	}
	if cut, err := OneGroupCut(groupCalls[2:3]); err == nil || !strings.Contains(err.Error(), "no successful group cut") {
		t.Errorf("OneGroupCut(a failed call) = %+v, %v; want the error no successful group cut", cut, err)
	}
}
