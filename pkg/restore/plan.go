package restore

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"
	cdiv1 "kubevirt.io/containerized-data-importer-api/pkg/apis/core/v1beta1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/controller"
)

// Kinds a restore creates, as nameReplacements and status.resources name them.
const (
	kindVirtualMachine = "VirtualMachine"
	kindClaim          = "PersistentVolumeClaim"
	kindDataVolume     = "DataVolume"
	kindSecret         = "Secret"
	kindRevision       = "ControllerRevision"
)

// annPopulatedFor marks a claim that was filled for a DataVolume of the same
// name before the DataVolume existed, so that CDI adopts it as is (the
// DataVolume carries cdiv1.AnnPrePopulated).
const annPopulatedFor = "cdi.kubevirt.io/storage.populatedFor"

// droppedClaimAnnotations describe the binding or the population of the
// snapshotted claim; they must not follow it into a restored claim.
var droppedClaimAnnotations = []string{
	"pv.kubernetes.io/bind-completed",
	"pv.kubernetes.io/bound-by-controller",
	"volume.beta.kubernetes.io/storage-provisioner",
	"volume.kubernetes.io/storage-provisioner",
	"volume.kubernetes.io/selected-node",
}

// blocker is why a restore cannot start now.
type blocker struct {
	reason  string
	message string
}

// planInput is what a plan is computed from: the restore, the snapshot and
// what it captured, and lookups of the live objects (nil when absent).
type planInput struct {
	restore  *snapshotapi.VirtualMachineRestore
	snapshot *snapshotapi.VirtualMachineSnapshot
	content  *snapshotapi.VirtualMachineSnapshotContent
	// target is the live VM of the target name.
	target *kubevirtv1.VirtualMachine

	volumeSnapshot func(name string) *snapshotv1.VolumeSnapshot
	claim          func(name string) *corev1.PersistentVolumeClaim
	// dataVolume is nil when the DataVolume API is not served.
	dataVolume func(name string) *cdiv1.DataVolume
	// secret reads a Secret of the namespace: a snapshot's copy or a Secret
	// of a restored name.
	secret func(name string) *corev1.Secret
	// revision reads a ControllerRevision of the namespace: one the target
	// VM runs from.
	revision func(name string) *appsv1.ControllerRevision
	// claimUsers names the VMs of the namespace, other than the target,
	// whose spec uses a claim (directly or through a DataVolume of its name).
	claimUsers func(claim string) []string
	// persistentStateClaims are the claims KubeVirt would take as the
	// backend storage of a VM of the name (controller.PersistentStateClaims).
	persistentStateClaims func(vmName string) []*corev1.PersistentVolumeClaim
	// macUser names a VM other than the target, running or not, in any
	// namespace, that uses a MAC: MACs are unique in the cluster, as
	// KubeMacPool assumes.
	macUser func(mac string) string
}

// plan is everything a restore creates or replaces, in the order it does
// so, with the result for each object as status.resources reports it.
type plan struct {
	targetName string
	// inPlace: the target is the snapshot's source VM and is restored in
	// place; otherwise a new VM is created.
	inPlace bool
	// vm is the VM to create, or whose labels, annotations and spec replace
	// the target's. Its run strategy is left to the executor.
	vm      *kubevirtv1.VirtualMachine
	secrets []*corev1.Secret
	// madeSecrets are the Secrets of secrets that the plan found made by
	// this restore already (Secrets are read from the API, never cached).
	madeSecrets map[string]bool
	claims      []claimStep
	dataVolumes []dataVolumeStep
	// persistentState is the target's backend-storage claim, when the
	// snapshot holds one or recorded that the VM had none yet.
	persistentState *persistentStateStep
	// revisions are the instancetype and preference ControllerRevisions to
	// create for the VM, controlled by it as KubeVirt makes them; revisionOf
	// is the one each matcher of the VM points at, made or kept.
	revisions  []*appsv1.ControllerRevision
	revisionOf map[snapshotapi.InstancetypeMatcher]string

	resources []snapshotapi.RestoredResource
	restores  []snapshotapi.VolumeRestore

	// blockers say why the restore cannot start yet.
	blockers []blocker
	// refused is set when the target is a VM other than the snapshot's source.
	refused string
	// conflicts are the messages of every conflict; failing are those that
	// fail the restore in its mode (all in Strict, the ones that cannot be
	// skipped in BestEffort, none in DryRun).
	conflicts []string
	failing   []string
}

// claimStep is one claim to create from a VolumeSnapshot.
type claimStep struct {
	volumeName string
	claim      *corev1.PersistentVolumeClaim
	// replaces is the target's own claim of the same name, which must be
	// deleted before the restored one can be created.
	replaces *corev1.PersistentVolumeClaim
}

// persistentStateStep restores the claim where KubeVirt keeps the state of
// a persistent TPM or of persistent EFI variables (backend storage). KubeVirt
// finds it by its label, so at no moment may two claims not being deleted
// carry the label for the target: in place, the restored claim is created
// without it, the VM's own ones are deleted once its spec is restored, and
// the label comes last.
type persistentStateStep struct {
	// claim is labelled for the target; nil when the snapshot recorded that
	// the VM had no state yet (it had never run).
	claim *corev1.PersistentVolumeClaim
	// replaces are the target's backend-storage claims (in place).
	replaces []*corev1.PersistentVolumeClaim
}

// dataVolumeStep is one DataVolume that adopts a restored claim.
type dataVolumeStep struct {
	dataVolume *cdiv1.DataVolume
	// ownedByVM: the DataVolume comes from one of the VM's
	// dataVolumeTemplates, so the VM controls it, as KubeVirt would.
	ownedByVM bool
	replaces  *cdiv1.DataVolume
}

// buildPlan computes the whole restore from observed state, without side
// effects: names after nameReplacements and volumeRestorePolicy, every
// reference rewritten, and each object classified as created, replaced,
// unchanged, skipped or in conflict.
func buildPlan(in planInput) *plan {
	r := in.restore
	source := in.content.Spec.Source.VirtualMachine
	if source == nil {
		return &plan{blockers: []blocker{{ReasonSnapshotNotReady, fmt.Sprintf(
			"snapshot %s holds no VirtualMachine to restore", in.snapshot.Name)}}}
	}
	p := &plan{targetName: targetName(r, source.Name), madeSecrets: map[string]bool{}}
	mode := r.Spec.GetMode()
	n := names{spec: &r.Spec}

	vmResult, vmMessage := snapshotapi.ResourceCreated, fmt.Sprintf("created stopped from snapshot %s", in.snapshot.Name)
	switch t := in.target; {
	case t == nil || ours(r, t):
	case t.Name == source.Name && in.snapshot.Status.SourceUID != nil && *in.snapshot.Status.SourceUID == t.UID:
		p.inPlace = true
		vmResult, vmMessage = snapshotapi.ResourceReplaced, fmt.Sprintf("spec replaced by the one in snapshot %s", in.snapshot.Name)
	case t.Name == source.Name && in.snapshot.Status.SourceUID == nil:
		// A content the user brought may name any VM: without the UID of
		// the VM it was taken of, no VM is overwritten in place.
		p.refused = fmt.Sprintf("snapshot %s does not record the UID of the VM it was taken of, so it is not restored over VirtualMachine %s; "+
			"restore into a new VM with spec.target or a VirtualMachine nameReplacement, or record spec.sourceUID in its content", in.snapshot.Name, t.Name)
	case t.Name == source.Name:
		p.refused = fmt.Sprintf("VirtualMachine %s was deleted and created again since snapshot %s was taken of it (UID %s, now %s); "+
			"restore into a new VM with spec.target or a VirtualMachine nameReplacement", t.Name, in.snapshot.Name, *in.snapshot.Status.SourceUID, t.UID)
	default:
		p.refused = fmt.Sprintf("VirtualMachine %s exists and is not the VM snapshot %s was taken of (%s); "+
			"restore into a new VM with spec.target or a VirtualMachine nameReplacement, or delete %s", t.Name, in.snapshot.Name, source.Name, t.Name)
	}
	if p.refused != "" {
		vmResult, vmMessage = snapshotapi.ResourceConflict, p.refused
	}
	targetClaims := claimsOf(in.target)
	if !p.inPlace {
		targetClaims = nil
	}

	// Disks: one claim per volume backup, and a DataVolume when it had one.
	claimOfVolume := map[string]string{}     // volume name -> restored claim
	dataVolumeRenames := map[string]string{} // snapshot's DataVolume -> restored one
	for _, b := range in.content.Spec.VolumeBackups {
		if b.VolumeName == controller.PersistentStateVolumeName {
			planPersistentState(p, in, b)
			continue
		}
		name := n.claim(b, p.inPlace, p.targetName, r.UID)
		claimOfVolume[b.VolumeName] = name
		vsName := ptr.Deref(b.VolumeSnapshotName, "")
		vr := snapshotapi.VolumeRestore{VolumeName: b.VolumeName, PersistentVolumeClaimName: name, VolumeSnapshotName: vsName}
		if b.DataVolumeName != nil {
			vr.DataVolumeName = ptr.To(name)
			dataVolumeRenames[*b.DataVolumeName] = name
		}
		p.restores = append(p.restores, vr)

		vs := usableVolumeSnapshot(p, in, b)
		if vs == nil {
			continue
		}
		desired := restoredClaim(r, b, name, vs)
		step := claimStep{volumeName: b.VolumeName, claim: desired}
		res := resourceEntry(kindClaim, corev1.SchemeGroupVersion.String(), name, snapshotapi.ResourceCreated, "restored from VolumeSnapshot "+vsName)
		if p.inPlace && name == b.PersistentVolumeClaim.Name {
			res.Result = snapshotapi.ResourceReplaced
		}
		if step.replaces = disposition(p, in, targetClaims, kindClaim, in.claim(name), &res); step.replaces != nil {
			res.Message += "; the VM's claim of that name is deleted and created again"
		}
		p.resources = append(p.resources, res)
		if res.Result != snapshotapi.ResourceConflict {
			p.claims = append(p.claims, step)
		}

		if b.DataVolumeName == nil {
			continue
		}
		if in.dataVolume == nil {
			p.blockers = append(p.blockers, blocker{ReasonAPIMissing, fmt.Sprintf(
				"volume %s was on DataVolume %s, and the DataVolume API (cdi.kubevirt.io/v1beta1) is not served; install CDI", b.VolumeName, *b.DataVolumeName)})
			continue
		}
		dvStep := restoredDataVolume(r, source, b, desired, vsName)
		dvRes := resourceEntry(kindDataVolume, cdiv1.SchemeGroupVersion.String(), name, res.Result, "adopts the restored claim "+name)
		if dvRes.Result == snapshotapi.ResourceConflict {
			dvRes.Message = "its claim is in conflict"
		}
		dvStep.replaces = disposition(p, in, targetClaims, kindDataVolume, in.dataVolume(name), &dvRes)
		p.resources = append(p.resources, dvRes)
		if dvRes.Result != snapshotapi.ResourceConflict && res.Result != snapshotapi.ResourceConflict {
			p.dataVolumes = append(p.dataVolumes, dvStep)
		}
	}

	if p.persistentState == nil && p.inPlace && slices.ContainsFunc(in.content.Spec.ExcludedVolumes, func(e snapshotapi.ExcludedVolume) bool {
		return e.Name == controller.PersistentStateVolumeName
	}) {
		// The VM had not run when the snapshot was taken: it had no state,
		// and it gets none; KubeVirt makes a fresh claim when it starts.
		p.persistentState = &persistentStateStep{replaces: replacedPersistentState(p, in, fmt.Sprintf(
			"deleted once the VM's spec is restored: VirtualMachine %s had no persistent TPM or EFI state when snapshot %s was taken", p.targetName, in.snapshot.Name))}
	}

	// Secrets: recreated from the snapshot's copies, or found identical.
	for _, sb := range in.content.Spec.SecretBackups {
		name := n.secret(sb.Name)
		backup := in.secret(sb.BackupSecretName)
		if backup == nil {
			p.blockers = append(p.blockers, blocker{ReasonSnapshotNotReady, fmt.Sprintf(
				"the copy %s of Secret %s is missing from snapshot %s", sb.BackupSecretName, sb.Name, in.snapshot.Name)})
			continue
		}
		if !controller.ContentHolds(in.snapshot, in.content, backup) {
			p.blockers = append(p.blockers, blocker{ReasonNameConflict, fmt.Sprintf(
				"the copy %s of Secret %s was not made for snapshot %s; its data is not restored", sb.BackupSecretName, sb.Name, in.snapshot.Name)})
			continue
		}
		res := resourceEntry(kindSecret, corev1.SchemeGroupVersion.String(), name, snapshotapi.ResourceCreated, "data from the snapshot's copy of Secret "+sb.Name)
		existing := in.secret(name)
		switch {
		case existing == nil || ours(r, existing):
			p.secrets = append(p.secrets, restoredSecret(r, name, backup))
			if existing != nil {
				p.madeSecrets[name] = true
			}
		case heldByAnotherRestore(existing) != "":
			// A restore that failed keeps what it created until it is
			// deleted (the controller may not delete Secrets; the garbage
			// collector does). Using the Secret now would lose it then.
			p.blockers = append(p.blockers, blocker{ReasonNameConflict, fmt.Sprintf(
				"Secret %s belongs to VirtualMachineRestore %s and is removed with it; delete that restore first", name, heldByAnotherRestore(existing))})
			continue
		case sameData(existing, backup):
			res.Result, res.Message = snapshotapi.ResourceUnchanged, "exists with the snapshot's data"
		default:
			res.Result, res.Message = snapshotapi.ResourceConflict, fmt.Sprintf("Secret %s exists with data that differs from the snapshot's", name)
			if p.conflict(mode, res.Message, true) {
				res.Result, res.Message = snapshotapi.ResourceSkipped, fmt.Sprintf("Secret %s exists with data that differs from the snapshot's; it is left as it is", name)
			}
		}
		p.resources = append(p.resources, res)
	}

	planRevisions(p, in)

	// The VM, with every reference rewritten.
	p.vm = restoredVM(in, p, n, claimOfVolume, dataVolumeRenames)
	if p.vm.Spec.Template != nil && p.refused == "" && in.snapshot.Spec.GetKeepIPAddress() == snapshotapi.KeepIPAddressAlways {
		var macConflicts []string
		ifaces := p.vm.Spec.Template.Spec.Domain.Devices.Interfaces
		for i := range ifaces {
			user := ""
			if mac := ifaces[i].MacAddress; mac != "" {
				user = in.macUser(mac)
			}
			if user == "" {
				continue
			}
			message := fmt.Sprintf("MAC address %s of interface %s is used by VirtualMachine %s", ifaces[i].MacAddress, ifaces[i].Name, user)
			if p.conflict(mode, message, true) {
				ifaces[i].MacAddress = ""
				vmMessage += "; interface " + ifaces[i].Name + " gets a new MAC address: " + message
			} else {
				macConflicts = append(macConflicts, message)
			}
		}
		if len(macConflicts) > 0 {
			vmResult, vmMessage = snapshotapi.ResourceConflict, strings.Join(macConflicts, "; ")
		}
	}
	if p.refused != "" && mode != snapshotapi.RestoreModeDryRun {
		p.failing = append(p.failing, p.refused)
	}
	p.conflicts = slices.Insert(p.conflicts, 0, conflictMessages(p.refused)...)
	p.resources = slices.Insert(p.resources, 0, resourceEntry(kindVirtualMachine, kubevirtv1.SchemeGroupVersion.String(), p.targetName, vmResult, vmMessage))
	return p
}

// usableVolumeSnapshot returns the VolumeSnapshot of a volume backup, or
// nil after recording why it cannot be restored from.
func usableVolumeSnapshot(p *plan, in planInput, b snapshotapi.VolumeBackup) *snapshotv1.VolumeSnapshot {
	vsName := ptr.Deref(b.VolumeSnapshotName, "")
	vs := in.volumeSnapshot(vsName)
	switch {
	case vs == nil:
		p.blockers = append(p.blockers, blocker{ReasonSnapshotNotReady, fmt.Sprintf("VolumeSnapshot %s of volume %s does not exist", vsName, b.VolumeName)})
	case !controller.BackupHolds(in.snapshot, in.content, b, vs):
		p.blockers = append(p.blockers, blocker{ReasonNameConflict, fmt.Sprintf(
			"VolumeSnapshot %s of volume %s was not made for snapshot %s; its data is not restored", vsName, b.VolumeName, in.snapshot.Name)})
	case vs.Status == nil || !ptr.Deref(vs.Status.ReadyToUse, false):
		p.blockers = append(p.blockers, blocker{ReasonSnapshotNotReady, fmt.Sprintf("VolumeSnapshot %s of volume %s is not ready to use", vsName, b.VolumeName)})
	default:
		return vs
	}
	return nil
}

// planPersistentState restores the backend-storage claim of the snapshot
// (persistentStateStep) under the name KubeVirt gives them, with a suffix of
// the restore's UID, labelled for the target. Name replacements do not
// apply: KubeVirt finds the claim by its label, not its name. A new VM
// must have no such claim already; in place, the VM's own are replaced.
func planPersistentState(p *plan, in planInput, b snapshotapi.VolumeBackup) {
	name := PersistentStateClaimName(p.targetName, in.restore.UID)
	vsName := ptr.Deref(b.VolumeSnapshotName, "")
	p.restores = append(p.restores, snapshotapi.VolumeRestore{VolumeName: b.VolumeName, PersistentVolumeClaimName: name, VolumeSnapshotName: vsName})
	vs := usableVolumeSnapshot(p, in, b)
	if vs == nil {
		return
	}
	claim := restoredClaim(in.restore, b, name, vs)
	claim.Labels[controller.LabelPersistentStateFor] = p.targetName
	res := resourceEntry(kindClaim, corev1.SchemeGroupVersion.String(), name, snapshotapi.ResourceCreated, fmt.Sprintf(
		"restored from VolumeSnapshot %s: the persistent TPM and EFI state of VirtualMachine %s", vsName, p.targetName))
	if existing := in.claim(name); existing != nil && !ours(in.restore, existing) {
		res.Result, res.Message = snapshotapi.ResourceConflict, existsMessage(kindClaim, name, nil)
		p.conflict(in.restore.Spec.GetMode(), res.Message, false)
		p.resources = append(p.resources, res)
		return
	}
	step := &persistentStateStep{claim: claim}
	if p.inPlace {
		step.replaces = replacedPersistentState(p, in, "the VM's persistent TPM and EFI state, replaced by "+name+" once the VM's spec is restored")
	} else {
		for _, existing := range in.persistentStateClaims(p.targetName) {
			if ours(in.restore, existing) {
				continue
			}
			message := fmt.Sprintf("PersistentVolumeClaim %s exists and holds the persistent TPM and EFI state of a VM named %s; "+
				"KubeVirt would not know which claim to use", existing.Name, p.targetName)
			res.Result, res.Message = snapshotapi.ResourceConflict, message
			p.conflict(in.restore.Spec.GetMode(), message, false)
		}
	}
	p.resources = append(p.resources, res)
	if res.Result != snapshotapi.ResourceConflict {
		p.persistentState = step
	}
}

// replacedPersistentState lists, as replaced resources, the in-place target's
// backend-storage claims that the restore did not make.
func replacedPersistentState(p *plan, in planInput, message string) []*corev1.PersistentVolumeClaim {
	var out []*corev1.PersistentVolumeClaim
	for _, existing := range in.persistentStateClaims(p.targetName) {
		if !ours(in.restore, existing) {
			out = append(out, existing)
			p.resources = append(p.resources, resourceEntry(kindClaim, corev1.SchemeGroupVersion.String(), existing.Name, snapshotapi.ResourceReplaced, message))
		}
	}
	return out
}

// PersistentStateClaimName is the backend-storage claim a restore creates
// for its target VM: KubeVirt's prefix, then a suffix derived from the
// restore's UID, so that a retry finds the claim it made.
func PersistentStateClaimName(vmName string, restoreUID types.UID) string {
	sum := sha256.Sum256([]byte(restoreUID))
	return controller.LegacyPersistentStateClaimName(vmName) + "-" + hex.EncodeToString(sum[:4])
}

// disposition classifies an existing object of a restored disk's name:
// none, or one this restore made, is created (again); the target's own disk,
// which no other VM uses, is replaced and returned; anything else is a
// conflict that cannot be skipped.
func disposition[T interface {
	comparable
	metav1.Object
}](p *plan, in planInput, targetClaims map[string]bool, kind string, existing T, res *snapshotapi.RestoredResource) T {
	var none T
	switch {
	case existing == none || ours(in.restore, existing):
	case targetClaims[existing.GetName()] && len(in.claimUsers(existing.GetName())) == 0:
		res.Result = snapshotapi.ResourceReplaced
		return existing
	default:
		res.Result, res.Message = snapshotapi.ResourceConflict, existsMessage(kind, existing.GetName(), in.claimUsers(existing.GetName()))
		p.conflict(in.restore.Spec.GetMode(), res.Message, false)
	}
	return none
}

// conflict records a conflict and reports whether it was skipped: only in
// BestEffort mode, and only when skipping leaves a VM that still restores the
// snapshot's disks.
func (p *plan) conflict(mode snapshotapi.RestoreMode, message string, skippable bool) bool {
	p.conflicts = append(p.conflicts, message)
	switch {
	case mode == snapshotapi.RestoreModeDryRun:
		return false
	case mode == snapshotapi.RestoreModeBestEffort && skippable:
		return true
	default:
		p.failing = append(p.failing, message)
		return false
	}
}

func conflictMessages(refused string) []string {
	if refused == "" {
		return nil
	}
	return []string{refused}
}

// targetName is the VM a restore writes: spec.target, or the snapshot's
// source VM after nameReplacements.
func targetName(r *snapshotapi.VirtualMachineRestore, sourceName string) string {
	if r.Spec.Target != nil && r.Spec.Target.Name != "" {
		return r.Spec.Target.Name
	}
	if to, ok := r.Spec.ReplacementFor(kindVirtualMachine, sourceName); ok {
		return to
	}
	return sourceName
}

// names applies nameReplacements and the volume restore policy.
type names struct {
	spec *snapshotapi.VirtualMachineRestoreSpec
}

func (n names) replace(kind, name string) string {
	if to, ok := n.spec.ReplacementFor(kind, name); ok {
		return to
	}
	return name
}

func (n names) secret(name string) string { return n.replace(kindSecret, name) }

// claim is the restored claim of a volume backup. A nameReplacement wins;
// otherwise a new VM keeps the snapshot's names, and an in-place restore
// names them after its volumeRestorePolicy.
func (n names) claim(b snapshotapi.VolumeBackup, inPlace bool, target string, uid types.UID) string {
	if dv := ptr.Deref(b.DataVolumeName, ""); dv != "" {
		if to, ok := n.spec.ReplacementFor(kindDataVolume, dv); ok {
			return to
		}
	}
	if to, ok := n.spec.ReplacementFor(kindClaim, b.PersistentVolumeClaim.Name); ok {
		return to
	}
	if !inPlace {
		return b.PersistentVolumeClaim.Name
	}
	switch n.spec.GetVolumeRestorePolicy() {
	case snapshotapi.VolumeRestoreInPlace:
		return b.PersistentVolumeClaim.Name
	case snapshotapi.VolumeRestorePrefixTargetName:
		return target + "-" + b.VolumeName
	default:
		return RandomizedClaimName(uid, b.VolumeName)
	}
}

// RandomizedClaimName is the claim an in-place restore with
// volumeRestorePolicy RandomizeNames creates for a volume.
func RandomizedClaimName(restoreUID types.UID, volumeName string) string {
	return "restore-" + string(restoreUID) + "-" + volumeName
}

func resourceEntry(kind, apiVersion, name string, result snapshotapi.ResourceResult, message string) snapshotapi.RestoredResource {
	return snapshotapi.RestoredResource{APIVersion: apiVersion, Kind: kind, Name: name, Result: result, Message: message}
}

func existsMessage(kind, name string, users []string) string {
	m := fmt.Sprintf("%s %s exists and was not created by this restore", kind, name)
	if len(users) > 0 {
		m += "; it is used by VirtualMachine " + strings.Join(users, ", ")
	}
	return m
}

// restoreLabels index the objects a restore makes, so that a retry and a
// cleanup find them; the owner reference (ownerRef) proves they are its own.
func restoreLabels(r *snapshotapi.VirtualMachineRestore, base map[string]string) map[string]string {
	out := maps.Clone(base)
	if out == nil {
		out = map[string]string{}
	}
	out[LabelRestoreUID] = string(r.UID)
	return out
}

func restoreAnnotations(r *snapshotapi.VirtualMachineRestore, base map[string]string) map[string]string {
	out := maps.Clone(base)
	if out == nil {
		out = map[string]string{}
	}
	out[AnnRestoreName] = r.Name
	return out
}

// restoredClaim is the claim of a volume backup, provisioned from its
// VolumeSnapshot, at least as large as the snapshot says it must be. It
// names no volume: the provisioner makes a new one, whenever the storage
// class binds (WaitForFirstConsumer classes only when the VM starts).
func restoredClaim(r *snapshotapi.VirtualMachineRestore, b snapshotapi.VolumeBackup, name string, vs *snapshotv1.VolumeSnapshot) *corev1.PersistentVolumeClaim {
	tmpl := b.PersistentVolumeClaim
	annotations := map[string]string{}
	for k, v := range tmpl.Annotations {
		if !slices.Contains(droppedClaimAnnotations, k) && !strings.HasPrefix(k, "cdi.kubevirt.io/") {
			annotations[k] = v
		}
	}
	if b.DataVolumeName != nil {
		annotations[annPopulatedFor] = name
	}
	spec := *tmpl.Spec.DeepCopy()
	spec.VolumeName = ""
	spec.DataSource = &corev1.TypedLocalObjectReference{APIGroup: ptr.To(snapshotv1.GroupName), Kind: "VolumeSnapshot", Name: vs.Name}
	spec.DataSourceRef = &corev1.TypedObjectReference{APIGroup: ptr.To(snapshotv1.GroupName), Kind: "VolumeSnapshot", Name: vs.Name}
	if size := vs.Status.RestoreSize; size != nil {
		if spec.Resources.Requests == nil {
			spec.Resources.Requests = corev1.ResourceList{}
		}
		if current, ok := spec.Resources.Requests[corev1.ResourceStorage]; !ok || size.Cmp(current) > 0 {
			spec.Resources.Requests[corev1.ResourceStorage] = size.DeepCopy()
		}
	}
	claim := &corev1.PersistentVolumeClaim{Spec: spec}
	claim.Name, claim.Namespace = name, r.Namespace
	claim.Labels = restoreLabels(r, tmpl.Labels)
	claim.OwnerReferences = []metav1.OwnerReference{ownerRef(r)}
	claim.Annotations = restoreAnnotations(r, annotations)
	return claim
}

// restoredDataVolume is the DataVolume that adopts a restored claim: the
// VM's dataVolumeTemplate when it had one, else a DataVolume that names the
// VolumeSnapshot as its source. Either way it is marked pre-populated.
func restoredDataVolume(r *snapshotapi.VirtualMachineRestore, source *kubevirtv1.VirtualMachine, b snapshotapi.VolumeBackup,
	claim *corev1.PersistentVolumeClaim, vsName string,
) dataVolumeStep {
	dv := &cdiv1.DataVolume{}
	dv.Name, dv.Namespace = claim.Name, r.Namespace
	step := dataVolumeStep{dataVolume: dv}
	if i := slices.IndexFunc(source.Spec.DataVolumeTemplates, func(t kubevirtv1.DataVolumeTemplateSpec) bool {
		return t.Name == *b.DataVolumeName
	}); i >= 0 {
		tmpl := source.Spec.DataVolumeTemplates[i]
		dv.Labels, dv.Annotations = tmpl.Labels, tmpl.Annotations
		dv.Spec = *tmpl.Spec.DeepCopy()
		step.ownedByVM = true
	} else {
		spec := claim.Spec
		dv.Spec = cdiv1.DataVolumeSpec{
			Source: &cdiv1.DataVolumeSource{Snapshot: &cdiv1.DataVolumeSourceSnapshot{Namespace: r.Namespace, Name: vsName}},
			Storage: &cdiv1.StorageSpec{
				AccessModes:      spec.AccessModes,
				Resources:        *spec.Resources.DeepCopy(),
				StorageClassName: spec.StorageClassName,
				VolumeMode:       spec.VolumeMode,
			},
		}
	}
	dv.Labels = restoreLabels(r, dv.Labels)
	dv.OwnerReferences = []metav1.OwnerReference{ownerRef(r)}
	dv.Annotations = restoreAnnotations(r, dv.Annotations)
	dv.Annotations[cdiv1.AnnPrePopulated] = claim.Name
	return step
}

func restoredSecret(r *snapshotapi.VirtualMachineRestore, name string, backup *corev1.Secret) *corev1.Secret {
	s := &corev1.Secret{Type: backup.Type, Data: maps.Clone(backup.Data)}
	s.Name, s.Namespace = name, r.Namespace
	s.Labels = restoreLabels(r, nil)
	s.Annotations = restoreAnnotations(r, nil)
	s.OwnerReferences = []metav1.OwnerReference{ownerRef(r)}
	return s
}

// heldByAnotherRestore names the restore whose owner reference an object
// carries, if any: deleting that restore garbage-collects the object.
func heldByAnotherRestore(obj metav1.Object) string {
	for _, o := range obj.GetOwnerReferences() {
		if o.Kind == "VirtualMachineRestore" && strings.HasPrefix(o.APIVersion, snapshotapi.GroupName+"/") {
			return o.Name
		}
	}
	return ""
}

func sameData(a, b *corev1.Secret) bool {
	return a.Type == b.Type && maps.EqualFunc(a.Data, b.Data, bytes.Equal)
}

// restoredVM is the snapshot's VM under the target name, pointing at the
// restored claims, DataVolumes and Secrets. With keepIPAddress Always each
// interface keeps the MAC it had (also one KubeVirt had assigned); a new VM
// of a snapshot taken with Never gets fresh MACs.
func restoredVM(in planInput, p *plan, n names, claims, dataVolumes map[string]string) *kubevirtv1.VirtualMachine {
	source := in.content.Spec.Source.VirtualMachine.DeepCopy()
	vm := &kubevirtv1.VirtualMachine{Spec: source.Spec}
	vm.Name, vm.Namespace = p.targetName, in.restore.Namespace
	vm.Labels, vm.Annotations = source.Labels, source.Annotations
	if !p.inPlace {
		vm.Labels = restoreLabels(in.restore, vm.Labels)
		vm.OwnerReferences = []metav1.OwnerReference{ownerRef(in.restore)}
		vm.Annotations = restoreAnnotations(in.restore, vm.Annotations)
	}

	for i := range vm.Spec.DataVolumeTemplates {
		t := &vm.Spec.DataVolumeTemplates[i]
		if to, ok := dataVolumes[t.Name]; ok {
			t.Name = to
			if t.Annotations == nil {
				t.Annotations = map[string]string{}
			}
			t.Annotations[cdiv1.AnnPrePopulated] = to
		} else {
			t.Name = n.replace(kindDataVolume, t.Name)
		}
	}
	for m, name := range p.revisionOf {
		controller.SetInstancetypeRevision(&vm.Spec, m, name)
	}
	tmpl := vm.Spec.Template
	if tmpl == nil {
		return vm
	}
	for i := range tmpl.Spec.Volumes {
		rewriteVolume(&tmpl.Spec.Volumes[i], n, claims)
	}
	for i := range tmpl.Spec.AccessCredentials {
		ac := &tmpl.Spec.AccessCredentials[i]
		if k := ac.SSHPublicKey; k != nil && k.Source.Secret != nil {
			k.Source.Secret.SecretName = n.secret(k.Source.Secret.SecretName)
		}
		if pw := ac.UserPassword; pw != nil && pw.Source.Secret != nil {
			pw.Source.Secret.SecretName = n.secret(pw.Source.Secret.SecretName)
		}
	}

	keepMACs := in.snapshot.Spec.GetKeepIPAddress() == snapshotapi.KeepIPAddressAlways
	recorded := map[string]string{}
	for _, id := range in.content.Spec.NetworkIdentity {
		recorded[id.Name] = id.MACAddress
	}
	ifaces := tmpl.Spec.Domain.Devices.Interfaces
	for i := range ifaces {
		switch {
		case keepMACs && ifaces[i].MacAddress == "":
			ifaces[i].MacAddress = recorded[ifaces[i].Name]
		case !keepMACs && !p.inPlace:
			ifaces[i].MacAddress = ""
		}
	}
	return vm
}

// rewriteVolume points a volume at its restored claim, and applies
// nameReplacements to the claims, DataVolumes and Secrets it refers to.
func rewriteVolume(v *kubevirtv1.Volume, n names, claims map[string]string) {
	restored, isRestored := claims[v.Name]
	switch {
	case v.PersistentVolumeClaim != nil:
		if isRestored {
			v.PersistentVolumeClaim.ClaimName = restored
		} else {
			v.PersistentVolumeClaim.ClaimName = n.replace(kindClaim, v.PersistentVolumeClaim.ClaimName)
		}
	case v.DataVolume != nil:
		if isRestored {
			v.DataVolume.Name = restored
		} else {
			v.DataVolume.Name = n.replace(kindDataVolume, v.DataVolume.Name)
		}
	case v.CloudInitNoCloud != nil:
		replaceSecretRef(v.CloudInitNoCloud.UserDataSecretRef, n)
		replaceSecretRef(v.CloudInitNoCloud.NetworkDataSecretRef, n)
	case v.CloudInitConfigDrive != nil:
		replaceSecretRef(v.CloudInitConfigDrive.UserDataSecretRef, n)
		replaceSecretRef(v.CloudInitConfigDrive.NetworkDataSecretRef, n)
	case v.Secret != nil:
		v.Secret.SecretName = n.secret(v.Secret.SecretName)
	case v.Sysprep != nil:
		replaceSecretRef(v.Sysprep.Secret, n)
	}
}

func replaceSecretRef(ref *corev1.LocalObjectReference, n names) {
	if ref != nil && ref.Name != "" {
		ref.Name = n.secret(ref.Name)
	}
}

// claimsOf is every claim a VM's spec uses: claim volumes, DataVolume
// volumes (a DataVolume's claim has its name) and dataVolumeTemplates.
func claimsOf(vm *kubevirtv1.VirtualMachine) map[string]bool {
	out := map[string]bool{}
	if vm == nil {
		return out
	}
	for _, t := range vm.Spec.DataVolumeTemplates {
		out[t.Name] = true
	}
	if vm.Spec.Template == nil {
		return out
	}
	for _, v := range vm.Spec.Template.Spec.Volumes {
		switch {
		case v.PersistentVolumeClaim != nil:
			out[v.PersistentVolumeClaim.ClaimName] = true
		case v.DataVolume != nil:
			out[v.DataVolume.Name] = true
		}
	}
	return out
}

// resultsOf counts the resources of each result, for condition messages.
func resultsOf(resources []snapshotapi.RestoredResource) map[snapshotapi.ResourceResult][]string {
	out := map[snapshotapi.ResourceResult][]string{}
	for _, r := range resources {
		out[r.Result] = append(out[r.Result], r.Kind+" "+r.Name)
	}
	return out
}
