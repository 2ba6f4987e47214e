// Command kubevirt-crds writes the CustomResourceDefinitions of the KubeVirt
// and CDI kinds that vmsnap reads (VirtualMachine, VirtualMachineInstance,
// VirtualMachineInstanceMigration, DataVolume, and the instancetypes and
// preferences whose ControllerRevisions a VM runs from) so that tests can
// install them in a cluster where KubeVirt's own operator does not run.
//
// The schemas are not written by hand and nothing from those projects is
// committed: the tool reads the sources that KubeVirt and CDI generate their
// CRDs from out of the Go module cache, downloading the pinned module
// versions when they are missing. It parses those files instead of importing
// them because their packages do not build from the module proxy.
//
// Usage:
//
//	go run ./hack/kubevirt-crds --out _output/crds/kubevirt
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
)

func main() {
	outDir := flag.String("out", "_output/crds/kubevirt", "directory to write one CRD manifest per file into")
	flag.Parse()

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	defer cancel()
	if err := run(ctx, *outDir); err != nil {
		fmt.Fprintf(os.Stderr, "kubevirt-crds: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, outDir string) error {
	kubevirtDir, err := moduleDir(ctx, kubevirtModule)
	if err != nil {
		return err
	}
	cdiDir, err := moduleDir(ctx, cdiModule)
	if err != nil {
		return err
	}

	kubevirtCRDs, err := readKubeVirtCRDs(filepath.Join(kubevirtDir, kubevirtValidationsFile))
	if err != nil {
		return err
	}
	cdiCRDs, err := readCDICRDs(filepath.Join(cdiDir, cdiCRDsFile))
	if err != nil {
		return err
	}

	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	for _, crd := range kubevirtCRDs {
		if err := writeCRD(outDir, crd, kubevirtModule); err != nil {
			return err
		}
	}
	for _, crd := range cdiCRDs {
		if err := writeCRD(outDir, crd, cdiModule); err != nil {
			return err
		}
	}
	return nil
}
