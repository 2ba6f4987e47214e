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
	"strings"
	"time"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
)

// cut is one instant at which snapshots are taken: the snapshot of a
// CreateSnapshot, or every member of a group snapshot. Every call for its
// name waits for done; the snapshots are complete, or err set, once done is
// closed.
type cut struct {
	key   cutKey
	snaps []*snapshot
	// group is the record that keeps the members of a group cut; nil for a
	// single snapshot.
	group *group
	err   error
	done  chan struct{}
}

// cutKey names a cut under way. Snapshot and group snapshot names are apart.
type cutKey struct {
	group bool
	name  string
}

// finishedCut stands for the cut that made snapshots already held.
func finishedCut(g *group, snaps ...*snapshot) *cut {
	c := &cut{group: g, snaps: snaps, done: make(chan struct{})}
	close(c.done)
	return c
}

// CreateSnapshot returns once the snapshot is cut, with ready_to_use false
// until its ready delay has passed. The csi-snapshotter calls it again with
// the same name until the snapshot is ready; those calls return the same
// snapshot, or wait for the same cut.
func (d *Driver) CreateSnapshot(ctx context.Context, req *csi.CreateSnapshotRequest) (*csi.CreateSnapshotResponse, error) {
	if req.GetName() == "" {
		return nil, status.Error(codes.InvalidArgument, "snapshot name is required")
	}
	if req.GetSourceVolumeId() == "" {
		return nil, status.Error(codes.InvalidArgument, "source volume ID is required")
	}
	c, err := d.startOrJoinCut(req)
	if err != nil {
		return nil, err
	}
	if err := d.awaitCut(ctx, c); err != nil {
		return nil, err
	}
	return &csi.CreateSnapshotResponse{Snapshot: csiSnapshot(c.snaps[0], d.clock.Now())}, nil
}

// awaitCut waits until c is done, its caller gives up or the driver stops.
func (d *Driver) awaitCut(ctx context.Context, c *cut) error {
	select {
	case <-c.done:
		return c.err
	case <-ctx.Done():
		return callerGaveUp(ctx)
	case <-d.stopped:
		return status.Error(codes.Unavailable, "the driver is stopping")
	}
}

// callerGaveUp tells why ctx ended. A client whose deadline passes cancels
// the call, which can reach the server before the server's copy of the
// deadline fires: that is still a deadline exceeded.
func callerGaveUp(ctx context.Context) error {
	if deadline, ok := ctx.Deadline(); ok && !time.Now().Before(deadline) {
		return status.Error(codes.DeadlineExceeded, "the caller's deadline passed before the snapshot was cut")
	}
	return status.FromContextError(ctx.Err()).Err()
}

// startOrJoinCut returns the cut a CreateSnapshot waits for: a finished one
// for a snapshot already made, the one under way for its name, or a new one.
func (d *Driver) startOrJoinCut(req *csi.CreateSnapshotRequest) (*cut, error) {
	name, sourceID := req.GetName(), req.GetSourceVolumeId()
	key := cutKey{name: name}
	d.mu.Lock()
	defer d.mu.Unlock()
	c := d.cuts[key]
	if snap := d.snapshotByName(name); snap != nil {
		c = finishedCut(nil, snap)
	}
	if c != nil {
		if c.snaps[0].SourceVolumeID != sourceID {
			return nil, status.Errorf(codes.AlreadyExists, "snapshot %q exists for another volume, %s", name, c.snaps[0].SourceVolumeID)
		}
		return c, nil
	}

	vol := d.volumes[sourceID]
	if vol == nil {
		return nil, status.Errorf(codes.NotFound, "source volume %s does not exist", sourceID)
	}
	params := classParameters(req.GetParameters())
	behaviour, err := parseSnapshotBehaviour(effectiveParameters(vol.Parameters, params))
	if err != nil {
		return nil, err
	}
	if err := d.injectFailure(vol, behaviour); err != nil {
		return nil, err
	}
	c = &cut{
		key: key,
		snaps: []*snapshot{{
			Name:                    name,
			SourceVolumeID:          sourceID,
			SizeBytes:               vol.CapacityBytes,
			Parameters:              params,
			VolumeSnapshotNamespace: req.GetParameters()[metadataVolumeSnapshotNS],
			VolumeSnapshotName:      req.GetParameters()[metadataVolumeSnapshotName],
			ContentName:             req.GetParameters()[metadataVolumeSnapshotContent],
		}},
		done: make(chan struct{}),
	}
	d.startCut(c, behaviour)
	return c, nil
}

// startCut makes c happen as behaviour asks: never, at once, or after the
// cut delay. d.mu must be held.
func (d *Driver) startCut(c *cut, behaviour snapshotBehaviour) {
	switch {
	case behaviour.hang:
		// Never registered nor finished: every attempt hangs on its own.
		return
	case behaviour.cutDelay == 0:
		d.finishCut(c, behaviour.readyDelay)
		return
	}
	d.cuts[c.key] = c
	// The timer starts now, under the lock, so the cut does not depend on
	// when the goroutine gets to run.
	timer := d.clock.NewTimer(behaviour.cutDelay)
	d.cutters.Add(1)
	go d.cutAfter(c, timer, behaviour.readyDelay)
}

// injectFailure fails the attempt when failSnapshot asks for it, counting
// the attempts that failed on the volume.
func (d *Driver) injectFailure(vol *volume, behaviour snapshotBehaviour) error {
	switch {
	case behaviour.failAlways:
		return status.Errorf(codes.Internal, "snapshots of volume %s fail on purpose (%s)", vol.ID, ParamFailSnapshot)
	case vol.FailedSnapshots < behaviour.failFirst:
		failed := *vol
		failed.FailedSnapshots++
		if err := d.store.putVolume(&failed); err != nil {
			return status.Error(codes.Internal, err.Error())
		}
		d.volumes[vol.ID] = &failed
		return status.Errorf(codes.Internal, "snapshot attempt %d of %d failing on purpose on volume %s (%s)",
			failed.FailedSnapshots, behaviour.failFirst, vol.ID, ParamFailSnapshot)
	}
	return nil
}

func (d *Driver) cutAfter(c *cut, timer clock.Timer, readyDelay time.Duration) {
	defer d.cutters.Done()
	defer timer.Stop()
	select {
	case <-timer.C():
	case <-d.stopped:
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.finishCut(c, readyDelay)
}

// finishCut makes the cut's snapshots, and its group, at the current time,
// each with its volume's current write generation. d.mu must be held.
func (d *Driver) finishCut(c *cut, readyDelay time.Duration) {
	defer close(c.done)
	delete(d.cuts, c.key)
	now := d.clock.Now()
	sourceIDs := make([]string, len(c.snaps))
	for i, snap := range c.snaps {
		sourceIDs[i] = snap.SourceVolumeID
	}
	generations, err := d.store.generations(sourceIDs)
	if err != nil {
		c.err = status.Error(codes.Internal, err.Error())
		return
	}
	if c.group != nil {
		c.group.ID = newID("group")
		c.group.CreationTime = now
	}
	for i, snap := range c.snaps {
		snap.ID = newID("snap")
		snap.CreationTime = now
		snap.ReadyAt = now.Add(readyDelay)
		snap.Generation = generations[i]
		if c.group != nil {
			snap.GroupSnapshotID = c.group.ID
			c.group.SnapshotIDs = append(c.group.SnapshotIDs, snap.ID)
		}
	}
	if err := d.saveCut(c); err != nil {
		c.err = status.Error(codes.Internal, err.Error())
		return
	}
	for _, snap := range c.snaps {
		d.snapshots[snap.ID] = snap
		klog.V(2).InfoS("Cut a snapshot", "snapshot", snap.Name, "snapshotID", snap.ID, "groupSnapshotID", snap.GroupSnapshotID,
			"volumeID", snap.SourceVolumeID, "generation", snap.Generation, "readyAt", snap.ReadyAt)
	}
	if c.group != nil {
		d.groups[c.group.ID] = c.group
	}
}

// saveCut persists the cut's snapshots, then its group. A member stored
// without its group is an interrupted cut, which New drops.
func (d *Driver) saveCut(c *cut) error {
	err := d.putCut(c)
	if err != nil {
		for _, snap := range c.snaps {
			_ = d.store.deleteSnapshot(snap.ID) // best effort: New drops what is left
		}
	}
	return err
}

func (d *Driver) putCut(c *cut) error {
	for _, snap := range c.snaps {
		if err := d.store.putSnapshot(snap); err != nil {
			return err
		}
	}
	if c.group != nil {
		return d.store.putGroup(c.group)
	}
	return nil
}

func (d *Driver) DeleteSnapshot(ctx context.Context, req *csi.DeleteSnapshotRequest) (*csi.DeleteSnapshotResponse, error) {
	id := req.GetSnapshotId()
	if id == "" {
		return nil, status.Error(codes.InvalidArgument, "snapshot ID is required")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.deleteSnapshot(id); err != nil {
		return nil, err
	}
	return &csi.DeleteSnapshotResponse{}, nil
}

// deleteSnapshot forgets a snapshot, a group member as well: its group then
// lists the members left. d.mu must be held.
func (d *Driver) deleteSnapshot(id string) error {
	if err := d.store.deleteSnapshot(id); err != nil {
		return status.Error(codes.Internal, err.Error())
	}
	delete(d.snapshots, id)
	return nil
}

// ListSnapshots lists by snapshot ID, by source volume, or all, in pages
// ordered by ID; the next token is the ID of the first snapshot left out.
func (d *Driver) ListSnapshots(ctx context.Context, req *csi.ListSnapshotsRequest) (*csi.ListSnapshotsResponse, error) {
	if req.GetMaxEntries() < 0 {
		return nil, status.Error(codes.InvalidArgument, "max_entries must not be negative")
	}
	d.mu.Lock()
	now := d.clock.Now()
	var found []*snapshot
	for _, snap := range d.snapshots {
		if (req.GetSnapshotId() == "" || snap.ID == req.GetSnapshotId()) &&
			(req.GetSourceVolumeId() == "" || snap.SourceVolumeID == req.GetSourceVolumeId()) &&
			snap.ID >= req.GetStartingToken() {
			found = append(found, snap)
		}
	}
	d.mu.Unlock()

	slices.SortFunc(found, func(a, b *snapshot) int { return strings.Compare(a.ID, b.ID) })
	resp := &csi.ListSnapshotsResponse{}
	if limit := int(req.GetMaxEntries()); limit > 0 && len(found) > limit {
		resp.NextToken = found[limit].ID
		found = found[:limit]
	}
	for _, snap := range found {
		resp.Entries = append(resp.Entries, &csi.ListSnapshotsResponse_Entry{Snapshot: csiSnapshot(snap, now)})
	}
	return resp, nil
}

// snapshotByName finds a snapshot made by CreateSnapshot, never a group
// member.
func (d *Driver) snapshotByName(name string) *snapshot {
	for _, snap := range d.snapshots {
		if snap.GroupSnapshotID == "" && snap.Name == name {
			return snap
		}
	}
	return nil
}

func csiSnapshot(snap *snapshot, now time.Time) *csi.Snapshot {
	return &csi.Snapshot{
		SnapshotId:      snap.ID,
		SourceVolumeId:  snap.SourceVolumeID,
		SizeBytes:       snap.SizeBytes,
		CreationTime:    timestamppb.New(snap.CreationTime),
		ReadyToUse:      snap.readyToUse(now),
		GroupSnapshotId: snap.GroupSnapshotID,
	}
}
