// Package snapshotclass chooses the VolumeSnapshotClass for a disk, the same
// way for VM snapshots and disk snapshots.
//
// A class named by the user must exist and belong to the disk's CSI driver.
// Otherwise the class of the disk's driver annotated as the default is used;
// a driver with exactly one class uses that one. No class, or several
// defaults, or several classes and no default, is an error that names the
// disk's StorageClass, its provisioner and the classes seen.
package snapshotclass

import (
	"fmt"
	"sort"
	"strings"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	storagev1 "k8s.io/api/storage/v1"
)

// IsDefaultAnnotation marks a VolumeSnapshotClass as its driver's default.
const IsDefaultAnnotation = "snapshot.storage.kubernetes.io/is-default-class"

// Reasons an error can carry, as condition reasons.
const (
	ReasonNotFound       = "VolumeSnapshotClassNotFound"
	ReasonDriverMismatch = "VolumeSnapshotClassDriverMismatch"
	ReasonNone           = "NoVolumeSnapshotClass"
	ReasonAmbiguous      = "AmbiguousVolumeSnapshotClass"
)

// Error says why no class could be chosen.
type Error struct {
	Reason  string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Choose returns the VolumeSnapshotClass for a disk of the given
// StorageClass. requested is the class the user named, or "".
func Choose(storageClass *storagev1.StorageClass, requested string, classes []*snapshotv1.VolumeSnapshotClass) (string, *Error) {
	driver := storageClass.Provisioner
	if requested != "" {
		for _, c := range classes {
			if c.Name != requested {
				continue
			}
			if c.Driver != driver {
				return "", &Error{ReasonDriverMismatch, fmt.Sprintf(
					"VolumeSnapshotClass %s is for driver %s, but StorageClass %s is provisioned by %s",
					c.Name, c.Driver, storageClass.Name, driver)}
			}
			return c.Name, nil
		}
		return "", &Error{ReasonNotFound, fmt.Sprintf("VolumeSnapshotClass %s does not exist", requested)}
	}

	var matching, defaults []string
	for _, c := range classes {
		if c.Driver != driver {
			continue
		}
		matching = append(matching, c.Name)
		if c.Annotations[IsDefaultAnnotation] == "true" {
			defaults = append(defaults, c.Name)
		}
	}
	sort.Strings(matching)
	sort.Strings(defaults)
	switch {
	case len(defaults) == 1:
		return defaults[0], nil
	case len(defaults) > 1:
		return "", &Error{ReasonAmbiguous, fmt.Sprintf(
			"several VolumeSnapshotClasses are marked default for driver %s (StorageClass %s): %s; mark only one %s=true or name one",
			driver, storageClass.Name, strings.Join(defaults, ", "), IsDefaultAnnotation)}
	case len(matching) == 1:
		return matching[0], nil
	case len(matching) > 1:
		return "", &Error{ReasonAmbiguous, fmt.Sprintf(
			"several VolumeSnapshotClasses match driver %s (StorageClass %s) and none is default: %s",
			driver, storageClass.Name, strings.Join(matching, ", "))}
	default:
		return "", &Error{ReasonNone, fmt.Sprintf(
			"no VolumeSnapshotClass has driver %s, the provisioner of StorageClass %s",
			driver, storageClass.Name)}
	}
}
