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
	"path/filepath"
	"time"
)

// StoredSnapshot is a snapshot the driver holds: the backend's side of a
// VolumeSnapshotContent.
type StoredSnapshot struct {
	ID                      string
	SourceVolumeID          string
	VolumeSnapshotNamespace string
	VolumeSnapshotName      string
	ContentName             string
	CreationTime            time.Time
	// Generation is the source volume's write generation at the cut: the
	// content a volume restored from the snapshot starts with.
	Generation int64
	// GroupSnapshotID is the group snapshot the snapshot is a member of; a
	// member has no VolumeSnapshot of its own here, its group tells whose it
	// is.
	GroupSnapshotID string
}

// StoredGroup is a group snapshot the driver holds: the backend's side of a
// VolumeGroupSnapshotContent.
type StoredGroup struct {
	ID string
	// Name is the name CreateVolumeGroupSnapshot was called with.
	Name string
	// SnapshotIDs are the member snapshots, cut from SourceVolumeIDs in the
	// same order, all at CreationTime. A member deleted on its own stays
	// listed.
	SnapshotIDs                  []string
	SourceVolumeIDs              []string
	VolumeGroupSnapshotNamespace string
	VolumeGroupSnapshotName      string
	ContentName                  string
	CreationTime                 time.Time
}

// StoredSnapshots lists the snapshots held in a driver's state directory,
// for tests that look for backend snapshots nothing refers to. It only
// reads, so it is safe while the driver runs: a snapshot deleted meanwhile
// is left out.
func StoredSnapshots(stateDir string) ([]StoredSnapshot, error) {
	snapshots, err := readRunningRecords[snapshot](stateDir, snapshotsDir)
	if err != nil {
		return nil, err
	}
	stored := make([]StoredSnapshot, 0, len(snapshots))
	for _, snap := range snapshots {
		stored = append(stored, StoredSnapshot{
			ID:                      snap.ID,
			SourceVolumeID:          snap.SourceVolumeID,
			VolumeSnapshotNamespace: snap.VolumeSnapshotNamespace,
			VolumeSnapshotName:      snap.VolumeSnapshotName,
			ContentName:             snap.ContentName,
			CreationTime:            snap.CreationTime,
			Generation:              snap.Generation,
			GroupSnapshotID:         snap.GroupSnapshotID,
		})
	}
	return stored, nil
}

// StoredGroups lists the group snapshots held in a driver's state directory.
// Like StoredSnapshots, it only reads.
func StoredGroups(stateDir string) ([]StoredGroup, error) {
	groups, err := readRunningRecords[group](stateDir, groupsDir)
	if err != nil {
		return nil, err
	}
	stored := make([]StoredGroup, 0, len(groups))
	for _, g := range groups {
		stored = append(stored, StoredGroup{
			ID:                           g.ID,
			Name:                         g.Name,
			SnapshotIDs:                  g.SnapshotIDs,
			SourceVolumeIDs:              g.SourceVolumeIDs,
			VolumeGroupSnapshotNamespace: g.VolumeGroupSnapshotNamespace,
			VolumeGroupSnapshotName:      g.VolumeGroupSnapshotName,
			ContentName:                  g.ContentName,
			CreationTime:                 g.CreationTime,
		})
	}
	return stored, nil
}

// readRunningRecords reads the records of one kind while the driver may be
// writing them: it leaves the driver's writes under way alone, and a record
// deleted meanwhile out.
func readRunningRecords[T any](stateDir, kind string) ([]*T, error) {
	ignore := func(string) error { return nil }
	return readRecords[T](filepath.Join(stateDir, kind), ignore, true)
}
