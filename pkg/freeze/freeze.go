// Package freeze is what VM and disk snapshots share to be consistent: how
// consistent a snapshot of a VM's disks can be, the guest filesystem freeze
// and thaw through KubeVirt's subresources, and the VM lock that makes
// snapshots of one VM take turns.
//
// The VM lock is the VM's status.snapshotInProgress, as KubeVirt uses it:
// whoever is named there may freeze the VM; everyone else waits. A freeze
// always carries a short auto-thaw timeout, so a guest thaws by itself if the
// controller dies; every path that ends a snapshot thaws what it froze.
package freeze

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"
	kubevirtclient "kubevirt.io/client-go/kubevirt"

	"vmsnap.io/vmsnap/pkg/controller"
	"vmsnap.io/vmsnap/pkg/metrics"
)

// callTimeout bounds a freeze or thaw call that hangs.
const callTimeout = 10 * time.Second

// Mode is how consistent a snapshot of a VM's disks can be now.
type Mode int

const (
	// Offline: no running instance; the disks are quiet.
	Offline Mode = iota
	// Freeze: running with a connected guest agent; freeze for the cut.
	Freeze
	// NoAgent: running without a guest agent; crash-consistent only.
	NoAgent
	// Paused: paused; crash-consistent only, no freeze attempted.
	Paused
	// Starting: an instance exists but is neither running nor finished.
	Starting
)

// DecideMode reads the VM instance (nil when the VM is stopped).
func DecideMode(vmi *kubevirtv1.VirtualMachineInstance) Mode {
	if vmi == nil || vmi.IsFinal() {
		return Offline
	}
	if vmi.Status.Phase != kubevirtv1.Running {
		return Starting
	}
	if vmiCondition(vmi, kubevirtv1.VirtualMachineInstancePaused) {
		return Paused
	}
	if vmiCondition(vmi, kubevirtv1.VirtualMachineInstanceAgentConnected) {
		return Freeze
	}
	return NoAgent
}

func vmiCondition(vmi *kubevirtv1.VirtualMachineInstance, t kubevirtv1.VirtualMachineInstanceConditionType) bool {
	for _, c := range vmi.Status.Conditions {
		if c.Type == t {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// Freezer freezes and thaws guests and remembers, per snapshot, when this
// process froze and whether it thawed. The memory is not persisted on
// purpose: after a restart a snapshot freezes again before any cut still to
// come, and an extra thaw is harmless, so nothing needs to survive a crash.
type Freezer struct {
	client          kubevirtclient.Interface
	clock           clock.PassiveClock
	unfreezeTimeout time.Duration
	metrics         *metrics.Operations

	mu     sync.Mutex
	states map[types.UID]*state
	// thawing are the thaws under way: the thaw queue and the main sync
	// both thaw at the cut, often at the same moment, and one unfreeze call
	// serves both.
	thawing map[types.UID]*thawCall

	// vms are the VM writes of Lock, Unlock, Protect and Unprotect the
	// cache may not show yet.
	vms *controller.Written[*kubevirtv1.VirtualMachine]

	// maxFrozen bounds the VMs frozen at once (0: no bound); onThaw hears
	// of every freed place.
	maxFrozen int
	onThaw    []func(free int)
}

// ErrBusy is the error of a Freeze while the most VMs allowed are frozen.
var ErrBusy = errors.New("the most VMs allowed at once (--max-frozen-vms) are frozen for snapshots; waiting for one to thaw")

// LimitFrozen bounds how many VMs this process keeps frozen at once; 0
// removes the bound. Every frozen VM's VolumeSnapshots queue in the same CSI
// snapshot pipeline: freezing all of a large batch at once makes every guest
// wait for the whole batch's cuts, and can outlast the auto-thaw timeout.
func (f *Freezer) LimitFrozen(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.maxFrozen = n
}

// OnThaw registers fn to hear, after each thaw, how many more VMs may be
// frozen now.
func (f *Freezer) OnThaw(fn func(free int)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.onThaw = append(f.onThaw, fn)
}

type state struct {
	namespace, vmi string
	frozenAt       time.Time
	thawed         bool
}

func (s *state) frozen() bool { return !s.thawed && !s.frozenAt.IsZero() }

// placesTaken counts the VMs that hold a place among those that may be
// frozen at once. A VM whose thaw keeps failing gives its place back when
// its auto-thaw timeout has passed: the guest has thawed by itself by then,
// and a few such VMs must not starve every freeze in the cluster. Its thaw
// is still retried, and it stays in FrozenVMs until a thaw succeeds.
// Call with f.mu held.
func (f *Freezer) placesTaken() int {
	now := f.clock.Now()
	taken := 0
	for _, s := range f.states {
		if s.frozen() && now.Before(s.frozenAt.Add(f.unfreezeTimeout)) {
			taken++
		}
	}
	return taken
}

// NewFreezer returns a Freezer whose freezes auto-thaw after unfreezeTimeout.
// Frozen windows are recorded in m, which may be nil.
func NewFreezer(client kubevirtclient.Interface, clk clock.PassiveClock, unfreezeTimeout time.Duration, m *metrics.Operations) *Freezer {
	return &Freezer{client: client, clock: clk, unfreezeTimeout: unfreezeTimeout, metrics: m, states: map[types.UID]*state{},
		thawing: map[types.UID]*thawCall{}, vms: controller.NewWritten[*kubevirtv1.VirtualMachine]()}
}

// UnfreezeTimeout is the auto-thaw timeout sent with every freeze.
func (f *Freezer) UnfreezeTimeout() time.Duration { return f.unfreezeTimeout }

// Freeze freezes the VMI's filesystems for the snapshot with the given UID.
// The call ends with ctx (bound it by the snapshot's deadline) or after a
// short timeout. A failed freeze is thawed at once: it may have frozen part
// of the guest.
func (f *Freezer) Freeze(ctx context.Context, snapshot types.UID, namespace, vmiName string) error {
	callCtx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	// Mark first: a freeze that times out may still have frozen the guest,
	// and every path that ends the snapshot thaws what is marked.
	f.mu.Lock()
	if previous, ok := f.states[snapshot]; !ok || !previous.frozen() {
		if f.maxFrozen > 0 && f.placesTaken() >= f.maxFrozen {
			f.mu.Unlock()
			klog.FromContext(ctx).V(4).Info("Freeze deferred: no free place", "vmi", klog.KRef(namespace, vmiName), "maxFrozenVMs", f.maxFrozen)
			return ErrBusy
		}
	}
	f.states[snapshot] = &state{namespace: namespace, vmi: vmiName, frozenAt: f.clock.Now()}
	f.mu.Unlock()
	err := f.client.KubevirtV1().VirtualMachineInstances(namespace).Freeze(callCtx, vmiName, f.unfreezeTimeout)
	if err != nil {
		klog.FromContext(ctx).Info("Freeze failed", "vmi", klog.KRef(namespace, vmiName), "err", err)
		// ctx may be what ended the freeze (a deadline): thaw regardless.
		if thawErr := f.Thaw(context.WithoutCancel(ctx), snapshot, namespace, vmiName); thawErr != nil {
			return errors.Join(err, thawErr)
		}
		return err
	}
	klog.FromContext(ctx).V(2).Info("Froze the guest filesystems", "vmi", klog.KRef(namespace, vmiName), "unfreezeTimeout", f.unfreezeTimeout)
	return nil
}

// Thaw thaws the VMI's filesystems. A VMI that is gone needs no thaw.
func (f *Freezer) Thaw(ctx context.Context, snapshot types.UID, namespace, vmiName string) error {
	f.mu.Lock()
	if call, ok := f.thawing[snapshot]; ok {
		f.mu.Unlock()
		select {
		case <-call.done:
			return call.err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	call := &thawCall{done: make(chan struct{})}
	f.thawing[snapshot] = call
	f.mu.Unlock()
	call.err = f.thaw(ctx, snapshot, namespace, vmiName)
	f.mu.Lock()
	delete(f.thawing, snapshot)
	f.mu.Unlock()
	close(call.done)
	return call.err
}

// thawCall is one unfreeze call under way, and its result once done.
type thawCall struct {
	done chan struct{}
	err  error
}

func (f *Freezer) thaw(ctx context.Context, snapshot types.UID, namespace, vmiName string) error {
	callCtx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	err := f.client.KubevirtV1().VirtualMachineInstances(namespace).Unfreeze(callCtx, vmiName)
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("thawing the guest filesystems: %w", err)
	}
	f.markThawed(snapshot)
	klog.FromContext(ctx).V(2).Info("Thawed the guest filesystems", "vmi", klog.KRef(namespace, vmiName))
	return nil
}

// Frozen returns when this process froze the snapshot's VM, if it has not
// thawed it since.
func (f *Freezer) Frozen(snapshot types.UID) (time.Time, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.states[snapshot]
	if !ok || !s.frozen() {
		return time.Time{}, false
	}
	return s.frozenAt, true
}

// Thawed reports whether this process thawed the snapshot's VM.
func (f *Freezer) Thawed(snapshot types.UID) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.states[snapshot]
	return ok && s.thawed
}

// MarkThawed records that the snapshot's VM needs no thaw (its VMI is gone).
func (f *Freezer) MarkThawed(snapshot types.UID) { f.markThawed(snapshot) }

func (f *Freezer) markThawed(snapshot types.UID) {
	f.mu.Lock()
	freed := false
	if s, ok := f.states[snapshot]; ok {
		if s.frozen() {
			f.metrics.Thawed(f.clock.Since(s.frozenAt))
			freed = true
		}
		s.thawed = true
	} else {
		f.states[snapshot] = &state{thawed: true}
	}
	f.mu.Unlock()
	if freed {
		f.notifyThaw()
	}
}

func (f *Freezer) notifyThaw() {
	f.mu.Lock()
	free := -1 // no bound
	if f.maxFrozen > 0 {
		free = f.maxFrozen - f.placesTaken()
	}
	listeners := f.onThaw
	f.mu.Unlock()
	for _, fn := range listeners {
		fn(free)
	}
}

// FrozenVMs lists the VMs this process froze and has not thawed.
func (f *Freezer) FrozenVMs() []metrics.FrozenVM {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []metrics.FrozenVM
	for _, s := range f.states {
		if s.frozen() {
			out = append(out, metrics.FrozenVM{Namespace: s.namespace, Name: s.vmi, Since: s.frozenAt})
		}
	}
	return out
}

// Forget drops what is remembered of a snapshot that is gone.
func (f *Freezer) Forget(snapshot types.UID) {
	f.mu.Lock()
	s, ok := f.states[snapshot]
	freed := ok && s.frozen()
	delete(f.states, snapshot)
	f.mu.Unlock()
	if freed {
		f.notifyThaw()
	}
}

// LatestVM returns the newest known version of a cached VM: the cache's,
// or the one this process's last lock or unlock wrote, while the cache does
// not show that write yet. An unlock that read a VM from before its lock
// would otherwise leave the VM locked.
func (f *Freezer) LatestVM(cached *kubevirtv1.VirtualMachine) *kubevirtv1.VirtualMachine {
	return f.vms.Latest(cached.Namespace+"/"+cached.Name, cached)
}

// Lock names holder in the cached VM's status.snapshotInProgress. The
// update carries the resourceVersion that was read, so two holders cannot
// both win.
func (f *Freezer) Lock(ctx context.Context, cached *kubevirtv1.VirtualMachine, holder string) error {
	vm := f.LatestVM(cached)
	if ptr.Deref(vm.Status.SnapshotInProgress, "") == holder {
		return nil
	}
	vm = vm.DeepCopy()
	vm.Status.SnapshotInProgress = ptr.To(holder)
	return f.writeVMStatus(ctx, cached, vm)
}

// SourceProtection is the finalizer a VM snapshot puts on its VM while it
// holds the VM's lock and has not cut every disk: deleting the VM then
// waits for the cut. Once cut, the snapshot needs nothing of the VM.
const SourceProtection = "snapshot.vmsnap.io/source-protection"

// Protect puts SourceProtection on a VM whose lock holder holds. A VM
// already being deleted cannot take a finalizer; the caller checks that
// before it locks.
func (f *Freezer) Protect(ctx context.Context, cached *kubevirtv1.VirtualMachine, holder string) error {
	vm := f.LatestVM(cached)
	if ptr.Deref(vm.Status.SnapshotInProgress, "") != holder || slices.Contains(vm.Finalizers, SourceProtection) || vm.DeletionTimestamp != nil {
		return nil
	}
	vm = vm.DeepCopy()
	vm.Finalizers = append(vm.Finalizers, SourceProtection)
	return f.writeVM(ctx, cached, vm)
}

// Unprotect removes SourceProtection from a VM, if it is there.
func (f *Freezer) Unprotect(ctx context.Context, cached *kubevirtv1.VirtualMachine) error {
	vm := f.LatestVM(cached)
	if !slices.Contains(vm.Finalizers, SourceProtection) {
		return nil
	}
	vm = vm.DeepCopy()
	vm.Finalizers = slices.DeleteFunc(vm.Finalizers, func(s string) bool { return s == SourceProtection })
	if err := f.writeVM(ctx, cached, vm); err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	return nil
}

// writeVM updates the VM's metadata and spec (Protect, Unprotect).
func (f *Freezer) writeVM(ctx context.Context, cached, vm *kubevirtv1.VirtualMachine) error {
	return f.write(ctx, cached, vm, f.client.KubevirtV1().VirtualMachines(vm.Namespace).Update)
}

// Unlock clears the cached VM's status.snapshotInProgress if it names
// holder, after it removes SourceProtection: a crash between the two
// leaves the lock, and so the next Unlock.
func (f *Freezer) Unlock(ctx context.Context, cached *kubevirtv1.VirtualMachine, holder string) error {
	if cached == nil {
		return nil
	}
	vm := f.LatestVM(cached)
	if ptr.Deref(vm.Status.SnapshotInProgress, "") != holder {
		return nil
	}
	if err := f.Unprotect(ctx, cached); err != nil {
		return err
	}
	vm = f.LatestVM(cached).DeepCopy()
	vm.Status.SnapshotInProgress = nil
	err := f.writeVMStatus(ctx, cached, vm)
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// writeVMStatus updates the VM's status (Lock, Unlock).
func (f *Freezer) writeVMStatus(ctx context.Context, cached, vm *kubevirtv1.VirtualMachine) error {
	return f.write(ctx, cached, vm, f.client.KubevirtV1().VirtualMachines(vm.Namespace).UpdateStatus)
}

// write makes one VM write and remembers it until the cache shows it.
func (f *Freezer) write(ctx context.Context, cached, vm *kubevirtv1.VirtualMachine,
	update func(context.Context, *kubevirtv1.VirtualMachine, metav1.UpdateOptions) (*kubevirtv1.VirtualMachine, error),
) error {
	updated, err := update(ctx, vm, metav1.UpdateOptions{})
	if err != nil {
		return err
	}
	f.vms.Store(cached.Namespace+"/"+cached.Name, cached.ResourceVersion, updated)
	return nil
}

// Holder returns who holds the lock of a cached VM ("" for nobody), as the
// newest known version of the VM says (LatestVM).
func (f *Freezer) Holder(cached *kubevirtv1.VirtualMachine) string {
	return ptr.Deref(f.LatestVM(cached).Status.SnapshotInProgress, "")
}

// HeldByOther returns the holder of the VM lock when it is not holder.
func HeldByOther(vm *kubevirtv1.VirtualMachine, holder string) (string, bool) {
	current := ptr.Deref(vm.Status.SnapshotInProgress, "")
	return current, current != "" && current != holder
}
