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

// Command image packs the controller's static binaries into its OCI image
// without a container engine (make image): FROM scratch, one layer holding
// /vmsnap-controller, one image per platform under one image index.
//
// It builds with go-containerregistry, the library ko, crane and kaniko
// build images with, so the manifests and blobs it writes are the ones a
// registry client reads back, and no Docker daemon or buildkit is needed.
//
// The build is reproducible: every timestamp (the file's mtime, the
// config's created, its history, the created label) comes from
// SOURCE_DATE_EPOCH (0 when unset), and nothing of the host (user and
// group names, hostnames, file times) enters the layer, so the same
// binaries and flags give the same digest.
//
//	go run ./hack/image --output _output/image --version v0.1.0 --revision $(git rev-parse HEAD) \
//	    --binary linux/amd64=_output/image/bin/linux-amd64/vmsnap-controller \
//	    --binary linux/arm64=_output/image/bin/linux-arm64/vmsnap-controller
//
// It writes, under --output:
//
//	oci/                               an OCI image layout: index.json names the image index
//	vmsnap-controller-<os>-<arch>.tar  per platform, for docker load / podman load
//	digest                             the image index's digest, also printed on stdout
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"debug/elf"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

const (
	imageName = "vmsnap-controller"
	// binaryInLayer is the binary's path in the layer: /vmsnap-controller.
	// Layer entries are relative to the root, as in any docker or OCI layer.
	binaryInLayer = "vmsnap-controller"
	// nonRootUser matches the Deployment's runAsUser/runAsGroup (65532, the
	// "nonroot" of distroless), so the image also runs without root elsewhere.
	nonRootUser = "65532:65532"
	description = "vmsnap: VM snapshot and restore controller for KubeVirt"
	license     = "Apache-2.0"
)

// platformBinary is one --binary os/arch[/variant]=path.
type platformBinary struct {
	platform v1.Platform
	path     string
}

type binaryFlags []platformBinary

func (b *binaryFlags) String() string {
	parts := make([]string, 0, len(*b))
	for _, pb := range *b {
		parts = append(parts, pb.platform.String()+"="+pb.path)
	}
	return strings.Join(parts, ",")
}

func (b *binaryFlags) Set(value string) error {
	platform, path, ok := strings.Cut(value, "=")
	if !ok || path == "" {
		return fmt.Errorf("want os/arch=path, got %q", value)
	}
	p, err := v1.ParsePlatform(platform)
	if err != nil {
		return err
	}
	if p.OS == "" || p.Architecture == "" {
		return fmt.Errorf("want os/arch in %q", value)
	}
	for _, pb := range *b {
		if pb.platform.Equals(*p) {
			return fmt.Errorf("platform %s given twice", p)
		}
	}
	*b = append(*b, platformBinary{platform: *p, path: path})
	return nil
}

// metadata is what the image says about itself, as OCI labels on each
// config and as annotations on each manifest and on the index.
type metadata struct {
	version  string
	revision string
	source   string
	created  time.Time
}

func (m metadata) labels() map[string]string {
	labels := map[string]string{
		"org.opencontainers.image.title":       imageName,
		"org.opencontainers.image.description": description,
		"org.opencontainers.image.version":     m.version,
		"org.opencontainers.image.licenses":    license,
		"org.opencontainers.image.created":     m.created.Format(time.RFC3339),
	}
	// Empty outside a git checkout; an empty label says nothing.
	if m.revision != "" {
		labels["org.opencontainers.image.revision"] = m.revision
	}
	if m.source != "" {
		labels["org.opencontainers.image.source"] = m.source
	}
	return labels
}

func main() {
	var (
		output   = flag.String("output", "", "directory to write oci/, the per-platform tarballs and digest into")
		version  = flag.String("version", "", "the version: the labels' version, the tarballs' tag and the layout's ref name")
		revision = flag.String("revision", "", "the commit the binaries were built from")
		source   = flag.String("source", "", "the URL of the source repository (label org.opencontainers.image.source)")
		binaries binaryFlags
	)
	flag.Var(&binaries, "binary", "os/arch=path of a static controller binary (repeat per platform)")
	flag.Parse()

	digest, err := run(*output, *version, *revision, *source, binaries)
	if err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
	fmt.Println(digest)
}

func run(output, version, revision, source string, binaries binaryFlags) (v1.Hash, error) {
	if output == "" || version == "" || len(binaries) == 0 {
		return v1.Hash{}, errors.New("--output, --version and at least one --binary are required")
	}
	tag, err := name.NewTag(imageName + ":" + version)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("--version %q is not a valid image tag: %w", version, err)
	}
	created, err := sourceDateEpoch()
	if err != nil {
		return v1.Hash{}, err
	}
	meta := metadata{version: version, revision: revision, source: source, created: created}

	// Sorted, so the index does not depend on the order of the flags.
	slices.SortFunc(binaries, func(a, b platformBinary) int {
		return strings.Compare(a.platform.String(), b.platform.String())
	})

	index := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	images := make([]v1.Image, 0, len(binaries))
	for _, pb := range binaries {
		img, err := platformImage(pb, meta)
		if err != nil {
			return v1.Hash{}, fmt.Errorf("%s: %w", pb.platform, err)
		}
		images = append(images, img)
		platform := pb.platform
		index = mutate.AppendManifests(index, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: &platform},
		})
	}
	index = mutate.Annotations(index, meta.labels()).(v1.ImageIndex)

	if err := os.MkdirAll(output, 0o755); err != nil {
		return v1.Hash{}, err
	}
	if err := writeLayout(filepath.Join(output, "oci"), index, version); err != nil {
		return v1.Hash{}, err
	}
	for i, pb := range binaries {
		file := filepath.Join(output, fmt.Sprintf("%s-%s.tar", imageName, platformFileName(pb.platform)))
		if err := tarball.WriteToFile(file, tag, images[i]); err != nil {
			return v1.Hash{}, fmt.Errorf("writing %s: %w", file, err)
		}
	}
	digest, err := index.Digest()
	if err != nil {
		return v1.Hash{}, err
	}
	if err := os.WriteFile(filepath.Join(output, "digest"), []byte(digest.String()+"\n"), 0o644); err != nil {
		return v1.Hash{}, err
	}
	return digest, nil
}

// sourceDateEpoch is the build's one timestamp, per
// https://reproducible-builds.org/specs/source-date-epoch/. Unset means 0,
// not now: a rebuild must not change the digest (ko does the same).
func sourceDateEpoch() (time.Time, error) {
	value := os.Getenv("SOURCE_DATE_EPOCH")
	if value == "" {
		return time.Unix(0, 0).UTC(), nil
	}
	seconds, err := strconv.ParseInt(value, 10, 64)
	if err != nil || seconds < 0 {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a non-negative count of seconds", value)
	}
	return time.Unix(seconds, 0).UTC(), nil
}

// platformImage is FROM scratch plus one layer holding the binary, with
// the config a non-root static binary needs and nothing else.
func platformImage(pb platformBinary, meta metadata) (v1.Image, error) {
	binary, err := os.ReadFile(pb.path)
	if err != nil {
		return nil, err
	}
	if err := checkStaticELF(binary, pb.platform); err != nil {
		return nil, fmt.Errorf("%s: %w", pb.path, err)
	}
	layerTar, err := singleFileTar(binaryInLayer, binary, meta.created)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(
		func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(layerTar)), nil },
		tarball.WithMediaType(types.OCILayer),
		tarball.WithCompressionLevel(gzip.DefaultCompression),
		// The layout and the tarball both read the compressed layer: gzip once.
		tarball.WithCompressedCaching,
	)
	if err != nil {
		return nil, err
	}

	base := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err := mutate.Append(base, mutate.Addendum{
		Layer: layer,
		History: v1.History{
			Created:   v1.Time{Time: meta.created},
			CreatedBy: "hack/image: /" + binaryInLayer,
			Comment:   "the static controller binary",
		},
	})
	if err != nil {
		return nil, err
	}
	config, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	config = config.DeepCopy()
	config.OS = pb.platform.OS
	config.Architecture = pb.platform.Architecture
	config.Variant = pb.platform.Variant
	config.Created = v1.Time{Time: meta.created}
	config.Config = v1.Config{
		User:       nonRootUser,
		Entrypoint: []string{"/" + binaryInLayer},
		WorkingDir: "/",
		Labels:     meta.labels(),
	}
	img, err = mutate.ConfigFile(img, config)
	if err != nil {
		return nil, err
	}
	return mutate.Annotations(img, meta.labels()).(v1.Image), nil
}

// singleFileTar is a layer holding one read-only, root-owned file and no
// directories. Only the header fields set here are written: no user or
// group names, and the one mtime.
func singleFileTar(path string, content []byte, mtime time.Time) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{
		Typeflag: tar.TypeReg,
		Name:     path,
		Mode:     0o555,
		Uid:      0,
		Gid:      0,
		Size:     int64(len(content)),
		ModTime:  mtime,
		// One fixed format, so the header bytes never depend on what
		// the writer would pick.
		Format: tar.FormatUSTAR,
	}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(content); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// elfMachines are the ELF machines of the architectures Kubernetes nodes run.
var elfMachines = map[string]elf.Machine{
	"amd64":   elf.EM_X86_64,
	"arm64":   elf.EM_AARCH64,
	"ppc64le": elf.EM_PPC64,
	"s390x":   elf.EM_S390,
}

// checkStaticELF refuses a binary that would not start in a scratch image
// on the platform: another architecture (a GOARCH mix-up), or a dynamic
// one (CGO_ENABLED=1), whose loader a scratch image does not have.
func checkStaticELF(binary []byte, platform v1.Platform) error {
	if platform.OS != "linux" {
		return fmt.Errorf("only linux images are built, not %s", platform.OS)
	}
	want, ok := elfMachines[platform.Architecture]
	if !ok {
		return fmt.Errorf("no ELF machine known for %s", platform.Architecture)
	}
	f, err := elf.NewFile(bytes.NewReader(binary))
	if err != nil {
		return fmt.Errorf("not an ELF binary: %w", err)
	}
	defer f.Close()
	if f.Machine != want {
		return fmt.Errorf("built for %s, not %s (%s)", f.Machine, want, platform.Architecture)
	}
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_INTERP {
			return errors.New("dynamically linked (has an ELF interpreter); build it with CGO_ENABLED=0")
		}
	}
	return nil
}

// platformFileName is linux-amd64 for linux/amd64 (and linux-arm-v7 for
// linux/arm/v7).
func platformFileName(p v1.Platform) string {
	return strings.ReplaceAll(p.String(), "/", "-")
}

// writeLayout replaces dir with an OCI image layout whose index.json has
// one entry: the image index, named by the version. One entry is what
// "crane push DIR" and "skopeo copy --all oci:DIR" take without being told
// which image; the ref name is what "oci:DIR:VERSION" and oras select by.
func writeLayout(dir string, index v1.ImageIndex, version string) error {
	// A previous build's blobs would stay behind otherwise.
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	path, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	return path.AppendIndex(index, layout.WithAnnotations(map[string]string{
		"org.opencontainers.image.ref.name": version,
	}))
}
