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
