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
	"time"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// projectedVMs is the cache size the RSS target is set for.
const projectedVMs = 10000

// Idle is the controller at rest over a window.
type Idle struct {
	Seconds        float64 `json:"seconds"`
	CPUMsPerSecond float64 `json:"cpuMsPerSecond"`
	RSSMiB         float64 `json:"rssMiB"`
	GoHeapInuseMiB float64 `json:"goHeapInuseMiB,omitempty"`
}

// Scale is the scale point: many VMs without snapshots in the caches.
type Scale struct {
	VMs           int     `json:"vms"`
	CreateSeconds float64 `json:"createSeconds"`
	// Empty is the controller right after start on the empty cluster;
	// BeforeRSSMiB its RSS just before the VMs were made (after the
	// workloads); Loaded the controller with the VMs cached.
	Empty        Idle    `json:"empty"`
	BeforeRSSMiB float64 `json:"beforeRSSMiB"`
	Loaded       Idle    `json:"loaded"`
	// ProjectedRSSMiB extrapolates linearly to projectedVMs VMs.
	ProjectedRSSMiB float64 `json:"projectedRSSMiB10kVMs"`
	// ClassChangeQueueAdds are the keys each workqueue took while a
	// VolumeSnapshotClass was created and then updated.
	ClassChangeQueueAdds map[string]float64 `json:"classChangeQueueAdds"`
	// CreateQueueAdds are the keys each workqueue took while the VMs were made.
	CreateQueueAdds map[string]float64 `json:"createQueueAdds"`
	HeapProfile     string             `json:"heapProfile,omitempty"`
}

// idle measures the controller's CPU over the Idle window and its RSS at
// the end of it.
func (b *bench) idle(ctx context.Context) (Idle, error) {
	before, err := b.env.controller.usage()
	if err != nil {
		return Idle{}, err
	}
	start := time.Now()
	if err := sleep(ctx, b.cfg.Idle); err != nil {
		return Idle{}, err
	}
	after, err := b.env.controller.usage()
	if err != nil {
		return Idle{}, err
	}
	elapsed := time.Since(start).Seconds()
	i := Idle{Seconds: elapsed, CPUMsPerSecond: (after.CPU - before.CPU).Seconds() * 1000 / elapsed, RSSMiB: mib(after.RSS)}
	if page, err := b.env.controller.scrape(ctx); err == nil {
		i.GoHeapInuseMiB = page.value(goHeapInuseMetric) / (1 << 20)
	}
	return i, nil
}

// scale fills the caches with ScaleVMs stopped VMs without disks or
// snapshots, measures the idle controller, then creates and updates a
// VolumeSnapshotClass and counts what that enqueued.
func (b *bench) scale(ctx context.Context, empty Idle) (*Scale, error) {
	s := &Scale{VMs: b.cfg.ScaleVMs, Empty: empty}
	const namespace = "bench-scale"
	if err := sleep(ctx, b.cfg.Settle); err != nil {
		return nil, err
	}
	u, err := b.env.controller.usage()
	if err != nil {
		return nil, err
	}
	s.BeforeRSSMiB = mib(u.RSS)
	pageBefore, err := b.env.controller.scrape(ctx)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	progress := b.progress("scale VMs", s.VMs)
	if err := b.createNamespace(ctx, namespace); err != nil {
		return nil, err
	}
	err = forEach(ctx, s.VMs, b.cfg.Workers, func(ctx context.Context, i int) error {
		_, err := b.env.kubevirt.KubevirtV1().VirtualMachines(namespace).Create(ctx, newVM(namespace, fmt.Sprintf("idle-%d", i), 0, false), metav1.CreateOptions{})
		progress()
		return err
	})
	if err != nil {
		return nil, err
	}
	s.CreateSeconds = time.Since(start).Seconds()
	if err := sleep(ctx, b.cfg.Settle); err != nil {
		return nil, err
	}
	pageAfter, err := b.env.controller.scrape(ctx)
	if err != nil {
		return nil, err
	}
	s.CreateQueueAdds = queueAddsBetween(pageBefore, pageAfter)
	if s.Loaded, err = b.idle(ctx); err != nil {
		return nil, err
	}
	if s.VMs > 0 {
		s.ProjectedRSSMiB = s.BeforeRSSMiB + (s.Loaded.RSSMiB-s.BeforeRSSMiB)*projectedVMs/float64(s.VMs)
	}
	heap := b.outPath("heap-scale", "pprof")
	if err := b.env.controller.saveProfile(ctx, "heap", heap); err != nil {
		b.notef("heap profile failed: %v", err)
	} else {
		s.HeapProfile = heap
		b.profiles = append(b.profiles, heap)
	}

	if err := b.waitForQuietQueues(ctx, 90*time.Second, "before the VolumeSnapshotClass change"); err != nil {
		return nil, err
	}
	if s.ClassChangeQueueAdds, err = b.classChange(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// waitForQuietQueues waits, at most limit, until no workqueue takes a key
// over a Settle window: the controller's delayed wake-ups from the
// workloads (progress written within a minute, deadlines) must not be
// counted as the next measurement's. before names that measurement in the
// note written when the queues never went quiet.
func (b *bench) waitForQuietQueues(ctx context.Context, limit time.Duration, before string) error {
	start := time.Now()
	for time.Since(start) < limit {
		before, err := b.env.controller.scrape(ctx)
		if err != nil {
			return err
		}
		if err := sleep(ctx, b.cfg.Settle); err != nil {
			return err
		}
		after, err := b.env.controller.scrape(ctx)
		if err != nil {
			return err
		}
		if len(queueAddsBetween(before, after)) == 0 {
			return nil
		}
	}
	b.notef("the workqueues kept taking keys for %s %s", limit, before)
	return nil
}

// classChange creates a VolumeSnapshotClass of the test driver, labels
// it, deletes it, and returns what the workqueues took meanwhile.
func (b *bench) classChange(ctx context.Context) (map[string]float64, error) {
	before, err := b.env.controller.scrape(ctx)
	if err != nil {
		return nil, err
	}
	classes := b.env.snapshots.SnapshotV1().VolumeSnapshotClasses()
	class := &snapshotv1.VolumeSnapshotClass{
		ObjectMeta:     metav1.ObjectMeta{Name: "bench-fanout"},
		Driver:         b.env.cluster.DriverName(),
		DeletionPolicy: snapshotv1.VolumeSnapshotContentDelete,
	}
	if _, err := classes.Create(ctx, class, metav1.CreateOptions{}); err != nil {
		return nil, err
	}
	if _, err := classes.Patch(ctx, class.Name, types.MergePatchType, []byte(`{"metadata":{"labels":{"vmsnap.io/bench":"changed"}}}`), metav1.PatchOptions{}); err != nil {
		return nil, err
	}
	if err := classes.Delete(ctx, class.Name, metav1.DeleteOptions{}); err != nil {
		return nil, err
	}
	if err := sleep(ctx, b.cfg.Settle); err != nil {
		return nil, err
	}
	after, err := b.env.controller.scrape(ctx)
	if err != nil {
		return nil, err
	}
	return queueAddsBetween(before, after), nil
}
