package vmsnapshot

import (
	"strings"
	"testing"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"
	cdiv1 "kubevirt.io/containerized-data-importer-api/pkg/apis/core/v1beta1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/snapshotclass"
)

func boundClaim(name, storageClass string) *corev1.PersistentVolumeClaim {
	return &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"},
		Spec: corev1.PersistentVolumeClaimSpec{
			StorageClassName: ptr.To(storageClass),
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
		},
		Status: corev1.PersistentVolumeClaimStatus{
			Phase:    corev1.ClaimBound,
			Capacity: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")},
		},
	}
}

func vmWithVolumes(vols ...kubevirtv1.Volume) *kubevirtv1.VirtualMachine {
	return &kubevirtv1.VirtualMachine{
		ObjectMeta: metav1.ObjectMeta{Name: "vm", Namespace: "ns"},
		Spec: kubevirtv1.VirtualMachineSpec{Template: &kubevirtv1.VirtualMachineInstanceTemplateSpec{
			Spec: kubevirtv1.VirtualMachineInstanceSpec{Volumes: vols},
		}},
	}
}

func pvcVolume(name, claim string) kubevirtv1.Volume {
	return kubevirtv1.Volume{Name: name, VolumeSource: kubevirtv1.VolumeSource{
		PersistentVolumeClaim: &kubevirtv1.PersistentVolumeClaimVolumeSource{
			PersistentVolumeClaimVolumeSource: corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim},
		}}}
}

func inputs(spec *snapshotapi.VirtualMachineSnapshotSpec, vm *kubevirtv1.VirtualMachine, claims ...*corev1.PersistentVolumeClaim) planInputs {
	byName := map[string]*corev1.PersistentVolumeClaim{}
	for _, c := range claims {
		byName[c.Name] = c
	}
	classes := map[string]*storagev1.StorageClass{
		"fast":    {ObjectMeta: metav1.ObjectMeta{Name: "fast"}, Provisioner: "csi.fast"},
		"nosnaps": {ObjectMeta: metav1.ObjectMeta{Name: "nosnaps"}, Provisioner: "csi.none"},
	}
	return planInputs{
		spec:         spec,
		vm:           vm,
		claim:        func(n string) *corev1.PersistentVolumeClaim { return byName[n] },
		storageClass: func(n string) *storagev1.StorageClass { return classes[n] },
		snapshotClasses: []*snapshotv1.VolumeSnapshotClass{{
			ObjectMeta: metav1.ObjectMeta{Name: "fast-snap", Annotations: map[string]string{snapshotclass.IsDefaultAnnotation: "true"}},
			Driver:     "csi.fast",
		}},
	}
}

func TestPlanIncludesPersistentDisksAndExplainsTheRest(t *testing.T) {
	vm := vmWithVolumes(
		pvcVolume("root", "root-pvc"),
		kubevirtv1.Volume{Name: "data", VolumeSource: kubevirtv1.VolumeSource{DataVolume: &kubevirtv1.DataVolumeSource{Name: "data-dv", Hotpluggable: true}}},
		kubevirtv1.Volume{Name: "image", VolumeSource: kubevirtv1.VolumeSource{ContainerDisk: &kubevirtv1.ContainerDiskSource{Image: "img"}}},
		kubevirtv1.Volume{Name: "cloudinit", VolumeSource: kubevirtv1.VolumeSource{CloudInitNoCloud: &kubevirtv1.CloudInitNoCloudSource{UserData: "#cloud-config"}}},
		kubevirtv1.Volume{Name: "scratch", VolumeSource: kubevirtv1.VolumeSource{EmptyDisk: &kubevirtv1.EmptyDiskSource{}}},
	)
	vmi := &kubevirtv1.VirtualMachineInstance{Spec: kubevirtv1.VirtualMachineInstanceSpec{Volumes: append(
		vm.Spec.Template.Spec.Volumes, pvcVolume("hot-ephemeral", "hot-pvc"))}}
	in := inputs(&snapshotapi.VirtualMachineSnapshotSpec{}, vm, boundClaim("root-pvc", "fast"), boundClaim("data-dv", "fast"))
	in.vmi = vmi
	in.dataVolume = func(string) *cdiv1.DataVolume {
		return &cdiv1.DataVolume{Status: cdiv1.DataVolumeStatus{Phase: cdiv1.Succeeded}}
	}

	plan := planVolumes(in)
	if len(plan.blockers) != 0 {
		t.Fatalf("blockers %+v, want none", plan.blockers)
	}
	var included []string
	for _, v := range plan.included {
		included = append(included, v.volumeName+"="+v.claim.Name+"@"+v.volumeSnapshotClass)
	}
	if got, want := strings.Join(included, ","), "root=root-pvc@fast-snap,data=data-dv@fast-snap"; got != want {
		t.Errorf("included %s, want %s", got, want)
	}
	if plan.included[1].dataVolumeName != "data-dv" {
		t.Errorf("data volume not recorded for the DataVolume disk")
	}
	excluded := map[string]string{}
	for _, e := range plan.excluded {
		excluded[e.Name] = e.Reason
	}
	for name, wantIn := range map[string]string{
		"image": "containerDisk", "cloudinit": "cloud-init", "scratch": "emptyDisk", "hot-ephemeral": "hotplugged into the running VM instance only",
	} {
		if !strings.Contains(excluded[name], wantIn) {
			t.Errorf("excluded[%s] = %q, want a reason mentioning %q", name, excluded[name], wantIn)
		}
	}
}

func TestPlanBlockers(t *testing.T) {
	pending := boundClaim("pvc", "fast")
	pending.Status.Phase = corev1.ClaimPending
	resizing := boundClaim("pvc", "fast")
	resizing.Spec.Resources.Requests[corev1.ResourceStorage] = resource.MustParse("2Gi")
	noClass := boundClaim("pvc", "nosnaps")

	for _, tc := range []struct {
		name       string
		spec       snapshotapi.VirtualMachineSnapshotSpec
		claim      *corev1.PersistentVolumeClaim
		vmCond     bool
		dvPhase    cdiv1.DataVolumePhase
		wantReason string
		wantInMsg  string
		wantPart   bool
	}{
		{name: "claim missing", wantReason: ReasonDiskNotReady, wantInMsg: "does not exist"},
		{name: "claim pending", claim: pending, wantReason: ReasonDiskNotReady, wantInMsg: "Pending, not Bound"},
		{name: "claim resizing", claim: resizing, wantReason: ReasonDiskResizing, wantInMsg: "being resized"},
		{name: "restart required", claim: boundClaim("pvc", "fast"), vmCond: true, wantReason: ReasonRestartRequired, wantInMsg: "RestartRequired"},
		{name: "no class, All", claim: noClass, wantReason: snapshotclass.ReasonNone, wantInMsg: "volume disk cannot be snapshotted"},
		{name: "no class, SnapshottableOnly", claim: noClass, spec: snapshotapi.VirtualMachineSnapshotSpec{
			VolumeSelection: snapshotapi.VolumeSelectionSnapshottableOnly}, wantPart: true},
		{name: "data volume importing", claim: boundClaim("pvc", "fast"), dvPhase: cdiv1.ImportInProgress,
			wantReason: ReasonDiskNotReady, wantInMsg: "ImportInProgress, not Succeeded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vol := pvcVolume("disk", "pvc")
			if tc.dvPhase != "" {
				vol = kubevirtv1.Volume{Name: "disk", VolumeSource: kubevirtv1.VolumeSource{DataVolume: &kubevirtv1.DataVolumeSource{Name: "pvc"}}}
			}
			vm := vmWithVolumes(vol)
			if tc.vmCond {
				vm.Status.Conditions = []kubevirtv1.VirtualMachineCondition{{Type: kubevirtv1.VirtualMachineRestartRequired, Status: corev1.ConditionTrue}}
			}
			var claims []*corev1.PersistentVolumeClaim
			if tc.claim != nil {
				claims = append(claims, tc.claim)
			}
			in := inputs(&tc.spec, vm, claims...)
			if tc.dvPhase != "" {
				in.dataVolume = func(string) *cdiv1.DataVolume {
					return &cdiv1.DataVolume{Status: cdiv1.DataVolumeStatus{Phase: tc.dvPhase}}
				}
			}
			plan := planVolumes(in)
			if tc.wantPart {
				if len(plan.blockers) != 0 || len(plan.partial) != 1 || len(plan.included) != 0 {
					t.Fatalf("plan %+v: want the disk left out as partial, no blockers", plan)
				}
				return
			}
			reason, message := joinBlockers(plan.blockers)
			if reason != tc.wantReason || !strings.Contains(message, tc.wantInMsg) {
				t.Fatalf("blocker %s: %q; want %s mentioning %q", reason, message, tc.wantReason, tc.wantInMsg)
			}
		})
	}
}
