package restore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"
	cdiv1 "kubevirt.io/containerized-data-importer-api/pkg/apis/core/v1beta1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/controller"
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

// observation is a plan's input read from the caches and, for Secrets and
// ControllerRevisions, from the API (the controller caches neither).
type observation struct {
	planInput
	live targetState

	mu      sync.Mutex
	readErr error
}

func (o *observation) err() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.readErr
}

func (o *observation) failedRead(err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.readErr = errors.Join(o.readErr, err)
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
	o.claim = func(name string) *corev1.PersistentVolumeClaim { return c.knownClaim(ns, name) }
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
				o.failedRead(fmt.Errorf("reading Secret %s: %w", name, err))
			}
			s = nil
		}
		read[name] = s
		return s
	}
	o.revision = func(name string) *appsv1.ControllerRevision {
		rev, err := c.kube.AppsV1().ControllerRevisions(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			if !apierrors.IsNotFound(err) {
				o.failedRead(fmt.Errorf("reading ControllerRevision %s: %w", name, err))
			}
			return nil
		}
		return rev
	}
	targetKey := ""
	if o.live.vm != nil {
		targetKey = o.live.vm.Name
	}
	o.claimUsers = func(claim string) []string { return c.claimUsers(ns, claim, targetKey) }
	o.macUser = func(mac string) string { return c.macUser(mac, ns, targetKey) }
	o.persistentStateClaims = func(vmName string) []*corev1.PersistentVolumeClaim {
		claims, _ := c.claims.PersistentVolumeClaims(ns).List(everything)
		return controller.PersistentStateClaims(claims, vmName)
	}
	return o, nil
}

// --- Creating -----------------------------------------------------------------

// errNotOurs is an object of a restored name that appeared after the plan
// and was not made by this restore. The next plan reports it as a conflict.
func errNotOurs(kind, name string) error {
	return fmt.Errorf("%s %s appeared during the restore and was not created by it", kind, name)
}

// ownerRef is the reference to the restore that everything it creates
// carries: the proof, checked by UID, that its cleanup may delete them (a
// label is only an index; anyone can copy it). It is not a controller
// reference, since the VM controls some of the restored disks, and it blocks
// nothing. A Ready restore hands them over (drops the reference), so that
// deleting it cannot garbage-collect them.
func ownerRef(r *snapshotapi.VirtualMachineRestore) metav1.OwnerReference {
	return metav1.OwnerReference{
		APIVersion: snapshotapi.SchemeGroupVersion.String(), Kind: "VirtualMachineRestore", Name: r.Name, UID: r.UID,
	}
}

// ours reports whether the restore created an object: it carries the
// restore's owner reference.
func ours(r *snapshotapi.VirtualMachineRestore, obj metav1.Object) bool {
	return slices.ContainsFunc(obj.GetOwnerReferences(), func(o metav1.OwnerReference) bool { return o.UID == r.UID })
}

// createSecrets creates the Secrets of the plan that it did not find made
// already (the plan reads them from the API each sync: they are never
// cached); one that exists by now is fine only if this restore made it.
func (c *Controller) createSecrets(ctx context.Context, r *snapshotapi.VirtualMachineRestore, p *plan) error {
	for _, s := range p.secrets {
		if p.madeSecrets[s.Name] {
			continue
		}
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
		p.madeSecrets[s.Name] = true
	}
	return nil
}

// createClaim creates a restored claim; one that exists already is fine
// only if this restore made it.
func (c *Controller) createClaim(ctx context.Context, r *snapshotapi.VirtualMachineRestore, claim *corev1.PersistentVolumeClaim) error {
	if existing := c.knownClaim(r.Namespace, claim.Name); existing != nil && ours(r, existing) {
		return nil
	}
	created, err := c.kube.CoreV1().PersistentVolumeClaims(r.Namespace).Create(ctx, claim, metav1.CreateOptions{})
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
	c.createdClaims.ExpectCreated(r.Namespace+"/"+claim.Name, created, c.clock.Now())
	klog.FromContext(ctx).V(2).Info("Created restored claim", "claim", klog.KObj(claim), "volumeSnapshot", claim.Spec.DataSource.Name)
	return nil
}

// knownClaim returns a claim from the cache, or one this controller created
// that the cache does not show yet.
func (c *Controller) knownClaim(namespace, name string) *corev1.PersistentVolumeClaim {
	cached, err := c.claims.PersistentVolumeClaims(namespace).Get(name)
	claim, _ := c.createdClaims.Lookup(namespace+"/"+name, cached, err, c.clock.Now())
	return claim
}

// knownVM returns a VM from the cache, or one this controller created that
// the cache does not show yet.
func (c *Controller) knownVM(namespace, name string) *kubevirtv1.VirtualMachine {
	cached, err := c.vms.Namespace(namespace).Get(name)
	vm, _ := c.createdVMs.Lookup(namespace+"/"+name, cached, err, c.clock.Now())
	return vm
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
			dv.OwnerReferences = append(dv.OwnerReferences, *metav1.NewControllerRef(vm, kubevirtv1.VirtualMachineGroupVersionKind))
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

// cleanUp removes what an unfinished or failed restore created and releases
// the target VM: it gives back the run strategy the restore stopped it from
// and clears status.restoreInProgress. It deletes only what it can prove it
// created (ours), and keeps what a VM it did not create uses, handing it over.
// It is idempotent; it returns what it removed and what it kept.
func (c *Controller) cleanUp(ctx context.Context, r *snapshotapi.VirtualMachineRestore) (string, error) {
	if name := c.targetOf(r); name != "" && c.kubeVirtOK() {
		vm, err := c.vms.Namespace(r.Namespace).Get(name)
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			return "", fmt.Errorf("reading VirtualMachine %s: %w", name, err)
		case !ours(r, vm):
			if err := c.releaseVM(ctx, r, vm); err != nil {
				return "", err
			}
		}
	}
	used, err := c.usedByOtherVMs(r)
	if err != nil {
		return "", err
	}
	return c.settle(ctx, r, func(kind, name string) bool {
		switch kind {
		case kindVirtualMachine:
			return false
		case kindSecret:
			return used.secrets[name]
		case kindRevision:
			return used.revisions[name]
		default:
			return used.claims[name]
		}
	})
}

// handOver drops the restore's owner reference from everything it created,
// once it is Ready: the restored objects are the user's from then on, and
// deleting the restore must not garbage-collect them.
func (c *Controller) handOver(ctx context.Context, r *snapshotapi.VirtualMachineRestore) (string, error) {
	return c.settle(ctx, r, func(string, string) bool { return true })
}

// inUse is what VMs use, by kind: claims (or DataVolumes of their name),
// Secrets and instancetype ControllerRevisions.
type inUse struct {
	claims, secrets, revisions map[string]bool
}

// usedByOtherVMs is every claim (or DataVolume), Secret and ControllerRevision
// that a VM the restore did not create uses; the VMs it created are deleted
// by its cleanup.
func (c *Controller) usedByOtherVMs(r *snapshotapi.VirtualMachineRestore) (inUse, error) {
	used := inUse{claims: map[string]bool{}, secrets: map[string]bool{}, revisions: map[string]bool{}}
	if !c.kubeVirtOK() {
		return inUse{}, fmt.Errorf("the KubeVirt API is not served or not synced: which VMs use the restored disks is unknown")
	}
	vms, err := c.vms.Namespace(r.Namespace).List(everything)
	if err != nil {
		return inUse{}, fmt.Errorf("listing VirtualMachines: %w", err)
	}
	var all []*corev1.PersistentVolumeClaim
	for _, vm := range vms {
		if ours(r, vm) {
			continue
		}
		maps.Copy(used.claims, claimsOf(vm))
		maps.Copy(used.secrets, secretsOf(vm))
		maps.Copy(used.revisions, revisionsOf(vm))
		if all == nil {
			if all, err = c.claims.PersistentVolumeClaims(r.Namespace).List(everything); err != nil {
				return inUse{}, fmt.Errorf("listing PersistentVolumeClaims: %w", err)
			}
		}
		// A backend-storage claim is used by the VM KubeVirt finds it for;
		// one restored in place is labelled for it only after the commit.
		for _, claim := range controller.PersistentStateClaims(all, vm.Name) {
			used.claims[claim.Name] = true
		}
	}
	return used, nil
}

// settle deletes each object the restore created, or hands it over (drops
// the restore's owner reference) when keep says so. Objects that carry the
// restore's label without its owner reference were not provably made by it
// and are left alone. Secrets, which the controller may not delete, are left
// to the garbage collector, which removes them with the restore. It returns
// a summary for the CleanedUp condition.
func (c *Controller) settle(ctx context.Context, r *snapshotapi.VirtualMachineRestore, keep func(kind, name string) bool) (string, error) {
	var s settled
	var errs []error
	for _, k := range c.createdKinds() {
		objs, err := k.find(ctx, r)
		if err != nil {
			errs = append(errs, fmt.Errorf("finding the %ss of the restore: %w", k.kind, err))
			continue
		}
		for _, obj := range objs {
			name := k.kind + " " + obj.GetName()
			switch {
			case !ours(r, obj) || obj.GetDeletionTimestamp() != nil:
			case keep(k.kind, obj.GetName()):
				s.kept = append(s.kept, name)
				if err := ignoreNotFound(k.disown(ctx, obj, r)); err != nil {
					errs = append(errs, fmt.Errorf("handing over %s: %w", name, err))
				}
			case k.delete == nil:
				s.collected = append(s.collected, name)
			default:
				s.removed = append(s.removed, name)
				if err := ignoreNotFound(k.delete(ctx, obj.GetNamespace(), obj.GetName(), preconditions(obj.GetUID()))); err != nil {
					errs = append(errs, fmt.Errorf("deleting %s: %w", name, err))
				}
			}
		}
	}
	return s.summary(), errors.Join(errs...)
}

// settled is what settle did with the objects a restore created.
type settled struct {
	removed   []string
	kept      []string
	collected []string
}

func (s settled) summary() string {
	parts := []string{}
	if len(s.removed) > 0 {
		parts = append(parts, "removed "+strings.Join(s.removed, ", "))
	}
	if len(s.collected) > 0 {
		parts = append(parts, "left to be removed with the restore by the garbage collector: "+strings.Join(s.collected, ", "))
	}
	if len(s.kept) > 0 {
		parts = append(parts, "handed over, in use or restored: "+strings.Join(s.kept, ", "))
	}
	if len(parts) == 0 {
		return "nothing the restore created was left"
	}
	return strings.Join(parts, "; ")
}

// disownPatch removes the restore's owner reference, after testing that it
// is still where it was listed, so that a concurrent change of the
// references fails instead of losing another owner.
func disownPatch(obj metav1.Object, uid types.UID) []byte {
	i := slices.IndexFunc(obj.GetOwnerReferences(), func(o metav1.OwnerReference) bool { return o.UID == uid })
	path := fmt.Sprintf("/metadata/ownerReferences/%d", i)
	patch, err := json.Marshal([]map[string]interface{}{
		{"op": "test", "path": path + "/uid", "value": uid},
		{"op": "remove", "path": path},
	})
	if err != nil {
		// Strings always marshal.
		panic(err)
	}
	return patch
}

// createdKind is one kind of object a restore creates, as settle finds,
// deletes and hands it over. It reads from the API, not the caches:
// settling happens once, and must see what the last sync created.
type createdKind struct {
	kind string
	// find returns the objects of the kind that the restore may have made;
	// settle then checks each one's owner reference.
	find func(ctx context.Context, r *snapshotapi.VirtualMachineRestore) ([]metav1.Object, error)
	// delete is nil for Secrets, which the controller may not delete.
	delete func(ctx context.Context, namespace, name string, opts metav1.DeleteOptions) error
	// disown drops the restore's owner reference.
	disown func(ctx context.Context, obj metav1.Object, r *snapshotapi.VirtualMachineRestore) error
}

func (c *Controller) createdKinds() []createdKind {
	kinds := []createdKind{{
		kind: kindClaim,
		find: byLabel(func(ctx context.Context, ns string, opts metav1.ListOptions) (runtime.Object, error) {
			return c.kube.CoreV1().PersistentVolumeClaims(ns).List(ctx, opts)
		}),
		delete: func(ctx context.Context, ns, name string, opts metav1.DeleteOptions) error {
			return c.kube.CoreV1().PersistentVolumeClaims(ns).Delete(ctx, name, opts)
		},
		disown: func(ctx context.Context, obj metav1.Object, r *snapshotapi.VirtualMachineRestore) error {
			_, err := c.kube.CoreV1().PersistentVolumeClaims(obj.GetNamespace()).Patch(ctx, obj.GetName(), types.JSONPatchType,
				disownPatch(obj, r.UID), metav1.PatchOptions{})
			return err
		},
	}, {
		kind: kindSecret,
		find: c.byName(kindSecret, contentSecretNames, func(ctx context.Context, ns, name string) (metav1.Object, error) {
			return c.kube.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
		}),
		disown: func(ctx context.Context, obj metav1.Object, r *snapshotapi.VirtualMachineRestore) error {
			_, err := c.kube.CoreV1().Secrets(obj.GetNamespace()).Patch(ctx, obj.GetName(), types.JSONPatchType,
				disownPatch(obj, r.UID), metav1.PatchOptions{})
			return err
		},
	}}
	kinds = append(kinds, createdKind{
		kind: kindRevision,
		find: c.byName(kindRevision, contentRevisionNames, func(ctx context.Context, ns, name string) (metav1.Object, error) {
			return c.kube.AppsV1().ControllerRevisions(ns).Get(ctx, name, metav1.GetOptions{})
		}),
		delete: func(ctx context.Context, ns, name string, opts metav1.DeleteOptions) error {
			return c.kube.AppsV1().ControllerRevisions(ns).Delete(ctx, name, opts)
		},
		disown: func(ctx context.Context, obj metav1.Object, r *snapshotapi.VirtualMachineRestore) error {
			_, err := c.kube.AppsV1().ControllerRevisions(obj.GetNamespace()).Patch(ctx, obj.GetName(), types.JSONPatchType,
				disownPatch(obj, r.UID), metav1.PatchOptions{})
			return err
		},
	})
	if c.kubeVirtOK() {
		kinds = append(kinds, createdKind{
			kind: kindVirtualMachine,
			find: byLabel(func(ctx context.Context, ns string, opts metav1.ListOptions) (runtime.Object, error) {
				return c.kubevirt.KubevirtV1().VirtualMachines(ns).List(ctx, opts)
			}),
			delete: func(ctx context.Context, ns, name string, opts metav1.DeleteOptions) error {
				return c.kubevirt.KubevirtV1().VirtualMachines(ns).Delete(ctx, name, opts)
			},
			disown: func(ctx context.Context, obj metav1.Object, r *snapshotapi.VirtualMachineRestore) error {
				// The controller may update VMs, not patch them; the update
				// carries the resourceVersion that was listed.
				vm := obj.(*kubevirtv1.VirtualMachine).DeepCopy()
				vm.OwnerReferences = slices.DeleteFunc(vm.OwnerReferences, func(o metav1.OwnerReference) bool { return o.UID == r.UID })
				_, err := c.kubevirt.KubevirtV1().VirtualMachines(vm.Namespace).Update(ctx, vm, metav1.UpdateOptions{})
				return err
			},
		})
	}
	if c.dataVolumesOK() {
		kinds = append(kinds, createdKind{
			kind: kindDataVolume,
			find: byLabel(func(ctx context.Context, ns string, opts metav1.ListOptions) (runtime.Object, error) {
				return c.cdi.CdiV1beta1().DataVolumes(ns).List(ctx, opts)
			}),
			delete: func(ctx context.Context, ns, name string, opts metav1.DeleteOptions) error {
				return c.cdi.CdiV1beta1().DataVolumes(ns).Delete(ctx, name, opts)
			},
			disown: func(ctx context.Context, obj metav1.Object, r *snapshotapi.VirtualMachineRestore) error {
				_, err := c.cdi.CdiV1beta1().DataVolumes(obj.GetNamespace()).Patch(ctx, obj.GetName(), types.JSONPatchType,
					disownPatch(obj, r.UID), metav1.PatchOptions{})
				return err
			},
		})
	}
	return kinds
}

// byLabel finds the objects of a kind that carry the restore's label; the
// label narrows the list, the owner reference then proves each one.
func byLabel(list func(ctx context.Context, namespace string, opts metav1.ListOptions) (runtime.Object, error)) func(context.Context, *snapshotapi.VirtualMachineRestore) ([]metav1.Object, error) {
	return func(ctx context.Context, r *snapshotapi.VirtualMachineRestore) ([]metav1.Object, error) {
		selector := labels.SelectorFromSet(labels.Set{LabelRestoreUID: string(r.UID)}).String()
		list, err := list(ctx, r.Namespace, metav1.ListOptions{LabelSelector: selector})
		if err != nil {
			return nil, err
		}
		items, err := apimeta.ExtractList(list)
		if err != nil {
			return nil, err
		}
		out := make([]metav1.Object, 0, len(items))
		for _, item := range items {
			obj, err := apimeta.Accessor(item)
			if err != nil {
				return nil, err
			}
			out = append(out, obj)
		}
		return out, nil
	}
}

// byName finds, one by one, the objects of a kind the controller may not
// list that a restore may have made: those its status names, and those its
// snapshot's content has it create (fromContent). One made just before a
// crash that neither names is still removed with the restore, by the
// garbage collector, since it carries the restore's owner reference.
func (c *Controller) byName(kind string, fromContent func(*snapshotapi.VirtualMachineRestore, *snapshotapi.VirtualMachineSnapshotContent) []string,
	get func(ctx context.Context, namespace, name string) (metav1.Object, error),
) func(context.Context, *snapshotapi.VirtualMachineRestore) ([]metav1.Object, error) {
	return func(ctx context.Context, r *snapshotapi.VirtualMachineRestore) ([]metav1.Object, error) {
		var out []metav1.Object
		for _, name := range restoredNames(r, kind, c.contentOf(r), fromContent) {
			obj, err := get(ctx, r.Namespace, name)
			switch {
			case apierrors.IsNotFound(err):
			case err != nil:
				return nil, fmt.Errorf("reading %s %s: %w", kind, name, err)
			default:
				out = append(out, obj)
			}
		}
		return out, nil
	}
}

// restoredNames is every name of a kind a restore's status lists and, when
// its content is known, every name the content has it create.
func restoredNames(r *snapshotapi.VirtualMachineRestore, kind string, content *snapshotapi.VirtualMachineSnapshotContent,
	fromContent func(*snapshotapi.VirtualMachineRestore, *snapshotapi.VirtualMachineSnapshotContent) []string,
) []string {
	var out []string
	for _, res := range r.Status.Resources {
		if res.Kind == kind {
			out = append(out, res.Name)
		}
	}
	if content != nil {
		out = append(out, fromContent(r, content)...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// secretNames is every Secret name a restore may have created.
func secretNames(r *snapshotapi.VirtualMachineRestore, content *snapshotapi.VirtualMachineSnapshotContent) []string {
	return restoredNames(r, kindSecret, content, contentSecretNames)
}

// contentSecretNames are the names the content's Secret copies restore to.
func contentSecretNames(r *snapshotapi.VirtualMachineRestore, content *snapshotapi.VirtualMachineSnapshotContent) []string {
	n := names{&r.Spec}
	var out []string
	for _, sb := range content.Spec.SecretBackups {
		out = append(out, n.secret(sb.Name))
	}
	return out
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
	content := c.contentOf(r)
	if content == nil || content.Spec.Source.VirtualMachine == nil {
		return targetName(r, "")
	}
	return targetName(r, content.Spec.Source.VirtualMachine.Name)
}

// contentOf is the content of the restore's snapshot, from the caches, or
// nil when either is gone.
func (c *Controller) contentOf(r *snapshotapi.VirtualMachineRestore) *snapshotapi.VirtualMachineSnapshotContent {
	snap, err := c.snapshots.VirtualMachineSnapshots(r.Namespace).Get(r.Spec.VirtualMachineSnapshotName)
	if err != nil {
		return nil
	}
	content, err := c.contents.VirtualMachineSnapshotContents(r.Namespace).Get(ptr.Deref(snap.Status.VirtualMachineSnapshotContentName, ""))
	if err != nil {
		return nil
	}
	return content
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
		case v.Sysprep != nil:
			add(v.Sysprep.Secret)
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
