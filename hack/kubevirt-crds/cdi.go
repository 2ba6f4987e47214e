package main

import (
	"fmt"

	extv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

const (
	// cdiCRDsFile maps each CDI kind, by its singular resource name, to the
	// YAML of its whole CRD.
	cdiCRDsFile = "pkg/operator/resources/crds_generated.go"
	cdiCRDsVar  = "CDICRDs"
)

// cdiKinds are the singular names of the CDI kinds vmsnap needs.
var cdiKinds = []string{"datavolume"}

func readCDICRDs(crdsFile string) ([]*extv1.CustomResourceDefinition, error) {
	manifests, err := readStringMap(crdsFile, cdiCRDsVar)
	if err != nil {
		return nil, err
	}
	crds := make([]*extv1.CustomResourceDefinition, 0, len(cdiKinds))
	for _, kind := range cdiKinds {
		manifest, ok := manifests[kind]
		if !ok {
			return nil, fmt.Errorf("%s: no CRD for %q", crdsFile, kind)
		}
		crd := &extv1.CustomResourceDefinition{}
		if err := yaml.UnmarshalStrict([]byte(manifest), crd); err != nil {
			return nil, fmt.Errorf("%s: CRD of %q: %w", crdsFile, kind, err)
		}
		if crd.Spec.Names.Singular != kind {
			return nil, fmt.Errorf("%s: CRD under %q names %q", crdsFile, kind, crd.Spec.Names.Singular)
		}
		crds = append(crds, crd)
	}
	return crds, nil
}
