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

package csidriver

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	testingclock "k8s.io/utils/clock/testing"
)

var startTime = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const gib = 1 << 30

// testDriver is a driver serving on a unix socket in its state directory,
// and a client connected to it.
type testDriver struct {
	t               *testing.T
	dir             string
	opts            Options
	clock           *testingclock.FakeClock
	driver          *Driver
	identity        csi.IdentityClient
	controller      csi.ControllerClient
	groupController csi.GroupControllerClient
}

// startDriver starts a driver with opts, on a fake clock.
func startDriver(t *testing.T, opts Options) *testDriver {
	t.Helper()
	driver, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	endpoint := "unix://" + filepath.Join(opts.StateDir, "csi.sock")
	listener, err := Listen(endpoint)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	go func() { _ = driver.Serve(listener) }()
	conn, err := grpc.NewClient(endpoint, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatalf("grpc.NewClient: %v", err)
	}
	td := &testDriver{
		t:               t,
		dir:             opts.StateDir,
		opts:            opts,
		clock:           opts.Clock.(*testingclock.FakeClock),
		driver:          driver,
		identity:        csi.NewIdentityClient(conn),
		controller:      csi.NewControllerClient(conn),
		groupController: csi.NewGroupControllerClient(conn),
	}
	t.Cleanup(func() {
		_ = conn.Close()
		driver.Stop()
	})
	return td
}

// newTestDriver starts a driver with group snapshots, as the command's
// defaults have it.
func newTestDriver(t *testing.T) *testDriver {
	return startDriver(t, Options{StateDir: t.TempDir(), Clock: testingclock.NewFakeClock(startTime), GroupSnapshots: true})
}

// restart stops the driver and starts a new one on the same state.
func (td *testDriver) restart() *testDriver {
	td.driver.Stop()
	return startDriver(td.t, td.opts)
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func volumeRequest(name string, size int64, params map[string]string) *csi.CreateVolumeRequest {
	return &csi.CreateVolumeRequest{
		Name:          name,
		CapacityRange: &csi.CapacityRange{RequiredBytes: size},
		VolumeCapabilities: []*csi.VolumeCapability{{
			AccessType: &csi.VolumeCapability_Block{Block: &csi.VolumeCapability_BlockVolume{}},
			AccessMode: &csi.VolumeCapability_AccessMode{Mode: csi.VolumeCapability_AccessMode_SINGLE_NODE_WRITER},
		}},
		Parameters: params,
	}
}

// fromSnapshot asks for a volume restored from a snapshot.
func fromSnapshot(name string, size int64, snapshotID string) *csi.CreateVolumeRequest {
	req := volumeRequest(name, size, nil)
	req.VolumeContentSource = &csi.VolumeContentSource{Type: &csi.VolumeContentSource_Snapshot{
		Snapshot: &csi.VolumeContentSource_SnapshotSource{SnapshotId: snapshotID},
	}}
	return req
}

// cloneRequest asks for a clone of a volume.
func cloneRequest(name string, size int64, volumeID string) *csi.CreateVolumeRequest {
	req := volumeRequest(name, size, nil)
	req.VolumeContentSource = &csi.VolumeContentSource{Type: &csi.VolumeContentSource_Volume{
		Volume: &csi.VolumeContentSource_VolumeSource{VolumeId: volumeID},
	}}
	return req
}

func snapshotRequest(name, volumeID string, params map[string]string) *csi.CreateSnapshotRequest {
	return &csi.CreateSnapshotRequest{Name: name, SourceVolumeId: volumeID, Parameters: params}
}

func (td *testDriver) createVolume(name string, params map[string]string) *csi.Volume {
	td.t.Helper()
	resp, err := td.controller.CreateVolume(testContext(td.t), volumeRequest(name, gib, params))
	if err != nil {
		td.t.Fatalf("CreateVolume %s: %v", name, err)
	}
	return resp.GetVolume()
}

func (td *testDriver) createSnapshot(name, volumeID string, params map[string]string) (*csi.Snapshot, error) {
	resp, err := td.controller.CreateSnapshot(testContext(td.t), snapshotRequest(name, volumeID, params))
	return resp.GetSnapshot(), err
}

func (td *testDriver) mustCreateSnapshot(name, volumeID string, params map[string]string) *csi.Snapshot {
	td.t.Helper()
	snap, err := td.createSnapshot(name, volumeID, params)
	if err != nil {
		td.t.Fatalf("CreateSnapshot %s: %v", name, err)
	}
	return snap
}

func (td *testDriver) getSnapshot(id string) *csi.Snapshot {
	td.t.Helper()
	resp, err := td.controller.ListSnapshots(testContext(td.t), &csi.ListSnapshotsRequest{SnapshotId: id})
	if err != nil {
		td.t.Fatalf("ListSnapshots %s: %v", id, err)
	}
	if len(resp.GetEntries()) != 1 {
		td.t.Fatalf("ListSnapshots %s: got %d entries, want 1", id, len(resp.GetEntries()))
	}
	return resp.GetEntries()[0].GetSnapshot()
}

// waitForCutTimers waits until n cuts are waiting out their delay.
func (td *testDriver) waitForCutTimers(n int) {
	td.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for td.clock.Waiters() < n {
		if time.Now().After(deadline) {
			td.t.Fatalf("%d cuts waiting, want %d", td.clock.Waiters(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func wantCode(t *testing.T, err error, want codes.Code, wantInMessage string) {
	t.Helper()
	if got := status.Code(err); got != want {
		t.Fatalf("got code %v (%v), want %v", got, err, want)
	}
	if !strings.Contains(status.Convert(err).Message(), wantInMessage) {
		t.Errorf("message %q does not mention %q", status.Convert(err).Message(), wantInMessage)
	}
}

func TestIdentity(t *testing.T) {
	td := newTestDriver(t)
	ctx := testContext(t)
	info, err := td.identity.GetPluginInfo(ctx, &csi.GetPluginInfoRequest{})
	if err != nil || info.GetName() != DefaultDriverName || info.GetVendorVersion() == "" {
		t.Errorf("GetPluginInfo = %v, %v; want name %s and a version", info, err, DefaultDriverName)
	}
	wantServices := []csi.PluginCapability_Service_Type{
		csi.PluginCapability_Service_CONTROLLER_SERVICE, csi.PluginCapability_Service_GROUP_CONTROLLER_SERVICE,
	}
	if got := td.pluginServices(); !slices.Equal(got, wantServices) {
		t.Errorf("GetPluginCapabilities offers %v, want %v", got, wantServices)
	}
	groupCaps, err := td.groupController.GroupControllerGetCapabilities(ctx, &csi.GroupControllerGetCapabilitiesRequest{})
	if err != nil || len(groupCaps.GetCapabilities()) != 1 ||
		groupCaps.GetCapabilities()[0].GetRpc().GetType() != csi.GroupControllerServiceCapability_RPC_CREATE_DELETE_GET_VOLUME_GROUP_SNAPSHOT {
		t.Errorf("GroupControllerGetCapabilities = %v, %v; want CREATE_DELETE_GET_VOLUME_GROUP_SNAPSHOT", groupCaps, err)
	}
	probe, err := td.identity.Probe(ctx, &csi.ProbeRequest{})
	if err != nil || !probe.GetReady().GetValue() {
		t.Errorf("Probe = %v, %v; want ready", probe, err)
	}
	ctrlCaps, err := td.controller.ControllerGetCapabilities(ctx, &csi.ControllerGetCapabilitiesRequest{})
	if err != nil {
		t.Fatalf("ControllerGetCapabilities: %v", err)
	}
	var got []csi.ControllerServiceCapability_RPC_Type
	for _, c := range ctrlCaps.GetCapabilities() {
		got = append(got, c.GetRpc().GetType())
	}
	if !slices.Equal(got, controllerCapabilities) {
		t.Errorf("controller capabilities = %v, want %v", got, controllerCapabilities)
	}
}

// pluginServices lists the services GetPluginCapabilities offers.
func (td *testDriver) pluginServices() []csi.PluginCapability_Service_Type {
	td.t.Helper()
	caps, err := td.identity.GetPluginCapabilities(testContext(td.t), &csi.GetPluginCapabilitiesRequest{})
	if err != nil {
		td.t.Fatalf("GetPluginCapabilities: %v", err)
	}
	var services []csi.PluginCapability_Service_Type
	for _, c := range caps.GetCapabilities() {
		services = append(services, c.GetService().GetType())
	}
	return services
}

// A driver without group snapshots neither offers nor serves them.
func TestWithoutGroupSnapshots(t *testing.T) {
	td := startDriver(t, Options{StateDir: t.TempDir(), Clock: testingclock.NewFakeClock(startTime)})
	want := []csi.PluginCapability_Service_Type{csi.PluginCapability_Service_CONTROLLER_SERVICE}
	if got := td.pluginServices(); !slices.Equal(got, want) {
		t.Errorf("GetPluginCapabilities offers %v, want %v", got, want)
	}
	_, err := td.groupController.GroupControllerGetCapabilities(testContext(t), &csi.GroupControllerGetCapabilitiesRequest{})
	wantCode(t, err, codes.Unimplemented, "")
	vol := td.createVolume("pvc-1", nil)
	_, err = td.createGroupSnapshot("group-1", []string{vol.GetVolumeId()}, nil)
	wantCode(t, err, codes.Unimplemented, "")
	td.mustCreateSnapshot("snap-1", vol.GetVolumeId(), nil)
}

func TestCreateVolume(t *testing.T) {
	td := newTestDriver(t)
	ctx := testContext(t)
	params := map[string]string{
		ParamCutDelay:        "1s",
		metadataPVCNamespace: "ns",
		metadataPVCName:      "disk-a",
	}
	vol := td.createVolume("pvc-1", params)
	if vol.GetCapacityBytes() != gib || vol.GetContentSource() != nil {
		t.Errorf("CreateVolume = %v, want %d bytes and no source", vol, gib)
	}
	if again := td.createVolume("pvc-1", params); again.GetVolumeId() != vol.GetVolumeId() {
		t.Errorf("CreateVolume again made %s, want %s", again.GetVolumeId(), vol.GetVolumeId())
	}
	recorded := td.driver.volumes[vol.GetVolumeId()]
	if recorded.PVCNamespace != "ns" || recorded.PVCName != "disk-a" || len(recorded.Parameters) != 1 {
		t.Errorf("recorded volume %+v, want PVC ns/disk-a and the class parameter alone", recorded)
	}

	_, err := td.controller.CreateVolume(ctx, volumeRequest("pvc-1", 2*gib, params))
	wantCode(t, err, codes.AlreadyExists, "pvc-1")

	validate := &csi.ValidateVolumeCapabilitiesRequest{
		VolumeId:           vol.GetVolumeId(),
		VolumeCapabilities: volumeRequest("", 0, nil).GetVolumeCapabilities(),
	}
	if resp, err := td.controller.ValidateVolumeCapabilities(ctx, validate); err != nil || resp.GetConfirmed() == nil {
		t.Errorf("ValidateVolumeCapabilities = %v, %v; want confirmed", resp, err)
	}
	validate.VolumeId = "vol-missing"
	_, err = td.controller.ValidateVolumeCapabilities(ctx, validate)
	wantCode(t, err, codes.NotFound, "vol-missing")

	noCapabilities := volumeRequest("pvc-2", gib, nil)
	noCapabilities.VolumeCapabilities = nil
	_, err = td.controller.CreateVolume(ctx, noCapabilities)
	wantCode(t, err, codes.InvalidArgument, "capabilities")

	unsized := volumeRequest("pvc-3", 0, nil)
	unsized.CapacityRange = nil
	resp, err := td.controller.CreateVolume(ctx, unsized)
	if err != nil || resp.GetVolume().GetCapacityBytes() != defaultCapacityBytes {
		t.Errorf("CreateVolume with no size = %v, %v; want %d bytes", resp, err, defaultCapacityBytes)
	}
}

func TestCreateVolumeFromSource(t *testing.T) {
	td := newTestDriver(t)
	ctx := testContext(t)
	source := td.createVolume("source", nil)
	snap := td.mustCreateSnapshot("snap", source.GetVolumeId(), nil)

	resp, err := td.controller.CreateVolume(ctx, fromSnapshot("restored", gib, snap.GetSnapshotId()))
	if err != nil {
		t.Fatalf("CreateVolume from snapshot: %v", err)
	}
	if got := resp.GetVolume().GetContentSource().GetSnapshot().GetSnapshotId(); got != snap.GetSnapshotId() {
		t.Errorf("restored volume's source = %q, want %s", got, snap.GetSnapshotId())
	}
	if td.driver.volumes[resp.GetVolume().GetVolumeId()].SourceSnapshotID != snap.GetSnapshotId() {
		t.Errorf("restored volume does not record its source snapshot")
	}
	_, err = td.controller.CreateVolume(ctx, fromSnapshot("restored", gib, "snap-missing"))
	wantCode(t, err, codes.AlreadyExists, "restored")
	_, err = td.controller.CreateVolume(ctx, fromSnapshot("other", gib, "snap-missing"))
	wantCode(t, err, codes.NotFound, "snap-missing")
	_, err = td.controller.CreateVolume(ctx, fromSnapshot("small", gib/2, snap.GetSnapshotId()))
	wantCode(t, err, codes.OutOfRange, "smaller than its source")

	clone := cloneRequest("clone", 2*gib, source.GetVolumeId())
	resp, err = td.controller.CreateVolume(ctx, clone)
	if err != nil || resp.GetVolume().GetContentSource().GetVolume().GetVolumeId() != source.GetVolumeId() {
		t.Errorf("CreateVolume clone = %v, %v; want source %s", resp, err, source.GetVolumeId())
	}
	clone.Name = "clone-of-nothing"
	clone.VolumeContentSource.GetVolume().VolumeId = "vol-missing"
	_, err = td.controller.CreateVolume(ctx, clone)
	wantCode(t, err, codes.NotFound, "vol-missing")
}

func TestExpandAndDeleteVolume(t *testing.T) {
	td := newTestDriver(t)
	ctx := testContext(t)
	vol := td.createVolume("pvc-1", nil)
	for _, size := range []int64{3 * gib, gib} { // never shrinks
		resp, err := td.controller.ControllerExpandVolume(ctx, &csi.ControllerExpandVolumeRequest{
			VolumeId: vol.GetVolumeId(), CapacityRange: &csi.CapacityRange{RequiredBytes: size},
		})
		if err != nil || resp.GetCapacityBytes() != 3*gib || resp.GetNodeExpansionRequired() {
			t.Errorf("ControllerExpandVolume to %d = %v, %v; want %d bytes", size, resp, err, 3*gib)
		}
	}
	_, err := td.controller.ControllerExpandVolume(ctx, &csi.ControllerExpandVolumeRequest{
		VolumeId: "vol-missing", CapacityRange: &csi.CapacityRange{RequiredBytes: gib},
	})
	wantCode(t, err, codes.NotFound, "vol-missing")

	for range 2 {
		if _, err := td.controller.DeleteVolume(ctx, &csi.DeleteVolumeRequest{VolumeId: vol.GetVolumeId()}); err != nil {
			t.Errorf("DeleteVolume: %v", err)
		}
	}
	if again := td.createVolume("pvc-1", nil); again.GetVolumeId() == vol.GetVolumeId() {
		t.Errorf("CreateVolume after DeleteVolume returned the deleted volume %s", again.GetVolumeId())
	}
}

func TestCreateAndDeleteSnapshot(t *testing.T) {
	td := newTestDriver(t)
	ctx := testContext(t)
	vol := td.createVolume("pvc-1", nil)
	other := td.createVolume("pvc-2", nil)

	snap := td.mustCreateSnapshot("snap-1", vol.GetVolumeId(), nil)
	if !snap.GetReadyToUse() || snap.GetSizeBytes() != gib || !snap.GetCreationTime().AsTime().Equal(startTime) ||
		snap.GetSourceVolumeId() != vol.GetVolumeId() {
		t.Errorf("CreateSnapshot = %v, want a ready snapshot of %d bytes of %s cut at %v", snap, gib, vol.GetVolumeId(), startTime)
	}
	if again := td.mustCreateSnapshot("snap-1", vol.GetVolumeId(), nil); again.GetSnapshotId() != snap.GetSnapshotId() {
		t.Errorf("CreateSnapshot again made %s, want %s", again.GetSnapshotId(), snap.GetSnapshotId())
	}
	_, err := td.createSnapshot("snap-1", other.GetVolumeId(), nil)
	wantCode(t, err, codes.AlreadyExists, vol.GetVolumeId())
	_, err = td.createSnapshot("snap-2", "vol-missing", nil)
	wantCode(t, err, codes.NotFound, "vol-missing")
	_, err = td.createSnapshot("", vol.GetVolumeId(), nil)
	wantCode(t, err, codes.InvalidArgument, "name")

	for range 2 {
		if _, err := td.controller.DeleteSnapshot(ctx, &csi.DeleteSnapshotRequest{SnapshotId: snap.GetSnapshotId()}); err != nil {
			t.Errorf("DeleteSnapshot: %v", err)
		}
	}
	resp, err := td.controller.ListSnapshots(ctx, &csi.ListSnapshotsRequest{SnapshotId: snap.GetSnapshotId()})
	if err != nil || len(resp.GetEntries()) != 0 {
		t.Errorf("ListSnapshots of a deleted snapshot = %v, %v; want no entries", resp, err)
	}
}

func TestListSnapshotsPages(t *testing.T) {
	td := newTestDriver(t)
	ctx := testContext(t)
	vol := td.createVolume("pvc-1", nil)
	other := td.createVolume("pvc-2", nil)
	want := map[string]bool{}
	for _, name := range []string{"a", "b", "c", "d", "e"} {
		want[td.mustCreateSnapshot(name, vol.GetVolumeId(), nil).GetSnapshotId()] = true
	}
	td.mustCreateSnapshot("f", other.GetVolumeId(), nil)

	got := map[string]bool{}
	pages := 0
	req := &csi.ListSnapshotsRequest{SourceVolumeId: vol.GetVolumeId(), MaxEntries: 2}
	for {
		resp, err := td.controller.ListSnapshots(ctx, req)
		if err != nil {
			t.Fatalf("ListSnapshots: %v", err)
		}
		pages++
		for _, entry := range resp.GetEntries() {
			got[entry.GetSnapshot().GetSnapshotId()] = true
		}
		if resp.GetNextToken() == "" {
			break
		}
		req.StartingToken = resp.GetNextToken()
	}
	if pages != 3 || len(got) != len(want) {
		t.Errorf("listed %d snapshots in %d pages, want the %d of the volume in 3", len(got), pages, len(want))
	}
	for id := range want {
		if !got[id] {
			t.Errorf("snapshot %s not listed", id)
		}
	}
}

func TestCutDelayAndReadyDelay(t *testing.T) {
	td := newTestDriver(t)
	vol := td.createVolume("pvc-1", map[string]string{ParamCutDelay: "10s"})
	class := map[string]string{ParamReadyDelay: "1m"}

	type result struct {
		snap *csi.Snapshot
		err  error
	}
	first := make(chan result, 1)
	go func() {
		snap, err := td.createSnapshot("snap-1", vol.GetVolumeId(), class)
		first <- result{snap, err}
	}()
	td.waitForCutTimers(1)

	// A retry during the cut waits for the same cut rather than starting
	// another one: it runs out of time, and no second timer starts.
	shortCtx, cancel := context.WithTimeout(testContext(t), 200*time.Millisecond)
	defer cancel()
	_, err := td.controller.CreateSnapshot(shortCtx, snapshotRequest("snap-1", vol.GetVolumeId(), class))
	wantCode(t, err, codes.DeadlineExceeded, "")
	if n := td.clock.Waiters(); n != 1 {
		t.Errorf("%d cuts under way, want 1", n)
	}

	td.clock.Step(10 * time.Second)
	r := <-first
	if r.err != nil {
		t.Fatalf("CreateSnapshot: %v", r.err)
	}
	cutAt := startTime.Add(10 * time.Second)
	if !r.snap.GetCreationTime().AsTime().Equal(cutAt) || r.snap.GetReadyToUse() {
		t.Errorf("CreateSnapshot = %v, want cut at %v and not ready", r.snap, cutAt)
	}

	td.clock.Step(time.Minute - time.Nanosecond)
	if td.getSnapshot(r.snap.GetSnapshotId()).GetReadyToUse() {
		t.Errorf("snapshot ready before its ready delay passed")
	}
	td.clock.Step(time.Nanosecond)
	if !td.getSnapshot(r.snap.GetSnapshotId()).GetReadyToUse() {
		t.Errorf("snapshot not ready once its ready delay passed")
	}
	again := td.mustCreateSnapshot("snap-1", vol.GetVolumeId(), class)
	if again.GetSnapshotId() != r.snap.GetSnapshotId() || !again.GetCreationTime().AsTime().Equal(cutAt) || !again.GetReadyToUse() {
		t.Errorf("CreateSnapshot after the cut = %v, want %s cut at %v and ready", again, r.snap.GetSnapshotId(), cutAt)
	}
}

func TestHangSnapshot(t *testing.T) {
	td := newTestDriver(t)
	vol := td.createVolume("pvc-1", nil)
	ctx, cancel := context.WithTimeout(testContext(t), 200*time.Millisecond)
	defer cancel()
	_, err := td.controller.CreateSnapshot(ctx, snapshotRequest("snap-1", vol.GetVolumeId(), map[string]string{ParamHangSnapshot: "true"}))
	wantCode(t, err, codes.DeadlineExceeded, "")
	resp, err := td.controller.ListSnapshots(testContext(t), &csi.ListSnapshotsRequest{})
	if err != nil || len(resp.GetEntries()) != 0 {
		t.Errorf("ListSnapshots = %v, %v; want no snapshot", resp, err)
	}
}

func TestFailSnapshot(t *testing.T) {
	tests := []struct {
		name         string
		volumeParams map[string]string
		classParams  map[string]string
		wantFailures int // -1: every attempt fails
	}{
		{name: "always", volumeParams: map[string]string{ParamFailSnapshot: "always"}, wantFailures: -1},
		{name: "true", classParams: map[string]string{ParamFailSnapshot: "true"}, wantFailures: -1},
		{name: "first two", volumeParams: map[string]string{ParamFailSnapshot: "2"}, wantFailures: 2},
		{name: "class overrides volume", volumeParams: map[string]string{ParamFailSnapshot: "always"},
			classParams: map[string]string{ParamFailSnapshot: "false"}, wantFailures: 0},
		{name: "unknown parameters are ignored", volumeParams: map[string]string{"colour": "blue"}, wantFailures: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			td := newTestDriver(t)
			vol := td.createVolume("pvc-1", tt.volumeParams)
			for attempt := 1; attempt <= 4; attempt++ {
				_, err := td.createSnapshot("snap-1", vol.GetVolumeId(), tt.classParams)
				if tt.wantFailures < 0 || attempt <= tt.wantFailures {
					wantCode(t, err, codes.Internal, ParamFailSnapshot)
				} else if err != nil {
					t.Errorf("attempt %d: %v, want success", attempt, err)
				}
			}
		})
	}
}

func TestMalformedParameters(t *testing.T) {
	for key, value := range map[string]string{
		ParamCutDelay:     "soon",
		ParamReadyDelay:   "-1s",
		ParamFailSnapshot: "-2",
		ParamHangSnapshot: "maybe",
	} {
		t.Run(key, func(t *testing.T) {
			td := newTestDriver(t)
			ctx := testContext(t)
			bad := map[string]string{key: value}
			_, err := td.controller.CreateVolume(ctx, volumeRequest("pvc-1", gib, bad))
			wantCode(t, err, codes.InvalidArgument, key)
			vol := td.createVolume("pvc-2", nil)
			_, err = td.createSnapshot("snap-1", vol.GetVolumeId(), bad)
			wantCode(t, err, codes.InvalidArgument, key)
		})
	}
}

func TestRestartKeepsState(t *testing.T) {
	td := newTestDriver(t)
	vol := td.createVolume("pvc-1", map[string]string{metadataPVCName: "disk-a"})
	snap := td.mustCreateSnapshot("snap-1", vol.GetVolumeId(), map[string]string{ParamReadyDelay: "1m"})
	failing := td.createVolume("pvc-2", map[string]string{ParamFailSnapshot: "2"})
	_, err := td.createSnapshot("snap-2", failing.GetVolumeId(), nil)
	wantCode(t, err, codes.Internal, ParamFailSnapshot)

	td = td.restart()
	if again := td.createVolume("pvc-1", nil); again.GetVolumeId() != vol.GetVolumeId() {
		t.Errorf("CreateVolume after restart made %s, want %s", again.GetVolumeId(), vol.GetVolumeId())
	}
	if got := td.driver.volumes[vol.GetVolumeId()]; got.PVCName != "disk-a" {
		t.Errorf("volume after restart = %+v, want its PVC", got)
	}
	listed := td.getSnapshot(snap.GetSnapshotId())
	if !listed.GetCreationTime().AsTime().Equal(snap.GetCreationTime().AsTime()) || listed.GetReadyToUse() {
		t.Errorf("snapshot after restart = %v, want cut at %v and not ready", listed, snap.GetCreationTime().AsTime())
	}
	td.clock.Step(time.Minute)
	if again := td.mustCreateSnapshot("snap-1", vol.GetVolumeId(), nil); again.GetSnapshotId() != snap.GetSnapshotId() || !again.GetReadyToUse() {
		t.Errorf("CreateSnapshot after restart = %v, want %s and ready", again, snap.GetSnapshotId())
	}
	// The second of the two failures the volume asks for, then success.
	_, err = td.createSnapshot("snap-2", failing.GetVolumeId(), nil)
	wantCode(t, err, codes.Internal, ParamFailSnapshot)
	td.mustCreateSnapshot("snap-2", failing.GetVolumeId(), nil)
}

// StoredSnapshots reads the running driver's snapshots and leaves the
// temporary file of a write under way alone.
func TestStoredSnapshots(t *testing.T) {
	td := newTestDriver(t)
	vol := td.createVolume("pvc-1", nil)
	snap := td.mustCreateSnapshot("snap-1", vol.GetVolumeId(), map[string]string{
		metadataVolumeSnapshotNS: "ns", metadataVolumeSnapshotName: "vs-1", metadataVolumeSnapshotContent: "snapcontent-1",
	})
	writing := filepath.Join(td.dir, snapshotsDir, tempPrefix+"under-way")
	if err := os.WriteFile(writing, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	stored, err := StoredSnapshots(td.dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 1 || stored[0].ID != snap.GetSnapshotId() || stored[0].SourceVolumeID != vol.GetVolumeId() ||
		stored[0].VolumeSnapshotNamespace != "ns" || stored[0].VolumeSnapshotName != "vs-1" || stored[0].ContentName != "snapcontent-1" {
		t.Errorf("StoredSnapshots = %+v, want snapshot %s of vs-1 in ns", stored, snap.GetSnapshotId())
	}
	if _, err := os.Stat(writing); err != nil {
		t.Errorf("the temporary file of a write under way: %v; want it left alone", err)
	}
}

func TestReadCalls(t *testing.T) {
	td := newTestDriver(t)
	vol := td.createVolume("pvc-1", map[string]string{metadataPVCNamespace: "ns", metadataPVCName: "disk-a"})
	snap := td.mustCreateSnapshot("snap-1", vol.GetVolumeId(), map[string]string{
		metadataVolumeSnapshotNS: "ns", metadataVolumeSnapshotName: "vs-1",
	})
	_, err := td.createSnapshot("snap-2", "vol-missing", nil)
	wantCode(t, err, codes.NotFound, "vol-missing")
	td.driver.Stop()

	// A line being written when the file is read is left out.
	file, err := os.OpenFile(filepath.Join(td.dir, CallsFile), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := file.WriteString(`{"method":"Create`); err != nil {
		t.Fatal(err)
	}
	_ = file.Close()

	calls, err := ReadCalls(td.dir)
	if err != nil {
		t.Fatalf("ReadCalls: %v", err)
	}
	if len(calls) != 3 {
		t.Fatalf("ReadCalls = %+v, want 3 calls", calls)
	}
	if c := calls[0]; c.Method != "CreateVolume" || c.VolumeID != vol.GetVolumeId() || c.VolumeName != "pvc-1" ||
		c.PVC != "ns/disk-a" || c.Code != "OK" || !c.Time.Equal(startTime) {
		t.Errorf("first call = %+v, want CreateVolume of ns/disk-a", c)
	}
	if c := calls[1]; c.Method != "CreateSnapshot" || c.SnapshotID != snap.GetSnapshotId() || c.SnapshotName != "snap-1" ||
		c.SourceVolumeID != vol.GetVolumeId() || c.VolumeSnapshot != "ns/vs-1" ||
		c.CreationTime == nil || !c.CreationTime.Equal(startTime) || c.ReadyToUse == nil || !*c.ReadyToUse {
		t.Errorf("second call = %+v, want CreateSnapshot of ns/vs-1 cut at %v", c, startTime)
	}
	if c := calls[2]; c.Code != codes.NotFound.String() || !strings.Contains(c.Error, "vol-missing") || c.CreationTime != nil {
		t.Errorf("third call = %+v, want NotFound", c)
	}
}

func TestListen(t *testing.T) {
	dir := t.TempDir()
	socket := filepath.Join(dir, "csi.sock")
	for range 2 { // the second time replaces the socket the first left behind
		listener, err := Listen("unix://" + socket)
		if err != nil {
			t.Fatalf("Listen: %v", err)
		}
		// Leave the socket file behind, as a killed driver does.
		listener.(interface{ SetUnlinkOnClose(bool) }).SetUnlinkOnClose(false)
		_ = listener.Close()
	}
	regular := filepath.Join(dir, "file")
	if err := os.WriteFile(regular, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Listen("unix://" + regular); err == nil {
		t.Errorf("Listen replaced a regular file")
	}
	if _, err := Listen(socket); err == nil {
		t.Errorf("Listen accepted an endpoint without unix://")
	}
}
