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

package framework

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/wait"
)

// Eventually polls check until it reports done, or fails the test once
// timeout passed with what was wanted and what check saw last:
//
//	vmsnapshot ns/x: want phase Ready; last seen (after 1m0s): phase InProgress, conditions: ...
//
// check returns whether it is done and a description of what it saw. An
// error from check is not fatal: it is shown as what was seen, and polling
// goes on (a NotFound shows as "not found").
func (f *Framework) Eventually(subject, want string, timeout time.Duration, check func(ctx context.Context) (done bool, seen string, err error)) {
	f.t.Helper()
	started := time.Now()
	if err := poll(f.ctx, timeout, check, func(seen string, waited time.Duration) error {
		return fmt.Errorf("%s: want %s; last seen (after %s): %s", subject, want, waited.Round(100*time.Millisecond), seen)
	}); err != nil {
		f.t.Fatal(err)
	}
	if waited := time.Since(started); waited > slowWait {
		f.t.Logf("%s: %s after %s", subject, want, waited.Round(100*time.Millisecond))
	}
}

// slowWait is how long a wait may take before Eventually logs its duration,
// which tells where a slow test spent its time.
const slowWait = 5 * time.Second

// poll is the body of Eventually, apart from the test so that its message
// can be unit-tested.
func poll(ctx context.Context, timeout time.Duration, check func(ctx context.Context) (bool, string, error),
	timedOut func(seen string, waited time.Duration) error,
) error {
	started := time.Now()
	seen := "nothing yet"
	err := wait.PollUntilContextTimeout(ctx, PollInterval, timeout, true, func(ctx context.Context) (bool, error) {
		done, s, err := check(ctx)
		switch {
		case ctx.Err() != nil:
			// The poll's own timeout cut this check short: keep what the
			// last complete one saw.
			return false, nil
		case apierrors.IsNotFound(err):
			seen = "not found"
		case err != nil:
			seen = "error: " + err.Error()
		default:
			seen = s
		}
		return err == nil && done, nil
	})
	if err != nil {
		return timedOut(seen, time.Since(started))
	}
	return nil
}

// WaitForGone waits until get answers NotFound. get describes the object
// while it exists.
func (f *Framework) WaitForGone(subject string, get func(ctx context.Context) (string, error)) {
	f.t.Helper()
	f.Eventually(subject, "gone", DefaultTimeout, func(ctx context.Context) (bool, string, error) {
		seen, err := get(ctx)
		if apierrors.IsNotFound(err) {
			return true, "gone", nil
		}
		return false, seen, err
	})
}

// Consistently fails the test if check reports a violation at any poll
// within duration: for things that must not happen, such as a second
// freeze.
func (f *Framework) Consistently(subject, want string, duration time.Duration, check func(ctx context.Context) (ok bool, seen string, err error)) {
	f.t.Helper()
	deadline := time.Now().Add(duration)
	for time.Now().Before(deadline) {
		ok, seen, err := check(f.ctx)
		if err != nil {
			f.t.Fatalf("%s: checking that %s: %v", subject, want, err)
		}
		if !ok {
			f.t.Fatalf("%s: want %s the whole time; saw: %s", subject, want, seen)
		}
		select {
		case <-f.ctx.Done():
			f.t.Fatal(f.ctx.Err())
		case <-time.After(PollInterval):
		}
	}
}

// waitForObject polls an object with get until ok holds; what names it and
// want says what ok checks, and describe renders what was last seen, for
// the failure message. It returns the last object seen.
func waitForObject[T any](f *Framework, what, want string, timeout time.Duration,
	get func(context.Context) (T, error), describe func(T) string, ok func(T) bool,
) T {
	f.t.Helper()
	var last T
	f.Eventually(what, want, timeout, func(ctx context.Context) (bool, string, error) {
		obj, err := get(ctx)
		if err != nil {
			return false, "", err
		}
		last = obj
		return ok(obj), describe(obj), nil
	})
	return last
}

// waitForObjectGone waits until get answers NotFound, describing what it
// last saw.
func waitForObjectGone[T any](f *Framework, what string, get func(context.Context) (T, error), describe func(T) string) {
	f.t.Helper()
	f.WaitForGone(what, func(ctx context.Context) (string, error) {
		obj, err := get(ctx)
		if err != nil {
			return "", err
		}
		return describe(obj), nil
	})
}
