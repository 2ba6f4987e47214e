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
	"crypto/sha256"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"
	instancetypev1beta1 "kubevirt.io/api/instancetype/v1beta1"
	cdiv1 "kubevirt.io/containerized-data-importer-api/pkg/apis/core/v1beta1"

	"vmsnap.io/vmsnap/tests/framework/cluster"
)

// Names of the volumes the VM options add.
const (
	ContainerDiskVolume = "containerdisk"
	CloudInitVolume     = "cloudinit"
)

// containerDiskImage is never pulled: no kubelet runs.
const containerDiskImage = "registry.local/vmsnap-test/disk:latest"

// VMOption adds to a VM that CreateVM makes.
type VMOption func(*vmBuild)

// vmBuild is a VM and what must exist before it: claims, DataVolumes and
// Secrets.
type vmBuild struct {
	vm          *kubevirtv1.VirtualMachine
	claims      []claimToMake
	dataVolumes []claimToMake
	secrets     []*corev1.Secret
	// instancetype and preference are made before the VM; their
	// ControllerRevisions after it, as KubeVirt stores them.
	instancetype *instancetypev1beta1.VirtualMachineInstancetype
	preference   *instancetypev1beta1.VirtualMachinePreference
}

type claimToMake struct{ name, storageClass string }

// WithPVCDisks adds n disks, disk0..disk<n-1>, each a claim named
// <vm>-disk<i> on the cluster's default StorageClass.
func WithPVCDisks(n int) VMOption {
	return func(b *vmBuild) {
		for i := 0; i < n; i++ {
			WithPVCDisk(fmt.Sprintf("disk%d", i), cluster.StorageClassName)(b)
		}
	}
}

// WithPVCDisk adds a disk named volume on a new claim <vm>-<volume> of
// storageClass.
func WithPVCDisk(volume, storageClass string) VMOption {
	return func(b *vmBuild) {
		claim := b.vm.Name + "-" + volume
		b.claims = append(b.claims, claimToMake{claim, storageClass})
		b.addVolume(kubevirtv1.Volume{Name: volume, VolumeSource: kubevirtv1.VolumeSource{
			PersistentVolumeClaim: &kubevirtv1.PersistentVolumeClaimVolumeSource{
				PersistentVolumeClaimVolumeSource: corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim},
			},
		}})
	}
}

// WithExistingClaim adds a disk named volume on a claim the test made.
func WithExistingClaim(volume, claimName string) VMOption {
	return func(b *vmBuild) {
		b.addVolume(kubevirtv1.Volume{Name: volume, VolumeSource: kubevirtv1.VolumeSource{
			PersistentVolumeClaim: &kubevirtv1.PersistentVolumeClaimVolumeSource{
				PersistentVolumeClaimVolumeSource: corev1.PersistentVolumeClaimVolumeSource{ClaimName: claimName},
			},
		}})
	}
}

// WithDataVolumeDisk adds a disk named volume on a CDI DataVolume
// <vm>-<volume>. CDI does not run here, so CreateVM plays its part: it
// makes the DataVolume's claim and marks the DataVolume Succeeded.
func WithDataVolumeDisk(volume string) VMOption {
	return func(b *vmBuild) {
		name := b.vm.Name + "-" + volume
		b.dataVolumes = append(b.dataVolumes, claimToMake{name, cluster.StorageClassName})
		b.addVolume(kubevirtv1.Volume{Name: volume, VolumeSource: kubevirtv1.VolumeSource{
			DataVolume: &kubevirtv1.DataVolumeSource{Name: name},
		}})
	}
}

// WithContainerDisk adds an ephemeral containerDisk volume, which a
// snapshot must list as excluded.
func WithContainerDisk() VMOption {
	return func(b *vmBuild) {
		b.addVolume(kubevirtv1.Volume{Name: ContainerDiskVolume, VolumeSource: kubevirtv1.VolumeSource{
			ContainerDisk: &kubevirtv1.ContainerDiskSource{Image: containerDiskImage},
		}})
	}
}

// WithCloudInit adds a cloud-init NoCloud volume whose user data is in a
// Secret named CloudInitSecretName(vm).
func WithCloudInit() VMOption {
	return func(b *vmBuild) {
		name := CloudInitSecretName(b.vm.Name)
		b.secrets = append(b.secrets, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: b.vm.Namespace},
			Type:       corev1.SecretTypeOpaque,
			Data:       map[string][]byte{"userdata": []byte(CloudInitUserData)},
		})
		b.addVolume(kubevirtv1.Volume{Name: CloudInitVolume, VolumeSource: kubevirtv1.VolumeSource{
			CloudInitNoCloud: &kubevirtv1.CloudInitNoCloudSource{UserDataSecretRef: &corev1.LocalObjectReference{Name: name}},
		}})
	}
}

// WithAccessCredentials gives the VM an SSH public key from a Secret,
// propagated by the guest agent, as accessCredentials.
func WithAccessCredentials() VMOption {
	return func(b *vmBuild) {
		name := SSHKeySecretName(b.vm.Name)
		b.secrets = append(b.secrets, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: b.vm.Namespace},
			Type:       corev1.SecretTypeOpaque,
			Data:       map[string][]byte{"key1": []byte(SSHPublicKey)},
		})
		spec := &b.vm.Spec.Template.Spec
		spec.AccessCredentials = append(spec.AccessCredentials, kubevirtv1.AccessCredential{SSHPublicKey: &kubevirtv1.SSHPublicKeyAccessCredential{
			Source:            kubevirtv1.SSHPublicKeyAccessCredentialSource{Secret: &kubevirtv1.AccessCredentialSecretSource{SecretName: name}},
			PropagationMethod: kubevirtv1.SSHPublicKeyAccessCredentialPropagationMethod{QemuGuestAgent: &kubevirtv1.QemuGuestAgentSSHPublicKeyAccessCredentialPropagation{Users: []string{"vmsnap"}}},
		}})
	}
}

// SSHPublicKey is the key WithAccessCredentials stores.
const SSHPublicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGZhaWtlIGtleSBmb3IgdGVzdHMgb25seSBub3QgcmVhbA vmsnap@test"

// SSHKeySecretName is the Secret WithAccessCredentials makes for a VM.
func SSHKeySecretName(vmName string) string { return vmName + "-ssh" }

// CloudInitUserData is the user data WithCloudInit stores.
const CloudInitUserData = "#cloud-config\npassword: vmsnap-test\nchpasswd: { expire: False }\n"

// CloudInitSecretName is the Secret WithCloudInit makes for a VM.
func CloudInitSecretName(vmName string) string { return vmName + "-cloudinit" }

// ClaimName is the claim WithPVCDisk and WithPVCDisks make for a volume.
func ClaimName(vmName, volume string) string { return vmName + "-" + volume }

func (b *vmBuild) addVolume(vol kubevirtv1.Volume) {
	spec := &b.vm.Spec.Template.Spec
	spec.Volumes = append(spec.Volumes, vol)
	disk := kubevirtv1.Disk{Name: vol.Name, DiskDevice: kubevirtv1.DiskDevice{Disk: &kubevirtv1.DiskTarget{Bus: kubevirtv1.DiskBusVirtio}}}
	if vol.CloudInitNoCloud != nil {
		disk.DiskDevice = kubevirtv1.DiskDevice{CDRom: &kubevirtv1.CDRomTarget{Bus: kubevirtv1.DiskBusSATA}}
	}
	spec.Domain.Devices.Disks = append(spec.Domain.Devices.Disks, disk)
}

// buildVM is a stopped VM with the options applied.
func buildVM(namespace, name string, opts ...VMOption) *vmBuild {
	labels := map[string]string{"vmsnap.io/vm": name}
	b := &vmBuild{vm: &kubevirtv1.VirtualMachine{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: labels},
		Spec: kubevirtv1.VirtualMachineSpec{
			RunStrategy: ptr.To(kubevirtv1.RunStrategyHalted),
			Template: &kubevirtv1.VirtualMachineInstanceTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: kubevirtv1.VirtualMachineInstanceSpec{
					Domain: kubevirtv1.DomainSpec{
						Resources: kubevirtv1.ResourceRequirements{
							Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")},
						},
						Devices: kubevirtv1.Devices{
							Interfaces: []kubevirtv1.Interface{{
								Name:                   "default",
								InterfaceBindingMethod: kubevirtv1.InterfaceBindingMethod{Masquerade: &kubevirtv1.InterfaceMasquerade{}},
							}},
						},
					},
					Networks: []kubevirtv1.Network{*kubevirtv1.DefaultPodNetwork()},
				},
			},
		},
	}}
	for _, opt := range opts {
		opt(b)
	}
	return b
}

// WithMAC sets the MAC of the VM's interface in its spec, as a user (or
// KubeMacPool) does. Without it the spec sets none, and each start gets
// the MAC assignedMAC gives, unique to the VM, as KubeVirt picks one.
func WithMAC(mac string) VMOption {
	return func(b *vmBuild) {
		b.vm.Spec.Template.Spec.Domain.Devices.Interfaces[0].MacAddress = mac
	}
}

// WithLabels adds labels to the VM, for schedules to select it by.
func WithLabels(labels map[string]string) VMOption {
	return func(b *vmBuild) {
		if b.vm.Labels == nil {
			b.vm.Labels = map[string]string{}
		}
		for k, v := range labels {
			b.vm.Labels[k] = v
		}
	}
}

// assignedMAC is the locally administered MAC of a running VM's interface
// whose spec sets none: unique to the VM, so that no two test VMs share
// one, as no two VMs of a cluster do.
func assignedMAC(vm *kubevirtv1.VirtualMachine, iface int) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s/%s/%d", vm.Namespace, vm.Name, iface)))
	return fmt.Sprintf("02:%02x:%02x:%02x:%02x:%02x", sum[0], sum[1], sum[2], sum[3], sum[4])
}

// CreateVM makes a stopped VM with the options' disks and volumes. It first
// makes their claims (provisioned by the real csi-provisioner, waited for
// until Bound), DataVolumes, Secrets, instancetype and preference, as a
// user would; after it, the DataVolumes of its dataVolumeTemplates and the
// ControllerRevisions of its instancetype and preference, as KubeVirt would.
func (f *Framework) CreateVM(name string, opts ...VMOption) *kubevirtv1.VirtualMachine {
	f.t.Helper()
	b := buildVM(f.Namespace, name, opts...)
	for _, s := range b.secrets {
		if _, err := f.Kube.CoreV1().Secrets(f.Namespace).Create(f.ctx, s, metav1.CreateOptions{}); err != nil {
			f.t.Fatalf("creating Secret %s: %v", s.Name, err)
		}
	}
	for _, c := range b.claims {
		if _, err := f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).Create(f.ctx, f.newClaim(c.name, c.storageClass), metav1.CreateOptions{}); err != nil {
			f.t.Fatalf("creating PersistentVolumeClaim %s: %v", c.name, err)
		}
	}
	for _, dv := range b.dataVolumes {
		f.createDataVolume(dv.name, dv.storageClass)
	}
	f.createInstancetypes(b)
	for _, c := range b.claims {
		f.WaitForClaimBound(c.name)
	}
	vm, err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).Create(f.ctx, b.vm, metav1.CreateOptions{})
	if err != nil {
		f.t.Fatalf("creating VirtualMachine %s: %v", name, err)
	}
	f.createTemplateDataVolumes(vm)
	if vm.Spec.Instancetype != nil || vm.Spec.Preference != nil {
		vm = f.StoreInstancetypeRevisions(vm.Name)
	}
	return vm
}

// createDataVolume makes a blank DataVolume on storageClass and does what
// CDI would: its claim, bound by the real provisioner, and the Succeeded
// phase.
func (f *Framework) createDataVolume(name, storageClass string) {
	f.t.Helper()
	f.makeDataVolume(&cdiv1.DataVolume{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: f.Namespace},
		Spec:       dataVolumeSpec(storageClass),
	})
}

// GetVM reads a VM of the test's namespace.
func (f *Framework) GetVM(name string) *kubevirtv1.VirtualMachine {
	f.t.Helper()
	vm, err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).Get(f.ctx, name, metav1.GetOptions{})
	if err != nil {
		f.t.Fatalf("reading VirtualMachine %s: %v", name, err)
	}
	return vm
}

// StartVM plays virt-controller and virt-handler starting a VM: it sets
// runStrategy Always and makes a Running VM instance, with a connected
// guest agent if withAgent.
func (f *Framework) StartVM(vm *kubevirtv1.VirtualMachine, withAgent bool) *kubevirtv1.VirtualMachineInstance {
	f.t.Helper()
	f.setRunStrategy(vm.Name, kubevirtv1.RunStrategyAlways)
	vmi := newRunningVMI(vm, withAgent)
	// The VMI CRD has no status subresource: the status is written with the object.
	created, err := f.KubeVirt.KubevirtV1().VirtualMachineInstances(f.Namespace).Create(f.ctx, vmi, metav1.CreateOptions{})
	if err != nil {
		f.t.Fatalf("creating VirtualMachineInstance %s: %v", vm.Name, err)
	}
	return created
}

// PauseVM plays virt-handler pausing a running VM: the instance gets the
// Paused condition.
func (f *Framework) PauseVM(vm *kubevirtv1.VirtualMachine) *kubevirtv1.VirtualMachineInstance {
	f.t.Helper()
	vmi, err := f.KubeVirt.KubevirtV1().VirtualMachineInstances(f.Namespace).Get(f.ctx, vm.Name, metav1.GetOptions{})
	if err != nil {
		f.t.Fatalf("reading VirtualMachineInstance %s (start the VM before pausing it): %v", vm.Name, err)
	}
	vmi.Status.Conditions = append(vmi.Status.Conditions, kubevirtv1.VirtualMachineInstanceCondition{
		Type:               kubevirtv1.VirtualMachineInstancePaused,
		Status:             corev1.ConditionTrue,
		Reason:             "PausedByUser",
		LastTransitionTime: metav1.Now(),
	})
	updated, err := f.KubeVirt.KubevirtV1().VirtualMachineInstances(f.Namespace).Update(f.ctx, vmi, metav1.UpdateOptions{})
	if err != nil {
		f.t.Fatalf("pausing VirtualMachineInstance %s: %v", vm.Name, err)
	}
	return updated
}

// StopVM plays KubeVirt stopping a VM: runStrategy Halted, and the instance
// deleted. It waits until the instance is gone.
func (f *Framework) StopVM(vm *kubevirtv1.VirtualMachine) {
	f.t.Helper()
	f.setRunStrategy(vm.Name, kubevirtv1.RunStrategyHalted)
	err := f.KubeVirt.KubevirtV1().VirtualMachineInstances(f.Namespace).Delete(f.ctx, vm.Name, metav1.DeleteOptions{})
	if err != nil {
		f.t.Fatalf("deleting VirtualMachineInstance %s: %v", vm.Name, err)
	}
	f.WaitForGone("virtualmachineinstance "+f.Namespace+"/"+vm.Name, func(ctx context.Context) (string, error) {
		vmi, err := f.KubeVirt.KubevirtV1().VirtualMachineInstances(f.Namespace).Get(ctx, vm.Name, metav1.GetOptions{})
		if err != nil {
			return "", err
		}
		return DescribeVMI(vmi), nil
	})
}

func (f *Framework) setRunStrategy(name string, strategy kubevirtv1.VirtualMachineRunStrategy) {
	f.t.Helper()
	patch := fmt.Appendf(nil, `{"spec":{"runStrategy":%q}}`, strategy)
	if _, err := f.KubeVirt.KubevirtV1().VirtualMachines(f.Namespace).Patch(f.ctx, name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		f.t.Fatalf("setting runStrategy %s on VirtualMachine %s: %v", strategy, name, err)
	}
}

// newRunningVMI is the instance KubeVirt would run for vm.
func newRunningVMI(vm *kubevirtv1.VirtualMachine, withAgent bool) *kubevirtv1.VirtualMachineInstance {
	now := metav1.Now()
	conditions := []kubevirtv1.VirtualMachineInstanceCondition{{
		Type: kubevirtv1.VirtualMachineInstanceReady, Status: corev1.ConditionTrue, LastTransitionTime: now,
	}}
	if withAgent {
		conditions = append(conditions, kubevirtv1.VirtualMachineInstanceCondition{
			Type: kubevirtv1.VirtualMachineInstanceAgentConnected, Status: corev1.ConditionTrue, LastTransitionTime: now,
		})
	}
	var interfaces []kubevirtv1.VirtualMachineInstanceNetworkInterface
	for i, iface := range vm.Spec.Template.Spec.Domain.Devices.Interfaces {
		ip := fmt.Sprintf("10.244.0.%d", 10+i)
		mac := iface.MacAddress
		if mac == "" {
			mac = assignedMAC(vm, i)
		}
		interfaces = append(interfaces, kubevirtv1.VirtualMachineInstanceNetworkInterface{
			Name: iface.Name, MAC: mac, IP: ip, IPs: []string{ip},
		})
	}
	return &kubevirtv1.VirtualMachineInstance{
		ObjectMeta: metav1.ObjectMeta{
			Name:            vm.Name,
			Namespace:       vm.Namespace,
			Labels:          vm.Spec.Template.ObjectMeta.Labels,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(vm, kubevirtv1.VirtualMachineGroupVersionKind)},
		},
		Spec: *vm.Spec.Template.Spec.DeepCopy(),
		Status: kubevirtv1.VirtualMachineInstanceStatus{
			Phase:      kubevirtv1.Running,
			Conditions: conditions,
			Interfaces: interfaces,
		},
	}
}
