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

package killpoints

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/freeze"
	"vmsnap.io/vmsnap/pkg/restore"
	"vmsnap.io/vmsnap/tests/framework"
)

// killTimeout bounds the wait for the k-th write of an operation: every
// operation here writes within a few seconds, but how many times (a retry,
// a status write held back) varies a little from run to run.
const killTimeout = 20 * time.Second

// operation is one user action whose every write the suite kills after.
type operation struct {
	// prepare makes what the operation starts from, with a controller
	// that is not killed; its writes are not counted.
	prepare func(f *framework.Framework)
	// start makes the objects that set the operation going.
	start func(f *framework.Framework)
	// finish waits for the operation's end and checks what a user sees.
	finish func(t *testing.T, f *framework.Framework)
}

// runKillPoints runs op once to count its writes W, then once for every k
// in 1..W with the controller killed right after its k-th write and started
// again, and checks each run's end.
func runKillPoints(t *testing.T, op operation) {
	writes := countWrites(t, op)
	t.Logf("the operation takes %d writes: %v", len(writes), writes)
	if len(writes) == 0 {
		t.Fatal("the operation made no write")
	}
	for k := 1; k <= len(writes); k++ {
		t.Run(fmt.Sprintf("killed after write %d", k), func(t *testing.T) {
			f := framework.New(t)
			op.prepare(f)
			kill := framework.NewKillSwitch(k, f.Namespace)
			f.Controller.Stop()
			if err := f.Controller.StartWithKillSwitch(kill); err != nil {
				t.Fatal(err)
			}
			if err := f.Controller.WaitReady(f.Context()); err != nil && !isClosed(kill.Killed()) {
				t.Fatal(err)
			}
			op.start(f)
			select {
			case <-kill.Killed():
				t.Logf("killed after %v", kill.Writes()[k-1])
			case <-time.After(killTimeout):
				t.Logf("no write %d within %s (writes %v); restarting anyway", k, killTimeout, kill.Writes())
			}
			restartWith(t, f, f.Controller.Start)
			op.finish(t, f)
		})
	}
}

// settled waits until the VM is no longer locked by a snapshot or restore
// of the preparation, whose last write (the unlock) follows Ready.
func settled(f *framework.Framework) {
	f.Eventually("VM "+f.Namespace+"/vm", "unlocked, unprotected, its run strategy its own", framework.DefaultTimeout, func(ctx context.Context) (bool, string, error) {
		vm := f.GetVM("vm")
		_, stopped := vm.Annotations[restore.AnnStoppedByRestore]
		return vm.Status.SnapshotInProgress == nil && vm.Status.RestoreInProgress == nil && !slices.Contains(vm.Finalizers, freeze.SourceProtection) && !stopped,
			fmt.Sprintf("snapshotInProgress=%v restoreInProgress=%v finalizers=%v annotations=%v",
				ptr.Deref(vm.Status.SnapshotInProgress, ""), ptr.Deref(vm.Status.RestoreInProgress, ""), vm.Finalizers, vm.Annotations), nil
	})
}

// readySnapshot prepares a Ready snapshot "snap" of the VM, its VM
// unlocked again.
func readySnapshot(f *framework.Framework, vmName string, opts ...framework.SnapshotOption) {
	f.CreateSnapshot("snap", vmName, opts...)
	f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
	settled(f)
}

func countWrites(t *testing.T, op operation) []string {
	var writes []string
	t.Run("count writes", func(t *testing.T) {
		f := framework.New(t)
		op.prepare(f)
		count := framework.NewKillSwitch(0, f.Namespace)
		restartWith(t, f, func() error { return f.Controller.StartWithKillSwitch(count) })
		op.start(f)
		op.finish(t, f)
		writes = count.Writes()
		restartWith(t, f, f.Controller.Start)
	})
	return writes
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

func restartWith(t *testing.T, f *framework.Framework, start func() error) {
	t.Helper()
	f.Controller.Stop()
	if err := start(); err != nil {
		t.Fatal(err)
	}
	if err := f.Controller.WaitReady(f.Context()); err != nil {
		t.Fatal(err)
	}
}

func TestKillPointsSnapshotOfAStoppedVM(t *testing.T) {
	runKillPoints(t, operation{
		prepare: func(f *framework.Framework) { f.CreateVM("vm", framework.WithPVCDisks(2), framework.WithCloudInit()) },
		start:   func(f *framework.Framework) { f.CreateSnapshot("snap", "vm") },
		finish: func(t *testing.T, f *framework.Framework) {
			snap := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
			requireComplete(t, f, snap, 2, true)
		},
	})
}

// A Retain snapshot's content is created as the snapshot's dependent and
// released before the cut: wherever the controller dies, the snapshot ends
// Ready with a content that no longer depends on it.
func TestKillPointsRetainSnapshotOfAStoppedVM(t *testing.T) {
	runKillPoints(t, operation{
		prepare: func(f *framework.Framework) { f.CreateVM("vm", framework.WithPVCDisks(1)) },
		start: func(f *framework.Framework) {
			f.CreateSnapshot("snap", "vm", framework.WithDeletionPolicy(snapshotapi.DeletionPolicyRetain))
		},
		finish: func(t *testing.T, f *framework.Framework) {
			snap := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
			requireComplete(t, f, snap, 1, true)
			if content := f.ContentOf(snap); len(content.OwnerReferences) != 0 {
				t.Errorf("the retained content %s still has owners %+v", content.Name, content.OwnerReferences)
			}
		},
	})
}

func TestKillPointsSnapshotOfARunningVMWithAgent(t *testing.T) {
	runKillPoints(t, operation{
		prepare: func(f *framework.Framework) { f.StartVM(f.CreateVM("vm", framework.WithPVCDisks(2)), true) },
		start:   func(f *framework.Framework) { f.CreateSnapshot("snap", "vm") },
		finish: func(t *testing.T, f *framework.Framework) {
			snap := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, framework.DefaultTimeout)
			requireComplete(t, f, snap, 2, false)
			requireThawed(t, f, "vm")
			if ptr.Deref(snap.Status.Consistent, false) {
				requireCutInOneWindow(t, f, snap)
			}
		},
	})
}

func TestKillPointsDeletionOfADeleteSnapshot(t *testing.T) {
	runKillPoints(t, operation{
		prepare: func(f *framework.Framework) {
			vm := f.CreateVM("vm", framework.WithPVCDisks(2), framework.WithCloudInit())
			readySnapshot(f, vm.Name)
		},
		start: func(f *framework.Framework) { f.DeleteSnapshot("snap") },
		finish: func(t *testing.T, f *framework.Framework) {
			f.WaitForSnapshotGone("snap")
			f.WaitForNoSnapshotData()
		},
	})
}

func TestKillPointsDeletionOfARetainSnapshot(t *testing.T) {
	runKillPoints(t, operation{
		prepare: func(f *framework.Framework) {
			vm := f.CreateVM("vm", framework.WithPVCDisks(2))
			readySnapshot(f, vm.Name, framework.WithDeletionPolicy(snapshotapi.DeletionPolicyRetain))
		},
		start: func(f *framework.Framework) { f.DeleteSnapshot("snap") },
		finish: func(t *testing.T, f *framework.Framework) {
			f.WaitForSnapshotGone("snap")
			contents, err := f.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshotContents(f.Namespace).List(f.Context(), metav1.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(contents.Items) != 1 || contents.Items[0].DeletionTimestamp != nil || len(contents.Items[0].OwnerReferences) != 0 {
				t.Fatalf("want the one retained content, released and kept; got %d contents: %+v", len(contents.Items), contents.Items)
			}
			if n := len(f.VolumeSnapshotsOf(&contents.Items[0])); n != 2 {
				t.Errorf("want the retained content's 2 VolumeSnapshots; got %d", n)
			}
		},
	})
}

func TestKillPointsDiskSnapshotOfARunningVM(t *testing.T) {
	runKillPoints(t, operation{
		prepare: func(f *framework.Framework) { f.StartVM(f.CreateVM("vm", framework.WithPVCDisks(1)), true) },
		start:   func(f *framework.Framework) { f.CreateDiskSnapshot("disk", framework.ClaimName("vm", "disk0")) },
		finish: func(t *testing.T, f *framework.Framework) {
			ds := f.WaitForDiskSnapshotPhase("disk", snapshotapi.SnapshotReady, framework.DefaultTimeout)
			if ds.Status.VolumeSnapshotName == nil || ds.Status.SourceUID == nil || !ptr.Deref(ds.Status.ReadyToUse, false) {
				t.Errorf("Ready without its VolumeSnapshot or source: %s", framework.DescribeDiskSnapshot(ds))
			}
			if n := len(f.ListVolumeSnapshots()); n != 1 {
				t.Errorf("want one VolumeSnapshot; got %d", n)
			}
			requireThawed(t, f, "vm")
			settled(f)
		},
	})
}

func TestKillPointsRestoreAsANewVM(t *testing.T) {
	runKillPoints(t, operation{
		prepare: func(f *framework.Framework) {
			vm := f.CreateVM("vm", framework.WithPVCDisks(2), framework.WithCloudInit())
			readySnapshot(f, vm.Name)
		},
		start: func(f *framework.Framework) {
			f.CreateRestore("restore", "snap",
				framework.Rename("VirtualMachine", "vm", "vm2"),
				framework.Rename("PersistentVolumeClaim", framework.ClaimName("vm", "disk0"), "vm2-disk0"),
				framework.Rename("PersistentVolumeClaim", framework.ClaimName("vm", "disk1"), "vm2-disk1"),
				framework.Rename("Secret", framework.CloudInitSecretName("vm"), framework.CloudInitSecretName("vm2")))
		},
		finish: func(t *testing.T, f *framework.Framework) {
			r := f.WaitForRestorePhase("restore", snapshotapi.RestoreReady, framework.DefaultTimeout)
			if !ptr.Deref(r.Status.Complete, false) {
				t.Errorf("Ready but not complete: %s", framework.DescribeRestore(r))
			}
			f.GetVM("vm2")
			f.GetClaim("vm2-disk0")
			f.GetClaim("vm2-disk1")
			if _, err := f.Kube.CoreV1().Secrets(f.Namespace).Get(f.Context(), framework.CloudInitSecretName("vm2"), metav1.GetOptions{}); err != nil {
				t.Errorf("the restored cloud-init Secret: %v", err)
			}
			if claims := f.ListClaims(""); len(claims) != 4 {
				t.Errorf("want the source's 2 claims and the 2 restored ones; got %d", len(claims))
			}
			settled(f)
		},
	})
}

func TestKillPointsInPlaceRestoreWithStopTarget(t *testing.T) {
	runKillPoints(t, operation{
		prepare: func(f *framework.Framework) {
			vm := f.CreateVM("vm", framework.WithPVCDisks(1))
			readySnapshot(f, vm.Name)
			f.StartVM(vm, false)
		},
		start: func(f *framework.Framework) {
			f.CreateRestore("restore", "snap", framework.WithReadinessPolicy(snapshotapi.TargetReadinessStopTarget))
			// KubeVirt's part, as the restore goes on: the halted VM's
			// instance goes away, so the writes after the halt come too.
			go stopWhenHalted(f, "vm")
		},
		finish: func(t *testing.T, f *framework.Framework) {
			r := f.WaitForRestorePhase("restore", snapshotapi.RestoreReady, framework.DefaultTimeout)
			vm := f.GetVM("vm")
			if ptr.Deref(vm.Spec.RunStrategy, "") != kubevirtv1.RunStrategyAlways {
				t.Errorf("the VM ran before the restore; want it started again, run strategy %v (%s)",
					ptr.Deref(vm.Spec.RunStrategy, ""), framework.DescribeRestore(r))
			}
			settled(f)
		},
	})
}

// stopWhenHalted plays virt-controller: once the VM's run strategy is
// Halted, its instance is deleted. It gives up after framework.DefaultTimeout.
func stopWhenHalted(f *framework.Framework, vmName string) {
	ctx, cancel := context.WithTimeout(f.Context(), framework.DefaultTimeout)
	defer cancel()
	_ = wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		vm, err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).Get(ctx, vmName, metav1.GetOptions{})
		if err != nil || ptr.Deref(vm.Spec.RunStrategy, "") != kubevirtv1.RunStrategyHalted {
			return false, nil
		}
		err = f.KubeVirt.KubevirtV1().VirtualMachineInstances(f.Namespace).Delete(ctx, vmName, metav1.DeleteOptions{})
		return err == nil || apierrors.IsNotFound(err), nil
	})
}

// requireComplete checks that a Ready snapshot has what a restore needs and
// stays Ready, and that the VM is unlocked.
func requireComplete(t *testing.T, f *framework.Framework, snap *snapshotapi.VirtualMachineSnapshot, volumes int, offline bool) {
	t.Helper()
	content := f.ContentOf(snap)
	if snap.Status.SourceUID == nil || ptr.Deref(snap.Status.VirtualMachineSnapshotContentName, "") != content.Name ||
		snap.Status.SnapshotVolumes == nil || len(snap.Status.SnapshotVolumes.IncludedVolumes) != volumes {
		t.Errorf("Ready without what the content recorded: %s", framework.DescribeSnapshot(snap))
	}
	if !offline && len(snap.Status.Indications) == 0 {
		t.Errorf("Ready without indications: %s", framework.DescribeSnapshot(snap))
	}
	if n := len(f.VolumeSnapshotsOf(content)); n != volumes {
		t.Errorf("want %d VolumeSnapshots; got %d", volumes, n)
	}
	for _, b := range content.Spec.SecretBackups {
		if _, err := f.Kube.CoreV1().Secrets(f.Namespace).Get(f.Context(), b.BackupSecretName, metav1.GetOptions{}); err != nil {
			t.Errorf("Secret copy %s of %s: %v", b.BackupSecretName, b.Name, err)
		}
	}
	settled(f)
	f.Consistently("vmsnapshot "+f.Namespace+"/"+snap.Name, "to stay Ready", 2*time.Second, func(context.Context) (bool, string, error) {
		s := f.GetSnapshot(snap.Name)
		return s.Status.Phase == snapshotapi.SnapshotReady && ptr.Deref(s.Status.ReadyToUse, false), framework.DescribeSnapshot(s), nil
	})
}

func requireThawed(t *testing.T, f *framework.Framework, vmName string) {
	t.Helper()
	f.Eventually("VM "+f.Namespace+"/"+vmName, "thawed", framework.DefaultTimeout, func(context.Context) (bool, string, error) {
		return !f.Frozen(vmName), fmt.Sprintf("frozen windows %+v", f.FrozenWindows(vmName)), nil
	})
}

// requireCutInOneWindow checks that every VolumeSnapshot of a consistent
// snapshot was cut inside one frozen window of its guest. The cut is read
// from the bound VolumeSnapshotContent, which has it to the nanosecond.
func requireCutInOneWindow(t *testing.T, f *framework.Framework, snap *snapshotapi.VirtualMachineSnapshot) {
	t.Helper()
	var cuts []time.Time
	for _, vs := range f.VolumeSnapshotsOf(f.ContentOf(snap)) {
		bound, err := f.Snapshots.SnapshotV1().VolumeSnapshotContents().Get(f.Context(), ptr.Deref(vs.Status.BoundVolumeSnapshotContentName, ""), metav1.GetOptions{})
		if err != nil || bound.Status == nil || bound.Status.CreationTime == nil {
			t.Fatalf("the cut of VolumeSnapshot %s: %v", vs.Name, err)
		}
		cuts = append(cuts, time.Unix(0, *bound.Status.CreationTime))
	}
	windows := f.FrozenWindows(snap.Spec.Source.Name)
	for _, w := range windows {
		inside := true
		for _, cut := range cuts {
			if cut.Before(w.From) || (!w.To.IsZero() && cut.After(w.To)) {
				inside = false
			}
		}
		if inside {
			return
		}
	}
	t.Errorf("consistent: true, but no frozen window %+v holds every cut %v", windows, cuts)
}
