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

package framework

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	snapshotclient "github.com/kubernetes-csi/external-snapshotter/client/v8/clientset/versioned"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	cdiclient "kubevirt.io/client-go/containerizeddataimporter"
	kubevirtclient "kubevirt.io/client-go/kubevirt"

	vmsnapclient "vmsnap.io/client-go/clientset/versioned"

	"vmsnap.io/vmsnap/tests/fakevirtapi"
	"vmsnap.io/vmsnap/tests/framework/cluster"
)

const (
	// DefaultTimeout bounds the waits that do not say otherwise. The stack
	// answers in about a second; the margin is for a loaded 2-core machine.
	DefaultTimeout = 60 * time.Second
	// PollInterval is how often waits look again.
	PollInterval = 100 * time.Millisecond

	cleanupTimeout = 30 * time.Second
	// controllerLogLinesOnFailure is how many of the controller's log lines
	// about a failed test's namespace are printed with the failure.
	controllerLogLinesOnFailure = 80
	maxNamespacePrefix          = 40
)

// Framework is one test's view of the suite: a namespace of its own, typed
// clients, the fake virt-api and the controller.
type Framework struct {
	t   testing.TB
	ctx context.Context

	// Namespace is created for the test and deleted after it, unless the
	// test failed: then it is kept for inspection and its name logged.
	Namespace string

	Config    *rest.Config
	Kube      kubernetes.Interface
	VMSnap    vmsnapclient.Interface
	Snapshots snapshotclient.Interface
	KubeVirt  kubevirtclient.Interface
	CDI       cdiclient.Interface

	VirtAPI *fakevirtapi.Server
	Cluster *cluster.Cluster
	// Controller is the in-process controller; nil in suites started with
	// Options.NoController.
	Controller *Controller

	// logPath is the log of the in-process controller and fake virt-api.
	logPath string

	mu sync.Mutex
	// clusterCleanups delete the cluster-scoped objects the test made.
	clusterCleanups []func(context.Context) error
	objectCount     int
}

// New returns the framework for one test and creates its namespace. It
// skips the test when Main could not find the cluster binaries (and
// VMSNAP_REQUIRE_CLUSTER is not 1).
//
// The Framework's methods fail the test it was made for, so a subtest that
// uses them needs a Framework of its own.
func New(t testing.TB) *Framework {
	t.Helper()
	s := current
	if s == nil {
		t.Fatal("framework.Main did not run: call it from TestMain")
	}
	if s.skipReason != "" {
		t.Skip(s.skipReason)
	}
	f := &Framework{
		t:          t,
		ctx:        t.Context(),
		Config:     s.clients.config,
		Kube:       s.clients.kube,
		VMSnap:     s.clients.vmsnap,
		Snapshots:  s.clients.snapshots,
		KubeVirt:   s.clients.kubevirt,
		CDI:        s.clients.cdi,
		VirtAPI:    s.virtAPI,
		Cluster:    s.cluster,
		Controller: s.controller,
		logPath:    s.logPath,
	}
	f.Namespace = namespaceName(t.Name())
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name:   f.Namespace,
		Labels: map[string]string{"vmsnap.io/test": "true"},
	}}
	if _, err := f.Kube.CoreV1().Namespaces().Create(f.ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating namespace %s: %v", f.Namespace, err)
	}
	t.Cleanup(f.cleanUp)
	return f
}

// Context is the test's context; it ends when the test does.
func (f *Framework) Context() context.Context { return f.ctx }

// namespaceName derives a readable, unique namespace name from a test name.
func namespaceName(testName string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(testName) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	prefix := strings.TrimRight(b.String(), "-")
	if len(prefix) > maxNamespacePrefix {
		prefix = strings.TrimRight(prefix[:maxNamespacePrefix], "-")
	}
	if prefix == "" {
		prefix = "test"
	}
	return prefix + "-" + utilrand.String(5)
}

// name returns a name for a cluster-scoped object of the test, unique in
// the cluster and recognisably the test's.
func (f *Framework) name(kind string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.objectCount++
	return fmt.Sprintf("%s-%s%d", f.Namespace, kind, f.objectCount)
}

// deferClusterCleanup registers the deletion of a cluster-scoped object.
func (f *Framework) deferClusterCleanup(cleanup func(context.Context) error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clusterCleanups = append(f.clusterCleanups, cleanup)
}

// RunControllerVariant replaces the suite's controller with one that
// differs as v says, and waits until it is ready. The test's cleanup puts
// the suite's controller back. Tests that use it must not run in parallel
// with others.
func (f *Framework) RunControllerVariant(v Variant) {
	f.t.Helper()
	f.Controller.Stop()
	if err := f.Controller.StartVariant(v); err != nil {
		f.t.Fatalf("starting the controller variant: %v", err)
	}
	if err := f.Controller.WaitReady(f.ctx); err != nil {
		f.t.Fatalf("waiting for the controller variant: %v", err)
	}
}

// cleanUp puts back the suite's controller if the test left it stopped or
// replaced, then deletes what the test made, or keeps it and reports it
// when the test failed.
func (f *Framework) cleanUp() {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	if f.Controller != nil && (!f.Controller.Running() || f.Controller.Variant()) {
		if err := f.Controller.Restart(ctx); err != nil {
			f.t.Errorf("restarting the controller the test left stopped: %v", err)
		}
	}
	if f.t.Failed() {
		f.t.Logf("test failed: keeping namespace %s (kubeconfig %s)", f.Namespace, f.Cluster.Kubeconfig())
		f.t.Logf("objects in %s:\n%s", f.Namespace, f.describeNamespace(ctx))
		f.t.Logf("controller log lines about %s:\n%s", f.Namespace, f.controllerLogLines())
		return
	}
	for i := len(f.clusterCleanups) - 1; i >= 0; i-- {
		if err := f.clusterCleanups[i](ctx); err != nil && !apierrors.IsNotFound(err) {
			f.t.Logf("cleaning up: %v", err)
		}
	}
	// Not waited for: the namespace controller finishes it while the next
	// test runs.
	err := f.Kube.CoreV1().Namespaces().Delete(ctx, f.Namespace, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		f.t.Errorf("deleting namespace %s: %v", f.Namespace, err)
	}
}

// controllerLogLines returns the last lines of the in-process log that
// mention the test's namespace.
func (f *Framework) controllerLogLines() string {
	path := f.logPath
	file, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer file.Close()
	var lines []string
	scanner := bufio.NewScanner(file)
	scanner.Buffer(make([]byte, 64<<10), 1<<20)
	for scanner.Scan() {
		if line := scanner.Text(); strings.Contains(line, f.Namespace) {
			lines = append(lines, line)
		}
	}
	if len(lines) > controllerLogLinesOnFailure {
		lines = lines[len(lines)-controllerLogLinesOnFailure:]
	}
	if len(lines) == 0 {
		return "(none in " + path + ")"
	}
	return strings.Join(lines, "\n")
}

// Kubectl runs kubectl in the test's namespace, as a user would, and
// returns its standard output; the error carries its standard error.
func (f *Framework) Kubectl(args ...string) (string, error) {
	base := []string{
		"--namespace=" + f.Namespace,
		"--cache-dir=" + filepath.Join(f.Cluster.Dir(), "kubectl-cache"),
	}
	return f.Cluster.Kubectl(f.ctx, append(base, args...)...)
}

// MustKubectl is Kubectl that fails the test on error.
func (f *Framework) MustKubectl(args ...string) string {
	f.t.Helper()
	out, err := f.Kubectl(args...)
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}
