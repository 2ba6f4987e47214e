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
	"encoding/json"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kubevirtv1 "kubevirt.io/api/core/v1"
	instancetypeapi "kubevirt.io/api/instancetype"
	instancetypev1beta1 "kubevirt.io/api/instancetype/v1beta1"
)

// Kinds of the namespaced instancetype and preference, as a VM's matchers
// name them.
const (
	InstancetypeKind = "VirtualMachineInstancetype"
	PreferenceKind   = "VirtualMachinePreference"
)

// WithInstancetype makes the VM take its CPU and memory from a namespaced
// instancetype <vm>-instancetype (cpus vCPUs, 128Mi) and its devices'
// preferences from a preference <vm>-preference, which CreateVM makes
// before the VM. A VM with an instancetype sets no resources of its own:
// KubeVirt refuses the conflict.
func WithInstancetype(cpus uint32) VMOption {
	return func(b *vmBuild) {
		b.vm.Spec.Template.Spec.Domain.Resources = kubevirtv1.ResourceRequirements{}
		b.instancetype = NewInstancetype(b.vm.Namespace, b.vm.Name+"-instancetype", cpus)
		b.preference = &instancetypev1beta1.VirtualMachinePreference{
			ObjectMeta: metav1.ObjectMeta{Name: b.vm.Name + "-preference", Namespace: b.vm.Namespace},
			Spec: instancetypev1beta1.VirtualMachinePreferenceSpec{
				Devices: &instancetypev1beta1.DevicePreferences{PreferredDiskBus: kubevirtv1.DiskBusVirtio},
			},
		}
		b.vm.Spec.Instancetype = &kubevirtv1.InstancetypeMatcher{Kind: InstancetypeKind, Name: b.instancetype.Name}
		b.vm.Spec.Preference = &kubevirtv1.PreferenceMatcher{Kind: PreferenceKind, Name: b.preference.Name}
	}
}

// NewInstancetype is a namespaced instancetype of cpus vCPUs and 128Mi.
func NewInstancetype(namespace, name string, cpus uint32) *instancetypev1beta1.VirtualMachineInstancetype {
	return &instancetypev1beta1.VirtualMachineInstancetype{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: instancetypev1beta1.VirtualMachineInstancetypeSpec{
			CPU:    instancetypev1beta1.CPUInstancetype{Guest: cpus},
			Memory: instancetypev1beta1.MemoryInstancetype{Guest: resource.MustParse("128Mi")},
		},
	}
}

// createInstancetypes makes the build's instancetype and preference.
func (f *Framework) createInstancetypes(b *vmBuild) {
	f.t.Helper()
	if b.instancetype != nil {
		f.CreateInstancetype(b.instancetype)
	}
	if b.preference != nil {
		if _, err := f.KubeVirt.InstancetypeV1beta1().VirtualMachinePreferences(f.Namespace).Create(f.ctx, b.preference, metav1.CreateOptions{}); err != nil {
			f.t.Fatalf("creating VirtualMachinePreference %s: %v", b.preference.Name, err)
		}
	}
}

// CreateInstancetype makes a namespaced instancetype.
func (f *Framework) CreateInstancetype(it *instancetypev1beta1.VirtualMachineInstancetype) *instancetypev1beta1.VirtualMachineInstancetype {
	f.t.Helper()
	created, err := f.KubeVirt.InstancetypeV1beta1().VirtualMachineInstancetypes(f.Namespace).Create(f.ctx, it, metav1.CreateOptions{})
	if err != nil {
		f.t.Fatalf("creating VirtualMachineInstancetype %s: %v", it.Name, err)
	}
	return created
}

// StoreInstancetypeRevisions does what KubeVirt's VM controller does for a
// VM whose instancetype or preference it has not stored yet: it copies the
// object into a ControllerRevision controlled by the VM, named
// <vm>-<object>-<version>-<uid>-<generation> and labelled with the object's
// kind, name, UID, generation and version, and records it in the VM's
// status.instancetypeRef / preferenceRef (KubeVirt v1.9 leaves the
// matchers' revisionName empty). A matcher that names a revision already
// only has the status follow it.
func (f *Framework) StoreInstancetypeRevisions(vmName string) *kubevirtv1.VirtualMachine {
	f.t.Helper()
	vm := f.GetVM(vmName)
	if m := vm.Spec.Instancetype; m != nil {
		it, err := f.KubeVirt.InstancetypeV1beta1().VirtualMachineInstancetypes(f.Namespace).Get(f.ctx, m.Name, metav1.GetOptions{})
		if err != nil {
			f.t.Fatalf("reading VirtualMachineInstancetype %s: %v", m.Name, err)
		}
		vm.Status.InstancetypeRef = f.storedRevision(vm, m.Kind, m.Name, m.RevisionName, vm.Status.InstancetypeRef, it)
	}
	if m := vm.Spec.Preference; m != nil {
		p, err := f.KubeVirt.InstancetypeV1beta1().VirtualMachinePreferences(f.Namespace).Get(f.ctx, m.Name, metav1.GetOptions{})
		if err != nil {
			f.t.Fatalf("reading VirtualMachinePreference %s: %v", m.Name, err)
		}
		vm.Status.PreferenceRef = f.storedRevision(vm, m.Kind, m.Name, m.RevisionName, vm.Status.PreferenceRef, p)
	}
	updated, err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).UpdateStatus(f.ctx, vm, metav1.UpdateOptions{})
	if err != nil {
		f.t.Fatalf("recording the instancetype revisions of VirtualMachine %s: %v", vmName, err)
	}
	return updated
}

// storedRevision is the status reference of one matcher after KubeVirt
// synced it: the matcher's revision, the one already recorded for the same
// object, or a new copy of obj.
func (f *Framework) storedRevision(vm *kubevirtv1.VirtualMachine, kind, name, revisionName string,
	ref *kubevirtv1.InstancetypeStatusRef, obj interface {
		runtime.Object
		metav1.Object
	},
) *kubevirtv1.InstancetypeStatusRef {
	f.t.Helper()
	switch {
	case revisionName != "":
	case ref != nil && ref.Name == name && ref.Kind == kind && ref.ControllerRevisionRef != nil:
		revisionName = ref.ControllerRevisionRef.Name
	default:
		revisionName = f.createInstancetypeRevision(vm, kind, obj).Name
	}
	return &kubevirtv1.InstancetypeStatusRef{Name: name, Kind: kind, ControllerRevisionRef: &kubevirtv1.ControllerRevisionRef{Name: revisionName}}
}

func (f *Framework) createInstancetypeRevision(vm *kubevirtv1.VirtualMachine, kind string, obj interface {
	runtime.Object
	metav1.Object
},
) *appsv1.ControllerRevision {
	f.t.Helper()
	version := instancetypev1beta1.SchemeGroupVersion.Version
	// KubeVirt keeps the object without its labels, annotations, owners
	// and managed fields, under its group version and kind.
	copied := obj.DeepCopyObject().(interface {
		runtime.Object
		metav1.Object
	})
	copied.GetObjectKind().SetGroupVersionKind(instancetypev1beta1.SchemeGroupVersion.WithKind(kind))
	copied.SetLabels(nil)
	copied.SetAnnotations(nil)
	copied.SetOwnerReferences(nil)
	copied.SetManagedFields(nil)
	data, err := json.Marshal(copied)
	if err != nil {
		f.t.Fatalf("encoding %s %s: %v", kind, obj.GetName(), err)
	}
	rev := &appsv1.ControllerRevision{
		ObjectMeta: metav1.ObjectMeta{
			Name:            fmt.Sprintf("%s-%s-%s-%s-%d", vm.Name, obj.GetName(), version, obj.GetUID(), obj.GetGeneration()),
			Namespace:       vm.Namespace,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(vm, kubevirtv1.VirtualMachineGroupVersionKind)},
			Labels: map[string]string{
				instancetypeapi.ControllerRevisionObjectGenerationLabel: fmt.Sprint(obj.GetGeneration()),
				instancetypeapi.ControllerRevisionObjectKindLabel:       kind,
				instancetypeapi.ControllerRevisionObjectNameLabel:       obj.GetName(),
				instancetypeapi.ControllerRevisionObjectUIDLabel:        string(obj.GetUID()),
				instancetypeapi.ControllerRevisionObjectVersionLabel:    version,
			},
		},
		Data: runtime.RawExtension{Raw: data},
	}
	created, err := f.Kube.AppsV1().ControllerRevisions(vm.Namespace).Create(f.ctx, rev, metav1.CreateOptions{})
	if err != nil {
		f.t.Fatalf("creating ControllerRevision %s: %v", rev.Name, err)
	}
	return created
}

// GetRevision reads a ControllerRevision of the test's namespace.
func (f *Framework) GetRevision(name string) *appsv1.ControllerRevision {
	f.t.Helper()
	rev, err := f.Kube.AppsV1().ControllerRevisions(f.Namespace).Get(f.ctx, name, metav1.GetOptions{})
	if err != nil {
		f.t.Fatalf("reading ControllerRevision %s: %v", name, err)
	}
	return rev
}

// DeleteRevision deletes a ControllerRevision of the test's namespace.
func (f *Framework) DeleteRevision(name string) {
	f.t.Helper()
	if err := f.Kube.AppsV1().ControllerRevisions(f.Namespace).Delete(f.ctx, name, metav1.DeleteOptions{}); err != nil {
		f.t.Fatalf("deleting ControllerRevision %s: %v", name, err)
	}
}
