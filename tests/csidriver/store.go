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
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// volume is what the driver keeps about a volume it made.
type volume struct {
	ID            string            `json:"id"`
	Name          string            `json:"name"`
	CapacityBytes int64             `json:"capacityBytes"`
	Parameters    map[string]string `json:"parameters,omitempty"`
	PVCNamespace  string            `json:"pvcNamespace,omitempty"`
	PVCName       string            `json:"pvcName,omitempty"`
	PVName        string            `json:"pvName,omitempty"`
	// At most one of the two sources is set: what the volume was made from.
	SourceSnapshotID string    `json:"sourceSnapshotID,omitempty"`
	SourceVolumeID   string    `json:"sourceVolumeID,omitempty"`
	CreatedAt        time.Time `json:"createdAt"`
	// FailedSnapshots counts the CreateSnapshot attempts on this volume that
	// failed on purpose, so that failSnapshot=N survives a restart.
	FailedSnapshots int `json:"failedSnapshots,omitempty"`
}

// snapshot is what the driver keeps about a snapshot it cut, alone or as a
// member of a group. It never changes once made: readiness follows from
// ReadyAt and the clock.
type snapshot struct {
	ID string `json:"id"`
	// Name is the CreateSnapshot name; empty for a group member, which is
	// found through its group.
	Name           string            `json:"name,omitempty"`
	SourceVolumeID string            `json:"sourceVolumeID"`
	SizeBytes      int64             `json:"sizeBytes"`
	Parameters     map[string]string `json:"parameters,omitempty"`
	// The VolumeSnapshot and VolumeSnapshotContent the snapshot was cut for.
	VolumeSnapshotNamespace string    `json:"volumeSnapshotNamespace,omitempty"`
	VolumeSnapshotName      string    `json:"volumeSnapshotName,omitempty"`
	ContentName             string    `json:"contentName,omitempty"`
	CreationTime            time.Time `json:"creationTime"`
	ReadyAt                 time.Time `json:"readyAt"`
	// Generation is the source volume's write generation at the cut.
	Generation int64 `json:"generation"`
	// GroupSnapshotID is the group the snapshot was cut in, if any.
	GroupSnapshotID string `json:"groupSnapshotID,omitempty"`
}

func (s *snapshot) readyToUse(now time.Time) bool {
	return !now.Before(s.ReadyAt)
}

// group is what the driver keeps about a group snapshot: its members are
// snapshots of their own, each with the group's ID. It never changes once
// made; a member deleted on its own is simply no longer found.
type group struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// SourceVolumeIDs are the volumes cut together; SnapshotIDs their
	// snapshots, in the same order.
	SourceVolumeIDs []string          `json:"sourceVolumeIDs"`
	SnapshotIDs     []string          `json:"snapshotIDs"`
	Parameters      map[string]string `json:"parameters,omitempty"`
	// The VolumeGroupSnapshot and VolumeGroupSnapshotContent the group was
	// cut for.
	VolumeGroupSnapshotNamespace string    `json:"volumeGroupSnapshotNamespace,omitempty"`
	VolumeGroupSnapshotName      string    `json:"volumeGroupSnapshotName,omitempty"`
	ContentName                  string    `json:"contentName,omitempty"`
	CreationTime                 time.Time `json:"creationTime"`
}

const (
	volumesDir     = "volumes"
	snapshotsDir   = "snapshots"
	groupsDir      = "groups"
	generationsDir = "generations"
	tempPrefix     = ".tmp-"
)

// store keeps one JSON file per volume, snapshot, group and volume
// generation under the state directory. Each file is replaced atomically, so
// a driver killed at any point leaves every object either as it was or as it
// became.
type store struct {
	dir string
}

// records are what an earlier run left in the state directory.
type records struct {
	volumes   []*volume
	snapshots []*snapshot
	groups    []*group
}

// openStore prepares the state directory and loads what an earlier run made.
func openStore(dir string) (*store, *records, error) {
	s := &store{dir: dir}
	for _, kind := range []string{volumesDir, snapshotsDir, groupsDir, generationsDir} {
		if err := os.MkdirAll(filepath.Join(dir, kind), 0o755); err != nil {
			return nil, nil, err
		}
	}
	var r records
	var err error
	if r.volumes, err = loadRecords[volume](filepath.Join(dir, volumesDir)); err != nil {
		return nil, nil, err
	}
	if r.snapshots, err = loadRecords[snapshot](filepath.Join(dir, snapshotsDir)); err != nil {
		return nil, nil, err
	}
	if r.groups, err = loadRecords[group](filepath.Join(dir, groupsDir)); err != nil {
		return nil, nil, err
	}
	return s, &r, nil
}

func (s *store) putVolume(v *volume) error      { return s.put(volumesDir, v.ID, v) }
func (s *store) deleteVolume(id string) error   { return s.remove(volumesDir, id) }
func (s *store) putSnapshot(v *snapshot) error  { return s.put(snapshotsDir, v.ID, v) }
func (s *store) deleteSnapshot(id string) error { return s.remove(snapshotsDir, id) }
func (s *store) putGroup(g *group) error        { return s.put(groupsDir, g.ID, g) }
func (s *store) deleteGroup(id string) error    { return s.remove(groupsDir, id) }

func (s *store) put(kind, id string, record any) error {
	data, err := json.MarshalIndent(record, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Join(s.dir, kind)
	tmp, err := os.CreateTemp(dir, tempPrefix+"*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if closeErr := tmp.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(dir, id+".json"))
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("saving %s %s: %w", kind, id, err)
	}
	return nil
}

func (s *store) remove(kind, id string) error {
	err := os.Remove(filepath.Join(s.dir, kind, id+".json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// loadRecords reads every record in dir and drops the temporary files of a
// write that a crash interrupted.
func loadRecords[T any](dir string) ([]*T, error) {
	return readRecords[T](dir, os.Remove, false)
}

// readRecords reads every record in dir. onTemp gets the path of each
// temporary file of a write; with vanishing, a record removed between the
// listing and its read is left out rather than an error.
func readRecords[T any](dir string, onTemp func(path string) error, vanishing bool) ([]*T, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var records []*T
	for _, entry := range entries {
		path := filepath.Join(dir, entry.Name())
		if strings.HasPrefix(entry.Name(), tempPrefix) {
			if err := onTemp(path); err != nil {
				return nil, err
			}
			continue
		}
		if filepath.Ext(entry.Name()) != ".json" {
			continue
		}
		data, err := os.ReadFile(path)
		if vanishing && errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		record := new(T)
		if err := json.Unmarshal(data, record); err != nil {
			return nil, fmt.Errorf("reading %s: %w", path, err)
		}
		records = append(records, record)
	}
	return records, nil
}

// newID returns a random identifier such as "snap-1f2e3d4c5b6a7988".
func newID(prefix string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return prefix + "-" + hex.EncodeToString(b)
}
