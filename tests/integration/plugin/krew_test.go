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

package plugin

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"vmsnap.io/vmsnap/tests/framework"
	"vmsnap.io/vmsnap/tests/framework/cluster"
)

// krewPlugin is the part of krew's Plugin manifest that krew reads to
// install: where each platform's archive is, its checksum, and what to
// take out of it.
type krewPlugin struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Version          string `json:"version"`
		ShortDescription string `json:"shortDescription"`
		Platforms        []struct {
			Selector struct {
				MatchLabels map[string]string `json:"matchLabels"`
			} `json:"selector"`
			URI    string `json:"uri"`
			SHA256 string `json:"sha256"`
			Files  []struct {
				From string `json:"from"`
				To   string `json:"to"`
			} `json:"files"`
			Bin string `json:"bin"`
		} `json:"platforms"`
	} `json:"spec"`
}

// TestKrewManifestInstallsThePlugin builds the release for linux/amd64
// twice, as "make plugin-dist" does, and does what krew does with the
// manifest: the checksum matches the archive, every file it names is in
// the archive, and the binary it links runs and reports the version.
// The two builds are byte-identical.
func TestKrewManifestInstallsThePlugin(t *testing.T) {
	root, err := cluster.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	const version = "v0.0.0-krewtest"
	build := func() (string, krewPlugin) {
		out := t.TempDir()
		cmd := exec.Command(filepath.Join(root, "hack", "plugin-dist.sh"))
		cmd.Env = append(os.Environ(), "PLATFORMS=linux/amd64", "VERSION="+version, "OUT="+out,
			"RELEASE_URL=https://releases.example/"+version, "SOURCE_DATE_EPOCH=1700000000")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("hack/plugin-dist.sh: %v\n%s", err, b)
		}
		data, err := os.ReadFile(filepath.Join(out, "vmsnap.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		var p krewPlugin
		if err := yaml.UnmarshalStrict(data, &p); err != nil {
			// Strict on the fields above only would refuse krew's other
			// fields; read leniently and check what matters.
			if err := yaml.Unmarshal(data, &p); err != nil {
				t.Fatalf("the manifest is not YAML: %v\n%s", err, data)
			}
		}
		return out, p
	}
	out, p := build()
	if p.APIVersion != "krew.googlecontainertools.github.com/v1alpha2" || p.Kind != "Plugin" || p.Metadata.Name != "vmsnap" || p.Spec.Version != version || p.Spec.ShortDescription == "" {
		t.Fatalf("manifest header %+v", p)
	}
	if len(p.Spec.Platforms) != 1 {
		t.Fatalf("%d platforms, want linux/amd64 alone", len(p.Spec.Platforms))
	}
	platform := p.Spec.Platforms[0]
	if got := platform.Selector.MatchLabels; got["os"] != "linux" || got["arch"] != "amd64" {
		t.Errorf("selector %v", got)
	}
	archive := filepath.Join(out, filepath.Base(platform.URI))
	if want := "https://releases.example/" + version + "/kubectl-vmsnap-" + version + "-linux-amd64.tar.gz"; platform.URI != want {
		t.Errorf("uri %s, want %s", platform.URI, want)
	}
	data, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != platform.SHA256 {
		t.Errorf("sha256 in the manifest %s; the archive's is %x", platform.SHA256, sum)
	}

	installed := t.TempDir()
	names := extract(t, archive, installed)
	for _, f := range platform.Files {
		if !names[strings.TrimPrefix(f.From, "./")] {
			t.Errorf("the manifest takes %s; the archive holds %v", f.From, names)
		}
	}
	bin := filepath.Join(installed, platform.Bin)
	got, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(got), "kubectl-vmsnap "+version+" ") {
		t.Errorf("%s version: %v: %s", platform.Bin, err, got)
	}

	_, again := build()
	if again.Spec.Platforms[0].SHA256 != platform.SHA256 {
		t.Errorf("two builds of one commit differ: %s and %s", platform.SHA256, again.Spec.Platforms[0].SHA256)
	}
}

// extract unpacks a .tar.gz into dir and returns the names it held.
func extract(t *testing.T, archive, dir string) map[string]bool {
	t.Helper()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names
		}
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(h.Name, "./")
		if h.Typeflag != tar.TypeReg {
			continue
		}
		names[name] = true
		w, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_WRONLY, os.FileMode(h.Mode))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(w, tr); err != nil {
			t.Fatal(err)
		}
		w.Close()
	}
}

// TestKubectlCompletesThePlugin: with kubectl_complete-vmsnap on the PATH,
// kubectl's own completion completes "kubectl vmsnap create <Tab>" with
// the namespace's VMs.
func TestKubectlCompletesThePlugin(t *testing.T) {
	f := framework.New(t)
	f.CreateVM("gamma", framework.WithPVCDisks(1))
	f.CreateVM("delta", framework.WithPVCDisks(1))
	r := kubectlCompletion(t, f, "create", "")
	wantCode(t, r, 0)
	golden(t, f, "kubectl-complete-create", r.Stdout)
}

// kubectlCompletion runs kubectl's hidden __complete command for
// "kubectl vmsnap ARGS", which the shell's completion script calls on Tab.
// kubectl hands the words after "vmsnap" to kubectl_complete-vmsnap, so
// the connection flags go there, as a user types them.
func kubectlCompletion(t *testing.T, f *framework.Framework, args ...string) result {
	t.Helper()
	root, err := cluster.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	kubectl := filepath.Join(root, "_output", "bin", "kubectl")
	return runCommand(t, f, kubectl, append([]string{"__complete", "vmsnap", "--kubeconfig=" + f.Cluster.Kubeconfig(), "--namespace=" + f.Namespace}, args...)...)
}

// TestGoInstall: "go install ./cmd/kubectl-vmsnap" from a checkout, as the
// README says, gives a plugin that runs and names its version, read from
// the module and VCS information the Go toolchain records.
func TestGoInstall(t *testing.T) {
	root, err := cluster.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	gobin := t.TempDir()
	cmd := exec.Command("go", "install", "./cmd/kubectl-vmsnap")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOBIN="+gobin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go install ./cmd/kubectl-vmsnap: %v\n%s", err, out)
	}
	out, err := exec.Command(filepath.Join(gobin, "kubectl-vmsnap"), "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "kubectl-vmsnap ") {
		t.Fatalf("the installed plugin: %v: %s", err, out)
	}
	t.Logf("go install gave: %s", out)
}
