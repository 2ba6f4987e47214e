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

package controller

import (
	"time"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
)

// BindGrace is how long a VolumeSnapshot that names no content yet is kept
// from deletion. In a working cluster snapshot-controller binds one within
// a second; one still unbound by then will likely never be (no class, no
// driver), and is deleted.
const BindGrace = 30 * time.Second

// DeletableVolumeSnapshot reports whether a VolumeSnapshot can be deleted
// without leaking its content, and else how long to wait. snapshot-controller
// creates the VolumeSnapshotContent, then names it in the VolumeSnapshot's
// status. A VolumeSnapshot deleted before that is let go while its
// content may be missing from snapshot-controller's cache, and a content
// whose VolumeSnapshot is gone is never deleted (external-snapshotter's
// syncContent): it stays, with the storage's snapshot behind it. Once the
// status names the content, or the cut, deleting the VolumeSnapshot deletes
// its content too.
func DeletableVolumeSnapshot(vs *snapshotv1.VolumeSnapshot, now time.Time) (bool, time.Duration) {
	if st := vs.Status; st != nil && (st.BoundVolumeSnapshotContentName != nil || st.CreationTime != nil) {
		return true, 0
	}
	unboundFor := now.Sub(vs.CreationTimestamp.Time)
	if unboundFor >= BindGrace {
		return true, 0
	}
	return false, BindGrace - unboundFor
}
