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

package main

import (
	"fmt"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/tests/framework"
	"vmsnap.io/vmsnap/tests/framework/cluster"
)

// The benchmark's objects are the integration tests' (tests/framework),
// built without a testing.T: a VM's disks are claims <vm>-disk<i> on the
// test StorageClass, and a running VM has a Running VMI with a connected
// guest agent, as the fake virt-api requires.

func claimName(vm string, disk int) string { return fmt.Sprintf("%s-disk%d", vm, disk) }

// vmLabel carries every benchmark VM's name; the schedule selects the VMs
// of its namespace by its presence.
const vmLabel = "vmsnap.io/vm"

func newClaim(namespace, name string) *corev1.PersistentVolumeClaim {
	return &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			StorageClassName: ptr.To(cluster.StorageClassName),
			Resources: corev1.VolumeResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(framework.DiskSize)},
			},
		},
	}
}

// newVM is a VM with disks claim disks, or a container disk when disks is 0.
func newVM(namespace, name string, disks int, running bool) *kubevirtv1.VirtualMachine {
	labels := map[string]string{vmLabel: name}
	strategy := kubevirtv1.RunStrategyHalted
	if running {
		strategy = kubevirtv1.RunStrategyAlways
	}
	var volumes []kubevirtv1.Volume
	for i := range disks {
		volumes = append(volumes, kubevirtv1.Volume{Name: fmt.Sprintf("disk%d", i), VolumeSource: kubevirtv1.VolumeSource{
			PersistentVolumeClaim: &kubevirtv1.PersistentVolumeClaimVolumeSource{
				PersistentVolumeClaimVolumeSource: corev1.PersistentVolumeClaimVolumeSource{ClaimName: claimName(name, i)},
			},
		}})
	}
	if disks == 0 {
		volumes = append(volumes, kubevirtv1.Volume{Name: framework.ContainerDiskVolume, VolumeSource: kubevirtv1.VolumeSource{
			ContainerDisk: &kubevirtv1.ContainerDiskSource{Image: "registry.local/vmsnap-bench/disk:latest"},
		}})
	}
	var devices []kubevirtv1.Disk
	for _, v := range volumes {
		devices = append(devices, kubevirtv1.Disk{Name: v.Name, DiskDevice: kubevirtv1.DiskDevice{Disk: &kubevirtv1.DiskTarget{Bus: kubevirtv1.DiskBusVirtio}}})
	}
	return &kubevirtv1.VirtualMachine{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: labels},
		Spec: kubevirtv1.VirtualMachineSpec{
			RunStrategy: ptr.To(strategy),
			Template: &kubevirtv1.VirtualMachineInstanceTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: kubevirtv1.VirtualMachineInstanceSpec{
					Domain: kubevirtv1.DomainSpec{
						Resources: kubevirtv1.ResourceRequirements{
							Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")},
						},
						Devices: kubevirtv1.Devices{Disks: devices},
					},
					Volumes: volumes,
				},
			},
		},
	}
}

// newRunningVMI is the instance virt-controller would make for vm, Running
// with a connected guest agent. The VMI CRD has no status subresource, so
// the status is created with the object.
func newRunningVMI(vm *kubevirtv1.VirtualMachine) *kubevirtv1.VirtualMachineInstance {
	now := metav1.Now()
	return &kubevirtv1.VirtualMachineInstance{
		ObjectMeta: metav1.ObjectMeta{
			Name:            vm.Name,
			Namespace:       vm.Namespace,
			Labels:          vm.Spec.Template.ObjectMeta.Labels,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(vm, kubevirtv1.VirtualMachineGroupVersionKind)},
		},
		Spec: *vm.Spec.Template.Spec.DeepCopy(),
		Status: kubevirtv1.VirtualMachineInstanceStatus{
			Phase: kubevirtv1.Running,
			Conditions: []kubevirtv1.VirtualMachineInstanceCondition{
				{Type: kubevirtv1.VirtualMachineInstanceReady, Status: corev1.ConditionTrue, LastTransitionTime: now},
				{Type: kubevirtv1.VirtualMachineInstanceAgentConnected, Status: corev1.ConditionTrue, LastTransitionTime: now},
			},
		},
	}
}

// newVMSnapshot snapshots vm; an empty consistencyGroup leaves the field
// unset (the default, Auto).
func newVMSnapshot(namespace, name, vm string, consistencyGroup snapshotapi.ConsistencyGroupPolicy) *snapshotapi.VirtualMachineSnapshot {
	return &snapshotapi.VirtualMachineSnapshot{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: snapshotapi.VirtualMachineSnapshotSpec{
			Source:           corev1.TypedLocalObjectReference{APIGroup: ptr.To("kubevirt.io"), Kind: "VirtualMachine", Name: vm},
			ConsistencyGroup: consistencyGroup,
		},
	}
}

// newRestore restores the snapshot of vm as a new VM newVM whose claims
// are renamed the same way, so that nothing conflicts.
func newRestore(namespace, name, snapshot, vm, newVM string, disks int) *snapshotapi.VirtualMachineRestore {
	renames := []snapshotapi.NameReplacement{{
		From: snapshotapi.NameReplacementSource{Kind: "VirtualMachine", Name: vm}, To: newVM,
	}}
	for i := range disks {
		renames = append(renames, snapshotapi.NameReplacement{
			From: snapshotapi.NameReplacementSource{Kind: "PersistentVolumeClaim", Name: claimName(vm, i)}, To: claimName(newVM, i),
		})
	}
	return &snapshotapi.VirtualMachineRestore{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec:       snapshotapi.VirtualMachineRestoreSpec{VirtualMachineSnapshotName: snapshot, NameReplacements: renames},
	}
}

// newVolumeSnapshot is a plain VolumeSnapshot of a claim with the default
// class: the CSI floor, without the VM layer.
func newVolumeSnapshot(namespace, name, claim string) *snapshotv1.VolumeSnapshot {
	return &snapshotv1.VolumeSnapshot{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: snapshotv1.VolumeSnapshotSpec{
			Source: snapshotv1.VolumeSnapshotSource{PersistentVolumeClaimName: ptr.To(claim)},
		},
	}
}

// newSchedule snapshots every VM of the namespace (each has vmLabel) on
// cron, with the defaults: spread, retention, Retain.
func newSchedule(namespace, name, cron string) *snapshotapi.VirtualMachineSnapshotSchedule {
	return &snapshotapi.VirtualMachineSnapshotSchedule{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: snapshotapi.VirtualMachineSnapshotScheduleSpec{
			Schedule: cron,
			Selector: metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: vmLabel, Operator: metav1.LabelSelectorOpExists},
			}},
		},
	}
}
