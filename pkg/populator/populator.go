// Package populator restores disks from VirtualDiskSnapshots. A
// PersistentVolumeClaim whose dataSourceRef is
// {apiGroup: snapshot.vmsnap.io, kind: VirtualDiskSnapshot, name} is
// populated from it, in the volume-populator pattern:
//
//	claim ──(snapshot not Ready, missing, or claim too small; a name taken)──► stays Pending; an event on the claim says why
//	  │ snapshot Ready, its own VolumeSnapshot, request ≥ restoreSize
//	  ▼
//	prime claim prime-<claim uid>: dataSource the snapshot's VolumeSnapshot, same class, modes and request
//	  │ provisioned and Bound by the CSI provisioner
//	  ▼
//	hand-over: the claim notes the volume; the volume gets reclaimPolicy Retain and claimRef → the claim;
//	the prime is deleted; the PV binder binds the claim ─► reclaimPolicy restored, finalizer released
//
// csi-provisioner (v5) leaves such a claim alone: for a data source that is
// neither a VolumeSnapshot nor a claim it records "Assuming an external
// populator will provision the volume" and does nothing else. A claim may
// also use the VolumeSnapshot of a VirtualDiskSnapshot (status.volumeSnapshotName)
// directly as its dataSource; then csi-provisioner restores it and this
// populator is not involved.
//
// The prime claim lives in the claim's namespace (a VolumeSnapshot can only
// be restored in its own) and is owned by the claim. The Retain policy
// during the hand-over keeps the volume even if the prime goes before the
// binder sees the new claimRef; the volume's annotation remembers the
// original policy, and the claim's annotation remembers the volume, so a
// crash anywhere is resumed. The claim's finalizer lets a claim deleted
// mid-way give back its volume and its prime.
//
// Ownership: the names of the VolumeSnapshot (vdsnapshot-<disk snapshot uid>)
// and of the prime follow from UIDs anyone who reads the objects sees. Only
// a controller reference proves either is ours: the VolumeSnapshot's to the
// VirtualDiskSnapshot, the prime's to the claim. Another object under such a
// name is never restored from, handed over or deleted; the claim waits with
// a NameConflict event naming it.
package populator

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/controller"
)

const (
	// Finalizer is on a claim while it is being populated, so that a
	// deleted claim gives back its prime and its volume.
	Finalizer = "snapshot.vmsnap.io/populate-target-protection"
	// LabelPopulates is set on a prime claim: the claim it populates.
	LabelPopulates = "snapshot.vmsnap.io/populates"
	// AnnotationVolume is set on a claim during the hand-over: the volume
	// it is given.
	AnnotationVolume = "snapshot.vmsnap.io/populated-volume"
	// AnnotationReclaimPolicy is set on a volume during the hand-over: its
	// reclaim policy before it was set to Retain.
	AnnotationReclaimPolicy = "snapshot.vmsnap.io/original-reclaim-policy"
	// AnnotationPopulatedFrom stays on a populated volume: the
	// namespace/name of the VirtualDiskSnapshot it was restored from.
	AnnotationPopulatedFrom = "snapshot.vmsnap.io/populated-from"

	annSelectedNode = "volume.kubernetes.io/selected-node"
)

// Event reasons on the claim.
const (
	ReasonFeatureDisabled   = "FeatureDisabled"
	ReasonSnapshotNotFound  = "DataSourceNotFound"
	ReasonSnapshotNotReady  = "WaitingForDataSource"
	ReasonSnapshotFailed    = "DataSourceFailed"
	ReasonSnapshotDeleting  = "DataSourceDeleting"
	ReasonClaimTooSmall     = "ClaimTooSmall"
	ReasonPopulating        = "Populating"
	ReasonPopulated         = "Populated"
	ReasonVolumeUnavailable = "VolumeUnavailable"
	// ReasonNameConflict: the disk snapshot's VolumeSnapshot, or the
	// prime's name, is taken by an object that is not ours.
	ReasonNameConflict = "NameConflict"
	// ReasonVolumeSnapshotAPI: the VolumeSnapshot API is not served.
	ReasonVolumeSnapshotAPI = "VolumeSnapshotAPIMissing"
)

const primePrefix = "prime-"

// PrimeName is the name of the prime claim that restores a claim.
func PrimeName(pvc *corev1.PersistentVolumeClaim) string {
	return primePrefix + string(pvc.UID)
}

func (p *Populator) sync(ctx context.Context, key string) (time.Duration, error) {
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	cached, err := p.claims.PersistentVolumeClaims(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if !populatedFromDiskSnapshot(cached) {
		return 0, nil
	}
	pvc := cached.DeepCopy()
	ctx = klog.NewContext(ctx, klog.FromContext(ctx).WithValues("pvc", klog.KObj(pvc)))

	switch {
	case pvc.DeletionTimestamp != nil:
		return 0, p.cleanUp(ctx, pvc)
	case pvc.Spec.VolumeName != "":
		return 0, p.finish(ctx, pvc)
	case !p.enabled:
		p.report(pvc, corev1.EventTypeWarning, ReasonFeatureDisabled,
			"the VirtualDiskSnapshot feature gate is disabled in the vmsnap controller; this claim is not populated until it is enabled")
		return 0, nil
	}
	return p.populate(ctx, pvc)
}

// populate moves a claim one step towards its volume.
func (p *Populator) populate(ctx context.Context, pvc *corev1.PersistentVolumeClaim) (time.Duration, error) {
	if volumeName := pvc.Annotations[AnnotationVolume]; volumeName != "" {
		return 0, p.resumeHandOver(ctx, pvc, volumeName)
	}
	snap, ok := p.readySnapshot(pvc)
	if !ok {
		return 0, nil
	}
	if requeue, ok := p.ownVolumeSnapshot(pvc, snap); !ok {
		return requeue, nil
	}
	return 0, p.restoreThroughPrime(ctx, pvc, snap)
}

// restoreThroughPrime creates the prime, and hands its volume over once
// it is bound.
func (p *Populator) restoreThroughPrime(ctx context.Context, pvc *corev1.PersistentVolumeClaim, snap *snapshotapi.VirtualDiskSnapshot) error {
	selectedNode, ok := p.selectedNode(pvc)
	if !ok {
		return nil // WaitForFirstConsumer: the scheduler picks the node first
	}
	pvc, err := p.ensureFinalizer(ctx, pvc)
	if err != nil {
		return err
	}

	prime, err := p.claims.PersistentVolumeClaims(pvc.Namespace).Get(PrimeName(pvc))
	if apierrors.IsNotFound(err) {
		return p.createPrime(ctx, pvc, snap, selectedNode)
	}
	if err != nil {
		return err
	}
	if !metav1.IsControlledBy(prime, pvc) {
		p.report(pvc, corev1.EventTypeWarning, ReasonNameConflict, fmt.Sprintf(
			"PersistentVolumeClaim %s was not made for this claim (it has no controller reference to it), so its volume is not used; "+
				"it is left alone, and the claim is populated once that name is free", prime.Name))
		return nil
	}
	if prime.Status.Phase != corev1.ClaimBound || prime.Spec.VolumeName == "" || prime.DeletionTimestamp != nil {
		return nil // woken when the provisioner binds it
	}
	pv, err := p.volumes.Get(prime.Spec.VolumeName)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return p.handOver(ctx, pvc, pv, snap.Name)
}

// readySnapshot returns the claim's VirtualDiskSnapshot when the claim can
// be restored from it now; otherwise it tells the claim why not.
func (p *Populator) readySnapshot(pvc *corev1.PersistentVolumeClaim) (*snapshotapi.VirtualDiskSnapshot, bool) {
	name := pvc.Spec.DataSourceRef.Name
	snap, err := p.diskSnapshots.VirtualDiskSnapshots(pvc.Namespace).Get(name)
	if err != nil {
		p.report(pvc, corev1.EventTypeWarning, ReasonSnapshotNotFound, fmt.Sprintf(
			"VirtualDiskSnapshot %s does not exist; the claim stays Pending until it exists and is Ready", name))
		return nil, false
	}
	why := ""
	if ready := meta.FindStatusCondition(snap.Status.Conditions, snapshotapi.ConditionReady); ready != nil && ready.Message != "" {
		why = ": " + ready.Message
	}
	switch {
	case snap.DeletionTimestamp != nil:
		p.report(pvc, corev1.EventTypeWarning, ReasonSnapshotDeleting, fmt.Sprintf(
			"VirtualDiskSnapshot %s is being deleted; the claim cannot be populated from it", name))
		return nil, false
	case snap.Status.Phase == snapshotapi.SnapshotFailed:
		p.report(pvc, corev1.EventTypeWarning, ReasonSnapshotFailed, fmt.Sprintf(
			"VirtualDiskSnapshot %s failed%s; the claim cannot be populated from it", name, why))
		return nil, false
	case snap.Status.Phase != snapshotapi.SnapshotReady || !ptr.Deref(snap.Status.ReadyToUse, false) || snap.Status.VolumeSnapshotName == nil:
		phase := string(snap.Status.Phase)
		if phase == "" {
			phase = "not started"
		}
		p.report(pvc, corev1.EventTypeNormal, ReasonSnapshotNotReady, fmt.Sprintf(
			"VirtualDiskSnapshot %s is %s, not Ready%s; the claim is populated once it is Ready", name, phase, why))
		return nil, false
	}
	requested := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	if need := snap.Status.RestoreSize; need != nil && requested.Cmp(*need) < 0 {
		p.report(pvc, corev1.EventTypeWarning, ReasonClaimTooSmall, fmt.Sprintf(
			"the claim requests %s of storage, but VirtualDiskSnapshot %s needs at least %s; create the claim again with a larger request",
			requested.String(), name, need.String()))
		return nil, false
	}
	return snap, true
}

// ownVolumeSnapshot reports whether the snapshot's VolumeSnapshot is the
// one its controller made: the name is no proof, only the controller
// reference to the snapshot's UID is. Otherwise it tells the claim why not,
// and when to look again.
func (p *Populator) ownVolumeSnapshot(pvc *corev1.PersistentVolumeClaim, snap *snapshotapi.VirtualDiskSnapshot) (time.Duration, bool) {
	if !p.volumeSnapshotAPI.OK() {
		if !p.volumeSnapshotAPI.CatchingUp() {
			p.report(pvc, corev1.EventTypeWarning, ReasonVolumeSnapshotAPI,
				"the VolumeSnapshot API (snapshot.storage.k8s.io/v1) is not served; the claim is populated once it is")
		}
		return controller.CacheRecheck, false
	}
	name := *snap.Status.VolumeSnapshotName
	vs, err := p.volumeSnapshots.VolumeSnapshots(pvc.Namespace).Get(name)
	switch {
	case err != nil:
		p.report(pvc, corev1.EventTypeWarning, ReasonSnapshotNotFound, fmt.Sprintf(
			"VolumeSnapshot %s of VirtualDiskSnapshot %s does not exist; the claim cannot be populated from it", name, snap.Name))
		return 0, false
	case !metav1.IsControlledBy(vs, snap):
		p.report(pvc, corev1.EventTypeWarning, ReasonNameConflict, fmt.Sprintf(
			"VolumeSnapshot %s was not made by VirtualDiskSnapshot %s; the claim is not populated from it", name, snap.Name))
		return 0, false
	}
	return 0, true
}

// selectedNode returns the node the scheduler chose for a claim of a
// WaitForFirstConsumer class, and false while none is chosen.
func (p *Populator) selectedNode(pvc *corev1.PersistentVolumeClaim) (string, bool) {
	sc, err := p.storageClasses.Get(ptr.Deref(pvc.Spec.StorageClassName, ""))
	if err != nil || sc.VolumeBindingMode == nil || *sc.VolumeBindingMode != storagev1.VolumeBindingWaitForFirstConsumer {
		return "", true
	}
	node := pvc.Annotations[annSelectedNode]
	return node, node != ""
}

func (p *Populator) createPrime(ctx context.Context, pvc *corev1.PersistentVolumeClaim, snap *snapshotapi.VirtualDiskSnapshot, selectedNode string) error {
	vsName := *snap.Status.VolumeSnapshotName
	prime := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{
			Name:            PrimeName(pvc),
			Namespace:       pvc.Namespace,
			Labels:          map[string]string{LabelPopulates: pvc.Name},
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(pvc, corev1.SchemeGroupVersion.WithKind("PersistentVolumeClaim"))},
		},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:               pvc.Spec.AccessModes,
			Resources:                 pvc.Spec.Resources,
			StorageClassName:          pvc.Spec.StorageClassName,
			VolumeMode:                pvc.Spec.VolumeMode,
			VolumeAttributesClassName: pvc.Spec.VolumeAttributesClassName,
			DataSource: &corev1.TypedLocalObjectReference{
				APIGroup: ptr.To("snapshot.storage.k8s.io"), Kind: "VolumeSnapshot", Name: vsName,
			},
		},
	}
	if selectedNode != "" {
		prime.Annotations = map[string]string{annSelectedNode: selectedNode}
	}
	_, err := p.kube.CoreV1().PersistentVolumeClaims(pvc.Namespace).Create(ctx, prime, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		// Ours, which the cache does not show yet, or another's: once the
		// cache shows it, it wakes the claim, whose sync tells which.
		return nil
	}
	if err != nil {
		return err
	}
	klog.FromContext(ctx).V(2).Info("Created the prime claim", "prime", klog.KObj(prime), "volumeSnapshot", vsName)
	p.report(pvc, corev1.EventTypeNormal, ReasonPopulating, fmt.Sprintf(
		"restoring VirtualDiskSnapshot %s (VolumeSnapshot %s) into claim %s, whose volume is then handed over to this claim",
		snap.Name, vsName, prime.Name))
	return nil
}

// handOver gives the prime's volume to the claim. Each step is idempotent,
// and the claim's annotation, written first, lets a later sync resume:
//
//  1. the volume gets reclaimPolicy Retain, its original policy noted;
//  2. the prime is deleted (the binder marks the volume Released, and keeps it);
//  3. once the prime is gone, the volume's claimRef names the claim, which
//     the binder then binds. The binder never sees two claims on one volume.
func (p *Populator) handOver(ctx context.Context, pvc *corev1.PersistentVolumeClaim, pv *corev1.PersistentVolume, snapName string) error {
	if pvc.Annotations[AnnotationVolume] != pv.Name {
		patch, _ := json.Marshal(map[string]interface{}{"metadata": map[string]interface{}{
			"annotations": map[string]string{AnnotationVolume: pv.Name},
		}})
		if _, err := p.kube.CoreV1().PersistentVolumeClaims(pvc.Namespace).Patch(ctx, pvc.Name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
			return err
		}
	}
	if !claimRefIs(pv, pvc.Namespace, PrimeName(pvc), "") {
		return p.deletePrime(ctx, pvc) // handed over: the binder finishes
	}
	if _, saved := pv.Annotations[AnnotationReclaimPolicy]; !saved {
		pv = pv.DeepCopy()
		if pv.Annotations == nil {
			pv.Annotations = map[string]string{}
		}
		pv.Annotations[AnnotationReclaimPolicy] = string(pv.Spec.PersistentVolumeReclaimPolicy)
		pv.Annotations[AnnotationPopulatedFrom] = pvc.Namespace + "/" + snapName
		pv.Spec.PersistentVolumeReclaimPolicy = corev1.PersistentVolumeReclaimRetain
		_, err := p.kube.CoreV1().PersistentVolumes().Update(ctx, pv, metav1.UpdateOptions{})
		return err // woken by the volume's update
	}
	if prime, err := p.claims.PersistentVolumeClaims(pvc.Namespace).Get(PrimeName(pvc)); err == nil && metav1.IsControlledBy(prime, pvc) {
		return p.deletePrime(ctx, pvc) // woken when it is gone
	}
	pv = pv.DeepCopy()
	pv.Spec.ClaimRef = &corev1.ObjectReference{
		Kind: "PersistentVolumeClaim", APIVersion: "v1",
		Namespace: pvc.Namespace, Name: pvc.Name, UID: pvc.UID,
	}
	if _, err := p.kube.CoreV1().PersistentVolumes().Update(ctx, pv, metav1.UpdateOptions{}); err != nil {
		return err
	}
	klog.FromContext(ctx).V(2).Info("Handed the volume over to the claim", "pv", pv.Name)
	return nil
}

// resumeHandOver continues a hand-over the claim's annotation records,
// until the PV binder binds the claim.
func (p *Populator) resumeHandOver(ctx context.Context, pvc *corev1.PersistentVolumeClaim, volumeName string) error {
	pv, err := p.volumes.Get(volumeName)
	if apierrors.IsNotFound(err) {
		// The cache may not show it yet.
		pv, err = p.kube.CoreV1().PersistentVolumes().Get(ctx, volumeName, metav1.GetOptions{})
	}
	if apierrors.IsNotFound(err) {
		p.report(pvc, corev1.EventTypeWarning, ReasonVolumeUnavailable, fmt.Sprintf(
			"PersistentVolume %s restored for this claim was deleted before the claim was bound to it; delete the claim and create it again", volumeName))
		return nil
	}
	if err != nil {
		return err
	}
	if claimRefIs(pv, pvc.Namespace, PrimeName(pvc), "") || claimRefIs(pv, pvc.Namespace, pvc.Name, pvc.UID) {
		return p.handOver(ctx, pvc, pv, pvc.Spec.DataSourceRef.Name)
	}
	p.report(pvc, corev1.EventTypeWarning, ReasonVolumeUnavailable, fmt.Sprintf(
		"PersistentVolume %s restored for this claim is bound to another claim; delete the claim and create it again", volumeName))
	return nil
}

// finish ends the population of a bound claim: the volume gets its
// reclaim policy back, the prime goes, and so does the finalizer.
func (p *Populator) finish(ctx context.Context, pvc *corev1.PersistentVolumeClaim) error {
	if !slices.Contains(pvc.Finalizers, Finalizer) {
		return nil
	}
	if err := p.restoreReclaimPolicy(ctx, pvc, pvc.Spec.VolumeName); err != nil {
		return err
	}
	if err := p.deletePrime(ctx, pvc); err != nil {
		return err
	}
	if err := p.releaseFinalizer(ctx, pvc); err != nil {
		return err
	}
	p.report(pvc, corev1.EventTypeNormal, ReasonPopulated, fmt.Sprintf(
		"populated from VirtualDiskSnapshot %s: bound to PersistentVolume %s", pvc.Spec.DataSourceRef.Name, pvc.Spec.VolumeName))
	p.forget(pvc)
	return nil
}

// cleanUp gives back what a claim deleted mid-way holds: a volume handed
// over to it gets its reclaim policy back (so it is deleted with the claim,
// if that was the policy), and the prime is deleted with its volume.
func (p *Populator) cleanUp(ctx context.Context, pvc *corev1.PersistentVolumeClaim) error {
	defer p.forget(pvc)
	if !slices.Contains(pvc.Finalizers, Finalizer) {
		return nil
	}
	volumes := []string{pvc.Annotations[AnnotationVolume]}
	if pvc.Spec.VolumeName != volumes[0] {
		volumes = append(volumes, pvc.Spec.VolumeName)
	}
	for _, volumeName := range volumes {
		if err := p.restoreReclaimPolicy(ctx, pvc, volumeName); err != nil {
			return err
		}
	}
	if err := p.deletePrime(ctx, pvc); err != nil {
		return err
	}
	return p.releaseFinalizer(ctx, pvc)
}

// restoreReclaimPolicy undoes the Retain of the hand-over on a volume
// handed over to the claim. It reads the volume from the API server: the
// claim's binding may show in the cache before the hand-over does, and a
// volume left with Retain would outlive its claim.
func (p *Populator) restoreReclaimPolicy(ctx context.Context, pvc *corev1.PersistentVolumeClaim, volumeName string) error {
	if volumeName == "" {
		return nil
	}
	pv, err := p.kube.CoreV1().PersistentVolumes().Get(ctx, volumeName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	original, handingOver := pv.Annotations[AnnotationReclaimPolicy]
	if !handingOver || !(claimRefIs(pv, pvc.Namespace, pvc.Name, pvc.UID) || claimRefIs(pv, pvc.Namespace, PrimeName(pvc), "")) {
		return nil
	}
	pv = pv.DeepCopy()
	pv.Spec.PersistentVolumeReclaimPolicy = corev1.PersistentVolumeReclaimPolicy(original)
	delete(pv.Annotations, AnnotationReclaimPolicy)
	_, err = p.kube.CoreV1().PersistentVolumes().Update(ctx, pv, metav1.UpdateOptions{})
	return err
}

func (p *Populator) deletePrime(ctx context.Context, pvc *corev1.PersistentVolumeClaim) error {
	prime, err := p.claims.PersistentVolumeClaims(pvc.Namespace).Get(PrimeName(pvc))
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if prime.DeletionTimestamp != nil || !metav1.IsControlledBy(prime, pvc) {
		return nil
	}
	err = p.kube.CoreV1().PersistentVolumeClaims(pvc.Namespace).Delete(ctx, prime.Name, metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{UID: ptr.To(prime.UID)},
	})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

func (p *Populator) ensureFinalizer(ctx context.Context, pvc *corev1.PersistentVolumeClaim) (*corev1.PersistentVolumeClaim, error) {
	patch, needed := controller.FinalizerPatch(pvc, Finalizer, true)
	if !needed {
		return pvc, nil
	}
	return p.kube.CoreV1().PersistentVolumeClaims(pvc.Namespace).Patch(ctx, pvc.Name, types.JSONPatchType, patch, metav1.PatchOptions{})
}

// releaseFinalizer removes the finalizer, and the hand-over annotation
// with it. The patch tests the finalizers it read, so that it neither drops
// one added meanwhile nor fails on other changes to the claim.
func (p *Populator) releaseFinalizer(ctx context.Context, pvc *corev1.PersistentVolumeClaim) error {
	ops := []map[string]interface{}{
		{"op": "test", "path": "/metadata/finalizers", "value": pvc.Finalizers},
		{"op": "replace", "path": "/metadata/finalizers", "value": slices.DeleteFunc(slices.Clone(pvc.Finalizers), func(f string) bool { return f == Finalizer })},
	}
	if _, ok := pvc.Annotations[AnnotationVolume]; ok {
		ops = append(ops, map[string]interface{}{"op": "remove", "path": "/metadata/annotations/" + jsonPointerEscaper.Replace(AnnotationVolume)})
	}
	patch, _ := json.Marshal(ops)
	_, err := p.kube.CoreV1().PersistentVolumeClaims(pvc.Namespace).Patch(ctx, pvc.Name, types.JSONPatchType, patch, metav1.PatchOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// jsonPointerEscaper escapes a map key for a JSON patch path (RFC 6901).
var jsonPointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// claimRefIs reports whether a volume's claimRef names the claim (and, if
// uid is set, that very claim).
func claimRefIs(pv *corev1.PersistentVolume, namespace, name string, uid types.UID) bool {
	ref := pv.Spec.ClaimRef
	return ref != nil && ref.Namespace == namespace && ref.Name == name && (uid == "" || ref.UID == uid)
}

// report records an event on the claim, unless the last one said the same.
func (p *Populator) report(pvc *corev1.PersistentVolumeClaim, eventType, reason, message string) {
	p.mu.Lock()
	said := p.reported[pvc.UID] == reason+message
	p.reported[pvc.UID] = reason + message
	p.mu.Unlock()
	if !said {
		p.recorder.Event(pvc, eventType, reason, message)
	}
}

func (p *Populator) forget(pvc *corev1.PersistentVolumeClaim) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.reported, pvc.UID)
}
