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

package cluster

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// clusterFor is a cluster that was never started, for what Start derives
// from its Config.
func clusterFor(cfg Config) *Cluster {
	if cfg.DriverName == "" {
		cfg.DriverName = DefaultDriverName
	}
	return &Cluster{cfg: cfg, sets: csiSetsFor(cfg), layout: layout{dir: cfg.Dir}}
}

// A cluster without the second driver starts the components it always
// started, in the same order and with the same driver flags.
func TestOneDriverSetStartsAsBefore(t *testing.T) {
	c := clusterFor(Config{Dir: "/d", BinDir: "/bin"})
	want := []string{Etcd, KubeAPIServer, CSIDriver, KubeControllerManager, CSIProvisioner, SnapshotController, CSISnapshotter}
	if got := c.componentOrder(); !slices.Equal(got, want) {
		t.Errorf("componentOrder() = %v, want %v", got, want)
	}
	binary, args := c.commandFor(CSIDriver)
	wantArgs := []string{"--endpoint", "unix:///d/csi/csi.sock", "--state-dir", "/d/csi/state", "--driver-name", DefaultDriverName}
	if binary != "/bin/"+CSIDriverBinary || !slices.Equal(args, wantArgs) {
		t.Errorf("commandFor(%s) = %s %v, want /bin/%s %v", CSIDriver, binary, args, CSIDriverBinary, wantArgs)
	}
	if got := c.DriverNames(); !slices.Equal(got, []string{DefaultDriverName}) {
		t.Errorf("DriverNames() = %v, want only %s", got, DefaultDriverName)
	}
	if got := c.CSIStateDirOf(SecondDriverName); got != "" {
		t.Errorf("CSIStateDirOf(%s) = %q without the second driver, want \"\"", SecondDriverName, got)
	}
}

// The second set is the first one's components with their own names,
// socket and state, started with their first-set counterparts.
func TestSecondDriverSet(t *testing.T) {
	c := clusterFor(Config{Dir: "/d", BinDir: "/bin", SecondDriver: true})
	want := []string{
		Etcd, KubeAPIServer, CSIDriver, CSIDriver2,
		KubeControllerManager, CSIProvisioner, CSIProvisioner2,
		SnapshotController, CSISnapshotter, CSISnapshotter2,
	}
	if got := c.componentOrder(); !slices.Equal(got, want) {
		t.Errorf("componentOrder() = %v, want %v", got, want)
	}
	if CSIDriver2 != "csi-driver-2" || CSIProvisioner2 != "csi-provisioner-2" || CSISnapshotter2 != "csi-snapshotter-2" {
		t.Errorf("second set components %s, %s, %s", CSIDriver2, CSIProvisioner2, CSISnapshotter2)
	}

	tests := []struct {
		component, binary string
		wantArgs          []string
	}{
		{CSIDriver2, CSIDriverBinary, []string{
			"--endpoint", "unix:///d/csi2/csi-2.sock", "--state-dir", "/d/csi2/state", "--driver-name", SecondDriverName, "--group-snapshots=false",
		}},
		{CSIProvisioner2, CSIProvisioner, []string{"--csi-address=/d/csi2/csi-2.sock"}},
		{CSISnapshotter2, CSISnapshotter, []string{"--csi-address=/d/csi2/csi-2.sock", "--resync-period=20s"}},
		// The first set is unchanged by the second.
		{CSIProvisioner, CSIProvisioner, []string{"--csi-address=/d/csi/csi.sock"}},
		{CSIDriver, CSIDriverBinary, []string{"--driver-name", DefaultDriverName}},
	}
	for _, tt := range tests {
		binary, args := c.commandFor(tt.component)
		if binary != filepath.Join("/bin", tt.binary) {
			t.Errorf("commandFor(%s) runs %s, want /bin/%s", tt.component, binary, tt.binary)
		}
		for _, arg := range tt.wantArgs {
			if !slices.Contains(args, arg) {
				t.Errorf("commandFor(%s) args %v lack %s", tt.component, args, arg)
			}
		}
	}
	if _, args := c.commandFor(CSIDriver); slices.ContainsFunc(args, func(a string) bool { return strings.Contains(a, "group-snapshots") }) {
		t.Errorf("the first driver's args %v set --group-snapshots; it keeps the driver's default", args)
	}

	if got := c.DriverNames(); !slices.Equal(got, []string{DefaultDriverName, SecondDriverName}) {
		t.Errorf("DriverNames() = %v", got)
	}
	if got := c.CSIStateDirOf(SecondDriverName); got != "/d/csi2/state" {
		t.Errorf("CSIStateDirOf(%s) = %q, want /d/csi2/state", SecondDriverName, got)
	}
	if got := c.CSIStateDirOf(DefaultDriverName); got != c.CSIStateDir() {
		t.Errorf("CSIStateDirOf(%s) = %q, want CSIStateDir() %q", DefaultDriverName, got, c.CSIStateDir())
	}
}

// Each set's StorageClass, VolumeSnapshotClass and VolumeGroupSnapshotClass.
func TestDriverSetClasses(t *testing.T) {
	if vgsc := volumeGroupSnapshotClass(csiSetsFor(Config{DriverName: DefaultDriverName})[0]); vgsc != nil {
		t.Errorf("without Config.GroupSnapshotClass the driver has VolumeGroupSnapshotClass %s", vgsc.Name)
	}
	sets := csiSetsFor(Config{DriverName: DefaultDriverName, SecondDriver: true, GroupSnapshotClass: true})
	first, second := sets[0], sets[1]

	if sc := storageClass(first); sc.Name != StorageClassName || sc.Provisioner != DefaultDriverName || sc.Annotations[defaultStorageClassAnnotation] != "true" {
		t.Errorf("first StorageClass %s (provisioner %s, annotations %v), want %s of %s, the cluster default", sc.Name, sc.Provisioner, sc.Annotations, StorageClassName, DefaultDriverName)
	}
	if sc := storageClass(second); sc.Name != NoGroupStorageClassName || sc.Provisioner != SecondDriverName || sc.Annotations[defaultStorageClassAnnotation] != "" {
		t.Errorf("second StorageClass %s (provisioner %s, annotations %v), want %s of %s, not a default", sc.Name, sc.Provisioner, sc.Annotations, NoGroupStorageClassName, SecondDriverName)
	}
	for _, s := range sets {
		if vsc := volumeSnapshotClass(s); vsc.Driver != s.driverName || vsc.Annotations[defaultSnapshotClassAnnotation] != "true" {
			t.Errorf("VolumeSnapshotClass %s: driver %s, annotations %v; want the default of %s", vsc.Name, vsc.Driver, vsc.Annotations, s.driverName)
		}
	}
	vgsc := volumeGroupSnapshotClass(first)
	if vgsc == nil || vgsc.Name != GroupSnapshotClassName || vgsc.Driver != DefaultDriverName ||
		vgsc.Annotations[defaultGroupSnapshotClassAnnotation] != "true" || vgsc.DeletionPolicy != "Delete" {
		t.Errorf("first VolumeGroupSnapshotClass = %+v, want %s, the default of %s, deletionPolicy Delete", vgsc, GroupSnapshotClassName, DefaultDriverName)
	}
	if vgsc := volumeGroupSnapshotClass(second); vgsc != nil {
		t.Errorf("the second driver, without group snapshots, has VolumeGroupSnapshotClass %s", vgsc.Name)
	}
}

// Both sockets move to a short temporary directory when Dir is too deep.
func TestDeepDirMovesBothSockets(t *testing.T) {
	deep := filepath.Join(t.TempDir(), strings.Repeat("x", maxSocketPath))
	c := clusterFor(Config{Dir: deep, SecondDriver: true})
	if err := c.prepare(); err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	if c.tempDir == "" {
		t.Fatal("prepare kept the sockets under a Dir too deep for them")
	}
	for _, s := range c.sets {
		if socket := c.layout.csiSocket(s); filepath.Dir(socket) != c.tempDir || len(socket) > maxSocketPath {
			t.Errorf("socket of %s is %s, want it in %s", s.driverName, socket, c.tempDir)
		}
	}
	if c.layout.csiSocket(c.sets[0]) == c.layout.csiSocket(c.sets[1]) {
		t.Error("both drivers share one socket")
	}
}
