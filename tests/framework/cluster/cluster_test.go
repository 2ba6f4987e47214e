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

package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	snapshotclient "github.com/kubernetes-csi/external-snapshotter/client/v8/clientset/versioned"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

const smokeTimeout = 30 * time.Second

// TestClusterProvisionsAndSnapshots starts the whole stack and walks the path
// vmsnap depends on: a PVC bound by the real provisioner, a VolumeSnapshot
// made ready by the real snapshot controllers, and a PVC restored from it.
func TestClusterProvisionsAndSnapshots(t *testing.T) {
	t.Parallel()
	c := startForTest(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()

	kube := kubernetes.NewForConfigOrDie(c.RESTConfig())
	snapshots := snapshotclient.NewForConfigOrDie(c.RESTConfig())

	version, err := kube.Discovery().ServerVersion()
	if err != nil {
		t.Fatal(err)
	}
	if version.GitVersion != "v1.37.2" {
		t.Errorf("apiserver reports version %q, want v1.37.2 (version ldflags in hack/build-tools.sh)", version.GitVersion)
	}

	ns, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "smoke"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}

	source := pvc("source", nil)
	if _, err := kube.CoreV1().PersistentVolumeClaims(ns.Name).Create(ctx, source, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitForPVCBound(ctx, t, kube, ns.Name, source.Name)

	snapshot := &snapshotv1.VolumeSnapshot{
		ObjectMeta: metav1.ObjectMeta{Name: "snap"},
		// No class: the default VolumeSnapshotClass must be picked.
		Spec: snapshotv1.VolumeSnapshotSpec{
			Source: snapshotv1.VolumeSnapshotSource{PersistentVolumeClaimName: ptr.To(source.Name)},
		},
	}
	if _, err := snapshots.SnapshotV1().VolumeSnapshots(ns.Name).Create(ctx, snapshot, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitForSnapshotReady(ctx, t, snapshots, ns.Name, snapshot.Name)

	restored := pvc("restored", &corev1.TypedLocalObjectReference{
		APIGroup: ptr.To(snapshotv1.GroupName),
		Kind:     "VolumeSnapshot",
		Name:     snapshot.Name,
	})
	if _, err := kube.CoreV1().PersistentVolumeClaims(ns.Name).Create(ctx, restored, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitForPVCBound(ctx, t, kube, ns.Name, restored.Name)

	out, err := c.Kubectl(ctx, "get", "pvc", "--namespace", ns.Name, "--output", "name")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "persistentvolumeclaim/restored") {
		t.Errorf("kubectl get pvc printed %q, want it to list persistentvolumeclaim/restored", out)
	}

	// After a driver restart the sidecars are back and the restored volume,
	// kept in the driver's state, can be snapshotted in turn.
	if err := c.RestartCSIDriver(ctx); err != nil {
		t.Fatal(err)
	}
	second := snapshot.DeepCopy()
	second.Name = "after-restart"
	second.Spec.Source.PersistentVolumeClaimName = ptr.To(restored.Name)
	if _, err := snapshots.SnapshotV1().VolumeSnapshots(ns.Name).Create(ctx, second, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitForSnapshotReady(ctx, t, snapshots, ns.Name, second.Name)
}

// TestClusterReportsCrashes runs next to the other test, each with its own
// cluster, and checks that a component dying is reported with its log (Stop
// returns the same report).
func TestClusterReportsCrashes(t *testing.T) {
	t.Parallel()
	c := startForTest(t)
	c.mu.Lock()
	snapshotter := c.processes[CSISnapshotter]
	c.mu.Unlock()
	if err := snapshotter.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-snapshotter.exited
	err := c.Err()
	if err == nil || !strings.Contains(err.Error(), "csi-snapshotter exited unexpectedly") || !strings.Contains(err.Error(), c.LogPath(CSISnapshotter)) {
		t.Fatalf("Err() = %v, want a report of the csi-snapshotter crash naming its log", err)
	}

	// A relaunched component replaces the crashed one in the report.
	if err := c.launch(CSISnapshotter); err != nil {
		t.Fatal(err)
	}
	if err := c.Err(); err != nil {
		t.Errorf("Err() after relaunching the csi-snapshotter = %v, want nil", err)
	}
}

// TestAuditLogRecordsWrites: with AuditLog, the API server records every
// write at Metadata level (who, what, no body) and no read, as the common
// production policy does.
func TestAuditLogRecordsWrites(t *testing.T) {
	t.Parallel()
	c := startWithConfig(t, Config{Dir: t.TempDir(), AuditLog: true})
	kube, err := kubernetes.NewForConfig(c.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "audited", Namespace: "default"}, Data: map[string]string{"secret": "not-in-the-log"}}
	if _, err := kube.CoreV1().ConfigMaps("default").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := kube.CoreV1().ConfigMaps("default").Get(ctx, "audited", metav1.GetOptions{}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(c.LogPath("audit"))
	if err != nil {
		t.Fatal(err)
	}
	var created, read int
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var event struct {
			Level     string `json:"level"`
			Verb      string `json:"verb"`
			ObjectRef struct {
				Resource, Name string
			} `json:"objectRef"`
		}
		if err := json.Unmarshal([]byte(line), &event); err != nil {
			t.Fatalf("audit log line %q: %v", line, err)
		}
		if event.ObjectRef.Resource != "configmaps" || event.ObjectRef.Name != "audited" {
			continue
		}
		switch event.Verb {
		case "create":
			created++
			if event.Level != "Metadata" {
				t.Errorf("the create was logged at level %s, want Metadata", event.Level)
			}
		case "get":
			read++
		}
	}
	if created != 1 || read != 0 {
		t.Errorf("audit log holds %d creates and %d gets of the ConfigMap, want 1 and 0", created, read)
	}
	if strings.Contains(string(data), "not-in-the-log") {
		t.Errorf("the audit log holds a request body; Metadata level must not")
	}
}

// startForTest starts a cluster in a temporary directory, or skips when the
// binaries are not built. On failure it logs the end of every component log.
func startForTest(t *testing.T) *Cluster {
	t.Helper()
	return startWithConfig(t, Config{Dir: t.TempDir()})
}

// startWithConfig is startForTest with a Config of the test's.
func startWithConfig(t *testing.T, cfg Config) *Cluster {
	t.Helper()
	started := time.Now()
	c, err := Start(t.Context(), cfg)
	if errors.Is(err, ErrMissingBinaries) {
		t.Skipf("Skipping: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Cluster up in %v at %s", time.Since(started).Round(time.Millisecond), c.Host())
	t.Cleanup(func() {
		if t.Failed() {
			for _, name := range c.componentOrder() {
				t.Logf("--- end of %s log ---\n%s", name, tailFile(c.LogPath(name), 2048))
			}
		}
		if err := c.Stop(); err != nil {
			t.Error(err)
		}
	})
	return c
}

func pvc(name string, dataSource *corev1.TypedLocalObjectReference) *corev1.PersistentVolumeClaim {
	return &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			StorageClassName: ptr.To(StorageClassName),
			DataSource:       dataSource,
			Resources: corev1.VolumeResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")},
			},
		},
	}
}

func waitForPVCBound(ctx context.Context, t *testing.T, kube kubernetes.Interface, namespace, name string) {
	t.Helper()
	waitFor(ctx, t, fmt.Sprintf("PVC %s/%s phase Bound", namespace, name), func() (bool, string, error) {
		claim, err := kube.CoreV1().PersistentVolumeClaims(namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		return claim.Status.Phase == corev1.ClaimBound, fmt.Sprintf("phase %q, volume %q", claim.Status.Phase, claim.Spec.VolumeName), nil
	})
}

func waitForSnapshotReady(ctx context.Context, t *testing.T, snapshots snapshotclient.Interface, namespace, name string) {
	t.Helper()
	waitFor(ctx, t, fmt.Sprintf("VolumeSnapshot %s/%s readyToUse=true", namespace, name), func() (bool, string, error) {
		s, err := snapshots.SnapshotV1().VolumeSnapshots(namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		if s.Status == nil {
			return false, "no status", nil
		}
		return ptr.Deref(s.Status.ReadyToUse, false), fmt.Sprintf("readyToUse %v, error %v", ptr.Deref(s.Status.ReadyToUse, false), s.Status.Error), nil
	})
}

// waitFor polls check until it reports done, failing the test with what it
// last saw when smokeTimeout passes.
func waitFor(ctx context.Context, t *testing.T, want string, check func() (done bool, seen string, err error)) {
	t.Helper()
	deadline := time.Now().Add(smokeTimeout)
	var seen string
	for {
		done, s, err := check()
		if err != nil {
			t.Fatalf("waiting for %s: %v", want, err)
		}
		if done {
			return
		}
		seen = s
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("timed out after %v: expected %s, last seen %s", smokeTimeout, want, seen)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
