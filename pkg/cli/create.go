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
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kubevirtv1 "kubevirt.io/api/core/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
)

// Consistency values of --consistency.
const (
	consistencyRequired   = "required"
	consistencyBestEffort = "best-effort"
)

// maxSnapshotName is the longest name the API admits: it labels the
// snapshot's VolumeSnapshots.
const maxSnapshotName = 63

// createOptions are the flags of "create".
type createOptions struct {
	name        string
	consistency string
	group       string
	retain      bool
	deadline    time.Duration
	wait        bool
	output      string
}

func newCreateCommand(o *Options) *cobra.Command {
	co := &createOptions{}
	cmd := &cobra.Command{
		Use:   "create VM",
		Short: "Snapshot a virtual machine",
		Long: `Create a VirtualMachineSnapshot of VM.

With --wait (the default on a terminal) the command follows the snapshot:
its phase, the disks cut and ready out of all, and how long the guest has
been frozen; then a summary: consistent or not and why, size, time taken.
Ctrl-C stops the waiting, never the snapshot.

Exit codes: 0 created (and Ready with --wait), 1 could not create,
2 wrong arguments, 3 the snapshot failed, 130 stopped waiting.`,
		Example: `  kubectl vmsnap create my-vm
  kubectl vmsnap create my-vm --name before-upgrade --retain --wait
  kubectl vmsnap create my-vm --consistency best-effort --deadline 10m
  kubectl vmsnap create my-db --consistency-group required`,
		Args:              exactArgs("VM"),
		ValidArgsFunction: completeArgs(o, listVMs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("wait") {
				co.wait = isTerminal(o.Out)
			}
			return co.run(cmd.Context(), o, args[0])
		},
	}
	cmd.Flags().StringVar(&co.name, "name", "", "Name of the snapshot (default: VM-yyyymmddhhmmss, UTC)")
	cmd.Flags().StringVar(&co.consistency, "consistency", "", "required: only a stopped VM or a frozen guest; best-effort: a running VM without guest agent gets a crash-consistent snapshot (default: required)")
	cmd.Flags().StringVar(&co.group, "consistency-group", "", "auto: cut the VM's disks at one instant in one VolumeGroupSnapshot when the storage can; required: only so; disabled: one by one (default: auto)")
	cmd.Flags().BoolVar(&co.retain, "retain", false, "Keep the content and its VolumeSnapshots when the snapshot is deleted (deletionPolicy Retain)")
	cmd.Flags().DurationVar(&co.deadline, "deadline", 0, "How long the snapshot may take before it fails (default 5m; the API's default)")
	cmd.Flags().BoolVar(&co.wait, "wait", false, "Follow the snapshot to Ready or Failed (default: true on a terminal)")
	addOutputFlag(cmd, &co.output)
	_ = cmd.RegisterFlagCompletionFunc("consistency", cobra.FixedCompletions([]string{consistencyRequired, consistencyBestEffort}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("consistency-group", cobra.FixedCompletions(groupPolicyWords(), cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// snapshotFor builds the snapshot the flags ask for.
func (co *createOptions) snapshotFor(namespace, vm string, now time.Time) (*snapshotapi.VirtualMachineSnapshot, error) {
	name := co.name
	if name == "" {
		name = defaultSnapshotName(vm, now)
	}
	if len(name) > maxSnapshotName {
		return nil, usageErrorf("snapshot name %q is %d characters; at most %d (it labels the VolumeSnapshots)", name, len(name), maxSnapshotName)
	}
	snap := &snapshotapi.VirtualMachineSnapshot{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: snapshotapi.VirtualMachineSnapshotSpec{
			Source: corev1.TypedLocalObjectReference{
				APIGroup: &kubevirtv1.SchemeGroupVersion.Group,
				Kind:     kindVM,
				Name:     vm,
			},
		},
	}
	switch co.consistency {
	case "":
	case consistencyRequired, consistencyBestEffort:
		required := co.consistency == consistencyRequired
		snap.Spec.RequiredConsistency = &required
	default:
		return nil, usageErrorf("--consistency %q: use %s or %s", co.consistency, consistencyRequired, consistencyBestEffort)
	}
	if co.group != "" {
		policy, ok := groupPolicies[co.group]
		if !ok {
			return nil, usageErrorf("--consistency-group %q: use %s", co.group, strings.Join(groupPolicyWords(), ", "))
		}
		snap.Spec.ConsistencyGroup = policy
	}
	if co.retain {
		snap.Spec.DeletionPolicy = snapshotapi.DeletionPolicyRetain
	}
	if co.deadline < 0 {
		return nil, usageErrorf("--deadline %s: must not be negative", co.deadline)
	}
	if co.deadline > 0 {
		snap.Spec.FailureDeadline = &metav1.Duration{Duration: co.deadline}
	}
	return snap, nil
}

// groupPolicies are the words of --consistency-group.
var groupPolicies = map[string]snapshotapi.ConsistencyGroupPolicy{
	"auto":     snapshotapi.ConsistencyGroupAuto,
	"required": snapshotapi.ConsistencyGroupRequired,
	"disabled": snapshotapi.ConsistencyGroupDisabled,
}

func groupPolicyWords() []string { return []string{"auto", "required", "disabled"} }

// defaultSnapshotName is VM-yyyymmddhhmmss (UTC), the VM's name cut so the
// whole fits the API's limit.
func defaultSnapshotName(vm string, now time.Time) string {
	stamp := now.UTC().Format("20060102150405")
	if keep := maxSnapshotName - len(stamp) - 1; len(vm) > keep {
		vm = vm[:keep]
	}
	return vm + "-" + stamp
}

func (co *createOptions) run(ctx context.Context, o *Options, vm string) error {
	if err := checkOutput(co.output); err != nil {
		return err
	}
	c, err := o.Clients()
	if err != nil {
		return err
	}
	snap, err := co.snapshotFor(c.Namespace, vm, time.Now())
	if err != nil {
		return err
	}
	// A snapshot of a VM that is not there would wait out its deadline in
	// Pending; say so now.
	if _, err := c.Virt.KubevirtV1().VirtualMachines(c.Namespace).Get(ctx, vm, metav1.GetOptions{}); err != nil {
		if apierrors.IsNotFound(err) {
			return fmt.Errorf("virtual machine %q not found in namespace %q", vm, c.Namespace)
		}
		return fmt.Errorf("reading virtual machine %q: %w", vm, err)
	}
	created, err := c.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshots(c.Namespace).Create(ctx, snap, metav1.CreateOptions{})
	if err != nil {
		if apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("a snapshot named %q already exists in namespace %q: choose another with --name", snap.Name, c.Namespace)
		}
		return fmt.Errorf("creating snapshot %q: %w", snap.Name, err)
	}
	snapshots := c.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshots(c.Namespace)
	return o.finishCreate(ctx, creation{
		object:   created,
		resource: "virtualmachinesnapshot.snapshot.vmsnap.io",
		name:     created.Name,
		announce: fmt.Sprintf("Snapshot %s of VM %s created; waiting for it (Ctrl-C stops the waiting, not the snapshot).", created.Name, vm),
		follow: func(ctx context.Context, human *Options) error {
			return human.waitSnapshot(ctx, c, created.Name)
		},
		reread: func(ctx context.Context) (runtime.Object, error) {
			return snapshots.Get(ctx, created.Name, metav1.GetOptions{})
		},
	}, co.output, co.wait)
}
