package freeze

import (
	"context"
	"errors"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	kubetesting "k8s.io/client-go/testing"
	testingclock "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"
	kubevirtfake "kubevirt.io/client-go/kubevirt/fake"
)

func TestDecideMode(t *testing.T) {
	running := func(conds ...kubevirtv1.VirtualMachineInstanceConditionType) *kubevirtv1.VirtualMachineInstance {
		vmi := &kubevirtv1.VirtualMachineInstance{Status: kubevirtv1.VirtualMachineInstanceStatus{Phase: kubevirtv1.Running}}
		for _, c := range conds {
			vmi.Status.Conditions = append(vmi.Status.Conditions, kubevirtv1.VirtualMachineInstanceCondition{Type: c, Status: corev1.ConditionTrue})
		}
		return vmi
	}
	for _, tc := range []struct {
		name string
		vmi  *kubevirtv1.VirtualMachineInstance
		want Mode
	}{
		{"stopped", nil, Offline},
		{"finished", &kubevirtv1.VirtualMachineInstance{Status: kubevirtv1.VirtualMachineInstanceStatus{Phase: kubevirtv1.Succeeded}}, Offline},
		{"scheduling", &kubevirtv1.VirtualMachineInstance{Status: kubevirtv1.VirtualMachineInstanceStatus{Phase: kubevirtv1.Scheduling}}, Starting},
		{"running with agent", running(kubevirtv1.VirtualMachineInstanceAgentConnected), Freeze},
		{"running without agent", running(), NoAgent},
		{"paused wins over agent", running(kubevirtv1.VirtualMachineInstanceAgentConnected, kubevirtv1.VirtualMachineInstancePaused), Paused},
	} {
		if got := DecideMode(tc.vmi); got != tc.want {
			t.Errorf("%s: mode %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestFreezerThawsAFailedFreezeAndRemembers(t *testing.T) {
	client := kubevirtfake.NewSimpleClientset()
	var calls []string
	client.PrependReactor("put", "virtualmachineinstances", func(a kubetesting.Action) (bool, runtime.Object, error) {
		calls = append(calls, a.GetSubresource())
		if a.GetSubresource() == "freeze" && len(calls) == 1 {
			return true, nil, errors.New("guest agent busy")
		}
		return true, nil, nil
	})
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	f := NewFreezer(client, testingclock.NewFakeClock(now), 5*time.Second, nil)
	ctx := context.Background()

	if err := f.Freeze(ctx, "snap-1", "ns", "vm"); err == nil {
		t.Fatal("a failed freeze reported success")
	}
	if len(calls) != 2 || calls[1] != "unfreeze" {
		t.Fatalf("calls %v: a failed freeze must be thawed at once", calls)
	}
	if _, frozen := f.Frozen("snap-1"); frozen || !f.Thawed("snap-1") {
		t.Fatal("after a failed freeze the snapshot must count as thawed")
	}

	if err := f.Freeze(ctx, "snap-1", "ns", "vm"); err != nil {
		t.Fatal(err)
	}
	if at, frozen := f.Frozen("snap-1"); !frozen || !at.Equal(now) {
		t.Fatalf("Frozen = %s, %v; want %s, true", at, frozen, now)
	}
	f.Forget("snap-1")
	if _, frozen := f.Frozen("snap-1"); frozen || f.Thawed("snap-1") {
		t.Fatal("Forget kept state")
	}
}

func TestLockAndUnlock(t *testing.T) {
	vm := &kubevirtv1.VirtualMachine{ObjectMeta: metav1.ObjectMeta{Name: "vm", Namespace: "ns", ResourceVersion: "1"}}
	client := kubevirtfake.NewSimpleClientset(vm)
	f := NewFreezer(client, testingclock.NewFakeClock(time.Now()), time.Minute, nil)
	ctx := context.Background()

	if err := f.Lock(ctx, vm, "snap-a"); err != nil {
		t.Fatal(err)
	}
	locked, _ := client.KubevirtV1().VirtualMachines("ns").Get(ctx, "vm", metav1.GetOptions{})
	if ptr.Deref(locked.Status.SnapshotInProgress, "") != "snap-a" {
		t.Fatalf("snapshotInProgress %v, want snap-a", locked.Status.SnapshotInProgress)
	}
	// A cache that has not seen the lock yet still shows the holder.
	if holder, busy := HeldByOther(f.LatestVM(vm), "snap-b"); !busy || holder != "snap-a" {
		t.Fatalf("HeldByOther = %q, %v; want snap-a, true", holder, busy)
	}
	if _, busy := HeldByOther(locked, "snap-a"); busy {
		t.Fatal("the holder is told the lock is held by another")
	}
	if err := f.Unlock(ctx, vm, "snap-b"); err != nil {
		t.Fatal(err)
	}
	still, _ := client.KubevirtV1().VirtualMachines("ns").Get(ctx, "vm", metav1.GetOptions{})
	if still.Status.SnapshotInProgress == nil {
		t.Fatal("a non-holder released the lock")
	}
	// Unlocking from the stale cached copy, which does not name the holder.
	if err := f.Unlock(ctx, vm, "snap-a"); err != nil {
		t.Fatal(err)
	}
	free, _ := client.KubevirtV1().VirtualMachines("ns").Get(ctx, "vm", metav1.GetOptions{})
	if free.Status.SnapshotInProgress != nil {
		t.Fatal("the holder did not release the lock it took, reading the VM from before the lock")
	}
}

func TestFreezerBoundsTheVMsFrozenAtOnce(t *testing.T) {
	client := kubevirtfake.NewSimpleClientset()
	var calls []string
	client.PrependReactor("put", "virtualmachineinstances", func(a kubetesting.Action) (bool, runtime.Object, error) {
		calls = append(calls, a.GetSubresource())
		return true, nil, nil
	})
	f := NewFreezer(client, testingclock.NewFakeClock(time.Now()), 5*time.Second, nil)
	f.LimitFrozen(2)
	var freed []int
	f.OnThaw(func(free int) { freed = append(freed, free) })
	ctx := context.Background()

	for _, snap := range []types.UID{"a", "b"} {
		if err := f.Freeze(ctx, snap, "ns", string(snap)); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Freeze(ctx, "c", "ns", "c"); !errors.Is(err, ErrBusy) {
		t.Fatalf("third freeze with two frozen: err %v, want ErrBusy", err)
	}
	if len(calls) != 2 {
		t.Fatalf("calls %v: a busy freeze must not reach the guest", calls)
	}
	if _, frozen := f.Frozen("c"); frozen {
		t.Fatal("a refused freeze counts as frozen")
	}
	// Freezing a snapshot's VM again does not take a second place.
	if err := f.Freeze(ctx, "a", "ns", "a"); err != nil {
		t.Fatalf("freezing a frozen snapshot's VM again: %v", err)
	}

	if err := f.Thaw(ctx, "a", "ns", "a"); err != nil {
		t.Fatal(err)
	}
	if len(freed) != 1 || freed[0] != 1 {
		t.Fatalf("OnThaw heard %v, want one place free", freed)
	}
	if err := f.Freeze(ctx, "c", "ns", "c"); err != nil {
		t.Fatalf("freeze after a thaw: %v", err)
	}
	// Forgetting a frozen snapshot (its object is gone) frees its place.
	f.Forget("b")
	if len(freed) != 2 || freed[1] != 1 {
		t.Fatalf("OnThaw heard %v after Forget, want a second place free", freed)
	}
	// No bound: everything freezes, and a thaw says so with -1.
	f.LimitFrozen(0)
	for _, snap := range []types.UID{"d", "e", "f"} {
		if err := f.Freeze(ctx, snap, "ns", string(snap)); err != nil {
			t.Fatalf("unbounded freeze of %s: %v", snap, err)
		}
	}
	if err := f.Thaw(ctx, "d", "ns", "d"); err != nil || freed[len(freed)-1] != -1 {
		t.Fatalf("unbounded thaw: err %v, heard %v; want -1 last", err, freed)
	}
}

// A thaw that keeps failing must not hold a place for good: once the
// auto-thaw timeout has passed the guest has thawed by itself, and its place
// goes to the next VM, while the failed thaw stays on record to be retried.
func TestFreezerGivesBackThePlaceOfAFailingThawAtTheAutoThaw(t *testing.T) {
	client := kubevirtfake.NewSimpleClientset()
	client.PrependReactor("put", "virtualmachineinstances", func(a kubetesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() == "unfreeze" {
			return true, nil, apierrors.NewInternalError(errors.New("virt-launcher unreachable"))
		}
		return true, nil, nil
	})
	clk := testingclock.NewFakeClock(time.Now())
	f := NewFreezer(client, clk, 5*time.Second, nil)
	f.LimitFrozen(1)
	ctx := context.Background()

	if err := f.Freeze(ctx, "a", "ns", "a"); err != nil {
		t.Fatal(err)
	}
	if err := f.Thaw(ctx, "a", "ns", "a"); err == nil {
		t.Fatal("the injected thaw failure was not returned")
	}
	if err := f.Freeze(ctx, "b", "ns", "b"); !errors.Is(err, ErrBusy) {
		t.Fatalf("freeze within a's auto-thaw timeout: err %v, want ErrBusy", err)
	}
	clk.Step(5 * time.Second)
	if err := f.Freeze(ctx, "b", "ns", "b"); err != nil {
		t.Fatalf("freeze after a's auto-thaw timeout: %v; a failing thaw starves every freeze", err)
	}
	if _, frozen := f.Frozen("a"); !frozen {
		t.Error("a's failed thaw is no longer on record to be retried")
	}
}

// A thaw asked for while one is under way for the same snapshot joins it
// rather than sending a second unfreeze: the thaw queue and the main sync
// both thaw at the cut.
func TestThawJoinsTheThawUnderWay(t *testing.T) {
	client := kubevirtfake.NewSimpleClientset()
	f := NewFreezer(client, testingclock.NewFakeClock(time.Now()), 5*time.Second, nil)
	var unfreezes int
	var joined error
	client.PrependReactor("put", "virtualmachineinstances", func(a kubetesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() == "unfreeze" {
			unfreezes++
			if unfreezes == 1 {
				// A second thaw while this one is under way: with its
				// context already done, it returns at once, having sent
				// nothing, which shows it waits for this call's result.
				canceled, cancel := context.WithCancel(context.Background())
				cancel()
				joined = f.Thaw(canceled, "snap-1", "ns", "vm")
			}
		}
		return true, nil, nil
	})
	if err := f.Thaw(context.Background(), "snap-1", "ns", "vm"); err != nil {
		t.Fatal(err)
	}
	if unfreezes != 1 || !errors.Is(joined, context.Canceled) {
		t.Errorf("%d unfreeze calls, the joining thaw returned %v; want 1 call and the joiner waiting for it", unfreezes, joined)
	}
	if !f.Thawed("snap-1") {
		t.Error("not marked thawed")
	}
}
