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

// Package csidriver is a CSI driver for vmsnap's tests. It serves the
// Identity, Controller and (unless told not to) GroupController services
// well enough for the real csi-provisioner and csi-snapshotter, keeps every
// volume, snapshot and group snapshot it made in a state directory so that a
// restarted driver knows them, and takes its snapshot behaviour (cut delay,
// ready delay, failures, hangs) from StorageClass, VolumeSnapshotClass and
// VolumeGroupSnapshotClass parameters; see the Param constants. No data is
// stored: volumes and snapshots are records with a size, and a volume's
// content is stood for by its write generation (see WriteVolume).
//
// Every Controller and GroupController call worth measuring is recorded in
// CallsFile in the state directory; ReadCalls reads it back.
package csidriver

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
)

const (
	// DefaultDriverName is the CSI driver name unless told otherwise.
	DefaultDriverName = "csi.test.vmsnap.io"
	driverVersion     = "v1"
)

// Options configure a Driver.
type Options struct {
	// DriverName is the CSI driver name; DefaultDriverName when empty.
	DriverName string
	// StateDir holds the volumes, the snapshots and CallsFile.
	StateDir string
	// Clock drives the cut and ready delays; the real clock when nil.
	Clock clock.Clock
	// GroupSnapshots serves the GroupController service and advertises it.
	// Off, the driver is one without group snapshot support.
	GroupSnapshots bool
}

// Driver is the CSI Identity, Controller and GroupController service.
type Driver struct {
	csi.UnimplementedIdentityServer
	csi.UnimplementedControllerServer
	csi.UnimplementedGroupControllerServer

	name           string
	clock          clock.Clock
	groupSnapshots bool
	store          *store
	calls          *callLog
	server         *grpc.Server

	// stopped is closed by Stop: waiting calls and cuts give up.
	stopped  chan struct{}
	stopOnce sync.Once
	// cutters are the goroutines waiting out a cut delay.
	cutters sync.WaitGroup

	mu        sync.Mutex
	volumes   map[string]*volume   // by ID
	snapshots map[string]*snapshot // by ID
	groups    map[string]*group    // by ID
	cuts      map[cutKey]*cut      // while under way
}

// New loads the state an earlier run left in opts.StateDir and returns a
// driver ready to Serve.
func New(opts Options) (*Driver, error) {
	if opts.StateDir == "" {
		return nil, errors.New("a state directory is required")
	}
	if opts.DriverName == "" {
		opts.DriverName = DefaultDriverName
	}
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	store, loaded, err := openStore(opts.StateDir)
	if err != nil {
		return nil, fmt.Errorf("loading state from %s: %w", opts.StateDir, err)
	}
	calls, err := openCallLog(opts.StateDir, opts.Clock)
	if err != nil {
		return nil, err
	}
	d := &Driver{
		name:           opts.DriverName,
		clock:          opts.Clock,
		groupSnapshots: opts.GroupSnapshots,
		store:          store,
		calls:          calls,
		stopped:        make(chan struct{}),
		volumes:        make(map[string]*volume, len(loaded.volumes)),
		snapshots:      make(map[string]*snapshot, len(loaded.snapshots)),
		groups:         make(map[string]*group, len(loaded.groups)),
		cuts:           map[cutKey]*cut{},
	}
	for _, v := range loaded.volumes {
		d.volumes[v.ID] = v
	}
	for _, g := range loaded.groups {
		d.groups[g.ID] = g
	}
	for _, s := range loaded.snapshots {
		if s.GroupSnapshotID != "" && d.groups[s.GroupSnapshotID] == nil {
			// A group cut the driver died in: its caller got no answer and
			// will cut again.
			if err := store.deleteSnapshot(s.ID); err != nil {
				return nil, err
			}
			continue
		}
		d.snapshots[s.ID] = s
	}
	d.server = grpc.NewServer(grpc.UnaryInterceptor(calls.intercept))
	csi.RegisterIdentityServer(d.server, d)
	csi.RegisterControllerServer(d.server, d)
	if d.groupSnapshots {
		csi.RegisterGroupControllerServer(d.server, d)
	}
	klog.InfoS("CSI driver loaded its state", "driver", d.name, "stateDir", opts.StateDir,
		"volumes", len(d.volumes), "snapshots", len(d.snapshots), "groupSnapshots", len(d.groups),
		"groupController", d.groupSnapshots)
	return d, nil
}

// Serve serves CSI on listener until Stop.
func (d *Driver) Serve(listener net.Listener) error {
	return d.server.Serve(listener)
}

// Stop makes waiting calls fail with Unavailable, abandons cuts under way
// (a retry after a restart starts them again), and stops serving.
func (d *Driver) Stop() {
	d.stopOnce.Do(func() {
		close(d.stopped)
		d.server.GracefulStop()
		d.cutters.Wait()
		if err := d.calls.close(); err != nil {
			klog.ErrorS(err, "Cannot close the call log")
		}
	})
}

// Listen listens on a CSI endpoint such as unix:///run/csi/csi.sock,
// replacing a socket an earlier run left behind.
func Listen(endpoint string) (net.Listener, error) {
	path, ok := strings.CutPrefix(endpoint, "unix://")
	if !ok || path == "" {
		return nil, fmt.Errorf("endpoint %q: want unix:///path/to/socket", endpoint)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	info, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	case info.Mode().Type() != fs.ModeSocket:
		return nil, fmt.Errorf("endpoint %q: %s exists and is not a socket", endpoint, path)
	default:
		if err := os.Remove(path); err != nil {
			return nil, err
		}
	}
	return net.Listen("unix", path)
}
