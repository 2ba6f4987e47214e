package schedule

import (
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/controller"
)

// Results of a run for one VM, as the result label of
// vmsnap_schedule_runs_total.
const (
	RunTaken   = "taken"
	RunSkipped = "skipped"
	RunMissed  = "missed"
	RunFailed  = "failed"
)

// Condition types and reasons of a schedule.
const (
	ConditionVMsSuspended = "VMsSuspended"

	ReasonScheduled           = "Scheduled"
	ReasonSuspended           = "Suspended"
	ReasonNothingSelected     = "NothingSelected"
	ReasonInvalidSchedule     = "InvalidSchedule"
	ReasonTooManyVMs          = "TooManyVMs"
	ReasonConsecutiveFailures = "ConsecutiveFailures"
	ReasonNoneSuspended       = "NoneSuspended"
)

// Event reasons.
const (
	EventRunFinished    = "RunFinished"
	EventRunMissed      = "RunMissed"
	EventSnapshotFailed = "SnapshotFailed"
	EventVMSuspended    = "VMSuspended"
	EventNameConflict   = "NameConflict"
	EventPruned         = "Pruned"
)

// spreadPerVM is the default spread: 3s per 100 VMs.
const spreadPerVM = 30 * time.Millisecond

// spreadTick groups the snapshots of a spread run into batches a second
// apart: one sync and one status write per second of the window, not per VM.
const spreadTick = time.Second

// Input is what one sync of a schedule decides from.
type Input struct {
	Schedule *snapshotapi.VirtualMachineSnapshotSchedule
	Cron     Cron
	Now      time.Time
	// VMs are the names of the VMs the selector chooses.
	VMs []string
	// Snapshots are the schedule's own snapshots (its label and UID).
	Snapshots []*snapshotapi.VirtualMachineSnapshot
	// InUse are the names of snapshots an unfinished restore reads.
	InUse sets.Set[string]
	// Lookup finds any snapshot of the namespace by name, ours or not.
	Lookup func(name string) *snapshotapi.VirtualMachineSnapshot
}

// Creation is a snapshot to create for a VM's run.
type Creation struct {
	VM       string
	Snapshot *snapshotapi.VirtualMachineSnapshot
}

// Event is an event to record on the schedule.
type Event struct {
	Type, Reason, Message string
}

// Plan is what a sync does: the snapshots to create and delete, then the
// status to write, the events to record and the runs to count once it is
// written.
type Plan struct {
	Status       snapshotapi.VirtualMachineSnapshotScheduleStatus
	Create       []Creation
	Delete       []*snapshotapi.VirtualMachineSnapshot
	Events       []Event
	Runs         map[string]int
	RequeueAfter time.Duration
}

// planner carries one sync's decisions.
type planner struct {
	Input
	plan   Plan
	wakeAt time.Time
	byVM   map[string][]*snapshotapi.VirtualMachineSnapshot
	// failed and suspended are told in one event each per sync: a run
	// over many VMs would otherwise exceed what the event recorder lets
	// through for one object.
	failed, suspended []string
}

// Decide plans a sync of a schedule whose cron parsed.
func Decide(in Input) Plan {
	p := &planner{Input: in, byVM: map[string][]*snapshotapi.VirtualMachineSnapshot{}}
	p.plan.Runs = map[string]int{}
	for _, s := range in.Snapshots {
		p.byVM[s.Spec.Source.Name] = append(p.byVM[s.Spec.Source.Name], s)
	}
	for _, list := range p.byVM {
		slices.SortFunc(list, func(a, b *snapshotapi.VirtualMachineSnapshot) int { return runTimeOf(a).Compare(runTimeOf(b)) })
	}

	spec := &in.Schedule.Spec
	old := &in.Schedule.Status
	status := &p.plan.Status
	status.LastScheduleTime = old.LastScheduleTime
	status.Conditions = slices.Clone(old.Conditions)
	status.ObservedGeneration = in.Schedule.Generation
	suspended := ptr.Deref(spec.Suspend, false)

	vms := slices.Sorted(slices.Values(in.VMs))
	started := !suspended && p.startRun()

	previous := map[string]snapshotapi.ScheduledVirtualMachine{}
	for _, e := range old.VirtualMachines {
		previous[e.Name] = e
	}
	for i, vm := range vms {
		e, seen := previous[vm]
		if !seen {
			e = snapshotapi.ScheduledVirtualMachine{Name: vm, SelectedSince: ptr.To(metav1.NewTime(in.Now))}
			if started {
				// Selected for the run that starts now.
				e.SelectedSince = status.LastScheduleTime.DeepCopy()
			}
		}
		if e.Suspended && (suspended || in.Schedule.Generation != e.SuspendedGeneration) {
			// A changed spec gives a VM left out after failures another
			// try; so does suspending the schedule, the change a user
			// makes to say "I fixed it".
			e.Suspended, e.SuspendedGeneration, e.ConsecutiveFailures = false, 0, 0
		}
		p.countOutcomes(&e)
		if !suspended && status.LastScheduleTime != nil {
			p.runFor(&e, i, len(vms))
		}
		p.prune(&e)
		status.VirtualMachines = append(status.VirtualMachines, e)
		if e.Suspended || e.ConsecutiveFailures > 0 {
			status.FailingVMs++
		}
	}
	status.SelectedVMs = int32(len(vms))
	if len(p.failed) > 0 {
		p.event(corev1.EventTypeWarning, EventSnapshotFailed, "%d scheduled snapshots failed: %s", len(p.failed), Listed(p.failed, 5))
	}
	if len(p.suspended) > 0 {
		p.event(corev1.EventTypeWarning, EventVMSuspended,
			"%d VMs are left out of this schedule's runs after %d failed snapshots in a row: %s; fix the cause, then change the schedule's spec (set suspend and back) to resume them",
			len(p.suspended), ptr.Deref(p.Schedule.Spec.MaxConsecutiveFailures, 3), Listed(p.suspended, 10))
	}
	p.runEvent(old)

	if !suspended {
		if next := p.nextRun(); !next.IsZero() {
			status.NextScheduleTime = ptr.To(metav1.NewTime(next))
			p.wake(next)
		}
	}
	p.setConditions(suspended, len(vms))
	if !p.wakeAt.IsZero() {
		p.plan.RequeueAfter = max(p.wakeAt.Sub(in.Now), time.Millisecond)
	}
	return p.plan
}

// startRun moves lastScheduleTime to the latest run due, if there is a new
// one, and reports whether it did. Only the latest run is ever taken: runs
// passed over while the controller was down (or the schedule suspended) are
// counted as missed. Whether the latest is still in time is decided per VM,
// at its turn in the spread. A run with no VM selected passes unnoticed.
func (p *planner) startRun() bool {
	status := &p.plan.Status
	after := p.Schedule.CreationTimestamp.Time
	if status.LastScheduleTime != nil {
		after = status.LastScheduleTime.Time
	}
	latest, passedOver, ok := p.Cron.MostRecent(after, p.Now)
	if !ok {
		return false
	}
	status.LastScheduleTime = ptr.To(metav1.NewTime(latest))
	if passedOver > 0 && len(p.VMs) > 0 {
		p.plan.Runs[RunMissed] += passedOver * len(p.VMs)
		p.event(corev1.EventTypeWarning, EventRunMissed, "Passed over %d runs before the run of %s (the controller was down or the schedule suspended): only the latest is taken",
			passedOver, stamp(latest))
	}
	return true
}

// nextRun is the first run after now, counted from the runs before it: an
// "@every" schedule runs at fixed steps from its first run, whenever the
// controller looks.
func (p *planner) nextRun() time.Time {
	from := p.Schedule.CreationTimestamp.Time
	if last := p.plan.Status.LastScheduleTime; last != nil {
		from = last.Time
	}
	if latest, _, ok := p.Cron.MostRecent(from, p.Now); ok {
		from = latest
	}
	return p.Cron.Next(from)
}

func (p *planner) tooLate(late time.Duration) bool {
	d := p.Schedule.Spec.StartingDeadlineSeconds
	return d != nil && late > time.Duration(*d)*time.Second
}

// runFor takes the current run for one VM, once its turn in the spread has
// come. A VM selected after the run started waits for the next one: a
// thousand VMs labelled at once must not all be snapshotted at once.
func (p *planner) runFor(e *snapshotapi.ScheduledVirtualMachine, index, count int) {
	run := p.plan.Status.LastScheduleTime.Time
	if e.LastRunTime != nil && !e.LastRunTime.Time.Before(run) {
		return
	}
	if e.SelectedSince != nil && e.SelectedSince.Time.After(run) {
		return
	}
	due := run.Add(spreadOffset(p.Schedule.Spec.Spread, index, count))
	if p.Now.Before(due) {
		p.wake(due)
		return
	}
	result := snapshotapi.ScheduleRunTaken
	name := SnapshotName(p.Schedule.Name, e.Name, run)
	switch {
	case p.tooLate(p.Now.Sub(due)):
		result = snapshotapi.ScheduleRunMissed
		p.plan.Runs[RunMissed]++
	case e.Suspended:
		result = snapshotapi.ScheduleRunSuspended
	case p.inProgress(e.Name, name) != "":
		result = snapshotapi.ScheduleRunSkipped
		p.plan.Runs[RunSkipped]++
	default:
		existing := p.Lookup(name)
		switch {
		case existing == nil:
			p.plan.Create = append(p.plan.Create, Creation{VM: e.Name, Snapshot: p.newSnapshot(e.Name, name, run)})
			p.plan.Runs[RunTaken]++
		case TakenBy(existing, p.Schedule):
			// Made by a sync whose status write was lost: counted now.
			p.plan.Runs[RunTaken]++
		default:
			result = snapshotapi.ScheduleRunSkipped
			p.plan.Runs[RunSkipped]++
			p.event(corev1.EventTypeWarning, EventNameConflict, "%s", nameConflict(e.Name, name, run))
		}
		if result == snapshotapi.ScheduleRunTaken {
			e.LastSnapshotName = name
		}
	}
	e.LastRunTime, e.LastRunResult = ptr.To(metav1.NewTime(run)), result
}

// inProgress names the VM's unfinished scheduled snapshot, other than this
// run's own, if it has one.
func (p *planner) inProgress(vm, except string) string {
	for _, s := range p.byVM[vm] {
		if s.Name != except && s.DeletionTimestamp == nil && !finished(s) {
			return s.Name
		}
	}
	return ""
}

// countOutcomes counts the VM's snapshots that finished since the last
// counted one, oldest first: a Ready one ends a run of failures, a Failed
// one adds to it, and enough of them suspend the VM.
func (p *planner) countOutcomes(e *snapshotapi.ScheduledVirtualMachine) {
	e.LastSuccessfulSnapshotName, e.LastSuccessfulTime = "", nil
	for _, s := range p.byVM[e.Name] {
		run := runTimeOf(s)
		if s.Status.Phase == snapshotapi.SnapshotReady {
			e.LastSuccessfulSnapshotName, e.LastSuccessfulTime = s.Name, cutTime(s)
		}
		if !finished(s) || (e.LastFinishedRunTime != nil && !run.After(e.LastFinishedRunTime.Time)) {
			continue
		}
		e.LastFinishedRunTime = ptr.To(metav1.NewTime(run))
		if s.Status.Phase == snapshotapi.SnapshotReady {
			e.ConsecutiveFailures = 0
			continue
		}
		e.ConsecutiveFailures++
		p.plan.Runs[RunFailed]++
		p.failed = append(p.failed, fmt.Sprintf("%s of VM %s (%d in a row): %s", s.Name, e.Name, e.ConsecutiveFailures, errorMessage(s)))
	}
	limit := ptr.Deref(p.Schedule.Spec.MaxConsecutiveFailures, 3)
	if !e.Suspended && limit > 0 && e.ConsecutiveFailures >= limit {
		e.Suspended, e.SuspendedGeneration = true, p.Schedule.Generation
		p.suspended = append(p.suspended, e.Name)
	}
}

// prune deletes the VM's snapshots that retention no longer keeps. It never
// deletes the newest Ready one, one in progress, or one a restore reads.
func (p *planner) prune(e *snapshotapi.ScheduledVirtualMachine) {
	retention := &p.Schedule.Spec.Retention
	var ready, failed []*snapshotapi.VirtualMachineSnapshot
	for _, s := range slices.Backward(p.byVM[e.Name]) { // newest first
		switch s.Status.Phase {
		case snapshotapi.SnapshotReady:
			ready = append(ready, s)
		case snapshotapi.SnapshotFailed:
			failed = append(failed, s)
		}
	}
	remove := func(s *snapshotapi.VirtualMachineSnapshot) {
		if s.DeletionTimestamp == nil && !p.InUse.Has(s.Name) {
			p.plan.Delete = append(p.plan.Delete, s)
		}
	}
	for i, s := range ready {
		if i == 0 {
			continue // the newest good one is the VM's recovery point
		}
		if retention.MaxCount != nil && i >= int(*retention.MaxCount) {
			remove(s)
			continue
		}
		if retention.MaxAge != nil {
			expires := cutTime(s).Add(retention.MaxAge.Duration)
			if !p.Now.Before(expires) {
				remove(s)
				continue
			}
			p.wake(expires)
		}
	}
	for i, s := range failed {
		if i >= int(ptr.Deref(retention.MaxFailed, 3)) {
			remove(s)
		}
	}
}

// runEvent tells, once every selected VM has had its turn in the current
// run, what the run did.
func (p *planner) runEvent(old *snapshotapi.VirtualMachineSnapshotScheduleStatus) {
	status := &p.plan.Status
	if status.LastScheduleTime == nil || len(status.VirtualMachines) == 0 {
		return
	}
	run := status.LastScheduleTime.Time
	before := map[string]bool{}
	for _, e := range old.VirtualMachines {
		before[e.Name] = e.LastRunTime != nil && e.LastRunTime.Time.Equal(run)
	}
	counts := map[snapshotapi.ScheduleRunResult]int{}
	changed := false
	for _, e := range status.VirtualMachines {
		if e.LastRunTime == nil || !e.LastRunTime.Time.Equal(run) {
			if e.SelectedSince == nil || !e.SelectedSince.Time.After(run) {
				return // the run is not over yet
			}
			continue
		}
		counts[e.LastRunResult]++
		changed = changed || !before[e.Name]
	}
	if !changed {
		return
	}
	eventType := corev1.EventTypeNormal
	if counts[snapshotapi.ScheduleRunTaken] < len(status.VirtualMachines) {
		eventType = corev1.EventTypeWarning
	}
	p.event(eventType, EventRunFinished, "Run of %s: %d snapshots taken, %d skipped (the previous one still in progress), %d missed, %d VMs suspended",
		stamp(run), counts[snapshotapi.ScheduleRunTaken], counts[snapshotapi.ScheduleRunSkipped], counts[snapshotapi.ScheduleRunMissed], counts[snapshotapi.ScheduleRunSuspended])
}

func (p *planner) setConditions(suspended bool, selected int) {
	status := &p.plan.Status
	now := metav1.NewTime(p.Now)
	generation := p.Schedule.Generation
	switch {
	case suspended:
		controller.SetCondition(&status.Conditions, snapshotapi.ConditionReady, metav1.ConditionFalse, ReasonSuspended,
			"the schedule is suspended: no new runs", generation, now)
	case selected == 0:
		controller.SetCondition(&status.Conditions, snapshotapi.ConditionReady, metav1.ConditionFalse, ReasonNothingSelected,
			"the selector chooses no VM of the namespace (an empty selector chooses none)", generation, now)
	default:
		controller.SetCondition(&status.Conditions, snapshotapi.ConditionReady, metav1.ConditionTrue, ReasonScheduled,
			fmt.Sprintf("%d VMs are snapshotted on schedule %q", selected, p.Schedule.Spec.Schedule), generation, now)
	}
	var names []string
	for _, e := range status.VirtualMachines {
		if e.Suspended {
			names = append(names, e.Name)
		}
	}
	if len(names) == 0 {
		controller.SetCondition(&status.Conditions, ConditionVMsSuspended, metav1.ConditionFalse, ReasonNoneSuspended,
			"no VM is suspended after failures", generation, now)
		return
	}
	list := Listed(names, 10)
	controller.SetCondition(&status.Conditions, ConditionVMsSuspended, metav1.ConditionTrue, ReasonConsecutiveFailures,
		fmt.Sprintf("%d VMs are left out after %d failed snapshots in a row: %s; fix the cause, then change the schedule's spec (set suspend and back) to resume them",
			len(names), ptr.Deref(p.Schedule.Spec.MaxConsecutiveFailures, 3), list), generation, now)
}

// newSnapshot is the snapshot of a VM for a run, made from the template.
func (p *planner) newSnapshot(vm, name string, run time.Time) *snapshotapi.VirtualMachineSnapshot {
	sched := p.Schedule
	t := &sched.Spec.Template
	labels := map[string]string{}
	for k, v := range t.Metadata.Labels {
		labels[k] = v
	}
	labels[snapshotapi.LabelSchedule] = sched.Name
	labels[snapshotapi.LabelScheduledVM] = VMLabelValue(vm)
	annotations := map[string]string{}
	for k, v := range t.Metadata.Annotations {
		annotations[k] = v
	}
	annotations[snapshotapi.AnnotationScheduleUID] = string(sched.UID)
	annotations[snapshotapi.AnnotationScheduleTime] = run.UTC().Format(time.RFC3339)
	return &snapshotapi.VirtualMachineSnapshot{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: sched.Namespace, Labels: labels, Annotations: annotations},
		Spec: snapshotapi.VirtualMachineSnapshotSpec{
			Source:                corev1.TypedLocalObjectReference{APIGroup: ptr.To("kubevirt.io"), Kind: "VirtualMachine", Name: vm},
			FailureDeadline:       t.FailureDeadline,
			RequiredConsistency:   t.RequiredConsistency,
			VolumeSnapshotClasses: t.VolumeSnapshotClasses,
			KeepIPAddress:         t.KeepIPAddress,
			DeletionPolicy:        t.DeletionPolicy,
			VolumeSelection:       t.VolumeSelection,
			ConsistencyGroup:      t.ConsistencyGroup,
		},
	}
}

func (p *planner) wake(t time.Time) {
	if p.wakeAt.IsZero() || t.Before(p.wakeAt) {
		p.wakeAt = t
	}
}

func (p *planner) event(eventType, reason, format string, args ...any) {
	p.plan.Events = append(p.plan.Events, Event{Type: eventType, Reason: reason, Message: fmt.Sprintf(format, args...)})
}

// spreadOffset is how long after the run's time the VM at index of count
// takes its snapshot: the spread window shared evenly in one-second steps.
func spreadOffset(spread *metav1.Duration, index, count int) time.Duration {
	window := spreadWindow(spread, count)
	if count <= 1 || window <= 0 {
		return 0
	}
	offset := time.Duration(int64(window) * int64(index) / int64(count))
	return offset.Truncate(spreadTick)
}

// Listed joins at most shown items, and says how many more there are.
func Listed(items []string, shown int) string {
	list := strings.Join(items[:min(len(items), shown)], "; ")
	if len(items) > shown {
		list += fmt.Sprintf("; and %d more", len(items)-shown)
	}
	return list
}

// spreadWindow is the spread of a run over count VMs.
func spreadWindow(spread *metav1.Duration, count int) time.Duration {
	if spread != nil {
		return spread.Duration
	}
	return time.Duration(count) * spreadPerVM
}

func finished(s *snapshotapi.VirtualMachineSnapshot) bool {
	return s.Status.Phase == snapshotapi.SnapshotReady || s.Status.Phase == snapshotapi.SnapshotFailed
}

// runTimeOf is the run a snapshot was taken for; its creation for one
// whose annotation was tampered with.
func runTimeOf(s *snapshotapi.VirtualMachineSnapshot) time.Time {
	if t, ok := RunTime(s); ok {
		return t
	}
	return s.CreationTimestamp.Time
}

// cutTime is a Ready snapshot's point in time.
func cutTime(s *snapshotapi.VirtualMachineSnapshot) *metav1.Time {
	if s.Status.CreationTime != nil {
		return s.Status.CreationTime
	}
	return ptr.To(metav1.NewTime(runTimeOf(s)))
}

func errorMessage(s *snapshotapi.VirtualMachineSnapshot) string {
	if s.Status.Error != nil && s.Status.Error.Message != nil {
		return *s.Status.Error.Message
	}
	if r := controller.ReadyReason(s.Status.Conditions); r != "" {
		return r
	}
	return "no error recorded"
}

// nameConflict tells why a VM was not snapshotted for a run.
func nameConflict(vm, name string, run time.Time) string {
	return fmt.Sprintf("VM %s was not snapshotted for the run of %s: a VirtualMachineSnapshot %s that this schedule did not create holds the name", vm, stamp(run), name)
}

func stamp(t time.Time) string {
	return t.UTC().Format(time.RFC3339)
}
