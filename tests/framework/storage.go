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

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"vmsnap.io/vmsnap/tests/framework/cluster"
)

// DiskSize is the size of every claim the framework makes. The test driver
// stores no data, so the size costs nothing.
const DiskSize = "1Gi"

// CreateStorageClass makes a StorageClass of the test CSI driver with the
// given parameters, which the driver records on each volume and applies to
// its snapshots (see tests/csidriver/params.go: cutDelay, readyDelay,
// failSnapshot, hangSnapshot). Its disks are snapshotted with the cluster's
// default VolumeSnapshotClass. It is deleted after the test.
func (f *Framework) CreateStorageClass(params map[string]string) string {
	f.t.Helper()
	return f.CreateStorageClassFor(f.Cluster.DriverName(), params)
}

// CreateStorageClassFor makes a StorageClass whose provisioner is the given
// driver name. For a driver that does not run, its claims only bind to
// volumes made by CreateStaticClaim.
func (f *Framework) CreateStorageClassFor(provisioner string, params map[string]string) string {
	f.t.Helper()
	sc := &storagev1.StorageClass{
		ObjectMeta:        metav1.ObjectMeta{Name: f.name("sc")},
		Provisioner:       provisioner,
		Parameters:        params,
		ReclaimPolicy:     ptr.To(corev1.PersistentVolumeReclaimDelete),
		VolumeBindingMode: ptr.To(storagev1.VolumeBindingImmediate),
	}
	if _, err := f.Kube.StorageV1().StorageClasses().Create(f.ctx, sc, metav1.CreateOptions{}); err != nil {
		f.t.Fatalf("creating StorageClass %s: %v", sc.Name, err)
	}
	f.deferClusterCleanup(func(ctx context.Context) error {
		return f.Kube.StorageV1().StorageClasses().Delete(ctx, sc.Name, metav1.DeleteOptions{})
	})
	return sc.Name
}

// CreateVolumeSnapshotClass makes a VolumeSnapshotClass of the test CSI
// driver with the given parameters, which override the volume's for each
// snapshot. It is not a default class: a snapshot uses it only where its
// spec.volumeSnapshotClasses names it. It is deleted after the test.
func (f *Framework) CreateVolumeSnapshotClass(params map[string]string) string {
	f.t.Helper()
	class := &snapshotv1.VolumeSnapshotClass{
		ObjectMeta:     metav1.ObjectMeta{Name: f.name("vsc")},
		Driver:         f.Cluster.DriverName(),
		Parameters:     params,
		DeletionPolicy: snapshotv1.VolumeSnapshotContentDelete,
	}
	if _, err := f.Snapshots.SnapshotV1().VolumeSnapshotClasses().Create(f.ctx, class, metav1.CreateOptions{}); err != nil {
		f.t.Fatalf("creating VolumeSnapshotClass %s: %v", class.Name, err)
	}
	f.deferClusterCleanup(func(ctx context.Context) error {
		return f.Snapshots.SnapshotV1().VolumeSnapshotClasses().Delete(ctx, class.Name, metav1.DeleteOptions{})
	})
	return class.Name
}

// newClaim is a ReadWriteOnce claim of DiskSize on storageClass.
func (f *Framework) newClaim(name, storageClass string) *corev1.PersistentVolumeClaim {
	return &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: f.Namespace},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			StorageClassName: ptr.To(storageClass),
			Resources: corev1.VolumeResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(DiskSize)},
			},
		},
	}
}

// CreateClaim makes a claim on storageClass (cluster.StorageClassName if
// empty), which the real csi-provisioner provisions, and waits until it is
// Bound.
func (f *Framework) CreateClaim(name, storageClass string) *corev1.PersistentVolumeClaim {
	f.t.Helper()
	if storageClass == "" {
		storageClass = cluster.StorageClassName
	}
	if _, err := f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).Create(f.ctx, f.newClaim(name, storageClass), metav1.CreateOptions{}); err != nil {
		f.t.Fatalf("creating PersistentVolumeClaim %s: %v", name, err)
	}
	return f.WaitForClaimBound(name)
}

// CreateStaticClaim makes a claim on storageClass bound to a volume made by
// hand, as an administrator pre-provisions one: for a StorageClass whose
// provisioner does not run. The volume is deleted after the test.
func (f *Framework) CreateStaticClaim(name, storageClass string) *corev1.PersistentVolumeClaim {
	f.t.Helper()
	sc, err := f.Kube.StorageV1().StorageClasses().Get(f.ctx, storageClass, metav1.GetOptions{})
	if err != nil {
		f.t.Fatalf("reading StorageClass %s: %v", storageClass, err)
	}
	pvName := f.name("pv")
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: pvName},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(DiskSize)},
			AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
			StorageClassName:              storageClass,
			ClaimRef:                      &corev1.ObjectReference{Kind: "PersistentVolumeClaim", APIVersion: "v1", Namespace: f.Namespace, Name: name},
			PersistentVolumeSource: corev1.PersistentVolumeSource{
				CSI: &corev1.CSIPersistentVolumeSource{Driver: sc.Provisioner, VolumeHandle: fmt.Sprintf("static-%s", pvName)},
			},
		},
	}
	if _, err := f.Kube.CoreV1().PersistentVolumes().Create(f.ctx, pv, metav1.CreateOptions{}); err != nil {
		f.t.Fatalf("creating PersistentVolume %s: %v", pvName, err)
	}
	f.deferClusterCleanup(func(ctx context.Context) error {
		return f.Kube.CoreV1().PersistentVolumes().Delete(ctx, pvName, metav1.DeleteOptions{})
	})
	claim := f.newClaim(name, storageClass)
	claim.Spec.VolumeName = pvName
	if _, err := f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).Create(f.ctx, claim, metav1.CreateOptions{}); err != nil {
		f.t.Fatalf("creating PersistentVolumeClaim %s: %v", name, err)
	}
	return f.WaitForClaimBound(name)
}

// WaitForClaimBound waits until a claim of the test's namespace is Bound.
func (f *Framework) WaitForClaimBound(name string) *corev1.PersistentVolumeClaim {
	f.t.Helper()
	var claim *corev1.PersistentVolumeClaim
	f.Eventually("persistentvolumeclaim "+f.Namespace+"/"+name, "phase Bound", DefaultTimeout, func(ctx context.Context) (bool, string, error) {
		var err error
		claim, err = f.Kube.CoreV1().PersistentVolumeClaims(f.Namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		return claim.Status.Phase == corev1.ClaimBound, DescribeClaim(claim), nil
	})
	return claim
}
