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
	"maps"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Parameters that steer how the driver takes snapshots. They come from
// StorageClass parameters, recorded on each volume at CreateVolume, and from
// VolumeSnapshotClass parameters, passed to CreateSnapshot, or
// VolumeGroupSnapshotClass parameters, passed to CreateVolumeGroupSnapshot;
// a snapshot class parameter overrides the StorageClass one. A group
// snapshot does what its volumes ask together: it waits for the longest cut
// delay, is ready after the longest ready delay, hangs if one volume hangs,
// and fails while one volume fails. Unknown parameters are ignored; a
// malformed value fails the call with InvalidArgument naming the parameter.
const (
	// ParamCutDelay is a Go duration ("2s"): CreateSnapshot returns, with the
	// cut as the snapshot's creation time, only after this delay. A retry of
	// the same snapshot name while it is being cut waits for the same cut.
	ParamCutDelay = "cutDelay"
	// ParamReadyDelay is a Go duration: for this long after the cut the
	// snapshot reports ready_to_use false.
	ParamReadyDelay = "readyDelay"
	// ParamFailSnapshot is "true" or "always" to fail every CreateSnapshot
	// with Internal, or an integer N to fail the first N attempts on each
	// volume and succeed afterwards; a group snapshot attempt counts as an
	// attempt on each of its volumes. "false" or "0" turns failures off.
	ParamFailSnapshot = "failSnapshot"
	// ParamHangSnapshot "true" means the cut never happens: CreateSnapshot
	// blocks until its caller gives up.
	ParamHangSnapshot = "hangSnapshot"
)

// The sidecars add these keys (with --extra-create-metadata) to tell the
// driver which Kubernetes objects a call is for. They are recorded apart from
// the class parameters.
const (
	metadataPrefix                = "csi.storage.k8s.io/"
	metadataPVCName               = metadataPrefix + "pvc/name"
	metadataPVCNamespace          = metadataPrefix + "pvc/namespace"
	metadataPVName                = metadataPrefix + "pv/name"
	metadataVolumeSnapshotName    = metadataPrefix + "volumesnapshot/name"
	metadataVolumeSnapshotNS      = metadataPrefix + "volumesnapshot/namespace"
	metadataVolumeSnapshotContent = metadataPrefix + "volumesnapshotcontent/name"

	metadataVolumeGroupSnapshotName    = metadataPrefix + "volumegroupsnapshot/name"
	metadataVolumeGroupSnapshotNS      = metadataPrefix + "volumegroupsnapshot/namespace"
	metadataVolumeGroupSnapshotContent = metadataPrefix + "volumegroupsnapshotcontent/name"
)

// snapshotBehaviour is what the parameters ask of CreateSnapshot.
type snapshotBehaviour struct {
	cutDelay   time.Duration
	readyDelay time.Duration
	failAlways bool
	// failFirst is how many attempts on a volume fail before one succeeds.
	failFirst int
	hang      bool
}

// together is what b and other ask of one cut: the longer delays, and a
// hang if either hangs. Failures are counted per volume, not here.
func (b snapshotBehaviour) together(other snapshotBehaviour) snapshotBehaviour {
	return snapshotBehaviour{
		cutDelay:   max(b.cutDelay, other.cutDelay),
		readyDelay: max(b.readyDelay, other.readyDelay),
		hang:       b.hang || other.hang,
	}
}

// classParameters returns the parameters without the sidecars' metadata.
func classParameters(params map[string]string) map[string]string {
	class := maps.Clone(params)
	maps.DeleteFunc(class, func(key, _ string) bool { return strings.HasPrefix(key, metadataPrefix) })
	return class
}

// effectiveParameters overlays the snapshot class parameters on the volume's.
func effectiveParameters(volumeParams, snapshotParams map[string]string) map[string]string {
	params := maps.Clone(volumeParams)
	if params == nil {
		params = map[string]string{}
	}
	maps.Copy(params, snapshotParams)
	return params
}

func parseSnapshotBehaviour(params map[string]string) (snapshotBehaviour, error) {
	var b snapshotBehaviour
	var err error
	if b.cutDelay, err = parseDelay(params, ParamCutDelay); err != nil {
		return b, err
	}
	if b.readyDelay, err = parseDelay(params, ParamReadyDelay); err != nil {
		return b, err
	}
	if value, ok := params[ParamFailSnapshot]; ok {
		switch value {
		case "true", "always":
			b.failAlways = true
		case "false":
		default:
			n, err := strconv.Atoi(value)
			if err != nil || n < 0 {
				return b, invalidParameter(ParamFailSnapshot, value, `want "true", "always", "false" or a count of failing attempts`)
			}
			b.failFirst = n
		}
	}
	if value, ok := params[ParamHangSnapshot]; ok {
		if b.hang, err = strconv.ParseBool(value); err != nil {
			return b, invalidParameter(ParamHangSnapshot, value, `want "true" or "false"`)
		}
	}
	return b, nil
}

func parseDelay(params map[string]string, key string) (time.Duration, error) {
	value, ok := params[key]
	if !ok {
		return 0, nil
	}
	delay, err := time.ParseDuration(value)
	if err != nil || delay < 0 {
		return 0, invalidParameter(key, value, "want a non-negative Go duration such as 1.5s")
	}
	return delay, nil
}

func invalidParameter(key, value, want string) error {
	return status.Errorf(codes.InvalidArgument, "parameter %s=%q is malformed: %s", key, value, want)
}
