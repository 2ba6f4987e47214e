package main

import (
	"strings"
	"testing"

	extv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

func TestReadKubeVirtCRDs(t *testing.T) {
	crds, err := readKubeVirtCRDs("testdata/validations.go")
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*extv1.CustomResourceDefinition{}
	for _, crd := range crds {
		byName[crd.Name] = crd
	}

	vm := byName["virtualmachines.kubevirt.io"]
	if vm == nil {
		t.Fatalf("no VirtualMachine CRD among %v", keys(byName))
	}
	if vm.Spec.Scope != extv1.NamespaceScoped || vm.Spec.Names.Kind != "VirtualMachine" {
		t.Errorf("VirtualMachine CRD has scope %q and kind %q", vm.Spec.Scope, vm.Spec.Names.Kind)
	}
	if len(vm.Spec.Versions) != 2 {
		t.Fatalf("VirtualMachine CRD has %d versions, want v1 and v1alpha3", len(vm.Spec.Versions))
	}
	v1, v1alpha3 := vm.Spec.Versions[0], vm.Spec.Versions[1]
	if v1.Name != "v1" || !v1.Served || !v1.Storage {
		t.Errorf("first version is %s served=%t storage=%t, want v1 served and stored", v1.Name, v1.Served, v1.Storage)
	}
	if v1alpha3.Name != "v1alpha3" || !v1alpha3.Served || v1alpha3.Storage || !v1alpha3.Deprecated {
		t.Errorf("second version is %s served=%t storage=%t deprecated=%t, want v1alpha3 served and deprecated",
			v1alpha3.Name, v1alpha3.Served, v1alpha3.Storage, v1alpha3.Deprecated)
	}
	for _, version := range vm.Spec.Versions {
		if version.Subresources == nil || version.Subresources.Status == nil {
			t.Errorf("VirtualMachine %s has no status subresource", version.Name)
		}
		if got := version.Schema.OpenAPIV3Schema.Description; got != "A virtual machine." {
			t.Errorf("VirtualMachine %s schema description is %q", version.Name, got)
		}
		if len(version.AdditionalPrinterColumns) != 3 {
			t.Errorf("VirtualMachine %s has %d printer columns, want 3", version.Name, len(version.AdditionalPrinterColumns))
		}
	}
	// The versions must not share a schema: a later edit of one would
	// silently change the other.
	if v1.Schema == v1alpha3.Schema {
		t.Error("versions share one schema object")
	}

	vmi := byName["virtualmachineinstances.kubevirt.io"]
	if vmi == nil {
		t.Fatalf("no VirtualMachineInstance CRD among %v", keys(byName))
	}
	if vmi.Spec.Versions[0].Subresources != nil {
		t.Error("VirtualMachineInstance has subresources; KubeVirt declares none")
	}
	if got := vmi.Spec.Names.ShortNames; strings.Join(got, ",") != "vmi,vmis" {
		t.Errorf("VirtualMachineInstance short names are %v", got)
	}

	if byName["virtualmachineinstancemigrations.kubevirt.io"] == nil {
		t.Errorf("no VirtualMachineInstanceMigration CRD among %v", keys(byName))
	}

	for name, scope := range map[string]extv1.ResourceScope{
		"virtualmachineinstancetypes.instancetype.kubevirt.io":        extv1.NamespaceScoped,
		"virtualmachineclusterinstancetypes.instancetype.kubevirt.io": extv1.ClusterScoped,
		"virtualmachinepreferences.instancetype.kubevirt.io":          extv1.NamespaceScoped,
		"virtualmachineclusterpreferences.instancetype.kubevirt.io":   extv1.ClusterScoped,
	} {
		crd := byName[name]
		if crd == nil {
			t.Errorf("no CRD %s among %v", name, keys(byName))
			continue
		}
		if crd.Spec.Scope != scope || crd.Spec.Group != "instancetype.kubevirt.io" {
			t.Errorf("%s has scope %q and group %q, want %q in instancetype.kubevirt.io", name, crd.Spec.Scope, crd.Spec.Group, scope)
		}
		if len(crd.Spec.Versions) != 1 || crd.Spec.Versions[0].Name != "v1beta1" || !crd.Spec.Versions[0].Storage ||
			crd.Spec.Versions[0].Subresources != nil {
			t.Errorf("%s versions are %+v, want v1beta1 alone, stored, without subresources", name, crd.Spec.Versions)
		}
	}
}

func TestKubeVirtShellWithoutSchema(t *testing.T) {
	_, err := kubevirtShells[0].build(map[string]string{})
	if err == nil || !strings.Contains(err.Error(), `no schema for "virtualmachine"`) {
		t.Errorf("got error %v, want a missing schema", err)
	}
	_, err = kubevirtShells[0].build(map[string]string{"virtualmachine": "openAPIV3Schema:\n  typo: object\n"})
	if err == nil || !strings.Contains(err.Error(), "typo") {
		t.Errorf("got error %v, want the unknown field named", err)
	}
}

func keys[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	return names
}
