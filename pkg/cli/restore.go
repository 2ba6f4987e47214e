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

package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	kubevirtv1 "kubevirt.io/api/core/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
)

// Values of --mode.
const (
	modeStrict     = "strict"
	modeBestEffort = "best-effort"
)

// restoreModes maps --mode, spelled as the flag's help says or as the API
// does, to the API's mode.
var restoreModes = map[string]snapshotapi.RestoreMode{
	"strict":     snapshotapi.RestoreModeStrict,
	"besteffort": snapshotapi.RestoreModeBestEffort,
}

// volumeRestorePolicies maps --volume-restore-policy to the API's policy.
var volumeRestorePolicies = map[string]snapshotapi.VolumeRestorePolicy{
	"randomizenames":   snapshotapi.VolumeRestoreRandomizeNames,
	"inplace":          snapshotapi.VolumeRestoreInPlace,
	"prefixtargetname": snapshotapi.VolumeRestorePrefixTargetName,
}

// restoreUIDLabel is the label the controller puts on every object a restore
// creates (restore.LabelRestoreUID). It is repeated here so that the plugin
// does not link the controller; a unit test keeps the two equal.
const restoreUIDLabel = "snapshot.vmsnap.io/vmrestore-uid"

const (
	// dryRunDeadline is a dry run's failureDeadline unless --deadline says
	// otherwise: a dry run only waits for what keeps it from planning (a
	// snapshot not ready yet, an API not served), and a person is waiting.
	dryRunDeadline = time.Minute
	// dryRunGrace is how long past its deadline the command still waits for
	// a dry run's plan: the controller fails it at the deadline, unless the
	// controller is not running at all.
	dryRunGrace = 30 * time.Second
	// dryRunCleanupTimeout bounds the deletion of a dry run, which also runs
	// after Ctrl-C, when the command's context has ended.
	dryRunCleanupTimeout = 10 * time.Second
)

// restoreOptions are the flags of "restore".
type restoreOptions struct {
	name         string
	to           string
	renames      []string
	mode         string
	stopTarget   bool
	volumePolicy string
	deadline     time.Duration
	// deadlineSet tells --deadline 0 (no deadline) from no --deadline.
	deadlineSet bool
	wait        bool
	dryRun      bool
	output      string
}

func newRestoreCommand(o *Options) *cobra.Command {
	ro := &restoreOptions{}
	cmd := &cobra.Command{
		Use:   "restore SNAPSHOT",
		Short: "Restore a VM snapshot, in place or as a new VM",
		Long: `Create a VirtualMachineRestore of SNAPSHOT.

Without --to the snapshot is restored in place, into the VM it was taken
of, which must be stopped (or use --stop-target). With --to NEW_VM it is
restored as a new VM, created stopped, with its disks and Secrets. The
disks of a new VM keep the snapshot's claim names unless --rename gives
them others; while the source VM's disks exist, rename them.

--dry-run asks the controller for the restore's plan and changes nothing:
each object the restore would create, replace or leave unchanged, or that
is in conflict, and why. It exits 3 when a restore in the requested --mode
would fail.

With --wait (the default on a terminal) the command follows the restore:
its phase, the disks restored and the objects created; then a summary.
Ctrl-C stops the waiting, never the restore.

Exit codes: 0 created (Ready with --wait; would succeed with --dry-run),
1 could not create, 2 wrong arguments, 3 the restore failed or would fail,
130 stopped waiting.`,
		Example: `  kubectl vmsnap restore before-upgrade --dry-run
  kubectl vmsnap restore before-upgrade --stop-target --wait
  kubectl vmsnap restore before-upgrade --to my-vm-copy --rename pvc/my-vm-disk0=my-vm-copy-disk0
  kubectl vmsnap restore before-upgrade --mode best-effort -o yaml`,
		Args:              exactArgs("SNAPSHOT"),
		ValidArgsFunction: completeArgs(o, listSnapshots),
		RunE: func(cmd *cobra.Command, args []string) error {
			ro.deadlineSet = cmd.Flags().Changed("deadline")
			if !cmd.Flags().Changed("wait") {
				ro.wait = isTerminal(o.Out)
			} else if ro.dryRun && !ro.wait {
				return usageErrorf("--dry-run waits for the plan; it cannot be combined with --wait=false")
			}
			return ro.run(cmd.Context(), o, args[0])
		},
	}
	flags := cmd.Flags()
	flags.StringVar(&ro.name, "name", "", "Name of the restore (default: SNAPSHOT-restore- and a random suffix)")
	flags.StringVar(&ro.to, "to", "", "Restore as a new VM of this name (default: in place, into the snapshot's VM)")
	flags.StringArrayVar(&ro.renames, "rename", nil, "Rename a restored object, KIND/OLD=NEW (KIND: vm, pvc, dv or secret; OLD=NEW alone renames any kind); repeatable")
	flags.StringVar(&ro.mode, "mode", modeStrict, "strict: any conflict fails the restore and changes nothing; best-effort: conflicts that can be skipped are skipped and reported")
	flags.BoolVar(&ro.stopTarget, "stop-target", false, "Stop a running VM for an in-place restore and start it again after (default: wait for it to stop, then fail at the deadline)")
	flags.StringVar(&ro.volumePolicy, "volume-restore-policy", "", "Names of the disks of an in-place restore: randomize-names, in-place or prefix-target-name (default: randomize-names)")
	flags.DurationVar(&ro.deadline, "deadline", 0, "How long the restore may take before it fails and is undone; 0 for no deadline (default 5m, the API's; 1m for --dry-run)")
	flags.BoolVar(&ro.wait, "wait", false, "Follow the restore to Ready or Failed (default: true on a terminal)")
	flags.BoolVar(&ro.dryRun, "dry-run", false, "Print the restore's plan and change nothing")
	addOutputFlag(cmd, &ro.output)
	_ = cmd.RegisterFlagCompletionFunc("to", cobra.NoFileCompletions)
	_ = cmd.RegisterFlagCompletionFunc("rename", cobra.NoFileCompletions)
	_ = cmd.RegisterFlagCompletionFunc("mode", cobra.FixedCompletions([]string{modeStrict, modeBestEffort}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("volume-restore-policy", cobra.FixedCompletions(
		[]string{"randomize-names", "in-place", "prefix-target-name"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// --- The restore the flags ask for ---------------------------------------------

// parseRename reads one --rename value, KIND/OLD=NEW or OLD=NEW.
func parseRename(value string) (snapshotapi.NameReplacement, error) {
	var none snapshotapi.NameReplacement
	bad := func(why string) (snapshotapi.NameReplacement, error) {
		return none, usageErrorf("--rename %q: %s; want KIND/OLD=NEW, e.g. --rename pvc/my-vm-disk0=new-disk0 (KIND: vm, pvc, dv or secret; left out, any kind)", value, why)
	}
	from, to, ok := strings.Cut(value, "=")
	if !ok {
		return bad("no '='")
	}
	kind := ""
	if k, name, hasKind := strings.Cut(from, "/"); hasKind {
		if kind, ok = kindOf(k, kindVM, kindClaim, kindDataVolume, kindSecret); !ok {
			return bad(fmt.Sprintf("unknown kind %q", k))
		}
		from = name
	}
	if from == "" {
		return bad("no OLD name")
	}
	if errs := validation.IsDNS1123Subdomain(to); len(errs) > 0 {
		return bad(fmt.Sprintf("NEW name %q is not a valid name: %s", to, strings.Join(errs, "; ")))
	}
	return snapshotapi.NameReplacement{From: snapshotapi.NameReplacementSource{Kind: kind, Name: from}, To: to}, nil
}

// parseRenames reads every --rename and refuses what the API would: one
// object renamed twice, or two objects of one kind renamed to one name.
func parseRenames(values []string) ([]snapshotapi.NameReplacement, error) {
	var out []snapshotapi.NameReplacement
	for _, v := range values {
		r, err := parseRename(v)
		if err != nil {
			return nil, err
		}
		for _, earlier := range out {
			sameKind := earlier.From.Kind == "" || r.From.Kind == "" || earlier.From.Kind == r.From.Kind
			switch {
			case sameKind && earlier.From.Name == r.From.Name:
				return nil, usageErrorf("--rename renames %s twice (to %s and to %s)", r.From.Name, earlier.To, r.To)
			case sameKind && earlier.To == r.To:
				return nil, usageErrorf("--rename renames both %s and %s to %s", earlier.From.Name, r.From.Name, r.To)
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// lookUpFlagValue finds a value in a table keyed by its spelling without
// dashes or case, so that both best-effort and BestEffort are accepted.
func lookUpFlagValue[T any](table map[string]T, value string) (T, bool) {
	v, ok := table[strings.ToLower(strings.ReplaceAll(value, "-", ""))]
	return v, ok
}

// requestedMode is the mode of --mode.
func (ro *restoreOptions) requestedMode() (snapshotapi.RestoreMode, error) {
	mode, ok := lookUpFlagValue(restoreModes, ro.mode)
	if !ok {
		return "", usageErrorf("--mode %q: use %s or %s", ro.mode, modeStrict, modeBestEffort)
	}
	return mode, nil
}

// restoreFor builds the restore the flags ask for, of the snapshot; a dry
// run gets mode DryRun. It makes no API call, so a wrong flag is refused
// before anything happens.
func (ro *restoreOptions) restoreFor(snapshot string) (*snapshotapi.VirtualMachineRestore, error) {
	mode, err := ro.requestedMode()
	if err != nil {
		return nil, err
	}
	renames, err := parseRenames(ro.renames)
	if err != nil {
		return nil, err
	}
	r := &snapshotapi.VirtualMachineRestore{
		Spec: snapshotapi.VirtualMachineRestoreSpec{VirtualMachineSnapshotName: snapshot, NameReplacements: renames, Mode: mode},
	}
	switch {
	case ro.name != "":
		if errs := validation.IsDNS1123Subdomain(ro.name); len(errs) > 0 {
			return nil, usageErrorf("--name %q is not a valid name: %s", ro.name, strings.Join(errs, "; "))
		}
		r.Name = ro.name
	case ro.dryRun:
		r.GenerateName = snapshot + "-dryrun-"
	default:
		r.GenerateName = snapshot + "-restore-"
	}
	if ro.to != "" {
		if errs := validation.IsDNS1123Subdomain(ro.to); len(errs) > 0 {
			return nil, usageErrorf("--to %q is not a valid VM name: %s", ro.to, strings.Join(errs, "; "))
		}
		r.Spec.Target = &corev1.TypedLocalObjectReference{APIGroup: &kubevirtv1.SchemeGroupVersion.Group, Kind: kindVM, Name: ro.to}
	}
	if ro.stopTarget {
		r.Spec.TargetReadinessPolicy = snapshotapi.TargetReadinessStopTarget
	}
	if ro.volumePolicy != "" {
		policy, ok := lookUpFlagValue(volumeRestorePolicies, ro.volumePolicy)
		if !ok {
			return nil, usageErrorf("--volume-restore-policy %q: use randomize-names, in-place or prefix-target-name", ro.volumePolicy)
		}
		r.Spec.VolumeRestorePolicy = policy
	}
	if ro.deadline < 0 {
		return nil, usageErrorf("--deadline %s: must not be negative", ro.deadline)
	}
	switch {
	case ro.deadlineSet:
		r.Spec.FailureDeadline = &metav1.Duration{Duration: ro.deadline}
	case ro.dryRun:
		r.Spec.FailureDeadline = &metav1.Duration{Duration: dryRunDeadline}
	}
	if ro.dryRun {
		r.Spec.Mode = snapshotapi.RestoreModeDryRun
	}
	return r, nil
}

// --- Running the command -----------------------------------------------------------

func (ro *restoreOptions) run(ctx context.Context, o *Options, snapshotName string) error {
	if err := checkOutput(ro.output); err != nil {
		return err
	}
	mode, err := ro.requestedMode()
	if err != nil {
		return err
	}
	r, err := ro.restoreFor(snapshotName)
	if err != nil {
		return err
	}
	c, err := o.Clients()
	if err != nil {
		return err
	}
	r.Namespace = c.Namespace
	snap, err := ro.restorableSnapshot(ctx, o, c, snapshotName)
	if err != nil {
		return err
	}
	if ro.dryRun {
		return ro.runDryRun(ctx, o, c, r, mode)
	}
	ro.warnIfTargetRuns(ctx, o, c, snap, r)
	created, err := createRestore(ctx, c, r)
	if err != nil {
		return err
	}
	restores := c.VMSnap.SnapshotV1alpha1().VirtualMachineRestores(c.Namespace)
	return o.finishCreate(ctx, creation{
		object:   created,
		resource: "virtualmachinerestore.snapshot.vmsnap.io",
		name:     created.Name,
		announce: fmt.Sprintf("Restore %s of snapshot %s created; waiting for it (Ctrl-C stops the waiting, not the restore).", created.Name, snapshotName),
		follow: func(ctx context.Context, human *Options) error {
			return human.waitRestore(ctx, c, created.Name)
		},
		reread: func(ctx context.Context) (runtime.Object, error) {
			return restores.Get(ctx, created.Name, metav1.GetOptions{})
		},
	}, ro.output, ro.wait)
}

// restorableSnapshot reads the snapshot and refuses one that can never be
// restored. One not ready yet is refused for a dry run, which plans from
// it now; a restore waits for it, with a warning.
func (ro *restoreOptions) restorableSnapshot(ctx context.Context, o *Options, c *Clients, name string) (*snapshotapi.VirtualMachineSnapshot, error) {
	snap, err := c.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshots(c.Namespace).Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return nil, fmt.Errorf("snapshot %q not found in namespace %q (kubectl vmsnap list shows the snapshots)", name, c.Namespace)
	case err != nil:
		return nil, fmt.Errorf("reading snapshot %q: %w", name, err)
	case snap.DeletionTimestamp != nil || snap.Status.Phase == snapshotapi.SnapshotTerminating:
		return nil, fmt.Errorf("snapshot %q is being deleted; it cannot be restored", name)
	case snap.Status.Phase == snapshotapi.SnapshotFailed:
		return nil, fmt.Errorf("snapshot %q failed, so it cannot be restored: %s", name, failureMessage(snap.Status.Error, snap.Status.Conditions))
	case snap.Status.Phase == snapshotapi.SnapshotReady && snap.Status.ReadyToUse != nil && *snap.Status.ReadyToUse:
		return snap, nil
	}
	state := fmt.Sprintf("snapshot %q is %s, not ready to use", name, phaseOrPending(string(snap.Status.Phase)))
	if ready := meta.FindStatusCondition(snap.Status.Conditions, snapshotapi.ConditionReady); ready != nil && ready.Message != "" {
		state += " (" + ready.Message + ")"
	}
	if ro.dryRun {
		return nil, fmt.Errorf("%s: a dry run plans from a Ready snapshot (kubectl vmsnap wait %s)", state, name)
	}
	fmt.Fprintf(o.ErrOut, "Warning: %s; the restore waits for it, until its deadline.\n", state)
	return snap, nil
}

// warnIfTargetRuns says, before an in-place restore of a running VM without
// --stop-target, that the restore will wait for the VM to stop: otherwise
// it only shows as a Pending restore that fails at its deadline.
func (ro *restoreOptions) warnIfTargetRuns(ctx context.Context, o *Options, c *Clients, snap *snapshotapi.VirtualMachineSnapshot, r *snapshotapi.VirtualMachineRestore) {
	if ro.stopTarget || snap.Spec.Source.Kind != kindVM {
		return
	}
	// Only the snapshot's own VM is restored in place.
	vm := restoreTargetName(r, snap.Spec.Source.Name)
	if vm != snap.Spec.Source.Name || !vmRuns(ctx, c, vm) {
		return
	}
	fmt.Fprintf(o.ErrOut, "Warning: VM %s is running; the restore waits for it to stop and fails if it still runs at its deadline (--stop-target stops it and starts it again after).\n", vm)
}

// vmRuns tells whether a VM has an instance, as the controller tells it.
func vmRuns(ctx context.Context, c *Clients, vm string) bool {
	_, err := c.Virt.KubevirtV1().VirtualMachineInstances(c.Namespace).Get(ctx, vm, metav1.GetOptions{})
	return err == nil
}

func createRestore(ctx context.Context, c *Clients, r *snapshotapi.VirtualMachineRestore) (*snapshotapi.VirtualMachineRestore, error) {
	created, err := c.VMSnap.SnapshotV1alpha1().VirtualMachineRestores(c.Namespace).Create(ctx, r, metav1.CreateOptions{})
	switch {
	case apierrors.IsAlreadyExists(err):
		return nil, fmt.Errorf("a restore named %q already exists in namespace %q: choose another with --name", r.Name, c.Namespace)
	case err != nil:
		return nil, fmt.Errorf("creating the restore of snapshot %q: %w", r.Spec.VirtualMachineSnapshotName, err)
	}
	return created, nil
}

// --- Waiting -----------------------------------------------------------------------

func resumeRestore(name string) string { return "kubectl vmsnap wait " + name }

// waitRestore follows a restore to Ready or Failed, showing its progress on
// o.Out, then prints the summary. A Failed restore is ExitFailed. A dry run
// ends with its plan.
func (o *Options) waitRestore(ctx context.Context, c *Clients, name string) error {
	r, err := followRestore(ctx, c, name, resumeRestore(name), o.Out)
	if err != nil {
		return err
	}
	if isDryRunReport(r) {
		// Whoever created it chose no mode to judge by; Strict is the default.
		verdict := judgeDryRun(r, snapshotapi.RestoreModeStrict, restoresInPlace(r) && vmRuns(ctx, c, restoreTargetName(r, "")))
		return writeDryRunReport(o.Out, r, verdict, useColour(o.Out))
	}
	fmt.Fprintln(o.Out, restoreSummary(r, useColour(o.Out)))
	if r.Status.Phase == snapshotapi.RestoreFailed {
		return withCode(ExitFailed, fmt.Errorf("restore %q failed", name))
	}
	return nil
}

// followRestore polls a restore until it is Ready or Failed, drawing the
// progress line on progress. It returns the restore as last read.
func followRestore(ctx context.Context, c *Clients, name, resume string, progress io.Writer) (*snapshotapi.VirtualMachineRestore, error) {
	line := newProgressLine(progress)
	var last *snapshotapi.VirtualMachineRestore
	err := pollUntil(ctx, pollInterval, resume, func(ctx context.Context) (bool, error) {
		r, err := c.VMSnap.SnapshotV1alpha1().VirtualMachineRestores(c.Namespace).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, fmt.Errorf("restore %q was deleted while waiting for it", name)
		}
		if err != nil {
			return false, fmt.Errorf("reading restore %q: %w", name, err)
		}
		last = r
		view := restoreProgress{restore: r}
		if r.Spec.GetMode() != snapshotapi.RestoreModeDryRun {
			view.claims, view.created = restoredSoFar(ctx, c, r)
		}
		line.Show(view.line(time.Now()))
		return restoreFinished(r), nil
	})
	line.Done()
	return last, err
}

func restoreFinished(r *snapshotapi.VirtualMachineRestore) bool {
	return r.Status.Phase == snapshotapi.RestoreReady || r.Status.Phase == snapshotapi.RestoreFailed
}

// isDryRunReport tells a dry run that has its plan: Ready, and not complete
// since nothing was restored.
func isDryRunReport(r *snapshotapi.VirtualMachineRestore) bool {
	return r.Status.Phase == snapshotapi.RestoreReady && (r.Status.Complete == nil || !*r.Status.Complete)
}

// restoredSoFar finds what the restore has created: the claims and how many
// objects (claims, VMs and Secrets) carry its label. A list this user may
// not read counts as empty: the line is a view, not a verdict.
func restoredSoFar(ctx context.Context, c *Clients, r *snapshotapi.VirtualMachineRestore) (claims map[string]bool, created int) {
	selector := metav1.ListOptions{LabelSelector: restoreUIDLabel + "=" + string(r.UID)}
	claims = map[string]bool{}
	if list, err := c.Kube.CoreV1().PersistentVolumeClaims(c.Namespace).List(ctx, selector); err == nil {
		for _, claim := range list.Items {
			claims[claim.Name] = true
		}
		created += len(list.Items)
	}
	if list, err := c.Virt.KubevirtV1().VirtualMachines(c.Namespace).List(ctx, selector); err == nil {
		created += len(list.Items)
	}
	if list, err := c.Kube.CoreV1().Secrets(c.Namespace).List(ctx, selector); err == nil {
		created += len(list.Items)
	}
	return claims, created
}

// restoreProgress is what one look at a restore in progress found.
type restoreProgress struct {
	restore *snapshotapi.VirtualMachineRestore
	// claims are the claims the restore has created, by name.
	claims map[string]bool
	// created counts every object the restore has created.
	created int
}

// line is the progress line: the part that changes with the restore, and
// the elapsed time, which changes every tick.
func (v restoreProgress) line(now time.Time) (line, ticking string) {
	r := v.restore
	phase := phaseOrPending(string(r.Status.Phase))
	parts := []string{fmt.Sprintf("restore %s: %s%s", r.Name, phase, readyReason(phase, r.Status.Conditions))}
	if total := len(r.Status.Restores); total > 0 && v.claims != nil {
		done := 0
		for _, vr := range r.Status.Restores {
			if v.claims[vr.PersistentVolumeClaimName] {
				done++
			}
		}
		parts = append(parts, fmt.Sprintf("volumes %d/%d restored", done, total))
	}
	if v.created > 0 {
		parts = append(parts, plural(v.created, "object", "objects")+" created")
	}
	return strings.Join(parts, " · "), elapsed(r.CreationTimestamp, now)
}

// --- The summary ---------------------------------------------------------------------

// restoreSummary is the paragraph printed when a restore ended: where it
// restored what, how long it took, and the objects by result; or why it
// failed.
func restoreSummary(r *snapshotapi.VirtualMachineRestore, colour bool) string {
	snapshot, target := r.Spec.VirtualMachineSnapshotName, restoreTargetName(r, "")
	if r.Status.Phase == snapshotapi.RestoreFailed {
		took := ""
		if e := r.Status.Error; e != nil && e.Time != nil {
			took = " after " + since(e.Time.Sub(r.CreationTimestamp.Time))
		}
		return fmt.Sprintf("Restore %s of snapshot %s %s%s: %s%s", r.Name, snapshot, paint(colour, colourRed, "failed"), took,
			asSentence(failureMessage(r.Status.Error, r.Status.Conditions)), diskRenameHint(r.Status.Resources))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Restore %s is %s: ", r.Name, paint(colour, colourGreen, "Ready"))
	if restoresInPlace(r) {
		fmt.Fprintf(&b, "VirtualMachine %s restored in place from snapshot %s", target, snapshot)
	} else {
		fmt.Fprintf(&b, "snapshot %s restored as a new VirtualMachine %s, created stopped", snapshot, target)
	}
	if r.Status.RestoreTime != nil {
		fmt.Fprintf(&b, ", in %s", since(r.Status.RestoreTime.Sub(r.CreationTimestamp.Time)))
	}
	b.WriteString(".")
	groups := planByResult(r.Status.Resources)
	for _, result := range []snapshotapi.ResourceResult{snapshotapi.ResourceCreated, snapshotapi.ResourceReplaced,
		snapshotapi.ResourceUnchanged, snapshotapi.ResourceSkipped} {
		var names []string
		for _, res := range groups[result] {
			name := res.Kind + " " + res.Name
			if result == snapshotapi.ResourceSkipped && res.Message != "" {
				name += " (" + res.Message + ")"
			}
			names = append(names, name)
		}
		if len(names) > 0 {
			fmt.Fprintf(&b, " %s: %s.", result, strings.Join(names, ", "))
		}
	}
	if !restoresInPlace(r) {
		fmt.Fprintf(&b, " Start it with: virtctl start %s", target)
	}
	return b.String()
}

// restoreTargetName is the VM a restore writes: as its status says, or as
// the controller names it (spec.target, else the snapshot's VM after the
// nameReplacements).
func restoreTargetName(r *snapshotapi.VirtualMachineRestore, sourceVM string) string {
	if r.Status.TargetName != nil && *r.Status.TargetName != "" {
		return *r.Status.TargetName
	}
	if r.Spec.Target != nil && r.Spec.Target.Name != "" {
		return r.Spec.Target.Name
	}
	if sourceVM == "" {
		return ""
	}
	if to, ok := r.Spec.ReplacementFor(kindVM, sourceVM); ok {
		return to
	}
	return sourceVM
}

// restoresInPlace tells an in-place restore: its plan replaces the target VM.
func restoresInPlace(r *snapshotapi.VirtualMachineRestore) bool {
	target := restoreTargetName(r, "")
	return slices.ContainsFunc(r.Status.Resources, func(res snapshotapi.RestoredResource) bool {
		return res.Kind == kindVM && res.Name == target && res.Result == snapshotapi.ResourceReplaced
	})
}

// --- Dry run ---------------------------------------------------------------------------

// runDryRun creates the restore in mode DryRun, waits for its plan, prints
// it, and deletes the dry run: it is an answer, not a record, and left
// behind it would only crowd the restores of the namespace. It exits 3 when
// a restore in the requested mode would fail.
func (ro *restoreOptions) runDryRun(ctx context.Context, o *Options, c *Clients, r *snapshotapi.VirtualMachineRestore, mode snapshotapi.RestoreMode) error {
	created, err := createRestore(ctx, c, r)
	if err != nil {
		return err
	}
	deleted := "the dry run " + created.Name + " was deleted"
	defer func() {
		// After Ctrl-C the command's context is over; the deletion is not.
		cleanupCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), dryRunCleanupTimeout)
		defer cancel()
		err := c.VMSnap.SnapshotV1alpha1().VirtualMachineRestores(c.Namespace).Delete(cleanupCtx, created.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			fmt.Fprintf(o.ErrOut, "Warning: deleting the dry run %s: %v; delete it with kubectl delete vmrestore %s\n", created.Name, err, created.Name)
		}
	}()
	bound := created.Spec.GetFailureDeadline() + dryRunGrace
	waitCtx, cancel := context.WithTimeout(ctx, bound)
	defer cancel()
	// Standard output is the plan alone; the wait for it is shown on stderr.
	final, err := followRestore(waitCtx, c, created.Name, "", o.ErrOut)
	switch {
	case ctx.Err() != nil:
		return withCode(ExitInterrupted, fmt.Errorf("stopped waiting; %s, it changed nothing", deleted))
	case waitCtx.Err() != nil:
		last := "the controller never acted on it: is the vmsnap controller running?"
		if final != nil && final.Status.Phase != "" {
			last = "it was " + string(final.Status.Phase) + ": " + failureMessage(final.Status.Error, final.Status.Conditions)
		}
		return fmt.Errorf("no plan within %s (%s); %s", bound, last, deleted)
	case err != nil:
		return err
	}
	verdict := judgeDryRun(final, mode, restoresInPlace(final) && vmRuns(ctx, c, restoreTargetName(final, "")))
	if ro.output != "" {
		err = printData(o.Out, ro.output, final)
	} else {
		err = writeDryRunReport(o.Out, final, verdict, useColour(o.Out))
	}
	if err != nil {
		return err
	}
	if verdict.fails {
		return withCode(ExitFailed, errors.New(verdict.failure))
	}
	return nil
}

// writeDryRunReport prints the plan as a table, and the verdict under it.
func writeDryRunReport(out io.Writer, r *snapshotapi.VirtualMachineRestore, verdict dryRunVerdict, colour bool) error {
	if len(r.Status.Resources) > 0 {
		if err := writePlanTable(out, r.Status.Resources, colour); err != nil {
			return err
		}
		fmt.Fprintln(out)
	}
	_, err := fmt.Fprintln(out, verdict.text)
	return err
}

// planKindOrder is the order of the plan's kinds: the VM, then what it uses.
var planKindOrder = []string{kindVM, kindClaim, kindDataVolume, kindSecret, "ControllerRevision"}

// sortedPlan is the plan in a stable order: by kind (planKindOrder, then other
// kinds by name), then by name.
func sortedPlan(resources []snapshotapi.RestoredResource) []snapshotapi.RestoredResource {
	rank := func(kind string) int {
		if i := slices.Index(planKindOrder, kind); i >= 0 {
			return i
		}
		return len(planKindOrder)
	}
	out := slices.Clone(resources)
	slices.SortStableFunc(out, func(a, b snapshotapi.RestoredResource) int {
		if d := rank(a.Kind) - rank(b.Kind); d != 0 {
			return d
		}
		return strings.Compare(a.Kind+"/"+a.Name, b.Kind+"/"+b.Name)
	})
	return out
}

// resultColours are the colours of the RESULT column. Every result has one
// of the same length, so that the column after stays aligned on a terminal
// (the tab writer counts the escape codes as text).
var resultColours = map[snapshotapi.ResourceResult]string{
	snapshotapi.ResourceCreated:   colourGreen,
	snapshotapi.ResourceReplaced:  colourYellow,
	snapshotapi.ResourceUnchanged: colourPlain,
	snapshotapi.ResourceConflict:  colourRed,
	snapshotapi.ResourceSkipped:   colourYellow,
}

// colourPlain is the terminal's own colour, as long a code as the others.
const colourPlain = "39"

// writePlanTable prints the plan: OBJECT KIND RESULT WHY.
func writePlanTable(out io.Writer, resources []snapshotapi.RestoredResource, colour bool) error {
	t := newTable(out)
	// The header is painted too, plainly, to be as long as the results.
	t.Row("OBJECT", "KIND", paint(colour, colourPlain, "RESULT"), "WHY")
	for _, res := range sortedPlan(resources) {
		c, ok := resultColours[res.Result]
		if !ok {
			c = colourPlain
		}
		t.Row(res.Name, res.Kind, paint(colour, c, string(res.Result)), res.Message)
	}
	return t.Flush()
}

// dryRunVerdict is what a dry run's plan means for the requested mode.
type dryRunVerdict struct {
	// fails: a restore in the requested mode would fail (ExitFailed).
	fails bool
	// failure is the error message when it fails.
	failure string
	// text is the paragraph under the table.
	text string
}

// skippedByBestEffort tells the conflicts a BestEffort restore goes past,
// as the controller decides them (pkg/restore): a Secret with other data is
// left as it is, and a MAC in use is dropped from the new VM (the VM's row
// then says "MAC address ..."). A disk in conflict, or a target VM that is
// not the snapshot's, fails it in any mode. A dry run does not tell these
// apart, since it plans in no mode.
func skippedByBestEffort(res snapshotapi.RestoredResource) bool {
	switch res.Kind {
	case kindSecret:
		return true
	case kindVM:
		return strings.HasPrefix(res.Message, "MAC address ")
	}
	return false
}

// judgeDryRun decides whether a restore in mode would succeed, from a dry
// run's plan, and says so in a paragraph. targetRuns tells an in-place
// target that is running now.
func judgeDryRun(r *snapshotapi.VirtualMachineRestore, mode snapshotapi.RestoreMode, targetRuns bool) dryRunVerdict {
	if r.Status.Phase == snapshotapi.RestoreFailed {
		why := failureMessage(r.Status.Error, r.Status.Conditions)
		return dryRunVerdict{fails: true, failure: "the dry run failed: " + why,
			text: "The dry run failed: " + asSentence(why) + " Nothing was changed."}
	}
	target, snapshot := restoreTargetName(r, ""), r.Spec.VirtualMachineSnapshotName
	var b strings.Builder
	if restoresInPlace(r) {
		fmt.Fprintf(&b, "Restoring snapshot %s in place into VirtualMachine %s would %s.", snapshot, target, planActions(r.Status.Resources))
	} else {
		fmt.Fprintf(&b, "Restoring snapshot %s as a new VirtualMachine %s would %s.", snapshot, target, planActions(r.Status.Resources))
	}
	var conflicts, unskippable []string
	for _, res := range sortedPlan(r.Status.Resources) {
		if res.Result != snapshotapi.ResourceConflict {
			continue
		}
		conflicts = append(conflicts, res.Kind+" "+res.Name)
		if !skippedByBestEffort(res) {
			unskippable = append(unskippable, res.Kind+" "+res.Name)
		}
	}
	verdict := dryRunVerdict{}
	n := plural(len(conflicts), "conflict", "conflicts")
	switch {
	case len(conflicts) == 0:
		fmt.Fprintf(&b, " No conflict: a %s restore would succeed.", modeFlagValue(mode))
	case mode == snapshotapi.RestoreModeBestEffort && len(unskippable) == 0:
		fmt.Fprintf(&b, " %s, which a best-effort restore would skip: %s.", n, strings.Join(conflicts, ", "))
	case mode == snapshotapi.RestoreModeBestEffort:
		verdict.fails = true
		verdict.failure = fmt.Sprintf("a best-effort restore would fail: it cannot skip %s", strings.Join(unskippable, ", "))
		fmt.Fprintf(&b, " %s; a best-effort restore cannot skip %s, and would fail.", n, strings.Join(unskippable, ", "))
		b.WriteString(diskRenameHint(r.Status.Resources))
	default:
		verdict.fails = true
		verdict.failure = fmt.Sprintf("a strict restore would fail: %s (%s)", n, strings.Join(conflicts, ", "))
		fmt.Fprintf(&b, " %s: a strict restore would fail.", n)
		b.WriteString(diskRenameHint(r.Status.Resources))
		if len(unskippable) == 0 {
			them := "them"
			if len(conflicts) == 1 {
				them = "it"
			}
			fmt.Fprintf(&b, " With --mode best-effort it would skip %s.", them)
		}
	}
	if targetRuns {
		if r.Spec.GetTargetReadinessPolicy() == snapshotapi.TargetReadinessStopTarget {
			fmt.Fprintf(&b, " VirtualMachine %s is running: the restore would stop it, and start it again after.", target)
		} else {
			fmt.Fprintf(&b, " VirtualMachine %s is running: the restore would wait for it to stop, and fail if it still runs at its deadline (--stop-target stops it).", target)
		}
	}
	b.WriteString(" Nothing was changed.")
	verdict.text = b.String()
	return verdict
}

// diskRenameHint shows how to restore a disk in conflict under another
// name. The disks of a new VM keep the snapshot's claim names, which the
// source VM's disks usually still hold; a backend-storage claim (TPM, EFI)
// is named by the controller, and no rename applies to it.
func diskRenameHint(resources []snapshotapi.RestoredResource) string {
	for _, res := range sortedPlan(resources) {
		if res.Kind == kindClaim && res.Result == snapshotapi.ResourceConflict && !strings.Contains(res.Message, "TPM") {
			return fmt.Sprintf(" To restore the disk under another name: --rename pvc/%s=NEW_NAME.", res.Name)
		}
	}
	return ""
}

// planActions says what the plan does: "create 2, replace 1 and leave 1
// unchanged".
func planActions(resources []snapshotapi.RestoredResource) string {
	groups := planByResult(resources)
	var parts []string
	for _, a := range []struct {
		result snapshotapi.ResourceResult
		verb   string
	}{
		{snapshotapi.ResourceCreated, "create %d"},
		{snapshotapi.ResourceReplaced, "replace %d"},
		{snapshotapi.ResourceUnchanged, "leave %d unchanged"},
	} {
		if n := len(groups[a.result]); n > 0 {
			parts = append(parts, fmt.Sprintf(a.verb, n))
		}
	}
	switch len(parts) {
	case 0:
		return "change nothing"
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// modeFlagValue is a mode as --mode spells it.
func modeFlagValue(mode snapshotapi.RestoreMode) string {
	if mode == snapshotapi.RestoreModeBestEffort {
		return modeBestEffort
	}
	return modeStrict
}

// --- Small helpers -------------------------------------------------------------------

// planByResult groups the plan's objects by result, each group in plan order.
func planByResult(resources []snapshotapi.RestoredResource) map[snapshotapi.ResourceResult][]snapshotapi.RestoredResource {
	out := map[snapshotapi.ResourceResult][]snapshotapi.RestoredResource{}
	for _, res := range sortedPlan(resources) {
		out[res.Result] = append(out[res.Result], res)
	}
	return out
}

// asSentence ends a message with a full stop, once.
func asSentence(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}
