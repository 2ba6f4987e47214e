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

// Package cluster runs a local Kubernetes control plane for integration
// tests: etcd, kube-apiserver and a node-free kube-controller-manager, plus
// the CSI snapshot stack (snapshot-controller, csi-provisioner,
// csi-snapshotter) in front of the project's test CSI driver. There is no
// scheduler and no kubelet; pods never run and nothing here needs them.
//
// Every cluster picks free loopback ports and keeps its state under its own
// directory, so several test binaries can each run one at the same time:
//
//	Dir/kubeconfig             admin kubeconfig (system:masters)
//	Dir/pki/                   CA, serving, client, front-proxy and service account keys
//	Dir/logs/<component>.log   each component's output
//	Dir/etcd/, Dir/csi/        etcd data, the driver's socket and state
//	Dir/csi2/                  the second driver's (Config.SecondDriver)
//	Dir/pids/                  pid files of a detached cluster
//
// The binaries come from hack/build-tools.sh and the test driver from
// tests/cmd/vmsnap-test-csi, all in _output/bin.
package cluster

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/klog/v2"
)

// ErrMissingBinaries is wrapped by Start's error when BinDir lacks a binary,
// so that callers can skip instead of fail.
var ErrMissingBinaries = errors.New("control plane binaries missing (run hack/build-tools.sh and build tests/cmd/vmsnap-test-csi)")

const (
	defaultStartTimeout = 60 * time.Second
	// clientQPS and clientBurst keep the test's own clients from being the
	// bottleneck of a benchmark.
	clientQPS        = 200
	clientBurst      = 400
	maxStartAttempts = 3
	// maxSocketPath stays under the 108 bytes a unix socket address holds.
	maxSocketPath = 100
)

// Config describes the cluster to start.
type Config struct {
	// Dir holds the cluster's state, logs and kubeconfig. Start clears the
	// state it owns there (see the package comment). Required.
	Dir string
	// BinDir holds the binaries; it defaults to <repo>/_output/bin.
	BinDir string
	// CRDDirs are directories whose *.yaml files hold CustomResourceDefinitions
	// to install in addition to the VolumeSnapshot ones; other documents in
	// them are ignored.
	CRDDirs []string
	// WithoutCRDGroups are API groups whose CRDs in CRDDirs Start leaves
	// out, for a cluster without an optional API (CDI, say); a test
	// installs them later with InstallLeftOutCRDs.
	WithoutCRDGroups []string
	// DriverName is the CSI driver's name; DefaultDriverName if empty.
	DriverName string
	// Detach starts the components in sessions of their own that outlive
	// this process, and records their pids for StopDetached.
	Detach bool
	// StartTimeout bounds Start; one minute if zero.
	StartTimeout time.Duration
	// AuditLog turns on the API server's audit log as production clusters
	// run it: Metadata level for every write, into logs/audit.log. Each
	// write then costs the API server an audit event encoded and written.
	AuditLog bool
	// Profiling serves the API server's /debug/pprof (to cluster-admin),
	// for benchmarks to see where its CPU goes.
	Profiling bool
	// SecondDriver also runs a second instance of the test CSI driver,
	// SecondDriverName, without group snapshot support, behind a
	// csi-provisioner and csi-snapshotter of its own (components
	// CSIDriver2, CSIProvisioner2, CSISnapshotter2): for VMs whose disks
	// span two drivers or sit on a driver that cannot take group
	// snapshots. Its StorageClass is NoGroupStorageClassName, its default
	// VolumeSnapshotClass NoGroupSnapshotClassName; CSIStateDirOf finds
	// its state.
	SecondDriver bool
	// GroupSnapshotClass installs GroupSnapshotClassName, the default
	// VolumeGroupSnapshotClass of the (first) test CSI driver. The driver
	// serves group snapshots either way; without a class, vmsnap cuts its
	// disks one by one, as on storage without group support, which the
	// suites that do not test group cuts rely on.
	GroupSnapshotClass bool
}

// Cluster is a running local control plane.
type Cluster struct {
	cfg     Config
	layout  layout
	ports   ports
	pki     *pki
	rest    *rest.Config
	tempDir string // holds the CSI sockets when Dir is too deep for them
	// sets are the CSI drivers with their sidecars, the first one first.
	sets []*csiSet
	// leftOutCRDs are the CRDs of Config.WithoutCRDGroups.
	leftOutCRDs []*apiextensionsv1.CustomResourceDefinition

	mu        sync.Mutex
	processes map[string]*process

	stopOnce sync.Once
	stopErr  error
}

// Start brings up the whole stack and returns once the apiserver is ready,
// the CRDs are established, the storage classes exist and the CSI driver
// listens. On error everything started so far is stopped again.
func Start(ctx context.Context, cfg Config) (*Cluster, error) {
	if cfg.Dir == "" {
		return nil, errors.New("cluster.Config.Dir is required")
	}
	if cfg.BinDir == "" {
		root, err := RepoRoot()
		if err != nil {
			return nil, fmt.Errorf("finding the default BinDir: %w", err)
		}
		cfg.BinDir = filepath.Join(root, "_output", "bin")
	}
	if cfg.DriverName == "" {
		cfg.DriverName = DefaultDriverName
	}
	if cfg.SecondDriver && cfg.DriverName == SecondDriverName {
		return nil, fmt.Errorf("cluster.Config.DriverName %s is the second driver's name", SecondDriverName)
	}
	if cfg.StartTimeout == 0 {
		cfg.StartTimeout = defaultStartTimeout
	}
	if missing := MissingBinaries(cfg.BinDir); len(missing) > 0 {
		return nil, fmt.Errorf("%w: %s not in %s", ErrMissingBinaries, strings.Join(missing, ", "), cfg.BinDir)
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.StartTimeout)
	defer cancel()
	logger := klog.FromContext(ctx)
	started := time.Now()

	// Read every CRD before starting anything: a broken file should fail
	// fast, not after the control plane is up.
	crds, err := loadCRDs(ctx, cfg.CRDDirs)
	if err != nil {
		return nil, err
	}
	crds, leftOut := splitCRDs(crds, cfg.WithoutCRDGroups)

	// Ports are picked free but only bound by the components a moment
	// later; another cluster starting at the same time may win the race.
	var c *Cluster
	for attempt := 1; ; attempt++ {
		c, err = start(ctx, cfg, crds)
		if err == nil || attempt == maxStartAttempts || !strings.Contains(err.Error(), "address already in use") {
			break
		}
		logger.Info("Port taken by someone else, starting again", "attempt", attempt, "err", err)
	}
	if err != nil {
		return nil, err
	}
	c.leftOutCRDs = leftOut
	logger.Info("Local cluster is ready", "host", c.rest.Host, "dir", cfg.Dir, "duration", time.Since(started).Round(time.Millisecond))
	return c, nil
}

// start is one attempt of Start.
func start(ctx context.Context, cfg Config, crds []*apiextensionsv1.CustomResourceDefinition) (_ *Cluster, err error) {
	logger := klog.FromContext(ctx)
	c := &Cluster{cfg: cfg, sets: csiSetsFor(cfg), processes: map[string]*process{}}
	defer func() {
		if err != nil {
			_ = c.Stop()
		}
	}()
	if err := c.prepare(); err != nil {
		return nil, err
	}

	stages := c.stages()
	if err := c.launchAll(stages.withEtcd); err != nil {
		return nil, err
	}
	if err := c.waitForAPIServer(ctx); err != nil {
		return nil, err
	}
	logger.V(2).Info("kube-apiserver is ready")
	if err := c.launchAll(stages.withAPIServer); err != nil {
		return nil, err
	}
	// snapshot-controller gives up when the snapshot CRDs are missing, so
	// it starts only after they are served; so does csi-snapshotter's
	// group snapshot support.
	if err := installCRDs(ctx, c.rest, crds); err != nil {
		return nil, err
	}
	if err := c.launchAll(stages.withCRDs); err != nil {
		return nil, err
	}
	// The apiserver holds the first create of a custom resource for two
	// seconds after its CRD became established, so this also keeps callers
	// from paying that delay for their own first objects.
	if err := installStorageClasses(ctx, c.rest, c.sets); err != nil {
		return nil, err
	}
	logger.V(2).Info("Created the storage classes")
	for _, s := range c.sets {
		if err := c.waitForCSIDriver(ctx, s); err != nil {
			return nil, err
		}
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

func loadCRDs(ctx context.Context, dirs []string) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	files, err := snapshotCRDFiles(ctx)
	if err != nil {
		return nil, err
	}
	extra, err := crdFilesIn(dirs)
	if err != nil {
		return nil, err
	}
	return readCRDs(append(files, extra...))
}

// splitCRDs separates the CRDs of the given API groups from the others.
func splitCRDs(crds []*apiextensionsv1.CustomResourceDefinition, groups []string) (kept, leftOut []*apiextensionsv1.CustomResourceDefinition) {
	for _, crd := range crds {
		if slices.Contains(groups, crd.Spec.Group) {
			leftOut = append(leftOut, crd)
		} else {
			kept = append(kept, crd)
		}
	}
	return kept, leftOut
}

// InstallLeftOutCRDs installs the CRDs that Config.WithoutCRDGroups left
// out at start, and returns once the apiserver serves them.
func (c *Cluster) InstallLeftOutCRDs(ctx context.Context) error {
	if len(c.leftOutCRDs) == 0 {
		return fmt.Errorf("no CRDs were left out at start (Config.WithoutCRDGroups %v)", c.cfg.WithoutCRDGroups)
	}
	return installCRDs(ctx, c.rest, c.leftOutCRDs)
}

// prepare clears old state and writes the credentials and the kubeconfig.
func (c *Cluster) prepare() error {
	dir, err := filepath.Abs(c.cfg.Dir)
	if err != nil {
		return err
	}
	c.layout = layout{dir: dir}
	for _, s := range c.sets {
		if len(c.layout.csiSocket(s)) > maxSocketPath {
			if c.tempDir, err = os.MkdirTemp("", "vmsnap-csi-"); err != nil {
				return err
			}
			c.layout.socketDir = c.tempDir
			break
		}
	}
	for _, d := range c.layout.stateDirs() {
		if err := os.RemoveAll(d); err != nil {
			return err
		}
	}
	dirs := []string{c.layout.logsDir()}
	for _, s := range c.sets {
		dirs = append(dirs, c.layout.csiStateDir(s), filepath.Dir(c.layout.csiSocket(s)))
	}
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if c.pki, err = newPKI(); err != nil {
		return err
	}
	if err := c.pki.write(c.layout.pkiDir()); err != nil {
		return err
	}
	if c.ports, err = freePorts(); err != nil {
		return err
	}
	if c.cfg.AuditLog {
		if err := os.WriteFile(c.layout.auditPolicy(), []byte(auditPolicy), 0o644); err != nil {
			return err
		}
	}
	c.rest = &rest.Config{
		Host: apiserverURL(c.ports.apiserver),
		TLSClientConfig: rest.TLSClientConfig{
			CAData:   c.pki.ca.certPEM,
			CertData: c.pki.admin.certPEM,
			KeyData:  c.pki.admin.keyPEM,
		},
		QPS:   clientQPS,
		Burst: clientBurst,
	}
	return writeKubeconfig(c.layout.kubeconfig(), c.rest)
}

// freePorts asks the kernel for unused loopback ports. The listeners stay
// open until all are picked so that the ports are distinct.
func freePorts() (ports, error) {
	var numbers [4]int
	for i := range numbers {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return ports{}, err
		}
		defer l.Close()
		numbers[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports{etcdClient: numbers[0], etcdPeer: numbers[1], etcdMetrics: numbers[2], apiserver: numbers[3]}, nil
}

func writeKubeconfig(path string, config *rest.Config) error {
	const name = "vmsnap-test"
	kubeconfig := clientcmdapi.Config{
		Clusters: map[string]*clientcmdapi.Cluster{name: {
			Server:                   config.Host,
			CertificateAuthorityData: config.CAData,
		}},
		AuthInfos: map[string]*clientcmdapi.AuthInfo{name: {
			ClientCertificateData: config.CertData,
			ClientKeyData:         config.KeyData,
		}},
		Contexts:       map[string]*clientcmdapi.Context{name: {Cluster: name, AuthInfo: name}},
		CurrentContext: name,
	}
	return clientcmd.WriteToFile(kubeconfig, path)
}

// componentStages are the components in the groups start launches them:
// with etcd, once the apiserver is ready, once the CRDs are served.
type componentStages struct {
	withEtcd, withAPIServer, withCRDs []string
}

// stages lists the cluster's components, those of every driver set
// included, in start order.
func (c *Cluster) stages() componentStages {
	st := componentStages{
		withEtcd:      []string{Etcd, KubeAPIServer},
		withAPIServer: []string{KubeControllerManager},
		withCRDs:      []string{SnapshotController},
	}
	for _, s := range c.sets {
		st.withEtcd = append(st.withEtcd, s.driver())
		st.withAPIServer = append(st.withAPIServer, s.provisioner())
		st.withCRDs = append(st.withCRDs, s.snapshotter())
	}
	return st
}

// componentOrder is the start order of the cluster's components.
func (c *Cluster) componentOrder() []string {
	st := c.stages()
	return slices.Concat(st.withEtcd, st.withAPIServer, st.withCRDs)
}

// commandFor returns the binary and arguments of a component.
func (c *Cluster) commandFor(name string) (string, []string) {
	l := c.layout
	binary := filepath.Join(c.cfg.BinDir, name)
	for _, s := range c.sets {
		switch name {
		case s.driver():
			return filepath.Join(c.cfg.BinDir, CSIDriverBinary), csiDriverArgs(l, s)
		case s.provisioner():
			return filepath.Join(c.cfg.BinDir, CSIProvisioner), provisionerArgs(l, s)
		case s.snapshotter():
			return filepath.Join(c.cfg.BinDir, CSISnapshotter), snapshotterArgs(l, s)
		}
	}
	switch name {
	case Etcd:
		return binary, etcdArgs(l, c.ports)
	case KubeAPIServer:
		args := apiserverArgs(l, c.ports, c.cfg.Profiling)
		if c.cfg.AuditLog {
			args = append(args, auditArgs(l)...)
		}
		return binary, args
	case KubeControllerManager:
		return binary, controllerManagerArgs(l)
	case SnapshotController:
		return binary, snapshotControllerArgs(l)
	}
	panic("unknown component " + name)
}

func (c *Cluster) launchAll(names []string) error {
	for _, name := range names {
		if err := c.launch(name); err != nil {
			return err
		}
	}
	return nil
}

func (c *Cluster) launch(name string) error {
	binary, args := c.commandFor(name)
	p, err := launch(name, binary, args, c.layout.log(name), c.cfg.Detach)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.processes[name] = p
	c.mu.Unlock()
	if c.cfg.Detach {
		return writePidFile(c.layout.dir, p)
	}
	return nil
}

// waitForAPIServer polls /readyz until it answers ok.
func (c *Cluster) waitForAPIServer(ctx context.Context) error {
	client, err := rest.HTTPClientFor(c.rest)
	if err != nil {
		return err
	}
	var last string
	err = c.poll(ctx, 100*time.Millisecond, func(ctx context.Context) (bool, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.rest.Host+"/readyz", nil)
		if err != nil {
			return false, err
		}
		resp, err := client.Do(req)
		if err != nil {
			last = err.Error()
			return false, nil
		}
		defer resp.Body.Close()
		last = resp.Status
		return resp.StatusCode == http.StatusOK, nil
	})
	if err != nil {
		return fmt.Errorf("waiting for kube-apiserver /readyz (last answer: %s): %w", last, err)
	}
	return nil
}

// waitForCSIDriver waits until a set's driver accepts connections on its
// socket.
func (c *Cluster) waitForCSIDriver(ctx context.Context, s *csiSet) error {
	socket := c.layout.csiSocket(s)
	err := c.poll(ctx, 50*time.Millisecond, func(context.Context) (bool, error) {
		conn, err := net.Dial("unix", socket)
		if err != nil {
			return false, nil
		}
		conn.Close()
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("waiting for the CSI driver %s to listen on %s: %w", s.driverName, socket, err)
	}
	return nil
}

// poll is wait.PollUntilContextCancel that also gives up as soon as a
// component crashed, with that component's log as the error.
func (c *Cluster) poll(ctx context.Context, interval time.Duration, condition wait.ConditionWithContextFunc) error {
	return wait.PollUntilContextCancel(ctx, interval, true, func(ctx context.Context) (bool, error) {
		if err := c.Err(); err != nil {
			return false, err
		}
		return condition(ctx)
	})
}

// Err reports every component that exited without being stopped, each with
// the tail of its log.
func (c *Cluster) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, name := range c.componentOrder() {
		if p := c.processes[name]; p != nil && p.crashed() {
			errs = append(errs, p.crashError())
		}
	}
	return errors.Join(errs...)
}

// Stop stops every component, etcd last, and removes the pid files. It
// returns Err's report of components that had crashed before. Safe to call
// more than once.
func (c *Cluster) Stop() error {
	c.stopOnce.Do(func() {
		c.stopErr = c.Err()
		c.mu.Lock()
		processes := c.processes
		c.processes = map[string]*process{}
		c.mu.Unlock()

		// Everything but etcd stops at once; the apiserver needs etcd to
		// shut down cleanly.
		var wg sync.WaitGroup
		for name, p := range processes {
			if name != Etcd {
				wg.Go(p.stop)
			}
		}
		wg.Wait()
		if p := processes[Etcd]; p != nil {
			p.stop()
		}
		if c.cfg.Detach && c.layout.dir != "" {
			_ = os.RemoveAll(c.layout.pidsDir())
		}
		if c.tempDir != "" {
			_ = os.RemoveAll(c.tempDir)
		}
	})
	return c.stopErr
}

// RESTConfig returns a copy of the admin (system:masters) client config.
func (c *Cluster) RESTConfig() *rest.Config { return rest.CopyConfig(c.rest) }

// Host is the apiserver's URL.
func (c *Cluster) Host() string { return c.rest.Host }

// Kubeconfig is the path of the admin kubeconfig.
func (c *Cluster) Kubeconfig() string { return c.layout.kubeconfig() }

// Dir is the cluster's absolute state directory.
func (c *Cluster) Dir() string { return c.layout.dir }

// LogPath is the log file of a component (Etcd, KubeAPIServer, ...).
func (c *Cluster) LogPath(component string) string { return c.layout.log(component) }

// DriverName is the CSI driver's name, the provisioner of StorageClassName.
func (c *Cluster) DriverName() string { return c.cfg.DriverName }

// DriverNames are the names of the CSI drivers the cluster runs, DriverName
// first, then SecondDriverName with Config.SecondDriver.
func (c *Cluster) DriverNames() []string {
	names := make([]string, 0, len(c.sets))
	for _, s := range c.sets {
		names = append(names, s.driverName)
	}
	return names
}

// CSIEndpoint is the driver's address, unix:///path/to/csi.sock.
func (c *Cluster) CSIEndpoint() string { return c.layout.csiEndpoint(c.sets[0]) }

// CSIStateDir is where the test CSI driver keeps its state.
func (c *Cluster) CSIStateDir() string { return c.layout.csiStateDir(c.sets[0]) }

// CSIStateDirOf is where the named driver (DriverName, or SecondDriverName
// with Config.SecondDriver) keeps its state, and "" for a driver the
// cluster does not run.
func (c *Cluster) CSIStateDirOf(driverName string) string {
	if s := c.setOf(driverName); s != nil {
		return c.layout.csiStateDir(s)
	}
	return ""
}

// setOf is the driver set of the named driver, or nil.
func (c *Cluster) setOf(driverName string) *csiSet {
	for _, s := range c.sets {
		if s.driverName == driverName {
			return s
		}
	}
	return nil
}

// CACertPEM is the cluster CA: it signs the apiserver's serving cert and
// the certs of ServingCertificate, so it is the caBundle of an APIService
// served by a test server.
func (c *Cluster) CACertPEM() []byte { return c.pki.ca.certPEM }

// FrontProxyCACertPEM is the CA of the client certificate the aggregation
// layer presents to extension API servers.
func (c *Cluster) FrontProxyCACertPEM() []byte { return c.pki.frontProxy.certPEM }

// FrontProxyClientName is the common name of the aggregation layer's client
// certificate.
func (c *Cluster) FrontProxyClientName() string { return frontProxyClientName }

// ServingCertificate issues a serving certificate for the given host names
// and IPs, signed by the cluster CA.
func (c *Cluster) ServingCertificate(hosts ...string) (tls.Certificate, error) {
	if len(hosts) == 0 {
		return tls.Certificate{}, errors.New("ServingCertificate needs at least one host")
	}
	return c.pki.ca.servingCertificate(hosts...)
}

// Kubectl runs kubectl against the cluster and returns its standard output;
// the error carries standard error.
func (c *Cluster) Kubectl(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.cfg.BinDir, "kubectl"), append([]string{"--kubeconfig=" + c.Kubeconfig()}, args...)...)
	cmd.Env = childEnv(os.Environ())
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out), nil
}

// MissingBinaries lists the binaries Start needs that binDir lacks.
func MissingBinaries(binDir string) []string {
	var missing []string
	for _, name := range requiredBinaries {
		if info, err := os.Stat(filepath.Join(binDir, name)); err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
			missing = append(missing, name)
		}
	}
	return missing
}

// RepoRoot finds the root of the vmsnap repository from the working
// directory (tests run in their package's directory).
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if isRootModule(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the vmsnap.io/vmsnap module")
		}
		dir = parent
	}
}

func isRootModule(goMod string) bool {
	f, err := os.Open(goMod)
	if err != nil {
		return false
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		if line := strings.TrimSpace(scanner.Text()); strings.HasPrefix(line, "module ") {
			return strings.TrimSpace(strings.TrimPrefix(line, "module ")) == "vmsnap.io/vmsnap"
		}
	}
	return false
}
