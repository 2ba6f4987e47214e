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

package vmsnapshot

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/tests/fakevirtapi"
	"vmsnap.io/vmsnap/tests/framework"
)

// snapshotLabel marks what a snapshot made: its content, VolumeSnapshots
// and Secret copies.
const snapshotLabel = "snapshot.vmsnap.io/vmsnapshot"

// requireReadyReason checks the reason of the snapshot's Ready condition.
func requireReadyReason(t *testing.T, snap *snapshotapi.VirtualMachineSnapshot, reason string) {
	t.Helper()
	if c := meta.FindStatusCondition(snap.Status.Conditions, snapshotapi.ConditionReady); c == nil || c.Reason != reason {
		t.Errorf("vmsnapshot %s: want the Ready condition's reason %s; got %s", snap.Name, reason, framework.DescribeSnapshot(snap))
	}
}

// requireThawedBy waits until the VM's guest is thawed and checks what
// thawed it last: the controller's unfreeze, or the guest's own auto-thaw.
func requireThawedBy(t *testing.T, f *framework.Framework, vmName string, by fakevirtapi.Op) {
	t.Helper()
	f.Eventually("the guest of VM "+f.Namespace+"/"+vmName, "thawed", framework.DefaultTimeout, func(context.Context) (bool, string, error) {
		return !f.Frozen(vmName), describeCalls(f.VirtAPICalls(vmName)), nil
	})
	logFrozenWindow(t, f, vmName)
	windows := f.FrozenWindows(vmName)
	if len(windows) == 0 {
		t.Errorf("the guest of %s was never frozen: %s", vmName, describeCalls(f.VirtAPICalls(vmName)))
		return
	}
	if last := windows[len(windows)-1]; last.EndedBy != by {
		t.Errorf("the guest of %s was thawed by %s; want %s: %s", vmName, last.EndedBy, by, describeCalls(f.VirtAPICalls(vmName)))
	}
}

// requireFreezesCarryTimeout checks that every freeze of the VM asked for
// an auto-thaw: a guest must thaw by itself should the controller vanish.
func requireFreezesCarryTimeout(t *testing.T, f *framework.Framework, vmName string) {
	t.Helper()
	freezes := framework.CallsOf(f.VirtAPICalls(vmName), fakevirtapi.OpFreeze)
	if len(freezes) == 0 {
		t.Errorf("VM %s was never frozen", vmName)
	}
	for _, c := range freezes {
		if c.UnfreezeTimeout <= 0 {
			t.Errorf("the freeze at %s carried unfreezeTimeout %s; it must never be zero", stamp(c.Time), c.UnfreezeTimeout)
		}
	}
}

// waitForNoSecretCopies waits until no Secret copy made by the snapshot is
// left in the namespace.
func waitForNoSecretCopies(t *testing.T, f *framework.Framework, snapName string) {
	t.Helper()
	f.Eventually("namespace "+f.Namespace, "no Secret copies of vmsnapshot "+snapName, framework.DefaultTimeout, func(ctx context.Context) (bool, string, error) {
		names, err := secretCopies(ctx, f, snapName)
		return len(names) == 0, fmt.Sprintf("Secrets %s", strings.Join(names, ", ")), err
	})
}

// secretCopies lists the Secret copies the snapshot made.
func secretCopies(ctx context.Context, f *framework.Framework, snapName string) ([]string, error) {
	list, err := f.Kube.CoreV1().Secrets(f.Namespace).List(ctx, metav1.ListOptions{LabelSelector: snapshotLabel + "=" + snapName})
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(list.Items))
	for _, s := range list.Items {
		names = append(names, s.Name)
	}
	return names, nil
}

// requireMentions checks that text names each of words.
func requireMentions(t *testing.T, what, text string, words ...string) {
	t.Helper()
	for _, w := range words {
		if !strings.Contains(text, w) {
			t.Errorf("%s should name %q; got %q", what, w, text)
		}
	}
}
