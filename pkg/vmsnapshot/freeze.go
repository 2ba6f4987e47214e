package vmsnapshot

import (
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	kubevirtv1 "kubevirt.io/api/core/v1"
)

// consistencyMode is how a snapshot can be consistent, given the VM's state.
type consistencyMode int

const (
	// modeOffline: no running instance; the disks are quiet.
	modeOffline consistencyMode = iota
	// modeFreeze: running with a connected guest agent; freeze for the cut.
	modeFreeze
	// modeNoAgent: running without a guest agent; crash-consistent only.
	modeNoAgent
	// modePaused: paused; crash-consistent only, no freeze attempted.
	modePaused
	// modeStarting: an instance exists but is neither running nor finished.
	modeStarting
)

// decideMode reads the VM instance (nil when the VM is stopped).
func decideMode(vmi *kubevirtv1.VirtualMachineInstance) consistencyMode {
	if vmi == nil || vmi.IsFinal() {
		return modeOffline
	}
	if vmi.Status.Phase != kubevirtv1.Running {
		return modeStarting
	}
	if vmiCondition(vmi, kubevirtv1.VirtualMachineInstancePaused) {
		return modePaused
	}
	if vmiCondition(vmi, kubevirtv1.VirtualMachineInstanceAgentConnected) {
		return modeFreeze
	}
	return modeNoAgent
}

func vmiCondition(vmi *kubevirtv1.VirtualMachineInstance, t kubevirtv1.VirtualMachineInstanceConditionType) bool {
	for _, c := range vmi.Status.Conditions {
		if c.Type == t {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// freezeTracker remembers, per snapshot, when this process froze its VM and
// whether it thawed it. It is memory only on purpose: after a restart the
// controller freezes again before any cut still to come (a freeze of a
// frozen guest only renews its auto-thaw timer) and an extra thaw is
// harmless, so nothing here needs to survive a crash.
type freezeTracker struct {
	mu     sync.Mutex
	states map[types.UID]*freezeState
}

type freezeState struct {
	frozenAt time.Time
	thawed   bool
}

func newFreezeTracker() *freezeTracker {
	return &freezeTracker{states: map[types.UID]*freezeState{}}
}

// frozen returns when the snapshot's VM was frozen, if it is frozen now.
func (t *freezeTracker) frozen(uid types.UID) (time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.states[uid]
	if !ok || s.thawed {
		return time.Time{}, false
	}
	return s.frozenAt, true
}

// thawed reports whether this process already thawed the snapshot's VM.
func (t *freezeTracker) thawed(uid types.UID) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.states[uid]
	return ok && s.thawed
}

func (t *freezeTracker) markFrozen(uid types.UID, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.states[uid] = &freezeState{frozenAt: at}
}

func (t *freezeTracker) markThawed(uid types.UID) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if s, ok := t.states[uid]; ok {
		s.thawed = true
	} else {
		t.states[uid] = &freezeState{thawed: true}
	}
}

func (t *freezeTracker) forget(uid types.UID) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.states, uid)
}
