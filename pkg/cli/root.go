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

// Package cli is kubectl-vmsnap, the kubectl plugin for vmsnap: one line to
// snapshot a VM, restore it, list and inspect its snapshots, and watch them
// progress. It speaks to the cluster through the generated clientsets and
// takes kubectl's own connection flags (k8s.io/cli-runtime).
//
// One file per command; what they share (clients, output, waiting, exit
// codes, completion) sits beside them.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"vmsnap.io/vmsnap/pkg/version"
)

// Exit codes. Scripts can tell an operation that failed from a command
// that could not run.
const (
	// ExitError: the command could not do its work (an API error, an object
	// not found, a bad flag value).
	ExitError = 1
	// ExitUsage: wrong arguments or flags.
	ExitUsage = 2
	// ExitFailed: the snapshot or restore failed, or a dry run found that a
	// Strict restore would fail.
	ExitFailed = 3
	// ExitInterrupted: Ctrl-C stopped the waiting; the operation goes on.
	ExitInterrupted = 130
)

// exitError carries an exit code with the error to print.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// withCode marks err with an exit code.
func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

// usageErrorf is a wrong-arguments error (exit 2).
func usageErrorf(format string, args ...any) error {
	return withCode(ExitUsage, fmt.Errorf(format, args...))
}

// Options are shared by every command: kubectl's connection flags, the
// streams, and the clients built from them on first use.
type Options struct {
	configFlags *genericclioptions.ConfigFlags
	genericiooptions.IOStreams

	clients *Clients
}

// Main runs the plugin with args and returns its exit code. SIGINT and
// SIGTERM cancel the command's context: a wait stops, the cluster's work
// does not.
func Main(args []string, streams genericiooptions.IOStreams) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmd := NewCommand(streams)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	fmt.Fprintf(streams.ErrOut, "error: %v\n", err)
	var coded *exitError
	if errors.As(err, &coded) {
		return coded.code
	}
	if strings.HasPrefix(err.Error(), "unknown command") {
		return ExitUsage
	}
	return ExitError
}

// NewCommand is the root command with every subcommand.
func NewCommand(streams genericiooptions.IOStreams) *cobra.Command {
	o := &Options{
		configFlags: genericclioptions.NewConfigFlags(true),
		IOStreams:   streams,
	}
	root := &cobra.Command{
		Use: "kubectl-vmsnap",
		// Help and usage read as the user types it.
		Annotations: map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl vmsnap"},
		Short:       "Snapshot and restore KubeVirt virtual machines with vmsnap",
		Long: `kubectl vmsnap snapshots KubeVirt virtual machines, restores them, and shows
what their snapshots hold.

  kubectl vmsnap create VM --wait         snapshot a VM and watch it happen
  kubectl vmsnap list [VM]                the snapshots, newest first
  kubectl vmsnap tree SNAPSHOT|VM         what a snapshot is made of
  kubectl vmsnap diff SNAPSHOT            what changed in the VM since
  kubectl vmsnap restore SNAPSHOT --dry-run   what a restore would change
  kubectl vmsnap wait SNAPSHOT|RESTORE    watch one to its end`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version.Get().String(),
		CompletionOptions: cobra.CompletionOptions{
			HiddenDefaultCmd: false,
		},
	}
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return withCode(ExitUsage, err) })
	o.configFlags.AddFlags(root.PersistentFlags())
	registerFlagCompletion(root, o)

	root.AddCommand(
		newCreateCommand(o),
		newRestoreCommand(o),
		newListCommand(o),
		newTreeCommand(o),
		newDiffCommand(o),
		newWaitCommand(o),
		newVersionCommand(o),
	)
	return root
}

// exactArgs is cobra.ExactArgs with the usage exit code and the names of
// the arguments in the message.
func exactArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != len(names) {
			return usageErrorf("%s takes %d argument(s): %v; got %d (see %s --help)", cmd.Name(), len(names), names, len(args), cmd.CommandPath())
		}
		return nil
	}
}

// rangeArgs is cobra.RangeArgs with the usage exit code.
func rangeArgs(lo, hi int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < lo || len(args) > hi {
			return usageErrorf("%s takes %s; got %d argument(s) (see %s --help)", cmd.Name(), what, len(args), cmd.CommandPath())
		}
		return nil
	}
}
