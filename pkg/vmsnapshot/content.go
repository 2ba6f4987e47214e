package vmsnapshot

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/controller"
	"vmsnap.io/vmsnap/pkg/freeze"
)

// bindingAnnotations are set by the PV binder and provisioner; they describe
// the old claim's binding and must not follow it into a restore.
var bindingAnnotations = []string{
	"pv.kubernetes.io/bind-completed",
	"pv.kubernetes.io/bound-by-controller",
	"volume.beta.kubernetes.io/storage-provisioner",
	"volume.kubernetes.io/storage-provisioner",
	"volume.kubernetes.io/selected-node",
}

// capturedSecret is a Secret the VM uses, read at the start of a snapshot.
type capturedSecret struct {
	secret  *corev1.Secret
	volumes []string
}

// readSecrets reads the Secrets the VM refers to: those of its volumes
// (cloud-init user and network data, sysprep, secret volumes) and of its
// accessCredentials (SSH keys, user passwords). Secrets are read on demand
// rather than cached: the controller must not hold every Secret of the
// cluster in memory.
func (c *Controller) readSecrets(ctx context.Context, namespace string, vm *kubevirtv1.VirtualMachine) ([]capturedSecret, []blocker, error) {
	byName := map[string][]string{}
	users := map[string][]string{}
	if vm.Spec.Template != nil {
		for _, vol := range vm.Spec.Template.Spec.Volumes {
			for _, name := range secretNames(vol) {
				byName[name] = append(byName[name], vol.Name)
				users[name] = append(users[name], "volume "+vol.Name)
			}
		}
		for _, name := range accessCredentialSecrets(vm.Spec.Template.Spec.AccessCredentials) {
			if _, seen := byName[name]; !seen {
				byName[name] = nil
			}
			users[name] = append(users[name], "accessCredentials")
		}
	}
	names := make([]string, 0, len(byName))
	for name := range byName {
		names = append(names, name)
	}
	sort.Strings(names)
	var out []capturedSecret
	var blockers []blocker
	for _, name := range names {
		secret, err := c.kube.CoreV1().Secrets(namespace).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			blockers = append(blockers, blocker{ReasonDiskNotReady, fmt.Sprintf(
				"Secret %s used by %s does not exist", name, strings.Join(slices.Compact(users[name]), ", "))})
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		out = append(out, capturedSecret{secret: secret, volumes: byName[name]})
	}
	return out, blockers, nil
}

// accessCredentialSecrets names the Secrets of a VM's accessCredentials.
func accessCredentialSecrets(credentials []kubevirtv1.AccessCredential) []string {
	var names []string
	for _, ac := range credentials {
		if k := ac.SSHPublicKey; k != nil && k.Source.Secret != nil && k.Source.Secret.SecretName != "" {
			names = append(names, k.Source.Secret.SecretName)
		}
		if pw := ac.UserPassword; pw != nil && pw.Source.Secret != nil && pw.Source.Secret.SecretName != "" {
			names = append(names, pw.Source.Secret.SecretName)
		}
	}
	return names
}

func secretNames(vol kubevirtv1.Volume) []string {
	var names []string
	add := func(ref *corev1.LocalObjectReference) {
		if ref != nil && ref.Name != "" {
			names = append(names, ref.Name)
		}
	}
	if ci := vol.CloudInitNoCloud; ci != nil {
		add(ci.UserDataSecretRef)
		add(ci.NetworkDataSecretRef)
	}
	if ci := vol.CloudInitConfigDrive; ci != nil {
		add(ci.UserDataSecretRef)
		add(ci.NetworkDataSecretRef)
	}
	if s := vol.Secret; s != nil && s.SecretName != "" {
		names = append(names, s.SecretName)
	}
	if sp := vol.Sysprep; sp != nil {
		add(sp.Secret)
	}
	return slices.Compact(names)
}

// createContent creates the content that records the VM, its disks, its
// network identity and its Secrets, and the Secret copies it owns.
// newContent is the content a snapshot creates. Everything later syncs
// derive the snapshot's status from is recorded here, in the one write
// that creates the content.
func newContent(snap *snapshotapi.VirtualMachineSnapshot, vm *kubevirtv1.VirtualMachine,
	vmi *kubevirtv1.VirtualMachineInstance, mode freeze.Mode, plan volumePlan, group groupPlan, secrets []capturedSecret,
) *snapshotapi.VirtualMachineSnapshotContent {
	// Everything later syncs derive the snapshot's status from is recorded
	// here, in the one write that creates the content: a status write lost
	// after it, or a restart, loses nothing.
	content := &snapshotapi.VirtualMachineSnapshotContent{
		ObjectMeta: metav1.ObjectMeta{
			Name:            ContentName(snap),
			Namespace:       snap.Namespace,
			Labels:          map[string]string{LabelSnapshotName: snap.Name},
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(snap, snapshotapi.SchemeGroupVersion.WithKind("VirtualMachineSnapshot"))},
		},
		Spec: snapshotapi.VirtualMachineSnapshotContentSpec{
			VirtualMachineSnapshotName: ptr.To(snap.Name),
			DeletionPolicy:             snap.Spec.GetDeletionPolicy(),
			Source:                     snapshotapi.SourceSpec{VirtualMachine: captureVM(vm)},
			SourceUID:                  ptr.To(vm.UID),
			Indications:                indications(mode, plan, group),
			ExcludedVolumes:            plan.excluded,
		},
	}
	for _, v := range plan.included {
		backup := snapshotapi.VolumeBackup{
			VolumeName: v.volumeName,
			PersistentVolumeClaim: snapshotapi.PersistentVolumeClaimTemplate{
				Name:        v.claim.Name,
				Labels:      v.claim.Labels,
				Annotations: withoutKeys(v.claim.Annotations, bindingAnnotations),
				Spec:        *v.claim.Spec.DeepCopy(),
			},
			VolumeSnapshotClassName: ptr.To(v.volumeSnapshotClass),
		}
		if group.className != "" {
			// snapshot-controller names the group's VolumeSnapshots;
			// recordMembers records them once the group is cut.
			backup.VolumeGroupSnapshotName = ptr.To(VolumeGroupSnapshotName(snap.UID))
			backup.VolumeGroupSnapshotClassName = ptr.To(group.className)
		} else {
			backup.VolumeSnapshotName = ptr.To(VolumeSnapshotName(snap.UID, v.volumeName))
		}
		if v.dataVolumeName != "" {
			backup.DataVolumeName = ptr.To(v.dataVolumeName)
		}
		content.Spec.VolumeBackups = append(content.Spec.VolumeBackups, backup)
	}
	if snap.Spec.GetKeepIPAddress() == snapshotapi.KeepIPAddressAlways {
		content.Spec.NetworkIdentity = networkIdentity(vm, vmi)
	}
	for _, s := range secrets {
		content.Spec.SecretBackups = append(content.Spec.SecretBackups, snapshotapi.SecretBackup{
			Name:             s.secret.Name,
			VolumeNames:      s.volumes,
			BackupSecretName: SecretBackupName(snap.UID, s.secret.Name),
		})
	}
	return content
}

// createContent creates the content start planned, then the Secret copies.
func (c *Controller) createContent(ctx context.Context, snap *snapshotapi.VirtualMachineSnapshot,
	content *snapshotapi.VirtualMachineSnapshotContent, secrets []capturedSecret,
) (*snapshotapi.VirtualMachineSnapshotContent, error) {
	created, err := c.client.SnapshotV1alpha1().VirtualMachineSnapshotContents(snap.Namespace).Create(ctx, content, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		// Made by a sync whose answer was lost, or by another user.
		created, err = c.client.SnapshotV1alpha1().VirtualMachineSnapshotContents(snap.Namespace).Get(ctx, content.Name, metav1.GetOptions{})
		if err == nil && !ownContent(snap, created) {
			return nil, &nameConflict{kind: "VirtualMachineSnapshotContent", name: content.Name}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("creating VirtualMachineSnapshotContent %s: %w", content.Name, err)
	}
	c.createdContents.ExpectCreated(created.Namespace+"/"+created.Name, created, c.clock.Now())
	for _, s := range secrets {
		if err := c.copySecret(ctx, snap, created, s.secret); err != nil {
			return nil, err
		}
	}
	c.secretsCopied.Store(snap.UID, struct{}{})
	return created, nil
}

// contentOwners makes a snapshot the owner of a content it binds only when
// the content goes with it. A retained content must not be the snapshot's
// dependent: a foreground deletion of the snapshot (kubectl delete
// --cascade=foreground, GitOps pruning) would have the garbage collector
// delete it and its VolumeSnapshots, which Retain promised to keep. A
// content the snapshot creates starts as its dependent all the same, as the
// proof that it made it (see releaseRetainedContent).
func contentOwners(snap *snapshotapi.VirtualMachineSnapshot) []metav1.OwnerReference {
	if snap.Spec.GetDeletionPolicy() == snapshotapi.DeletionPolicyRetain {
		return nil
	}
	return []metav1.OwnerReference{*metav1.NewControllerRef(snap, snapshotapi.SchemeGroupVersion.WithKind("VirtualMachineSnapshot"))}
}

// ensureSecretCopies makes the content's Secret copies that do not exist
// yet. A copy refused once (a quota, a failed call) is made by a later sync:
// a snapshot is never Ready without the Secrets its VM needs. What it
// remembers only saves reads; after a restart it checks the API again.
func (c *Controller) ensureSecretCopies(ctx context.Context, snap *snapshotapi.VirtualMachineSnapshot, content *snapshotapi.VirtualMachineSnapshotContent) error {
	if _, done := c.secretsCopied.Load(snap.UID); done || len(content.Spec.SecretBackups) == 0 {
		return nil
	}
	for _, b := range content.Spec.SecretBackups {
		existing, err := c.kube.CoreV1().Secrets(snap.Namespace).Get(ctx, b.BackupSecretName, metav1.GetOptions{})
		if err == nil {
			if !metav1.IsControlledBy(existing, content) {
				return &nameConflict{kind: "Secret", name: existing.Name}
			}
			continue
		}
		if !apierrors.IsNotFound(err) {
			return fmt.Errorf("reading the copy %s of Secret %s: %w", b.BackupSecretName, b.Name, err)
		}
		source, err := c.kube.CoreV1().Secrets(snap.Namespace).Get(ctx, b.Name, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("reading Secret %s to copy it: %w", b.Name, err)
		}
		if err := c.copySecret(ctx, snap, content, source); err != nil {
			return err
		}
	}
	c.secretsCopied.Store(snap.UID, struct{}{})
	return nil
}

// copySecret keeps a copy of a Secret's data in a Secret owned by the content.
func (c *Controller) copySecret(ctx context.Context, snap *snapshotapi.VirtualMachineSnapshot,
	content *snapshotapi.VirtualMachineSnapshotContent, secret *corev1.Secret,
) error {
	backup := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name:      SecretBackupName(snap.UID, secret.Name),
			Namespace: snap.Namespace,
			Labels:    map[string]string{LabelSnapshotName: snap.Name},
			Annotations: map[string]string{
				"snapshot.vmsnap.io/source-secret": secret.Name,
			},
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(content,
				snapshotapi.SchemeGroupVersion.WithKind("VirtualMachineSnapshotContent"))},
		},
		Type:      secret.Type,
		Data:      secret.Data,
		Immutable: ptr.To(true),
	}
	_, err := c.kube.CoreV1().Secrets(snap.Namespace).Create(ctx, backup, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		// Made by a sync whose answer was lost, or by another user.
		existing, getErr := c.kube.CoreV1().Secrets(snap.Namespace).Get(ctx, backup.Name, metav1.GetOptions{})
		if getErr != nil {
			return fmt.Errorf("reading the copy %s of Secret %s, which exists already: %w", backup.Name, secret.Name, getErr)
		}
		if !metav1.IsControlledBy(existing, content) {
			return &nameConflict{kind: "Secret", name: backup.Name}
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("copying Secret %s: %w", secret.Name, err)
	}
	return nil
}

// captureVM keeps what a restore needs of the VM: identity, labels,
// annotations and spec; the server-populated fields and status are dropped.
func captureVM(vm *kubevirtv1.VirtualMachine) *kubevirtv1.VirtualMachine {
	return &kubevirtv1.VirtualMachine{
		TypeMeta: metav1.TypeMeta{APIVersion: kubevirtv1.SchemeGroupVersion.String(), Kind: "VirtualMachine"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        vm.Name,
			Namespace:   vm.Namespace,
			Labels:      vm.Labels,
			Annotations: withoutKeys(vm.Annotations, []string{corev1.LastAppliedConfigAnnotation}),
		},
		Spec: *vm.Spec.DeepCopy(),
	}
}

// networkIdentity records each interface's MAC (from the spec, or as the
// running instance reports it) and IP addresses.
func networkIdentity(vm *kubevirtv1.VirtualMachine, vmi *kubevirtv1.VirtualMachineInstance) []snapshotapi.InterfaceIdentity {
	if vm.Spec.Template == nil {
		return nil
	}
	reported := map[string]kubevirtv1.VirtualMachineInstanceNetworkInterface{}
	if vmi != nil {
		for _, iface := range vmi.Status.Interfaces {
			reported[iface.Name] = iface
		}
	}
	var out []snapshotapi.InterfaceIdentity
	for _, iface := range vm.Spec.Template.Spec.Domain.Devices.Interfaces {
		id := snapshotapi.InterfaceIdentity{Name: iface.Name, MACAddress: iface.MacAddress}
		if r, ok := reported[iface.Name]; ok {
			if id.MACAddress == "" {
				id.MACAddress = r.MAC
			}
			id.IPAddresses = r.IPs
			if len(id.IPAddresses) == 0 && r.IP != "" {
				id.IPAddresses = []string{r.IP}
			}
		}
		out = append(out, id)
	}
	return out
}

func withoutKeys(m map[string]string, drop []string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if !slices.Contains(drop, k) {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// boundTo reports whether a content is bound to the snapshot as its
// deletion policy wants: named by it, and owned by it only when it goes
// with it (contentOwners).
func boundTo(content *snapshotapi.VirtualMachineSnapshotContent, snap *snapshotapi.VirtualMachineSnapshot) bool {
	return ptr.Deref(content.Spec.VirtualMachineSnapshotName, "") == snap.Name &&
		content.Spec.DeletionPolicy == snap.Spec.GetDeletionPolicy() &&
		metav1.IsControlledBy(content, snap) == (snap.Spec.GetDeletionPolicy() == snapshotapi.DeletionPolicyDelete)
}

// syncBound binds a snapshot to a retained content named as its source, and
// reports Ready once the content's VolumeSnapshots are ready.
func (c *Controller) syncBound(ctx context.Context, snap *snapshotapi.VirtualMachineSnapshot, deadline controller.Deadline, now time.Time) (time.Duration, error) {
	content, err := c.contents.VirtualMachineSnapshotContents(snap.Namespace).Get(snap.Spec.Source.Name)
	if apierrors.IsNotFound(err) {
		return c.wait(snap, deadline, now, blocker{ReasonSourceNotFound,
			fmt.Sprintf("VirtualMachineSnapshotContent %s does not exist", snap.Spec.Source.Name)})
	}
	if err != nil {
		return 0, err
	}
	if content.DeletionTimestamp != nil {
		return c.wait(snap, deadline, now, blocker{ReasonContentUnbound,
			fmt.Sprintf("VirtualMachineSnapshotContent %s is being deleted", content.Name)})
	}
	if other := ptr.Deref(content.Spec.VirtualMachineSnapshotName, ""); other != "" && other != snap.Name {
		if s, err := c.snapshots.VirtualMachineSnapshots(snap.Namespace).Get(other); err == nil && s.DeletionTimestamp == nil {
			return c.wait(snap, deadline, now, blocker{ReasonContentUnbound, fmt.Sprintf(
				"VirtualMachineSnapshotContent %s is bound to snapshot %s", content.Name, other)})
		}
	}
	if !boundTo(content, snap) {
		content = content.DeepCopy()
		content.Spec.VirtualMachineSnapshotName = ptr.To(snap.Name)
		content.Spec.DeletionPolicy = snap.Spec.GetDeletionPolicy()
		content.OwnerReferences = contentOwners(snap)
		if content, err = c.client.SnapshotV1alpha1().VirtualMachineSnapshotContents(snap.Namespace).Update(ctx, content, metav1.UpdateOptions{}); err != nil {
			return c.requeueOrFail(snap, deadline, now, fmt.Errorf("binding VirtualMachineSnapshotContent %s: %w", content.Name, err))
		}
	}

	// The source UID too: an in-place restore overwrites only the VM it names.
	deriveFromContent(snap, content)
	observed, _ := c.observe(snap, content)
	if observed.allReady {
		snap.Status.Phase = snapshotapi.SnapshotReady
		snap.Status.ReadyToUse = ptr.To(true)
		snap.Status.CreationTime = content.Status.CreationTime
		if snap.Status.CreationTime == nil && observed.cut > 0 {
			snap.Status.CreationTime = ptr.To(metav1.NewTime(observed.lastCut))
		}
		snap.Status.Error = nil
		message := "bound to VirtualMachineSnapshotContent " + content.Name + "; " + readyMessage(content)
		c.setConditions(snap, now, metav1.ConditionFalse, ReasonReady, message, metav1.ConditionTrue, ReasonReady, message)
		return 0, nil
	}
	reason, message := ReasonInProgress, fmt.Sprintf("bound to VirtualMachineSnapshotContent %s; %d of %d volume snapshots ready",
		content.Name, observed.ready, len(content.Spec.VolumeBackups))
	if len(observed.missing) > 0 {
		reason, message = ReasonVolumeLost, fmt.Sprintf("VirtualMachineSnapshotContent %s lacks VolumeSnapshots %s",
			content.Name, strings.Join(observed.missing, ", "))
	}
	return c.wait(snap, deadline, now, blocker{reason, message})
}
