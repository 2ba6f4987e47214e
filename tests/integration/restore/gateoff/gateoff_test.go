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

// Package gateoff runs the controller with the Restore feature gate off: a
// restore not started is told so, and nothing else happens to it; one the
// controller started while the gate was on fails and gives its VM back, and
// a deleted one is still cleaned up. It is a test binary of its own because
// the gate is set when the controller starts.
package gateoff

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/app"
	"vmsnap.io/vmsnap/pkg/features"
	"vmsnap.io/vmsnap/pkg/restore"
	"vmsnap.io/vmsnap/tests/framework"
)

func TestMain(m *testing.M) {
	framework.MainWithOptions(m, framework.Options{Configure: func(o *app.Options) {
		if err := o.FeatureGates.Set(string(features.Restore) + "=false"); err != nil {
			panic(err)
		}
	}})
}

// A restore created while the feature is off only gets a condition saying
// so: no phase, no finalizer, and its running VM is neither locked nor
// halted nor restored. Deleting it needs nothing more.
func TestRestoreFeatureOff(t *testing.T) {
	f := newTest(t)
	vm := runningVMWithSnapshot(t, f)
	f.CreateRestore("restore", "snap", framework.WithReadinessPolicy(snapshotapi.TargetReadinessStopTarget))

	off := f.WaitForRestoreCondition("restore", snapshotapi.ConditionReady, metav1.ConditionFalse, restore.ReasonFeatureDisabled, framework.DefaultTimeout)
	if off.Status.Phase != "" || len(off.Finalizers) != 0 || off.Status.TargetName != nil {
		t.Errorf("with the feature off, want only the condition; got %s, finalizers %v", framework.DescribeRestore(off), off.Finalizers)
	}
	f.WaitForEvent("VirtualMachineRestore", "restore", corev1.EventTypeWarning, restore.ReasonFeatureDisabled)

	f.Consistently("virtualmachine "+f.Namespace+"/"+vm.Name, "untouched: running, unlocked, the spec after the snapshot", 2*time.Second,
		func(ctx context.Context) (bool, string, error) {
			live, err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).Get(ctx, vm.Name, metav1.GetOptions{})
			if err != nil {
				return false, "", err
			}
			_, vmiErr := f.KubeVirt.KubevirtV1().VirtualMachineInstances(f.Namespace).Get(ctx, vm.Name, metav1.GetOptions{})
			return notReleased(live) == "" && memoryOf(live) == "256Mi" && vmiErr == nil,
				fmt.Sprintf("%s memory %s, instance: %v", describe(live), memoryOf(live), vmiErr), nil
		})

	f.DeleteRestore("restore")
	f.WaitForRestoreGone("restore")
}

// #12 item 2: a StopTarget restore that locked and halted its VM while the
// gate was on must not keep it so once the controller comes back with the
// gate off: it fails with FeatureDisabled and gives the VM back as the user
// left it, and deleting it then finishes.
func TestRestoreInProgressFailsWhenTheFeatureIsOff(t *testing.T) {
	f := newTest(t)
	vm := runningVMWithSnapshot(t, f)
	haltWithTheGateOn(t, f, vm.Name)

	if err := f.Controller.Restart(f.Context()); err != nil {
		t.Fatal(err)
	}
	f.WaitForRestoreCondition("restore", snapshotapi.ConditionReady, metav1.ConditionFalse, restore.ReasonFeatureDisabled, framework.DefaultTimeout)
	failed := f.WaitForRestoreCondition("restore", restore.ConditionCleanedUp, metav1.ConditionTrue, restore.ReasonCleanedUp, framework.DefaultTimeout)
	if failed.Status.Phase != snapshotapi.RestoreFailed || failed.Status.Error == nil {
		t.Errorf("want Failed with an error; got %s", framework.DescribeRestore(failed))
	}
	requireReleased(t, f, vm.Name)

	f.DeleteRestore("restore")
	f.WaitForRestoreGone("restore")
	requireReleased(t, f, vm.Name)
}

// A restore deleted half-way (its VM halted, one of its claims made) while
// the controller is down, which comes back with the gate off, is still
// cleaned up: its claim deleted, the VM unlocked and running again on its
// own disks; then it goes.
func TestDeletedRestoreIsCleanedUpWithTheFeatureOff(t *testing.T) {
	f := newTest(t)
	vm := runningVMWithSnapshot(t, f)
	lift := f.DenyClaimCreation("-disk1")
	defer lift()
	haltWithTheGateOn(t, f, vm.Name)
	f.DeleteVMI(vm.Name) // KubeVirt's part
	r := f.WaitForRestore("restore", "stuck creating the claim of disk1", framework.DefaultTimeout, func(r *snapshotapi.VirtualMachineRestore) bool {
		return r.Status.Error != nil && strings.Contains(*r.Status.Error.Message, "refused by the test")
	})
	first := restore.RandomizedClaimName(r.UID, "disk0")
	f.GetClaim(first)

	f.Controller.Stop()
	f.DeleteRestore("restore")
	if err := f.Controller.Restart(f.Context()); err != nil {
		t.Fatal(err)
	}

	f.WaitForRestoreGone("restore")
	f.WaitForClaimGone(first)
	requireReleased(t, f, vm.Name)
	if got := volumeClaim(f.GetVM(vm.Name), "disk0"); got != framework.ClaimName(vm.Name, "disk0") {
		t.Errorf("VM disk0 on %s; a restore deleted half-way must leave the VM on its own disks", got)
	}
}

// newTest is framework.New that also logs the namespace's restores when the
// test fails.
func newTest(t *testing.T) *framework.Framework {
	f := framework.New(t)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("vmrestores in %s:\n%s", f.Namespace, f.DescribeRestores(context.Background()))
		}
	})
	return f
}

// runningVMWithSnapshot makes VM "vm" with two disks and 128Mi, snapshots
// it stopped as "snap", then gives it 256Mi and starts it: a restore that
// got as far as replacing the spec would show as 128Mi.
func runningVMWithSnapshot(t *testing.T, f *framework.Framework) *kubevirtv1.VirtualMachine {
	t.Helper()
	vm := f.CreateVM("vm", framework.WithPVCDisks(2))
	f.CreateSnapshot("snap", vm.Name)
	f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	f.UpdateVM(vm.Name, func(vm *kubevirtv1.VirtualMachine) {
		vm.Spec.Template.Spec.Domain.Resources.Requests[corev1.ResourceMemory] = resource.MustParse("256Mi")
	})
	f.StartVM(vm, false)
	return vm
}

// haltWithTheGateOn runs, for this test, a controller with the gate on,
// and creates a StopTarget restore "restore" of the running VM; it returns
// once the restore locked and halted the VM and waits for it to stop,
// which only the test's DeleteVMI would do.
func haltWithTheGateOn(t *testing.T, f *framework.Framework, vmName string) {
	t.Helper()
	f.RunControllerVariant(framework.Variant{Configure: func(o *app.Options) {
		// The copy of the options shares the suite's gate: set a copy of it.
		gate := o.FeatureGates.DeepCopy()
		if err := gate.Set(string(features.Restore) + "=true"); err != nil {
			t.Fatal(err)
		}
		o.FeatureGates = gate
	}})
	f.CreateRestore("restore", "snap", framework.WithReadinessPolicy(snapshotapi.TargetReadinessStopTarget))
	r := f.WaitForRestoreCondition("restore", snapshotapi.ConditionProgressing, metav1.ConditionTrue, restore.ReasonStoppingTarget, framework.DefaultTimeout)
	halted := f.GetVM(vmName)
	if r.Status.Phase != snapshotapi.RestoreInProgress || ptr.Deref(halted.Status.RestoreInProgress, "") != "restore" ||
		ptr.Deref(halted.Spec.RunStrategy, "") != kubevirtv1.RunStrategyHalted {
		t.Fatalf("with the gate on: want the restore InProgress and the VM locked and halted; got %s; VM %s", framework.DescribeRestore(r), describe(halted))
	}
}

// requireReleased waits until the VM is as the user left it: unlocked, run
// strategy Always with nothing recorded to give back, and not restored.
func requireReleased(t *testing.T, f *framework.Framework, vmName string) {
	t.Helper()
	f.Eventually("virtualmachine "+f.Namespace+"/"+vmName, "released: unlocked, run strategy Always, the spec after the snapshot", framework.DefaultTimeout,
		func(ctx context.Context) (bool, string, error) {
			live, err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).Get(ctx, vmName, metav1.GetOptions{})
			if err != nil {
				return false, "", err
			}
			return notReleased(live) == "" && memoryOf(live) == "256Mi", describe(live) + ", memory " + memoryOf(live), nil
		})
}

// notReleased says what keeps a VM from being as the user left it, running,
// or "" if nothing does.
func notReleased(vm *kubevirtv1.VirtualMachine) string {
	var problems []string
	if holder := ptr.Deref(vm.Status.RestoreInProgress, ""); holder != "" {
		problems = append(problems, "locked by "+holder)
	}
	if rs := ptr.Deref(vm.Spec.RunStrategy, ""); rs != kubevirtv1.RunStrategyAlways {
		problems = append(problems, "run strategy "+string(rs))
	}
	if recorded, ok := vm.Annotations[restore.AnnRunStrategyBeforeRestore]; ok {
		problems = append(problems, "run strategy to give back still recorded: "+recorded)
	}
	return strings.Join(problems, ", ")
}

func describe(vm *kubevirtv1.VirtualMachine) string {
	return fmt.Sprintf("run strategy %s, restoreInProgress %q, annotations %v",
		ptr.Deref(vm.Spec.RunStrategy, ""), ptr.Deref(vm.Status.RestoreInProgress, ""), vm.Annotations)
}

func memoryOf(vm *kubevirtv1.VirtualMachine) string {
	q := vm.Spec.Template.Spec.Domain.Resources.Requests[corev1.ResourceMemory]
	return q.String()
}

// volumeClaim is the claim a VM volume uses.
func volumeClaim(vm *kubevirtv1.VirtualMachine, volume string) string {
	for _, v := range vm.Spec.Template.Spec.Volumes {
		if v.Name == volume && v.PersistentVolumeClaim != nil {
			return v.PersistentVolumeClaim.ClaimName
		}
	}
	return "<no claim volume " + volume + ">"
}
