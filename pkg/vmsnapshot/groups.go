package vmsnapshot

// Group cuts. A VM whose disks are all on one CSI driver that offers a
// VolumeGroupSnapshotClass is cut in one VolumeGroupSnapshot: one CSI call
// cuts every disk at one instant, so the disks agree with each other even
// without a guest freeze, and a frozen guest stays frozen for one call
// instead of one per disk.
//
// A VolumeGroupSnapshot selects its claims by label. The snapshot labels
// exactly its disks' claims with a key of its own (GroupLabel) just before
// the group is created, outside the freeze, and removes the label once the
// group is cut (snapshot-controller reads the selector once, when it
// creates the group's content), or when the snapshot fails or goes. The
// user's labels are never touched: the label is added and removed by merge
// patches of that one key.
//
// snapshot-controller names the group's VolumeSnapshots itself. The content
// records, per disk, the group; once the group is cut, it records each
// disk's VolumeSnapshot too (the one write its schema allows), so that
// restores, deletion and everything else read a grouped content exactly
// like any other. A snapshot is Ready only once that is recorded.

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	groupsnapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumegroupsnapshot/v1"
	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/controller"
	"vmsnap.io/vmsnap/pkg/freeze"
)

const (
	// groupLabelPrefix, followed by a snapshot's UID, is the key of the
	// label that selects the snapshot's claims for its VolumeGroupSnapshot.
	groupLabelPrefix = "group.snapshot.vmsnap.io/"
	// AnnotationDefaultGroupClass marks a driver's default VolumeGroupSnapshotClass.
	AnnotationDefaultGroupClass = "groupsnapshot.storage.kubernetes.io/is-default-class"
	// ReasonNoConsistencyGroup: consistencyGroup is Required and the disks
	// cannot be cut together.
	ReasonNoConsistencyGroup = "ConsistencyGroupUnavailable"
	// ReasonGroupIncomplete: the group was cut without one of the disks
	// (its claim lost the selecting label before the cut).
	ReasonGroupIncomplete = "VolumeGroupSnapshotIncomplete"
)

// VolumeGroupSnapshotName is the name of the VolumeGroupSnapshot of a snapshot.
func VolumeGroupSnapshotName(snapUID types.UID) string {
	return "vmsnapshot-" + string(snapUID) + "-group"
}

// GroupLabel is the key of the label that selects a snapshot's claims.
func GroupLabel(snapUID types.UID) string {
	return groupLabelPrefix + string(snapUID)
}

// groupPlan says whether a snapshot's disks are cut together, and with
// which VolumeGroupSnapshotClass; why says why not, when they could have been.
type groupPlan struct {
	className string
	why       string
}

// planGroup decides whether the included disks are cut in one group: with
// Auto, only two disks or more; with Required, even one. Every
// disk must be snapshotted by one CSI driver, with the class vmsnap would
// choose by default (a VolumeSnapshotClass named in the spec has parameters
// a group cut would not honour), and that driver must offer a
// VolumeGroupSnapshotClass.
func planGroup(spec *snapshotapi.VirtualMachineSnapshotSpec, included []plannedVolume,
	snapshotClasses []*snapshotv1.VolumeSnapshotClass, groupClasses []*groupsnapshotv1.VolumeGroupSnapshotClass, groupAPI bool,
) groupPlan {
	switch policy := spec.GetConsistencyGroup(); {
	case policy == snapshotapi.ConsistencyGroupDisabled, len(included) == 0,
		// One disk is cut at one instant anyway; a group would only cost writes.
		policy == snapshotapi.ConsistencyGroupAuto && len(included) == 1:
		return groupPlan{}
	}
	driverOf := map[string]string{}
	for _, c := range snapshotClasses {
		driverOf[c.Name] = c.Driver
	}
	var drivers []string
	for _, v := range included {
		if v.claim != nil {
			if sc := ptr.Deref(v.claim.Spec.StorageClassName, ""); sc != "" {
				if named, ok := spec.VolumeSnapshotClassFor(sc); ok {
					return groupPlan{why: fmt.Sprintf("volumeSnapshotClasses names VolumeSnapshotClass %s for StorageClass %s; "+
						"a group cut would take the disk with a VolumeGroupSnapshotClass instead", named, sc)}
				}
			}
		}
		if d := driverOf[v.volumeSnapshotClass]; !slices.Contains(drivers, d) {
			drivers = append(drivers, d)
		}
	}
	sort.Strings(drivers)
	if len(drivers) > 1 {
		return groupPlan{why: fmt.Sprintf("the disks are on %d CSI drivers (%s); one VolumeGroupSnapshot cuts the volumes of one driver",
			len(drivers), strings.Join(drivers, ", "))}
	}
	if !groupAPI {
		return groupPlan{why: "the VolumeGroupSnapshot API (groupsnapshot.storage.k8s.io/v1) is not served"}
	}
	class, why := chooseGroupClass(drivers[0], groupClasses)
	return groupPlan{className: class, why: why}
}

// chooseGroupClass picks a driver's VolumeGroupSnapshotClass: the one
// marked default, or else the only one.
func chooseGroupClass(driver string, classes []*groupsnapshotv1.VolumeGroupSnapshotClass) (string, string) {
	var all, defaults []string
	for _, c := range classes {
		if c.Driver != driver || c.DeletionTimestamp != nil {
			continue
		}
		all = append(all, c.Name)
		if c.Annotations[AnnotationDefaultGroupClass] == "true" {
			defaults = append(defaults, c.Name)
		}
	}
	sort.Strings(all)
	sort.Strings(defaults)
	switch {
	case len(defaults) == 1:
		return defaults[0], ""
	case len(defaults) > 1:
		return "", fmt.Sprintf("VolumeGroupSnapshotClasses %s of CSI driver %s are all marked default", strings.Join(defaults, ", "), driver)
	case len(all) == 1:
		return all[0], ""
	case len(all) > 1:
		return "", fmt.Sprintf("CSI driver %s has VolumeGroupSnapshotClasses %s and none is marked default (%s: \"true\")",
			driver, strings.Join(all, ", "), AnnotationDefaultGroupClass)
	}
	return "", fmt.Sprintf("CSI driver %s offers no VolumeGroupSnapshotClass", driver)
}

// groupBlockers: with consistencyGroup Required, a disk set that cannot be
// cut together keeps the snapshot Pending.
func groupBlockers(spec *snapshotapi.VirtualMachineSnapshotSpec, plan groupPlan) []blocker {
	if spec.GetConsistencyGroup() != snapshotapi.ConsistencyGroupRequired || plan.why == "" {
		return nil
	}
	return []blocker{{ReasonNoConsistencyGroup, "consistencyGroup is Required, but the disks cannot be cut together: " + plan.why}}
}

// groupIndication says how the disks are cut: together, or one by one
// although a group was wanted, and why. That they were cut one by one is
// news only when nothing else holds the disks still for the cut: a stopped
// VM writes nothing, and a frozen guest's filesystems are all frozen.
func groupIndication(plan groupPlan, disks int, mode freeze.Mode) *snapshotapi.Indication {
	switch {
	case plan.className != "":
		return &snapshotapi.Indication{Type: snapshotapi.IndicationAtomicCut, Message: fmt.Sprintf(
			"all %s are cut at one instant in one VolumeGroupSnapshot: they agree with each other (crash-consistent across disks)", countOf(disks, "disk"))}
	case plan.why != "" && (mode == freeze.NoAgent || mode == freeze.Paused):
		return &snapshotapi.Indication{Type: snapshotapi.IndicationPerVolumeCut, Message: "the disks are cut one by one: " + plan.why}
	}
	return nil
}

func countOf(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// groupOf returns the group a content's disks are cut in, and its class;
// empty for a content cut volume by volume.
func groupOf(content *snapshotapi.VirtualMachineSnapshotContent) (name, class string) {
	for _, b := range content.Spec.VolumeBackups {
		if b.VolumeGroupSnapshotName != nil {
			return *b.VolumeGroupSnapshotName, ptr.Deref(b.VolumeGroupSnapshotClassName, "")
		}
	}
	return "", ""
}

// groupState is what a content's VolumeGroupSnapshot shows.
type groupState struct {
	group *groupsnapshotv1.VolumeGroupSnapshot
	// members maps each volume to its VolumeSnapshot, once snapshot-controller
	// has made it.
	members map[string]*snapshotv1.VolumeSnapshot
}

// observeGroup reads a grouped content's VolumeGroupSnapshot and its
// VolumeSnapshots into the state every snapshot is driven by: the group
// stands for all its volumes until it is cut; then each volume is its
// VolumeSnapshot, the one the content records or, until it records it,
// the group's member made from the volume's claim.
func (c *Controller) observeGroup(snap *snapshotapi.VirtualMachineSnapshot, content *snapshotapi.VirtualMachineSnapshotContent, name string) (volumeSnapshotsState, groupState) {
	s := volumeSnapshotsState{grouped: true}
	var g groupState
	cached, err := c.groupSnapshots.VolumeGroupSnapshots(content.Namespace).Get(name)
	group, ok := c.createdGroups.Lookup(content.Namespace+"/"+name, cached, err, c.clock.Now())
	n := len(content.Spec.VolumeBackups)
	if !ok {
		if anyRecorded(content) {
			// The group went after the cut: what the content recorded is
			// observed like any content's VolumeSnapshots.
			return c.observeVolumeSnapshots(snap, content), g
		}
		s.missing = []string{name}
		return s, g
	}
	if !controller.ContentHolds(snap, content, group) {
		s.foreign = []string{name}
		return s, g
	}
	g.group = group
	window, _ := freeze.WindowOf(group.Annotations)
	s.windows, s.windowNames = []*freeze.Window{window}, []string{group.Name}
	if st := group.Status; st != nil && st.Error != nil && st.Error.Message != nil {
		s.errors = append(s.errors, fmt.Sprintf("%s: %s", group.Name, *st.Error.Message))
	}
	if at, cut := c.groupCutTime(group); cut {
		s.cut, s.lastCut, s.allCut = n, at, true
	}
	g.members = c.groupMembers(group)
	for _, b := range content.Spec.VolumeBackups {
		vs := g.members[b.PersistentVolumeClaim.Name]
		if recorded := ptr.Deref(b.VolumeSnapshotName, ""); recorded != "" {
			cached, err := c.volumeSnapshots.VolumeSnapshots(content.Namespace).Get(recorded)
			if err != nil {
				s.missing = append(s.missing, recorded)
				continue
			}
			if !c.holdsBackup(snap, content, b, cached) {
				s.foreign = append(s.foreign, recorded)
				continue
			}
			vs = cached
		}
		if vs == nil {
			continue
		}
		if st := vs.Status; st != nil {
			if ptr.Deref(st.ReadyToUse, false) {
				s.ready++
			}
			if st.Error != nil && st.Error.Message != nil {
				s.errors = append(s.errors, fmt.Sprintf("%s: %s", vs.Name, *st.Error.Message))
			}
		}
	}
	groupReady := group.Status != nil && ptr.Deref(group.Status.ReadyToUse, false)
	s.allReady = groupReady && s.ready == n && len(s.missing) == 0 && allRecorded(content)
	return s, g
}

// anyRecorded reports whether a grouped content records a VolumeSnapshot.
func anyRecorded(content *snapshotapi.VirtualMachineSnapshotContent) bool {
	for _, b := range content.Spec.VolumeBackups {
		if b.VolumeSnapshotName != nil {
			return true
		}
	}
	return false
}

// allRecorded reports whether a content records every volume's VolumeSnapshot.
func allRecorded(content *snapshotapi.VirtualMachineSnapshotContent) bool {
	for _, b := range content.Spec.VolumeBackups {
		if b.VolumeSnapshotName == nil {
			return false
		}
	}
	return true
}

// groupCutTime is when the storage cut a group: the group's own
// status.creationTime, or, earlier, that of its content, which
// csi-snapshotter sets as soon as the driver answers.
func (c *Controller) groupCutTime(group *groupsnapshotv1.VolumeGroupSnapshot) (time.Time, bool) {
	if group.Status != nil && group.Status.CreationTime != nil {
		return group.Status.CreationTime.Time, true
	}
	name := "groupsnapcontent-" + string(group.UID)
	if group.Status != nil && group.Status.BoundVolumeGroupSnapshotContentName != nil {
		name = *group.Status.BoundVolumeGroupSnapshotContentName
	}
	content, err := c.groupContents.Get(name)
	if err != nil || content.Spec.VolumeGroupSnapshotRef.UID != group.UID ||
		content.Status == nil || content.Status.CreationTime == nil {
		return time.Time{}, false
	}
	return content.Status.CreationTime.Time, true
}

// groupMembers maps claim names to the group's VolumeSnapshots.
func (c *Controller) groupMembers(group *groupsnapshotv1.VolumeGroupSnapshot) map[string]*snapshotv1.VolumeSnapshot {
	objs, err := c.volumeSnapshotIndexer.ByIndex(indexByGroup, string(group.UID))
	if err != nil {
		return nil
	}
	members := map[string]*snapshotv1.VolumeSnapshot{}
	for _, obj := range objs {
		vs, ok := obj.(*snapshotv1.VolumeSnapshot)
		if !ok || vs.Namespace != group.Namespace || vs.Spec.Source.PersistentVolumeClaimName == nil {
			continue
		}
		members[*vs.Spec.Source.PersistentVolumeClaimName] = vs
	}
	return members
}

// holdsBackup reports whether a VolumeSnapshot a content names holds the
// volume backup's data (controller.BackupHolds); one of a group must
// moreover be owned by the content's very group, the UID its owner
// reference names, while that group exists.
func (c *Controller) holdsBackup(snap *snapshotapi.VirtualMachineSnapshot, content *snapshotapi.VirtualMachineSnapshotContent,
	b snapshotapi.VolumeBackup, vs *snapshotv1.VolumeSnapshot,
) bool {
	if !controller.BackupHolds(snap, content, b, vs) {
		return false
	}
	ref := controller.GroupOwner(vs)
	if b.VolumeGroupSnapshotName == nil || ref == nil {
		return true // not a group's
	}
	group, err := c.groupSnapshots.VolumeGroupSnapshots(content.Namespace).Get(ref.Name)
	if err != nil {
		return true // gone with the cut done: the content's record is the proof
	}
	return group.UID == ref.UID && metav1.IsControlledBy(group, content)
}

// indexByGroup indexes VolumeSnapshots by the UID of the
// VolumeGroupSnapshot they were cut in.
const indexByGroup = "group"

func indexVolumeSnapshotByGroup(obj interface{}) ([]string, error) {
	vs, ok := obj.(*snapshotv1.VolumeSnapshot)
	if !ok {
		return nil, nil
	}
	if ref := controller.GroupOwner(vs); ref != nil {
		return []string{string(ref.UID)}, nil
	}
	return nil, nil
}

// missingMembers names the claims the cut group holds no VolumeSnapshot of,
// once the group is ready (snapshot-controller has made every member by then).
func missingMembers(content *snapshotapi.VirtualMachineSnapshotContent, g groupState) []string {
	if g.group == nil || g.group.Status == nil || !ptr.Deref(g.group.Status.ReadyToUse, false) {
		return nil
	}
	var out []string
	for _, b := range content.Spec.VolumeBackups {
		if b.VolumeSnapshotName == nil && g.members[b.PersistentVolumeClaim.Name] == nil {
			out = append(out, b.PersistentVolumeClaim.Name)
		}
	}
	return out
}

// recordMembers writes each volume's VolumeSnapshot into the content, once
// the group has them all.
func (c *Controller) recordMembers(ctx context.Context, content *snapshotapi.VirtualMachineSnapshotContent, g groupState) (*snapshotapi.VirtualMachineSnapshotContent, error) {
	if allRecorded(content) {
		return content, nil
	}
	updated := content.DeepCopy()
	for i, b := range updated.Spec.VolumeBackups {
		if b.VolumeSnapshotName != nil {
			continue
		}
		vs := g.members[b.PersistentVolumeClaim.Name]
		if vs == nil {
			return content, nil // not made yet; woken when it is
		}
		updated.Spec.VolumeBackups[i].VolumeSnapshotName = ptr.To(vs.Name)
	}
	written, err := c.client.SnapshotV1alpha1().VirtualMachineSnapshotContents(content.Namespace).Update(ctx, updated, metav1.UpdateOptions{})
	if err != nil {
		return content, fmt.Errorf("recording the group's VolumeSnapshots in VirtualMachineSnapshotContent %s: %w", content.Name, err)
	}
	c.writtenContents.Store(written.Namespace+"/"+written.Name, content.ResourceVersion, written)
	return written, nil
}

// labelGroupClaims labels the content's claims for its group's selector.
func (c *Controller) labelGroupClaims(ctx context.Context, snap *snapshotapi.VirtualMachineSnapshot, content *snapshotapi.VirtualMachineSnapshotContent) error {
	key := GroupLabel(snap.UID)
	for _, b := range content.Spec.VolumeBackups {
		claim, err := c.claims.PersistentVolumeClaims(snap.Namespace).Get(b.PersistentVolumeClaim.Name)
		if err == nil && claim.Labels[key] == "true" {
			continue
		}
		if err := c.patchClaimLabel(ctx, snap.Namespace, b.PersistentVolumeClaim.Name, key, ptr.To("true")); err != nil {
			return fmt.Errorf("labelling PersistentVolumeClaim %s for the group cut: %w", b.PersistentVolumeClaim.Name, err)
		}
	}
	return nil
}

// unlabelGroupClaims removes the snapshot's group label from every claim
// of its namespace that carries it. It needs no content: it also runs for
// a snapshot that failed or is deleted.
func (c *Controller) unlabelGroupClaims(ctx context.Context, snap *snapshotapi.VirtualMachineSnapshot) error {
	key := GroupLabel(snap.UID)
	req, err := labels.NewRequirement(key, selection.Exists, nil)
	if err != nil {
		return err
	}
	claims, err := c.claims.PersistentVolumeClaims(snap.Namespace).List(labels.NewSelector().Add(*req))
	if err != nil {
		return err
	}
	for _, claim := range claims {
		err := c.patchClaimLabel(ctx, claim.Namespace, claim.Name, key, nil)
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("removing the group label from PersistentVolumeClaim %s: %w", claim.Name, err)
		}
	}
	return nil
}

// patchClaimLabel sets (value non-nil) or removes one label of a claim
// with a merge patch, leaving every other label as it is.
func (c *Controller) patchClaimLabel(ctx context.Context, namespace, name, key string, value *string) error {
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"labels": map[string]*string{key: value}}})
	if err != nil {
		return err
	}
	_, err = c.kube.CoreV1().PersistentVolumeClaims(namespace).Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{})
	return err
}

// createGroup creates the content's VolumeGroupSnapshot, stamped with the
// freeze window it is created in.
func (c *Controller) createGroup(ctx context.Context, snap *snapshotapi.VirtualMachineSnapshot,
	content *snapshotapi.VirtualMachineSnapshotContent, window *freeze.Window,
) error {
	name, class := groupOf(content)
	group := &groupsnapshotv1.VolumeGroupSnapshot{
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Namespace:   snap.Namespace,
			Labels:      map[string]string{LabelSnapshotName: snap.Name},
			Annotations: window.Annotations(),
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(content,
				snapshotapi.SchemeGroupVersion.WithKind("VirtualMachineSnapshotContent"))},
		},
		Spec: groupsnapshotv1.VolumeGroupSnapshotSpec{
			Source: groupsnapshotv1.VolumeGroupSnapshotSource{
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{GroupLabel(snap.UID): "true"}},
			},
			VolumeGroupSnapshotClassName: ptr.To(class),
		},
	}
	created, err := c.snapshotClient.GroupsnapshotV1().VolumeGroupSnapshots(snap.Namespace).Create(ctx, group, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		// Made by a sync whose answer was lost, or by another user.
		created, err = c.snapshotClient.GroupsnapshotV1().VolumeGroupSnapshots(snap.Namespace).Get(ctx, name, metav1.GetOptions{})
		if err == nil && !metav1.IsControlledBy(created, content) {
			return &nameConflict{kind: "VolumeGroupSnapshot", name: name}
		}
	}
	if err != nil {
		return fmt.Errorf("creating VolumeGroupSnapshot %s: %w", name, err)
	}
	c.createdGroups.ExpectCreated(snap.Namespace+"/"+name, created, c.clock.Now())
	return nil
}

// deleteGroupOf deletes a content's VolumeGroupSnapshot (snapshot-controller
// deletes its VolumeSnapshots with it) and reports whether it is gone. It
// waits while a claim is being restored from one of its VolumeSnapshots.
func (c *Controller) deleteGroupOf(ctx context.Context, content *snapshotapi.VirtualMachineSnapshotContent) (bool, error) {
	name, _ := groupOf(content)
	if name == "" || !c.groupSnapshotsOK() {
		return true, nil
	}
	group, err := c.groupSnapshots.VolumeGroupSnapshots(content.Namespace).Get(name)
	if apierrors.IsNotFound(err) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	if !metav1.IsControlledBy(group, content) {
		return true, nil // not ours to delete
	}
	if c.deleted.Deleting(group, c.clock.Now()) {
		return false, nil // woken by its deletion event
	}
	for _, vs := range c.groupMembers(group) {
		if len(c.claimsRestoringFrom(vs)) > 0 {
			return false, nil // woken when the claims bind
		}
	}
	err = c.snapshotClient.GroupsnapshotV1().VolumeGroupSnapshots(content.Namespace).Delete(ctx, name, metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{UID: ptr.To(group.UID)},
	})
	if err != nil && !apierrors.IsNotFound(err) {
		return false, fmt.Errorf("deleting VolumeGroupSnapshot %s: %w", name, err)
	}
	c.deleted.ExpectDeleted(group, c.clock.Now())
	return apierrors.IsNotFound(err), nil
}
