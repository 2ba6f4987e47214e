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

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// defaultCapacityBytes is the size of a volume whose request names none.
const defaultCapacityBytes = 1 << 30

var controllerCapabilities = []csi.ControllerServiceCapability_RPC_Type{
	csi.ControllerServiceCapability_RPC_CREATE_DELETE_VOLUME,
	csi.ControllerServiceCapability_RPC_CREATE_DELETE_SNAPSHOT,
	csi.ControllerServiceCapability_RPC_LIST_SNAPSHOTS,
	csi.ControllerServiceCapability_RPC_EXPAND_VOLUME,
	csi.ControllerServiceCapability_RPC_CLONE_VOLUME,
}

func (d *Driver) ControllerGetCapabilities(context.Context, *csi.ControllerGetCapabilitiesRequest) (*csi.ControllerGetCapabilitiesResponse, error) {
	resp := &csi.ControllerGetCapabilitiesResponse{}
	for _, capability := range controllerCapabilities {
		resp.Capabilities = append(resp.Capabilities, &csi.ControllerServiceCapability{
			Type: &csi.ControllerServiceCapability_Rpc{
				Rpc: &csi.ControllerServiceCapability_RPC{Type: capability},
			},
		})
	}
	return resp, nil
}

// CreateVolume records a volume. The same name again returns the same
// volume, or AlreadyExists when the size or the source do not match.
func (d *Driver) CreateVolume(ctx context.Context, req *csi.CreateVolumeRequest) (*csi.CreateVolumeResponse, error) {
	if req.GetName() == "" {
		return nil, status.Error(codes.InvalidArgument, "volume name is required")
	}
	if len(req.GetVolumeCapabilities()) == 0 {
		return nil, status.Error(codes.InvalidArgument, "volume capabilities are required")
	}
	params := classParameters(req.GetParameters())
	if _, err := parseSnapshotBehaviour(params); err != nil {
		return nil, err
	}
	sourceSnapshotID := req.GetVolumeContentSource().GetSnapshot().GetSnapshotId()
	sourceVolumeID := req.GetVolumeContentSource().GetVolume().GetVolumeId()

	d.mu.Lock()
	defer d.mu.Unlock()
	if existing := d.volumeByName(req.GetName()); existing != nil {
		if !fits(existing.CapacityBytes, req.GetCapacityRange()) ||
			existing.SourceSnapshotID != sourceSnapshotID || existing.SourceVolumeID != sourceVolumeID {
			return nil, status.Errorf(codes.AlreadyExists,
				"volume %q exists as %s with %d bytes, a size or source that does not match the request", req.GetName(), existing.ID, existing.CapacityBytes)
		}
		return &csi.CreateVolumeResponse{Volume: csiVolume(existing)}, nil
	}

	sourceSize, generation, err := d.contentSource(sourceSnapshotID, sourceVolumeID)
	if err != nil {
		return nil, err
	}
	fallback := int64(defaultCapacityBytes)
	if sourceSize > 0 {
		fallback = sourceSize
	}
	capacity, err := capacityFrom(req.GetCapacityRange(), fallback)
	if err != nil {
		return nil, err
	}
	if capacity < sourceSize {
		return nil, status.Errorf(codes.OutOfRange, "volume of %d bytes is smaller than its source of %d bytes", capacity, sourceSize)
	}
	vol := &volume{
		ID:               newID("vol"),
		Name:             req.GetName(),
		CapacityBytes:    capacity,
		Parameters:       params,
		PVCNamespace:     req.GetParameters()[metadataPVCNamespace],
		PVCName:          req.GetParameters()[metadataPVCName],
		PVName:           req.GetParameters()[metadataPVName],
		SourceSnapshotID: sourceSnapshotID,
		SourceVolumeID:   sourceVolumeID,
		CreatedAt:        d.clock.Now(),
	}
	// The generation first: a crash before the volume record leaves a stray
	// generation file, never a volume with the wrong generation.
	if err := d.store.putGeneration(vol.ID, generation); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	if err := d.store.putVolume(vol); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	d.volumes[vol.ID] = vol
	return &csi.CreateVolumeResponse{Volume: csiVolume(vol)}, nil
}

// contentSource checks that a volume's source exists and returns its size
// and the write generation the volume starts at: the snapshot's, or the
// source volume's now. Without a source, both are 0.
func (d *Driver) contentSource(snapshotID, volumeID string) (size, generation int64, err error) {
	switch {
	case snapshotID != "":
		snap := d.snapshots[snapshotID]
		if snap == nil {
			return 0, 0, status.Errorf(codes.NotFound, "source snapshot %s does not exist", snapshotID)
		}
		if !snap.readyToUse(d.clock.Now()) {
			return 0, 0, status.Errorf(codes.Unavailable, "source snapshot %s is not ready to use yet", snapshotID)
		}
		return snap.SizeBytes, snap.Generation, nil
	case volumeID != "":
		vol := d.volumes[volumeID]
		if vol == nil {
			return 0, 0, status.Errorf(codes.NotFound, "source volume %s does not exist", volumeID)
		}
		generation, err := d.store.generation(volumeID)
		if err != nil {
			return 0, 0, status.Error(codes.Internal, err.Error())
		}
		return vol.CapacityBytes, generation, nil
	}
	return 0, 0, nil
}

// DeleteVolume forgets a volume and its write generation. Its snapshots
// stay: they do not depend on it.
func (d *Driver) DeleteVolume(ctx context.Context, req *csi.DeleteVolumeRequest) (*csi.DeleteVolumeResponse, error) {
	id := req.GetVolumeId()
	if id == "" {
		return nil, status.Error(codes.InvalidArgument, "volume ID is required")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.store.deleteVolume(id); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	if err := d.store.deleteGeneration(id); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	delete(d.volumes, id)
	return &csi.DeleteVolumeResponse{}, nil
}

// ValidateVolumeCapabilities confirms any capabilities: the volumes hold no
// data, so every access type and mode will do.
func (d *Driver) ValidateVolumeCapabilities(ctx context.Context, req *csi.ValidateVolumeCapabilitiesRequest) (*csi.ValidateVolumeCapabilitiesResponse, error) {
	id := req.GetVolumeId()
	if id == "" {
		return nil, status.Error(codes.InvalidArgument, "volume ID is required")
	}
	if len(req.GetVolumeCapabilities()) == 0 {
		return nil, status.Error(codes.InvalidArgument, "volume capabilities are required")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.volumes[id] == nil {
		return nil, status.Errorf(codes.NotFound, "volume %s does not exist", id)
	}
	return &csi.ValidateVolumeCapabilitiesResponse{Confirmed: &csi.ValidateVolumeCapabilitiesResponse_Confirmed{
		VolumeContext:      req.GetVolumeContext(),
		VolumeCapabilities: req.GetVolumeCapabilities(),
		Parameters:         req.GetParameters(),
	}}, nil
}

// ControllerExpandVolume grows a volume; it never shrinks one.
func (d *Driver) ControllerExpandVolume(ctx context.Context, req *csi.ControllerExpandVolumeRequest) (*csi.ControllerExpandVolumeResponse, error) {
	id := req.GetVolumeId()
	if id == "" {
		return nil, status.Error(codes.InvalidArgument, "volume ID is required")
	}
	if req.GetCapacityRange().GetRequiredBytes() == 0 && req.GetCapacityRange().GetLimitBytes() == 0 {
		return nil, status.Error(codes.InvalidArgument, "capacity range is required")
	}
	capacity, err := capacityFrom(req.GetCapacityRange(), 0)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	vol := d.volumes[id]
	if vol == nil {
		return nil, status.Errorf(codes.NotFound, "volume %s does not exist", id)
	}
	if capacity > vol.CapacityBytes {
		grown := *vol
		grown.CapacityBytes = capacity
		if err := d.store.putVolume(&grown); err != nil {
			return nil, status.Error(codes.Internal, err.Error())
		}
		d.volumes[id] = &grown
		vol = &grown
	}
	return &csi.ControllerExpandVolumeResponse{CapacityBytes: vol.CapacityBytes}, nil
}

func (d *Driver) volumeByName(name string) *volume {
	for _, vol := range d.volumes {
		if vol.Name == name {
			return vol
		}
	}
	return nil
}

func csiVolume(vol *volume) *csi.Volume {
	v := &csi.Volume{VolumeId: vol.ID, CapacityBytes: vol.CapacityBytes}
	switch {
	case vol.SourceSnapshotID != "":
		v.ContentSource = &csi.VolumeContentSource{Type: &csi.VolumeContentSource_Snapshot{
			Snapshot: &csi.VolumeContentSource_SnapshotSource{SnapshotId: vol.SourceSnapshotID},
		}}
	case vol.SourceVolumeID != "":
		v.ContentSource = &csi.VolumeContentSource{Type: &csi.VolumeContentSource_Volume{
			Volume: &csi.VolumeContentSource_VolumeSource{VolumeId: vol.SourceVolumeID},
		}}
	}
	return v
}

// capacityFrom picks a size within r: the required bytes, else the limit,
// else fallback.
func capacityFrom(r *csi.CapacityRange, fallback int64) (int64, error) {
	required, limit := r.GetRequiredBytes(), r.GetLimitBytes()
	if required < 0 || limit < 0 || (limit > 0 && required > limit) {
		return 0, status.Errorf(codes.OutOfRange, "capacity range [%d, %d] is not satisfiable", required, limit)
	}
	switch {
	case required > 0:
		return required, nil
	case limit > 0:
		return limit, nil
	}
	return fallback, nil
}

func fits(capacity int64, r *csi.CapacityRange) bool {
	return capacity >= r.GetRequiredBytes() && (r.GetLimitBytes() == 0 || capacity <= r.GetLimitBytes())
}
