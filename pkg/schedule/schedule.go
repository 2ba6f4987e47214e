// Package schedule is the VirtualMachineSnapshotSchedule controller.
//
// A schedule's next run is a requeue at its time; there is no polling loop:
//
//	schedule, VM and scheduled-snapshot events ─► schedule key ─► Decide ─►
//	    create this run's snapshots (spread over a window), prune by retention,
//	    write status, record events, count runs
//
// Snapshots are named after the schedule, the VM and the run time, so a
// controller that restarts mid-run creates the missing ones and never a
// second of any. They carry the schedule's label and UID and are owned by
// nothing: deleting the schedule keeps them unless its deletionPolicy is
// Delete.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
	vmsnapclient "vmsnap.io/client-go/clientset/versioned"
	vmsnapinformers "vmsnap.io/client-go/informers/externalversions/snapshot/v1alpha1"
	vmsnaplisters "vmsnap.io/client-go/listers/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/controller"
	"vmsnap.io/vmsnap/pkg/kubevirtinformers"
	"vmsnap.io/vmsnap/pkg/metrics"
)

// ControllerName names the controller's queue, logs and metrics.
const ControllerName = "vmsnapshotschedule"

// FinalizerSnapshots holds a schedule whose deletionPolicy is Delete until
// its snapshots are deleted.
const FinalizerSnapshots = "snapshot.vmsnap.io/schedule-snapshots"

// DefaultMinInterval is the shortest "@every" a schedule may use.
const DefaultMinInterval = time.Minute

// waitForAPI is how often a schedule looks again while the VM API is not
// served or its cache has not synced; and while its deletion waits for a
// restore to finish reading one of its snapshots.
const waitForAPI = 10 * time.Second

const indexBySchedule = "bySchedule"

// MaxVMs is the most VMs one schedule takes: its status holds an entry of
// some 400 bytes for each, and an object must stay well under the API
// server's 1.5 MiB.
const MaxVMs = 2500

// Config is what the controller is built from.
type Config struct {
	Client          vmsnapclient.Interface
	Schedules       vmsnapinformers.VirtualMachineSnapshotScheduleInformer
	Snapshots       vmsnapinformers.VirtualMachineSnapshotInformer
	Restores        vmsnapinformers.VirtualMachineRestoreInformer
	KubeVirtFactory *kubevirtinformers.Factory
	Recorder        record.EventRecorder
	Clock           clock.Clock
	Queue           workqueue.TypedRateLimitingInterface[string]
	Metrics         *metrics.ScheduleRuns
	// MinInterval is the shortest "@every" accepted (DefaultMinInterval
	// when zero); tests lower it to run schedules in seconds.
	MinInterval time.Duration
}

// Controller runs VirtualMachineSnapshotSchedules.
type Controller struct {
	cfg       Config
	schedules vmsnaplisters.VirtualMachineSnapshotScheduleLister
	snapshots vmsnaplisters.VirtualMachineSnapshotLister
	indexer   cache.Indexer
	restores  vmsnaplisters.VirtualMachineRestoreLister
	vms       cache.SharedIndexInformer
	// vmsSynced reports whether the VM cache can be trusted: the API is
	// served and the informer synced.
	vmsSynced func() bool
	synced    []cache.InformerSynced
	written   *controller.Written[*snapshotapi.VirtualMachineSnapshotSchedule]
	pending   *controller.Progress
}

// New builds the controller and registers its informer handlers.
func New(cfg Config) (*Controller, error) {
	if cfg.MinInterval == 0 {
		cfg.MinInterval = DefaultMinInterval
	}
	c := &Controller{
		cfg:       cfg,
		schedules: cfg.Schedules.Lister(),
		snapshots: cfg.Snapshots.Lister(),
		indexer:   cfg.Snapshots.Informer().GetIndexer(),
		restores:  cfg.Restores.Lister(),
		vms:       cfg.KubeVirtFactory.VirtualMachines(),
		synced:    []cache.InformerSynced{cfg.Schedules.Informer().HasSynced, cfg.Snapshots.Informer().HasSynced, cfg.Restores.Informer().HasSynced},
		written:   controller.NewWritten[*snapshotapi.VirtualMachineSnapshotSchedule](),
		pending:   controller.NewProgress(),
	}
	c.vmsSynced = func() bool { return cfg.KubeVirtFactory.HasSynced(kubevirtinformers.VirtualMachinesResource) }
	if err := cfg.Snapshots.Informer().AddIndexers(cache.Indexers{indexBySchedule: indexSnapshotBySchedule}); err != nil {
		return nil, err
	}
	if _, err := cfg.Schedules.Informer().AddEventHandler(controller.EnqueueHandler(cfg.Queue)); err != nil {
		return nil, err
	}
	// A scheduled snapshot that moves on changes its schedule's status.
	if _, err := cfg.Snapshots.Informer().AddEventHandler(controller.HandlerFor(func(obj interface{}) {
		if s, ok := obj.(*snapshotapi.VirtualMachineSnapshot); ok && s.Labels[snapshotapi.LabelSchedule] != "" {
			cfg.Queue.Add(s.Namespace + "/" + s.Labels[snapshotapi.LabelSchedule])
		}
	})); err != nil {
		return nil, err
	}
	// A VM that appears, goes, or is relabelled may change what the
	// namespace's schedules select.
	if _, err := c.vms.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueueSchedulesOf,
		DeleteFunc: controller.Unwrapped(c.enqueueSchedulesOf),
		UpdateFunc: func(old, obj interface{}) {
			o, ok1 := old.(*kubevirtv1.VirtualMachine)
			n, ok2 := obj.(*kubevirtv1.VirtualMachine)
			if !ok1 || !ok2 || !equality.Semantic.DeepEqual(o.Labels, n.Labels) {
				c.enqueueSchedulesOf(obj)
			}
		},
	}); err != nil {
		return nil, err
	}
	// A restore that finishes may free a snapshot retention kept for it.
	_, err := cfg.Restores.Informer().AddEventHandler(controller.HandlerFor(func(obj interface{}) {
		if r, ok := obj.(*snapshotapi.VirtualMachineRestore); ok && finishedRestore(r) {
			if s, err := c.snapshots.VirtualMachineSnapshots(r.Namespace).Get(r.Spec.VirtualMachineSnapshotName); err == nil && s.Labels[snapshotapi.LabelSchedule] != "" {
				cfg.Queue.Add(s.Namespace + "/" + s.Labels[snapshotapi.LabelSchedule])
			}
		}
	}))
	return c, err
}

func indexSnapshotBySchedule(obj interface{}) ([]string, error) {
	s, ok := obj.(*snapshotapi.VirtualMachineSnapshot)
	if !ok || s.Labels[snapshotapi.LabelSchedule] == "" {
		return nil, nil
	}
	return []string{s.Namespace + "/" + s.Labels[snapshotapi.LabelSchedule]}, nil
}

func (c *Controller) enqueueSchedulesOf(obj interface{}) {
	vm, ok := obj.(metav1.Object)
	if !ok {
		return
	}
	list, err := c.schedules.VirtualMachineSnapshotSchedules(vm.GetNamespace()).List(labels.Everything())
	if err != nil {
		return
	}
	for _, s := range list {
		c.cfg.Queue.Add(s.Namespace + "/" + s.Name)
	}
}

// Run starts the workers and blocks until ctx is done.
func (c *Controller) Run(ctx context.Context, workers int) {
	if !cache.WaitForNamedCacheSyncWithContext(ctx, c.synced...) {
		return
	}
	controller.Run(ctx, ControllerName, c.cfg.Queue, workers, c.sync)
}

func (c *Controller) sync(ctx context.Context, key string) (time.Duration, error) {
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	cached, err := c.schedules.VirtualMachineSnapshotSchedules(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		c.written.Forget(key)
		c.pending.Done(key)
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	sched := c.written.Latest(key, cached).DeepCopy()
	if sched.DeletionTimestamp != nil {
		return c.finalize(ctx, sched)
	}
	if patched, err := c.keepFinalizer(ctx, sched); err != nil || patched {
		// The patch's own event brings the schedule back, with a cache
		// that shows it.
		return 0, err
	}
	now := c.cfg.Clock.Now()
	parsed, err := ParseCron(sched.Spec.Schedule, sched.Spec.TimeZone, c.cfg.MinInterval)
	if err != nil {
		return 0, c.refuse(ctx, key, cached, sched, ReasonInvalidSchedule, err.Error(), now)
	}
	if err := validTemplateMetadata(&sched.Spec.Template.Metadata); err != nil {
		return 0, c.refuse(ctx, key, cached, sched, ReasonInvalidSchedule, err.Error(), now)
	}
	vms, err := c.selected(sched)
	if err != nil {
		return 0, c.refuse(ctx, key, cached, sched, ReasonInvalidSchedule, fmt.Sprintf("selector: %v", err), now)
	}
	if !c.vmsSynced() {
		return waitForAPI, nil
	}
	if len(vms) > MaxVMs {
		return 0, c.refuse(ctx, key, cached, sched, ReasonTooManyVMs,
			fmt.Sprintf("the selector chooses %d VMs; a schedule takes at most %d: split it into several schedules with narrower selectors", len(vms), MaxVMs), now)
	}

	plan := Decide(Input{
		Schedule:  sched,
		Cron:      parsed,
		Now:       now,
		VMs:       vms,
		Snapshots: c.own(sched),
		InUse:     c.inUse(namespace),
		Lookup: func(name string) *snapshotapi.VirtualMachineSnapshot {
			s, _ := c.snapshots.VirtualMachineSnapshots(namespace).Get(name)
			return s
		},
	})
	errs := c.create(ctx, sched, &plan)
	errs = append(errs, c.prune(ctx, sched, plan.Delete)...)

	wait, err := c.writeStatus(ctx, key, cached, sched, plan.Status, now)
	if err != nil {
		return 0, errors.Join(append(errs, err)...)
	}
	if wait == 0 {
		for _, e := range plan.Events {
			c.cfg.Recorder.Event(sched, e.Type, e.Reason, e.Message)
		}
		for result, n := range plan.Runs {
			c.cfg.Metrics.Add(result, n)
		}
	}
	return controller.Sooner(plan.RequeueAfter, wait), errors.Join(errs...)
}

// createWorkers is how many of a run's creates are in flight at once: a
// batch of the spread is created in about one round trip's time, not one
// round trip per VM, and never more at once than this.
const createWorkers = 16

// createOutcome is what one create came to.
type createOutcome int

const (
	createdOne createOutcome = iota
	nameTaken
	createFailed
)

// create creates the run's snapshots, createWorkers at a time. A create
// that fails puts the VM's entry back as it was, so the next sync tries
// again; a name taken by a snapshot the schedule did not create is never
// adopted.
func (c *Controller) create(ctx context.Context, sched *snapshotapi.VirtualMachineSnapshotSchedule, plan *Plan) []error {
	outcomes := make([]createOutcome, len(plan.Create))
	errs := make([]error, len(plan.Create))
	workqueue.ParallelizeUntil(ctx, createWorkers, len(plan.Create), func(i int) {
		outcomes[i], errs[i] = c.createOne(ctx, sched, plan.Create[i])
	})
	var failed []error
	for i, cr := range plan.Create {
		switch outcomes[i] {
		case nameTaken:
			c.cfg.Recorder.Event(sched, corev1.EventTypeWarning, EventNameConflict, nameConflict(cr.VM, cr.Snapshot.Name, runTimeOf(cr.Snapshot)))
			setResult(plan, cr.VM, snapshotapi.ScheduleRunSkipped, "")
			plan.Runs[RunTaken]--
			plan.Runs[RunSkipped]++
		case createFailed:
			failed = append(failed, fmt.Errorf("creating snapshot %s of VM %s: %w", cr.Snapshot.Name, cr.VM, errs[i]))
			restoreEntry(plan, sched, cr.VM)
			plan.Runs[RunTaken]--
		}
	}
	return failed
}

func (c *Controller) createOne(ctx context.Context, sched *snapshotapi.VirtualMachineSnapshotSchedule, cr Creation) (createOutcome, error) {
	client := c.cfg.Client.SnapshotV1alpha1().VirtualMachineSnapshots(sched.Namespace)
	_, err := client.Create(ctx, cr.Snapshot, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		existing, getErr := client.Get(ctx, cr.Snapshot.Name, metav1.GetOptions{})
		switch {
		case getErr != nil:
			err = getErr
		case TakenBy(existing, sched):
			err = nil // ours, created by an earlier sync whose answer was lost
		default:
			return nameTaken, nil
		}
	}
	if err != nil {
		return createFailed, err
	}
	klog.FromContext(ctx).V(2).Info("Created scheduled snapshot", "schedule", klog.KObj(sched), "snapshot", cr.Snapshot.Name, "vm", cr.VM)
	return createdOne, nil
}

func setResult(plan *Plan, vm string, result snapshotapi.ScheduleRunResult, snapshot string) {
	for i := range plan.Status.VirtualMachines {
		if e := &plan.Status.VirtualMachines[i]; e.Name == vm {
			e.LastRunResult, e.LastSnapshotName = result, snapshot
		}
	}
}

// restoreEntry puts a VM's run bookkeeping back to the stored status.
func restoreEntry(plan *Plan, sched *snapshotapi.VirtualMachineSnapshotSchedule, vm string) {
	var old snapshotapi.ScheduledVirtualMachine
	for _, e := range sched.Status.VirtualMachines {
		if e.Name == vm {
			old = e
		}
	}
	for i := range plan.Status.VirtualMachines {
		if e := &plan.Status.VirtualMachines[i]; e.Name == vm {
			e.LastRunTime, e.LastRunResult, e.LastSnapshotName = old.LastRunTime, old.LastRunResult, old.LastSnapshotName
		}
	}
}

// prune deletes snapshots retention no longer keeps, each only if it is
// still the object that was planned for deletion.
func (c *Controller) prune(ctx context.Context, sched *snapshotapi.VirtualMachineSnapshotSchedule, snapshots []*snapshotapi.VirtualMachineSnapshot) []error {
	var errs []error
	var deleted []string
	for _, s := range snapshots {
		err := c.deleteSnapshot(ctx, s)
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			errs = append(errs, fmt.Errorf("deleting snapshot %s: %w", s.Name, err))
		default:
			deleted = append(deleted, s.Name)
		}
	}
	if len(deleted) > 0 {
		c.cfg.Recorder.Eventf(sched, corev1.EventTypeNormal, EventPruned, "Deleted %d snapshots that retention no longer keeps: %s", len(deleted), Listed(deleted, 10))
	}
	return errs
}

func (c *Controller) deleteSnapshot(ctx context.Context, s *snapshotapi.VirtualMachineSnapshot) error {
	return c.cfg.Client.SnapshotV1alpha1().VirtualMachineSnapshots(s.Namespace).Delete(ctx, s.Name,
		metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: ptr.To(s.UID)}})
}

// writeStatus writes a changed status. A change that only tells of
// snapshots that became Ready waits up to controller.ProgressInterval, so
// that a run over many VMs costs a few status writes, not one per VM; it
// returns how long.
func (c *Controller) writeStatus(ctx context.Context, key string, cached, sched *snapshotapi.VirtualMachineSnapshotSchedule,
	status snapshotapi.VirtualMachineSnapshotScheduleStatus, now time.Time,
) (time.Duration, error) {
	if equality.Semantic.DeepEqual(sched.Status, status) {
		c.pending.Done(key)
		return 0, nil
	}
	if !urgent(&sched.Status, &status) {
		if wait := c.pending.Wait(key, now, true); wait > 0 {
			return wait, nil
		}
	}
	sched.Status = status
	updated, err := c.cfg.Client.SnapshotV1alpha1().VirtualMachineSnapshotSchedules(sched.Namespace).UpdateStatus(ctx, sched, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	c.written.Store(key, cached.ResourceVersion, updated)
	c.pending.Done(key)
	return 0, nil
}

// urgent reports whether a status change is one to write at once: anything
// but snapshots that became Ready (and the failure counts they reset).
func urgent(old, status *snapshotapi.VirtualMachineSnapshotScheduleStatus) bool {
	a, b := old.DeepCopy(), status.DeepCopy()
	oldFailures := map[string]int32{}
	for _, s := range []*snapshotapi.VirtualMachineSnapshotScheduleStatus{a, b} {
		for i := range s.VirtualMachines {
			e := &s.VirtualMachines[i]
			e.LastSuccessfulSnapshotName, e.LastSuccessfulTime, e.LastFinishedRunTime = "", nil, nil
			if s == a {
				oldFailures[e.Name] = e.ConsecutiveFailures
			} else if e.ConsecutiveFailures < oldFailures[e.Name] {
				e.ConsecutiveFailures = oldFailures[e.Name]
			}
		}
		s.FailingVMs = 0
		s.Conditions = nil
	}
	return !equality.Semantic.DeepEqual(a, b) ||
		!equality.Semantic.DeepEqual(conditionStatuses(old.Conditions), conditionStatuses(status.Conditions))
}

func conditionStatuses(conditions []metav1.Condition) map[string]string {
	out := map[string]string{}
	for _, c := range conditions {
		out[c.Type] = string(c.Status) + "/" + c.Reason + "/" + c.Message
	}
	return out
}

// refuse reports a schedule that cannot run: its cron, time zone or
// selector is invalid.
func (c *Controller) refuse(ctx context.Context, key string, cached, sched *snapshotapi.VirtualMachineSnapshotSchedule, reason, message string, now time.Time) error {
	status := *sched.Status.DeepCopy()
	status.NextScheduleTime = nil
	status.ObservedGeneration = sched.Generation
	controller.SetCondition(&status.Conditions, snapshotapi.ConditionReady, metav1.ConditionFalse, reason, message, sched.Generation, metav1.NewTime(now))
	if equality.Semantic.DeepEqual(sched.Status, status) {
		return nil
	}
	if _, err := c.writeStatus(ctx, key, cached, sched, status, now); err != nil {
		return err
	}
	c.cfg.Recorder.Event(sched, corev1.EventTypeWarning, reason, message)
	return nil
}

// validTemplateMetadata checks the labels and annotations every snapshot
// will carry: one invalid key would fail every create of every run.
func validTemplateMetadata(m *snapshotapi.ScheduledSnapshotMetadata) error {
	var problems []string
	for k, v := range m.Labels {
		for _, msg := range append(validation.IsQualifiedName(k), validation.IsValidLabelValue(v)...) {
			problems = append(problems, fmt.Sprintf("template.metadata.labels[%q]: %s", k, msg))
		}
	}
	for k := range m.Annotations {
		for _, msg := range validation.IsQualifiedName(strings.ToLower(k)) {
			problems = append(problems, fmt.Sprintf("template.metadata.annotations[%q]: %s", k, msg))
		}
	}
	if len(problems) == 0 {
		return nil
	}
	slices.Sort(problems)
	return errors.New(strings.Join(problems, "; "))
}

// selected lists the names of the VMs the selector chooses; an empty
// selector chooses none.
func (c *Controller) selected(sched *snapshotapi.VirtualMachineSnapshotSchedule) ([]string, error) {
	sel := &sched.Spec.Selector
	if len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0 {
		return nil, nil
	}
	selector, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return nil, err
	}
	objs, err := c.vms.GetIndexer().ByIndex(cache.NamespaceIndex, sched.Namespace)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, obj := range objs {
		if vm, ok := obj.(*kubevirtv1.VirtualMachine); ok && vm.DeletionTimestamp == nil && selector.Matches(labels.Set(vm.Labels)) {
			names = append(names, vm.Name)
		}
	}
	slices.Sort(names)
	return names, nil
}

// own lists the schedule's own snapshots: its label, and its UID, which no
// other schedule of the name (a deleted one's, retained) has.
func (c *Controller) own(sched *snapshotapi.VirtualMachineSnapshotSchedule) []*snapshotapi.VirtualMachineSnapshot {
	objs, _ := c.indexer.ByIndex(indexBySchedule, sched.Namespace+"/"+sched.Name)
	var out []*snapshotapi.VirtualMachineSnapshot
	for _, obj := range objs {
		if s, ok := obj.(*snapshotapi.VirtualMachineSnapshot); ok && TakenBy(s, sched) && s.Spec.Source.Kind == "VirtualMachine" {
			out = append(out, s)
		}
	}
	return out
}

// inUse names the snapshots that unfinished restores of the namespace read.
func (c *Controller) inUse(namespace string) sets.Set[string] {
	names := sets.New[string]()
	restores, _ := c.restores.VirtualMachineRestores(namespace).List(labels.Everything())
	for _, r := range restores {
		if !finishedRestore(r) {
			names.Insert(r.Spec.VirtualMachineSnapshotName)
		}
	}
	return names
}

func finishedRestore(r *snapshotapi.VirtualMachineRestore) bool {
	return r.DeletionTimestamp == nil && (r.Status.Phase == snapshotapi.RestoreReady || r.Status.Phase == snapshotapi.RestoreFailed)
}

// keepFinalizer holds the schedule with a finalizer while its deletionPolicy
// is Delete, and lets go of it otherwise.
func (c *Controller) keepFinalizer(ctx context.Context, sched *snapshotapi.VirtualMachineSnapshotSchedule) (bool, error) {
	want := sched.Spec.DeletionPolicy == snapshotapi.DeletionPolicyDelete
	patch, needed := controller.FinalizerPatch(sched, FinalizerSnapshots, want)
	if !needed {
		return false, nil
	}
	_, err := c.cfg.Client.SnapshotV1alpha1().VirtualMachineSnapshotSchedules(sched.Namespace).Patch(ctx, sched.Name, types.JSONPatchType, patch, metav1.PatchOptions{})
	return err == nil, err
}

// finalize deletes the snapshots of a schedule deleted with deletionPolicy
// Delete, then lets it go. A snapshot a restore still reads is deleted once
// the restore is done.
func (c *Controller) finalize(ctx context.Context, sched *snapshotapi.VirtualMachineSnapshotSchedule) (time.Duration, error) {
	if !slices.Contains(sched.Finalizers, FinalizerSnapshots) {
		return 0, nil
	}
	inUse := c.inUse(sched.Namespace)
	var errs []error
	left := 0
	for _, s := range c.own(sched) {
		left++
		if s.DeletionTimestamp != nil || inUse.Has(s.Name) {
			continue
		}
		if err := c.deleteSnapshot(ctx, s); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("deleting snapshot %s: %w", s.Name, err))
		}
	}
	if len(errs) > 0 {
		return 0, errors.Join(errs...)
	}
	if left > 0 {
		// Their deletions wake the schedule; the wait covers restores.
		return waitForAPI, nil
	}
	patch, needed := controller.FinalizerPatch(sched, FinalizerSnapshots, false)
	if !needed {
		return 0, nil
	}
	_, err := c.cfg.Client.SnapshotV1alpha1().VirtualMachineSnapshotSchedules(sched.Namespace).Patch(ctx, sched.Name, types.JSONPatchType, patch, metav1.PatchOptions{})
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	return 0, err
}
