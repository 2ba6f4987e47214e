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

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	snapshotclient "github.com/kubernetes-csi/external-snapshotter/client/v8/clientset/versioned"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"
	kubevirtclient "kubevirt.io/client-go/kubevirt"
	kubevirtlog "kubevirt.io/client-go/log"

	vmsnapclient "vmsnap.io/client-go/clientset/versioned"

	"vmsnap.io/vmsnap/tests/fakevirtapi"
	"vmsnap.io/vmsnap/tests/framework/cluster"
)

const setUpTimeout = 3 * time.Minute

// environment is what the benchmark runs against: the test cluster, the
// fake virt-api in this process, the controller binary, and the watches.
type environment struct {
	dir         string
	cluster     *cluster.Cluster
	virtAPI     *fakevirtapi.Server
	stopVirtAPI context.CancelFunc
	controller  *controllerProcess
	tracker     *tracker
	stopWatches context.CancelFunc

	kube      kubernetes.Interface
	vmsnap    vmsnapclient.Interface
	snapshots snapshotclient.Interface
	kubevirt  kubevirtclient.Interface
	dynamic   dynamic.Interface
	// scraper reads the API server's /metrics, with a rate limit of its own.
	scraper kubernetes.Interface
	// removedGroupClasses are the VolumeGroupSnapshotClasses of the driver
	// that the cluster had installed and setUp deleted.
	removedGroupClasses []string
}

// removeGroupSnapshotClasses deletes every VolumeGroupSnapshotClass of
// driver, before the controller starts, and returns their names. A
// cluster that does not serve the API has none.
func removeGroupSnapshotClasses(ctx context.Context, snapshots snapshotclient.Interface, driver string) ([]string, error) {
	classes := snapshots.GroupsnapshotV1().VolumeGroupSnapshotClasses()
	list, err := classes.List(ctx, metav1.ListOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing VolumeGroupSnapshotClasses: %w", err)
	}
	var removed []string
	for _, c := range list.Items {
		if c.Driver != driver {
			continue
		}
		if err := classes.Delete(ctx, c.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return removed, fmt.Errorf("deleting VolumeGroupSnapshotClass %s: %w", c.Name, err)
		}
		removed = append(removed, c.Name)
	}
	return removed, nil
}

// setUp starts everything under dir, whose logs/ gets the component logs;
// auditLog turns on the API server's audit log, profiling its /debug/pprof.
// On error it tears down what it started.
func setUp(ctx context.Context, root, dir string, controllerArgs []string, auditLog, profiling bool) (_ *environment, err error) {
	ctx, cancel := context.WithTimeout(ctx, setUpTimeout)
	defer cancel()
	e := &environment{dir: dir}
	defer func() {
		if err != nil {
			e.tearDown()
		}
	}()
	binDir := filepath.Join(root, "_output", "bin")
	crdDirs := []string{filepath.Join(root, "manifests", "crds"), filepath.Join(root, "_output", "crds", "kubevirt")}
	for _, d := range crdDirs {
		if files, _ := filepath.Glob(filepath.Join(d, "*.yaml")); len(files) == 0 {
			return nil, fmt.Errorf("no CRDs in %s (run make crds-kubevirt)", d)
		}
	}
	e.cluster, err = cluster.Start(ctx, cluster.Config{Dir: filepath.Join(dir, "cluster"), BinDir: binDir, CRDDirs: crdDirs, AuditLog: auditLog, Profiling: profiling})
	if err != nil {
		return nil, err
	}
	config := e.cluster.RESTConfig()
	if e.kube, err = kubernetes.NewForConfig(config); err != nil {
		return nil, err
	}
	if e.scraper, err = kubernetes.NewForConfig(config); err != nil {
		return nil, err
	}
	if e.vmsnap, err = vmsnapclient.NewForConfig(config); err != nil {
		return nil, err
	}
	if e.snapshots, err = snapshotclient.NewForConfig(config); err != nil {
		return nil, err
	}
	if e.kubevirt, err = kubevirtclient.NewForConfig(config); err != nil {
		return nil, err
	}
	if e.dynamic, err = dynamic.NewForConfig(config); err != nil {
		return nil, err
	}

	e.virtAPI = fakevirtapi.New(fakevirtapi.Options{VMIs: e.dynamic, ReportFreezeStatus: true})
	var virtAPICtx context.Context
	virtAPICtx, e.stopVirtAPI = context.WithCancel(context.Background())
	if err := e.virtAPI.Start(virtAPICtx); err != nil {
		return nil, fmt.Errorf("starting the fake virt-api: %w", err)
	}
	if err := fakevirtapi.Register(ctx, config, e.virtAPI.Port(), e.virtAPI.CACertPEM()); err != nil {
		return nil, err
	}
	// VMs are written under KubeVirt's admission rules, as in production.
	if err := e.virtAPI.RegisterVMValidator(ctx, config); err != nil {
		return nil, err
	}

	e.tracker = newTracker()
	var watchCtx context.Context
	watchCtx, e.stopWatches = context.WithCancel(context.Background())
	if err := e.tracker.start(watchCtx, e.vmsnap, e.snapshots); err != nil {
		return nil, err
	}

	// The workloads before the group comparison cut volume by volume, as
	// they did before group cuts existed, whatever the cluster installs:
	// the group comparison makes its own class when it starts.
	if e.removedGroupClasses, err = removeGroupSnapshotClasses(ctx, e.snapshots, e.cluster.DriverName()); err != nil {
		return nil, err
	}

	e.controller, err = startController(filepath.Join(binDir, "vmsnap-controller"), e.cluster.Kubeconfig(), filepath.Join(dir, "vmsnap-controller.log"), controllerArgs)
	if err != nil {
		return nil, err
	}
	return e, e.controller.waitReady(ctx)
}

// tearDown stops the controller, the registration (before the server, so
// the aggregator never points at nothing), the fake virt-api and the cluster.
func (e *environment) tearDown() {
	if e.controller != nil {
		e.controller.stop()
	}
	if e.stopWatches != nil {
		e.stopWatches()
	}
	if e.cluster == nil {
		return
	}
	if e.stopVirtAPI != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := fakevirtapi.Unregister(ctx, e.cluster.RESTConfig()); err != nil {
			klog.Background().Error(err, "Removing the fake virt-api registration failed")
		}
		cancel()
		e.stopVirtAPI()
	}
	if err := e.cluster.Stop(); err != nil {
		klog.Background().Error(err, "Stopping the cluster")
	}
}

// redirectLogs sends klog (the cluster package, the fake virt-api) and
// KubeVirt's client logging to path, keeping the terminal for the report.
func redirectLogs(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	flags := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(flags)
	var errs []error
	for name, value := range map[string]string{"logtostderr": "false", "alsologtostderr": "false", "stderrthreshold": "FATAL", "one_output": "true", "v": "1"} {
		errs = append(errs, flags.Set(name, value))
	}
	if err := errors.Join(errs...); err != nil {
		f.Close()
		return nil, err
	}
	klog.SetOutput(f)
	kubevirtlog.Log.SetIOWriter(f)
	return f, nil
}
