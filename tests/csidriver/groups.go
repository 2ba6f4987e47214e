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
	"slices"
	"time"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The GroupController service: group snapshots whose members are cut at one
// instant and then live as ordinary snapshots carrying the group's ID, so
// that ListSnapshots, DeleteSnapshot and restoring a volume work on a member.

func (d *Driver) GroupControllerGetCapabilities(context.Context, *csi.GroupControllerGetCapabilitiesRequest) (*csi.GroupControllerGetCapabilitiesResponse, error) {
	return &csi.GroupControllerGetCapabilitiesResponse{
		Capabilities: []*csi.GroupControllerServiceCapability{{
			Type: &csi.GroupControllerServiceCapability_Rpc{
				Rpc: &csi.GroupControllerServiceCapability_RPC{
					Type: csi.GroupControllerServiceCapability_RPC_CREATE_DELETE_GET_VOLUME_GROUP_SNAPSHOT,
				},
			},
		}},
	}, nil
}

// CreateVolumeGroupSnapshot cuts every source volume at one instant, the
// creation time of the group and of each member, and returns once the cut
// is done, with ready_to_use false until the ready delay has passed. The
// csi-snapshotter polls readiness by calling it again with the same name and
// volumes: those calls return the same group, or wait for the same cut.
func (d *Driver) CreateVolumeGroupSnapshot(ctx context.Context, req *csi.CreateVolumeGroupSnapshotRequest) (*csi.CreateVolumeGroupSnapshotResponse, error) {
	if req.GetName() == "" {
		return nil, status.Error(codes.InvalidArgument, "group snapshot name is required")
	}
	sourceIDs := req.GetSourceVolumeIds()
	if len(sourceIDs) == 0 {
		return nil, status.Error(codes.InvalidArgument, "source volume IDs are required")
	}
	if sorted := slices.Sorted(slices.Values(sourceIDs)); len(slices.Compact(sorted)) != len(sourceIDs) {
		return nil, status.Errorf(codes.InvalidArgument, "source volume IDs %v name a volume twice", sourceIDs)
	}
	c, err := d.startOrJoinGroupCut(req)
	if err != nil {
		return nil, err
	}
	if err := d.awaitCut(ctx, c); err != nil {
		return nil, err
	}
	return &csi.CreateVolumeGroupSnapshotResponse{GroupSnapshot: csiGroupSnapshot(c.group, c.snaps, d.clock.Now())}, nil
}

// startOrJoinGroupCut returns the cut a CreateVolumeGroupSnapshot waits for:
// a finished one for a group already made, the one under way for its name,
// or a new one.
func (d *Driver) startOrJoinGroupCut(req *csi.CreateVolumeGroupSnapshotRequest) (*cut, error) {
	name, sourceIDs := req.GetName(), req.GetSourceVolumeIds()
	key := cutKey{group: true, name: name}
	d.mu.Lock()
	defer d.mu.Unlock()
	c := d.cuts[key]
	if g := d.groupByName(name); g != nil {
		c = finishedCut(g, d.groupMembers(g)...)
	}
	if c != nil {
		if !sameSet(c.group.SourceVolumeIDs, sourceIDs) {
			return nil, status.Errorf(codes.AlreadyExists, "group snapshot %q exists for other volumes, %v", name, c.group.SourceVolumeIDs)
		}
		return c, nil
	}

	volumes := make([]*volume, len(sourceIDs))
	for i, id := range sourceIDs {
		if volumes[i] = d.volumes[id]; volumes[i] == nil {
			return nil, status.Errorf(codes.NotFound, "source volume %s does not exist", id)
		}
	}
	params := classParameters(req.GetParameters())
	behaviours := make([]snapshotBehaviour, len(volumes))
	var together snapshotBehaviour
	for i, vol := range volumes {
		var err error
		if behaviours[i], err = parseSnapshotBehaviour(effectiveParameters(vol.Parameters, params)); err != nil {
			return nil, err
		}
		together = together.together(behaviours[i])
	}
	// Every volume that asks to fail counts the attempt, so that N failures
	// asked of each volume make N failed group attempts, not more.
	var failure error
	for i, vol := range volumes {
		if err := d.injectFailure(vol, behaviours[i]); err != nil && failure == nil {
			failure = err
		}
	}
	if failure != nil {
		return nil, status.Errorf(status.Code(failure), "group snapshot %q: %s", name, status.Convert(failure).Message())
	}

	c = &cut{
		key: key,
		group: &group{
			Name:                         name,
			SourceVolumeIDs:              slices.Clone(sourceIDs),
			Parameters:                   params,
			VolumeGroupSnapshotNamespace: req.GetParameters()[metadataVolumeGroupSnapshotNS],
			VolumeGroupSnapshotName:      req.GetParameters()[metadataVolumeGroupSnapshotName],
			ContentName:                  req.GetParameters()[metadataVolumeGroupSnapshotContent],
		},
		done: make(chan struct{}),
	}
	for _, vol := range volumes {
		c.snaps = append(c.snaps, &snapshot{SourceVolumeID: vol.ID, SizeBytes: vol.CapacityBytes, Parameters: params})
	}
	d.startCut(c, together)
	return c, nil
}

// DeleteVolumeGroupSnapshot forgets a group and its members. An unknown
// group is already deleted.
func (d *Driver) DeleteVolumeGroupSnapshot(ctx context.Context, req *csi.DeleteVolumeGroupSnapshotRequest) (*csi.DeleteVolumeGroupSnapshotResponse, error) {
	id := req.GetGroupSnapshotId()
	if id == "" {
		return nil, status.Error(codes.InvalidArgument, "group snapshot ID is required")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	g := d.groups[id]
	if g == nil {
		return &csi.DeleteVolumeGroupSnapshotResponse{}, nil
	}
	if err := checkMembers(g, req.GetSnapshotIds()); err != nil {
		return nil, err
	}
	// Members first: a group record left by a crash is deleted again on
	// retry, while members left without their group are dropped by New.
	for _, snapID := range g.SnapshotIDs {
		if err := d.deleteSnapshot(snapID); err != nil {
			return nil, err
		}
	}
	if err := d.store.deleteGroup(id); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	delete(d.groups, id)
	return &csi.DeleteVolumeGroupSnapshotResponse{}, nil
}

// GetVolumeGroupSnapshot returns a group with the members it still has.
func (d *Driver) GetVolumeGroupSnapshot(ctx context.Context, req *csi.GetVolumeGroupSnapshotRequest) (*csi.GetVolumeGroupSnapshotResponse, error) {
	id := req.GetGroupSnapshotId()
	if id == "" {
		return nil, status.Error(codes.InvalidArgument, "group snapshot ID is required")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	g := d.groups[id]
	if g == nil {
		return nil, status.Errorf(codes.NotFound, "group snapshot %s does not exist", id)
	}
	if err := checkMembers(g, req.GetSnapshotIds()); err != nil {
		return nil, err
	}
	return &csi.GetVolumeGroupSnapshotResponse{GroupSnapshot: csiGroupSnapshot(g, d.groupMembers(g), d.clock.Now())}, nil
}

// checkMembers reports a mismatch between the snapshot IDs a caller names
// for a group and the group's members, as the CSI spec asks. No IDs at all
// is taken as no claim.
func checkMembers(g *group, snapshotIDs []string) error {
	if len(snapshotIDs) == 0 || sameSet(snapshotIDs, g.SnapshotIDs) {
		return nil
	}
	return status.Errorf(codes.InvalidArgument, "snapshot IDs %v are not the members of group snapshot %s, %v", snapshotIDs, g.ID, g.SnapshotIDs)
}

func (d *Driver) groupByName(name string) *group {
	for _, g := range d.groups {
		if g.Name == name {
			return g
		}
	}
	return nil
}

// groupMembers returns the group's members still held, in the order of its
// volumes. d.mu must be held.
func (d *Driver) groupMembers(g *group) []*snapshot {
	var members []*snapshot
	for _, id := range g.SnapshotIDs {
		if snap := d.snapshots[id]; snap != nil {
			members = append(members, snap)
		}
	}
	return members
}

// csiGroupSnapshot describes a group; it is ready when every member is.
func csiGroupSnapshot(g *group, members []*snapshot, now time.Time) *csi.VolumeGroupSnapshot {
	groupSnapshot := &csi.VolumeGroupSnapshot{
		GroupSnapshotId: g.ID,
		CreationTime:    timestamppb.New(g.CreationTime),
		ReadyToUse:      true,
	}
	for _, member := range members {
		snap := csiSnapshot(member, now)
		groupSnapshot.Snapshots = append(groupSnapshot.Snapshots, snap)
		groupSnapshot.ReadyToUse = groupSnapshot.ReadyToUse && snap.GetReadyToUse()
	}
	return groupSnapshot
}

func sameSet(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}
