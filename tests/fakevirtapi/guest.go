package fakevirtapi

import (
	"context"
	"slices"
	"time"

	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
)

// Op is what was done to a VMI's guest filesystems.
type Op string

const (
	OpFreeze   Op = "Freeze"
	OpUnfreeze Op = "Unfreeze"
	// OpAutoThaw is the guest thawing itself because no unfreeze came within
	// the unfreezeTimeout of the freeze that froze it.
	OpAutoThaw Op = "AutoThaw"
)

// Result is the outcome of one Op.
type Result string

const (
	ResultFroze         Result = "Froze"
	ResultAlreadyFrozen Result = "AlreadyFrozen"
	ResultThawed        Result = "Thawed"
	ResultAlreadyThawed Result = "AlreadyThawed"
	// ResultFailed is an error answered to the client; the guest is unchanged.
	ResultFailed Result = "Failed"
	// ResultAbandoned is a call whose client gave up while it hung or was
	// delayed; the guest is unchanged.
	ResultAbandoned Result = "Abandoned"
)

// Call records one freeze or unfreeze request, or one auto-thaw.
type Call struct {
	// Time is when the request arrived, or when the auto-thaw happened.
	Time time.Time
	// Duration is how long the request took to answer or to be abandoned.
	Duration  time.Duration
	Namespace string
	Name      string
	Op        Op
	// UnfreezeTimeout is the freeze request's unfreezeTimeout as sent.
	UnfreezeTimeout time.Duration
	Result          Result
	// StatusCode is the HTTP status answered; 0 when nothing was answered.
	StatusCode int
	// Message is the error message answered, if any.
	Message string
}

// FrozenWindow is one interval during which a VMI's guest was frozen.
type FrozenWindow struct {
	From time.Time `json:"from"`
	// To and EndedBy are zero while the guest is still frozen.
	To      time.Time `json:"to,omitzero"`
	EndedBy Op        `json:"endedBy,omitempty"`
}

// Behavior tells the server how to answer one VMI's requests. The zero
// Behavior answers like a healthy guest agent.
type Behavior struct {
	// FreezeFailures is how many of the next freezes fail with an internal
	// error, as virt-api answers when the guest agent fails; a negative
	// number fails every freeze.
	FreezeFailures int
	// FreezeHangs makes every freeze block until its client gives up.
	FreezeHangs bool
	// FreezeDelay holds every freeze this long before it takes effect.
	FreezeDelay time.Duration

	// UnfreezeFailures, UnfreezeHangs and UnfreezeDelay do the same for
	// unfreezes. A failed unfreeze leaves the guest frozen and its auto-thaw
	// pending, as when virt-api cannot reach the guest.
	UnfreezeFailures int
	UnfreezeHangs    bool
	UnfreezeDelay    time.Duration
}

type vmiKey struct{ namespace, name string }

// guest is the freeze state of one VMI, as its guest agent would hold it.
type guest struct {
	behavior Behavior
	frozen   bool
	windows  []FrozenWindow
	// thaw is the pending auto-thaw of the current freeze, if any.
	thaw clock.Timer
	// thawGeneration tells an auto-thaw that fires after it was cancelled
	// that it is stale.
	thawGeneration uint64
}

// consumeFailure reports whether the next call fails, counting it down.
func consumeFailure(remaining *int) bool {
	switch {
	case *remaining < 0:
		return true
	case *remaining > 0:
		*remaining--
		return true
	default:
		return false
	}
}

// autoThawDelay is how long the guest stays frozen without an unfreeze.
// KubeVirt passes the timeout on in whole seconds and schedules no thaw
// for zero, so a timeout under one second never thaws by itself.
func autoThawDelay(unfreezeTimeout time.Duration) time.Duration {
	return unfreezeTimeout.Truncate(time.Second)
}

// SetBehavior sets how the server answers requests for one VMI, replacing
// any behaviour set before (and so any failures not yet used up).
func (s *Server) SetBehavior(namespace, name string, behavior Behavior) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.guestLocked(vmiKey{namespace, name}).behavior = behavior
}

// Calls returns every call recorded so far, in the order they were
// answered (auto-thaws when they happened).
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// FrozenWindows returns the intervals during which the VMI was frozen,
// oldest first; the last one is open while it is still frozen.
func (s *Server) FrozenWindows(namespace, name string) []FrozenWindow {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g, ok := s.guests[vmiKey{namespace, name}]; ok {
		return slices.Clone(g.windows)
	}
	return nil
}

// Frozen reports whether the VMI's guest is frozen now.
func (s *Server) Frozen(namespace, name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.guests[vmiKey{namespace, name}]
	return ok && g.frozen
}

func (s *Server) guestLocked(key vmiKey) *guest {
	g, ok := s.guests[key]
	if !ok {
		g = &guest{}
		s.guests[key] = g
	}
	return g
}

func (s *Server) behavior(key vmiKey) Behavior {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.guestLocked(key).behavior
}

// freeze freezes the guest the way KubeVirt's launcher does: freezing a
// frozen guest succeeds and leaves the pending auto-thaw of the first
// freeze as it was; it neither restarts nor replaces it.
func (s *Server) freeze(ctx context.Context, key vmiKey, unfreezeTimeout time.Duration) outcome {
	b := s.behavior(key)
	if err := s.stall(ctx, b.FreezeHangs, b.FreezeDelay); err != nil {
		return outcome{result: ResultAbandoned}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.guestLocked(key)
	switch {
	case consumeFailure(&g.behavior.FreezeFailures):
		return internalError(OpFreeze, "failed to freeze the guest filesystems")
	case g.frozen:
		return outcome{result: ResultAlreadyFrozen}
	}
	g.frozen = true
	g.windows = append(g.windows, FrozenWindow{From: s.clock.Now()})
	s.reportFreezeStatusLocked(ctx, key, true)
	if delay := autoThawDelay(unfreezeTimeout); delay > 0 {
		generation := g.thawGeneration
		// A goroutine of its own, because a fake clock runs this callback
		// while holding the lock that reading its time takes.
		g.thaw = s.clock.AfterFunc(delay, func() { go s.autoThaw(key, generation) })
	}
	return outcome{result: ResultFroze}
}

// unfreeze thaws the guest; thawing a thawed guest succeeds and does nothing.
func (s *Server) unfreeze(ctx context.Context, key vmiKey) outcome {
	b := s.behavior(key)
	if err := s.stall(ctx, b.UnfreezeHangs, b.UnfreezeDelay); err != nil {
		return outcome{result: ResultAbandoned}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.guestLocked(key)
	if consumeFailure(&g.behavior.UnfreezeFailures) {
		return internalError(OpUnfreeze, "failed to thaw the guest filesystems")
	}
	if !g.frozen {
		return outcome{result: ResultAlreadyThawed}
	}
	s.thawLocked(ctx, key, g, OpUnfreeze)
	return outcome{result: ResultThawed}
}

func (s *Server) autoThaw(key vmiKey, generation uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.guestLocked(key)
	if !g.frozen || g.thawGeneration != generation {
		return
	}
	s.thawLocked(context.Background(), key, g, OpAutoThaw)
	s.calls = append(s.calls, Call{
		Time:      s.clock.Now(),
		Namespace: key.namespace,
		Name:      key.name,
		Op:        OpAutoThaw,
		Result:    ResultThawed,
	})
	s.logger.Info("Guest thawed itself: no unfreeze within the unfreeze timeout", "vmi", klog.KRef(key.namespace, key.name))
}

func (s *Server) thawLocked(ctx context.Context, key vmiKey, g *guest, by Op) {
	g.frozen = false
	g.thawGeneration++
	if g.thaw != nil {
		g.thaw.Stop()
		g.thaw = nil
	}
	last := &g.windows[len(g.windows)-1]
	last.To = s.clock.Now()
	last.EndedBy = by
	s.reportFreezeStatusLocked(ctx, key, false)
}

// stall blocks a request that hangs until its client gives up, and one
// that is delayed until the delay passed or its client gave up.
func (s *Server) stall(ctx context.Context, hang bool, delay time.Duration) error {
	switch {
	case hang:
		<-ctx.Done()
		return ctx.Err()
	case delay > 0:
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.clock.After(delay):
			return nil
		}
	default:
		return nil
	}
}

// stopTimers cancels every pending auto-thaw; the guests stay as they are.
func (s *Server) stopTimers() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.guests {
		if g.thaw != nil {
			g.thaw.Stop()
			g.thaw = nil
		}
		g.thawGeneration++
	}
}
