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
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"time"

	groupsnapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumegroupsnapshot/v1"
	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	snapshotclient "github.com/kubernetes-csi/external-snapshotter/client/v8/clientset/versioned"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"
)

const (
	// StorageClassName names the StorageClass (the cluster default) and the
	// VolumeSnapshotClass (the default for the driver) backed by the test
	// CSI driver.
	StorageClassName  = "vmsnap-test"
	SnapshotClassName = "vmsnap-test"
	// GroupSnapshotClassName names the VolumeGroupSnapshotClass of the test
	// CSI driver, the default one for the driver.
	GroupSnapshotClassName = "vmsnap-test"

	// DefaultDriverName is the test CSI driver's name unless Config says
	// otherwise.
	DefaultDriverName = "csi.test.vmsnap.io"

	// SecondDriverName is the second test CSI driver's (Config.SecondDriver),
	// which takes no group snapshots. NoGroupStorageClassName is its
	// StorageClass (not the cluster default), NoGroupSnapshotClassName its
	// default VolumeSnapshotClass; it has no VolumeGroupSnapshotClass.
	SecondDriverName         = "csi2.test.vmsnap.io"
	NoGroupStorageClassName  = "vmsnap-test-nogroup"
	NoGroupSnapshotClassName = "vmsnap-test-nogroup"
)

// Annotations that make a class the default.
const (
	defaultStorageClassAnnotation       = "storageclass.kubernetes.io/is-default-class"
	defaultSnapshotClassAnnotation      = "snapshot.storage.kubernetes.io/is-default-class"
	defaultGroupSnapshotClassAnnotation = "groupsnapshot.storage.kubernetes.io/is-default-class"
)

// The VolumeSnapshot CRDs come from the same client module the project
// builds against, so the schema always matches the generated clients.
const (
	snapshotClientModule = "github.com/kubernetes-csi/external-snapshotter/client/v8"
	// snapshotClientFallbackVersion is used when the running binary carries
	// no module information.
	snapshotClientFallbackVersion = "v8.7.0"
	snapshotCRDGlob               = "config/crd/*storage.k8s.io_*.yaml"
)

const crdEstablishTimeout = 30 * time.Second

// snapshotCRDFiles finds the VolumeSnapshot* and VolumeGroupSnapshot* CRD
// files in the Go module cache. The folder also holds a kustomization, which
// is why the files are picked by name.
func snapshotCRDFiles(ctx context.Context) ([]string, error) {
	dir, err := moduleDir(ctx, snapshotClientModule, moduleVersion(snapshotClientModule, snapshotClientFallbackVersion))
	if err != nil {
		return nil, err
	}
	files, err := filepath.Glob(filepath.Join(dir, snapshotCRDGlob))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no CRD files match %s in %s", snapshotCRDGlob, dir)
	}
	return files, nil
}

// moduleVersion is the version of a module linked into this binary.
func moduleVersion(path, fallback string) string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == path {
				if dep.Replace != nil {
					dep = dep.Replace
				}
				if dep.Version != "" {
					return dep.Version
				}
			}
		}
	}
	return fallback
}

// moduleDir returns the module cache directory of path@version, downloading
// it if needed. It runs outside any module, so vendoring or a workspace of
// the caller cannot interfere.
func moduleDir(ctx context.Context, path, version string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", path+"@"+version)
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var result struct{ Dir, Error string }
	if jsonErr := json.Unmarshal(out, &result); jsonErr != nil && err == nil {
		err = jsonErr
	}
	if result.Error != "" {
		err = errors.New(result.Error)
	}
	if err != nil {
		return "", fmt.Errorf("locating %s@%s in the module cache: %w: %s", path, version, err, stderr.String())
	}
	return result.Dir, nil
}

// crdFilesIn lists the *.yaml files of each directory.
func crdFilesIn(dirs []string) ([]string, error) {
	var files []string
	for _, dir := range dirs {
		matches, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
		if err != nil {
			return nil, err
		}
		if len(matches) == 0 {
			return nil, fmt.Errorf("CRD directory %s holds no *.yaml files", dir)
		}
		files = append(files, matches...)
	}
	return files, nil
}

// readCRDs decodes every CustomResourceDefinition in the files. Other
// documents (a kustomization, say) are skipped.
func readCRDs(files []string) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	var crds []*apiextensionsv1.CustomResourceDefinition
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		fileCRDs, err := decodeCRDs(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		crds = append(crds, fileCRDs...)
	}
	return crds, nil
}

func decodeCRDs(data []byte) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var crds []*apiextensionsv1.CustomResourceDefinition
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return crds, nil
		}
		if err != nil {
			return nil, err
		}
		var typeMeta metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &typeMeta); err != nil {
			return nil, err
		}
		if typeMeta.Kind != "CustomResourceDefinition" {
			continue
		}
		if typeMeta.APIVersion != apiextensionsv1.SchemeGroupVersion.String() {
			return nil, fmt.Errorf("CustomResourceDefinition has apiVersion %q, want %q", typeMeta.APIVersion, apiextensionsv1.SchemeGroupVersion)
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.Unmarshal(doc, crd); err != nil {
			return nil, err
		}
		crds = append(crds, crd)
	}
}

// installCRDs creates (or updates) the CRDs and waits until the apiserver
// serves each of them.
func installCRDs(ctx context.Context, config *rest.Config, crds []*apiextensionsv1.CustomResourceDefinition) error {
	client, err := apiextensionsclient.NewForConfig(config)
	if err != nil {
		return err
	}
	crdClient := client.ApiextensionsV1().CustomResourceDefinitions()
	for _, crd := range crds {
		_, err := crdClient.Create(ctx, crd, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			err = updateCRD(ctx, client, crd)
		}
		if err != nil {
			return fmt.Errorf("installing CRD %s: %w", crd.Name, err)
		}
	}
	for _, crd := range crds {
		var last *apiextensionsv1.CustomResourceDefinition
		err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, crdEstablishTimeout, true, func(ctx context.Context) (bool, error) {
			last, err = crdClient.Get(ctx, crd.Name, metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			return crdEstablished(last), nil
		})
		if err != nil {
			return fmt.Errorf("CRD %s not Established: %w; conditions: %v", crd.Name, err, conditionsOf(last))
		}
	}
	klog.FromContext(ctx).V(2).Info("Installed CRDs", "count", len(crds))
	return nil
}

func updateCRD(ctx context.Context, client apiextensionsclient.Interface, crd *apiextensionsv1.CustomResourceDefinition) error {
	existing, err := client.ApiextensionsV1().CustomResourceDefinitions().Get(ctx, crd.Name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	updated := crd.DeepCopy()
	updated.ResourceVersion = existing.ResourceVersion
	_, err = client.ApiextensionsV1().CustomResourceDefinitions().Update(ctx, updated, metav1.UpdateOptions{})
	return err
}

func crdEstablished(crd *apiextensionsv1.CustomResourceDefinition) bool {
	established, namesAccepted := false, false
	for _, c := range crd.Status.Conditions {
		switch c.Type {
		case apiextensionsv1.Established:
			established = c.Status == apiextensionsv1.ConditionTrue
		case apiextensionsv1.NamesAccepted:
			namesAccepted = c.Status == apiextensionsv1.ConditionTrue
		}
	}
	return established && namesAccepted
}

func conditionsOf(crd *apiextensionsv1.CustomResourceDefinition) []apiextensionsv1.CustomResourceDefinitionCondition {
	if crd == nil {
		return nil
	}
	return crd.Status.Conditions
}

// storageClass is a driver set's StorageClass: the cluster default for
// the first set. Immediate binding, because there are no nodes (and so no
// consumer) to wait for.
func storageClass(s *csiSet) *storagev1.StorageClass {
	sc := &storagev1.StorageClass{
		ObjectMeta:           metav1.ObjectMeta{Name: s.storageClass},
		Provisioner:          s.driverName,
		ReclaimPolicy:        ptr.To(corev1.PersistentVolumeReclaimDelete),
		VolumeBindingMode:    ptr.To(storagev1.VolumeBindingImmediate),
		AllowVolumeExpansion: ptr.To(true),
	}
	if s.defaultStorageClass {
		sc.Annotations = map[string]string{defaultStorageClassAnnotation: "true"}
	}
	return sc
}

// volumeSnapshotClass is the default VolumeSnapshotClass of a set's driver.
func volumeSnapshotClass(s *csiSet) *snapshotv1.VolumeSnapshotClass {
	return &snapshotv1.VolumeSnapshotClass{
		ObjectMeta: metav1.ObjectMeta{
			Name:        s.snapshotClass,
			Annotations: map[string]string{defaultSnapshotClassAnnotation: "true"},
		},
		Driver:         s.driverName,
		DeletionPolicy: snapshotv1.VolumeSnapshotContentDelete,
	}
}

// volumeGroupSnapshotClass is the default VolumeGroupSnapshotClass of a
// set's driver, nil for a driver without group snapshots.
func volumeGroupSnapshotClass(s *csiSet) *groupsnapshotv1.VolumeGroupSnapshotClass {
	if s.groupSnapshotClass == "" {
		return nil
	}
	return &groupsnapshotv1.VolumeGroupSnapshotClass{
		ObjectMeta: metav1.ObjectMeta{
			Name:        s.groupSnapshotClass,
			Annotations: map[string]string{defaultGroupSnapshotClassAnnotation: "true"},
		},
		Driver:         s.driverName,
		DeletionPolicy: snapshotv1.VolumeSnapshotContentDelete,
	}
}

// installStorageClasses creates each driver set's StorageClass,
// VolumeSnapshotClass and VolumeGroupSnapshotClass, leaving existing ones
// alone.
func installStorageClasses(ctx context.Context, config *rest.Config, sets []*csiSet) error {
	kube, err := kubernetes.NewForConfig(config)
	if err != nil {
		return err
	}
	snapshots, err := snapshotclient.NewForConfig(config)
	if err != nil {
		return err
	}
	for _, s := range sets {
		if _, err := kube.StorageV1().StorageClasses().Create(ctx, storageClass(s), metav1.CreateOptions{}); ignoreExists(err) != nil {
			return fmt.Errorf("creating StorageClass %s: %w", s.storageClass, err)
		}
		if _, err := snapshots.SnapshotV1().VolumeSnapshotClasses().Create(ctx, volumeSnapshotClass(s), metav1.CreateOptions{}); ignoreExists(err) != nil {
			return fmt.Errorf("creating VolumeSnapshotClass %s: %w", s.snapshotClass, err)
		}
		if class := volumeGroupSnapshotClass(s); class != nil {
			if _, err := snapshots.GroupsnapshotV1().VolumeGroupSnapshotClasses().Create(ctx, class, metav1.CreateOptions{}); ignoreExists(err) != nil {
				return fmt.Errorf("creating VolumeGroupSnapshotClass %s: %w", class.Name, err)
			}
		}
	}
	return nil
}

func ignoreExists(err error) error {
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}
