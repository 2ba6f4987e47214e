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

package freeze

import (
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// AnnotationFrozenAt and AnnotationAutoThawAt on a VolumeSnapshot record
// the freeze window it was created in: when the guest was frozen for it,
// and when the guest thaws by itself at the latest. Written in the same
// call that creates the VolumeSnapshot, they let any later sync, in this
// process or after a restart, tell whether a cut fell inside the window.
// A VolumeSnapshot of a guest-frozen snapshot without them was cut while
// the guest was not frozen.
const (
	AnnotationFrozenAt   = "snapshot.vmsnap.io/frozen-at"
	AnnotationAutoThawAt = "snapshot.vmsnap.io/auto-thaw-at"
)

// Window is a span in which a guest is frozen for a snapshot: from the
// freeze to its auto-thaw at the latest.
type Window struct {
	FrozenAt, AutoThawAt time.Time
}

// HeldWindow returns the window of the freeze this process made for holder
// and has not thawed, whether or not the guest has thawed by itself since.
func (f *Freezer) HeldWindow(holder types.UID) (*Window, bool) {
	frozenAt, frozen := f.Frozen(holder)
	if !frozen {
		return nil, false
	}
	return &Window{FrozenAt: frozenAt, AutoThawAt: frozenAt.Add(f.UnfreezeTimeout())}, true
}

// OpenWindow returns the freeze window this process holds open for holder
// now, or nil: not frozen, or frozen so long ago that the guest has thawed
// by itself.
func (f *Freezer) OpenWindow(holder types.UID, now time.Time) *Window {
	window, held := f.HeldWindow(holder)
	if !held || !now.Before(window.AutoThawAt) {
		return nil
	}
	return window
}

// Annotations records the window on the object created in it; none for a
// nil window.
func (w *Window) Annotations() map[string]string {
	if w == nil {
		return nil
	}
	return map[string]string{
		AnnotationFrozenAt:   w.FrozenAt.UTC().Format(time.RFC3339Nano),
		AnnotationAutoThawAt: w.AutoThawAt.UTC().Format(time.RFC3339Nano),
	}
}

// WindowOf reads the freeze window an object's annotations record.
func WindowOf(annotations map[string]string) (*Window, bool) {
	frozenAt, err1 := time.Parse(time.RFC3339Nano, annotations[AnnotationFrozenAt])
	autoThawAt, err2 := time.Parse(time.RFC3339Nano, annotations[AnnotationAutoThawAt])
	if err1 != nil || err2 != nil {
		return nil, false
	}
	return &Window{FrozenAt: frozenAt, AutoThawAt: autoThawAt}, true
}

// CutAfterAutoThaw reports whether a cut at cutAt fell after the window
// closed by itself.
func (w *Window) CutAfterAutoThaw(cutAt time.Time) bool {
	return cutAt.After(w.AutoThawAt)
}
