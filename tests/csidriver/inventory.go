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
}

// StoredSnapshots lists the snapshots held in a driver's state directory,
// for tests that look for backend snapshots nothing refers to. It only
// reads, so it is safe while the driver runs: a snapshot deleted meanwhile
// is left out.
func StoredSnapshots(stateDir string) ([]StoredSnapshot, error) {
	ignore := func(string) error { return nil } // the driver's write under way
	snapshots, err := readRecords[snapshot](filepath.Join(stateDir, snapshotsDir), ignore, true)
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
		})
	}
	return stored, nil
}
