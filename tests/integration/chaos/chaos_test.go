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

package chaos

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/tests/fakevirtapi"
	"vmsnap.io/vmsnap/tests/framework"
)

// Environment variables that size and replay a run.
const (
	seedEnv  = "VMSNAP_CHAOS_SEED"
	killsEnv = "VMSNAP_CHAOS_KILLS"
	opsEnv   = "VMSNAP_CHAOS_OPS"
)

// The small defaults keep a run within about three minutes on two cores.
const (
	defaultKills = 4
	defaultOps   = 12
	replicaCount = 2
	// faultDuration is about how long one fault and the takeover after it
	// take; the operations are spread over the faults' time.
	faultDuration = 6 * time.Second
	minOpPause    = 500 * time.Millisecond
	maxOpPause    = 8 * time.Second
	// settleInterval is how often quiescence is looked for.
	settleInterval = 2 * time.Second
)

type config struct {
	seed       int64
	kills, ops int
}

func configFromEnv(t *testing.T) config {
	t.Helper()
	c := config{seed: time.Now().UnixNano(), kills: defaultKills, ops: defaultOps}
	for env, into := range map[string]*int64{seedEnv: &c.seed} {
		if v := os.Getenv(env); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatalf("%s=%q: %v", env, v, err)
			}
			*into = n
		}
	}
	for env, into := range map[string]*int{killsEnv: &c.kills, opsEnv: &c.ops} {
		if v := os.Getenv(env); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				t.Fatalf("%s=%q: want a count", env, v)
			}
			*into = n
		}
	}
	return c
}

// fleetSize is how many VMs a run makes: enough for its operations to
// overlap on some VMs and not on others.
func fleetSize(ops int) int { return min(max(4, ops/8), 16) }

// chaosRun is what every part of a run reports to: the log, with the time
// since the start, and the violations found.
type chaosRun struct {
	t       *testing.T
	cfg     config
	started time.Time

	mu         sync.Mutex
	violations []string
}

func (r *chaosRun) logf(format string, args ...any) {
	r.t.Logf("[%6.1fs] %s", time.Since(r.started).Seconds(), fmt.Sprintf(format, args...))
}

func (r *chaosRun) violation(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.violations = append(r.violations, fmt.Sprintf(format, args...))
}

func (r *chaosRun) addViolations(kind string, found []string) {
	for _, v := range found {
		r.violation("%s: %s", kind, v)
	}
}

// replay is the command line that runs the same seed again.
func (r *chaosRun) replay() string {
	return fmt.Sprintf("%s=%d %s=%d %s=%d", seedEnv, r.cfg.seed, opsEnv, r.cfg.ops, killsEnv, r.cfg.kills)
}

func TestChaos(t *testing.T) {
	cfg := configFromEnv(t)
	run := &chaosRun{t: t, cfg: cfg, started: time.Now()}
	t.Logf("chaos seed %d: %d operations, %d kills (replay with %s)", cfg.seed, cfg.ops, cfg.kills, run.replay())
	f := framework.New(t)
	ctx := f.Context()

	faultRNG := rand.New(rand.NewPCG(uint64(cfg.seed), faultStream))
	w := newWorkload(run, f)
	w.createFleet(fleetSize(cfg.ops))

	replicas := startReplicas(t, f, replicaCount)
	if leader, err := replicas.leader(ctx, nil); err != nil {
		t.Fatalf("chaos seed %d: %v", cfg.seed, err)
	} else {
		run.logf("%s leads", leader.name)
	}

	background, stopBackground := context.WithCancel(ctx)
	defer stopBackground()
	w.watchRestores(background)
	go w.playVirtController(background)

	plan := faultPlan(faultRNG, cfg.kills)
	m := &monkey{run: run, replicas: replicas, rng: faultRNG, maxPause: 4 * time.Second}
	opPause := min(max(2*time.Duration(len(plan))*faultDuration/time.Duration(max(cfg.ops, 1)), minOpPause), maxOpPause)
	var chaos sync.WaitGroup
	chaos.Go(func() { m.carryOut(ctx, plan) })
	w.runOperations(ctx, cfg.ops, opPause)
	chaos.Wait()
	chaosOver := time.Now()
	run.logf("chaos over: %v; operations: %v", m.done, w.counts)

	bound := w.lastOp.Add(w.maxDeadline)
	if bound.Before(chaosOver) {
		bound = chaosOver
	}
	final := w.waitForQuiescence(ctx, bound.Add(quiescenceMargin))
	quiet := time.Now()
	if final != nil {
		w.checkInvariants(ctx, final, replicas)
	}
	run.logf("checks done in %s", time.Since(quiet).Round(100*time.Millisecond))
	w.summarize(m, replicas, final, quiet.Sub(chaosOver))

	for _, v := range run.violations {
		t.Errorf("chaos seed %d: %s", cfg.seed, v)
	}
	if len(run.violations) > 0 {
		t.Errorf("chaos seed %d: %d violations; replay with %s; replica logs in %s",
			cfg.seed, len(run.violations), run.replay(), replicas.logDir)
	}
}

// waitForQuiescence waits until nothing is in flight, or the bound passed,
// and returns the world as last seen.
func (w *workload) waitForQuiescence(ctx context.Context, bound time.Time) *world {
	w.run.logf("waiting for quiescence until %s at most", bound.Format(time.TimeOnly))
	var last *world
	var busy []string
	for {
		o, err := w.observe(ctx)
		if err != nil {
			w.run.violation("reading the namespace: %v", err)
			return last
		}
		last = o
		if busy = w.unsettled(o); len(busy) == 0 {
			w.run.logf("quiet")
			return last
		}
		if time.Now().After(bound) || !sleep(ctx, settleInterval) {
			w.run.logf("not quiet by the bound: %s", strings.Join(busy, "; "))
			return last
		}
	}
}

// checkInvariants records every violation of the invariants in the world
// after quiescence.
func (w *workload) checkInvariants(ctx context.Context, o *world, replicas *replicaSet) {
	run := w.run
	run.addViolations("final phase", checkFinal(o))
	run.addViolations("VM", w.checkVMs(o))
	run.addViolations("guest", w.checkThawed(o))
	run.addViolations("consistency", w.checkConsistency(o))
	run.addViolations("ready snapshot", checkReady(o))
	run.addViolations("orphan", w.waitForNoOrphans(ctx, o))
	run.addViolations("resync", w.checkResync(ctx, o))
	run.addViolations("log", checkLogs(replicas))
	run.addViolations("metrics", checkLeaderMetrics(ctx, replicas))
}

// waitForNoOrphans checks for orphans until there are none or orphanGrace
// passed, since some are removed only at csi-snapshotter's resync.
func (w *workload) waitForNoOrphans(ctx context.Context, o *world) []string {
	deadline := time.Now().Add(orphanGrace)
	for {
		orphans := w.checkOrphans(o)
		if len(orphans) == 0 || time.Now().After(deadline) || !sleep(ctx, settleInterval) {
			return orphans
		}
		next, err := w.observe(ctx)
		if err != nil {
			return append(orphans, "reading the namespace: "+err.Error())
		}
		o = next
	}
}

// summarize logs the run's figures, as the README's table shows them.
func (w *workload) summarize(m *monkey, replicas *replicaSet, o *world, quiescence time.Duration) {
	run := w.run
	var b strings.Builder
	fmt.Fprintf(&b, "chaos figures, seed %d:\n", run.cfg.seed)
	ops := 0
	for _, n := range w.counts {
		ops += n
	}
	fmt.Fprintf(&b, "  operations         %d %v (errors: %d)\n", ops, w.counts, len(w.opErrors))
	fmt.Fprintf(&b, "  VMs                %d made\n", len(w.vms))
	fmt.Fprintf(&b, "  leader SIGKILLs    %d\n", m.done[killLeader])
	fmt.Fprintf(&b, "  leader SIGSTOPs    %d\n", m.done[stopLeader])
	fmt.Fprintf(&b, "  apiserver restarts %d %v\n", m.done[restartAPIServer], m.apiServerDowntime)
	for _, r := range replicas.replicas {
		r.mu.Lock()
		fmt.Fprintf(&b, "  %s          %d starts, %d exits of its own %v\n", r.name, r.starts, len(r.selfExits), r.selfExits)
		r.mu.Unlock()
	}
	if o != nil {
		fmt.Fprintf(&b, "  VMs at the end     %d\n", len(o.vms))
		fmt.Fprintf(&b, "  vmsnapshots        %s\n", phaseCounts(o.snapshots, func(s snapshotapi.VirtualMachineSnapshot) string { return string(s.Status.Phase) }))
		fmt.Fprintf(&b, "  vdsnapshots        %s\n", phaseCounts(o.diskSnapshots, func(s snapshotapi.VirtualDiskSnapshot) string { return string(s.Status.Phase) }))
		fmt.Fprintf(&b, "  vmrestores         %s\n", phaseCounts(o.restores, func(r snapshotapi.VirtualMachineRestore) string { return string(r.Status.Phase) }))
		fmt.Fprintf(&b, "  failure reasons    %s\n", failureReasons(o))
	}
	calls := framework.CallsOf(w.f.VirtAPICalls(""), fakevirtapi.OpFreeze)
	fmt.Fprintf(&b, "  guest freezes      %d calls, %d unfreeze calls, %d auto-thaws\n", len(calls),
		len(framework.CallsOf(w.f.VirtAPICalls(""), fakevirtapi.OpUnfreeze)), len(framework.CallsOf(w.f.VirtAPICalls(""), fakevirtapi.OpAutoThaw)))
	fmt.Fprintf(&b, "  quiescence         %s after the chaos\n", quiescence.Round(100*time.Millisecond))
	fmt.Fprintf(&b, "  run time           %s\n", time.Since(run.started).Round(time.Second))
	fmt.Fprintf(&b, "  violations         %d\n", len(run.violations))
	run.t.Log(b.String())
}

func phaseCounts[T any](items []T, phase func(T) string) string {
	counts := map[string]int{}
	for _, item := range items {
		counts[phase(item)]++
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", orNone(k), counts[k]))
	}
	return fmt.Sprintf("%d (%s)", len(items), strings.Join(parts, ", "))
}

// failureReasons counts the Ready condition reasons of the failed objects.
func failureReasons(o *world) string {
	var reasons []string
	add := func(kind string, failed bool, conditions []metav1.Condition) {
		if c := meta.FindStatusCondition(conditions, snapshotapi.ConditionReady); failed && c != nil {
			reasons = append(reasons, kind+" "+c.Reason)
		}
	}
	for _, s := range o.snapshots {
		add("vmsnapshot", s.Status.Phase == snapshotapi.SnapshotFailed, s.Status.Conditions)
	}
	for _, s := range o.diskSnapshots {
		add("vdsnapshot", s.Status.Phase == snapshotapi.SnapshotFailed, s.Status.Conditions)
	}
	for _, r := range o.restores {
		add("vmrestore", r.Status.Phase == snapshotapi.RestoreFailed, r.Status.Conditions)
	}
	return phaseCounts(reasons, func(r string) string { return r })
}

func orNone(s string) string {
	if s == "" {
		return "<no phase>"
	}
	return s
}
