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
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
)

// pollInterval is how often a wait reads the objects it shows. A wait
// reads a few objects a second at most; it is one person's terminal.
const pollInterval = 500 * time.Millisecond

// pollUntil calls step at once and then every interval until step says
// done or fails. When ctx ends first (Ctrl-C), the error says that only the
// waiting stopped and how to take it up again.
func pollUntil(ctx context.Context, interval time.Duration, resume string, step func(context.Context) (bool, error)) error {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		done, err := step(ctx)
		if ctx.Err() != nil {
			return stoppedWaiting(resume)
		}
		if err != nil || done {
			return err
		}
		select {
		case <-ctx.Done():
			return stoppedWaiting(resume)
		case <-ticker.C:
		}
	}
}

// stoppedWaiting is the Ctrl-C error: the operation is not touched.
func stoppedWaiting(resume string) error {
	return withCode(ExitInterrupted, fmt.Errorf("stopped waiting; the operation goes on in the cluster (%s to watch it again)", resume))
}

// isInterrupted tells the Ctrl-C error.
func isInterrupted(err error) bool {
	var coded *exitError
	return errors.As(err, &coded) && coded.code == ExitInterrupted
}

// progressLine shows one line of progress. On a terminal it is redrawn in
// place; elsewhere (a pipe, a CI log) a line is written each time it
// changes, so logs hold every step and no control characters.
type progressLine struct {
	out      io.Writer
	terminal bool
	last     string
	drawn    bool
}

func newProgressLine(out io.Writer) *progressLine {
	return &progressLine{out: out, terminal: isTerminal(out)}
}

// Show draws line; ticking is the part of it that changes every second
// (an elapsed time) and alone does not make a new line off a terminal.
func (p *progressLine) Show(line, ticking string) {
	if p.terminal {
		fmt.Fprintf(p.out, "\r\x1b[K%s%s", line, ticking)
		p.drawn = true
		return
	}
	if line == p.last {
		return
	}
	p.last = line
	fmt.Fprintf(p.out, "%s%s\n", line, ticking)
}

// Done ends the line so what follows starts on a fresh one.
func (p *progressLine) Done() {
	if p.terminal && p.drawn {
		fmt.Fprintln(p.out)
		p.drawn = false
	}
}

// phaseOrPending is a phase, Pending before the controller wrote one.
func phaseOrPending(phase string) string {
	if phase == "" {
		return "Pending"
	}
	return phase
}

// readyReason is what a progress line adds to the phase it shows: until
// Ready, the Ready condition's reason, when it says more than the phase
// (" (NoGuestAgent)"). Snapshots and restores name their Ready phase alike.
func readyReason(shownPhase string, conditions []metav1.Condition) string {
	c := meta.FindStatusCondition(conditions, snapshotapi.ConditionReady)
	if c == nil || shownPhase == string(snapshotapi.SnapshotReady) || c.Reason == "" || c.Reason == shownPhase {
		return ""
	}
	return " (" + c.Reason + ")"
}

// elapsed is the ticking end of a progress line: the time since created,
// to the second.
func elapsed(created metav1.Time, now time.Time) string {
	return " · " + since(now.Sub(created.Time).Truncate(time.Second))
}
