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
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
)

// CallsFile is the file in the state directory that records the calls.
const CallsFile = "calls.jsonl"

// Call is one CSI call the driver served, as recorded in CallsFile.
type Call struct {
	// Time is when the call arrived; Duration is how long it took.
	Time     time.Time     `json:"time"`
	Duration time.Duration `json:"duration"`
	// Method is the CSI method name, such as "CreateSnapshot".
	Method       string `json:"method"`
	VolumeID     string `json:"volumeID,omitempty"`
	VolumeName   string `json:"volumeName,omitempty"`
	SnapshotID   string `json:"snapshotID,omitempty"`
	SnapshotName string `json:"snapshotName,omitempty"`
	// SourceVolumeID is the volume a snapshot or clone is taken from;
	// SourceSnapshotID the snapshot a volume is restored from.
	SourceVolumeID   string `json:"sourceVolumeID,omitempty"`
	SourceSnapshotID string `json:"sourceSnapshotID,omitempty"`
	// GroupSnapshotID is the group snapshot of a group call, or the one the
	// snapshot a call returned is a member of. GroupSnapshotName is the name
	// of a CreateVolumeGroupSnapshot. SourceVolumeIDs are a group's volumes,
	// all in one record, and SnapshotIDs its member snapshots: those the
	// request names, or those the response returns.
	GroupSnapshotID   string   `json:"groupSnapshotID,omitempty"`
	GroupSnapshotName string   `json:"groupSnapshotName,omitempty"`
	SourceVolumeIDs   []string `json:"sourceVolumeIDs,omitempty"`
	SnapshotIDs       []string `json:"snapshotIDs,omitempty"`
	// PVC, VolumeSnapshot and VolumeGroupSnapshot are "namespace/name", when
	// the sidecars run with --extra-create-metadata.
	PVC                 string `json:"pvc,omitempty"`
	VolumeSnapshot      string `json:"volumeSnapshot,omitempty"`
	VolumeGroupSnapshot string `json:"volumeGroupSnapshot,omitempty"`
	// CreationTime is the cut of the snapshot the call returned; for a group
	// snapshot, the one cut of the group and of every member. ReadyToUse is
	// the snapshot's readiness, or the group's: every member's.
	CreationTime *time.Time `json:"creationTime,omitempty"`
	ReadyToUse   *bool      `json:"readyToUse,omitempty"`
	// Code is the gRPC status code name, "OK" on success.
	Code  string `json:"code"`
	Error string `json:"error,omitempty"`
}

// ReadCalls returns the calls recorded in stateDir, oldest first.
func ReadCalls(stateDir string) ([]Call, error) {
	data, err := os.ReadFile(filepath.Join(stateDir, CallsFile))
	if err != nil {
		return nil, err
	}
	lines := bytes.Split(data, []byte("\n"))
	// The last element is empty, or a line still being written: skip it.
	lines = lines[:len(lines)-1]
	calls := make([]Call, 0, len(lines))
	for i, line := range lines {
		var call Call
		if err := json.Unmarshal(line, &call); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", CallsFile, i+1, err)
		}
		calls = append(calls, call)
	}
	return calls, nil
}

// callLog appends one JSON line per call. Each line goes out in a single
// write, without fsync: cheap, and a reader never sees half a line even if
// the driver is killed.
type callLog struct {
	clock clock.PassiveClock

	mu   sync.Mutex
	file *os.File
	line bytes.Buffer
}

func openCallLog(stateDir string, clk clock.PassiveClock) (*callLog, error) {
	file, err := os.OpenFile(filepath.Join(stateDir, CallsFile), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	return &callLog{clock: clk, file: file}, nil
}

func (l *callLog) append(call *Call) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.line.Reset()
	if err := json.NewEncoder(&l.line).Encode(call); err != nil {
		return err
	}
	_, err := l.file.Write(l.line.Bytes())
	return err
}

func (l *callLog) close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.file.Close()
}

// intercept is a gRPC interceptor that logs every call and records those
// that describeCall knows.
func (l *callLog) intercept(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	start := l.clock.Now()
	method := path.Base(info.FullMethod)
	logger := klog.FromContext(ctx).WithValues("method", method)
	resp, err := handler(klog.NewContext(ctx, logger), req)

	call, recorded := describeCall(req, resp)
	call.Time = start
	call.Duration = l.clock.Since(start)
	call.Method = method
	call.Code = status.Code(err).String()
	if err != nil {
		call.Error = status.Convert(err).Message()
		logger.Info("CSI call failed", "request", req, "err", err)
	} else {
		logger.V(2).Info("CSI call", "request", req, "response", resp, "duration", call.Duration)
	}
	if recorded {
		if err := l.append(&call); err != nil {
			logger.Error(err, "Cannot record CSI call", "file", CallsFile)
		}
	}
	return resp, err
}

// describeCall picks from a request and its response what is worth
// recording. It reports false for calls not worth recording.
func describeCall(req, resp any) (Call, bool) {
	var call Call
	switch req := req.(type) {
	case *csi.CreateVolumeRequest:
		call.VolumeName = req.GetName()
		call.SourceSnapshotID = req.GetVolumeContentSource().GetSnapshot().GetSnapshotId()
		call.SourceVolumeID = req.GetVolumeContentSource().GetVolume().GetVolumeId()
		call.PVC = namespacedName(req.GetParameters(), metadataPVCNamespace, metadataPVCName)
		if resp, ok := resp.(*csi.CreateVolumeResponse); ok {
			call.VolumeID = resp.GetVolume().GetVolumeId()
		}
	case *csi.DeleteVolumeRequest:
		call.VolumeID = req.GetVolumeId()
	case *csi.ControllerExpandVolumeRequest:
		call.VolumeID = req.GetVolumeId()
	case *csi.CreateSnapshotRequest:
		call.SnapshotName = req.GetName()
		call.SourceVolumeID = req.GetSourceVolumeId()
		call.VolumeSnapshot = namespacedName(req.GetParameters(), metadataVolumeSnapshotNS, metadataVolumeSnapshotName)
		if resp, ok := resp.(*csi.CreateSnapshotResponse); ok {
			describeSnapshot(&call, resp.GetSnapshot())
		}
	case *csi.DeleteSnapshotRequest:
		call.SnapshotID = req.GetSnapshotId()
	case *csi.ListSnapshotsRequest:
		call.SnapshotID = req.GetSnapshotId()
		call.SourceVolumeID = req.GetSourceVolumeId()
		if resp, ok := resp.(*csi.ListSnapshotsResponse); ok && req.GetSnapshotId() != "" && len(resp.GetEntries()) == 1 {
			describeSnapshot(&call, resp.GetEntries()[0].GetSnapshot())
		}
	case *csi.CreateVolumeGroupSnapshotRequest:
		call.GroupSnapshotName = req.GetName()
		call.SourceVolumeIDs = req.GetSourceVolumeIds()
		call.VolumeGroupSnapshot = namespacedName(req.GetParameters(), metadataVolumeGroupSnapshotNS, metadataVolumeGroupSnapshotName)
		if resp, ok := resp.(*csi.CreateVolumeGroupSnapshotResponse); ok {
			describeGroupSnapshot(&call, resp.GetGroupSnapshot())
		}
	case *csi.DeleteVolumeGroupSnapshotRequest:
		call.GroupSnapshotID = req.GetGroupSnapshotId()
		call.SnapshotIDs = req.GetSnapshotIds()
	case *csi.GetVolumeGroupSnapshotRequest:
		call.GroupSnapshotID = req.GetGroupSnapshotId()
		call.SnapshotIDs = req.GetSnapshotIds()
		if resp, ok := resp.(*csi.GetVolumeGroupSnapshotResponse); ok {
			describeGroupSnapshot(&call, resp.GetGroupSnapshot())
		}
	default:
		return call, false
	}
	return call, true
}

func describeGroupSnapshot(call *Call, group *csi.VolumeGroupSnapshot) {
	if group == nil { // a failed call
		return
	}
	call.GroupSnapshotID = group.GetGroupSnapshotId()
	call.SnapshotIDs, call.SourceVolumeIDs = nil, nil
	for _, member := range group.GetSnapshots() {
		call.SnapshotIDs = append(call.SnapshotIDs, member.GetSnapshotId())
		call.SourceVolumeIDs = append(call.SourceVolumeIDs, member.GetSourceVolumeId())
	}
	creationTime := group.GetCreationTime().AsTime()
	ready := group.GetReadyToUse()
	call.CreationTime = &creationTime
	call.ReadyToUse = &ready
}

func describeSnapshot(call *Call, snap *csi.Snapshot) {
	if snap == nil { // a failed call
		return
	}
	call.SnapshotID = snap.GetSnapshotId()
	call.GroupSnapshotID = snap.GetGroupSnapshotId()
	creationTime := snap.GetCreationTime().AsTime()
	ready := snap.GetReadyToUse()
	call.CreationTime = &creationTime
	call.ReadyToUse = &ready
}

func namespacedName(params map[string]string, namespaceKey, nameKey string) string {
	if params[nameKey] == "" {
		return ""
	}
	return params[namespaceKey] + "/" + params[nameKey]
}

// OneGroupCut returns the one cut that the successful CreateVolumeGroupSnapshot
// calls among calls answered. csi-snapshotter may call again for a group it
// already asked for (to poll its readiness, or after a failed status write);
// every answer must then be that same cut: the same group, of the same
// volumes, at the same time. Two cuts, or none, is an error.
func OneGroupCut(calls []Call) (Call, error) {
	var first *Call
	for i := range calls {
		call := &calls[i]
		if call.Method != "CreateVolumeGroupSnapshot" || call.Code != "OK" {
			continue
		}
		if call.CreationTime == nil {
			return Call{}, fmt.Errorf("group cut %s at %s has no creation time", call.GroupSnapshotID, call.Time.Format(time.StampMicro))
		}
		if first == nil {
			first = call
			continue
		}
		if call.GroupSnapshotID != first.GroupSnapshotID || !call.CreationTime.Equal(*first.CreationTime) ||
			!slices.Equal(slices.Sorted(slices.Values(call.SourceVolumeIDs)), slices.Sorted(slices.Values(first.SourceVolumeIDs))) {
			return Call{}, fmt.Errorf("two group cuts: %s of %v at %s, and %s of %v at %s",
				first.GroupSnapshotID, first.SourceVolumeIDs, first.CreationTime.Format(time.StampMicro),
				call.GroupSnapshotID, call.SourceVolumeIDs, call.CreationTime.Format(time.StampMicro))
		}
	}
	if first == nil {
		return Call{}, fmt.Errorf("no successful group cut among %d calls", len(calls))
	}
	return *first, nil
}
