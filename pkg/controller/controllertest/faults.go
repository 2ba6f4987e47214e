package controllertest

import (
	"errors"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kubetesting "k8s.io/client-go/testing"
)

// Fault makes the fake API answer matching calls with an error, as a real
// API server, a webhook, a quota or a network does now and then.
type Fault struct {
	// Verb, Resource and Subresource select the calls ("create",
	// "volumesnapshots", ""; "update", "virtualmachinesnapshots", "status").
	// An empty Subresource matches only calls without one.
	Verb, Resource, Subresource string
	// Err is the answer. Use the errors of APIErrors.
	Err error
	// Skip lets this many matching calls through before the first failure.
	Skip int
	// Times is how many calls fail; 0: every matching call after Skip.
	Times int
	// Landed makes the call reach the store before the error is returned:
	// the write happened, but its answer was lost (a timeout, a dropped
	// connection, a process killed before it read the answer).
	Landed bool

	mu      sync.Mutex
	seen    int
	applied int
}

// Applied is how many calls the fault failed.
func (f *Fault) Applied() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.applied
}

func (f *Fault) take(a kubetesting.Action) bool {
	if a.GetVerb() != f.Verb || a.GetResource().Resource != f.Resource || a.GetSubresource() != f.Subresource {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen++
	if f.seen <= f.Skip || (f.Times > 0 && f.applied >= f.Times) {
		return false
	}
	f.applied++
	return true
}

// TrackingReactor is a fake clientset whose object tracker a landed fault
// writes to.
type TrackingReactor interface {
	Reactor
	Tracker() kubetesting.ObjectTracker
}

// Inject makes the fake answer with the faults. Reactors prepended later
// run first: injected after RecordWrites, a failed call is not recorded as
// a write.
func Inject(fake TrackingReactor, faults ...*Fault) {
	store := kubetesting.ObjectReaction(fake.Tracker())
	fake.PrependReactor("*", "*", func(a kubetesting.Action) (bool, runtime.Object, error) {
		for _, f := range faults {
			if !f.take(a) {
				continue
			}
			if f.Landed {
				if _, _, err := store(a); err != nil {
					return true, nil, err
				}
			}
			return true, nil, f.Err
		}
		return false, nil, nil
	})
}

// APIErrors are the answers a controller must survive on any call, by name.
func APIErrors() map[string]error {
	gr := schema.GroupResource{Group: "test", Resource: "things"}
	return map[string]error{
		"Conflict":      apierrors.NewConflict(gr, "thing", errors.New("the object has been modified")),
		"AlreadyExists": apierrors.NewAlreadyExists(gr, "thing"),
		"NotFound":      apierrors.NewNotFound(gr, "thing"),
		"InternalError": apierrors.NewInternalError(errors.New("etcdserver: request timed out")),
		"Timeout":       apierrors.NewTimeoutError("the server was unable to return a response in the time allotted", 1),
		"QuotaExceeded": apierrors.NewForbidden(gr, "thing", errors.New("exceeded quota: compute-resources")),
	}
}
