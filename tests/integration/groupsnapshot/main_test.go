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

// Package groupsnapshot tests group cuts end to end: VM snapshots whose
// disks are cut in one VolumeGroupSnapshot by the real snapshot-controller
// and csi-snapshotter and the test CSI driver's GroupController, the
// per-volume fallback on a second driver without group support, and
// restores that prove, by the driver's per-volume write generations, that
// every disk comes from the one cut.
package groupsnapshot

import (
	"testing"

	"vmsnap.io/vmsnap/tests/framework"
)

func TestMain(m *testing.M) {
	framework.MainWithOptions(m, framework.Options{GroupSnapshotClass: true, SecondDriver: true})
}
