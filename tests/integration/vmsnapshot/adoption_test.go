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
	"reflect"
	"strings"
	"testing"
	"time"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/vmsnapshot"
	"vmsnap.io/vmsnap/tests/framework"
)

// Another user of the namespace reads a waiting snapshot's UID and creates,
// under the names the snapshot will give its children, a VolumeSnapshot of
// their own disk or a Secret of their own data. The snapshot never takes
// them as its own (a restore would put their data into the guest): it
// waits saying which object is in the way, fails at its deadline, leaves the
// intruder as it was and the VM unlocked. (Before, an AlreadyExists answer
// was taken as success.)
func TestSnapshotNeverAdoptsAnObjectUnderItsChildsName(t *testing.T) {
	const deadline = 20 * time.Second
	for _, kind := range []string{"VolumeSnapshot", "Secret"} {
		t.Run(kind, func(t *testing.T) {
			f := framework.New(t)
			// The VM does not exist yet: the snapshot waits, its UID visible.
			snap := f.CreateSnapshot("snap", "vm", framework.FailureDeadline(deadline))
			f.WaitForSnapshotCondition("snap", snapshotapi.ConditionReady, metav1.ConditionFalse, "SourceNotFound", framework.DefaultTimeout)

			var name string
			var intruder metav1.Object
			switch kind {
			case "VolumeSnapshot":
				name = vmsnapshot.VolumeSnapshotName(snap.UID, "disk0")
				f.CreateClaim("theirs", "")
				vs, err := f.Snapshots.SnapshotV1().VolumeSnapshots(f.Namespace).Create(f.Context(), &snapshotv1.VolumeSnapshot{
					ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: f.Namespace},
					Spec:       snapshotv1.VolumeSnapshotSpec{Source: snapshotv1.VolumeSnapshotSource{PersistentVolumeClaimName: ptr.To("theirs")}},
				}, metav1.CreateOptions{})
				if err != nil {
					t.Fatal(err)
				}
				intruder = vs
			case "Secret":
				name = vmsnapshot.SecretBackupName(snap.UID, framework.CloudInitSecretName("vm"))
				secret, err := f.Kube.CoreV1().Secrets(f.Namespace).Create(f.Context(), &corev1.Secret{
					ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: f.Namespace},
					Data:       map[string][]byte{"userdata": []byte("#cloud-config\nusers: [{name: intruder}]")},
				}, metav1.CreateOptions{})
				if err != nil {
					t.Fatal(err)
				}
				intruder = secret
			}
			vm := f.CreateVM("vm", framework.WithPVCDisks(1), framework.WithCloudInit())

			failed := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotFailed, deadline+framework.DefaultTimeout)
			ready := meta.FindStatusCondition(failed.Status.Conditions, snapshotapi.ConditionReady)
			if ready == nil || ready.Reason != vmsnapshot.ReasonNameConflict || !strings.Contains(ready.Message, kind+" "+name) {
				t.Errorf("want Ready=False %s naming %s %s; got %+v", vmsnapshot.ReasonNameConflict, kind, name, ready)
			}
			if ptr.Deref(failed.Status.ReadyToUse, false) {
				t.Errorf("a snapshot with someone else's %s must never be ready to use: %s", kind, framework.DescribeSnapshot(failed))
			}
			f.Eventually("virtualmachine "+f.Namespace+"/vm", "unlocked", framework.DefaultTimeout, func(ctx context.Context) (bool, string, error) {
				current, err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).Get(ctx, vm.Name, metav1.GetOptions{})
				if err != nil {
					return false, "", err
				}
				return current.Status.SnapshotInProgress == nil, "snapshotInProgress=" + ptr.Deref(current.Status.SnapshotInProgress, ""), nil
			})

			f.DeleteSnapshot("snap")
			f.WaitForSnapshotGone("snap")
			requireUntouched(t, f, kind, intruder)
		})
	}
}

// requireUntouched checks that the intruder is still there, as it was made.
func requireUntouched(t *testing.T, f *framework.Framework, kind string, before metav1.Object) {
	t.Helper()
	var after metav1.Object
	var same bool
	switch b := before.(type) {
	case *snapshotv1.VolumeSnapshot:
		vs, err := f.Snapshots.SnapshotV1().VolumeSnapshots(f.Namespace).Get(f.Context(), b.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("the intruding %s: %v", kind, err)
		}
		// snapshot-controller fills in the default class; the source is what counts.
		after, same = vs, reflect.DeepEqual(vs.Spec.Source, b.Spec.Source)
	case *corev1.Secret:
		secret, err := f.Kube.CoreV1().Secrets(f.Namespace).Get(f.Context(), b.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("the intruding %s: %v", kind, err)
		}
		after, same = secret, reflect.DeepEqual(secret.Data, b.Data)
	}
	if after.GetUID() != before.GetUID() || after.GetDeletionTimestamp() != nil || !same ||
		!reflect.DeepEqual(after.GetOwnerReferences(), before.GetOwnerReferences()) || !reflect.DeepEqual(after.GetLabels(), before.GetLabels()) {
		t.Errorf("the intruding %s %s was changed or replaced", kind, before.GetName())
	}
}
