package restore

import (
	"slices"
	"strings"
	"testing"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"
	cdiv1 "kubevirt.io/containerized-data-importer-api/pkg/apis/core/v1beta1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/controller"
)

const (
	sourceUID  = types.UID("vm-uid")
	restoreUID = types.UID("r-uid")
	sourceMAC  = "02:00:00:00:00:01"
)

// capturedVM is the VM a test snapshot holds: disk0 on claim vm-disk0,
// disk1 on the DataVolume vm-dv1 of a dataVolumeTemplate, hot on the
// hotplugged claim vm-hot, cloud-init user data in Secret vm-ci, and one
// interface with a MAC.
func capturedVM() *kubevirtv1.VirtualMachine {
	pvc := func(claim string, hotplug bool) kubevirtv1.VolumeSource {
		return kubevirtv1.VolumeSource{PersistentVolumeClaim: &kubevirtv1.PersistentVolumeClaimVolumeSource{
			PersistentVolumeClaimVolumeSource: corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim}, Hotpluggable: hotplug}}
	}
	vm := &kubevirtv1.VirtualMachine{
		ObjectMeta: metav1.ObjectMeta{Name: "vm", Namespace: "ns", Labels: map[string]string{"app": "db"}},
		Spec: kubevirtv1.VirtualMachineSpec{
			RunStrategy: ptr.To(kubevirtv1.RunStrategyAlways),
			DataVolumeTemplates: []kubevirtv1.DataVolumeTemplateSpec{{
				ObjectMeta: metav1.ObjectMeta{Name: "vm-dv1"},
				Spec:       cdiv1.DataVolumeSpec{Source: &cdiv1.DataVolumeSource{Blank: &cdiv1.DataVolumeBlankImage{}}},
			}},
			Template: &kubevirtv1.VirtualMachineInstanceTemplateSpec{Spec: kubevirtv1.VirtualMachineInstanceSpec{
				Domain: kubevirtv1.DomainSpec{Devices: kubevirtv1.Devices{Interfaces: []kubevirtv1.Interface{{Name: "default", MacAddress: sourceMAC}}}},
				Volumes: []kubevirtv1.Volume{
					{Name: "disk0", VolumeSource: pvc("vm-disk0", false)},
					{Name: "disk1", VolumeSource: kubevirtv1.VolumeSource{DataVolume: &kubevirtv1.DataVolumeSource{Name: "vm-dv1"}}},
					{Name: "hot", VolumeSource: pvc("vm-hot", true)},
					{Name: "cloudinit", VolumeSource: kubevirtv1.VolumeSource{CloudInitNoCloud: &kubevirtv1.CloudInitNoCloudSource{
						UserDataSecretRef: &corev1.LocalObjectReference{Name: "vm-ci"}}}},
				},
			}},
		},
	}
	return vm
}

func backup(volume, claim string, dataVolume bool) snapshotapi.VolumeBackup {
	b := snapshotapi.VolumeBackup{
		VolumeName: volume,
		PersistentVolumeClaim: snapshotapi.PersistentVolumeClaimTemplate{
			Name:        claim,
			Labels:      map[string]string{"tier": "data"},
			Annotations: map[string]string{"keep": "me", "pv.kubernetes.io/bind-completed": "yes", "cdi.kubevirt.io/storage.pod.phase": "Succeeded"},
			Spec: corev1.PersistentVolumeClaimSpec{
				AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				StorageClassName: ptr.To("fast"),
				VolumeName:       "pv-" + claim,
				Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
			},
		},
		VolumeSnapshotName: ptr.To("vs-" + volume),
	}
	if dataVolume {
		b.DataVolumeName = ptr.To(claim)
	}
	return b
}

func testContent() *snapshotapi.VirtualMachineSnapshotContent {
	return &snapshotapi.VirtualMachineSnapshotContent{
		ObjectMeta: metav1.ObjectMeta{Name: "content", Namespace: "ns", UID: contentUID},
		Spec: snapshotapi.VirtualMachineSnapshotContentSpec{
			Source:          snapshotapi.SourceSpec{VirtualMachine: capturedVM()},
			VolumeBackups:   []snapshotapi.VolumeBackup{backup("disk0", "vm-disk0", false), backup("disk1", "vm-dv1", true), backup("hot", "vm-hot", false)},
			NetworkIdentity: []snapshotapi.InterfaceIdentity{{Name: "default", MACAddress: sourceMAC, IPAddresses: []string{"10.0.0.5"}}},
			SecretBackups:   []snapshotapi.SecretBackup{{Name: "vm-ci", VolumeNames: []string{"cloudinit"}, BackupSecretName: "copy-ci"}},
		},
	}
}

func testSnapshot(keep snapshotapi.KeepIPAddressPolicy) *snapshotapi.VirtualMachineSnapshot {
	return &snapshotapi.VirtualMachineSnapshot{
		ObjectMeta: metav1.ObjectMeta{Name: "snap", Namespace: "ns"},
		Spec:       snapshotapi.VirtualMachineSnapshotSpec{KeepIPAddress: keep},
		Status:     snapshotapi.VirtualMachineSnapshotStatus{SourceUID: ptr.To(sourceUID)},
	}
}

func testRestore(mutate ...func(*snapshotapi.VirtualMachineRestoreSpec)) *snapshotapi.VirtualMachineRestore {
	r := &snapshotapi.VirtualMachineRestore{
		ObjectMeta: metav1.ObjectMeta{Name: "restore", Namespace: "ns", UID: restoreUID},
		Spec:       snapshotapi.VirtualMachineRestoreSpec{VirtualMachineSnapshotName: "snap"},
	}
	for _, m := range mutate {
		m(&r.Spec)
	}
	return r
}

func rename(kind, from, to string) func(*snapshotapi.VirtualMachineRestoreSpec) {
	return func(s *snapshotapi.VirtualMachineRestoreSpec) {
		s.NameReplacements = append(s.NameReplacements, snapshotapi.NameReplacement{From: snapshotapi.NameReplacementSource{Kind: kind, Name: from}, To: to})
	}
}

func withMode(m snapshotapi.RestoreMode) func(*snapshotapi.VirtualMachineRestoreSpec) {
	return func(s *snapshotapi.VirtualMachineRestoreSpec) { s.Mode = m }
}

func withVolumePolicy(p snapshotapi.VolumeRestorePolicy) func(*snapshotapi.VirtualMachineRestoreSpec) {
	return func(s *snapshotapi.VirtualMachineRestoreSpec) { s.VolumeRestorePolicy = p }
}

func readyVolumeSnapshot(name, restoreSize string) *snapshotv1.VolumeSnapshot {
	vs := &snapshotv1.VolumeSnapshot{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", OwnerReferences: heldByTestContent()},
		Status: &snapshotv1.VolumeSnapshotStatus{ReadyToUse: ptr.To(true)}}
	if restoreSize != "" {
		vs.Status.RestoreSize = ptr.To(resource.MustParse(restoreSize))
	}
	return vs
}

func claimObject(name string, labels map[string]string) *corev1.PersistentVolumeClaim {
	return &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", Labels: labels}}
}

func secretObject(name string, data string, labels map[string]string) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", Labels: labels},
		Type: corev1.SecretTypeOpaque, Data: map[string][]byte{"userdata": []byte(data)}}
}

func liveSourceVM() *kubevirtv1.VirtualMachine {
	vm := capturedVM()
	vm.UID = sourceUID
	return vm
}

// world is the observed state a plan test starts from.
type world struct {
	target          *kubevirtv1.VirtualMachine
	claims          []*corev1.PersistentVolumeClaim
	dataVolumes     []*cdiv1.DataVolume
	noDataVolumes   bool
	secrets         []*corev1.Secret
	volumeSnapshots []*snapshotv1.VolumeSnapshot
	users           map[string][]string
	macUsers        map[string]string
}

func (w world) input(r *snapshotapi.VirtualMachineRestore, snap *snapshotapi.VirtualMachineSnapshot) planInput {
	vss := w.volumeSnapshots
	if vss == nil {
		vss = []*snapshotv1.VolumeSnapshot{readyVolumeSnapshot("vs-disk0", ""), readyVolumeSnapshot("vs-disk1", ""), readyVolumeSnapshot("vs-hot", "")}
	}
	secrets := append([]*corev1.Secret{testSecretCopy()}, w.secrets...)
	in := planInput{
		restore: r, snapshot: snap, content: testContent(), target: w.target,
		volumeSnapshot: func(name string) *snapshotv1.VolumeSnapshot { return find(vss, name) },
		claim:          func(name string) *corev1.PersistentVolumeClaim { return find(w.claims, name) },
		secret:         func(name string) *corev1.Secret { return find(secrets, name) },
		claimUsers:     func(claim string) []string { return w.users[claim] },
		macUser:        func(mac string) string { return w.macUsers[mac] },
		persistentStateClaims: func(vmName string) []*corev1.PersistentVolumeClaim {
			return controller.PersistentStateClaims(w.claims, vmName)
		},
	}
	if !w.noDataVolumes {
		in.dataVolume = func(name string) *cdiv1.DataVolume { return find(w.dataVolumes, name) }
	}
	return in
}

func find[T metav1.Object](objs []T, name string) T {
	var zero T
	for _, o := range objs {
		if o.GetName() == name {
			return o
		}
	}
	return zero
}

func resultOf(p *plan, kind, name string) snapshotapi.RestoredResource {
	for _, r := range p.resources {
		if r.Kind == kind && r.Name == name {
			return r
		}
	}
	return snapshotapi.RestoredResource{Result: "<absent>"}
}

func volume(vm *kubevirtv1.VirtualMachine, name string) kubevirtv1.Volume {
	for _, v := range vm.Spec.Template.Spec.Volumes {
		if v.Name == name {
			return v
		}
	}
	return kubevirtv1.Volume{}
}

func TestPlanNames(t *testing.T) {
	for _, tc := range []struct {
		name      string
		restore   *snapshotapi.VirtualMachineRestore
		world     world
		inPlace   bool
		target    string
		claims    map[string]string // volume -> restored claim
		secret    string
		resources map[string]snapshotapi.ResourceResult // "Kind name" -> result
	}{{
		name: "new VM: every object renamed, by kind",
		restore: testRestore(rename("VirtualMachine", "vm", "vm2"), rename("PersistentVolumeClaim", "vm-disk0", "vm2-disk0"),
			rename("DataVolume", "vm-dv1", "vm2-dv1"), rename("PersistentVolumeClaim", "vm-hot", "vm2-hot"), rename("Secret", "vm-ci", "vm2-ci")),
		world:  world{claims: []*corev1.PersistentVolumeClaim{claimObject("vm-disk0", nil)}}, // the source's claims stay untouched
		target: "vm2",
		claims: map[string]string{"disk0": "vm2-disk0", "disk1": "vm2-dv1", "hot": "vm2-hot"},
		secret: "vm2-ci",
		resources: map[string]snapshotapi.ResourceResult{"VirtualMachine vm2": snapshotapi.ResourceCreated,
			"PersistentVolumeClaim vm2-disk0": snapshotapi.ResourceCreated, "DataVolume vm2-dv1": snapshotapi.ResourceCreated,
			"Secret vm2-ci": snapshotapi.ResourceCreated},
	}, {
		name:    "first match wins; a replacement without kind matches every kind",
		restore: testRestore(rename("", "vm", "copy"), rename("", "vm-disk0", "first"), rename("PersistentVolumeClaim", "vm-disk0", "second"), rename("", "vm-dv1", "d1"), rename("", "vm-hot", "h")),
		target:  "copy",
		claims:  map[string]string{"disk0": "first", "disk1": "d1", "hot": "h"},
		secret:  "vm-ci",
	}, {
		name:    "a replacement of another kind does not match",
		restore: testRestore(rename("VirtualMachine", "vm", "vm3"), rename("Secret", "vm-disk0", "nope")),
		target:  "vm3",
		claims:  map[string]string{"disk0": "vm-disk0", "disk1": "vm-dv1", "hot": "vm-hot"},
		secret:  "vm-ci",
	}, {
		name: "spec.target names the new VM",
		restore: testRestore(func(s *snapshotapi.VirtualMachineRestoreSpec) {
			s.Target = &corev1.TypedLocalObjectReference{APIGroup: ptr.To("kubevirt.io"), Kind: "VirtualMachine", Name: "explicit"}
		}, rename("VirtualMachine", "vm", "ignored")),
		target: "explicit",
		claims: map[string]string{"disk0": "vm-disk0", "disk1": "vm-dv1", "hot": "vm-hot"},
		secret: "vm-ci",
	}, {
		name:    "in place, RandomizeNames (the default)",
		restore: testRestore(),
		world:   world{target: liveSourceVM()},
		inPlace: true, target: "vm",
		claims:    map[string]string{"disk0": "restore-r-uid-disk0", "disk1": "restore-r-uid-disk1", "hot": "restore-r-uid-hot"},
		secret:    "vm-ci",
		resources: map[string]snapshotapi.ResourceResult{"VirtualMachine vm": snapshotapi.ResourceReplaced, "PersistentVolumeClaim restore-r-uid-disk0": snapshotapi.ResourceCreated},
	}, {
		name:    "in place, PrefixTargetName",
		restore: testRestore(withVolumePolicy(snapshotapi.VolumeRestorePrefixTargetName)),
		world:   world{target: liveSourceVM()},
		inPlace: true, target: "vm",
		claims: map[string]string{"disk0": "vm-disk0", "disk1": "vm-disk1", "hot": "vm-hot"},
		secret: "vm-ci",
		// vm-disk0 and vm-hot are the snapshot's own names: they replace the VM's claims.
		resources: map[string]snapshotapi.ResourceResult{"PersistentVolumeClaim vm-disk0": snapshotapi.ResourceReplaced,
			"PersistentVolumeClaim vm-disk1": snapshotapi.ResourceCreated},
	}, {
		name:    "in place, InPlace: the VM's claims are deleted and created again",
		restore: testRestore(withVolumePolicy(snapshotapi.VolumeRestoreInPlace)),
		world: world{target: liveSourceVM(), claims: []*corev1.PersistentVolumeClaim{claimObject("vm-disk0", nil), claimObject("vm-dv1", nil)},
			dataVolumes: []*cdiv1.DataVolume{{ObjectMeta: metav1.ObjectMeta{Name: "vm-dv1", Namespace: "ns"}}}},
		inPlace: true, target: "vm",
		claims: map[string]string{"disk0": "vm-disk0", "disk1": "vm-dv1", "hot": "vm-hot"},
		secret: "vm-ci",
		resources: map[string]snapshotapi.ResourceResult{"PersistentVolumeClaim vm-disk0": snapshotapi.ResourceReplaced,
			"DataVolume vm-dv1": snapshotapi.ResourceReplaced, "PersistentVolumeClaim vm-hot": snapshotapi.ResourceReplaced},
	}, {
		name:    "a VM this restore created is resumed as a new VM",
		restore: testRestore(),
		world: world{target: func() *kubevirtv1.VirtualMachine {
			vm := capturedVM()
			vm.UID = "new-uid"
			return restoreOwned(vm)
		}()},
		target:    "vm",
		claims:    map[string]string{"disk0": "vm-disk0", "disk1": "vm-dv1", "hot": "vm-hot"},
		secret:    "vm-ci",
		resources: map[string]snapshotapi.ResourceResult{"VirtualMachine vm": snapshotapi.ResourceCreated},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			p := buildPlan(tc.world.input(tc.restore, testSnapshot("")))
			if len(p.blockers) > 0 || p.refused != "" || len(p.failing) > 0 {
				t.Fatalf("blockers %v, refused %q, failing %v; want none", p.blockers, p.refused, p.failing)
			}
			if p.inPlace != tc.inPlace || p.targetName != tc.target || p.vm.Name != tc.target {
				t.Errorf("inPlace %v, target %q (VM %q); want %v, %q", p.inPlace, p.targetName, p.vm.Name, tc.inPlace, tc.target)
			}
			for _, vr := range p.restores {
				if want := tc.claims[vr.VolumeName]; vr.PersistentVolumeClaimName != want {
					t.Errorf("volume %s restored to claim %s, want %s", vr.VolumeName, vr.PersistentVolumeClaimName, want)
				}
				if vr.VolumeSnapshotName != "vs-"+vr.VolumeName {
					t.Errorf("volume %s restored from %s, want vs-%s", vr.VolumeName, vr.VolumeSnapshotName, vr.VolumeName)
				}
			}
			// Every reference is rewritten.
			if got := volume(p.vm, "disk0").PersistentVolumeClaim.ClaimName; got != tc.claims["disk0"] {
				t.Errorf("VM volume disk0 -> claim %s, want %s", got, tc.claims["disk0"])
			}
			if got := volume(p.vm, "disk1").DataVolume.Name; got != tc.claims["disk1"] {
				t.Errorf("VM volume disk1 -> DataVolume %s, want %s", got, tc.claims["disk1"])
			}
			if got := p.vm.Spec.DataVolumeTemplates[0]; got.Name != tc.claims["disk1"] || got.Annotations[cdiv1.AnnPrePopulated] != tc.claims["disk1"] {
				t.Errorf("dataVolumeTemplate %s (annotations %v), want %s marked pre-populated", got.Name, got.Annotations, tc.claims["disk1"])
			}
			hot := volume(p.vm, "hot").PersistentVolumeClaim
			if hot.ClaimName != tc.claims["hot"] || !hot.Hotpluggable {
				t.Errorf("VM volume hot -> claim %s hotpluggable %v; want %s and still hotpluggable", hot.ClaimName, hot.Hotpluggable, tc.claims["hot"])
			}
			if got := volume(p.vm, "cloudinit").CloudInitNoCloud.UserDataSecretRef.Name; got != tc.secret {
				t.Errorf("cloud-init user data Secret %s, want %s", got, tc.secret)
			}
			if got := resultOf(p, "Secret", tc.secret); got.Result != snapshotapi.ResourceCreated {
				t.Errorf("Secret %s: %+v, want Created", tc.secret, got)
			}
			if !tc.inPlace && p.vm.Labels[LabelRestoreUID] != string(restoreUID) {
				t.Errorf("new VM labels %v: want the restore's UID label", p.vm.Labels)
			}
			for key, want := range tc.resources {
				kind, name, _ := strings.Cut(key, " ")
				if got := resultOf(p, kind, name); got.Result != want {
					t.Errorf("%s: %s (%s), want %s", key, got.Result, got.Message, want)
				}
			}
		})
	}
}

func TestPlanRestoredClaim(t *testing.T) {
	for _, tc := range []struct {
		name, restoreSize, want string
	}{
		{"restore size larger than the request", "2Gi", "2Gi"},
		{"restore size smaller than the request", "512Mi", "1Gi"},
		{"no restore size reported", "", "1Gi"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := world{volumeSnapshots: []*snapshotv1.VolumeSnapshot{readyVolumeSnapshot("vs-disk0", tc.restoreSize),
				readyVolumeSnapshot("vs-disk1", ""), readyVolumeSnapshot("vs-hot", "")}}
			p := buildPlan(w.input(testRestore(rename("VirtualMachine", "vm", "vm2")), testSnapshot("")))
			claim := p.claims[0].claim
			if got := claim.Spec.Resources.Requests[corev1.ResourceStorage]; got.String() != tc.want {
				t.Errorf("request %s, want %s", got.String(), tc.want)
			}
			for _, ref := range []struct {
				group      *string
				kind, name string
			}{
				{claim.Spec.DataSource.APIGroup, claim.Spec.DataSource.Kind, claim.Spec.DataSource.Name},
				{claim.Spec.DataSourceRef.APIGroup, claim.Spec.DataSourceRef.Kind, claim.Spec.DataSourceRef.Name},
			} {
				if ptr.Deref(ref.group, "") != "snapshot.storage.k8s.io" || ref.kind != "VolumeSnapshot" || ref.name != "vs-disk0" {
					t.Errorf("data source %s/%s %s, want the VolumeSnapshot vs-disk0", ptr.Deref(ref.group, ""), ref.kind, ref.name)
				}
			}
			if claim.Spec.VolumeName != "" {
				t.Errorf("volumeName %q: a restored claim must not name the old volume", claim.Spec.VolumeName)
			}
			if _, ok := claim.Annotations["pv.kubernetes.io/bind-completed"]; ok || claim.Annotations["keep"] != "me" {
				t.Errorf("annotations %v: want binding annotations dropped and the others kept", claim.Annotations)
			}
			if claim.Labels["tier"] != "data" || claim.Labels[LabelRestoreUID] != string(restoreUID) {
				t.Errorf("labels %v: want the snapshot's and the restore's", claim.Labels)
			}
			dvClaim := p.claims[1].claim
			if dvClaim.Annotations[annPopulatedFor] != dvClaim.Name || dvClaim.Annotations["cdi.kubevirt.io/storage.pod.phase"] != "" {
				t.Errorf("claim of a DataVolume: annotations %v; want populatedFor and no stale CDI annotations", dvClaim.Annotations)
			}
		})
	}
}

func TestPlanConflicts(t *testing.T) {
	foreignClaim := claimObject("vm-disk0", nil)
	ourClaim := restoreOwned(claimObject("vm-disk0", nil))
	newVM := rename("VirtualMachine", "vm", "vm2")
	for _, tc := range []struct {
		name      string
		restore   *snapshotapi.VirtualMachineRestore
		world     world
		keep      snapshotapi.KeepIPAddressPolicy
		want      map[string]snapshotapi.ResourceResult
		conflicts int
		failing   int
		refused   string
		vmMAC     string
		// noSourceUID: the snapshot binds a content the user brought,
		// which names no source UID.
		noSourceUID bool
	}{{
		name:      "a claim of the name exists and is not ours",
		restore:   testRestore(newVM),
		world:     world{claims: []*corev1.PersistentVolumeClaim{foreignClaim}, users: map[string][]string{"vm-disk0": {"vm"}}},
		want:      map[string]snapshotapi.ResourceResult{"PersistentVolumeClaim vm-disk0": snapshotapi.ResourceConflict, "VirtualMachine vm2": snapshotapi.ResourceCreated},
		conflicts: 1, failing: 1, vmMAC: sourceMAC,
	}, {
		name:    "a claim this restore made is no conflict",
		restore: testRestore(newVM),
		world:   world{claims: []*corev1.PersistentVolumeClaim{ourClaim}},
		want:    map[string]snapshotapi.ResourceResult{"PersistentVolumeClaim vm-disk0": snapshotapi.ResourceCreated},
		vmMAC:   sourceMAC,
	}, {
		name:    "a Secret with the same data is unchanged",
		restore: testRestore(newVM),
		world:   world{secrets: []*corev1.Secret{secretObject("vm-ci", "#cloud-config", nil)}},
		want:    map[string]snapshotapi.ResourceResult{"Secret vm-ci": snapshotapi.ResourceUnchanged},
		vmMAC:   sourceMAC,
	}, {
		name:      "a Secret with other data is a conflict",
		restore:   testRestore(newVM),
		world:     world{secrets: []*corev1.Secret{secretObject("vm-ci", "#changed", nil)}},
		want:      map[string]snapshotapi.ResourceResult{"Secret vm-ci": snapshotapi.ResourceConflict},
		conflicts: 1, failing: 1, vmMAC: sourceMAC,
	}, {
		name:      "a MAC used by another running VM is a conflict",
		restore:   testRestore(newVM),
		world:     world{macUsers: map[string]string{sourceMAC: "vm"}},
		want:      map[string]snapshotapi.ResourceResult{"VirtualMachine vm2": snapshotapi.ResourceConflict},
		conflicts: 1, failing: 1, vmMAC: sourceMAC,
	}, {
		name:    "keepIPAddress Never: fresh MACs, no MAC conflict",
		restore: testRestore(newVM),
		world:   world{macUsers: map[string]string{sourceMAC: "vm"}},
		keep:    snapshotapi.KeepIPAddressNever,
		want:    map[string]snapshotapi.ResourceResult{"VirtualMachine vm2": snapshotapi.ResourceCreated},
	}, {
		name:    "BestEffort skips the Secret and the MAC, not the claim",
		restore: testRestore(newVM, withMode(snapshotapi.RestoreModeBestEffort)),
		world: world{claims: []*corev1.PersistentVolumeClaim{foreignClaim}, secrets: []*corev1.Secret{secretObject("vm-ci", "#changed", nil)},
			macUsers: map[string]string{sourceMAC: "vm"}},
		want: map[string]snapshotapi.ResourceResult{"Secret vm-ci": snapshotapi.ResourceSkipped, "VirtualMachine vm2": snapshotapi.ResourceCreated,
			"PersistentVolumeClaim vm-disk0": snapshotapi.ResourceConflict},
		conflicts: 3, failing: 1,
	}, {
		name:    "DryRun reports conflicts and fails on none",
		restore: testRestore(newVM, withMode(snapshotapi.RestoreModeDryRun)),
		world:   world{claims: []*corev1.PersistentVolumeClaim{foreignClaim}, secrets: []*corev1.Secret{secretObject("vm-ci", "#changed", nil)}},
		want: map[string]snapshotapi.ResourceResult{"Secret vm-ci": snapshotapi.ResourceConflict,
			"PersistentVolumeClaim vm-disk0": snapshotapi.ResourceConflict, "PersistentVolumeClaim vm-hot": snapshotapi.ResourceCreated},
		conflicts: 2, vmMAC: sourceMAC,
	}, {
		name:      "in place, InPlace: a claim shared with another VM is a conflict",
		restore:   testRestore(withVolumePolicy(snapshotapi.VolumeRestoreInPlace)),
		world:     world{target: liveSourceVM(), claims: []*corev1.PersistentVolumeClaim{foreignClaim}, users: map[string][]string{"vm-disk0": {"other"}}},
		want:      map[string]snapshotapi.ResourceResult{"PersistentVolumeClaim vm-disk0": snapshotapi.ResourceConflict, "VirtualMachine vm": snapshotapi.ResourceReplaced},
		conflicts: 1, failing: 1, vmMAC: sourceMAC,
	}, {
		name:    "in place, keepIPAddress Never keeps the spec's MAC",
		restore: testRestore(),
		world:   world{target: liveSourceVM()},
		keep:    snapshotapi.KeepIPAddressNever,
		want:    map[string]snapshotapi.ResourceResult{"VirtualMachine vm": snapshotapi.ResourceReplaced},
		vmMAC:   sourceMAC,
	}, {
		name:      "the target is another VM",
		restore:   testRestore(newVM),
		world:     world{target: &kubevirtv1.VirtualMachine{ObjectMeta: metav1.ObjectMeta{Name: "vm2", Namespace: "ns", UID: "other"}}},
		want:      map[string]snapshotapi.ResourceResult{"VirtualMachine vm2": snapshotapi.ResourceConflict},
		conflicts: 1, failing: 1, refused: "is not the VM snapshot snap was taken of", vmMAC: sourceMAC,
	}, {
		name:      "the source VM was deleted and created again",
		restore:   testRestore(),
		world:     world{target: func() *kubevirtv1.VirtualMachine { vm := liveSourceVM(); vm.UID = "recreated"; return vm }()},
		want:      map[string]snapshotapi.ResourceResult{"VirtualMachine vm": snapshotapi.ResourceConflict},
		conflicts: 1, failing: 1, refused: "deleted and created again", vmMAC: sourceMAC,
	}, {
		name:      "the snapshot does not record the source VM's UID",
		restore:   testRestore(),
		world:     world{target: liveSourceVM()},
		want:      map[string]snapshotapi.ResourceResult{"VirtualMachine vm": snapshotapi.ResourceConflict},
		conflicts: 1, failing: 1, refused: "does not record the UID of the VM it was taken of", vmMAC: sourceMAC,
		noSourceUID: true,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			snap := testSnapshot(tc.keep)
			if tc.noSourceUID {
				snap.Status.SourceUID = nil
			}
			p := buildPlan(tc.world.input(tc.restore, snap))
			for key, want := range tc.want {
				kind, name, _ := strings.Cut(key, " ")
				got := resultOf(p, kind, name)
				if got.Result != want {
					t.Errorf("%s: %s (%s), want %s", key, got.Result, got.Message, want)
				}
				if want != snapshotapi.ResourceCreated && got.Message == "" {
					t.Errorf("%s: %s without a message", key, got.Result)
				}
			}
			if len(p.conflicts) != tc.conflicts || len(p.failing) != tc.failing {
				t.Errorf("conflicts %q, failing %q; want %d and %d", p.conflicts, p.failing, tc.conflicts, tc.failing)
			}
			if !strings.Contains(p.refused, tc.refused) || (tc.refused == "") != (p.refused == "") {
				t.Errorf("refused %q, want it to say %q", p.refused, tc.refused)
			}
			if got := p.vm.Spec.Template.Spec.Domain.Devices.Interfaces[0].MacAddress; got != tc.vmMAC {
				t.Errorf("MAC %q, want %q", got, tc.vmMAC)
			}
			for _, s := range p.secrets {
				if r := resultOf(p, "Secret", s.Name).Result; r != snapshotapi.ResourceCreated {
					t.Errorf("Secret %s is %s but planned for creation", s.Name, r)
				}
			}
		})
	}
}

func TestPlanBlockers(t *testing.T) {
	notReady := readyVolumeSnapshot("vs-disk0", "")
	notReady.Status.ReadyToUse = ptr.To(false)
	// Another user deleted the snapshot's VolumeSnapshot and made one of
	// their own disk under its name.
	foreign := readyVolumeSnapshot("vs-disk0", "")
	foreign.OwnerReferences = nil
	for _, tc := range []struct {
		name  string
		world world
		want  string
	}{
		{"VolumeSnapshot missing", world{volumeSnapshots: []*snapshotv1.VolumeSnapshot{readyVolumeSnapshot("vs-disk1", ""), readyVolumeSnapshot("vs-hot", "")}},
			"VolumeSnapshot vs-disk0 of volume disk0 does not exist"},
		{"VolumeSnapshot not ready", world{volumeSnapshots: []*snapshotv1.VolumeSnapshot{notReady, readyVolumeSnapshot("vs-disk1", ""), readyVolumeSnapshot("vs-hot", "")}},
			"VolumeSnapshot vs-disk0 of volume disk0 is not ready to use"},
		{"DataVolume API not served", world{noDataVolumes: true}, "DataVolume API (cdi.kubevirt.io/v1beta1) is not served"},
		{"VolumeSnapshot made by someone else", world{volumeSnapshots: []*snapshotv1.VolumeSnapshot{foreign, readyVolumeSnapshot("vs-disk1", ""), readyVolumeSnapshot("vs-hot", "")}},
			"VolumeSnapshot vs-disk0 of volume disk0 was not made for snapshot snap"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := buildPlan(tc.world.input(testRestore(rename("VirtualMachine", "vm", "vm2")), testSnapshot("")))
			if len(p.blockers) != 1 || !strings.Contains(p.blockers[0].message, tc.want) {
				t.Errorf("blockers %+v, want one saying %q", p.blockers, tc.want)
			}
		})
	}
}

// A Secret copy replaced by another user's Secret under its name is never
// put into the guest; the objects of a content the user brought, which no
// one controls, are restored from.
func TestPlanRestoresOnlyWhatWasMadeForTheContent(t *testing.T) {
	in := world{}.input(testRestore(rename("VirtualMachine", "vm", "vm2")), testSnapshot(""))
	forged := secretObject("copy-ci", "#cloud-config\nusers: [intruder]", nil)
	in.secret = func(name string) *corev1.Secret {
		if name == forged.Name {
			return forged
		}
		return nil
	}
	p := buildPlan(in)
	if len(p.blockers) != 1 || p.blockers[0].reason != ReasonNameConflict || !strings.Contains(p.blockers[0].message, "the copy copy-ci of Secret vm-ci") {
		t.Errorf("a forged Secret copy: blockers %+v, want one %s naming it", p.blockers, ReasonNameConflict)
	}

	brought := world{volumeSnapshots: []*snapshotv1.VolumeSnapshot{readyVolumeSnapshot("vs-disk0", ""), readyVolumeSnapshot("vs-disk1", ""), readyVolumeSnapshot("vs-hot", "")}}
	for _, vs := range brought.volumeSnapshots {
		vs.OwnerReferences = nil
	}
	snap := testSnapshot("")
	snap.Spec.Source = corev1.TypedLocalObjectReference{APIGroup: ptr.To(snapshotapi.SchemeGroupVersion.Group), Kind: "VirtualMachineSnapshotContent", Name: "content"}
	in = brought.input(testRestore(rename("VirtualMachine", "vm", "vm2")), snap)
	in.secret = func(name string) *corev1.Secret {
		if name == "copy-ci" {
			return secretObject("copy-ci", "#cloud-config", nil)
		}
		return nil
	}
	if p := buildPlan(in); len(p.blockers) != 0 || len(p.claims) != 3 {
		t.Errorf("a content the user brought: blockers %+v, %d claims; want none and 3", p.blockers, len(p.claims))
	}
}

func TestPlanConfigurationOnlySnapshot(t *testing.T) {
	in := world{}.input(testRestore(rename("VirtualMachine", "vm", "vm2")), testSnapshot(""))
	in.content.Spec.VolumeBackups = nil
	p := buildPlan(in)
	if len(p.blockers) > 0 || len(p.claims) != 0 || len(p.secrets) != 1 {
		t.Fatalf("blockers %v, %d claims, %d Secrets; want none, none and the cloud-init Secret", p.blockers, len(p.claims), len(p.secrets))
	}
	if got := volume(p.vm, "disk0").PersistentVolumeClaim.ClaimName; got != "vm-disk0" {
		t.Errorf("a volume not in the snapshot keeps its claim (after nameReplacements): got %s", got)
	}
}

// contentUID is testContent's UID.
const contentUID = "content-uid"

// heldByTestContent is the controller reference the controller puts on the
// VolumeSnapshots and Secret copies of a content.
func heldByTestContent() []metav1.OwnerReference {
	return []metav1.OwnerReference{*metav1.NewControllerRef(testContent(), snapshotapi.SchemeGroupVersion.WithKind("VirtualMachineSnapshotContent"))}
}

// testSecretCopy is testContent's copy of the VM's cloud-init Secret.
func testSecretCopy() *corev1.Secret {
	secret := secretObject("copy-ci", "#cloud-config", nil)
	secret.OwnerReferences = heldByTestContent()
	return secret
}

// A Secret that a failed restore left (it is removed with that restore) is
// not taken as the restored one, even with the snapshot's data: the garbage
// collector would take it from the new VM. The restore waits for it.
func TestPlanWaitsForASecretAnotherRestoreHolds(t *testing.T) {
	left := secretObject("vm2-ci", "#cloud-config", nil)
	left.OwnerReferences = []metav1.OwnerReference{{APIVersion: snapshotapi.SchemeGroupVersion.String(), Kind: "VirtualMachineRestore", Name: "failed", UID: "failed-uid"}}
	p := buildPlan(world{secrets: []*corev1.Secret{left}}.input(testRestore(rename("VirtualMachine", "vm", "vm2"), rename("", "vm-ci", "vm2-ci")), testSnapshot("")))
	if len(p.blockers) != 1 || p.blockers[0].reason != ReasonNameConflict || !strings.Contains(p.blockers[0].message, "Secret vm2-ci belongs to VirtualMachineRestore failed") {
		t.Errorf("blockers %+v; want one %s naming the Secret and the restore that holds it", p.blockers, ReasonNameConflict)
	}
	if len(p.secrets) != 0 {
		t.Errorf("the plan creates %d Secrets; want none", len(p.secrets))
	}
}

func TestSecretNamesComeFromTheStatusAndTheContent(t *testing.T) {
	r := testRestore(rename("", "vm-ci", "vm2-ci"))
	r.Status.Resources = []snapshotapi.RestoredResource{
		{Kind: kindSecret, Name: "listed"}, {Kind: kindClaim, Name: "a-claim"}, {Kind: kindSecret, Name: "vm2-ci"},
	}
	if got := secretNames(r, testContent()); !slices.Equal(got, []string{"listed", "vm2-ci"}) {
		t.Errorf("with the content: %v, want [listed vm2-ci]", got)
	}
	if got := secretNames(r, nil); !slices.Equal(got, []string{"listed", "vm2-ci"}) {
		t.Errorf("without the content: %v, want [listed vm2-ci]", got)
	}
	r.Status.Resources = nil
	if got := secretNames(r, testContent()); !slices.Equal(got, []string{"vm2-ci"}) {
		t.Errorf("with no status: %v, want the content's [vm2-ci]", got)
	}
}

// A sysprep Secret follows its nameReplacement in the restored VM, and is
// among the Secrets a VM uses.
func TestSysprepSecretIsRenamed(t *testing.T) {
	v := kubevirtv1.Volume{Name: "sysprep", VolumeSource: kubevirtv1.VolumeSource{Sysprep: &kubevirtv1.SysprepSource{Secret: &corev1.LocalObjectReference{Name: "unattend"}}}}
	r := testRestore(rename("Secret", "unattend", "unattend2"))
	rewriteVolume(&v, names{&r.Spec}, nil)
	if got := v.Sysprep.Secret.Name; got != "unattend2" {
		t.Errorf("sysprep Secret %s, want unattend2", got)
	}
	vm := capturedVM()
	vm.Spec.Template.Spec.Volumes = append(vm.Spec.Template.Spec.Volumes, v)
	if !secretsOf(vm)["unattend2"] {
		t.Errorf("secretsOf %v; want the sysprep Secret unattend2", secretsOf(vm))
	}
}
