package app

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/component-base/featuregate"

	"vmsnap.io/vmsnap/pkg/features"
)

// Options are the controller's settings, one flag each.
type Options struct {
	// Kubeconfig is a kubeconfig file; empty means in-cluster configuration.
	Kubeconfig string
	// QPS and Burst limit the controller's requests to the API server.
	QPS   float32
	Burst int
	// APICompression asks the API server for gzip-compressed responses.
	APICompression bool

	// MetricsAddr serves /metrics; HealthAddr serves /healthz and /readyz.
	// Either may be "0" to disable it.
	MetricsAddr string
	HealthAddr  string
	// MetricsSecure serves the metrics address over HTTPS to callers the
	// API server authenticates and authorizes for the path. Off, it serves
	// plain HTTP to anyone, and only on a loopback address.
	MetricsSecure bool
	// MetricsCertFile and MetricsKeyFile are the certificate served on the
	// metrics address; without them it is self-signed, made at startup.
	MetricsCertFile string
	MetricsKeyFile  string
	// EnablePprof serves /debug/pprof on the metrics address.
	EnablePprof bool

	LeaderElection LeaderElectionOptions

	// MaxFrozenVMs bounds the VMs frozen at once (0: no bound).
	MaxFrozenVMs int
	// Workers per controller.
	SnapshotWorkers     int
	ContentWorkers      int
	DiskSnapshotWorkers int
	RestoreWorkers      int
	ScheduleWorkers     int

	// MinScheduleInterval is the shortest "@every" a schedule may use.
	// Tests lower it to run schedules in seconds.
	MinScheduleInterval time.Duration

	// ResyncPeriod is how often informers replay their cache.
	ResyncPeriod time.Duration
	// APIPollInterval is how often the controller looks for APIs it needs
	// that were missing (VolumeSnapshot, KubeVirt, CDI).
	APIPollInterval time.Duration
	// UnfreezeTimeout is the auto-thaw timeout sent with every freeze: the
	// guest agent thaws by itself after it, should the controller die.
	UnfreezeTimeout time.Duration

	FeatureGates featuregate.MutableFeatureGate

	// WrapTransport, when set, wraps every API client's transport. It has
	// no flag: tests that run the controller in their own process use it
	// to kill the controller between two API writes, or to fail one.
	WrapTransport func(http.RoundTripper) http.RoundTripper
}

// LeaderElectionOptions configure leader election on a Lease.
type LeaderElectionOptions struct {
	Enabled       bool
	Namespace     string
	Name          string
	LeaseDuration time.Duration
	RenewDeadline time.Duration
	RetryPeriod   time.Duration
}

// NewOptions returns the defaults.
func NewOptions() *Options {
	namespace := os.Getenv("POD_NAMESPACE")
	if namespace == "" {
		namespace = "vmsnap-system"
	}
	return &Options{
		QPS:           50,
		Burst:         100,
		MetricsAddr:   ":8080",
		HealthAddr:    ":8081",
		MetricsSecure: true,
		LeaderElection: LeaderElectionOptions{
			Enabled:   true,
			Namespace: namespace,
			Name:      "vmsnap-controller",
			// A standby notices a renewal up to one jittered retry period
			// (x2.2) late and retries as late again: it takes over at most
			// 8s + 2 x 3.3s after the leader dies, within 15s.
			LeaseDuration: 8 * time.Second,
			RenewDeadline: 5 * time.Second,
			RetryPeriod:   1500 * time.Millisecond,
		},
		MaxFrozenVMs: 10,
		// Snapshot and content syncs wait on API round trips, not CPU:
		// with 4 snapshot workers a batch of 50 snapshots saw readiness
		// lag p99 ≈ 1.8 s, with 16 ≈ 0.1 s (make bench, README).
		SnapshotWorkers:     16,
		ContentWorkers:      8,
		DiskSnapshotWorkers: 4,
		// A restore also waits on round trips: some 14 per restore as a new
		// VM with its hand-over. With 2 workers 200 restores took twice
		// as long once the hand-over came (make bench, README).
		RestoreWorkers: 8,
		// A schedule's sync is all in memory but for its creates, deletes
		// and one status write.
		ScheduleWorkers:     2,
		MinScheduleInterval: time.Minute,
		ResyncPeriod:        10 * time.Minute,
		APIPollInterval:     10 * time.Second,
		UnfreezeTimeout:     30 * time.Second,
		FeatureGates:        features.NewFeatureGate(),
	}
}

// AddFlags registers the options on fs.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Kubeconfig, "kubeconfig", o.Kubeconfig, "Path to a kubeconfig file. Empty: in-cluster configuration.")
	fs.Float32Var(&o.QPS, "kube-api-qps", o.QPS, "Requests per second to the API server.")
	fs.IntVar(&o.Burst, "kube-api-burst", o.Burst, "Burst of requests to the API server.")
	fs.BoolVar(&o.APICompression, "kube-api-compression", o.APICompression,
		"Ask the API server for gzip-compressed responses and watch streams. Off by default: within a cluster the CPU it costs both ends outweighs the bandwidth it saves.")
	fs.StringVar(&o.MetricsAddr, "metrics-bind-address", o.MetricsAddr, "Address serving /metrics; \"0\" disables it.")
	fs.BoolVar(&o.MetricsSecure, "metrics-secure", o.MetricsSecure,
		"Serve the metrics address over HTTPS, only to callers whose bearer token the API server accepts and who may get the path (e.g. nonResourceURLs /metrics). False serves plain HTTP without authentication, on a loopback address only.")
	fs.StringVar(&o.MetricsCertFile, "metrics-cert-file", o.MetricsCertFile,
		"PEM certificate served on the metrics address, reread when it changes. Empty: a self-signed certificate made at startup.")
	fs.StringVar(&o.MetricsKeyFile, "metrics-key-file", o.MetricsKeyFile, "PEM private key of --metrics-cert-file.")
	fs.StringVar(&o.HealthAddr, "health-bind-address", o.HealthAddr, "Address serving /healthz and /readyz; \"0\" disables it.")
	fs.BoolVar(&o.EnablePprof, "enable-pprof", o.EnablePprof, "Serve /debug/pprof on the metrics address.")

	le := &o.LeaderElection
	fs.BoolVar(&le.Enabled, "leader-elect", le.Enabled, "Elect a leader on a Lease so that only one replica acts.")
	fs.StringVar(&le.Namespace, "leader-elect-namespace", le.Namespace, "Namespace of the leader election Lease (default: $POD_NAMESPACE, else vmsnap-system).")
	fs.StringVar(&le.Name, "leader-elect-name", le.Name, "Name of the leader election Lease.")
	fs.DurationVar(&le.LeaseDuration, "leader-elect-lease-duration", le.LeaseDuration, "How long a lease lasts without renewal before another replica may take it.")
	fs.DurationVar(&le.RenewDeadline, "leader-elect-renew-deadline", le.RenewDeadline, "How long the leader retries renewing before it gives up leading.")
	fs.DurationVar(&le.RetryPeriod, "leader-elect-retry-period", le.RetryPeriod, "How often replicas try to acquire or renew the lease.")

	fs.IntVar(&o.MaxFrozenVMs, "max-frozen-vms", o.MaxFrozenVMs,
		"Most VMs frozen at once for snapshots; others wait for one to thaw (0: no bound). Keeps each guest's frozen window short when many running VMs are snapshotted together.")
	fs.IntVar(&o.SnapshotWorkers, "snapshot-workers", o.SnapshotWorkers, "Concurrent VirtualMachineSnapshot syncs.")
	fs.IntVar(&o.ContentWorkers, "content-workers", o.ContentWorkers, "Concurrent VirtualMachineSnapshotContent syncs.")
	fs.IntVar(&o.DiskSnapshotWorkers, "disk-snapshot-workers", o.DiskSnapshotWorkers, "Concurrent VirtualDiskSnapshot syncs.")
	fs.IntVar(&o.RestoreWorkers, "restore-workers", o.RestoreWorkers, "Concurrent VirtualMachineRestore syncs.")
	fs.IntVar(&o.ScheduleWorkers, "schedule-workers", o.ScheduleWorkers, "Concurrent VirtualMachineSnapshotSchedule syncs.")
	fs.DurationVar(&o.MinScheduleInterval, "min-schedule-interval", o.MinScheduleInterval,
		"Shortest \"@every\" interval a VirtualMachineSnapshotSchedule may use. For tests only: lower values let a schedule run every few seconds.")
	_ = fs.MarkHidden("min-schedule-interval")

	fs.DurationVar(&o.ResyncPeriod, "resync-period", o.ResyncPeriod, "How often informers replay their cache.")
	fs.DurationVar(&o.APIPollInterval, "api-poll-interval", o.APIPollInterval, "How often to look for needed APIs that are not served yet.")
	fs.DurationVar(&o.UnfreezeTimeout, "unfreeze-timeout", o.UnfreezeTimeout, "Auto-thaw timeout sent with every filesystem freeze; the guest thaws by itself after it if the controller cannot. Never 0.")

	o.FeatureGates.AddFlag(fs)
}

// Validate reports every invalid option at once.
func (o *Options) Validate() error {
	var errs []error
	if o.QPS <= 0 || o.Burst <= 0 {
		errs = append(errs, fmt.Errorf("--kube-api-qps and --kube-api-burst must be positive"))
	}
	for name, n := range map[string]int{
		"--snapshot-workers": o.SnapshotWorkers, "--content-workers": o.ContentWorkers,
		"--disk-snapshot-workers": o.DiskSnapshotWorkers, "--restore-workers": o.RestoreWorkers,
		"--schedule-workers": o.ScheduleWorkers,
	} {
		if n < 1 {
			errs = append(errs, fmt.Errorf("%s must be at least 1, got %d", name, n))
		}
	}
	if o.UnfreezeTimeout < time.Second {
		errs = append(errs, fmt.Errorf("--unfreeze-timeout must be at least 1s, got %s: a freeze without an auto-thaw could leave a VM frozen forever", o.UnfreezeTimeout))
	}
	if o.MinScheduleInterval < time.Second {
		errs = append(errs, fmt.Errorf("--min-schedule-interval must be at least 1s, got %s", o.MinScheduleInterval))
	}
	if o.MaxFrozenVMs < 0 {
		errs = append(errs, fmt.Errorf("--max-frozen-vms must not be negative (0: no bound), got %d", o.MaxFrozenVMs))
	}
	if o.APIPollInterval <= 0 {
		errs = append(errs, fmt.Errorf("--api-poll-interval must be positive"))
	}
	errs = append(errs, o.validateMetrics()...)
	if le := o.LeaderElection; le.Enabled {
		if le.Namespace == "" || le.Name == "" {
			errs = append(errs, fmt.Errorf("--leader-elect-namespace and --leader-elect-name must not be empty"))
		}
		if !(le.LeaseDuration > le.RenewDeadline && le.RenewDeadline > le.RetryPeriod && le.RetryPeriod > 0) {
			errs = append(errs, fmt.Errorf("leader election needs lease-duration > renew-deadline > retry-period > 0, got %s, %s, %s",
				le.LeaseDuration, le.RenewDeadline, le.RetryPeriod))
		}
	}
	errs = append(errs, o.FeatureGates.Validate()...)
	return errors.Join(errs...)
}

// validateMetrics refuses an unauthenticated metrics address that other
// hosts can reach: /metrics names namespaces and objects, and pprof would
// let anyone profile the process.
func (o *Options) validateMetrics() []error {
	var errs []error
	if (o.MetricsCertFile == "") != (o.MetricsKeyFile == "") {
		errs = append(errs, fmt.Errorf("--metrics-cert-file and --metrics-key-file go together"))
	}
	if o.MetricsSecure || o.MetricsAddr == "0" || o.MetricsAddr == "" {
		return errs
	}
	if o.MetricsCertFile != "" {
		errs = append(errs, fmt.Errorf("--metrics-cert-file needs --metrics-secure=true"))
	}
	host, _, err := net.SplitHostPort(o.MetricsAddr)
	if err != nil {
		return append(errs, fmt.Errorf("--metrics-bind-address %q: %w", o.MetricsAddr, err))
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		errs = append(errs, fmt.Errorf("--metrics-secure=false serves metrics over plain HTTP without authentication, so --metrics-bind-address must be a loopback address such as 127.0.0.1:8080, got %q; "+
			"keep --metrics-secure=true to serve other hosts", o.MetricsAddr))
	}
	return errs
}
