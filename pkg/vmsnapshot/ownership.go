package vmsnapshot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
)

// ReasonNameConflict: an object the snapshot creates under a name derived
// from its UID exists already and is not the snapshot's own. Anyone who can
// create objects in the namespace can read the UID and take the name; the
// snapshot waits, leaves the object alone, and fails at its deadline.
const ReasonNameConflict = "NameConflict"

// nameConflictRecheck is how often a snapshot whose child's name is taken
// looks again: the intruder carries no reference that would wake it.
const nameConflictRecheck = 10 * time.Second

// nameConflict is a child name taken by an object the snapshot did not make.
type nameConflict struct {
	kind, name string
}

func (e *nameConflict) Error() string {
	return fmt.Sprintf("%s %s exists and was not created by this snapshot; it is left alone: delete it, or the snapshot fails at its deadline", e.kind, e.name)
}

// asNameConflict reports whether err says a child's name is taken.
func asNameConflict(err error) (*nameConflict, bool) {
	var conflict *nameConflict
	return conflict, errors.As(err, &conflict)
}

// ownContent reports whether the snapshot made the content. Every content
// is created under the snapshot's controller reference. A retained one
// loses it before anything is cut (releaseRetainedContent), once the
// snapshot's status, which only the controller writes, names the content:
// from then on that is the proof.
func ownContent(snap *snapshotapi.VirtualMachineSnapshot, content *snapshotapi.VirtualMachineSnapshotContent) bool {
	if metav1.IsControlledBy(content, snap) {
		return true
	}
	return snap.Spec.GetDeletionPolicy() == snapshotapi.DeletionPolicyRetain &&
		len(content.OwnerReferences) == 0 &&
		ptr.Deref(content.Spec.VirtualMachineSnapshotName, "") == snap.Name &&
		ptr.Deref(snap.Status.VirtualMachineSnapshotContentName, "") == content.Name
}

// ownVolumeSnapshot reports whether the content's snapshot made the
// VolumeSnapshot: every one it makes is controlled by the content.
func ownVolumeSnapshot(content *snapshotapi.VirtualMachineSnapshotContent, vs *snapshotv1.VolumeSnapshot) bool {
	return metav1.IsControlledBy(vs, content)
}

// ReasonContentTooLarge: the VM has more volumes, Secrets or interfaces
// than a content holds, or its spec is too large to store.
const ReasonContentTooLarge = "ContentTooLarge"

// Limits of a content: the MaxItems of its CRD schema, and a size that
// leaves room under etcd's default 1.5 MiB limit of one object.
const (
	maxContentListItems = 256
	maxContentBytes     = 1 << 20
)

// contentLimits says why the API server would refuse the content, if it would.
func contentLimits(content *snapshotapi.VirtualMachineSnapshotContent) []blocker {
	var out []blocker
	for what, n := range map[string]int{
		"volumes to snapshot": len(content.Spec.VolumeBackups), "volumes left out": len(content.Spec.ExcludedVolumes),
		"Secrets": len(content.Spec.SecretBackups), "interfaces": len(content.Spec.NetworkIdentity),
	} {
		if n > maxContentListItems {
			out = append(out, blocker{ReasonContentTooLarge, fmt.Sprintf("the VM has %d %s; a snapshot holds at most %d", n, what, maxContentListItems)})
		}
	}
	if raw, err := json.Marshal(content); err == nil && len(raw) > maxContentBytes {
		out = append(out, blocker{ReasonContentTooLarge, fmt.Sprintf("the VM's spec, volumes and instancetype revisions take %d bytes; a snapshot holds at most %d", len(raw), maxContentBytes)})
	}
	slices.SortFunc(out, func(a, b blocker) int { return strings.Compare(a.message, b.message) })
	return out
}

// volumeSnapshotConflicts lists the planned VolumeSnapshot names that the
// cache shows taken, checked before the snapshot locks or freezes the VM.
func (c *Controller) volumeSnapshotConflicts(snap *snapshotapi.VirtualMachineSnapshot, plan volumePlan, group groupPlan) []blocker {
	var out []blocker
	if group.className != "" {
		name := VolumeGroupSnapshotName(snap.UID)
		if _, err := c.groupSnapshots.VolumeGroupSnapshots(snap.Namespace).Get(name); err == nil {
			conflict := &nameConflict{kind: "VolumeGroupSnapshot", name: name}
			out = append(out, blocker{ReasonNameConflict, conflict.Error()})
		}
		return out
	}
	for _, v := range plan.included {
		name := VolumeSnapshotName(snap.UID, v.volumeName)
		if vs, err := c.volumeSnapshots.VolumeSnapshots(snap.Namespace).Get(name); err == nil {
			// Not made yet, so not ours whatever it says.
			conflict := &nameConflict{kind: "VolumeSnapshot", name: vs.Name}
			out = append(out, blocker{ReasonNameConflict, conflict.Error()})
		}
	}
	return out
}

// releaseRetainedContent makes a retained content independent of its
// snapshot before anything is cut into it, so that no deletion of the
// snapshot, not even a foreground one, can garbage-collect what Retain
// keeps. It drops the snapshot's reference only once the snapshot's status
// names the content (recorded is the status as synced), so that the
// content stays provably the snapshot's; until then it reports false, and
// the sync writes the status first.
func (c *Controller) releaseRetainedContent(ctx context.Context, snap *snapshotapi.VirtualMachineSnapshot,
	content *snapshotapi.VirtualMachineSnapshotContent, recorded string,
) (*snapshotapi.VirtualMachineSnapshotContent, bool, error) {
	if snap.Spec.GetDeletionPolicy() != snapshotapi.DeletionPolicyRetain || !metav1.IsControlledBy(content, snap) {
		return content, true, nil
	}
	if recorded != content.Name {
		return content, false, nil
	}
	released := content.DeepCopy()
	released.OwnerReferences = slices.DeleteFunc(released.OwnerReferences, func(r metav1.OwnerReference) bool { return r.UID == snap.UID })
	updated, err := c.client.SnapshotV1alpha1().VirtualMachineSnapshotContents(snap.Namespace).Update(ctx, released, metav1.UpdateOptions{})
	if err != nil {
		return content, false, fmt.Errorf("releasing the retained VirtualMachineSnapshotContent %s from the snapshot: %w", content.Name, err)
	}
	c.writtenContents.Store(updated.Namespace+"/"+updated.Name, content.ResourceVersion, updated)
	return updated, true, nil
}
