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
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
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
	dir := filepath.Join(stateDir, snapshotsDir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var stored []StoredSnapshot
	for _, entry := range entries {
		if strings.HasPrefix(entry.Name(), tempPrefix) || filepath.Ext(entry.Name()) != ".json" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, entry.Name()))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var snap snapshot
		if err := json.Unmarshal(data, &snap); err != nil {
			return nil, fmt.Errorf("reading %s: %w", entry.Name(), err)
		}
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
