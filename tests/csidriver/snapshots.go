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

// cut is a snapshot being taken. Every CreateSnapshot of its name waits for
// done; snap is complete, or err set, once done is closed.
type cut struct {
	snap *snapshot
	err  error
	done chan struct{}
}

func finishedCut(snap *snapshot) *cut {
	c := &cut{snap: snap, done: make(chan struct{})}
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
	select {
	case <-c.done:
	case <-ctx.Done():
		return nil, callerGaveUp(ctx)
	case <-d.stopped:
		return nil, status.Error(codes.Unavailable, "the driver is stopping")
	}
	if c.err != nil {
		return nil, c.err
	}
	return &csi.CreateSnapshotResponse{Snapshot: csiSnapshot(c.snap, d.clock.Now())}, nil
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
	d.mu.Lock()
	defer d.mu.Unlock()
	c := d.cuts[name]
	if snap := d.snapshotByName(name); snap != nil {
		c = finishedCut(snap)
	}
	if c != nil {
		if c.snap.SourceVolumeID != sourceID {
			return nil, status.Errorf(codes.AlreadyExists, "snapshot %q exists for another volume, %s", name, c.snap.SourceVolumeID)
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
		snap: &snapshot{
			Name:                    name,
			SourceVolumeID:          sourceID,
			SizeBytes:               vol.CapacityBytes,
			Parameters:              params,
			VolumeSnapshotNamespace: req.GetParameters()[metadataVolumeSnapshotNS],
			VolumeSnapshotName:      req.GetParameters()[metadataVolumeSnapshotName],
			ContentName:             req.GetParameters()[metadataVolumeSnapshotContent],
		},
		done: make(chan struct{}),
	}
	switch {
	case behaviour.hang:
		// Never registered nor finished: every attempt hangs on its own.
		return c, nil
	case behaviour.cutDelay == 0:
		d.finishCut(c, behaviour.readyDelay)
		return c, nil
	}
	d.cuts[name] = c
	// The timer starts now, under the lock, so the cut does not depend on
	// when the goroutine gets to run.
	timer := d.clock.NewTimer(behaviour.cutDelay)
	d.cutters.Add(1)
	go d.cutAfter(c, timer, behaviour.readyDelay)
	return c, nil
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

// finishCut makes the snapshot at the current time. d.mu must be held.
func (d *Driver) finishCut(c *cut, readyDelay time.Duration) {
	defer close(c.done)
	delete(d.cuts, c.snap.Name)
	now := d.clock.Now()
	c.snap.ID = newID("snap")
	c.snap.CreationTime = now
	c.snap.ReadyAt = now.Add(readyDelay)
	if err := d.store.putSnapshot(c.snap); err != nil {
		c.err = status.Error(codes.Internal, err.Error())
		return
	}
	d.snapshots[c.snap.ID] = c.snap
	klog.V(2).InfoS("Cut a snapshot", "snapshot", c.snap.Name, "snapshotID", c.snap.ID,
		"volumeID", c.snap.SourceVolumeID, "readyAt", c.snap.ReadyAt)
}

func (d *Driver) DeleteSnapshot(ctx context.Context, req *csi.DeleteSnapshotRequest) (*csi.DeleteSnapshotResponse, error) {
	id := req.GetSnapshotId()
	if id == "" {
		return nil, status.Error(codes.InvalidArgument, "snapshot ID is required")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.store.deleteSnapshot(id); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	delete(d.snapshots, id)
	return &csi.DeleteSnapshotResponse{}, nil
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

func (d *Driver) snapshotByName(name string) *snapshot {
	for _, snap := range d.snapshots {
		if snap.Name == name {
			return snap
		}
	}
	return nil
}

func csiSnapshot(snap *snapshot, now time.Time) *csi.Snapshot {
	return &csi.Snapshot{
		SnapshotId:     snap.ID,
		SourceVolumeId: snap.SourceVolumeID,
		SizeBytes:      snap.SizeBytes,
		CreationTime:   timestamppb.New(snap.CreationTime),
		ReadyToUse:     snap.readyToUse(now),
	}
}
