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

// Package framework runs vmsnap's integration tests against the real stack:
// one local control plane with the CSI snapshot stack per test binary
// (package cluster), the fake virt-api behind the apiserver's aggregation
// layer and as KubeVirt's validating webhook for VirtualMachines (package
// fakevirtapi), and the vmsnap controller in-process, started
// through pkg/app exactly as the binary starts it.
//
// A test binary calls Main from TestMain; each test calls New for a fresh
// namespace, typed clients and builders that play KubeVirt's part (VMs, VM
// instances, disks), and waits whose failures say what was expected and
// what was last seen.
//
// Everything lives in one temporary directory: cluster/ holds the cluster's
// state and its components' logs (cluster/logs), vmsnap-controller.log the
// log of what runs in the test process (the controller, the fake virt-api).
// The directory is removed after a passing run and kept, with its path
// printed, after a failing one.
package framework

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	snapshotclient "github.com/kubernetes-csi/external-snapshotter/client/v8/clientset/versioned"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
	cdiclient "kubevirt.io/client-go/containerizeddataimporter"
	kubevirtclient "kubevirt.io/client-go/kubevirt"
	kubevirtlog "kubevirt.io/client-go/log"

	vmsnapclient "vmsnap.io/client-go/clientset/versioned"

	"vmsnap.io/vmsnap/pkg/app"
	"vmsnap.io/vmsnap/tests/fakevirtapi"
	"vmsnap.io/vmsnap/tests/framework/cluster"
)

// RequireClusterEnv, set to 1, makes a test binary fail instead of skip
// when the cluster binaries are missing. CI sets it.
const RequireClusterEnv = "VMSNAP_REQUIRE_CLUSTER"

// controllerLogName is the log file, under the cluster's logs directory, of
// everything that runs inside the test process.
const controllerLogName = "vmsnap-controller.log"

// setupTimeout bounds starting the whole suite.
const setupTimeout = 3 * time.Minute

// Options configure the suite that Main starts.
type Options struct {
	// UnfreezeTimeout is the controller's --unfreeze-timeout; 10s if zero.
	UnfreezeTimeout time.Duration
	// Configure, when set, adjusts the controller's options after the
	// suite's defaults are applied.
	Configure func(*app.Options)
	// LogVerbosity is the klog verbosity of the in-process components; 2 if zero.
	LogVerbosity int
	// NoController leaves the in-process controller out, for suites that run
	// the built binary themselves (install, RBAC, leader election).
	NoController bool
	// WithoutCDI starts the cluster without CDI's CRDs (the DataVolume
	// API); a test installs them with InstallCDI.
	WithoutCDI bool
	// GroupSnapshotClass and SecondDriver are cluster.Config's: the test
	// driver's default VolumeGroupSnapshotClass, and a second driver
	// without group support.
	GroupSnapshotClass bool
	SecondDriver       bool
}

// suite is what Main starts once per test binary.
type suite struct {
	cluster     *cluster.Cluster
	virtAPI     *fakevirtapi.Server
	stopVirtAPI context.CancelFunc
	controller  *Controller
	clients     clients
	// logPath is the log of the in-process components.
	logPath string
	// skipReason is set instead of the rest when the suite could not start
	// and tests should skip.
	skipReason string
}

// clients are the typed clients of the admin (system:masters) user.
type clients struct {
	config    *rest.Config
	kube      kubernetes.Interface
	vmsnap    vmsnapclient.Interface
	snapshots snapshotclient.Interface
	kubevirt  kubevirtclient.Interface
	cdi       cdiclient.Interface
	dynamic   dynamic.Interface
}

var current *suite

// Main starts the suite, runs the tests and tears everything down. Call it
// from TestMain.
func Main(m *testing.M) { MainWithOptions(m, Options{}) }

// MainWithOptions is Main with non-default options.
func MainWithOptions(m *testing.M, opts Options) {
	os.Exit(run(m, opts))
}

func run(m *testing.M, opts Options) int {
	flag.Parse()
	root, err := cluster.RepoRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "framework:", err)
		return 1
	}
	binDir := filepath.Join(root, "_output", "bin")
	crdDirs := []string{filepath.Join(root, "manifests", "crds"), filepath.Join(root, "_output", "crds", "kubevirt")}
	if reason := missingPrerequisites(binDir, crdDirs); reason != "" {
		if os.Getenv(RequireClusterEnv) == "1" {
			fmt.Fprintf(os.Stderr, "framework: %s, and %s=1 requires the cluster\n", reason, RequireClusterEnv)
			return 1
		}
		current = &suite{skipReason: reason + "; set " + RequireClusterEnv + "=1 to fail instead of skipping"}
		return m.Run()
	}

	dir, err := os.MkdirTemp("", "vmsnap-it-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "framework:", err)
		return 1
	}
	s, logFile, err := start(dir, binDir, crdDirs, opts)
	code := 1
	if err != nil {
		fmt.Fprintf(os.Stderr, "framework: starting the suite failed: %v\n", err)
	} else {
		current = s
		code = m.Run()
		if stopErr := s.stop(); stopErr != nil {
			fmt.Fprintln(os.Stderr, "framework: stopping the suite:", stopErr)
			if code == 0 {
				code = 1
			}
		}
	}
	if logFile != nil {
		klog.Flush()
		logFile.Close()
	}
	if code == 0 {
		os.RemoveAll(dir)
	} else {
		fmt.Fprintf(os.Stderr, "framework: keeping %s: the cluster's component logs are in cluster/logs/, the controller's log is %s\n", dir, controllerLogName)
	}
	return code
}

// missingPrerequisites says what must be built before the suite can run.
func missingPrerequisites(binDir string, crdDirs []string) string {
	if missing := cluster.MissingBinaries(binDir); len(missing) > 0 {
		return fmt.Sprintf("binaries %v are missing from %s (run make tools build)", missing, binDir)
	}
	for _, dir := range crdDirs {
		if files, _ := filepath.Glob(filepath.Join(dir, "*.yaml")); len(files) == 0 {
			return fmt.Sprintf("no CRDs in %s (run make crds-kubevirt)", dir)
		}
	}
	return ""
}

// start brings up the cluster, the fake virt-api and the controller. It
// returns the log file of the in-process components so that run can close
// it last.
func start(dir, binDir string, crdDirs []string, opts Options) (_ *suite, _ *os.File, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()

	logPath := filepath.Join(dir, controllerLogName)
	logFile, err := redirectLogs(logPath, opts.LogVerbosity)
	if err != nil {
		return nil, nil, err
	}

	s := &suite{logPath: logPath}
	defer func() {
		if err != nil {
			_ = s.stop()
		}
	}()
	started := time.Now()
	s.cluster, err = cluster.Start(ctx, cluster.Config{Dir: filepath.Join(dir, "cluster"), BinDir: binDir, CRDDirs: crdDirs,
		WithoutCRDGroups: opts.leftOutCRDGroups(), GroupSnapshotClass: opts.GroupSnapshotClass, SecondDriver: opts.SecondDriver})
	if err != nil {
		return nil, logFile, err
	}
	if s.clients, err = newClients(s.cluster.RESTConfig()); err != nil {
		return nil, logFile, err
	}

	s.virtAPI = fakevirtapi.New(fakevirtapi.Options{VMIs: s.clients.dynamic, ReportFreezeStatus: true})
	// The server lives as long as the suite, not as long as setup.
	var virtAPICtx context.Context
	virtAPICtx, s.stopVirtAPI = context.WithCancel(context.Background())
	if err := s.virtAPI.Start(virtAPICtx); err != nil {
		return nil, logFile, fmt.Errorf("starting the fake virt-api: %w", err)
	}
	if err := fakevirtapi.Register(ctx, s.cluster.RESTConfig(), s.virtAPI.Port(), s.virtAPI.CACertPEM()); err != nil {
		return nil, logFile, err
	}
	// Every test writes VMs under KubeVirt's admission rules, as in production.
	if err := s.virtAPI.RegisterVMValidator(ctx, s.cluster.RESTConfig()); err != nil {
		return nil, logFile, err
	}

	if !opts.NoController {
		s.controller = newController(controllerOptions(s.cluster.Kubeconfig(), opts))
		if err := s.controller.Start(); err != nil {
			return nil, logFile, err
		}
		if err := s.controller.WaitReady(ctx); err != nil {
			return nil, logFile, err
		}
	}
	fmt.Fprintf(os.Stderr, "framework: cluster, fake virt-api and controller ready in %s (dir %s)\n",
		time.Since(started).Round(100*time.Millisecond), dir)
	return s, logFile, nil
}

// redirectLogs sends klog's and KubeVirt's client logging to path: the
// controller runs in this process, and its logs would drown the test output.
func redirectLogs(path string, verbosity int) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	if verbosity == 0 {
		verbosity = 2
	}
	flags := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(flags)
	for name, value := range map[string]string{
		"logtostderr":     "false",
		"alsologtostderr": "false",
		"stderrthreshold": "FATAL",
		"one_output":      "true",
		"v":               fmt.Sprint(verbosity),
	} {
		if err := flags.Set(name, value); err != nil {
			f.Close()
			return nil, err
		}
	}
	klog.SetOutput(f)
	kubevirtlog.Log.SetIOWriter(f)
	return f, nil
}

func controllerOptions(kubeconfig string, opts Options) *app.Options {
	o := app.NewOptions()
	o.Kubeconfig = kubeconfig
	o.LeaderElection.Enabled = false
	// Nothing scrapes the in-process controller: plain HTTP on loopback
	// spares it a certificate per start.
	o.MetricsAddr = "127.0.0.1:0"
	o.MetricsSecure = false
	o.HealthAddr = "127.0.0.1:0"
	o.APIPollInterval = time.Second
	o.UnfreezeTimeout = 10 * time.Second
	if opts.UnfreezeTimeout != 0 {
		o.UnfreezeTimeout = opts.UnfreezeTimeout
	}
	o.QPS, o.Burst = 200, 400
	// Schedules may run "@every 5s": a test sees several runs in seconds.
	o.MinScheduleInterval = time.Second
	if opts.Configure != nil {
		opts.Configure(o)
	}
	return o
}

func newClients(config *rest.Config) (clients, error) {
	c := clients{config: config}
	var err error
	if c.kube, err = kubernetes.NewForConfig(config); err != nil {
		return c, err
	}
	if c.vmsnap, err = vmsnapclient.NewForConfig(config); err != nil {
		return c, err
	}
	if c.snapshots, err = snapshotclient.NewForConfig(config); err != nil {
		return c, err
	}
	if c.kubevirt, err = kubevirtclient.NewForConfig(config); err != nil {
		return c, err
	}
	if c.cdi, err = cdiclient.NewForConfig(config); err != nil {
		return c, err
	}
	if c.dynamic, err = dynamic.NewForConfig(config); err != nil {
		return c, err
	}
	return c, nil
}

// stop tears down in reverse order: controller, registration, fake
// virt-api, cluster. The webhook and the APIService go before the server so
// that the apiserver never points at a server that is gone: the webhook
// would refuse every VM write, the APIService stall namespace deletion.
func (s *suite) stop() error {
	if s.controller != nil {
		s.controller.Stop()
	}
	if s.cluster == nil {
		return nil
	}
	if s.virtAPI != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := fakevirtapi.Unregister(ctx, s.cluster.RESTConfig()); err != nil {
			klog.Background().Error(err, "Removing the fake virt-api registration failed")
		}
		cancel()
		s.stopVirtAPI()
	}
	return s.cluster.Stop()
}
