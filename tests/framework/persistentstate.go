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

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"vmsnap.io/vmsnap/pkg/controller"
	"vmsnap.io/vmsnap/tests/framework/cluster"
)

// WithPersistentTPM gives the VM a TPM whose state KubeVirt keeps in a
// backend-storage claim (see CreatePersistentState).
func WithPersistentTPM() VMOption {
	return func(b *vmBuild) {
		b.vm.Spec.Template.Spec.Domain.Devices.TPM = &kubevirtv1.TPMDevice{Persistent: ptr.To(true)}
	}
}

// WithPersistentEFI gives the VM EFI firmware whose variables (Secure Boot
// keys) KubeVirt keeps in a backend-storage claim (see CreatePersistentState).
func WithPersistentEFI() VMOption {
	return func(b *vmBuild) {
		b.vm.Spec.Template.Spec.Domain.Firmware = &kubevirtv1.Firmware{Bootloader: &kubevirtv1.Bootloader{
			EFI: &kubevirtv1.EFI{Persistent: ptr.To(true), SecureBoot: ptr.To(false)},
		}}
	}
}

// PersistentStateClaimName is the claim CreatePersistentState makes for a
// VM: KubeVirt names it persistent-state-for-<vm>- and a random suffix.
func PersistentStateClaimName(vmName string) string {
	return controller.LegacyPersistentStateClaimName(vmName) + "-kv7x2"
}

// CreatePersistentState does what KubeVirt does when a VM with a
// persistent TPM or EFI state first starts: it makes the VM's
// backend-storage claim, labelled persistent-state-for=<vm> and controlled
// by the VM, and waits until the real provisioner has bound it.
func (f *Framework) CreatePersistentState(vm *kubevirtv1.VirtualMachine) *corev1.PersistentVolumeClaim {
	f.t.Helper()
	claim := f.newClaim(PersistentStateClaimName(vm.Name), cluster.StorageClassName)
	claim.Labels = map[string]string{controller.LabelPersistentStateFor: vm.Name}
	claim.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(vm, kubevirtv1.VirtualMachineGroupVersionKind)}
	if _, err := f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).Create(f.ctx, claim, metav1.CreateOptions{}); err != nil {
		f.t.Fatalf("creating the backend-storage claim of VirtualMachine %s: %v", vm.Name, err)
	}
	return f.WaitForClaimBound(claim.Name)
}

// PersistentStateClaims are the claims KubeVirt would take as a VM's
// backend storage now: those labelled for it and not being deleted (or the
// one of the legacy name).
func (f *Framework) PersistentStateClaims(vmName string) []*corev1.PersistentVolumeClaim {
	f.t.Helper()
	claims, err := f.persistentStateClaims(f.ctx, vmName)
	if err != nil {
		f.t.Fatalf("listing PersistentVolumeClaims: %v", err)
	}
	return claims
}

func (f *Framework) persistentStateClaims(ctx context.Context, vmName string) ([]*corev1.PersistentVolumeClaim, error) {
	list, err := f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	all := make([]*corev1.PersistentVolumeClaim, 0, len(list.Items))
	for i := range list.Items {
		all = append(all, &list.Items[i])
	}
	return controller.PersistentStateClaims(all, vmName), nil
}

// WaitForOnePersistentState waits until KubeVirt would find exactly one
// backend-storage claim for the VM, the one named, and returns it.
func (f *Framework) WaitForOnePersistentState(vmName, claimName string) *corev1.PersistentVolumeClaim {
	f.t.Helper()
	var found *corev1.PersistentVolumeClaim
	f.Eventually("the backend storage of virtualmachine "+f.Namespace+"/"+vmName, "only persistentvolumeclaim "+claimName, DefaultTimeout,
		func(ctx context.Context) (bool, string, error) {
			claims, err := f.persistentStateClaims(ctx, vmName)
			if err != nil {
				return false, "", err
			}
			var names []string
			for _, c := range claims {
				names = append(names, c.Name)
			}
			if len(claims) == 1 && claims[0].Name == claimName {
				found = claims[0]
				return true, "", nil
			}
			return false, fmt.Sprintf("claims %v", names), nil
		})
	return found
}
