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

// Command vmsnap-localcluster starts the test control plane of package
// vmsnap.io/vmsnap/tests/framework/cluster and leaves it running, for
// working against it by hand:
//
//	vmsnap-localcluster up --dir _output/local [--crd-dir DIR]...
//	vmsnap-localcluster down --dir _output/local
//
// up stops whatever a previous up left in the same directory first.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"k8s.io/klog/v2"

	"vmsnap.io/vmsnap/tests/framework/cluster"
)

const usage = `usage:
  vmsnap-localcluster up --dir DIR [--bin-dir DIR] [--crd-dir DIR]... [--driver-name NAME]
  vmsnap-localcluster down --dir DIR
`

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()

	var err error
	switch command, args := os.Args[1], os.Args[2:]; command {
	case "up":
		err = up(ctx, args)
	case "down":
		err = down(args)
	default:
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "vmsnap-localcluster:", err)
		os.Exit(1)
	}
}

func up(ctx context.Context, args []string) error {
	flags := flag.NewFlagSet("up", flag.ExitOnError)
	klog.InitFlags(flags)
	cfg := cluster.Config{Detach: true}
	var crdDirs stringList
	flags.StringVar(&cfg.Dir, "dir", "", "directory for the cluster's state, logs and kubeconfig (required)")
	flags.StringVar(&cfg.BinDir, "bin-dir", "", "directory holding the binaries (default <repo>/_output/bin)")
	flags.StringVar(&cfg.DriverName, "driver-name", cluster.DefaultDriverName, "name of the test CSI driver")
	flags.Var(&crdDirs, "crd-dir", "directory of CRD manifests to install; repeatable")
	flags.BoolVar(&cfg.GroupSnapshotClass, "group-snapshot-class", true,
		"install the test CSI driver's default VolumeGroupSnapshotClass, so that VM snapshots cut a VM's disks in one group")
	flags.BoolVar(&cfg.SecondDriver, "second-driver", false,
		"also run a second test CSI driver without group snapshots ("+cluster.SecondDriverName+", StorageClass "+cluster.NoGroupStorageClassName+")")
	_ = flags.Parse(args)
	if cfg.Dir == "" {
		return fmt.Errorf("--dir is required")
	}
	cfg.CRDDirs = crdDirs

	if err := cluster.StopDetached(cfg.Dir); err != nil {
		return fmt.Errorf("stopping the previous cluster in %s: %w", cfg.Dir, err)
	}
	c, err := cluster.Start(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Printf("Cluster is up; logs in %s\n", filepath.Join(c.Dir(), "logs"))
	fmt.Printf("export KUBECONFIG=%s\n", c.Kubeconfig())
	return nil
}

func down(args []string) error {
	flags := flag.NewFlagSet("down", flag.ExitOnError)
	dir := flags.String("dir", "", "directory the cluster was started in (required)")
	_ = flags.Parse(args)
	if *dir == "" {
		return fmt.Errorf("--dir is required")
	}
	return cluster.StopDetached(*dir)
}
