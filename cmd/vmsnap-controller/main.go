// Command vmsnap-controller runs vmsnap's controllers: VM and disk snapshots
// and restores for KubeVirt on CSI VolumeSnapshots.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/pflag"
	"k8s.io/klog/v2"

	"vmsnap.io/vmsnap/pkg/app"
	"vmsnap.io/vmsnap/pkg/version"
)

func main() {
	opts := app.NewOptions()
	fs := pflag.NewFlagSet("vmsnap-controller", pflag.ExitOnError)
	opts.AddFlags(fs)
	printVersion := fs.Bool("version", false, "Print the version and exit.")
	klogFlags := flag.NewFlagSet("klog", flag.ExitOnError)
	klog.InitFlags(klogFlags)
	fs.AddGoFlagSet(klogFlags)
	if err := fs.Parse(os.Args[1:]); err != nil {
		klog.ErrorS(err, "Invalid flags")
		os.Exit(2)
	}
	if *printVersion {
		fmt.Println("vmsnap-controller " + version.Get().String())
		os.Exit(0)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	ctx = klog.NewContext(ctx, klog.Background().WithName("vmsnap-controller"))
	// Once, so a log says which build wrote it.
	info := version.Get()
	klog.FromContext(ctx).Info("Starting", "version", info.Version, "gitCommit", info.GitCommit, "goVersion", info.GoVersion, "platform", info.Platform)

	if err := app.Run(ctx, opts); err != nil {
		klog.ErrorS(err, "vmsnap-controller failed")
		klog.Flush()
		os.Exit(1)
	}
	klog.Flush()
}
