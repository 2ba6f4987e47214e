package app

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
)

// advisingLock wraps the leader election Lease lock. client-go retries a lock
// it cannot create or read forever and logs only the API's answer; a missing
// namespace or a missing permission never heals by waiting, so this wrapper
// names the cause and the fix, in the log and on /readyz.
//
// It also tells the fence (if any) when this replica renewed its lease, or
// gave it up.
type advisingLock struct {
	resourcelock.Interface
	namespace, name string
	logger          klog.Logger
	fence           *leaseFence
	clock           clock.PassiveClock

	mu      sync.Mutex
	problem error
}

func newAdvisingLock(lock resourcelock.Interface, namespace, name string, logger klog.Logger) *advisingLock {
	return &advisingLock{Interface: lock, namespace: namespace, name: name, logger: logger, clock: clock.RealClock{}}
}

func (l *advisingLock) Get(ctx context.Context) (*resourcelock.LeaderElectionRecord, []byte, error) {
	record, raw, err := l.Interface.Get(ctx)
	// A Lease that does not exist yet is the normal start: the elector creates it.
	if apierrors.IsNotFound(err) && !isMissingNamespace(err) {
		return record, raw, err
	}
	l.observe(err)
	return record, raw, err
}

func (l *advisingLock) Create(ctx context.Context, record resourcelock.LeaderElectionRecord) error {
	start := l.clock.Now()
	err := l.Interface.Create(ctx, record)
	l.observe(err)
	l.tellFence(start, record, err)
	return err
}

func (l *advisingLock) Update(ctx context.Context, record resourcelock.LeaderElectionRecord) error {
	start := l.clock.Now()
	err := l.Interface.Update(ctx, record)
	l.observe(err)
	l.tellFence(start, record, err)
	return err
}

// tellFence opens the fence after this replica took or renewed the lease,
// and closes it when the replica released it.
func (l *advisingLock) tellFence(start time.Time, record resourcelock.LeaderElectionRecord, err error) {
	switch {
	case l.fence == nil || err != nil:
	case record.HolderIdentity == l.Identity():
		l.fence.renewed(start)
	default:
		l.fence.released()
	}
}

// Problem returns why this replica cannot take part in the election, or nil.
func (l *advisingLock) Problem() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.problem
}

func (l *advisingLock) observe(err error) {
	problem := l.diagnose(err)
	if problem == nil && err != nil {
		return // a passing fault: client-go retries and logs it
	}
	l.mu.Lock()
	l.problem = problem
	l.mu.Unlock()
	if problem != nil {
		l.logger.Error(problem, "Cannot take part in leader election")
	}
}

// diagnose returns the cause and the fix of an error that waiting cannot
// heal, or nil.
func (l *advisingLock) diagnose(err error) error {
	lease := l.namespace + "/" + l.name
	switch {
	case err == nil:
		return nil
	case isMissingNamespace(err):
		return fmt.Errorf("the namespace %q of the leader election Lease %s does not exist: "+
			"create it (kubectl create namespace %s), point POD_NAMESPACE or --leader-elect-namespace at an existing namespace, "+
			"or run a single local process with --leader-elect=false", l.namespace, lease, l.namespace)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("not allowed to get, create or update the leader election Lease %s: "+
			"grant create on leases.coordination.k8s.io in namespace %q, and get and update on the Lease %s, to this process's identity "+
			"(manifests/rbac holds the Role, for the Lease vmsnap-controller), or run a single local process with --leader-elect=false: %w",
			lease, l.namespace, l.name, err)
	}
	return nil
}

// isMissingNamespace tells a NotFound about the Lease's namespace from one
// about the Lease itself.
func isMissingNamespace(err error) bool {
	var status apierrors.APIStatus
	if !apierrors.IsNotFound(err) || !errors.As(err, &status) {
		return false
	}
	details := status.Status().Details
	return details != nil && details.Kind == "namespaces"
}
