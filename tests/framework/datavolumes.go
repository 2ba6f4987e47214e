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

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"
	cdiv1 "kubevirt.io/containerized-data-importer-api/pkg/apis/core/v1beta1"

	"vmsnap.io/vmsnap/tests/framework/cluster"
)

// cdiGroup is the API group of CDI's CRDs (DataVolume), which a suite
// started with Options.WithoutCDI leaves out until InstallCDI.
const cdiGroup = "cdi.kubevirt.io"

// WithDataVolumeTemplate adds a disk named volume on a DataVolume
// <vm>-<volume> that the VM declares in spec.dataVolumeTemplates. Neither
// KubeVirt nor CDI runs here, so CreateVM plays both: once the VM exists it
// makes the DataVolume from the template, controlled by the VM as KubeVirt's
// VM controller does, and then its claim, bound, and the Succeeded phase.
func WithDataVolumeTemplate(volume string) VMOption {
	return func(b *vmBuild) {
		name := b.vm.Name + "-" + volume
		b.vm.Spec.DataVolumeTemplates = append(b.vm.Spec.DataVolumeTemplates, kubevirtv1.DataVolumeTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec:       dataVolumeSpec(cluster.StorageClassName),
		})
		b.addVolume(kubevirtv1.Volume{Name: volume, VolumeSource: kubevirtv1.VolumeSource{
			DataVolume: &kubevirtv1.DataVolumeSource{Name: name},
		}})
	}
}

// dataVolumeSpec is a blank DataVolume of DiskSize on storageClass.
func dataVolumeSpec(storageClass string) cdiv1.DataVolumeSpec {
	return cdiv1.DataVolumeSpec{
		Source: &cdiv1.DataVolumeSource{Blank: &cdiv1.DataVolumeBlankImage{}},
		Storage: &cdiv1.StorageSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			StorageClassName: ptr.To(storageClass),
			Resources: corev1.VolumeResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(DiskSize)},
			},
		},
	}
}

// createTemplateDataVolumes plays KubeVirt's VM controller for a new VM: a
// DataVolume for each of its dataVolumeTemplates, with the template's
// labels, annotations and spec, controlled by the VM.
func (f *Framework) createTemplateDataVolumes(vm *kubevirtv1.VirtualMachine) {
	f.t.Helper()
	for _, tmpl := range vm.Spec.DataVolumeTemplates {
		dv := &cdiv1.DataVolume{
			ObjectMeta: metav1.ObjectMeta{
				Name:            tmpl.Name,
				Namespace:       vm.Namespace,
				Labels:          tmpl.Labels,
				Annotations:     tmpl.Annotations,
				OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(vm, kubevirtv1.VirtualMachineGroupVersionKind)},
			},
			Spec: *tmpl.Spec.DeepCopy(),
		}
		f.makeDataVolume(dv)
	}
}

// makeDataVolume creates a DataVolume and does what CDI would: its claim of
// the same name, controlled by the DataVolume and bound by the real
// provisioner, and the Succeeded phase.
func (f *Framework) makeDataVolume(dv *cdiv1.DataVolume) {
	f.t.Helper()
	created, err := f.CDI.CdiV1beta1().DataVolumes(f.Namespace).Create(f.ctx, dv, metav1.CreateOptions{})
	if err != nil {
		f.t.Fatalf("creating DataVolume %s: %v", dv.Name, err)
	}
	storageClass := cluster.StorageClassName
	if dv.Spec.Storage != nil && dv.Spec.Storage.StorageClassName != nil {
		storageClass = *dv.Spec.Storage.StorageClassName
	}
	claim := f.newClaim(dv.Name, storageClass)
	claim.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(created, cdiv1.SchemeGroupVersion.WithKind("DataVolume"))}
	if _, err := f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).Create(f.ctx, claim, metav1.CreateOptions{}); err != nil {
		f.t.Fatalf("creating the claim of DataVolume %s: %v", dv.Name, err)
	}
	f.WaitForClaimBound(dv.Name)
	created.Status.Phase = cdiv1.Succeeded
	created.Status.Progress = "100.0%"
	created.Status.ClaimName = dv.Name
	if _, err := f.CDI.CdiV1beta1().DataVolumes(f.Namespace).UpdateStatus(f.ctx, created, metav1.UpdateOptions{}); err != nil {
		f.t.Fatalf("marking DataVolume %s Succeeded: %v", dv.Name, err)
	}
}

// GetDataVolume reads a DataVolume of the test's namespace.
func (f *Framework) GetDataVolume(name string) *cdiv1.DataVolume {
	f.t.Helper()
	dv, err := f.CDI.CdiV1beta1().DataVolumes(f.Namespace).Get(f.ctx, name, metav1.GetOptions{})
	if err != nil {
		f.t.Fatalf("reading DataVolume %s: %v", name, err)
	}
	return dv
}

// WaitForDataVolumeGone waits until a DataVolume of the test's namespace is
// deleted.
func (f *Framework) WaitForDataVolumeGone(name string) {
	f.t.Helper()
	f.WaitForGone("datavolume "+f.Namespace+"/"+name, func(ctx context.Context) (string, error) {
		dv, err := f.CDI.CdiV1beta1().DataVolumes(f.Namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return "", err
		}
		return "phase " + orUnset(string(dv.Status.Phase)), nil
	})
}

// InstallCDI installs the CDI CRDs that a suite started with
// Options.WithoutCDI left out, and returns once the apiserver serves them.
// They stay for the rest of the test binary: tests that need CDI absent
// must run before.
func (f *Framework) InstallCDI() {
	f.t.Helper()
	if err := f.Cluster.InstallLeftOutCRDs(f.ctx); err != nil {
		f.t.Fatalf("installing CDI's CRDs: %v", err)
	}
}

// DataVolumeAPIServed reports whether the apiserver serves CDI's
// DataVolume API, as discovery says.
func (f *Framework) DataVolumeAPIServed() bool {
	f.t.Helper()
	resources, err := f.Kube.Discovery().ServerResourcesForGroupVersion(cdiv1.SchemeGroupVersion.String())
	if apierrors.IsNotFound(err) {
		return false
	}
	if err != nil {
		f.t.Fatalf("discovering %s: %v", cdiv1.SchemeGroupVersion, err)
	}
	for _, r := range resources.APIResources {
		if r.Name == "datavolumes" {
			return true
		}
	}
	return false
}

// leftOutCRDGroups are the API groups whose CRDs the suite does not install
// at start.
func (o Options) leftOutCRDGroups() []string {
	if o.WithoutCDI {
		return []string{cdiGroup}
	}
	return nil
}
