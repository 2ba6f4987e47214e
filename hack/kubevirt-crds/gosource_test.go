package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadStringMap(t *testing.T) {
	got, err := readStringMap("testdata/validations.go", "CRDsValidation")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 7 {
		t.Errorf("got %d entries, want 7", len(got))
	}
	if want := "openAPIV3Schema:\n  type: object\n"; got["virtualmachineinstancemigration"] != want {
		t.Errorf("interpreted string literal: got %q, want %q", got["virtualmachineinstancemigration"], want)
	}
	if want := "description: \"A `running` virtual machine.\""; !strings.Contains(got["virtualmachineinstance"], want) {
		t.Errorf("concatenated literal %q does not contain %q", got["virtualmachineinstance"], want)
	}
	if !strings.HasPrefix(got["virtualmachine"], "openAPIV3Schema:\n  description: A virtual machine.\n") {
		t.Errorf("raw string literal: got %q", got["virtualmachine"])
	}
}

func TestReadStringMapErrors(t *testing.T) {
	tests := []struct {
		name    string
		source  string
		varName string
		wantErr string
	}{
		{
			name:    "missing variable",
			source:  "package p\nvar other = map[string]string{}\n",
			varName: "CRDsValidation",
			wantErr: "no package-level variable CRDsValidation",
		},
		{
			name:    "not a map literal",
			source:  "package p\nvar CRDsValidation = load()\n",
			varName: "CRDsValidation",
			wantErr: "not initialised with a map[string]string literal",
		},
		{
			name:    "wrong map type",
			source:  "package p\nvar CRDsValidation = map[string]int{\"a\": 1}\n",
			varName: "CRDsValidation",
			wantErr: "not initialised with a map[string]string literal",
		},
		{
			name:    "value computed at run time",
			source:  "package p\nvar CRDsValidation = map[string]string{\"a\": strings.ToLower(\"B\")}\n",
			varName: "CRDsValidation",
			wantErr: "is not a string constant",
		},
		{
			name:    "duplicate key",
			source:  "package p\nvar CRDsValidation = map[string]string{\"a\": \"x\", \"a\": \"y\"}\n",
			varName: "CRDsValidation",
			wantErr: "duplicate key",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "source.go")
			if err := os.WriteFile(path, []byte(tc.source), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := readStringMap(path, tc.varName)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("got error %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}
