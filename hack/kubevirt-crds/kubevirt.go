package main

import (
	"fmt"
	"strings"

	extv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	virtv1 "kubevirt.io/api/core/v1"
	instancetypev1beta1 "kubevirt.io/api/instancetype/v1beta1"
	"sigs.k8s.io/yaml"
)

const (
	// kubevirtValidationsFile maps each KubeVirt kind, by its singular
	// resource name, to the YAML of its openAPIV3Schema.
	kubevirtValidationsFile = "pkg/virt-operator/resource/generate/components/validations_generated.go"
	kubevirtValidationsVar  = "CRDsValidation"
)

var (
	ageColumn   = extv1.CustomResourceColumnDefinition{Name: "Age", Type: "date", JSONPath: ".metadata.creationTimestamp"}
	phaseColumn = extv1.CustomResourceColumnDefinition{Name: "Phase", Type: "string", JSONPath: ".status.phase"}
	readyColumn = extv1.CustomResourceColumnDefinition{Name: "Ready", Type: "string", JSONPath: ".status.conditions[?(@.type=='Ready')].status"}
)

// kubevirtShell is what KubeVirt's operator puts around a generated schema
// (pkg/virt-operator/resource/generate/components/crds.go): names, printer
// columns and subresources, the same for every served version. The kinds of
// kubevirt.io are served in all of KubeVirt's API versions; an instancetype
// shell says its own group, version and scope.
type kubevirtShell struct {
	names          extv1.CustomResourceDefinitionNames
	columns        []extv1.CustomResourceColumnDefinition
	statusResource bool
	instancetype   *instancetypeShell
}

// instancetypeShell is where an instancetype or preference kind is served:
// instancetype.kubevirt.io, in one version, namespaced or cluster-wide.
type instancetypeShell struct {
	scope extv1.ResourceScope
}

// kubevirtShells lists the kinds vmsnap needs. The VirtualMachineInstance has
// no status subresource in KubeVirt: its status is written with the object.
// The instancetypes and preferences are there for the tests to make VMs
// that use them, as KubeVirt stores their ControllerRevisions.
var kubevirtShells = []kubevirtShell{
	{
		names: extv1.CustomResourceDefinitionNames{
			Plural:     "virtualmachines",
			Singular:   "virtualmachine",
			Kind:       virtv1.VirtualMachineGroupVersionKind.Kind,
			ShortNames: []string{"vm", "vms"},
			Categories: []string{"all"},
		},
		columns: []extv1.CustomResourceColumnDefinition{
			ageColumn,
			{Name: "Status", Description: "Human Readable Status", Type: "string", JSONPath: ".status.printableStatus"},
			readyColumn,
		},
		statusResource: true,
	},
	{
		names: extv1.CustomResourceDefinitionNames{
			Plural:     "virtualmachineinstances",
			Singular:   "virtualmachineinstance",
			Kind:       virtv1.VirtualMachineInstanceGroupVersionKind.Kind,
			ShortNames: []string{"vmi", "vmis"},
			Categories: []string{"all"},
		},
		columns: []extv1.CustomResourceColumnDefinition{
			ageColumn,
			phaseColumn,
			{Name: "IP", Type: "string", JSONPath: ".status.interfaces[0].ipAddress"},
			{Name: "NodeName", Type: "string", JSONPath: ".status.nodeName"},
			readyColumn,
			{Name: "Live-Migratable", Type: "string", JSONPath: ".status.conditions[?(@.type=='LiveMigratable')].status", Priority: 1},
			{Name: "Paused", Type: "string", JSONPath: ".status.conditions[?(@.type=='Paused')].status", Priority: 1},
		},
	},
	{
		names: extv1.CustomResourceDefinitionNames{
			Plural:     "virtualmachineinstancemigrations",
			Singular:   "virtualmachineinstancemigration",
			Kind:       virtv1.VirtualMachineInstanceMigrationGroupVersionKind.Kind,
			ShortNames: []string{"vmim", "vmims"},
			Categories: []string{"all"},
		},
		columns: []extv1.CustomResourceColumnDefinition{
			{Name: "Phase", Type: "string", JSONPath: ".status.phase", Description: "The current phase of VM instance migration"},
			{Name: "VMI", Type: "string", JSONPath: ".spec.vmiName", Description: "The name of the VMI to perform the migration on"},
		},
		statusResource: true,
	},
	{
		names: extv1.CustomResourceDefinitionNames{
			Plural:     "virtualmachineinstancetypes",
			Singular:   "virtualmachineinstancetype",
			Kind:       "VirtualMachineInstancetype",
			ShortNames: []string{"vminstancetype", "vminstancetypes", "vmf", "vmfs"},
			Categories: []string{"all"},
		},
		instancetype: &instancetypeShell{scope: extv1.NamespaceScoped},
	},
	{
		names: extv1.CustomResourceDefinitionNames{
			Plural:     "virtualmachineclusterinstancetypes",
			Singular:   "virtualmachineclusterinstancetype",
			Kind:       "VirtualMachineClusterInstancetype",
			ShortNames: []string{"vmclusterinstancetype", "vmclusterinstancetypes", "vmcf", "vmcfs"},
		},
		instancetype: &instancetypeShell{scope: extv1.ClusterScoped},
	},
	{
		names: extv1.CustomResourceDefinitionNames{
			Plural:     "virtualmachinepreferences",
			Singular:   "virtualmachinepreference",
			Kind:       "VirtualMachinePreference",
			ShortNames: []string{"vmpref", "vmprefs", "vmp", "vmps"},
			Categories: []string{"all"},
		},
		instancetype: &instancetypeShell{scope: extv1.NamespaceScoped},
	},
	{
		names: extv1.CustomResourceDefinitionNames{
			Plural:     "virtualmachineclusterpreferences",
			Singular:   "virtualmachineclusterpreference",
			Kind:       "VirtualMachineClusterPreference",
			ShortNames: []string{"vmcp", "vmcps"},
		},
		instancetype: &instancetypeShell{scope: extv1.ClusterScoped},
	},
}

// readKubeVirtCRDs builds the CRD of every kind in kubevirtShells from the
// schemas in KubeVirt's generated validations file.
func readKubeVirtCRDs(validationsFile string) ([]*extv1.CustomResourceDefinition, error) {
	schemas, err := readStringMap(validationsFile, kubevirtValidationsVar)
	if err != nil {
		return nil, err
	}
	crds := make([]*extv1.CustomResourceDefinition, 0, len(kubevirtShells))
	for _, shell := range kubevirtShells {
		crd, err := shell.build(schemas)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", validationsFile, err)
		}
		crds = append(crds, crd)
	}
	return crds, nil
}

func (s kubevirtShell) build(schemas map[string]string) (*extv1.CustomResourceDefinition, error) {
	schemaYAML, ok := schemas[s.names.Singular]
	if !ok {
		return nil, fmt.Errorf("no schema for %q", s.names.Singular)
	}
	var validation extv1.CustomResourceValidation
	if err := yaml.UnmarshalStrict([]byte(schemaYAML), &validation); err != nil {
		return nil, fmt.Errorf("schema of %q: %w", s.names.Singular, err)
	}
	if validation.OpenAPIV3Schema == nil {
		return nil, fmt.Errorf("schema of %q has no openAPIV3Schema", s.names.Singular)
	}

	group, scope, versions := virtv1.SchemeGroupVersion.Group, extv1.NamespaceScoped, virtv1.ApiSupportedVersions
	if s.instancetype != nil {
		group, scope = instancetypev1beta1.SchemeGroupVersion.Group, s.instancetype.scope
		versions = []extv1.CustomResourceDefinitionVersion{{Name: instancetypev1beta1.SchemeGroupVersion.Version, Served: true, Storage: true}}
	}
	crd := &extv1.CustomResourceDefinition{
		TypeMeta: metav1.TypeMeta{APIVersion: extv1.SchemeGroupVersion.String(), Kind: "CustomResourceDefinition"},
		ObjectMeta: metav1.ObjectMeta{
			Name:   s.names.Plural + "." + group,
			Labels: map[string]string{virtv1.AppLabel: ""},
		},
		Spec: extv1.CustomResourceDefinitionSpec{
			Group: group,
			Names: s.names,
			Scope: scope,
		},
	}
	// KubeVirt serves every kind of kubevirt.io in all of its API versions
	// (v1 stored, v1alpha3 deprecated) with one schema and no conversion
	// webhook.
	for _, supported := range versions {
		version := *supported.DeepCopy()
		version.Schema = validation.DeepCopy()
		version.AdditionalPrinterColumns = append([]extv1.CustomResourceColumnDefinition(nil), s.columns...)
		if s.statusResource {
			version.Subresources = &extv1.CustomResourceSubresources{Status: &extv1.CustomResourceSubresourceStatus{}}
		}
		crd.Spec.Versions = append(crd.Spec.Versions, version)
	}
	return crd, nil
}

// crdFileName names a manifest the way controller-gen does: group_plural.yaml.
func crdFileName(crd *extv1.CustomResourceDefinition) string {
	return crd.Spec.Group + "_" + strings.ToLower(crd.Spec.Names.Plural) + ".yaml"
}
