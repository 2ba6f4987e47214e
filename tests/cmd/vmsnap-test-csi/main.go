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

// Command vmsnap-test-csi is the CSI driver vmsnap's tests and benchmarks
// run under the real csi-provisioner and csi-snapshotter. See package
// vmsnap.io/vmsnap/tests/csidriver for what it does.
package main

import (
	"context"
	"flag"
	"os"
	"os/signal"
	"syscall"

	"k8s.io/klog/v2"

	"vmsnap.io/vmsnap/tests/csidriver"
)

func main() {
	klog.InitFlags(nil)
	endpoint := flag.String("endpoint", os.Getenv("CSI_ENDPOINT"), "CSI endpoint to serve, unix:///path/to/csi.sock; defaults to $CSI_ENDPOINT")
	driverName := flag.String("driver-name", csidriver.DefaultDriverName, "CSI driver name")
	stateDir := flag.String("state-dir", "", "directory that keeps the volumes, the snapshots and "+csidriver.CallsFile+" across restarts")
	groupSnapshots := flag.Bool("group-snapshots", true, "serve the CSI GroupController service (volume group snapshots); false makes a driver without group snapshot support")
	flag.Parse()

	driver, err := csidriver.New(csidriver.Options{DriverName: *driverName, StateDir: *stateDir, GroupSnapshots: *groupSnapshots})
	if err != nil {
		klog.ErrorS(err, "Cannot start the CSI driver")
		klog.FlushAndExit(klog.ExitFlushTimeout, 1)
	}
	listener, err := csidriver.Listen(*endpoint)
	if err != nil {
		klog.ErrorS(err, "Cannot listen", "endpoint", *endpoint)
		klog.FlushAndExit(klog.ExitFlushTimeout, 1)
	}

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- driver.Serve(listener) }()
	klog.InfoS("Serving CSI", "driver", *driverName, "endpoint", *endpoint, "stateDir", *stateDir, "groupSnapshots", *groupSnapshots)

	select {
	case <-ctx.Done():
		klog.InfoS("Stopping on signal")
		driver.Stop()
	case err := <-served:
		klog.ErrorS(err, "Serving CSI failed")
		driver.Stop()
		klog.FlushAndExit(klog.ExitFlushTimeout, 1)
	}
	klog.Flush()
}
