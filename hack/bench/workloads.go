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
	"os"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/tests/csidriver"
)

const (
	// controllerComponent is the controller's event source and user agent.
	controllerComponent = "vmsnap-controller"
	pollInterval        = 20 * time.Millisecond
)

// Workload is the result of one timed batch.
type Workload struct {
	Name           string  `json:"name"`
	Objects        int     `json:"objects"`
	DisksPerObject int     `json:"disksPerObject"`
	WallSeconds    float64 `json:"wallSeconds"`
	// Started is when the first object was created (or deleted).
	Started time.Time `json:"started,omitzero"`
	Done    int       `json:"done"`
	Failed  int       `json:"failed"`
	// TimedOut is set when not every object finished within the bound; the
	// numbers then cover the ones that did.
	TimedOut bool `json:"timedOut,omitempty"`
	// Latency is each object's time from its create (or delete) call to
	// Ready (or gone).
	Latency Distribution `json:"latency"`
	// ReadinessLag is, per VM snapshot, the time from its last VolumeSnapshot
	// becoming readyToUse to its becoming Ready.
	ReadinessLag *Distribution  `json:"readinessLag,omitempty"`
	Controller   ControllerCost `json:"controller"`
	// APIServer is the API server's load while the workload ran, for the
	// workloads that sample it (the schedule comparison).
	APIServer *APIServerLoad `json:"apiserverLoad,omitempty"`
	// APIWrites are every client's writes meanwhile, with the audit log on.
	APIWrites *APIWrites `json:"apiWrites,omitempty"`
	Notes     []string   `json:"notes,omitempty"`
}

// ControllerCost is what the controller spent during a workload, measured
// from just before its first call until Settle after it finished.
type ControllerCost struct {
	CPUSeconds     float64 `json:"cpuSeconds"`
	CPUMsPerObject float64 `json:"cpuMsPerObject"`
	PeakRSSMiB     float64 `json:"peakRSSMiB"`
	// StartRSSMiB is the RSS when the workload began: PeakRSSMiB minus it
	// is the growth during the burst.
	StartRSSMiB float64 `json:"startRSSMiB"`
	// PeakIsProcessPeak is set when the peak could not be reset before the
	// workload, so PeakRSSMiB is the peak since the controller started.
	PeakIsProcessPeak bool     `json:"peakIsProcessPeak,omitempty"`
	Requests          Requests `json:"requests"`
	RequestsPerObject Requests `json:"requestsPerObject"`
	// Events are the events the controller recorded in the workload's
	// namespace; each is one of the POSTs (or a PATCH when repeated).
	Events int `json:"events"`
	// QueueWaitP99Ms is, per workqueue, the 99th percentile of the time a
	// key waited in the queue before a worker took it; WriteP99Ms that of
	// the controller's POST, PUT and PATCH requests (the slowest verb):
	// together they split a readiness-lag tail into queueing and API time.
	QueueWaitP99Ms map[string]float64 `json:"queueWaitP99Ms"`
	WriteP99Ms     float64            `json:"writeP99Ms"`
	// QueueAdds are the keys each workqueue took.
	QueueAdds map[string]float64 `json:"queueAdds"`
}

// Frozen compares, per running VM, the time its guest was frozen with the
// time the storage needed to cut its disks.
type Frozen struct {
	VMs int `json:"vms"`
	// Window: the fake virt-api froze the guest → it thawed it.
	Window Distribution `json:"window"`
	// Cut: the first CreateSnapshot call of the VM's disks arrived at the
	// CSI driver → the last one returned (calls.jsonl).
	Cut Distribution `json:"cut"`
	// CreateSnapshotCall is the duration of each CreateSnapshot call.
	CreateSnapshotCall Distribution `json:"createSnapshotCall"`
	// Overhead is Window - Cut; FreezeToCut and CutToThaw split it.
	Overhead    Distribution `json:"overhead"`
	FreezeToCut Distribution `json:"freezeToCut"`
	CutToThaw   Distribution `json:"cutToThaw"`
	Notes       []string     `json:"notes,omitempty"`
}

// forEach runs fn for 0..n-1 on at most workers goroutines, and returns
// every error.
func forEach(ctx context.Context, n, workers int, fn func(ctx context.Context, i int) error) error {
	next := make(chan int)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for range min(workers, n) {
		wg.Go(func() {
			for i := range next {
				if err := fn(ctx, i); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if len(errs) > 0 {
		return fmt.Errorf("%d of %d failed, first: %w", len(errs), n, errs[0])
	}
	return ctx.Err()
}

// waitUntil polls done until it holds or timeout passes; it reports
// whether it held.
func waitUntil(ctx context.Context, timeout time.Duration, done func() bool) bool {
	err := wait.PollUntilContextTimeout(ctx, pollInterval, timeout, true, func(context.Context) (bool, error) {
		return done(), nil
	})
	return err == nil
}

// workloadTimeout bounds a workload of n objects of disks each: generous
// next to the ≈ 50 ms per VolumeSnapshot the stack takes here.
func workloadTimeout(n, disks int) time.Duration {
	return 2*time.Minute + time.Duration(n*max(disks, 1))*300*time.Millisecond
}

// costWindow is the controller's state at the start of a workload.
type costWindow struct {
	usage     usage
	peakReset bool
	page      metricsPage
	events    int
}

func (b *bench) beginCost(ctx context.Context, namespace string) (*costWindow, error) {
	w := &costWindow{peakReset: b.env.controller.resetPeak() == nil}
	var err error
	if w.events, err = b.controllerEvents(ctx, namespace); err != nil {
		return nil, err
	}
	if w.page, err = b.env.controller.scrape(ctx); err != nil {
		return nil, err
	}
	w.usage, err = b.env.controller.usage()
	return w, err
}

// endCost waits Settle, so that writes following the last Ready count,
// and returns the cost of the window per object.
func (b *bench) endCost(ctx context.Context, w *costWindow, namespace string, objects int) (ControllerCost, error) {
	if err := sleep(ctx, b.cfg.Settle); err != nil {
		return ControllerCost{}, err
	}
	u, err := b.env.controller.usage()
	if err != nil {
		return ControllerCost{}, err
	}
	page, err := b.env.controller.scrape(ctx)
	if err != nil {
		return ControllerCost{}, err
	}
	events, err := b.controllerEvents(ctx, namespace)
	if err != nil {
		return ControllerCost{}, err
	}
	cpu := (u.CPU - w.usage.CPU).Seconds()
	requests := requestsBetween(w.page, page)
	c := ControllerCost{
		CPUSeconds:        cpu,
		PeakRSSMiB:        mib(u.PeakRSS),
		StartRSSMiB:       mib(w.usage.RSS),
		PeakIsProcessPeak: !w.peakReset,
		Requests:          requests,
		RequestsPerObject: requests.perObject(objects),
		Events:            events - w.events,
		QueueAdds:         queueAddsBetween(w.page, page),
		QueueWaitP99Ms:    map[string]float64{},
	}
	for name := range c.QueueAdds {
		c.QueueWaitP99Ms[name] = 1000 * quantileBetween(w.page, page, queueWaitMetric, map[string]string{"name": name}, 0.99)
	}
	for _, verb := range []string{"POST", "PUT", "PATCH"} {
		c.WriteP99Ms = max(c.WriteP99Ms, 1000*quantileBetween(w.page, page, requestTimeMetric, map[string]string{"verb": verb}, 0.99))
	}
	if objects > 0 {
		c.CPUMsPerObject = cpu * 1000 / float64(objects)
	}
	return c, nil
}

func (b *bench) controllerEvents(ctx context.Context, namespace string) (int, error) {
	list, err := b.env.kube.CoreV1().Events(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range list.Items {
		if e.Source.Component == controllerComponent || e.ReportingController == controllerComponent {
			n++
		}
	}
	return n, nil
}

func mib(bytes uint64) float64 { return float64(bytes) / (1 << 20) }

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

func (b *bench) createNamespace(ctx context.Context, name string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"vmsnap.io/bench": "true"}}}
	_, err := b.env.kube.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// createVMs makes n VMs named <prefix>-<i> with disks claims each, waits
// for the claims to bind, and returns the names. Running VMs get a Running
// VMI with a connected guest agent. Untimed: this is the setup.
func (b *bench) createVMs(ctx context.Context, namespace, prefix string, n, disks int, running bool) ([]string, error) {
	if err := b.createNamespace(ctx, namespace); err != nil {
		return nil, err
	}
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("%s-%d", prefix, i)
	}
	err := forEach(ctx, n, b.cfg.Workers, func(ctx context.Context, i int) error {
		for d := range disks {
			if _, err := b.env.kube.CoreV1().PersistentVolumeClaims(namespace).Create(ctx, newClaim(namespace, claimName(names[i], d)), metav1.CreateOptions{}); err != nil {
				return err
			}
		}
		vm, err := b.env.kubevirt.KubevirtV1().VirtualMachines(namespace).Create(ctx, newVM(namespace, names[i], disks, running), metav1.CreateOptions{})
		if err != nil {
			return err
		}
		if running {
			_, err = b.env.kubevirt.KubevirtV1().VirtualMachineInstances(namespace).Create(ctx, newRunningVMI(vm), metav1.CreateOptions{})
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("creating VMs in %s: %w", namespace, err)
	}
	if disks == 0 {
		return names, nil
	}
	var bound int
	ok := waitUntil(ctx, workloadTimeout(n, disks), func() bool {
		claims, err := b.env.kube.CoreV1().PersistentVolumeClaims(namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false
		}
		bound = 0
		for _, c := range claims.Items {
			if c.Status.Phase == corev1.ClaimBound {
				bound++
			}
		}
		return bound >= n*disks
	})
	if !ok {
		return nil, fmt.Errorf("only %d of %d claims in %s bound", bound, n*disks, namespace)
	}
	return names, nil
}

// csiFloor snapshots the VMs' claims with plain VolumeSnapshots, all at
// once, then deletes them again (untimed) so the next workload starts on a
// quiet stack.
func (b *bench) csiFloor(ctx context.Context, namespace string, vms []string) (Workload, error) {
	var claims []string
	for _, vm := range vms {
		for d := range b.cfg.Disks {
			claims = append(claims, claimName(vm, d))
		}
	}
	w := Workload{Name: "csi-floor", Objects: len(claims), DisksPerObject: 1}
	window, err := b.beginCost(ctx, namespace)
	if err != nil {
		return w, err
	}
	created := make([]time.Time, len(claims))
	start := time.Now()
	err = forEach(ctx, len(claims), b.cfg.Workers, func(ctx context.Context, i int) error {
		created[i] = time.Now()
		_, err := b.env.snapshots.SnapshotV1().VolumeSnapshots(namespace).Create(ctx, newVolumeSnapshot(namespace, "floor-"+claims[i], claims[i]), metav1.CreateOptions{})
		return err
	})
	if err != nil {
		return w, err
	}
	readyAt := func(i int) (time.Time, bool) { return b.env.tracker.volumeReadyAt(key(namespace, "floor-"+claims[i])) }
	w.TimedOut = !waitUntil(ctx, workloadTimeout(len(claims), 1), func() bool { return countTrue(len(claims), readyAt) == len(claims) })
	var latencies []time.Duration
	var last time.Time
	for i := range claims {
		if at, ok := readyAt(i); ok {
			latencies = append(latencies, at.Sub(created[i]))
			last = latest(last, at)
		}
	}
	w.Done = len(latencies)
	w.Started, w.WallSeconds = start, last.Sub(start).Seconds()
	w.Latency = summarize(latencies)
	if w.Controller, err = b.endCost(ctx, window, namespace, len(claims)); err != nil {
		return w, err
	}

	err = forEach(ctx, len(claims), b.cfg.Workers, func(ctx context.Context, i int) error {
		return b.env.snapshots.SnapshotV1().VolumeSnapshots(namespace).Delete(ctx, "floor-"+claims[i], metav1.DeleteOptions{})
	})
	if err != nil {
		return w, err
	}
	goneAt := func(i int) (time.Time, bool) { return b.env.tracker.volumeGoneAt(key(namespace, "floor-"+claims[i])) }
	if !waitUntil(ctx, workloadTimeout(len(claims), 1), func() bool { return countTrue(len(claims), goneAt) == len(claims) }) {
		w.Notes = append(w.Notes, "not every floor VolumeSnapshot was deleted before the next workload")
	}
	return w, nil
}

// snapshotVMs snapshots every VM, of disks disks each, at once as
// snap-<vm>, with spec.consistencyGroup set to consistencyGroup unless it
// is empty. With sampleLoad it also samples the API server's load from
// just before the first create until the last snapshot is done.
func (b *bench) snapshotVMs(ctx context.Context, name, namespace string, vms []string, disks int, sampleLoad bool, consistencyGroup snapshotapi.ConsistencyGroupPolicy) (Workload, error) {
	w := Workload{Name: name, Objects: len(vms), DisksPerObject: disks}
	window, err := b.beginCost(ctx, namespace)
	if err != nil {
		return w, err
	}
	stopProfile := b.profileCPU(ctx, name)
	defer stopProfile()
	var load *loadSampler
	if sampleLoad {
		load = b.startLoadSampler(ctx)
		defer load.stop()
	}
	created := make([]time.Time, len(vms))
	start := time.Now()
	err = forEach(ctx, len(vms), b.cfg.Workers, func(ctx context.Context, i int) error {
		created[i] = time.Now()
		_, err := b.env.vmsnap.SnapshotV1alpha1().VirtualMachineSnapshots(namespace).Create(ctx, newVMSnapshot(namespace, "snap-"+vms[i], vms[i], consistencyGroup), metav1.CreateOptions{})
		return err
	})
	if err != nil {
		return w, err
	}
	outcomeOf := func(i int) (outcome, bool) { return b.env.tracker.vmSnapshotOutcome(key(namespace, "snap-"+vms[i])) }
	w.TimedOut = !waitUntil(ctx, workloadTimeout(len(vms), disks), func() bool {
		return countTrue(len(vms), func(i int) (time.Time, bool) { o, ok := outcomeOf(i); return o.At, ok }) == len(vms)
	})
	if load != nil {
		w.APIServer = load.stop().summary()
	}
	var latencies, lags []time.Duration
	var last time.Time
	for i := range vms {
		o, ok := outcomeOf(i)
		if !ok {
			continue
		}
		if o.Failed {
			w.Failed++
			continue
		}
		w.Done++
		latencies = append(latencies, o.At.Sub(created[i]))
		last = latest(last, o.At)
		if lag, ok := b.readinessLag(key(namespace, "snap-"+vms[i]), disks, o.At); ok {
			lags = append(lags, lag)
		}
	}
	w.Started, w.WallSeconds = start, last.Sub(start).Seconds()
	w.Latency = summarize(latencies)
	lag := summarize(lags)
	w.ReadinessLag = &lag
	if len(lags) < w.Done {
		w.Notes = append(w.Notes, fmt.Sprintf("readiness lag of %d snapshots unknown (a VolumeSnapshot's readiness was not seen)", w.Done-len(lags)))
	}
	w.Controller, err = b.endCost(ctx, window, namespace, len(vms))
	return w, err
}

// readinessLag is the time from the last of the VM snapshot's
// VolumeSnapshots becoming readyToUse to the VM snapshot becoming Ready.
func (b *bench) readinessLag(vmSnapshotKey string, disks int, readyAt time.Time) (time.Duration, bool) {
	volumes := b.env.tracker.volumesOf(vmSnapshotKey)
	if len(volumes) != disks {
		return 0, false
	}
	var last time.Time
	for _, vs := range volumes {
		at, ok := b.env.tracker.volumeReadyAt(vs)
		if !ok {
			return 0, false
		}
		last = latest(last, at)
	}
	return readyAt.Sub(last), true
}

// frozenWindows reads, for each running VM snapped as snap-<vm>, its frozen
// window from the fake virt-api and its disks' CreateSnapshot calls from
// the CSI driver's record. Both stamp with the wall clock of this machine.
func (b *bench) frozenWindows(namespace string, vms []string) (Frozen, error) {
	f := Frozen{VMs: len(vms)}
	calls, err := csidriver.ReadCalls(b.env.cluster.CSIStateDir())
	if err != nil {
		return f, err
	}
	firstCut := map[string]csidriver.Call{} // by "namespace/VolumeSnapshot"
	for _, c := range calls {
		if c.Method != "CreateSnapshot" || c.Code != "OK" || c.VolumeSnapshot == "" {
			continue
		}
		if _, seen := firstCut[c.VolumeSnapshot]; !seen {
			firstCut[c.VolumeSnapshot] = c
		}
	}
	var windows, cuts, callDurations, overheads, before, after []time.Duration
	missing := 0
	for _, vm := range vms {
		frozen := b.env.virtAPI.FrozenWindows(namespace, vm)
		volumes := b.env.tracker.volumesOf(key(namespace, "snap-"+vm))
		if len(frozen) != 1 || frozen[0].To.IsZero() || len(volumes) == 0 {
			missing++
			continue
		}
		var cutStart, cutEnd time.Time
		complete := true
		for _, vs := range volumes {
			c, ok := firstCut[vs]
			if !ok {
				complete = false
				break
			}
			callDurations = append(callDurations, c.Duration)
			if cutStart.IsZero() || c.Time.Before(cutStart) {
				cutStart = c.Time
			}
			cutEnd = latest(cutEnd, c.Time.Add(c.Duration))
		}
		if !complete {
			missing++
			continue
		}
		window := frozen[0].To.Sub(frozen[0].From)
		cut := cutEnd.Sub(cutStart)
		windows = append(windows, window)
		cuts = append(cuts, cut)
		overheads = append(overheads, window-cut)
		before = append(before, cutStart.Sub(frozen[0].From))
		after = append(after, frozen[0].To.Sub(cutEnd))
	}
	if missing > 0 {
		f.Notes = append(f.Notes, fmt.Sprintf("%d VMs without exactly one closed frozen window or without recorded CreateSnapshot calls", missing))
	}
	f.Window, f.Cut, f.CreateSnapshotCall = summarize(windows), summarize(cuts), summarize(callDurations)
	f.Overhead, f.FreezeToCut, f.CutToThaw = summarize(overheads), summarize(before), summarize(after)
	return f, nil
}

// restoreVMs restores each snap-<vm> as a new VM copy-<vm>, all at once.
func (b *bench) restoreVMs(ctx context.Context, namespace string, vms []string) (Workload, error) {
	w := Workload{Name: "restore-new-vm", Objects: len(vms), DisksPerObject: b.cfg.Disks}
	window, err := b.beginCost(ctx, namespace)
	if err != nil {
		return w, err
	}
	created := make([]time.Time, len(vms))
	start := time.Now()
	err = forEach(ctx, len(vms), b.cfg.Workers, func(ctx context.Context, i int) error {
		created[i] = time.Now()
		r := newRestore(namespace, "restore-"+vms[i], "snap-"+vms[i], vms[i], "copy-"+vms[i], b.cfg.Disks)
		_, err := b.env.vmsnap.SnapshotV1alpha1().VirtualMachineRestores(namespace).Create(ctx, r, metav1.CreateOptions{})
		return err
	})
	if err != nil {
		return w, err
	}
	outcomeOf := func(i int) (outcome, bool) { return b.env.tracker.restoreOutcome(key(namespace, "restore-"+vms[i])) }
	w.TimedOut = !waitUntil(ctx, workloadTimeout(len(vms), b.cfg.Disks), func() bool {
		return countTrue(len(vms), func(i int) (time.Time, bool) { o, ok := outcomeOf(i); return o.At, ok }) == len(vms)
	})
	var latencies []time.Duration
	var last time.Time
	for i := range vms {
		o, ok := outcomeOf(i)
		switch {
		case !ok:
		case o.Failed:
			w.Failed++
		default:
			w.Done++
			latencies = append(latencies, o.At.Sub(created[i]))
			last = latest(last, o.At)
		}
	}
	w.Started, w.WallSeconds = start, last.Sub(start).Seconds()
	w.Latency = summarize(latencies)
	w.Controller, err = b.endCost(ctx, window, namespace, len(vms))
	return w, err
}

// deleteSnapshots deletes every snap-<vm> at once and times until they are
// gone, finalizer and all; a note says when their VolumeSnapshots were gone.
func (b *bench) deleteSnapshots(ctx context.Context, namespace string, vms []string) (Workload, error) {
	w := Workload{Name: "delete-snapshots", Objects: len(vms), DisksPerObject: b.cfg.Disks}
	var volumes []string
	for _, vm := range vms {
		volumes = append(volumes, b.env.tracker.volumesOf(key(namespace, "snap-"+vm))...)
	}
	window, err := b.beginCost(ctx, namespace)
	if err != nil {
		return w, err
	}
	deleted := make([]time.Time, len(vms))
	start := time.Now()
	err = forEach(ctx, len(vms), b.cfg.Workers, func(ctx context.Context, i int) error {
		deleted[i] = time.Now()
		return b.env.vmsnap.SnapshotV1alpha1().VirtualMachineSnapshots(namespace).Delete(ctx, "snap-"+vms[i], metav1.DeleteOptions{})
	})
	if err != nil {
		return w, err
	}
	goneAt := func(i int) (time.Time, bool) { return b.env.tracker.vmSnapshotGoneAt(key(namespace, "snap-"+vms[i])) }
	volumeGoneAt := func(i int) (time.Time, bool) { return b.env.tracker.volumeGoneAt(volumes[i]) }
	w.TimedOut = !waitUntil(ctx, workloadTimeout(len(vms), b.cfg.Disks), func() bool {
		return countTrue(len(vms), goneAt) == len(vms) && countTrue(len(volumes), volumeGoneAt) == len(volumes)
	})
	var latencies []time.Duration
	var last, lastVolume time.Time
	for i := range vms {
		if at, ok := goneAt(i); ok {
			latencies = append(latencies, at.Sub(deleted[i]))
			last = latest(last, at)
		}
	}
	for i := range volumes {
		if at, ok := volumeGoneAt(i); ok {
			lastVolume = latest(lastVolume, at)
		}
	}
	w.Done = len(latencies)
	w.Started, w.WallSeconds = start, last.Sub(start).Seconds()
	w.Latency = summarize(latencies)
	w.Notes = append(w.Notes, fmt.Sprintf("all %d VolumeSnapshots gone after %.2fs", len(volumes), lastVolume.Sub(start).Seconds()))
	w.Controller, err = b.endCost(ctx, window, namespace, len(vms))
	return w, err
}

// profileCPU records CPU profiles of the controller and of the API server
// (the machine's bottleneck) for ProfileSeconds when profiling is on; the
// returned func waits for them.
func (b *bench) profileCPU(ctx context.Context, name string) func() {
	if b.cfg.ProfileSeconds <= 0 {
		return func() {}
	}
	controllerPath := b.outPath(fmt.Sprintf("cpu-%s", name), "pprof")
	apiServerPath := b.outPath(fmt.Sprintf("apiserver-cpu-%s", name), "pprof")
	var wg sync.WaitGroup
	for _, p := range []struct {
		path, what string
		save       func() error
	}{
		{controllerPath, "controller", func() error {
			return b.env.controller.saveProfile(ctx, fmt.Sprintf("profile?seconds=%d", b.cfg.ProfileSeconds), controllerPath)
		}},
		{apiServerPath, "API server", func() error {
			body, err := b.env.scraper.CoreV1().RESTClient().Get().AbsPath("/debug/pprof/profile").
				Param("seconds", strconv.Itoa(b.cfg.ProfileSeconds)).Timeout(time.Duration(b.cfg.ProfileSeconds+30) * time.Second).DoRaw(ctx)
			if err != nil {
				return err
			}
			return os.WriteFile(apiServerPath, body, 0o644)
		}},
	} {
		wg.Go(func() {
			if err := p.save(); err != nil {
				b.notef("CPU profile of the %s during %s failed: %v", p.what, name, err)
				return
			}
			b.mu.Lock()
			b.profiles = append(b.profiles, p.path)
			b.mu.Unlock()
		})
	}
	return wg.Wait
}

func countTrue(n int, at func(i int) (time.Time, bool)) int {
	count := 0
	for i := range n {
		if _, ok := at(i); ok {
			count++
		}
	}
	return count
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// errIfIncomplete fails the run when a workload lost objects: later
// workloads build on it.
func errIfIncomplete(w Workload) error {
	if w.Done < w.Objects {
		return fmt.Errorf("%s: %d of %d objects done (%d failed, timed out: %v)", w.Name, w.Done, w.Objects, w.Failed, w.TimedOut)
	}
	return nil
}
