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
	"sync"
	"testing"
	"time"

	"github.com/container-storage-interface/spec/lib/go/csi"
)

func (td *testDriver) write(volumeID string) int64 {
	td.t.Helper()
	generation, err := WriteVolume(td.dir, volumeID)
	if err != nil {
		td.t.Fatalf("WriteVolume %s: %v", volumeID, err)
	}
	return generation
}

func (td *testDriver) wantGeneration(volumeID string, want int64) {
	td.t.Helper()
	if got, err := VolumeGeneration(td.dir, volumeID); err != nil || got != want {
		td.t.Errorf("VolumeGeneration %s = %d, %v; want %d", volumeID, got, err, want)
	}
}

// storedGeneration is the generation recorded for a snapshot.
func (td *testDriver) storedGeneration(snapshotID string) int64 {
	td.t.Helper()
	stored, err := StoredSnapshots(td.dir)
	if err != nil {
		td.t.Fatal(err)
	}
	for _, snap := range stored {
		if snap.ID == snapshotID {
			return snap.Generation
		}
	}
	td.t.Fatalf("snapshot %s is not stored", snapshotID)
	return 0
}

func (td *testDriver) mustCreateVolumeFrom(req *csi.CreateVolumeRequest) string {
	td.t.Helper()
	resp, err := td.controller.CreateVolume(testContext(td.t), req)
	if err != nil {
		td.t.Fatalf("CreateVolume %s: %v", req.GetName(), err)
	}
	return resp.GetVolume().GetVolumeId()
}

// A snapshot keeps the generation of its volume at the cut; a restored volume
// starts there, a clone at its source's generation when cloned.
func TestWriteGenerations(t *testing.T) {
	td := newTestDriver(t)
	vol := td.createVolume("pvc-1", nil).GetVolumeId()
	td.wantGeneration(vol, 0)
	for want := int64(1); want <= 2; want++ {
		if got := td.write(vol); got != want {
			t.Errorf("WriteVolume = %d, want %d", got, want)
		}
	}
	snap := td.mustCreateSnapshot("snap-1", vol, nil).GetSnapshotId()
	if got := td.storedGeneration(snap); got != 2 {
		t.Errorf("snapshot generation = %d, want 2", got)
	}
	td.write(vol)

	restored := td.mustCreateVolumeFrom(fromSnapshot("restored", gib, snap))
	clone := td.mustCreateVolumeFrom(cloneRequest("clone", gib, vol))
	td.wantGeneration(restored, 2)
	td.wantGeneration(clone, 3)
	td.write(restored)
	td.wantGeneration(restored, 3)
	td.wantGeneration(vol, 3) // volumes do not share their generations

	td = td.restart()
	td.wantGeneration(restored, 3)
	if _, err := td.controller.DeleteVolume(testContext(t), &csi.DeleteVolumeRequest{VolumeId: clone}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{clone, "vol-missing"} {
		if _, err := WriteVolume(td.dir, id); err == nil {
			t.Errorf("WriteVolume of %s, which the driver does not hold, succeeded", id)
		}
		if _, err := VolumeGeneration(td.dir, id); err == nil {
			t.Errorf("VolumeGeneration of %s, which the driver does not hold, succeeded", id)
		}
	}
}

// With a cut delay, a member records its volume's generation when the delay
// has passed: a write during the delay is in the snapshot.
func TestGroupMembersKeepTheGenerationAtTheCut(t *testing.T) {
	td := newTestDriver(t)
	volumes := td.createVolumes(map[string]string{ParamCutDelay: "10s"}, "pvc-a", "pvc-b")
	td.write(volumes[1])

	cut := make(chan *csi.VolumeGroupSnapshot, 1)
	go func() {
		group, err := td.createGroupSnapshot("group-1", volumes, nil)
		if err != nil {
			t.Errorf("CreateVolumeGroupSnapshot: %v", err)
		}
		cut <- group
	}()
	td.waitForCutTimers(1)
	td.write(volumes[0])
	td.clock.Step(10 * time.Second)
	group := <-cut
	td.write(volumes[0]) // after the cut: not in the snapshot

	for i, want := range []int64{1, 1} {
		member := group.GetSnapshots()[i]
		if got := td.storedGeneration(member.GetSnapshotId()); got != want {
			t.Errorf("member of %s has generation %d, want %d", member.GetSourceVolumeId(), got, want)
		}
	}
	restored := td.mustCreateVolumeFrom(fromSnapshot("restored", gib, group.GetSnapshots()[0].GetSnapshotId()))
	td.wantGeneration(restored, 1)
}

// Writers in parallel lose no write.
func TestWriteVolumeConcurrently(t *testing.T) {
	td := newTestDriver(t)
	vol := td.createVolume("pvc-1", nil).GetVolumeId()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 25 {
				if _, err := WriteVolume(td.dir, vol); err != nil {
					t.Errorf("WriteVolume: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	td.wantGeneration(vol, 100)
}
