package install

import (
	"context"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/tests/framework"
)

// takeoverBound is what an operator is promised: a standby leads within
// 15s of the leader's death (see the leader election defaults in pkg/app).
const takeoverBound = 15 * time.Second

// Two replicas: only the leader acts; when it is killed mid-snapshot the
// other takes over within the lease duration and finishes the snapshot.
func TestLeaderElectionHandsOverInFlightWork(t *testing.T) {
	f := framework.New(t)
	install(t, f)
	kubeconfig := serviceAccountKubeconfig(t, f)
	freshLease(t, f)
	args := []string{"--leader-elect=true"}
	a := startController(t, "replica-a", kubeconfig, args...)
	b := startController(t, "replica-b", kubeconfig, args...)
	a.waitHealthy(f.Context())
	b.waitHealthy(f.Context())

	var leader, standby *controllerProcess
	err := wait.PollUntilContextTimeout(f.Context(), 200*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		la, lb := a.metric("vmsnap_leader"), b.metric("vmsnap_leader")
		switch {
		case la == 1 && lb == 0:
			leader, standby = a, b
		case lb == 1 && la == 0:
			leader, standby = b, a
		}
		return leader != nil, nil
	})
	if err != nil {
		t.Fatalf("no single leader: vmsnap_leader a=%v b=%v", a.metric("vmsnap_leader"), b.metric("vmsnap_leader"))
	}
	t.Logf("%s leads, %s stands by", leader.name, standby.name)

	// Slow storage keeps the snapshot in progress across the handover.
	slow := f.CreateStorageClass(map[string]string{"readyDelay": "8s"})
	vm := f.CreateVM("vm", framework.WithPVCDisk("root", slow), framework.WithPVCDisk("data", slow))
	f.CreateSnapshot("snap", vm.Name)
	f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotInProgress, time.Minute)
	if strings.Contains(standby.scrape(), `vmsnap_workqueue_adds_total{name="vmsnapshot"}`) {
		t.Fatalf("the standby %s runs controllers while %s leads", standby.name, leader.name)
	}

	killed := time.Now()
	leader.kill()
	err = wait.PollUntilContextTimeout(f.Context(), 100*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		return standby.metric("vmsnap_leader") == 1, nil
	})
	takeover := time.Since(killed)
	if err != nil {
		t.Fatalf("%s never took over after %s was killed", standby.name, leader.name)
	}
	t.Logf("%s took over %s after the leader was killed", standby.name, takeover.Round(100*time.Millisecond))
	if takeover > takeoverBound {
		t.Errorf("takeover took %s, want within %s ", takeover.Round(100*time.Millisecond), takeoverBound)
	}

	s := f.WaitForSnapshotPhase("snap", snapshotapi.SnapshotReady, 2*time.Minute)
	if n := len(f.VolumeSnapshotsOf(f.ContentOf(s))); n != 2 {
		t.Errorf("%d VolumeSnapshots after the handover, want 2 (none duplicated)", n)
	}
}

// freshLease deletes the leader election Lease an earlier test left: the
// Role lets the controller renew only the Lease the manifests name,
// vmsnap-controller, and a stale holder would delay the first election.
func freshLease(t *testing.T, f *framework.Framework) {
	t.Helper()
	err := f.Kube.CoordinationV1().Leases(controllerNamespace).Delete(f.Context(), "vmsnap-controller", metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
}
