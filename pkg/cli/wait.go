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
	"strings"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
)

func newWaitCommand(o *Options) *cobra.Command {
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "wait SNAPSHOT|RESTORE",
		Short: "Follow a snapshot or restore to its end",
		Long: `Follow a VM snapshot, a restore or a disk snapshot until it is Ready or
Failed, showing its progress, then print a summary.

NAME alone is looked up among snapshots, restores and disk snapshots; when
more than one kind has that name, say which: snapshot/NAME, restore/NAME,
disksnapshot/NAME (kubectl's names work too: vmsnapshot/NAME, ...).

Exit codes: 0 Ready, 1 not found or --timeout passed, 2 wrong arguments,
3 Failed, 130 stopped waiting (Ctrl-C); the operation goes on either way.`,
		Example: `  kubectl vmsnap wait my-vm-20261206101500
  kubectl vmsnap wait restore/my-restore --timeout 10m`,
		Args:              exactArgs("SNAPSHOT|RESTORE"),
		ValidArgsFunction: completeArgs(o, listSnapshots, listRestores),
		RunE: func(cmd *cobra.Command, args []string) error {
			return waitFor(cmd.Context(), o, args[0], timeout)
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", 0, "Give up waiting after this long (exit 1); 0 waits until it ends")
	return cmd
}

func waitFor(ctx context.Context, o *Options, arg string, timeout time.Duration) error {
	kind, name, err := splitKind(arg, kindSnapshot, kindRestore, kindDiskSnapshot)
	if err != nil {
		return err
	}
	if timeout < 0 {
		return usageErrorf("--timeout %s: must not be negative", timeout)
	}
	c, err := o.Clients()
	if err != nil {
		return err
	}
	if kind == "" {
		if kind, err = findKind(ctx, c, name); err != nil {
			return err
		}
	}
	// The timeout cancels rather than sets a deadline: client-go's rate
	// limiter fails a call early that might not finish before a deadline,
	// and that would read as an API error.
	waitCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	if timeout > 0 {
		timer := time.AfterFunc(timeout, cancel)
		defer timer.Stop()
	}
	switch kind {
	case kindSnapshot:
		err = o.waitSnapshot(waitCtx, c, name)
	case kindDiskSnapshot:
		err = o.waitDiskSnapshot(waitCtx, c, name)
	case kindRestore:
		err = o.waitRestore(waitCtx, c, name)
	}
	if isInterrupted(err) && ctx.Err() == nil && waitCtx.Err() != nil {
		return fmt.Errorf("timed out after %s waiting for %s %q; it goes on in the cluster", timeout, kindWord(kind), name)
	}
	return err
}

// findKind looks NAME up among the kinds "wait" follows; it must be one.
func findKind(ctx context.Context, c *Clients, name string) (string, error) {
	api := c.VMSnap.SnapshotV1alpha1()
	lookups := []struct {
		kind string
		get  func() error
	}{
		{kindSnapshot, func() error {
			_, err := api.VirtualMachineSnapshots(c.Namespace).Get(ctx, name, metav1.GetOptions{})
			return err
		}},
		{kindRestore, func() error {
			_, err := api.VirtualMachineRestores(c.Namespace).Get(ctx, name, metav1.GetOptions{})
			return err
		}},
		{kindDiskSnapshot, func() error {
			_, err := api.VirtualDiskSnapshots(c.Namespace).Get(ctx, name, metav1.GetOptions{})
			return err
		}},
	}
	var found []string
	for _, l := range lookups {
		err := l.get()
		switch {
		case err == nil:
			found = append(found, l.kind)
		case !apierrors.IsNotFound(err):
			return "", fmt.Errorf("looking up %s %q: %w", kindWord(l.kind), name, err)
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("no snapshot, restore or disk snapshot named %q in namespace %q", name, c.Namespace)
	case 1:
		return found[0], nil
	}
	var words, choices []string
	for _, k := range found {
		words = append(words, kindWord(k))
		choices = append(choices, prefixFor(k)+"/"+name)
	}
	return "", usageErrorf("%q names a %s: say which, %s", name, strings.Join(words, " and a "), strings.Join(choices, " or "))
}

// waitDiskSnapshot follows a disk snapshot to Ready or Failed.
func (o *Options) waitDiskSnapshot(ctx context.Context, c *Clients, name string) error {
	line := newProgressLine(o.Out)
	var last *snapshotapi.VirtualDiskSnapshot
	err := pollUntil(ctx, pollInterval, "kubectl vmsnap wait disksnapshot/"+name, func(ctx context.Context) (bool, error) {
		s, err := c.VMSnap.SnapshotV1alpha1().VirtualDiskSnapshots(c.Namespace).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, fmt.Errorf("disk snapshot %q was deleted while waiting for it", name)
		}
		if err != nil {
			return false, fmt.Errorf("reading disk snapshot %q: %w", name, err)
		}
		last = s
		text, ticking := diskSnapshotProgress(s, time.Now())
		line.Show(text, ticking)
		return s.Status.Phase == snapshotapi.SnapshotReady || s.Status.Phase == snapshotapi.SnapshotFailed, nil
	})
	line.Done()
	if err != nil {
		return err
	}
	printSummary(o.Out, diskSnapshotSummary(last))
	if last.Status.Phase == snapshotapi.SnapshotFailed {
		return withCode(ExitFailed, errors.New("disk snapshot "+name+" failed"))
	}
	return nil
}

func diskSnapshotProgress(s *snapshotapi.VirtualDiskSnapshot, now time.Time) (line, ticking string) {
	phase := phaseOrPending(string(s.Status.Phase))
	return fmt.Sprintf("disk snapshot %s: %s%s", s.Name, phase, readyReason(phase, s.Status.Conditions)), elapsed(s.CreationTimestamp, now)
}

func diskSnapshotSummary(s *snapshotapi.VirtualDiskSnapshot) string {
	if s.Status.Phase == snapshotapi.SnapshotFailed {
		return fmt.Sprintf("Disk snapshot %s of disk %s failed: %s", s.Name, s.Spec.VirtualDiskName, failureMessage(s.Status.Error, s.Status.Conditions))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Disk snapshot %s of disk %s is Ready", s.Name, s.Spec.VirtualDiskName)
	if s.Status.RestoreSize != nil {
		fmt.Fprintf(&b, ", %s", s.Status.RestoreSize.String())
	}
	b.WriteString(". ")
	b.WriteString(consistencySentence(s.Status.Consistent, s.Status.Indications, 0, "no running VM was using the disk"))
	return b.String()
}
