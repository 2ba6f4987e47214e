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
	"syscall"
)

// A volume's write generation stands in for its data, so that a test can
// tell from which instant a restored disk's content came. It counts the
// WriteVolume calls on the volume; a new empty volume starts at 0, a volume
// restored from a snapshot at the snapshot's generation, a clone at its
// source's generation when cloned. A snapshot records its source's
// generation at its cut: with a cut delay, when the delay has passed and
// CreateSnapshot (or CreateVolumeGroupSnapshot) returns, which is also its
// creation time.
//
// Tests run apart from the driver, so the generation lives in the state
// directory, one file per volume, replaced atomically. WriteVolume holds an
// exclusive lock on the generations directory and a cut a shared one while
// it reads its volumes' generations: a group cut sees writes to its volumes
// all before or all after any one WriteVolume.

// WriteVolume stands for a write to a volume of the driver whose state is in
// stateDir: it advances the volume's generation by one and returns the new
// generation. It fails for a volume the driver does not hold.
func WriteVolume(stateDir, volumeID string) (int64, error) {
	s := &store{dir: stateDir}
	unlock, err := s.lockGenerations(syscall.LOCK_EX)
	if err != nil {
		return 0, err
	}
	defer unlock()
	generation, err := s.heldVolumeGeneration(volumeID)
	if err != nil {
		return 0, err
	}
	generation++
	if err := s.putGeneration(volumeID, generation); err != nil {
		return 0, err
	}
	return generation, nil
}

// VolumeGeneration returns the write generation of a volume of the driver
// whose state is in stateDir.
func VolumeGeneration(stateDir, volumeID string) (int64, error) {
	return (&store{dir: stateDir}).heldVolumeGeneration(volumeID)
}

func (s *store) heldVolumeGeneration(volumeID string) (int64, error) {
	if _, err := os.Stat(filepath.Join(s.dir, volumesDir, volumeID+".json")); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return 0, fmt.Errorf("volume %s does not exist in %s", volumeID, s.dir)
		}
		return 0, err
	}
	return s.generation(volumeID)
}

// generation reads a volume's write generation.
func (s *store) generation(volumeID string) (int64, error) {
	data, err := os.ReadFile(filepath.Join(s.dir, generationsDir, volumeID+".json"))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil // a volume nobody wrote to, made before generations were kept
	}
	if err != nil {
		return 0, err
	}
	var generation int64
	if err := json.Unmarshal(data, &generation); err != nil {
		return 0, fmt.Errorf("reading the generation of volume %s: %w", volumeID, err)
	}
	return generation, nil
}

// generations reads the write generations of volumes at one instant.
func (s *store) generations(volumeIDs []string) ([]int64, error) {
	unlock, err := s.lockGenerations(syscall.LOCK_SH)
	if err != nil {
		return nil, err
	}
	defer unlock()
	generations := make([]int64, len(volumeIDs))
	for i, id := range volumeIDs {
		if generations[i], err = s.generation(id); err != nil {
			return nil, err
		}
	}
	return generations, nil
}

func (s *store) putGeneration(volumeID string, generation int64) error {
	return s.put(generationsDir, volumeID, generation)
}

func (s *store) deleteGeneration(volumeID string) error { return s.remove(generationsDir, volumeID) }

// lockGenerations flock(2)s the generations directory, which works across
// processes; the lock goes with the returned function or the process.
func (s *store) lockGenerations(how int) (unlock func(), err error) {
	dir, err := os.Open(filepath.Join(s.dir, generationsDir))
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(dir.Fd()), how); err != nil {
		_ = dir.Close()
		return nil, fmt.Errorf("locking %s: %w", dir.Name(), err)
	}
	return func() { _ = dir.Close() }, nil // closing releases the lock
}
