package app

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"vmsnap.io/vmsnap/pkg/features"
)

func TestOptionsFlagsAndValidation(t *testing.T) {
	o := NewOptions()
	if err := o.Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	o.AddFlags(fs)
	err := fs.Parse([]string{
		"--kubeconfig=/k", "--snapshot-workers=8", "--unfreeze-timeout=5s",
		"--leader-elect-namespace=ns", "--feature-gates=Restore=false",
	})
	if err != nil {
		t.Fatal(err)
	}
	if o.Kubeconfig != "/k" || o.SnapshotWorkers != 8 || o.UnfreezeTimeout != 5*time.Second || o.LeaderElection.Namespace != "ns" {
		t.Errorf("flags not applied: %+v", o)
	}
	if o.FeatureGates.Enabled(features.Restore) {
		t.Error("--feature-gates=Restore=false not applied")
	}

	for _, tc := range []struct {
		name   string
		mutate func(*Options)
		want   string
	}{
		{"zero unfreeze timeout", func(o *Options) { o.UnfreezeTimeout = 0 }, "--unfreeze-timeout must be at least 1s"},
		{"no workers", func(o *Options) { o.RestoreWorkers = 0 }, "--restore-workers must be at least 1"},
		{"lease shorter than renew", func(o *Options) { o.LeaderElection.LeaseDuration = time.Second }, "lease-duration > renew-deadline"},
		{"no qps", func(o *Options) { o.QPS = 0 }, "--kube-api-qps"},
		{"plain metrics on every address", func(o *Options) { o.MetricsSecure = false }, "must be a loopback address"},
		{"plain metrics on a pod address", func(o *Options) { o.MetricsSecure, o.MetricsAddr = false, "10.0.0.5:8080" }, "must be a loopback address"},
		{"plain metrics, bad address", func(o *Options) { o.MetricsSecure, o.MetricsAddr = false, "127.0.0.1" }, "--metrics-bind-address"},
		{"plain metrics with a certificate", func(o *Options) {
			o.MetricsSecure, o.MetricsAddr, o.MetricsCertFile, o.MetricsKeyFile = false, "127.0.0.1:8080", "c", "k"
		}, "--metrics-cert-file needs --metrics-secure=true"},
		{"certificate without key", func(o *Options) { o.MetricsCertFile = "c" }, "go together"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := NewOptions()
			tc.mutate(o)
			err := o.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate() = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestMetricsSecurityOptions(t *testing.T) {
	o := NewOptions()
	if !o.MetricsSecure {
		t.Error("metrics are not secure by default")
	}
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	o.AddFlags(fs)
	if err := fs.Parse([]string{"--metrics-cert-file=/tls/tls.crt", "--metrics-key-file=/tls/tls.key"}); err != nil {
		t.Fatal(err)
	}
	if o.MetricsCertFile != "/tls/tls.crt" || o.MetricsKeyFile != "/tls/tls.key" {
		t.Errorf("certificate flags not applied: %q %q", o.MetricsCertFile, o.MetricsKeyFile)
	}
	if err := o.Validate(); err != nil {
		t.Errorf("a mounted certificate is refused: %v", err)
	}
	// Plain HTTP is for loopback, or when metrics are off.
	for _, addr := range []string{"127.0.0.1:8080", "[::1]:8080", "localhost:8080", "127.0.0.1:0", "0"} {
		o := NewOptions()
		o.MetricsSecure, o.MetricsAddr = false, addr
		if err := o.Validate(); err != nil {
			t.Errorf("--metrics-secure=false --metrics-bind-address=%s: %v", addr, err)
		}
	}
}
