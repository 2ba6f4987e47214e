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
	"testing"
	"time"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestDeletableVolumeSnapshot(t *testing.T) {
	created := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	vs := func(status *snapshotv1.VolumeSnapshotStatus) *snapshotv1.VolumeSnapshot {
		return &snapshotv1.VolumeSnapshot{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: metav1.NewTime(created)}, Status: status}
	}
	for _, tc := range []struct {
		name     string
		vs       *snapshotv1.VolumeSnapshot
		at       time.Duration
		want     bool
		wantWait time.Duration
	}{
		{"just created, no status", vs(nil), time.Second, false, BindGrace - time.Second},
		{"status without a content", vs(&snapshotv1.VolumeSnapshotStatus{ReadyToUse: ptr.To(false)}), 10 * time.Second, false, BindGrace - 10*time.Second},
		{"bound to its content", vs(&snapshotv1.VolumeSnapshotStatus{BoundVolumeSnapshotContentName: ptr.To("snapcontent-1")}), time.Second, true, 0},
		{"cut", vs(&snapshotv1.VolumeSnapshotStatus{CreationTime: ptr.To(metav1.NewTime(created))}), time.Second, true, 0},
		{"never bound within the grace", vs(nil), BindGrace, true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, wait := DeletableVolumeSnapshot(tc.vs, created.Add(tc.at))
			if got != tc.want || wait != tc.wantWait {
				t.Errorf("DeletableVolumeSnapshot = %v, wait %v; want %v, %v", got, wait, tc.want, tc.wantWait)
			}
		})
	}
}
