package restore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"
	cdiv1 "kubevirt.io/containerized-data-importer-api/pkg/apis/core/v1beta1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
)

// targetState is the live target VM and its instance.
type targetState struct {
	vm  *kubevirtv1.VirtualMachine
	vmi *kubevirtv1.VirtualMachineInstance
	// running: the VM has an instance, in whatever phase.
	running bool
	// recorded: the restore's status names this VM already, so that a
	// cleanup after a lost write or a crash finds it.
	recorded bool
}

// observation is a plan's input read from the caches and, for Secrets, from
// the API (the controller does not cache every Secret of the cluster).
type observation struct {
	planInput
	live targetState

	mu        sync.Mutex
	secretErr error
}

func (o *observation) err() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.secretErr
}

// planInputs reads what the plan of a restore is computed from.
func (c *Controller) planInputs(ctx context.Context, r *snapshotapi.VirtualMachineRestore, snap *snapshotapi.VirtualMachineSnapshot,
	content *snapshotapi.VirtualMachineSnapshotContent,
) (*observation, error) {
	ns := r.Namespace
	o := &observation{planInput: planInput{restore: r, snapshot: snap, content: content}}
	if source := content.Spec.Source.VirtualMachine; source != nil {
		name := targetName(r, source.Name)
		o.live.recorded = ptr.Deref(r.Status.TargetName, "") == name
		vm, err := c.vms.Namespace(ns).Get(name)
		switch {
		case err == nil:
			o.target, o.live.vm = vm, vm
		case !apierrors.IsNotFound(err):
			return nil, fmt.Errorf("reading VirtualMachine %s: %w", name, err)
		}
		vmi, err := c.vmis.Namespace(ns).Get(name)
		switch {
		case err == nil:
			o.live.vmi, o.live.running = vmi, true
		case !apierrors.IsNotFound(err):
			return nil, fmt.Errorf("reading VirtualMachineInstance %s: %w", name, err)
		}
	}
	o.volumeSnapshot = func(name string) *snapshotv1.VolumeSnapshot {
		vs, _ := c.volumeSnapshots.VolumeSnapshots(ns).Get(name)
		return vs
	}
	o.claim = func(name string) *corev1.PersistentVolumeClaim {
		claim, _ := c.claims.PersistentVolumeClaims(ns).Get(name)
		return claim
	}
	if c.dataVolumesOK() {
		o.dataVolume = func(name string) *cdiv1.DataVolume {
			dv, _ := c.dataVolumes.Namespace(ns).Get(name)
			return dv
		}
	}
	read := map[string]*corev1.Secret{}
	o.secret = func(name string) *corev1.Secret {
		if s, ok := read[name]; ok {
			return s
		}
		s, err := c.kube.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			if !apierrors.IsNotFound(err) {
				o.mu.Lock()
				o.secretErr = errors.Join(o.secretErr, fmt.Errorf("reading Secret %s: %w", name, err))
				o.mu.Unlock()
			}
			s = nil
		}
		read[name] = s
		return s
	}
	targetKey := ""
	if o.live.vm != nil {
		targetKey = o.live.vm.Name
	}
	o.claimUsers = func(claim string) []string { return c.claimUsers(ns, claim, targetKey) }
	o.macUser = func(mac string) string {
		vmis, _ := c.vmis.Namespace(ns).List(everything)
		for _, vmi := range vmis {
			if vmi.Name == targetKey {
				continue
			}
			for _, iface := range vmi.Status.Interfaces {
				if strings.EqualFold(iface.MAC, mac) {
					return vmi.Name
				}
			}
		}
		return ""
	}
	return o, nil
}

// --- Creating -----------------------------------------------------------------

// errNotOurs is an object of a restored name that appeared after the plan
// and was not made by this restore. The next plan reports it as a conflict.
func errNotOurs(kind, name string) error {
	return fmt.Errorf("%s %s appeared during the restore and was not created by it", kind, name)
}

func ours(r *snapshotapi.VirtualMachineRestore, obj metav1.Object) bool {
	return obj.GetLabels()[LabelRestoreUID] == string(r.UID)
}

// createSecrets creates the Secrets of the plan; one that exists already is
// fine only if this restore made it.
func (c *Controller) createSecrets(ctx context.Context, r *snapshotapi.VirtualMachineRestore, p *plan) error {
	for _, s := range p.secrets {
		_, err := c.kube.CoreV1().Secrets(r.Namespace).Create(ctx, s, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			existing, getErr := c.kube.CoreV1().Secrets(r.Namespace).Get(ctx, s.Name, metav1.GetOptions{})
			if getErr != nil {
				return fmt.Errorf("reading Secret %s, which exists already: %w", s.Name, getErr)
			}
			if !ours(r, existing) {
				return errNotOurs(kindSecret, s.Name)
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("creating Secret %s: %w", s.Name, err)
		}
	}
	return nil
}

// createClaim creates a restored claim; one that exists already is fine
// only if this restore made it.
func (c *Controller) createClaim(ctx context.Context, r *snapshotapi.VirtualMachineRestore, claim *corev1.PersistentVolumeClaim) error {
	if existing, err := c.claims.PersistentVolumeClaims(r.Namespace).Get(claim.Name); err == nil && ours(r, existing) {
		return nil
	}
	_, err := c.kube.CoreV1().PersistentVolumeClaims(r.Namespace).Create(ctx, claim, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		existing, getErr := c.kube.CoreV1().PersistentVolumeClaims(r.Namespace).Get(ctx, claim.Name, metav1.GetOptions{})
		if getErr != nil {
			return fmt.Errorf("reading PersistentVolumeClaim %s, which exists already: %w", claim.Name, getErr)
		}
		if !ours(r, existing) {
			return errNotOurs(kindClaim, claim.Name)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("creating PersistentVolumeClaim %s: %w", claim.Name, err)
	}
	klog.FromContext(ctx).V(2).Info("Created restored claim", "claim", klog.KObj(claim), "volumeSnapshot", claim.Spec.DataSource.Name)
	return nil
}

// createDataVolumes creates the DataVolumes that adopt restored claims; those
// of the VM's dataVolumeTemplates are controlled by the VM, as KubeVirt
// would make them.
func (c *Controller) createDataVolumes(ctx context.Context, r *snapshotapi.VirtualMachineRestore, p *plan, vm *kubevirtv1.VirtualMachine) error {
	for _, step := range p.dataVolumes {
		dv := step.dataVolume.DeepCopy()
		if existing, err := c.dataVolumes.Namespace(r.Namespace).Get(dv.Name); err == nil && ours(r, existing) {
			continue
		}
		if step.ownedByVM {
			dv.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(vm, kubevirtv1.VirtualMachineGroupVersionKind)}
		}
		_, err := c.cdi.CdiV1beta1().DataVolumes(r.Namespace).Create(ctx, dv, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			existing, getErr := c.cdi.CdiV1beta1().DataVolumes(r.Namespace).Get(ctx, dv.Name, metav1.GetOptions{})
			if getErr != nil {
				return fmt.Errorf("reading DataVolume %s, which exists already: %w", dv.Name, getErr)
			}
			if !ours(r, existing) && !metav1.IsControlledBy(existing, vm) {
				return errNotOurs(kindDataVolume, dv.Name)
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("creating DataVolume %s: %w", dv.Name, err)
		}
	}
	return nil
}

// stopped gives a VM the run strategy Halted. The restored spec of a new VM
// may still say running: true or false; a run strategy alone is valid.
func stopped(spec *kubevirtv1.VirtualMachineSpec) {
	spec.Running = nil
	spec.RunStrategy = ptr.To(kubevirtv1.RunStrategyHalted)
}

// --- Cleaning up ----------------------------------------------------------------

// cleanUp removes what an unfinished or failed restore created, except what
// the target VM uses, and releases the VM: it gives back the run strategy
// the restore stopped it from and clears status.restoreInProgress. A VM the
// restore created is deleted. It is idempotent: a Failed restore runs it on
// every sync until nothing is left.
func (c *Controller) cleanUp(ctx context.Context, r *snapshotapi.VirtualMachineRestore) error {
	inUse := map[string]bool{}
	secretsInUse := map[string]bool{}
	if name := c.targetOf(r); name != "" && c.kubeVirtOK() {
		vm, err := c.vms.Namespace(r.Namespace).Get(name)
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			return err
		case ours(r, vm):
			if err := c.deleteVM(ctx, vm); err != nil {
				return err
			}
		default:
			inUse, secretsInUse = claimsOf(vm), secretsOf(vm)
			if err := c.releaseVM(ctx, r, vm); err != nil {
				return err
			}
		}
	}
	selector := labels.SelectorFromSet(labels.Set{LabelRestoreUID: string(r.UID)})
	var errs []error
	claims, _ := c.claims.PersistentVolumeClaims(r.Namespace).List(selector)
	for _, claim := range claims {
		if !inUse[claim.Name] && claim.DeletionTimestamp == nil {
			errs = append(errs, ignoreNotFound(c.kube.CoreV1().PersistentVolumeClaims(r.Namespace).Delete(ctx, claim.Name, preconditions(claim.UID))))
		}
	}
	if c.dataVolumesOK() {
		dvs, _ := c.dataVolumes.Namespace(r.Namespace).List(selector)
		for _, dv := range dvs {
			if !inUse[dv.Name] && dv.DeletionTimestamp == nil {
				errs = append(errs, ignoreNotFound(c.cdi.CdiV1beta1().DataVolumes(r.Namespace).Delete(ctx, dv.Name, preconditions(dv.UID))))
			}
		}
	}
	secrets, err := c.kube.CoreV1().Secrets(r.Namespace).List(ctx, metav1.ListOptions{LabelSelector: selector.String()})
	if err != nil {
		return err
	}
	for _, s := range secrets.Items {
		if !secretsInUse[s.Name] {
			errs = append(errs, ignoreNotFound(c.kube.CoreV1().Secrets(r.Namespace).Delete(ctx, s.Name, preconditions(s.UID))))
		}
	}
	return errors.Join(errs...)
}

// targetOf names the VM a restore writes: the one its status recorded;
// else the one its spec and snapshot name, or the one it locked, since the
// status write that would have named it may have been lost.
func (c *Controller) targetOf(r *snapshotapi.VirtualMachineRestore) string {
	if name := ptr.Deref(r.Status.TargetName, ""); name != "" {
		return name
	}
	if name := c.targetFromSnapshot(r); name != "" {
		return name
	}
	vms, _ := c.vms.Namespace(r.Namespace).List(everything)
	for _, vm := range vms {
		if ptr.Deref(vm.Status.RestoreInProgress, "") == r.Name {
			return vm.Name
		}
	}
	return ""
}

func (c *Controller) targetFromSnapshot(r *snapshotapi.VirtualMachineRestore) string {
	snap, err := c.snapshots.VirtualMachineSnapshots(r.Namespace).Get(r.Spec.VirtualMachineSnapshotName)
	if err != nil {
		return targetName(r, "")
	}
	content, err := c.contents.VirtualMachineSnapshotContents(r.Namespace).Get(ptr.Deref(snap.Status.VirtualMachineSnapshotContentName, ""))
	if err != nil || content.Spec.Source.VirtualMachine == nil {
		return targetName(r, "")
	}
	return targetName(r, content.Spec.Source.VirtualMachine.Name)
}

func (c *Controller) deleteVM(ctx context.Context, vm *kubevirtv1.VirtualMachine) error {
	if vm.DeletionTimestamp != nil {
		return nil
	}
	return ignoreNotFound(c.kubevirt.KubevirtV1().VirtualMachines(vm.Namespace).Delete(ctx, vm.Name, preconditions(vm.UID)))
}

func preconditions(uid types.UID) metav1.DeleteOptions {
	return metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}}
}

func ignoreNotFound(err error) error {
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// secretsOf is every Secret a VM's spec refers to.
func secretsOf(vm *kubevirtv1.VirtualMachine) map[string]bool {
	out := map[string]bool{}
	if vm.Spec.Template == nil {
		return out
	}
	add := func(ref *corev1.LocalObjectReference) {
		if ref != nil {
			out[ref.Name] = true
		}
	}
	for _, v := range vm.Spec.Template.Spec.Volumes {
		switch {
		case v.CloudInitNoCloud != nil:
			add(v.CloudInitNoCloud.UserDataSecretRef)
			add(v.CloudInitNoCloud.NetworkDataSecretRef)
		case v.CloudInitConfigDrive != nil:
			add(v.CloudInitConfigDrive.UserDataSecretRef)
			add(v.CloudInitConfigDrive.NetworkDataSecretRef)
		case v.Secret != nil:
			out[v.Secret.SecretName] = true
		}
	}
	for _, ac := range vm.Spec.Template.Spec.AccessCredentials {
		if k := ac.SSHPublicKey; k != nil && k.Source.Secret != nil {
			out[k.Source.Secret.SecretName] = true
		}
		if pw := ac.UserPassword; pw != nil && pw.Source.Secret != nil {
			out[pw.Source.Secret.SecretName] = true
		}
	}
	return out
}
