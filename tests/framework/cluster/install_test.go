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
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const crdDoc = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.vmsnap.io
spec:
  group: example.vmsnap.io
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object}
`

func TestDecodeCRDs(t *testing.T) {
	tests := []struct {
		name      string
		data      string
		wantNames []string
		wantErr   string
	}{
		{
			name:      "single CRD",
			data:      crdDoc,
			wantNames: []string{"widgets.example.vmsnap.io"},
		},
		{
			name: "other documents are skipped",
			data: "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\n---\n" +
				crdDoc + "---\n" + strings.ReplaceAll(crdDoc, "widgets", "gadgets") + "---\n",
			wantNames: []string{"widgets.example.vmsnap.io", "gadgets.example.vmsnap.io"},
		},
		{
			name:    "old CRD API",
			data:    strings.Replace(crdDoc, "apiextensions.k8s.io/v1", "apiextensions.k8s.io/v1beta1", 1),
			wantErr: "apiVersion",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			crds, err := decodeCRDs([]byte(tt.data))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, crd := range crds {
				names = append(names, crd.Name)
			}
			if !slices.Equal(names, tt.wantNames) {
				t.Errorf("decoded %v, want %v", names, tt.wantNames)
			}
		})
	}
}

func TestCRDFilesInRejectsEmptyDir(t *testing.T) {
	if _, err := crdFilesIn([]string{t.TempDir()}); err == nil {
		t.Error("an empty CRD directory was accepted; a wrong path would then go unnoticed")
	}
}

func TestReadCRDsFromDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "widgets.yaml"), []byte(crdDoc), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte("not a CRD"), 0o644); err != nil {
		t.Fatal(err)
	}
	files, err := crdFilesIn([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	crds, err := readCRDs(files)
	if err != nil {
		t.Fatal(err)
	}
	if len(crds) != 1 || crds[0].Spec.Names.Kind != "Widget" {
		t.Errorf("read %d CRDs (%v), want the Widget CRD", len(crds), crds)
	}
}

// The snapshot CRDs come from the module cache; this needs the go command
// and the module (downloaded on demand).
func TestSnapshotCRDFiles(t *testing.T) {
	files, err := snapshotCRDFiles(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	crds, err := readCRDs(files)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, crd := range crds {
		names = append(names, crd.Name)
	}
	for _, want := range []string{
		"volumesnapshots.snapshot.storage.k8s.io",
		"volumesnapshotcontents.snapshot.storage.k8s.io",
		"volumesnapshotclasses.snapshot.storage.k8s.io",
	} {
		if !slices.Contains(names, want) {
			t.Errorf("snapshot CRDs %v lack %s", names, want)
		}
	}
}
