package main

import (
	"strings"
	"testing"
)

func TestReadCDICRDs(t *testing.T) {
	crds, err := readCDICRDs("testdata/crds.go")
	if err != nil {
		t.Fatal(err)
	}
	if len(crds) != 1 || crds[0].Name != "datavolumes.cdi.kubevirt.io" {
		t.Fatalf("got %d CRDs, want only the DataVolume CRD", len(crds))
	}
	if got := crds[0].Spec.Versions[0].Name; got != "v1beta1" {
		t.Errorf("DataVolume version is %s, want v1beta1", got)
	}
}

func TestMarshalCRD(t *testing.T) {
	crds, err := readCDICRDs("testdata/crds.go")
	if err != nil {
		t.Fatal(err)
	}
	data, err := marshalCRD(crds[0])
	if err != nil {
		t.Fatal(err)
	}
	manifest := string(data)
	for _, unwanted := range []string{"status:\n", "creationTimestamp", "acceptedNames"} {
		if strings.Contains(manifest, unwanted) {
			t.Errorf("manifest contains %q:\n%s", unwanted, manifest)
		}
	}
	if !strings.HasPrefix(manifest, "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n") {
		t.Errorf("manifest does not start with its type:\n%s", manifest)
	}

	crds[0].Spec.Versions[0].Schema = nil
	if _, err := marshalCRD(crds[0]); err == nil {
		t.Error("a version without a schema was marshalled")
	}
}

func TestEscapeModulePath(t *testing.T) {
	got, err := escapeModulePath("github.com/Azure/go-Autorest")
	if err != nil {
		t.Fatal(err)
	}
	if want := "github.com/!azure/go-!autorest"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if _, err := escapeModulePath("example.com/a!b"); err == nil {
		t.Error("a path with '!' was escaped")
	}
}
