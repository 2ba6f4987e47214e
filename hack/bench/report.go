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
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is everything one run measured; it is written as JSON.
type Report struct {
	StartedAt time.Time  `json:"startedAt"`
	Command   string     `json:"command"`
	Machine   Machine    `json:"machine"`
	Config    config     `json:"config"`
	Clock     string     `json:"clock"`
	EmptyIdle *Idle      `json:"emptyIdle,omitempty"`
	Workloads []Workload `json:"workloads"`
	Frozen    *Frozen    `json:"frozen,omitempty"`
	Scale     *Scale     `json:"scale,omitempty"`
	// Schedule is the schedule comparison; its two workloads are
	// schedule-batch and schedule-run.
	Schedule *ScheduleRun `json:"schedule,omitempty"`
	// Groups is the group comparison; its batches are in its rows, not in
	// Workloads.
	Groups *GroupComparison `json:"groups,omitempty"`
	// Minimum is the fewest controller writes the design needs per object.
	Minimum  []Minimum `json:"minimumWrites"`
	Targets  []Target  `json:"targets"`
	Notes    []string  `json:"notes,omitempty"`
	Profiles []string  `json:"profiles,omitempty"`
}

// Machine is where the run happened.
type Machine struct {
	CPUs      int    `json:"cpus"`
	GoVersion string `json:"goVersion"`
	OS        string `json:"os"`
	Kernel    string `json:"kernel,omitempty"`
}

// Minimum is the design's least number of API writes for one object of a
// workload, and why.
type Minimum struct {
	Workload string   `json:"workload"`
	Writes   int      `json:"writes"`
	Why      []string `json:"why"`
}

// Target is one goal of the benchmark issue and where the run stands.
type Target struct {
	Goal     string `json:"goal"`
	Measured string `json:"measured"`
	Met      bool   `json:"met"`
}

const clockNote = "Latencies, wall times and readiness lag: time.Now() in the benchmark process as its informers deliver each event (Go monotonic clock; includes the watch delivery delay). Frozen windows and CSI cut times: wall clock (CLOCK_REALTIME) of the fake virt-api (in this process) and of the CSI driver (calls.jsonl), same machine. Controller CPU: utime+stime from /proc/<pid>/stat; RSS: VmRSS and VmHWM (reset per workload through clear_refs) from /proc/<pid>/status. API requests: the controller's vmsnap_rest_client_requests_total, scraped before and after each workload (after a settle period). API server load (schedule comparison only): kube-apiserver's apiserver_request_total (every client's requests, the benchmark's and the scrapes' included) and apiserver_current_inflight_requests (the most executing at once in the last second), with the controller's writes, scraped every second; peaks are the highest rate between two scrapes. A scheduled run is timed from its run time (whole seconds, the API server's wall clock) to the last Ready seen by the benchmark (its wall clock, same machine)."

func newReport(cfg config) *Report {
	return &Report{
		StartedAt: time.Now().UTC(),
		Command:   strings.Join(os.Args, " "),
		Machine:   machine(),
		Config:    cfg,
		Clock:     clockNote,
		Minimum:   append(minimumWrites(cfg.Disks), scheduleMinimumWrites()...),
	}
}

// scheduleMinimumWrites are the floors of the schedule comparison's
// workloads: a stopped VM of one disk, and for a scheduled snapshot also
// its create, which the schedule makes (the batch's are the benchmark's).
// The schedule's own status writes, a few per run, are left out.
func scheduleMinimumWrites() []Minimum {
	batch := minimumWrites(1)[0]
	batch.Workload = "schedule-batch"
	run := Minimum{Workload: "schedule-run", Writes: batch.Writes + 1,
		Why: append([]string{"POST   the VirtualMachineSnapshot (the schedule creates it)"}, batch.Why...)}
	return []Minimum{batch, run}
}

// minimumWrites is the design's floor of controller writes per object,
// events left out (one or two per object, on phase transitions).
func minimumWrites(disks int) []Minimum {
	snapshot := []string{
		"PATCH  finalizer on the VirtualMachineSnapshot",
		"PUT    VM status: take the lock (status.snapshotInProgress)",
		"PUT    VM: the source-protection finalizer on at the lock, off at the cut",
		"POST   VirtualMachineSnapshotContent",
		fmt.Sprintf("POST   %d VolumeSnapshots, one per disk", disks),
		"PUT    content status: volumes ready",
		"PUT    VM status: release the lock",
		"PUT    snapshot status twice: InProgress, then Ready",
	}
	return []Minimum{
		{Workload: "snapshot-stopped", Writes: 9 + disks, Why: snapshot},
		{Workload: "snapshot-running", Writes: 11 + disks, Why: append(snapshot[:len(snapshot):len(snapshot)], "PUT    freeze and unfreeze (subresources.kubevirt.io)")},
		{Workload: "restore-new-vm", Writes: 4 + disks, Why: []string{
			"PATCH  finalizer on the VirtualMachineRestore",
			fmt.Sprintf("POST   %d claims from the VolumeSnapshots", disks),
			"POST   the new VM",
			"PUT    restore status twice: InProgress, then Ready",
		}},
		{Workload: "delete-snapshots", Writes: 2, Why: []string{
			"DELETE the content (its VolumeSnapshots go by garbage collection)",
			"PATCH  release the snapshot's finalizer",
		}},
	}
}

func (r *Report) workload(name string) *Workload {
	for i := range r.Workloads {
		if r.Workloads[i].Name == name {
			return &r.Workloads[i]
		}
	}
	return nil
}

// evaluate compares the run with the targets for production conditions
// (set with the audit log on, at N=200 and N=500, D=2).
func (r *Report) evaluate() {
	floor, stopped, running := r.workload("csi-floor"), r.workload("snapshot-stopped"), r.workload("snapshot-running")
	for _, g := range []struct {
		w     *Workload
		limit float64
	}{{stopped, 1.10}, {running, 1.15}} {
		if floor == nil || g.w == nil || floor.WallSeconds <= 0 {
			continue
		}
		ratio := g.w.WallSeconds / floor.WallSeconds
		r.Targets = append(r.Targets, Target{
			Goal:     fmt.Sprintf("wall time to all Ready <= %.2f x CSI floor (%s; set for N=200 and N=500, D=2)", g.limit, g.w.Name),
			Measured: fmt.Sprintf("%.2fx (%.2fs vs %.2fs) at N=%d D=%d", ratio, g.w.WallSeconds, floor.WallSeconds, r.Config.VMs, r.Config.Disks),
			Met:      ratio <= g.limit,
		})
	}
	var conflicts float64
	for _, w := range r.Workloads {
		conflicts += w.Controller.Requests.Conflicts
	}
	minimum := map[string]int{}
	for _, m := range r.Minimum {
		minimum[m.Workload] = m.Writes
	}
	for _, w := range []*Workload{stopped, running} {
		if w == nil {
			continue
		}
		per := w.Controller.RequestsPerObject
		r.Targets = append(r.Targets,
			Target{Goal: fmt.Sprintf("controller API writes per VM snapshot at the design minimum, %d (%s)", minimum[w.Name], w.Name),
				Measured: fmt.Sprintf("%.1f (%s)", per.Writes, methodsString(per.ByMethod, oneDecimal)), Met: per.Writes <= float64(minimum[w.Name])},
			Target{Goal: "controller CPU <= 10 ms per VM snapshot (" + w.Name + ")", Measured: fmt.Sprintf("%.1f ms", w.Controller.CPUMsPerObject), Met: w.Controller.CPUMsPerObject <= 10},
			Target{Goal: "controller RSS growth during the burst <= 25 MiB (" + w.Name + "; set for N=500)",
				Measured: fmt.Sprintf("%.0f MiB (%.0f → %.0f MiB)", w.Controller.PeakRSSMiB-w.Controller.StartRSSMiB, w.Controller.StartRSSMiB, w.Controller.PeakRSSMiB),
				Met:      w.Controller.PeakRSSMiB-w.Controller.StartRSSMiB <= 25},
		)
		if w.ReadinessLag != nil && w.ReadinessLag.Count > 0 {
			r.Targets = append(r.Targets, Target{
				Goal:     "readiness lag p99 <= 1 s (" + w.Name + "; set for N=500)",
				Measured: fmt.Sprintf("p99 %.0f ms, median %.0f ms", w.ReadinessLag.P99, w.ReadinessLag.Median),
				Met:      w.ReadinessLag.P99 <= 1000,
			})
		}
	}
	r.Targets = append(r.Targets, Target{Goal: "no 409 conflicts", Measured: fmt.Sprintf("%.0f over all workloads", conflicts), Met: conflicts == 0})
	if f := r.Frozen; f != nil && f.Window.Count > 0 {
		r.Targets = append(r.Targets, Target{
			Goal:     "frozen window <= cut time + 50 ms (median)",
			Measured: fmt.Sprintf("window %.0f ms, cut %.0f ms: +%.0f ms (median of per-VM overhead)", f.Window.Median, f.Cut.Median, f.Overhead.Median),
			Met:      f.Overhead.Median <= 50,
		})
	}
	if s := r.Scale; s != nil {
		r.Targets = append(r.Targets, Target{
			Goal:     fmt.Sprintf("controller RSS <= 200 MiB with %d VMs cached", projectedVMs),
			Measured: fmt.Sprintf("%.0f MiB projected (%.0f MiB with %d VMs, %.0f MiB before them)", s.ProjectedRSSMiB, s.Loaded.RSSMiB, s.VMs, s.BeforeRSSMiB),
			Met:      s.ProjectedRSSMiB <= 200,
		})
	}
}

func oneDecimal(v float64) string { return fmt.Sprintf("%.1f", v) }

func printReport(out io.Writer, r *Report) {
	fmt.Fprintf(out, "\nvmsnap benchmark  N=%d VMs  D=%d disks/VM  %d CPUs  %s  %s\n", r.Config.VMs, r.Config.Disks, r.Machine.CPUs, r.Machine.GoVersion, r.StartedAt.Format(time.RFC3339))
	fmt.Fprintf(out, "API server audit log: %s\n\n", auditCondition(r.Config.AuditLog))
	floor := r.workload("csi-floor")
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\tobjects\twall s\tx floor\tlatency med\tp90\tp99 ms\tlag med\tp99 ms\tdone\tfailed\t")
	for _, w := range r.Workloads {
		ratio, lagMed, lagP99 := "-", "-", "-"
		if floor != nil && floor.WallSeconds > 0 && strings.HasPrefix(w.Name, "snapshot-") {
			ratio = fmt.Sprintf("%.2f", w.WallSeconds/floor.WallSeconds)
		}
		if w.ReadinessLag != nil && w.ReadinessLag.Count > 0 {
			lagMed, lagP99 = fmt.Sprintf("%.0f", w.ReadinessLag.Median), fmt.Sprintf("%.0f", w.ReadinessLag.P99)
		}
		timedOut := ""
		if w.TimedOut {
			timedOut = " (timed out)"
		}
		fmt.Fprintf(tw, "%s\t%dx%d\t%.2f\t%s\t%.0f\t%.0f\t%.0f\t%s\t%s\t%d\t%d%s\t\n", w.Name, w.Objects, w.DisksPerObject, w.WallSeconds, ratio,
			w.Latency.Median, w.Latency.P90, w.Latency.P99, lagMed, lagP99, w.Done, w.Failed, timedOut)
	}
	tw.Flush()

	fmt.Fprintln(out, "\ncontroller cost per object (requests by verb from its own client metrics)")
	tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "workload\trequests/object\twrites\tmin writes\t409s\tevents/object\tCPU ms/object\tRSS MiB start → peak\tthrottled s")
	for _, w := range r.Workloads {
		c := w.Controller
		minimum := "-"
		for _, m := range r.Minimum {
			if m.Workload == w.Name {
				minimum = fmt.Sprint(m.Writes)
			}
		}
		events := 0.0
		if w.Objects > 0 {
			events = float64(c.Events) / float64(w.Objects)
		}
		fmt.Fprintf(tw, "%s\t%s\t%.1f\t%s\t%.0f\t%.1f\t%.1f\t%.0f → %.0f\t%.2f\n", w.Name, orDash(methodsString(c.RequestsPerObject.ByMethod, oneDecimal)),
			c.RequestsPerObject.Writes, minimum, c.Requests.Conflicts, events, c.CPUMsPerObject, c.StartRSSMiB, c.PeakRSSMiB, c.Requests.ThrottledSeconds)
	}
	tw.Flush()

	printAPIWrites(out, r)

	fmt.Fprintln(out, "\nwhere the controller's time went (p99, ms)")
	for _, w := range r.Workloads {
		if len(w.Controller.QueueWaitP99Ms) == 0 {
			continue
		}
		fmt.Fprintf(out, "  %-17s queue wait: %s; API write: %.0f\n", w.Name, queueString(w.Controller.QueueWaitP99Ms), w.Controller.WriteP99Ms)
	}

	if f := r.Frozen; f != nil {
		fmt.Fprintf(out, "\nfrozen window per running VM (%d VMs), ms\n", f.VMs)
		tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "\tmedian\tp90\tp99\tmax\t")
		for _, row := range []struct {
			name string
			d    Distribution
		}{
			{"freeze -> unfreeze", f.Window}, {"CSI cut (first call in -> last out)", f.Cut}, {"one CreateSnapshot call", f.CreateSnapshotCall},
			{"window - cut", f.Overhead}, {"freeze -> first cut", f.FreezeToCut}, {"last cut -> unfreeze", f.CutToThaw},
		} {
			fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.1f\t%.1f\t\n", row.name, row.d.Median, row.d.P90, row.d.P99, row.d.Max)
		}
		tw.Flush()
		for _, n := range f.Notes {
			fmt.Fprintln(out, "  note:", n)
		}
	}

	if s := r.Scale; s != nil {
		fmt.Fprintf(out, "\nscale point: %d VMs without snapshots cached (created in %.1fs)\n", s.VMs, s.CreateSeconds)
		tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "\tidle CPU ms/s\tRSS MiB\tGo heap in use MiB")
		fmt.Fprintf(tw, "empty cluster\t%.2f\t%.0f\t%.0f\n", s.Empty.CPUMsPerSecond, s.Empty.RSSMiB, s.Empty.GoHeapInuseMiB)
		fmt.Fprintf(tw, "before the VMs\t-\t%.0f\t-\n", s.BeforeRSSMiB)
		fmt.Fprintf(tw, "with %d VMs\t%.2f\t%.0f\t%.0f\n", s.VMs, s.Loaded.CPUMsPerSecond, s.Loaded.RSSMiB, s.Loaded.GoHeapInuseMiB)
		fmt.Fprintf(tw, "projected, %d VMs\t-\t%.0f\t-\n", projectedVMs, s.ProjectedRSSMiB)
		tw.Flush()
		fmt.Fprintf(out, "workqueue adds while the VMs were created: %s\n", orDash(queueString(s.CreateQueueAdds)))
		fmt.Fprintf(out, "workqueue adds on a VolumeSnapshotClass create+update+delete: %s\n", orDash(queueString(s.ClassChangeQueueAdds)))
	}

	if s := r.Schedule; s != nil {
		printSchedule(out, r, s)
	}

	if g := r.Groups; g != nil {
		printGroups(out, g)
	}

	fmt.Fprintln(out, "\ntargets")
	tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	for _, t := range r.Targets {
		mark := "MISS"
		if t.Met {
			mark = "ok"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", mark, t.Goal, t.Measured)
	}
	tw.Flush()
	for _, n := range r.Notes {
		fmt.Fprintln(out, "note:", n)
	}
	for _, w := range r.Workloads {
		for _, n := range w.Notes {
			fmt.Fprintf(out, "note (%s): %s\n", w.Name, n)
		}
	}
	for _, p := range r.Profiles {
		fmt.Fprintln(out, "profile:", p)
	}
	fmt.Fprintln(out)
}

// apiWriteColumns are the clients the write table names; the rest are
// summed as "others".
var apiWriteColumns = []string{controllerComponent, "snapshot-controller", "csi-snapshotter", "vmsnap-bench"}

// printAPIWrites shows every client's writes during each workload, from the
// audit log: with the API server the bottleneck, a workload's writes
// against the floor's predict its wall time against the floor's.
func printAPIWrites(out io.Writer, r *Report) {
	floor := r.workload("csi-floor")
	if floor == nil || floor.APIWrites == nil || floor.APIWrites.Total == 0 {
		return
	}
	fmt.Fprintln(out, "\nAPI writes while each workload ran, every client (audit log; from the first create to the last done)")
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "workload\twrites\tx floor\tper object\t%s\tothers\t\n", strings.Join(apiWriteColumns, "\t"))
	for _, w := range r.Workloads {
		a := w.APIWrites
		if a == nil || w.Objects == 0 {
			continue
		}
		ratio := "-"
		if strings.HasPrefix(w.Name, "snapshot-") {
			ratio = fmt.Sprintf("%.2f", float64(a.Total)/float64(floor.APIWrites.Total))
		}
		others := a.Total
		var named []string
		for _, c := range apiWriteColumns {
			named = append(named, fmt.Sprint(a.ByComponent[c]))
			others -= a.ByComponent[c]
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%.1f\t%s\t%d\t\n", w.Name, a.Total, ratio, float64(a.Total)/float64(w.Objects), strings.Join(named, "\t"), others)
	}
	tw.Flush()
}

// printSchedule compares the scheduled run with the same snapshots
// created at once: how long until all were Ready, and the API server's
// peak load meanwhile.
func printSchedule(out io.Writer, r *Report, s *ScheduleRun) {
	fmt.Fprintf(out, "\nschedule: one run of %q over %d stopped VMs of 1 disk (default spread %.1fs; created +%.1fs to +%.1fs after the run time)\n",
		s.Schedule, s.VMs, s.SpreadSeconds, s.FirstCreatedSeconds, s.LastCreatedSeconds)
	fmt.Fprintln(out, "against the same snapshots created at once; API server load from its /metrics, every client's requests, scraped every second")
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\twhole run s\tpeak req/s\tpeak writes/s\tmean req/s\tmean writes/s\tpeak in-flight read/mutating\tcontroller writes\tper VM\tcontroller peak writes/s\t")
	row := func(name, wall string, a *APIServerLoad, objects int) {
		if a == nil {
			fmt.Fprintf(tw, "%s\t%s\t-\t-\t-\t-\t-\t-\t-\t-\t\n", name, wall)
			return
		}
		perVM := "-"
		if objects > 0 {
			perVM = fmt.Sprintf("%.1f", a.ControllerWrites/float64(objects))
		}
		fmt.Fprintf(tw, "%s\t%s\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f / %.0f\t%.0f\t%s\t%.0f\t\n", name, wall,
			a.PeakRequestsPerSecond, a.PeakWritesPerSecond, a.MeanRequestsPerSecond, a.MeanWritesPerSecond,
			a.PeakInflightReadOnly, a.PeakInflightMutating, a.ControllerWrites, perVM, a.ControllerPeakWritesPerSecond)
	}
	if w := r.workload("schedule-batch"); w != nil {
		row("created at once", fmt.Sprintf("%.2f", w.WallSeconds), w.APIServer, w.Objects)
	}
	if w := r.workload("schedule-run"); w != nil {
		row("scheduled run", fmt.Sprintf("%.2f", w.WallSeconds), w.APIServer, w.Objects)
	}
	if s.Baseline != nil {
		row(fmt.Sprintf("at rest (%.0fs before)", s.Baseline.Seconds), "-", s.Baseline, 0)
	}
	tw.Flush()
	for _, n := range s.Notes {
		fmt.Fprintln(out, "  note:", n)
	}
}

// printGroups compares, per disk count, the disks of running VMs cut one
// by one with the same cut in one VolumeGroupSnapshot.
func printGroups(out io.Writer, g *GroupComparison) {
	fmt.Fprintf(out, "\nconsistency groups: %d running VMs with a guest agent per row, fresh ones per row, snapshotted all at once;\n", g.VMs)
	fmt.Fprintf(out, "Disabled cuts each disk with CreateSnapshot, Required the VM's disks in one CreateVolumeGroupSnapshot (class %s of %s)\n", orDash(g.Class), g.Driver)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "D\tmode\tVMs\twall s\tper-VM med\tp95 ms\tfrozen med\tp95\tmax ms\tcut med\tfreeze->cut med\tcut->thaw med ms\tCreateSnapshot\tgroup calls\twrites/VM\t")
	for _, row := range g.Rows {
		w, f := row.Workload, row.Frozen
		vms := fmt.Sprint(w.Done)
		if w.Done != w.Objects {
			vms = fmt.Sprintf("%d of %d", w.Done, w.Objects)
		}
		if w.TimedOut {
			vms += " (timed out)"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%.2f\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f\t%.1f\t%.0f\t%.0f\t%d\t%d\t%.1f\t\n",
			row.Disks, row.ConsistencyGroup, vms, w.WallSeconds, w.Latency.Median, w.Latency.P95,
			f.Window.Median, f.Window.P95, f.Window.Max, f.Cut.Median, f.FreezeToCut.Median, f.CutToThaw.Median,
			row.Calls.CreateSnapshot, row.Calls.CreateVolumeGroupSnapshot, w.Controller.RequestsPerObject.Writes)
	}
	tw.Flush()
	if ratios := groupRatios(g.Rows); len(ratios) > 0 {
		var parts []string
		for _, q := range ratios {
			parts = append(parts, fmt.Sprintf("D=%d wall %.2fx, frozen median %.2fx", q.Disks, q.Wall, q.Frozen))
		}
		fmt.Fprintf(out, "  Required / Disabled: %s\n", strings.Join(parts, "; "))
	}
	for _, row := range g.Rows {
		what := fmt.Sprintf("D=%d %s", row.Disks, row.ConsistencyGroup)
		f := row.Frozen
		if f.Missing > 0 {
			fmt.Fprintf(out, "  note (%s): %d VMs without exactly one closed frozen window or without a recorded cut call for each disk (or the group)\n", what, f.Missing)
		}
		if f.Outside > 0 {
			fmt.Fprintf(out, "  note (%s): the cut calls of %d VMs did not lie wholly within their frozen window\n", what, f.Outside)
		}
		if row.Calls.Failed > 0 {
			fmt.Fprintf(out, "  note (%s): %d cut calls failed (retried; not counted above)\n", what, row.Calls.Failed)
		}
		for _, p := range row.Problems {
			fmt.Fprintf(out, "  PROBLEM (%s): %s\n", what, p)
		}
		for _, n := range row.Workload.Notes {
			fmt.Fprintf(out, "  note (%s): %s\n", what, n)
		}
	}
	for _, n := range g.Notes {
		fmt.Fprintln(out, "  note:", n)
	}
}

func queueString(adds map[string]float64) string {
	var parts []string
	for name, n := range adds {
		parts = append(parts, fmt.Sprintf("%s %.0f", name, n))
	}
	return strings.Join(parts, ", ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// writeReport writes <stamp>.json and latest.json under dir.
func writeReport(dir, stamp string, r *Report) (string, error) {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", err
	}
	data = append(data, '\n')
	path := filepath.Join(dir, "bench-"+stamp+".json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return "", err
	}
	return path, os.WriteFile(filepath.Join(dir, "latest.json"), data, 0o644)
}

// auditCondition says under which audit setting every figure was taken.
func auditCondition(on bool) string {
	if on {
		return "on, Metadata level for writes (as in production)"
	}
	return "off"
}
