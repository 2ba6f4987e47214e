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

package framework

import (
	"context"
	"fmt"
	"strings"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/tests/framework/cluster"
)

// RestoreOption sets a field of a VirtualMachineRestore's spec.
type RestoreOption func(*snapshotapi.VirtualMachineRestoreSpec)

// RestoreTarget sets spec.target to the VM name.
func RestoreTarget(vmName string) RestoreOption {
	return func(s *snapshotapi.VirtualMachineRestoreSpec) {
		s.Target = &corev1.TypedLocalObjectReference{APIGroup: ptr.To("kubevirt.io"), Kind: "VirtualMachine", Name: vmName}
	}
}

// Rename adds a nameReplacement; kind may be empty to match any kind.
func Rename(kind, from, to string) RestoreOption {
	return func(s *snapshotapi.VirtualMachineRestoreSpec) {
		s.NameReplacements = append(s.NameReplacements, snapshotapi.NameReplacement{
			From: snapshotapi.NameReplacementSource{Kind: kind, Name: from}, To: to,
		})
	}
}

// WithRestoreMode sets spec.mode.
func WithRestoreMode(m snapshotapi.RestoreMode) RestoreOption {
	return func(s *snapshotapi.VirtualMachineRestoreSpec) { s.Mode = m }
}

// WithReadinessPolicy sets spec.targetReadinessPolicy.
func WithReadinessPolicy(p snapshotapi.TargetReadinessPolicy) RestoreOption {
	return func(s *snapshotapi.VirtualMachineRestoreSpec) { s.TargetReadinessPolicy = p }
}

// WithVolumeRestorePolicy sets spec.volumeRestorePolicy.
func WithVolumeRestorePolicy(p snapshotapi.VolumeRestorePolicy) RestoreOption {
	return func(s *snapshotapi.VirtualMachineRestoreSpec) { s.VolumeRestorePolicy = p }
}

// RestoreDeadline sets spec.failureDeadline.
func RestoreDeadline(d time.Duration) RestoreOption {
	return func(s *snapshotapi.VirtualMachineRestoreSpec) { s.FailureDeadline = &metav1.Duration{Duration: d} }
}

// WithKeepIPAddress sets a snapshot's spec.keepIPAddress.
func WithKeepIPAddress(p snapshotapi.KeepIPAddressPolicy) SnapshotOption {
	return func(s *snapshotapi.VirtualMachineSnapshotSpec) { s.KeepIPAddress = p }
}

// WithHotplugDisk adds a disk named volume on a new claim <vm>-<volume> of
// the default StorageClass, as KubeVirt records a persistent hotplug in the
// VM spec: a hotpluggable claim volume on a SCSI disk.
func WithHotplugDisk(volume string) VMOption {
	return func(b *vmBuild) {
		claim := ClaimName(b.vm.Name, volume)
		b.claims = append(b.claims, claimToMake{claim, cluster.StorageClassName})
		spec := &b.vm.Spec.Template.Spec
		spec.Volumes = append(spec.Volumes, kubevirtv1.Volume{Name: volume, VolumeSource: kubevirtv1.VolumeSource{
			PersistentVolumeClaim: &kubevirtv1.PersistentVolumeClaimVolumeSource{
				PersistentVolumeClaimVolumeSource: corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim},
				Hotpluggable:                      true,
			},
		}})
		spec.Domain.Devices.Disks = append(spec.Domain.Devices.Disks, kubevirtv1.Disk{Name: volume,
			DiskDevice: kubevirtv1.DiskDevice{Disk: &kubevirtv1.DiskTarget{Bus: kubevirtv1.DiskBusSCSI}}})
	}
}

// NewRestore returns, without creating it, a restore of the snapshot in the
// test's namespace.
func (f *Framework) NewRestore(name, snapshotName string, opts ...RestoreOption) *snapshotapi.VirtualMachineRestore {
	r := &snapshotapi.VirtualMachineRestore{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: f.Namespace},
		Spec:       snapshotapi.VirtualMachineRestoreSpec{VirtualMachineSnapshotName: snapshotName},
	}
	for _, opt := range opts {
		opt(&r.Spec)
	}
	return r
}

// CreateRestore creates a restore of the snapshot.
func (f *Framework) CreateRestore(name, snapshotName string, opts ...RestoreOption) *snapshotapi.VirtualMachineRestore {
	f.t.Helper()
	created, err := f.VMSnap.SnapshotV1alpha1().VirtualMachineRestores(f.Namespace).Create(f.ctx, f.NewRestore(name, snapshotName, opts...), metav1.CreateOptions{})
	if err != nil {
		f.t.Fatalf("creating VirtualMachineRestore %s: %v", name, err)
	}
	return created
}

// GetRestore reads a restore of the test's namespace.
func (f *Framework) GetRestore(name string) *snapshotapi.VirtualMachineRestore {
	f.t.Helper()
	r, err := f.VMSnap.SnapshotV1alpha1().VirtualMachineRestores(f.Namespace).Get(f.ctx, name, metav1.GetOptions{})
	if err != nil {
		f.t.Fatalf("reading VirtualMachineRestore %s: %v", name, err)
	}
	return r
}

// DeleteRestore deletes a restore; its cleanup is the controller's.
func (f *Framework) DeleteRestore(name string) {
	f.t.Helper()
	if err := f.VMSnap.SnapshotV1alpha1().VirtualMachineRestores(f.Namespace).Delete(f.ctx, name, metav1.DeleteOptions{}); err != nil {
		f.t.Fatalf("deleting VirtualMachineRestore %s: %v", name, err)
	}
}

// WaitForRestore waits until ok holds for the restore; want says what ok
// checks, for the failure message.
func (f *Framework) WaitForRestore(name, want string, timeout time.Duration, ok func(*snapshotapi.VirtualMachineRestore) bool) *snapshotapi.VirtualMachineRestore {
	f.t.Helper()
	return waitForObject(f, "vmrestore "+f.Namespace+"/"+name, want, timeout, f.restoreGetter(name), DescribeRestore, ok)
}

func (f *Framework) restoreGetter(name string) func(context.Context) (*snapshotapi.VirtualMachineRestore, error) {
	return func(ctx context.Context) (*snapshotapi.VirtualMachineRestore, error) {
		return f.VMSnap.SnapshotV1alpha1().VirtualMachineRestores(f.Namespace).Get(ctx, name, metav1.GetOptions{})
	}
}

// WaitForRestorePhase waits until the restore reaches phase.
func (f *Framework) WaitForRestorePhase(name string, phase snapshotapi.RestorePhase, timeout time.Duration) *snapshotapi.VirtualMachineRestore {
	f.t.Helper()
	return f.WaitForRestore(name, "phase "+string(phase), timeout, func(r *snapshotapi.VirtualMachineRestore) bool {
		return r.Status.Phase == phase
	})
}

// WaitForRestoreCondition waits until the restore's condition of type
// conditionType has the status and reason.
func (f *Framework) WaitForRestoreCondition(name, conditionType string, status metav1.ConditionStatus, reason string, timeout time.Duration) *snapshotapi.VirtualMachineRestore {
	f.t.Helper()
	want := fmt.Sprintf("condition %s=%s with reason %s", conditionType, status, reason)
	return f.WaitForRestore(name, want, timeout, func(r *snapshotapi.VirtualMachineRestore) bool {
		c := meta.FindStatusCondition(r.Status.Conditions, conditionType)
		return c != nil && c.Status == status && c.Reason == reason
	})
}

// WaitForRestoreGone waits until the restore is deleted, finalizer and all.
func (f *Framework) WaitForRestoreGone(name string) {
	f.t.Helper()
	waitForObjectGone(f, "vmrestore "+f.Namespace+"/"+name, f.restoreGetter(name), DescribeRestore)
}

// DescribeRestore renders a VirtualMachineRestore's status.
func DescribeRestore(r *snapshotapi.VirtualMachineRestore) string {
	st := r.Status
	parts := []string{
		"phase " + orUnset(string(st.Phase)),
		"complete=" + boolOrUnset(st.Complete),
		"target " + ptrOr(st.TargetName, "<unset>"),
		"conditions: " + DescribeConditions(st.Conditions),
	}
	if len(st.Resources) > 0 {
		res := make([]string, 0, len(st.Resources))
		for _, x := range st.Resources {
			res = append(res, fmt.Sprintf("%s %s %s", x.Kind, x.Name, x.Result))
		}
		parts = append(parts, "resources: "+strings.Join(res, ", "))
	}
	if st.Error != nil && st.Error.Message != nil {
		parts = append(parts, fmt.Sprintf("error: %q", *st.Error.Message))
	}
	if r.DeletionTimestamp != nil {
		parts = append(parts, fmt.Sprintf("deleting, finalizers %v", r.Finalizers))
	}
	return strings.Join(parts, ", ")
}

// DescribeRestores renders the restores of the test's namespace, one a
// line, for the log of a failed test.
func (f *Framework) DescribeRestores(ctx context.Context) string {
	list, err := f.VMSnap.SnapshotV1alpha1().VirtualMachineRestores(f.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return "listing vmrestores: " + err.Error()
	}
	var b strings.Builder
	for i := range list.Items {
		fmt.Fprintf(&b, "  vmrestore %s: %s\n", list.Items[i].Name, DescribeRestore(&list.Items[i]))
	}
	return b.String()
}

// DeleteVMI plays KubeVirt stopping a VM whose run strategy someone else
// set to Halted: the instance is deleted, and the wait ends once it is gone.
func (f *Framework) DeleteVMI(name string) {
	f.t.Helper()
	if err := f.KubeVirt.KubevirtV1().VirtualMachineInstances(f.Namespace).Delete(f.ctx, name, metav1.DeleteOptions{}); err != nil {
		f.t.Fatalf("deleting VirtualMachineInstance %s: %v", name, err)
	}
	f.WaitForGone("virtualmachineinstance "+f.Namespace+"/"+name, func(ctx context.Context) (string, error) {
		vmi, err := f.KubeVirt.KubevirtV1().VirtualMachineInstances(f.Namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return "", err
		}
		return DescribeVMI(vmi), nil
	})
}

// UpdateVM reads a VM, lets mutate change it and writes it back, retrying
// on conflicts with the controller's writes.
func (f *Framework) UpdateVM(name string, mutate func(*kubevirtv1.VirtualMachine)) *kubevirtv1.VirtualMachine {
	f.t.Helper()
	var updated *kubevirtv1.VirtualMachine
	f.Eventually("virtualmachine "+f.Namespace+"/"+name, "an update without conflict", DefaultTimeout, func(ctx context.Context) (bool, string, error) {
		vm, err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		mutate(vm)
		updated, err = f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).Update(ctx, vm, metav1.UpdateOptions{})
		return err == nil, "", err
	})
	return updated
}

// OwnClaimByVM makes a VM the controller of one of its claims, as KubeVirt
// does for the claims of its dataVolumeTemplates.
// The claim may just have been bound: the binder's write can come between
// the read and the update, which is then read and tried again.
func (f *Framework) OwnClaimByVM(claimName string, vm *kubevirtv1.VirtualMachine) {
	f.t.Helper()
	f.Eventually("persistentvolumeclaim "+f.Namespace+"/"+claimName, "owned by VirtualMachine "+vm.Name+" (an update without conflict)", DefaultTimeout,
		func(ctx context.Context) (bool, string, error) {
			claim, err := f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).Get(ctx, claimName, metav1.GetOptions{})
			if err != nil {
				return false, "", err
			}
			claim.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(vm, kubevirtv1.VirtualMachineGroupVersionKind)}
			_, err = f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).Update(ctx, claim, metav1.UpdateOptions{})
			return err == nil, "", err
		})
}

// ListClaims lists the claims of the test's namespace that match a label
// selector ("" for all).
func (f *Framework) ListClaims(selector string) []corev1.PersistentVolumeClaim {
	f.t.Helper()
	list, err := f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).List(f.ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		f.t.Fatalf("listing PersistentVolumeClaims: %v", err)
	}
	return list.Items
}

// RebindLater replaces a StorageClass by one of the same name, provisioner
// and parameters whose volumeBindingMode is WaitForFirstConsumer: claims made
// before keep their volumes, and new ones wait for a pod, which never comes
// here. (The binding mode of a StorageClass cannot be changed in place.)
func (f *Framework) RebindLater(storageClass string) {
	f.t.Helper()
	sc, err := f.Kube.StorageV1().StorageClasses().Get(f.ctx, storageClass, metav1.GetOptions{})
	if err != nil {
		f.t.Fatalf("reading StorageClass %s: %v", storageClass, err)
	}
	if err := f.Kube.StorageV1().StorageClasses().Delete(f.ctx, storageClass, metav1.DeleteOptions{}); err != nil {
		f.t.Fatalf("deleting StorageClass %s: %v", storageClass, err)
	}
	replacement := &storagev1.StorageClass{
		ObjectMeta:        metav1.ObjectMeta{Name: sc.Name, Labels: sc.Labels},
		Provisioner:       sc.Provisioner,
		Parameters:        sc.Parameters,
		ReclaimPolicy:     sc.ReclaimPolicy,
		VolumeBindingMode: ptr.To(storagev1.VolumeBindingWaitForFirstConsumer),
	}
	f.Eventually("storageclass "+storageClass, "created again with WaitForFirstConsumer", DefaultTimeout, func(ctx context.Context) (bool, string, error) {
		_, err := f.Kube.StorageV1().StorageClasses().Create(ctx, replacement, metav1.CreateOptions{})
		return err == nil, "", err
	})
}

// DenyClaimCreation makes the apiserver refuse to create claims of the
// test's namespace whose name ends with suffix, through a
// ValidatingAdmissionPolicy: the way a test stops a restore half-way, after
// some of its claims exist. It returns once the policy is enforced; lift
// removes it.
func (f *Framework) DenyClaimCreation(suffix string) (lift func()) {
	f.t.Helper()
	name := f.name("deny")
	namespaces := &metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: f.Namespace}}
	policy := &admissionv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: admissionv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: ptr.To(admissionv1.Fail),
			MatchConstraints: &admissionv1.MatchResources{
				NamespaceSelector: namespaces,
				ResourceRules: []admissionv1.NamedRuleWithOperations{{RuleWithOperations: admissionv1.RuleWithOperations{
					Operations: []admissionv1.OperationType{admissionv1.Create},
					Rule:       admissionv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"persistentvolumeclaims"}},
				}}},
			},
			Validations: []admissionv1.Validation{{
				Expression: fmt.Sprintf("!object.metadata.name.endsWith(%q)", suffix),
				Message:    "claims named *" + suffix + " are refused by the test",
			}},
		},
	}
	binding := &admissionv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: admissionv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName:        name,
			ValidationActions: []admissionv1.ValidationAction{admissionv1.Deny},
			MatchResources:    &admissionv1.MatchResources{NamespaceSelector: namespaces},
		},
	}
	admission := f.Kube.AdmissionregistrationV1()
	if _, err := admission.ValidatingAdmissionPolicies().Create(f.ctx, policy, metav1.CreateOptions{}); err != nil {
		f.t.Fatalf("creating ValidatingAdmissionPolicy %s: %v", name, err)
	}
	if _, err := admission.ValidatingAdmissionPolicyBindings().Create(f.ctx, binding, metav1.CreateOptions{}); err != nil {
		f.t.Fatalf("creating ValidatingAdmissionPolicyBinding %s: %v", name, err)
	}
	lift = func() {
		for _, err := range []error{
			admission.ValidatingAdmissionPolicyBindings().Delete(context.Background(), name, metav1.DeleteOptions{}),
			admission.ValidatingAdmissionPolicies().Delete(context.Background(), name, metav1.DeleteOptions{}),
		} {
			if err != nil && !apierrors.IsNotFound(err) {
				f.t.Errorf("removing ValidatingAdmissionPolicy %s: %v", name, err)
			}
		}
	}
	f.deferClusterCleanup(func(context.Context) error { lift(); return nil })

	// The apiserver enforces a policy a moment after it is created: probe
	// with a claim of a refused name until it is refused.
	probe := f.newClaim("admission-probe"+suffix, cluster.StorageClassName)
	f.Eventually("ValidatingAdmissionPolicy "+name, "claims named *"+suffix+" refused", DefaultTimeout, func(ctx context.Context) (bool, string, error) {
		_, err := f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).Create(ctx, probe, metav1.CreateOptions{})
		if err == nil {
			err = f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).Delete(ctx, probe.Name, metav1.DeleteOptions{})
			return false, "the probe claim was admitted", err
		}
		if apierrors.IsInvalid(err) || apierrors.IsForbidden(err) {
			return true, "", nil
		}
		return false, "", err
	})
	return lift
}
