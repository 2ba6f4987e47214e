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
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Component names: the names of their log files, pid files and binaries
// (except the CSI driver, whose binary is CSIDriverBinary).
const (
	Etcd                  = "etcd"
	KubeAPIServer         = "kube-apiserver"
	CSIDriver             = "csi-driver"
	KubeControllerManager = "kube-controller-manager"
	CSIProvisioner        = "csi-provisioner"
	SnapshotController    = "snapshot-controller"
	CSISnapshotter        = "csi-snapshotter"
)

// CSIDriverBinary is the project's test CSI driver, built from
// tests/cmd/vmsnap-test-csi.
const CSIDriverBinary = "vmsnap-test-csi"

// The components of the second driver set (Config.SecondDriver): the first
// set's names with secondSetSuffix.
const (
	CSIDriver2      = CSIDriver + secondSetSuffix
	CSIProvisioner2 = CSIProvisioner + secondSetSuffix
	CSISnapshotter2 = CSISnapshotter + secondSetSuffix
)

// requiredBinaries are the files BinDir must hold.
var requiredBinaries = []string{
	Etcd, KubeAPIServer, KubeControllerManager, "kubectl",
	CSIProvisioner, SnapshotController, CSISnapshotter, CSIDriverBinary,
}

const (
	// serviceClusterIPRange is what the apiserver allocates Service IPs from;
	// nothing routes to them here, but ExternalName Services need the range.
	serviceClusterIPRange = "10.0.0.0/24"
	kubernetesServiceIP   = "10.0.0.1"

	// etcdQuotaBytes lifts etcd's 2 GiB default so benchmarks with thousands
	// of objects never hit "database space exceeded".
	etcdQuotaBytes = 8 << 30

	// The sidecars' default client rate limit of 5 QPS makes 200 snapshots
	// take minutes instead of seconds.
	sidecarQPS   = 200
	sidecarBurst = 400

	// snapshotterResync is how often csi-snapshotter looks at every
	// VolumeSnapshotContent again; see snapshotterArgs.
	snapshotterResync = 20 * time.Second
)

// controllerManagerControllers are the controllers that work without nodes
// or pods: volume binding and protection, namespace deletion, garbage
// collection and service accounts.
var controllerManagerControllers = []string{
	"persistentvolume-binder-controller",
	"persistentvolume-protection-controller",
	"persistentvolumeclaim-protection-controller",
	"namespace-controller",
	"garbage-collector-controller",
	"serviceaccount-controller",
	"serviceaccount-token-controller",
}

// ports are the loopback ports one cluster listens on.
type ports struct {
	etcdClient, etcdPeer, etcdMetrics, apiserver int
}

// layout names the files and directories of one cluster under its Dir.
type layout struct {
	dir string
	// socketDir, when set, holds the drivers' sockets instead of their set
	// directories, whose paths are too long for one.
	socketDir string
}

func (l layout) pkiDir() string         { return filepath.Join(l.dir, "pki") }
func (l layout) pki(name string) string { return filepath.Join(l.dir, "pki", name) }
func (l layout) etcdDataDir() string    { return filepath.Join(l.dir, "etcd") }
func (l layout) logsDir() string        { return filepath.Join(l.dir, "logs") }
func (l layout) log(name string) string { return filepath.Join(l.dir, "logs", name+".log") }
func (l layout) pidsDir() string        { return filepath.Join(l.dir, pidsDirName) }
func (l layout) kubeconfig() string     { return filepath.Join(l.dir, "kubeconfig") }
func (l layout) auditPolicy() string    { return filepath.Join(l.pkiDir(), "audit-policy.yaml") }

// stateDirs are wiped when a cluster starts in the same Dir again: the
// second driver set's too, whether this start asks for it or not.
func (l layout) stateDirs() []string {
	dirs := []string{l.pkiDir(), l.etcdDataDir(), l.logsDir(), l.pidsDir()}
	for _, s := range csiSetsFor(Config{SecondDriver: true}) {
		dirs = append(dirs, l.csiSetDir(s))
	}
	return dirs
}

// csiSetDir holds a driver set's state directory, and its socket unless
// that path is too long for one.
func (l layout) csiSetDir(s *csiSet) string { return filepath.Join(l.dir, s.dirName) }

// csiStateDir is where a set's driver keeps its volumes, snapshots and calls.
func (l layout) csiStateDir(s *csiSet) string { return filepath.Join(l.csiSetDir(s), "state") }

// csiSocket is the unix socket a set's driver listens on.
func (l layout) csiSocket(s *csiSet) string {
	if l.socketDir != "" {
		return filepath.Join(l.socketDir, s.socketName())
	}
	return filepath.Join(l.csiSetDir(s), s.socketName())
}

func (l layout) csiEndpoint(s *csiSet) string { return "unix://" + l.csiSocket(s) }

// csiSet is one test CSI driver with the csi-provisioner and csi-snapshotter
// in front of it: everything a cluster runs per driver. The first set is
// always there; Config.SecondDriver adds the second. Both come from
// csiSetsFor, and every per-driver step of the cluster (start, waits,
// crash reports, restarts, stop) walks the sets.
type csiSet struct {
	// driverName is the CSI driver's name, the provisioner of storageClass.
	driverName string
	// suffix makes the set's component names (logs, pid files) distinct:
	// "" for the first set.
	suffix string
	// dirName is the set's directory under Dir.
	dirName string
	// noGroupSnapshots starts the driver without the CSI GroupController
	// service.
	noGroupSnapshots bool
	// storageClass and snapshotClass are the set's StorageClass and its
	// driver's default VolumeSnapshotClass; groupSnapshotClass its default
	// VolumeGroupSnapshotClass, if the driver takes group snapshots.
	storageClass, snapshotClass, groupSnapshotClass string
	// defaultStorageClass makes storageClass the cluster's default.
	defaultStorageClass bool
}

const secondSetSuffix = "-2"

// csiSetsFor describes the driver sets a cluster of cfg runs, the first one
// first. cfg.DriverName must be set.
func csiSetsFor(cfg Config) []*csiSet {
	sets := []*csiSet{{
		driverName:          cfg.DriverName,
		dirName:             "csi",
		storageClass:        StorageClassName,
		snapshotClass:       SnapshotClassName,
		defaultStorageClass: true,
	}}
	if cfg.GroupSnapshotClass {
		sets[0].groupSnapshotClass = GroupSnapshotClassName
	}
	if cfg.SecondDriver {
		sets = append(sets, &csiSet{
			driverName:       SecondDriverName,
			suffix:           secondSetSuffix,
			dirName:          "csi2",
			noGroupSnapshots: true,
			storageClass:     NoGroupStorageClassName,
			snapshotClass:    NoGroupSnapshotClassName,
		})
	}
	return sets
}

func (s *csiSet) driver() string      { return CSIDriver + s.suffix }
func (s *csiSet) provisioner() string { return CSIProvisioner + s.suffix }
func (s *csiSet) snapshotter() string { return CSISnapshotter + s.suffix }

// socketName is the driver socket's file name: csi.sock, csi-2.sock.
func (s *csiSet) socketName() string { return "csi" + s.suffix + ".sock" }

func loopbackURL(port int) string  { return "http://127.0.0.1:" + strconv.Itoa(port) }
func apiserverURL(port int) string { return "https://127.0.0.1:" + strconv.Itoa(port) }

// opt formats a command line flag.
func opt(name string, value any) string { return fmt.Sprintf("--%s=%v", name, value) }

func etcdArgs(l layout, p ports) []string {
	const member = "vmsnap-test"
	peerURL := loopbackURL(p.etcdPeer)
	return []string{
		opt("name", member),
		opt("data-dir", l.etcdDataDir()),
		opt("listen-client-urls", loopbackURL(p.etcdClient)),
		opt("advertise-client-urls", loopbackURL(p.etcdClient)),
		opt("listen-peer-urls", peerURL),
		opt("initial-advertise-peer-urls", peerURL),
		opt("initial-cluster", member+"="+peerURL),
		opt("listen-metrics-urls", loopbackURL(p.etcdMetrics)),
		// Durability is worthless for a throwaway test cluster; fsync is
		// what makes etcd slow on shared disks.
		"--unsafe-no-fsync",
		opt("quota-backend-bytes", etcdQuotaBytes),
		opt("log-level", "warn"),
	}
}

// apiserverArgs serve /debug/pprof only with profiling (Config.Profiling).
func apiserverArgs(l layout, p ports, profiling bool) []string {
	return []string{
		opt("etcd-servers", loopbackURL(p.etcdClient)),
		opt("bind-address", "127.0.0.1"),
		opt("advertise-address", "127.0.0.1"),
		opt("secure-port", p.apiserver),
		opt("tls-cert-file", l.pki(apiserverCertFile)),
		opt("tls-private-key-file", l.pki(apiserverKeyFile)),
		opt("client-ca-file", l.pki(caCertFile)),
		opt("authorization-mode", "RBAC"),
		opt("service-account-issuer", "https://kubernetes.default.svc.cluster.local"),
		opt("service-account-key-file", l.pki(serviceAccountPubFile)),
		opt("service-account-signing-key-file", l.pki(serviceAccountKeyFile)),
		opt("service-cluster-ip-range", serviceClusterIPRange),
		// There is no kube-proxy; the default Endpoints reconciler would
		// only keep rewriting the kubernetes Service's endpoints.
		opt("endpoint-reconciler-type", "none"),
		// The aggregation layer authenticates to extension API servers with
		// this client cert and forwards the user in these headers.
		opt("requestheader-client-ca-file", l.pki(frontProxyCACertFile)),
		opt("requestheader-allowed-names", frontProxyClientName),
		opt("requestheader-username-headers", "X-Remote-User"),
		opt("requestheader-group-headers", "X-Remote-Group"),
		opt("requestheader-extra-headers-prefix", "X-Remote-Extra-"),
		opt("proxy-client-cert-file", l.pki(proxyClientCertFile)),
		opt("proxy-client-key-file", l.pki(proxyClientKeyFile)),
		opt("profiling", profiling),
		opt("v", 1),
	}
}

// auditPolicy is the common production setting: who wrote what, when, at
// Metadata level (no bodies), for writes only; reads are not audited.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Metadata
  verbs: ["create", "update", "patch", "delete", "deletecollection"]
- level: None
`

// auditArgs write the audit log with the log backend in its default,
// blocking mode: a write's answer waits for its audit event.
func auditArgs(l layout) []string {
	return []string{
		opt("audit-policy-file", l.auditPolicy()),
		opt("audit-log-path", l.log("audit")),
		opt("audit-log-format", "json"),
		opt("audit-log-maxsize", 500),
		opt("audit-log-maxbackup", 1),
	}
}

func controllerManagerArgs(l layout) []string {
	return []string{
		opt("kubeconfig", l.kubeconfig()),
		opt("controllers", strings.Join(controllerManagerControllers, ",")),
		opt("leader-elect", false),
		// Nothing scrapes it, and a fixed port would collide between clusters.
		opt("secure-port", 0),
		opt("service-account-private-key-file", l.pki(serviceAccountKeyFile)),
		opt("root-ca-file", l.pki(caCertFile)),
		opt("kube-api-qps", sidecarQPS),
		opt("kube-api-burst", sidecarBurst),
		opt("profiling", false),
		opt("v", 1),
	}
}

func csiDriverArgs(l layout, s *csiSet) []string {
	args := []string{
		"--endpoint", l.csiEndpoint(s),
		"--state-dir", l.csiStateDir(s),
		"--driver-name", s.driverName,
	}
	if s.noGroupSnapshots {
		args = append(args, opt("group-snapshots", false))
	}
	return args
}

// sidecarArgs are the flags the three external-snapshotter and
// external-provisioner binaries share.
func sidecarArgs(l layout) []string {
	return []string{
		opt("kubeconfig", l.kubeconfig()),
		opt("leader-election", false),
		opt("kube-api-qps", sidecarQPS),
		opt("kube-api-burst", sidecarBurst),
		opt("v", 2),
	}
}

func provisionerArgs(l layout, s *csiSet) []string {
	return append(sidecarArgs(l),
		opt("csi-address", l.csiSocket(s)),
		// Passes the PVC's name and namespace to the driver as parameters.
		opt("extra-create-metadata", true),
	)
}

// snapshotControllerArgs need nothing for VolumeGroupSnapshots: in v8.7
// the CSIVolumeGroupSnapshot feature gate is GA and on by default, and the
// controller handles groups when the group CRDs are served at its start
// (it only warns and goes on without them otherwise).
func snapshotControllerArgs(l layout) []string {
	return sidecarArgs(l)
}

// snapshotterArgs need nothing for VolumeGroupSnapshots either: the
// sidecar asks its driver for the GroupController capability and logs a
// warning, nothing more, when the driver lacks it.
func snapshotterArgs(l layout, s *csiSet) []string {
	return append(sidecarArgs(l),
		opt("csi-address", l.csiSocket(s)),
		// Passes the VolumeSnapshot's name and namespace to the driver.
		opt("extra-create-metadata", true),
		// A VolumeSnapshotContent deleted while its CreateSnapshot call is
		// under way is deleted only at the sidecar's next resync
		// (kubernetes-csi/external-snapshotter#1388); the default 15
		// minutes would outlast every test that waits for it.
		opt("resync-period", snapshotterResync),
	)
}
