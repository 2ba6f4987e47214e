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

package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	snapshotclient "github.com/kubernetes-csi/external-snapshotter/client/v8/clientset/versioned"
	snapshotinformers "github.com/kubernetes-csi/external-snapshotter/client/v8/informers/externalversions"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
	vmsnapclient "vmsnap.io/client-go/clientset/versioned"
	vmsnapinformers "vmsnap.io/client-go/informers/externalversions"

	"vmsnap.io/vmsnap/pkg/vmsnapshot"
)

// tracker timestamps, with the benchmark's own clock, the moment its watches
// first show each object reach a state. Every time is time.Now() in this
// process as the informer delivers the event: durations between them use
// Go's monotonic clock, and they include the watch delivery delay, which is
// the same for every kind.
type tracker struct {
	mu sync.Mutex
	// Keys are "namespace/name".
	vmSnapshotSeen  map[string]time.Time
	vmSnapshotDone  map[string]outcome
	vmSnapshotGone  map[string]time.Time
	volumeReady     map[string]time.Time
	volumeGone      map[string]time.Time
	volumeVMSnapKey map[string]string // VolumeSnapshot -> its VM snapshot, from the label
	// A VM snapshot cut in a group has VolumeSnapshots that
	// snapshot-controller made, without the label: they are found through
	// their owner, the VolumeGroupSnapshot, whose name holds the VM
	// snapshot's UID.
	volumeGroup    map[string]string // VolumeSnapshot -> its VolumeGroupSnapshot
	groupVMSnapKey map[string]string // VolumeGroupSnapshot -> its VM snapshot

	restoreDone map[string]outcome
}

// outcome is when an object reached Ready or Failed.
type outcome struct {
	At     time.Time
	Failed bool
}

func newTracker() *tracker {
	return &tracker{
		vmSnapshotSeen:  map[string]time.Time{},
		vmSnapshotDone:  map[string]outcome{},
		vmSnapshotGone:  map[string]time.Time{},
		volumeReady:     map[string]time.Time{},
		volumeGone:      map[string]time.Time{},
		volumeVMSnapKey: map[string]string{},
		volumeGroup:     map[string]string{},
		groupVMSnapKey:  map[string]string{},
		restoreDone:     map[string]outcome{},
	}
}

func key(namespace, name string) string { return namespace + "/" + name }

// start runs the informers until ctx ends and waits for their caches.
func (t *tracker) start(ctx context.Context, vmsnap vmsnapclient.Interface, snapshots snapshotclient.Interface) error {
	vmsnapFactory := vmsnapinformers.NewSharedInformerFactory(vmsnap, 0)
	snapshotFactory := snapshotinformers.NewSharedInformerFactory(snapshots, 0)
	informers := vmsnapFactory.Snapshot().V1alpha1()
	handlers := []struct {
		informer cache.SharedIndexInformer
		observe  func(obj any, deleted bool)
	}{
		{informers.VirtualMachineSnapshots().Informer(), t.observeVMSnapshot},
		{informers.VirtualMachineRestores().Informer(), t.observeRestore},
		{snapshotFactory.Snapshot().V1().VolumeSnapshots().Informer(), t.observeVolumeSnapshot},
	}
	for _, h := range handlers {
		observe := h.observe
		_, err := h.informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    func(obj any) { observe(obj, false) },
			UpdateFunc: func(_, obj any) { observe(obj, false) },
			DeleteFunc: func(obj any) {
				if tombstone, ok := obj.(cache.DeletedFinalStateUnknown); ok {
					obj = tombstone.Obj
				}
				observe(obj, true)
			},
		})
		if err != nil {
			return err
		}
	}
	vmsnapFactory.Start(ctx.Done())
	snapshotFactory.Start(ctx.Done())
	for typ, ok := range vmsnapFactory.WaitForCacheSync(ctx.Done()) {
		if !ok {
			return fmt.Errorf("watch of %v did not sync", typ)
		}
	}
	for typ, ok := range snapshotFactory.WaitForCacheSync(ctx.Done()) {
		if !ok {
			return fmt.Errorf("watch of %v did not sync", typ)
		}
	}
	return nil
}

func (t *tracker) observeVMSnapshot(obj any, deleted bool) {
	now := time.Now()
	s, ok := obj.(*snapshotapi.VirtualMachineSnapshot)
	if !ok {
		return
	}
	k := key(s.Namespace, s.Name)
	t.mu.Lock()
	defer t.mu.Unlock()
	if deleted {
		t.vmSnapshotGone[k] = now
		return
	}
	if _, seen := t.vmSnapshotSeen[k]; !seen {
		t.vmSnapshotSeen[k] = now
	}
	if s.UID != "" {
		t.groupVMSnapKey[key(s.Namespace, vmsnapshot.VolumeGroupSnapshotName(s.UID))] = k
	}
	if _, seen := t.vmSnapshotDone[k]; !seen && (s.Status.Phase == snapshotapi.SnapshotReady || s.Status.Phase == snapshotapi.SnapshotFailed) {
		t.vmSnapshotDone[k] = outcome{At: now, Failed: s.Status.Phase == snapshotapi.SnapshotFailed}
	}
}

func (t *tracker) observeRestore(obj any, deleted bool) {
	now := time.Now()
	r, ok := obj.(*snapshotapi.VirtualMachineRestore)
	if !ok || deleted {
		return
	}
	k := key(r.Namespace, r.Name)
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, seen := t.restoreDone[k]; !seen && (r.Status.Phase == snapshotapi.RestoreReady || r.Status.Phase == snapshotapi.RestoreFailed) {
		t.restoreDone[k] = outcome{At: now, Failed: r.Status.Phase == snapshotapi.RestoreFailed}
	}
}

func (t *tracker) observeVolumeSnapshot(obj any, deleted bool) {
	now := time.Now()
	vs, ok := obj.(*snapshotv1.VolumeSnapshot)
	if !ok {
		return
	}
	k := key(vs.Namespace, vs.Name)
	t.mu.Lock()
	defer t.mu.Unlock()
	if owner := vs.Labels[vmsnapshot.LabelSnapshotName]; owner != "" {
		t.volumeVMSnapKey[k] = key(vs.Namespace, owner)
	}
	for _, ref := range vs.OwnerReferences {
		if ref.Kind == "VolumeGroupSnapshot" {
			t.volumeGroup[k] = key(vs.Namespace, ref.Name)
		}
	}
	if deleted {
		t.volumeGone[k] = now
		return
	}
	if _, seen := t.volumeReady[k]; !seen && vs.Status != nil && ptr.Deref(vs.Status.ReadyToUse, false) {
		t.volumeReady[k] = now
	}
}

// vmSnapshotOutcome, restoreOutcome, volumeReadyAt and the gone lookups
// read what was observed so far.
func (t *tracker) vmSnapshotOutcome(k string) (outcome, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	o, ok := t.vmSnapshotDone[k]
	return o, ok
}

// vmSnapshotSeenAt is when the watch first showed the VM snapshot: for one
// the controller created (a schedule's), the closest to its create call.
func (t *tracker) vmSnapshotSeenAt(k string) (time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	at, ok := t.vmSnapshotSeen[k]
	return at, ok
}

func (t *tracker) restoreOutcome(k string) (outcome, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	o, ok := t.restoreDone[k]
	return o, ok
}

func (t *tracker) volumeReadyAt(k string) (time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	at, ok := t.volumeReady[k]
	return at, ok
}

func (t *tracker) vmSnapshotGoneAt(k string) (time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	at, ok := t.vmSnapshotGone[k]
	return at, ok
}

func (t *tracker) volumeGoneAt(k string) (time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	at, ok := t.volumeGone[k]
	return at, ok
}

// volumesOf returns the VolumeSnapshots labelled as the VM snapshot's, and
// those of its VolumeGroupSnapshot.
func (t *tracker) volumesOf(vmSnapshotKey string) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for vs, owner := range t.volumeVMSnapKey {
		if owner == vmSnapshotKey {
			out = append(out, vs)
		}
	}
	for vs, group := range t.volumeGroup {
		if _, labelled := t.volumeVMSnapKey[vs]; !labelled && t.groupVMSnapKey[group] == vmSnapshotKey {
			out = append(out, vs)
		}
	}
	return out
}
