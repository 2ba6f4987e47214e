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

// Package image tests make image: it needs no cluster, but it
// cross-builds the controller twice, so it lives with the slow tests.
package image

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"vmsnap.io/vmsnap/tests/framework/cluster"
)

const (
	// testVersion and testEpoch are passed to make, so what the test
	// expects does not depend on the checkout's tags or commit time.
	testVersion = "v0.0.0-imagetest"
	testEpoch   = 1700000000
	// fallbackCommit stands for the commit outside a git checkout.
	fallbackCommit = "0123456789abcdef0123456789abcdef01234567"
)

// platforms the test builds: linux/amd64 alone, whose binary it runs.
// make build compiles the controller with the image's flags, so this
// build reuses its cache; a second architecture would compile everything
// again (about 8 minutes on 2 cores with a cold cache) to test the same
// code path. make image builds linux/arm64 too.
var platforms = []string{"linux/amd64"}

// TestImageIsReproducibleAndRuns builds the image twice into two
// directories and reads both back as a registry client would (ggcr's
// layout and tarball readers): same digest, its platforms, a non-root
// entrypoint, one file in the layer, the stamped labels, and a binary
// that runs and reports the stamped version.
func TestImageIsReproducibleAndRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the controller's image twice")
	}
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	root, err := cluster.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	commit := headCommit(root)
	created := time.Unix(testEpoch, 0).UTC()

	first := filepath.Join(t.TempDir(), "first")
	second := filepath.Join(t.TempDir(), "second")
	firstDigest := makeImage(t, root, first, commit)
	secondDigest := makeImage(t, root, second, commit)
	if firstDigest != secondDigest {
		t.Fatalf("two builds of the same inputs gave two index digests: %s and %s", firstDigest, secondDigest)
	}
	t.Logf("both builds: index %s", firstDigest)
	for _, platform := range platforms {
		file := tarballName(platform)
		if a, b := fileSHA256(t, filepath.Join(first, file)), fileSHA256(t, filepath.Join(second, file)); a != b {
			t.Errorf("%s differs between the two builds", file)
		}
	}

	index := readIndex(t, first, firstDigest)
	wantMetadata(t, "the index's annotations", mustIndexManifest(t, index).Annotations, commit, created)
	descriptors := mustIndexManifest(t, index).Manifests
	var got []string
	for _, d := range descriptors {
		if d.Platform == nil {
			t.Fatalf("index entry %s has no platform", d.Digest)
		}
		got = append(got, d.Platform.String())
	}
	slices.Sort(got)
	if !slices.Equal(got, platforms) {
		t.Fatalf("index platforms %v, want %v", got, platforms)
	}

	for _, d := range descriptors {
		platform := d.Platform.String()
		t.Run(strings.ReplaceAll(platform, "/", "-"), func(t *testing.T) {
			if d.MediaType != types.OCIManifestSchema1 {
				t.Errorf("manifest media type %s, want %s", d.MediaType, types.OCIManifestSchema1)
			}
			img, err := index.Image(d.Digest)
			if err != nil {
				t.Fatal(err)
			}
			manifest, err := img.Manifest()
			if err != nil {
				t.Fatal(err)
			}
			wantMetadata(t, "the manifest's annotations", manifest.Annotations, commit, created)
			config, err := img.ConfigFile()
			if err != nil {
				t.Fatal(err)
			}
			wantConfig(t, config, *d.Platform, commit, created)
			binary := onlyFile(t, img, created)
			wantArchitecture(t, binary, d.Platform.Architecture)
			if d.Platform.Architecture == runtime.GOARCH {
				wantVersion(t, binary, commit, platform)
			}
			wantSameImageInTarball(t, filepath.Join(first, tarballName(platform)), img)
		})
	}
}

// makeImage runs make image into output with the test's version, commit
// and epoch, and returns the digest it printed and wrote.
func makeImage(t *testing.T, root, output, commit string) string {
	t.Helper()
	cmd := exec.Command("make", "--no-print-directory", "image",
		"VERSION="+testVersion,
		"GIT_COMMIT="+commit,
		"SOURCE_DATE_EPOCH="+strconv.Itoa(testEpoch),
		"IMAGE_OUTPUT="+output,
		"IMAGE_PLATFORMS="+strings.Join(platforms, " "),
	)
	cmd.Dir = root
	// Under make test-integration the parent make's variables and flags
	// would reach this make through the environment.
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool {
		for _, prefix := range []string{"MAKEFLAGS=", "MFLAGS=", "MAKELEVEL=", "MAKEOVERRIDES="} {
			if strings.HasPrefix(kv, prefix) {
				return true
			}
		}
		return false
	})
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make image: %v\n%s", err, out)
	}
	t.Logf("make image into %s took %s", output, time.Since(start).Round(time.Second))
	written, err := os.ReadFile(filepath.Join(output, "digest"))
	if err != nil {
		t.Fatal(err)
	}
	digest := strings.TrimSpace(string(written))
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if printed := lines[len(lines)-1]; printed != digest {
		t.Errorf("make image printed %q last, but wrote the digest %q", printed, digest)
	}
	if _, err := v1.NewHash(digest); err != nil {
		t.Fatalf("digest file: %v", err)
	}
	return digest
}

// readIndex opens the layout and follows its one index.json entry, as
// crane push and skopeo copy oci: do, to the image index.
func readIndex(t *testing.T, output, digest string) v1.ImageIndex {
	t.Helper()
	root, err := layout.ImageIndexFromPath(filepath.Join(output, "oci"))
	if err != nil {
		t.Fatal(err)
	}
	entries := mustIndexManifest(t, root).Manifests
	if len(entries) != 1 {
		t.Fatalf("index.json has %d entries, want 1 (the image index)", len(entries))
	}
	entry := entries[0]
	if entry.MediaType != types.OCIImageIndex {
		t.Errorf("index.json's entry is a %s, want %s", entry.MediaType, types.OCIImageIndex)
	}
	if got := entry.Annotations["org.opencontainers.image.ref.name"]; got != testVersion {
		t.Errorf("index.json's ref name %q, want %q", got, testVersion)
	}
	if entry.Digest.String() != digest {
		t.Errorf("index.json names %s, the digest file %s", entry.Digest, digest)
	}
	index, err := root.ImageIndex(entry.Digest)
	if err != nil {
		t.Fatal(err)
	}
	// Recomputed from the blob's bytes, not taken from the descriptor.
	if got, err := index.Digest(); err != nil || got.String() != digest {
		t.Errorf("the image index's blob hashes to %v (%v), want %s", got, err, digest)
	}
	return index
}

func mustIndexManifest(t *testing.T, index v1.ImageIndex) *v1.IndexManifest {
	t.Helper()
	m, err := index.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// wantMetadata checks the OCI labels or annotations the image stamps.
func wantMetadata(t *testing.T, where string, got map[string]string, commit string, created time.Time) {
	t.Helper()
	for key, want := range map[string]string{
		"org.opencontainers.image.title":    "vmsnap-controller",
		"org.opencontainers.image.version":  testVersion,
		"org.opencontainers.image.revision": commit,
		"org.opencontainers.image.licenses": "Apache-2.0",
		"org.opencontainers.image.created":  created.Format(time.RFC3339),
	} {
		if got[key] != want {
			t.Errorf("%s: %s = %q, want %q", where, key, got[key], want)
		}
	}
	for _, key := range []string{"org.opencontainers.image.source", "org.opencontainers.image.description"} {
		if got[key] == "" {
			t.Errorf("%s: %s is missing", where, key)
		}
	}
}

func wantConfig(t *testing.T, config *v1.ConfigFile, platform v1.Platform, commit string, created time.Time) {
	t.Helper()
	if config.OS != platform.OS || config.Architecture != platform.Architecture {
		t.Errorf("config is for %s/%s, the index says %s", config.OS, config.Architecture, platform)
	}
	c := config.Config
	if c.User != "65532:65532" {
		t.Errorf("User %q, want 65532:65532", c.User)
	}
	if !slices.Equal(c.Entrypoint, []string{"/vmsnap-controller"}) {
		t.Errorf("Entrypoint %q, want [/vmsnap-controller]", c.Entrypoint)
	}
	if len(c.Cmd) != 0 {
		t.Errorf("Cmd %q, want none", c.Cmd)
	}
	if c.WorkingDir != "/" {
		t.Errorf("WorkingDir %q, want /", c.WorkingDir)
	}
	wantMetadata(t, "the config's labels", c.Labels, commit, created)
	if !config.Created.Time.Equal(created) {
		t.Errorf("config created %s, want SOURCE_DATE_EPOCH %s", config.Created.Time, created)
	}
	for _, h := range config.History {
		if !h.Created.Time.Equal(created) {
			t.Errorf("history %q created %s, want %s", h.CreatedBy, h.Created.Time, created)
		}
	}
}

// onlyFile checks the image has one layer holding only /vmsnap-controller
// (no shell, no directories, nothing of the build host) and returns it.
func onlyFile(t *testing.T, img v1.Image, created time.Time) []byte {
	t.Helper()
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != 1 {
		t.Fatalf("%d layers, want 1", len(layers))
	}
	if mt, err := layers[0].MediaType(); err != nil || mt != types.OCILayer {
		t.Errorf("layer media type %s (%v), want %s", mt, err, types.OCILayer)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	var binary []byte
	var names []string
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, hdr.Name)
		if hdr.Name != "vmsnap-controller" {
			continue
		}
		if hdr.Typeflag != tar.TypeReg || hdr.Mode != 0o555 || hdr.Uid != 0 || hdr.Gid != 0 || hdr.Uname != "" || hdr.Gname != "" {
			t.Errorf("vmsnap-controller: type %c mode %o owner %d:%d (%q:%q), want a regular file, 0555, 0:0, no names",
				hdr.Typeflag, hdr.Mode, hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname)
		}
		if !hdr.ModTime.Equal(created) {
			t.Errorf("vmsnap-controller mtime %s, want SOURCE_DATE_EPOCH %s", hdr.ModTime, created)
		}
		if binary, err = io.ReadAll(tr); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(names, []string{"vmsnap-controller"}) {
		t.Fatalf("layer holds %q, want only vmsnap-controller", names)
	}
	return binary
}

func wantArchitecture(t *testing.T, binary []byte, arch string) {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(binary))
	if err != nil {
		t.Fatalf("the binary is not ELF: %v", err)
	}
	defer f.Close()
	want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[arch]
	if f.Machine != want {
		t.Errorf("the %s image holds a %s binary", arch, f.Machine)
	}
}

// wantVersion runs the binary taken from the layer with --version.
func wantVersion(t *testing.T, binary []byte, commit, platform string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "vmsnap-controller")
	if err := os.WriteFile(path, binary, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(path, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("vmsnap-controller --version: %v\n%s", err, out)
	}
	got := strings.TrimSpace(string(out))
	t.Logf("the image's binary says: %s", got)
	prefix := "vmsnap-controller " + testVersion + " (" + commit + ") go"
	if !strings.HasPrefix(got, prefix) || !strings.HasSuffix(got, " "+platform) {
		t.Errorf("vmsnap-controller --version printed %q, want %q...%q", got, prefix, " "+platform)
	}
}

// wantSameImageInTarball reads the docker load tarball back: the same
// config (docker's image ID) and layer as in the layout, under the tag.
func wantSameImageInTarball(t *testing.T, file string, want v1.Image) {
	t.Helper()
	tag, err := name.NewTag("vmsnap-controller:" + testVersion)
	if err != nil {
		t.Fatal(err)
	}
	got, err := tarball.ImageFromPath(file, &tag)
	if err != nil {
		t.Fatalf("%s has no image tagged %s: %v", file, tag, err)
	}
	if g, w := mustConfigName(t, got), mustConfigName(t, want); g != w {
		t.Errorf("%s holds config %s, the layout %s", file, g, w)
	}
	if g, w := layerDigests(t, got), layerDigests(t, want); !slices.Equal(g, w) {
		t.Errorf("%s holds layers %v, the layout %v", file, g, w)
	}
}

func mustConfigName(t *testing.T, img v1.Image) v1.Hash {
	t.Helper()
	h, err := img.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func layerDigests(t *testing.T, img v1.Image) []v1.Hash {
	t.Helper()
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	var digests []v1.Hash
	for _, l := range layers {
		d, err := l.Digest()
		if err != nil {
			t.Fatal(err)
		}
		digests = append(digests, d)
	}
	return digests
}

func headCommit(root string) string {
	cmd := exec.Command("git", "rev-parse", "HEAD")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return fallbackCommit
	}
	return strings.TrimSpace(string(out))
}

func tarballName(platform string) string {
	return "vmsnap-controller-" + strings.ReplaceAll(platform, "/", "-") + ".tar"
}

func fileSHA256(t *testing.T, path string) [sha256.Size]byte {
	t.Helper()
	content, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(content)
}
