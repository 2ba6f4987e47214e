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
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
)

func TestNamespaceName(t *testing.T) {
	for _, tc := range []struct {
		testName   string
		wantPrefix string
	}{
		{"TestSnapshotOfStoppedVM", "testsnapshotofstoppedvm-"},
		{"TestInvalidSpecs/wrong_kind", "testinvalidspecs-wrong-kind-"},
		{"Test__Weird  Name!", "test-weird-name-"},
		{strings.Repeat("TestVeryLongName", 10), "testverylongnametestverylongnametestvery-"},
		{"???", "test-"},
	} {
		got := namespaceName(tc.testName)
		if !strings.HasPrefix(got, tc.wantPrefix) || len(got) != len(tc.wantPrefix)+5 {
			t.Errorf("namespaceName(%q) = %q, want %q followed by 5 random characters", tc.testName, got, tc.wantPrefix)
		}
		if errs := validation.IsDNS1123Label(got); len(errs) > 0 {
			t.Errorf("namespaceName(%q) = %q is not a valid namespace name: %v", tc.testName, got, errs)
		}
	}
}

func TestDescribeSnapshot(t *testing.T) {
	snap := &snapshotapi.VirtualMachineSnapshot{
		Status: snapshotapi.VirtualMachineSnapshotStatus{
			Phase:      snapshotapi.SnapshotPending,
			ReadyToUse: ptr.To(false),
			Conditions: []metav1.Condition{{Type: "Ready", Status: metav1.ConditionFalse, Reason: "NoGuestAgent", Message: "no agent"}},
			Indications: []snapshotapi.Indication{
				{Type: snapshotapi.IndicationOnline}, {Type: snapshotapi.IndicationNoGuestAgent},
			},
			Error: &snapshotapi.Error{Message: ptr.To("boom")},
		},
	}
	want := `phase Pending, readyToUse=false, consistent=<unset>, conditions: Ready=False (NoGuestAgent: "no agent"), indications: Online, NoGuestAgent, error: "boom"`
	if got := DescribeSnapshot(snap); got != want {
		t.Errorf("DescribeSnapshot:\n got %s\nwant %s", got, want)
	}
	if got := DescribeSnapshot(&snapshotapi.VirtualMachineSnapshot{}); got != "phase <unset>, readyToUse=<unset>, consistent=<unset>, conditions: none" {
		t.Errorf("DescribeSnapshot of an empty status: %s", got)
	}
}

func TestPollReportsLastObservation(t *testing.T) {
	notFound := apierrors.NewNotFound(schema.GroupResource{Resource: "things"}, "x")
	for _, tc := range []struct {
		name     string
		results  []error
		seen     []string
		wantSeen string
	}{
		{name: "last description", results: []error{nil, nil}, seen: []string{"phase Pending", "phase InProgress"}, wantSeen: "phase InProgress"},
		{name: "not found", results: []error{nil, notFound}, seen: []string{"phase Pending", ""}, wantSeen: "not found"},
		{name: "other error", results: []error{errors.New("connection refused")}, seen: []string{""}, wantSeen: "error: connection refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			check := func(context.Context) (bool, string, error) {
				i := min(calls, len(tc.results)-1)
				calls++
				return false, tc.seen[i], tc.results[i]
			}
			// Long enough for every scripted result to be returned once.
			timeout := time.Duration(len(tc.results)+1) * PollInterval
			err := poll(context.Background(), timeout, check, func(seen string, _ time.Duration) error {
				return fmt.Errorf("want Ready; last seen: %s", seen)
			})
			if err == nil || err.Error() != "want Ready; last seen: "+tc.wantSeen {
				t.Errorf("poll error = %v, want it to end with %q", err, tc.wantSeen)
			}
		})
	}
}

func TestPollStopsWhenDone(t *testing.T) {
	calls := 0
	err := poll(context.Background(), time.Minute, func(context.Context) (bool, string, error) {
		calls++
		return calls == 3, "", nil
	}, func(string, time.Duration) error { return errors.New("timed out") })
	if err != nil || calls != 3 {
		t.Errorf("poll = %v after %d checks, want nil after 3", err, calls)
	}
}

func TestBuildVM(t *testing.T) {
	b := buildVM("ns", "vm", WithPVCDisks(2), WithPVCDisk("fast", "fast-class"), WithExistingClaim("old", "old-claim"),
		WithDataVolumeDisk("dv"), WithContainerDisk(), WithCloudInit())

	spec := b.vm.Spec.Template.Spec
	var volumes, disks []string
	for _, v := range spec.Volumes {
		volumes = append(volumes, v.Name)
	}
	for _, d := range spec.Domain.Devices.Disks {
		disks = append(disks, d.Name)
	}
	wantVolumes := "disk0 disk1 fast old dv containerdisk cloudinit"
	if got := strings.Join(volumes, " "); got != wantVolumes {
		t.Errorf("volumes = %s, want %s", got, wantVolumes)
	}
	if got := strings.Join(disks, " "); got != wantVolumes {
		t.Errorf("every volume needs a disk: disks = %s, want %s", got, wantVolumes)
	}
	wantClaims := []claimToMake{{"vm-disk0", "vmsnap-test"}, {"vm-disk1", "vmsnap-test"}, {"vm-fast", "fast-class"}}
	if fmt.Sprint(b.claims) != fmt.Sprint(wantClaims) {
		t.Errorf("claims = %v, want %v", b.claims, wantClaims)
	}
	if len(b.dataVolumes) != 1 || b.dataVolumes[0].name != "vm-dv" {
		t.Errorf("dataVolumes = %v, want vm-dv", b.dataVolumes)
	}
	if len(b.secrets) != 1 || b.secrets[0].Name != CloudInitSecretName("vm") || b.secrets[0].Namespace != "ns" {
		t.Errorf("secrets = %v, want %s in ns", b.secrets, CloudInitSecretName("vm"))
	}
	if got := spec.Volumes[3].PersistentVolumeClaim.ClaimName; got != "old-claim" {
		t.Errorf("the existing claim volume refers to %q, want old-claim", got)
	}
	if ptr.Deref(b.vm.Spec.RunStrategy, "") != "Halted" {
		t.Errorf("a new VM should be stopped; runStrategy %v", b.vm.Spec.RunStrategy)
	}
}

func TestNewRunningVMI(t *testing.T) {
	vm := buildVM("ns", "vm", WithPVCDisks(1)).vm
	vm.UID = "uid-1"
	for _, withAgent := range []bool{true, false} {
		vmi := newRunningVMI(vm, withAgent)
		if vmi.Name != "vm" || vmi.Namespace != "ns" || vmi.Status.Phase != "Running" {
			t.Errorf("VMI %s/%s phase %s, want ns/vm Running", vmi.Namespace, vmi.Name, vmi.Status.Phase)
		}
		if owner := metav1.GetControllerOf(vmi); owner == nil || owner.UID != "uid-1" || owner.Kind != "VirtualMachine" {
			t.Errorf("VMI owner = %+v, want the VM", owner)
		}
		agent := false
		for _, c := range vmi.Status.Conditions {
			if c.Type == "AgentConnected" && c.Status == corev1.ConditionTrue {
				agent = true
			}
		}
		if agent != withAgent {
			t.Errorf("withAgent=%t: AgentConnected condition present=%t", withAgent, agent)
		}
		if len(vmi.Status.Interfaces) != 1 || !regexp.MustCompile(`^10\.244\.0\.\d+$`).MatchString(vmi.Status.Interfaces[0].IP) {
			t.Errorf("VMI interfaces = %+v, want one with an IP", vmi.Status.Interfaces)
		}
	}
}

func TestMissingPrerequisites(t *testing.T) {
	binDir, crdDir := t.TempDir(), t.TempDir()
	if got := missingPrerequisites(binDir, []string{crdDir}); !strings.Contains(got, "kube-apiserver") || !strings.Contains(got, "make tools build") {
		t.Errorf("with no binaries: %q, want it to name kube-apiserver and how to build it", got)
	}
	for _, name := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kubectl", "csi-provisioner",
		"snapshot-controller", "csi-snapshotter", "vmsnap-test-csi"} {
		if err := os.WriteFile(filepath.Join(binDir, name), nil, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if got := missingPrerequisites(binDir, []string{crdDir}); !strings.Contains(got, crdDir) || !strings.Contains(got, "make crds-kubevirt") {
		t.Errorf("with no CRDs: %q, want it to name %s and how to generate them", got, crdDir)
	}
	if err := os.WriteFile(filepath.Join(crdDir, "crd.yaml"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := missingPrerequisites(binDir, []string{crdDir}); got != "" {
		t.Errorf("with everything there: %q, want nothing missing", got)
	}
}
