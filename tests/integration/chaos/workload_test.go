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
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
	vmsnapinformers "vmsnap.io/client-go/informers/externalversions"

	"vmsnap.io/vmsnap/tests/csidriver"
	"vmsnap.io/vmsnap/tests/fakevirtapi"
	"vmsnap.io/vmsnap/tests/framework"
	"vmsnap.io/vmsnap/tests/framework/cluster"
)

// Operations of the workload.
const (
	opSnapshot         = "VM snapshot (Delete)"
	opRetainedSnapshot = "VM snapshot (Retain)"
	opDiskSnapshot     = "disk snapshot"
	opRestoreNewVM     = "restore as a new VM"
	opRestoreInPlace   = "restore in place"
	opDeleteSnapshot   = "delete a VM snapshot"
	opDeleteDisk       = "delete a disk snapshot"
	opDeleteRestore    = "delete a restore"
)

// operationWeights is how often each operation is picked.
var operationWeights = []struct {
	op     string
	weight int
}{
	{opSnapshot, 25}, {opRetainedSnapshot, 10}, {opDiskSnapshot, 15},
	{opRestoreNewVM, 12}, {opRestoreInPlace, 10},
	{opDeleteSnapshot, 14}, {opDeleteDisk, 7}, {opDeleteRestore, 7},
}

// Streams of the seed's random numbers: the fleet and plan of operations,
// the faults, and one per operation from operationStream on.
const (
	workloadStream  = 1
	faultStream     = 2
	operationStream = 1000
)

// failureDeadlines are the deadlines the workload's objects get: short, so
// that a run reaches quiescence within minutes.
var failureDeadlines = []time.Duration{time.Minute, 90 * time.Second}

const (
	// apiRetryTimeout bounds the retries of one API call of the test's own:
	// the kube-apiserver may be restarting.
	apiRetryTimeout = 90 * time.Second
	// virtControllerInterval is how often the stand-in for virt-controller
	// looks at the VMs.
	virtControllerInterval = 250 * time.Millisecond
)

// vmRecord is a VM the test made, and what it set on it.
type vmRecord struct {
	name        string
	claims      []string
	runStrategy kubevirtv1.VirtualMachineRunStrategy
	agent       bool
}

// workload makes the VMs and issues the random operations. Only the test's
// goroutine changes it, except readyRestores, which the restore watch fills.
type workload struct {
	run *chaosRun
	f   *framework.Framework
	// plan draws the fleet, and each operation's kind and the pause before
	// it; rng draws within one operation and is new for each, so that how
	// many draws an operation takes (it depends on what the cluster shows)
	// does not change the operations after it.
	plan *rand.Rand
	rng  *rand.Rand

	vms        []*vmRecord
	userClaims map[string]bool
	cloudInit  map[string]bool // user Secrets

	snapshots, diskSnapshots, restores []string
	deleted                            map[string]bool
	// retained maps the content of each deleted Retain snapshot that had
	// been cut to its snapshot: the content must survive.
	retained    map[string]string
	counts      map[string]int
	opErrors    []string
	lastOp      time.Time
	maxDeadline time.Duration

	mu sync.Mutex
	// readyRestores are the UIDs of restores seen Ready: what they made is
	// the user's from then on, even once they are deleted.
	readyRestores map[string]bool
}

func newWorkload(run *chaosRun, f *framework.Framework) *workload {
	plan := rand.New(rand.NewPCG(uint64(run.cfg.seed), workloadStream))
	return &workload{
		run: run, f: f, plan: plan, rng: plan,
		userClaims: map[string]bool{}, cloudInit: map[string]bool{},
		deleted: map[string]bool{}, retained: map[string]string{}, counts: map[string]int{},
		readyRestores: map[string]bool{},
	}
}

// createFleet makes n VMs with 1-4 disks each on a mix of healthy, slow and
// flaky storage: the first running with a guest agent, the second running
// without one, the third stopped, the rest at random.
func (w *workload) createFleet(n int) {
	f := w.f
	slow := f.CreateStorageClass(map[string]string{csidriver.ParamCutDelay: "1s", csidriver.ParamReadyDelay: "3s"})
	flaky := f.CreateStorageClass(map[string]string{csidriver.ParamFailSnapshot: "2"})
	classes := []string{cluster.StorageClassName, cluster.StorageClassName, slow, flaky}
	for i := range n {
		record := &vmRecord{name: fmt.Sprintf("vm%d", i), runStrategy: kubevirtv1.RunStrategyHalted}
		var opts []framework.VMOption
		for d := range 1 + w.rng.IntN(4) {
			volume := fmt.Sprintf("disk%d", d)
			opts = append(opts, framework.WithPVCDisk(volume, classes[w.rng.IntN(len(classes))]))
			record.claims = append(record.claims, framework.ClaimName(record.name, volume))
			w.userClaims[framework.ClaimName(record.name, volume)] = true
		}
		if w.rng.IntN(2) == 0 {
			opts = append(opts, framework.WithCloudInit())
			w.cloudInit[framework.CloudInitSecretName(record.name)] = true
		}
		vm := f.CreateVM(record.name, opts...)
		state := i
		if i > 2 {
			state = w.rng.IntN(3)
		}
		switch state {
		case 0:
			record.runStrategy, record.agent = kubevirtv1.RunStrategyAlways, true
			f.StartVM(vm, true)
			f.SetVirtAPIBehavior(record.name, w.guestBehavior())
		case 1:
			record.runStrategy = kubevirtv1.RunStrategyAlways
			f.StartVM(vm, false)
		}
		w.vms = append(w.vms, record)
		w.run.logf("%s: %d disks, run strategy %s, guest agent %v", record.name, len(record.claims), record.runStrategy, record.agent)
	}
}

// guestBehavior is a healthy guest agent, one that fails the first freeze,
// or a slow one.
func (w *workload) guestBehavior() fakevirtapi.Behavior {
	switch w.rng.IntN(3) {
	case 1:
		return fakevirtapi.Behavior{FreezeFailures: 1}
	case 2:
		return fakevirtapi.Behavior{FreezeDelay: 300 * time.Millisecond, UnfreezeDelay: 300 * time.Millisecond}
	}
	return fakevirtapi.Behavior{}
}

// watchRestores records every restore seen Ready until ctx ends.
func (w *workload) watchRestores(ctx context.Context) {
	factory := vmsnapinformers.NewSharedInformerFactoryWithOptions(w.f.VMSnap, 0, vmsnapinformers.WithNamespace(w.f.Namespace))
	record := func(obj any) {
		if r, ok := obj.(*snapshotapi.VirtualMachineRestore); ok && r.Status.Phase == snapshotapi.RestoreReady {
			w.mu.Lock()
			w.readyRestores[string(r.UID)] = true
			w.mu.Unlock()
		}
	}
	informer := factory.Snapshot().V1alpha1().VirtualMachineRestores().Informer()
	_, _ = informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    record,
		UpdateFunc: func(_, obj any) { record(obj) },
	})
	factory.Start(ctx.Done())
}

func (w *workload) restoreWasReady(uid string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.readyRestores[uid]
}

// playVirtController does virt-controller's part until ctx ends: a VM whose
// run strategy is Always gets a running instance, a Halted one loses it.
func (w *workload) playVirtController(ctx context.Context) {
	agents := map[string]bool{}
	for _, vm := range w.vms {
		agents[vm.name] = vm.agent
	}
	wait.UntilWithContext(ctx, func(ctx context.Context) {
		vms, err := w.f.KubeVirt.KubevirtV1().VirtualMachines(w.f.Namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return
		}
		vmis, err := w.f.KubeVirt.KubevirtV1().VirtualMachineInstances(w.f.Namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return
		}
		running := map[string]bool{}
		for _, vmi := range vmis.Items {
			running[vmi.Name] = vmi.DeletionTimestamp == nil
		}
		for i := range vms.Items {
			vm := &vms.Items[i]
			switch ptr.Deref(vm.Spec.RunStrategy, kubevirtv1.RunStrategyHalted) {
			case kubevirtv1.RunStrategyAlways:
				if !running[vm.Name] {
					_, _ = w.f.KubeVirt.KubevirtV1().VirtualMachineInstances(w.f.Namespace).Create(ctx, framework.RunningVMI(vm, agents[vm.Name]), metav1.CreateOptions{})
				}
			case kubevirtv1.RunStrategyHalted:
				if running[vm.Name] {
					_ = w.f.KubeVirt.KubevirtV1().VirtualMachineInstances(w.f.Namespace).Delete(ctx, vm.Name, metav1.DeleteOptions{})
				}
			}
		}
	}, virtControllerInterval)
}

// runOperations issues n random operations with random pauses of up to
// maxPause between them.
func (w *workload) runOperations(ctx context.Context, n int, maxPause time.Duration) {
	total := 0
	for _, ow := range operationWeights {
		total += ow.weight
	}
	for i := range n {
		pause, pick := randomDuration(w.plan, 0, maxPause), w.plan.IntN(total)
		if i > 0 && !sleep(ctx, pause) {
			return
		}
		w.rng = rand.New(rand.NewPCG(uint64(w.run.cfg.seed), operationStream+uint64(i)))
		op := operationWeights[0].op
		for _, ow := range operationWeights {
			if pick < ow.weight {
				op = ow.op
				break
			}
			pick -= ow.weight
		}
		w.do(ctx, op)
		w.lastOp = time.Now()
	}
}

// do carries out one operation; one that finds nothing to act on takes a
// snapshot instead.
func (w *workload) do(ctx context.Context, op string) {
	var err error
	acted := true
	switch op {
	case opSnapshot:
		err = w.snapshotVM(ctx, snapshotapi.DeletionPolicyDelete)
	case opRetainedSnapshot:
		err = w.snapshotVM(ctx, snapshotapi.DeletionPolicyRetain)
	case opDiskSnapshot:
		err = w.snapshotDisk(ctx)
	case opRestoreNewVM:
		acted, err = w.restore(ctx, true)
	case opRestoreInPlace:
		acted, err = w.restore(ctx, false)
	case opDeleteSnapshot:
		acted, err = w.deleteSnapshot(ctx)
	case opDeleteDisk:
		acted, err = w.deleteOne(ctx, w.diskSnapshots, "vdsnapshot", func(ctx context.Context, name string, opts metav1.DeleteOptions) error {
			return w.f.VMSnap.SnapshotV1alpha1().VirtualDiskSnapshots(w.f.Namespace).Delete(ctx, name, opts)
		})
	case opDeleteRestore:
		acted, err = w.deleteOne(ctx, w.restores, "vmrestore", func(ctx context.Context, name string, opts metav1.DeleteOptions) error {
			return w.f.VMSnap.SnapshotV1alpha1().VirtualMachineRestores(w.f.Namespace).Delete(ctx, name, opts)
		})
	}
	if !acted {
		op = opSnapshot
		err = w.snapshotVM(ctx, snapshotapi.DeletionPolicyDelete)
	}
	w.counts[op]++
	if err != nil {
		w.opErrors = append(w.opErrors, fmt.Sprintf("%s: %v", op, err))
		w.run.logf("%s failed: %v", op, err)
	}
}

func (w *workload) nextName(prefix string) string {
	return fmt.Sprintf("%s-%03d", prefix, len(w.snapshots)+len(w.diskSnapshots)+len(w.restores))
}

func (w *workload) deadline() time.Duration {
	d := failureDeadlines[w.rng.IntN(len(failureDeadlines))]
	w.maxDeadline = max(w.maxDeadline, d)
	return d
}

// consistencyRequired asks for consistency half of the time, and a
// quarter of the time of a running VM without an agent, whose snapshot then
// waits until its deadline and fails.
func (w *workload) consistencyRequired(vm *vmRecord) bool {
	if vm.runStrategy == kubevirtv1.RunStrategyAlways && !vm.agent {
		return w.rng.IntN(4) == 0
	}
	return w.rng.IntN(2) == 0
}

func (w *workload) snapshotVM(ctx context.Context, policy snapshotapi.DeletionPolicy) error {
	vm := w.vms[w.rng.IntN(len(w.vms))]
	name := w.nextName("snap")
	opts := []framework.SnapshotOption{
		framework.FailureDeadline(w.deadline()),
		framework.WithDeletionPolicy(policy),
		framework.RequiredConsistency(w.consistencyRequired(vm)),
	}
	// Some snapshots record no MACs: a new VM restored from the others
	// while its source runs conflicts with the source's MAC.
	if w.rng.IntN(3) == 0 {
		opts = append(opts, framework.WithKeepIPAddress(snapshotapi.KeepIPAddressNever))
	}
	snap := w.f.NewSnapshot(name, vm.name, opts...)
	w.snapshots = append(w.snapshots, name)
	w.run.logf("create vmsnapshot %s of %s (%s)", name, vm.name, policy)
	return retryAPI(ctx, func(ctx context.Context) error {
		_, err := w.f.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshots(w.f.Namespace).Create(ctx, snap.DeepCopy(), metav1.CreateOptions{})
		return ignore(err, apierrors.IsAlreadyExists)
	})
}

// snapshotDisk snapshots one of the disks a VM uses now (after an in-place
// restore, the restored claims).
func (w *workload) snapshotDisk(ctx context.Context) error {
	record := w.vms[w.rng.IntN(len(w.vms))]
	vm, err := getWithRetry(ctx, func(ctx context.Context) (*kubevirtv1.VirtualMachine, error) {
		return w.f.KubeVirt.KubevirtV1().VirtualMachines(w.f.Namespace).Get(ctx, record.name, metav1.GetOptions{})
	})
	if err != nil {
		return err
	}
	claims := claimsOf(vm)
	if len(claims) == 0 {
		return fmt.Errorf("VM %s uses no claim", vm.Name)
	}
	claim := claims[w.rng.IntN(len(claims))]
	name := w.nextName("disk")
	snap := w.f.NewDiskSnapshot(name, claim,
		framework.DiskFailureDeadline(w.deadline()), framework.DiskRequiredConsistency(w.consistencyRequired(record)))
	w.diskSnapshots = append(w.diskSnapshots, name)
	w.run.logf("create vdsnapshot %s of %s (VM %s)", name, claim, vm.Name)
	return retryAPI(ctx, func(ctx context.Context) error {
		_, err := w.f.VMSnap.SnapshotV1alpha1().VirtualDiskSnapshots(w.f.Namespace).Create(ctx, snap.DeepCopy(), metav1.CreateOptions{})
		return ignore(err, apierrors.IsAlreadyExists)
	})
}

// restore restores a live snapshot, preferring Ready ones, as a new VM or
// into its VM. It reports false when there is no snapshot to restore.
func (w *workload) restore(ctx context.Context, asNewVM bool) (bool, error) {
	snap, err := w.pickSnapshot(ctx)
	if err != nil {
		return true, err
	}
	if snap == nil {
		return false, nil
	}
	name := w.nextName("restore")
	opts := []framework.RestoreOption{framework.RestoreDeadline(w.deadline())}
	if asNewVM {
		renames, err := w.renamesFor(ctx, snap, "r"+name)
		if err != nil {
			return true, err
		}
		opts = append(opts, renames...)
		if w.rng.IntN(2) == 0 {
			opts = append(opts, framework.WithRestoreMode(snapshotapi.RestoreModeBestEffort))
		}
	} else {
		if w.recordOf(snap.Spec.Source.Name).runStrategy == kubevirtv1.RunStrategyAlways && w.rng.IntN(4) != 0 {
			opts = append(opts, framework.WithReadinessPolicy(snapshotapi.TargetReadinessStopTarget))
		}
		if w.rng.IntN(5) == 0 {
			opts = append(opts, framework.WithVolumeRestorePolicy(snapshotapi.VolumeRestoreInPlace))
		}
	}
	restore := w.f.NewRestore(name, snap.Name, opts...)
	w.restores = append(w.restores, name)
	w.run.logf("create vmrestore %s of %s (new VM: %v)", name, snap.Name, asNewVM)
	return true, retryAPI(ctx, func(ctx context.Context) error {
		_, err := w.f.VMSnap.SnapshotV1alpha1().VirtualMachineRestores(w.f.Namespace).Create(ctx, restore.DeepCopy(), metav1.CreateOptions{})
		return ignore(err, apierrors.IsAlreadyExists)
	})
}

// pickSnapshot reads one of the test's snapshots not deleted yet, or
// returns nil when there is none. It picks from the test's own list, not
// from what the cluster shows, so that a seed picks the same one again.
func (w *workload) pickSnapshot(ctx context.Context) (*snapshotapi.VirtualMachineSnapshot, error) {
	name, ok := w.pickUndeleted(w.snapshots)
	if !ok {
		return nil, nil
	}
	snap, err := getWithRetry(ctx, func(ctx context.Context) (*snapshotapi.VirtualMachineSnapshot, error) {
		return w.f.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshots(w.f.Namespace).Get(ctx, name, metav1.GetOptions{})
	})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	return snap, err
}

// renamesFor names the new VM and gives each of its claims and Secrets a
// name of its own, from the snapshot's content when it has one, else from
// the VM as it is now.
func (w *workload) renamesFor(ctx context.Context, snap *snapshotapi.VirtualMachineSnapshot, newVM string) ([]framework.RestoreOption, error) {
	source := snap.Spec.Source.Name
	renames := []framework.RestoreOption{framework.Rename("VirtualMachine", source, newVM)}
	if contentName := ptr.Deref(snap.Status.VirtualMachineSnapshotContentName, ""); contentName != "" {
		content, err := getWithRetry(ctx, func(ctx context.Context) (*snapshotapi.VirtualMachineSnapshotContent, error) {
			return w.f.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshotContents(w.f.Namespace).Get(ctx, contentName, metav1.GetOptions{})
		})
		if err == nil {
			for _, b := range content.Spec.VolumeBackups {
				renames = append(renames, framework.Rename("PersistentVolumeClaim", b.PersistentVolumeClaim.Name, newVM+"-"+b.VolumeName))
			}
			for _, b := range content.Spec.SecretBackups {
				renames = append(renames, framework.Rename("Secret", b.Name, newVM+"-"+b.Name))
			}
			return renames, nil
		}
	}
	vm, err := getWithRetry(ctx, func(ctx context.Context) (*kubevirtv1.VirtualMachine, error) {
		return w.f.KubeVirt.KubevirtV1().VirtualMachines(w.f.Namespace).Get(ctx, source, metav1.GetOptions{})
	})
	if err != nil {
		return nil, err
	}
	for _, v := range vm.Spec.Template.Spec.Volumes {
		switch {
		case v.PersistentVolumeClaim != nil:
			renames = append(renames, framework.Rename("PersistentVolumeClaim", v.PersistentVolumeClaim.ClaimName, newVM+"-"+v.Name))
		case v.CloudInitNoCloud != nil && v.CloudInitNoCloud.UserDataSecretRef != nil:
			secret := v.CloudInitNoCloud.UserDataSecretRef.Name
			renames = append(renames, framework.Rename("Secret", secret, newVM+"-"+secret))
		}
	}
	return renames, nil
}

func (w *workload) recordOf(vmName string) *vmRecord {
	for _, vm := range w.vms {
		if vm.name == vmName {
			return vm
		}
	}
	return &vmRecord{name: vmName, runStrategy: kubevirtv1.RunStrategyHalted}
}

// deleteSnapshot deletes a snapshot of the test's, a third of the time with
// foreground propagation as GitOps pruning does. A Retain snapshot that was
// cut promises that its content survives.
func (w *workload) deleteSnapshot(ctx context.Context) (bool, error) {
	name, ok := w.pickUndeleted(w.snapshots)
	if !ok {
		return false, nil
	}
	snap, err := getWithRetry(ctx, func(ctx context.Context) (*snapshotapi.VirtualMachineSnapshot, error) {
		return w.f.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshots(w.f.Namespace).Get(ctx, name, metav1.GetOptions{})
	})
	if apierrors.IsNotFound(err) {
		w.deleted[name] = true
		return true, nil
	}
	if err != nil {
		return true, err
	}
	cut := snap.Status.Phase == snapshotapi.SnapshotReady || snap.Status.CreationTime != nil
	if content := ptr.Deref(snap.Status.VirtualMachineSnapshotContentName, ""); content != "" && cut &&
		snap.Spec.GetDeletionPolicy() == snapshotapi.DeletionPolicyRetain {
		w.retained[content] = name
	}
	return w.deleteOne(ctx, []string{name}, "vmsnapshot "+string(snap.Status.Phase), func(ctx context.Context, name string, opts metav1.DeleteOptions) error {
		return w.f.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshots(w.f.Namespace).Delete(ctx, name, opts)
	})
}

// deleteOne deletes one of names not deleted yet; it reports false when
// every one is.
func (w *workload) deleteOne(ctx context.Context, names []string, kind string,
	del func(context.Context, string, metav1.DeleteOptions) error,
) (bool, error) {
	name, ok := w.pickUndeleted(names)
	if !ok {
		return false, nil
	}
	var opts metav1.DeleteOptions
	propagation := "background"
	if w.rng.IntN(3) == 0 {
		opts.PropagationPolicy = ptr.To(metav1.DeletePropagationForeground)
		propagation = "foreground"
	}
	w.deleted[name] = true
	w.run.logf("delete %s %s (%s)", kind, name, propagation)
	return true, retryAPI(ctx, func(ctx context.Context) error {
		return ignore(del(ctx, name, opts), apierrors.IsNotFound)
	})
}

func (w *workload) pickUndeleted(names []string) (string, bool) {
	live := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return w.deleted[n] })
	if len(live) == 0 {
		return "", false
	}
	return live[w.rng.IntN(len(live))], true
}

// claimsOf lists the claims a VM's volumes use.
func claimsOf(vm *kubevirtv1.VirtualMachine) []string {
	var claims []string
	for _, v := range vm.Spec.Template.Spec.Volumes {
		if v.PersistentVolumeClaim != nil {
			claims = append(claims, v.PersistentVolumeClaim.ClaimName)
		}
	}
	return claims
}

// secretsOf lists the Secrets a VM's cloud-init volumes use.
func secretsOf(vm *kubevirtv1.VirtualMachine) []string {
	var secrets []string
	for _, v := range vm.Spec.Template.Spec.Volumes {
		if c := v.CloudInitNoCloud; c != nil {
			for _, ref := range []*corev1.LocalObjectReference{c.UserDataSecretRef, c.NetworkDataSecretRef} {
				if ref != nil {
					secrets = append(secrets, ref.Name)
				}
			}
		}
	}
	return secrets
}

// retryAPI calls until the API server gives an answer that is not a
// passing fault (it may be restarting), or apiRetryTimeout passed.
func retryAPI(ctx context.Context, call func(context.Context) error) error {
	var last error
	err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, apiRetryTimeout, true, func(ctx context.Context) (bool, error) {
		last = call(ctx)
		return !passing(last), nil
	})
	if last != nil {
		return last
	}
	return err
}

// getWithRetry is retryAPI for a read.
func getWithRetry[T any](ctx context.Context, get func(context.Context) (T, error)) (T, error) {
	var out T
	err := retryAPI(ctx, func(ctx context.Context) error {
		var err error
		out, err = get(ctx)
		return err
	})
	return out, err
}

// passing reports whether an error may go away by itself: anything but a
// final answer of the API server about the request.
func passing(err error) bool {
	if err == nil {
		return false
	}
	for _, final := range []func(error) bool{
		apierrors.IsNotFound, apierrors.IsAlreadyExists, apierrors.IsInvalid,
		apierrors.IsForbidden, apierrors.IsBadRequest, apierrors.IsMethodNotSupported,
	} {
		if final(err) {
			return false
		}
	}
	return true
}

// ignore returns nil for an error that is what the caller wanted anyway.
func ignore(err error, expected func(error) bool) error {
	if expected(err) {
		return nil
	}
	return err
}
