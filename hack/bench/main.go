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

// Command vmsnap-bench measures the vmsnap controller on the local test
// cluster (tests/framework/cluster): how fast VM snapshots, restores and
// deletions finish next to the CSI floor, how long guests stay frozen next
// to the storage's cut (disk by disk, and in one VolumeGroupSnapshot), what
// the controller costs the apiserver per VM snapshot, and its CPU and
// memory, idle and with many VMs cached.
//
// It runs the built controller binary (_output/bin/vmsnap-controller) with
// pprof on, the fake virt-api in this process, and watches the objects
// itself; every time it reports is taken from its own clock as its watches
// deliver events. It prints a table and writes JSON to --out. It is a
// program, not a test: it asserts no timing, and reports against the
// targets instead. Run it through hack/bench.sh (make bench).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"vmsnap.io/vmsnap/tests/framework/cluster"
)

// config are the knobs; hack/bench.sh maps N, D, SCALE_VMS... onto them.
type config struct {
	VMs            int           `json:"vms"`
	Disks          int           `json:"disksPerVM"`
	ScaleVMs       int           `json:"scaleVMs"`
	ScheduleVMs    int           `json:"scheduleVMs"`
	Idle           time.Duration `json:"idle"`
	Settle         time.Duration `json:"settle"`
	Workers        int           `json:"createWorkers"`
	ProfileSeconds int           `json:"profileSeconds"`
	ControllerArgs []string      `json:"controllerArgs,omitempty"`
	// AuditLog runs the API server with audit logging on (Metadata level
	// for writes), for the floor and the workloads alike.
	AuditLog bool `json:"auditLog"`
	// GroupVMs running VMs are snapshotted per disk count and
	// consistencyGroup of the group comparison, for each of GroupDisks.
	GroupVMs   int    `json:"groupVMs"`
	GroupDisks []int  `json:"groupDisks"`
	Out        string `json:"-"`
	Keep       bool   `json:"-"`
}

type bench struct {
	cfg   config
	env   *environment
	stamp string

	mu       sync.Mutex
	notes    []string
	profiles []string
}

func main() {
	var cfg config
	flag.IntVar(&cfg.VMs, "vms", 50, "VMs per workload (N).")
	flag.IntVar(&cfg.Disks, "disks", 2, "Disks per VM (D).")
	flag.IntVar(&cfg.ScaleVMs, "scale-vms", 2000, "VMs without snapshots created for the scale point; 0 skips it.")
	flag.IntVar(&cfg.ScheduleVMs, "schedule-vms", 1000, "Stopped VMs of one disk for the schedule comparison (one scheduled run against the same snapshots created at once); 0 skips it.")
	flag.IntVar(&cfg.GroupVMs, "group-vms", 20, "Running VMs with a guest agent per row of the group comparison (per disk count, snapshotted with consistencyGroup Disabled, then Required); 0 skips it.")
	cfg.GroupDisks = []int{1, 2, 4, 8}
	flag.Func("group-disks", "Comma-separated disk counts per VM of the group comparison (default \"1,2,4,8\").", func(v string) error {
		disks, err := parseDiskCounts(v)
		cfg.GroupDisks = disks
		return err
	})
	flag.DurationVar(&cfg.Idle, "idle", 30*time.Second, "Window over which idle CPU is measured.")
	flag.DurationVar(&cfg.Settle, "settle", 2*time.Second, "Wait after a workload before its controller cost is read.")
	flag.IntVar(&cfg.Workers, "workers", 32, "Concurrent create and delete calls of the benchmark.")
	flag.IntVar(&cfg.ProfileSeconds, "profile-seconds", 0, "Record a CPU profile of the controller this long from the start of each snapshot workload; 0 disables it.")
	flag.Func("controller-args", "Extra flags for the controller, space-separated (e.g. \"--snapshot-workers=8\").", func(v string) error {
		cfg.ControllerArgs = append(cfg.ControllerArgs, strings.Fields(v)...)
		return nil
	})
	flag.BoolVar(&cfg.AuditLog, "audit-log", false, "Run the API server with audit logging on, as production clusters do: Metadata level for writes.")
	flag.StringVar(&cfg.Out, "out", "", "Directory for the JSON report and profiles (default <repo>/_output/bench).")
	flag.BoolVar(&cfg.Keep, "keep", false, "Keep the cluster's directory (logs) after a successful run.")
	flag.Parse()
	if cfg.VMs < 1 || cfg.Disks < 1 || cfg.ScaleVMs < 0 || cfg.ScheduleVMs < 0 || cfg.GroupVMs < 0 || cfg.Workers < 1 {
		fmt.Fprintln(os.Stderr, "vmsnap-bench: --vms, --disks and --workers must be at least 1, --scale-vms, --schedule-vms and --group-vms at least 0")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "vmsnap-bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg config) (err error) {
	root, err := cluster.RepoRoot()
	if err != nil {
		return err
	}
	if cfg.Out == "" {
		cfg.Out = filepath.Join(root, "_output", "bench")
	}
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "vmsnap-bench-")
	if err != nil {
		return err
	}
	logFile, err := redirectLogs(filepath.Join(dir, "bench.log"))
	if err != nil {
		return err
	}
	defer logFile.Close()
	defer func() {
		if err != nil || cfg.Keep {
			fmt.Fprintf(os.Stderr, "keeping %s (bench.log, vmsnap-controller.log, cluster/logs/)\n", dir)
		} else {
			os.RemoveAll(dir)
		}
	}()

	b := &bench{cfg: cfg, stamp: time.Now().UTC().Format("20060102-150405")}
	controllerArgs := b.cfg.ControllerArgs
	if cfg.ScheduleVMs > 0 {
		// The schedule runs "@every" less than a minute at small sizes;
		// flags given in --controller-args come after, and win.
		controllerArgs = append([]string{"--min-schedule-interval=" + minScheduleEvery.String()}, controllerArgs...)
		b.notes = append(b.notes, fmt.Sprintf("the controller ran with --min-schedule-interval=%s (a hidden flag for tests), so that the schedule comparison may use an \"@every\" under a minute", minScheduleEvery))
	}
	b.logf("starting the cluster, the fake virt-api and the controller in %s", dir)
	started := time.Now()
	if b.env, err = setUp(ctx, root, dir, controllerArgs, cfg.AuditLog, cfg.ProfileSeconds > 0); err != nil {
		return err
	}
	defer b.env.tearDown()
	b.logf("ready in %.1fs; controller pid %d", time.Since(started).Seconds(), b.env.controller.pid())
	if removed := b.env.removedGroupClasses; len(removed) > 0 {
		b.notef("the cluster's VolumeGroupSnapshotClass %s was deleted before the controller started: every workload but the group comparison cuts volume by volume, as before group cuts existed",
			strings.Join(removed, ", "))
	}

	report, err := b.runAll(ctx)
	if report != nil && cfg.AuditLog {
		if aerr := countAuditWrites(b.env.cluster.LogPath("audit"), report.Workloads); aerr != nil {
			report.Notes = append(report.Notes, fmt.Sprintf("counting the writes in the audit log failed: %v", aerr))
		}
	}
	if report != nil {
		report.Notes = append(report.Notes, b.notes...)
		report.Profiles = b.profiles
		printReport(os.Stdout, report)
		if path, werr := writeReport(cfg.Out, b.stamp, report); werr != nil {
			b.logf("writing the JSON report: %v", werr)
		} else {
			b.logf("wrote %s and %s", path, filepath.Join(cfg.Out, "latest.json"))
		}
	}
	return err
}

// runAll runs the workloads in order; each builds on the one before. On
// error it returns what it measured so far.
func (b *bench) runAll(ctx context.Context) (*Report, error) {
	n, d := b.cfg.VMs, b.cfg.Disks
	r := newReport(b.cfg)

	b.logf("idle controller on the empty cluster for %s", b.cfg.Idle)
	empty, err := b.idle(ctx)
	if err != nil {
		return r, err
	}
	r.EmptyIdle = &empty

	const offline, online = "bench-offline", "bench-online"
	b.logf("creating %d stopped VMs with %d disks each", n, d)
	stopped, err := b.createVMs(ctx, offline, "vm", n, d, false)
	if err != nil {
		return r, err
	}

	steps := []struct {
		what string
		run  func() (Workload, error)
	}{
		{fmt.Sprintf("CSI floor: %d plain VolumeSnapshots at once", n*d), func() (Workload, error) { return b.csiFloor(ctx, offline, stopped) }},
		{fmt.Sprintf("snapshotting %d stopped VMs at once", n), func() (Workload, error) {
			return b.snapshotVMs(ctx, "snapshot-stopped", offline, stopped, d, false, "")
		}},
	}
	for _, s := range steps {
		b.logf("%s", s.what)
		w, err := s.run()
		r.Workloads = append(r.Workloads, w)
		if err == nil {
			err = errIfIncomplete(w)
		}
		if err != nil {
			return r, err
		}
	}

	b.logf("creating %d running VMs with a guest agent and %d disks each", n, d)
	running, err := b.createVMs(ctx, online, "vm", n, d, true)
	if err != nil {
		return r, err
	}
	b.logf("snapshotting %d running VMs at once (freeze, cut, thaw)", n)
	w, err := b.snapshotVMs(ctx, "snapshot-running", online, running, d, false, "")
	r.Workloads = append(r.Workloads, w)
	if err != nil {
		return r, err
	}
	frozen, err := b.frozenWindows(online, running)
	if err != nil {
		return r, err
	}
	r.Frozen = &frozen

	b.logf("restoring %d snapshots as new VMs at once", n)
	if w, err = b.restoreVMs(ctx, offline, stopped); err == nil {
		err = errIfIncomplete(w)
	}
	r.Workloads = append(r.Workloads, w)
	if err != nil {
		return r, err
	}
	b.logf("deleting %d snapshots at once", n)
	w, err = b.deleteSnapshots(ctx, offline, stopped)
	r.Workloads = append(r.Workloads, w)
	if err != nil {
		return r, err
	}

	if b.cfg.ScaleVMs > 0 {
		b.logf("scale point: %d VMs without snapshots, then %s idle", b.cfg.ScaleVMs, b.cfg.Idle)
		if r.Scale, err = b.scale(ctx, empty); err != nil {
			return r, err
		}
	}

	// Last, so that the scale point is measured as before; the scale
	// point's VMs are in another namespace, which the schedule does not see.
	if b.cfg.ScheduleVMs > 0 {
		if err := b.scheduleComparison(ctx, r); err != nil {
			return r, err
		}
	}

	// Last of all: it creates the VolumeGroupSnapshotClass that every
	// workload before it must not see.
	if b.cfg.GroupVMs > 0 {
		if err := b.groupComparison(ctx, r); err != nil {
			return r, err
		}
	}
	r.evaluate()
	return r, nil
}

// parseDiskCounts reads "1,2,4,8": at least one count, each at least 1.
func parseDiskCounts(v string) ([]int, error) {
	var disks []int
	for _, field := range strings.Split(v, ",") {
		field = strings.TrimSpace(field)
		if field == "" {
			continue
		}
		d, err := strconv.Atoi(field)
		if err != nil || d < 1 {
			return nil, fmt.Errorf("%q is not a disk count of at least 1", field)
		}
		disks = append(disks, d)
	}
	if len(disks) == 0 {
		return nil, fmt.Errorf("no disk count in %q", v)
	}
	return disks, nil
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// notef logs and keeps a note for the report.
func (b *bench) notef(format string, args ...any) {
	b.logf(format, args...)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.notes = append(b.notes, fmt.Sprintf(format, args...))
}

// progress returns a func to call per item; it logs every tenth of total.
func (b *bench) progress(what string, total int) func() {
	var done atomic.Int64
	step := int64(max(total/10, 1))
	return func() {
		if n := done.Add(1); n%step == 0 {
			b.logf("  %s: %d/%d", what, n, total)
		}
	}
}

func (b *bench) outPath(name, ext string) string {
	return filepath.Join(b.cfg.Out, fmt.Sprintf("%s-%s.%s", b.stamp, name, ext))
}

// machine describes where the numbers were taken.
func machine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH}
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = string(data[:len(data)-1])
	}
	return m
}
