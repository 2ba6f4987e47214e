package install

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/tests/framework"
	"vmsnap.io/vmsnap/tests/framework/cluster"
)

// access is what a user role allows on vmsnap's API.
type access int

const (
	viewAccess  access = iota // reads only
	editAccess                // and writes, except on contents
	adminAccess               // and writes on contents
)

const (
	userLabel       = "vmsnap.io/rbac-test-user"
	testAnnotation  = "vmsnap.io/rbac-test"
	seedName        = "seed"
	contentResource = "virtualmachinesnapshotcontents"
)

// userKind is one of vmsnap's kinds, with a valid new object of it: the
// calls that are allowed must pass admission too.
type userKind struct {
	resource string
	object   func(f *framework.Framework, name string) *unstructured.Unstructured
}

var userKinds = []userKind{
	{"virtualmachinesnapshots", func(f *framework.Framework, name string) *unstructured.Unstructured {
		return toUnstructured(f.NewSnapshot(name, "vm"), "VirtualMachineSnapshot")
	}},
	{contentResource, func(f *framework.Framework, name string) *unstructured.Unstructured {
		// An import: what a user brings to bind with a new snapshot.
		return &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": snapshotapi.SchemeGroupVersion.String(),
			"kind":       "VirtualMachineSnapshotContent",
			"metadata":   map[string]any{"name": name, "namespace": f.Namespace},
			"spec": map[string]any{
				"deletionPolicy": "Retain",
				"source": map[string]any{"virtualMachine": map[string]any{
					"apiVersion": "kubevirt.io/v1",
					"kind":       "VirtualMachine",
					"metadata":   map[string]any{"name": "vm"},
					"spec":       map[string]any{"runStrategy": "Halted", "template": map[string]any{"spec": map[string]any{"domain": map[string]any{"devices": map[string]any{}}}}},
				}},
			},
		}}
	}},
	{"virtualdisksnapshots", func(f *framework.Framework, name string) *unstructured.Unstructured {
		return toUnstructured(f.NewDiskSnapshot(name, "vm-disk0"), "VirtualDiskSnapshot")
	}},
	{"virtualmachinerestores", func(f *framework.Framework, name string) *unstructured.Unstructured {
		return toUnstructured(f.NewRestore(name, seedName), "VirtualMachineRestore")
	}},
	{"virtualmachinesnapshotschedules", func(f *framework.Framework, name string) *unstructured.Unstructured {
		return toUnstructured(f.NewSchedule(name, "@daily", map[string]string{"backup": "daily"}), "VirtualMachineSnapshotSchedule")
	}},
}

func (k userKind) gvr() schema.GroupVersionResource {
	return snapshotapi.SchemeGroupVersion.WithResource(k.resource)
}

func toUnstructured(obj runtime.Object, kind string) *unstructured.Unstructured {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		panic(err)
	}
	u := &unstructured.Unstructured{Object: m}
	u.SetAPIVersion(snapshotapi.SchemeGroupVersion.String())
	u.SetKind(kind)
	return u
}

// The manifests' user roles, bound in a namespace, give exactly: view reads
// the five kinds; edit also writes snapshots, disk snapshots, restores and
// schedules, but not contents; admin also writes contents; nobody writes
// /status. Each
// role is checked bound directly, then through the built-in role it
// aggregates into, with the clusterrole aggregation controller running.
// Every check is a real call as an impersonated user; none of the objects
// need a controller (the suite runs none), only admission.
func TestUserRolesAggregateIntoBuiltInRoles(t *testing.T) {
	f := framework.New(t)
	install(t, f)

	levels := map[string]access{"view": viewAccess, "edit": editAccess, "admin": adminAccess}
	for builtIn := range levels {
		role, err := f.Kube.RbacV1().ClusterRoles().Get(f.Context(), "vmsnap-"+builtIn, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if role.Labels["rbac.authorization.k8s.io/aggregate-to-"+builtIn] != "true" {
			t.Errorf("ClusterRole %s lacks the label aggregate-to-%s: %v", role.Name, builtIn, role.Labels)
		}
		// The matrix below sees only vmsnap's kinds; this sees the rest.
		for _, rule := range role.Rules {
			if len(rule.APIGroups) != 1 || rule.APIGroups[0] != snapshotapi.SchemeGroupVersion.Group ||
				len(rule.NonResourceURLs) > 0 || len(rule.ResourceNames) > 0 {
				t.Errorf("ClusterRole %s grants more than vmsnap's own kinds: %+v", role.Name, rule)
			}
			for _, r := range rule.Resources {
				if strings.Contains(r, "*") || strings.Contains(r, "/") {
					t.Errorf("ClusterRole %s names %q: only vmsnap's kinds, never a subresource or wildcard", role.Name, r)
				}
			}
		}
	}

	admin, err := dynamic.NewForConfig(f.Config)
	if err != nil {
		t.Fatal(err)
	}
	// The objects every user reads and must not be able to change.
	for _, k := range userKinds {
		seed := k.object(f, seedName)
		seed.SetLabels(map[string]string{userLabel: seedName})
		if _, err := admin.Resource(k.gvr()).Namespace(f.Namespace).Create(f.Context(), seed, metav1.CreateOptions{}); err != nil {
			t.Fatalf("creating the %s to read: %v", k.resource, err)
		}
	}

	for _, level := range []string{"view", "edit", "admin"} {
		t.Run("vmsnap-"+level, func(t *testing.T) {
			checkUserRole(t, f, admin, "vmsnap-"+level, levels[level])
		})
	}
	runRoleAggregation(t, f)
	for _, level := range []string{"view", "edit", "admin"} {
		t.Run("built-in "+level, func(t *testing.T) {
			checkUserRole(t, f, admin, level, levels[level])
		})
	}
}

// checkUserRole binds a user of its own to the ClusterRole in the test's
// namespace and makes every call the roles decide on as that user.
func checkUserRole(t *testing.T, f *framework.Framework, admin dynamic.Interface, clusterRole string, level access) {
	ctx := f.Context()
	user := "user-of-" + clusterRole
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: user, Namespace: f.Namespace},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: clusterRole},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: user}},
	}
	if _, err := f.Kube.RbacV1().RoleBindings(f.Namespace).Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cfg := rest.CopyConfig(f.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user}
	client, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// The apiserver's RBAC cache sees the new binding a moment later.
	err = wait.PollUntilContextTimeout(ctx, framework.PollInterval, framework.DefaultTimeout, true, func(ctx context.Context) (bool, error) {
		_, err := client.Resource(userKinds[0].gvr()).Namespace(f.Namespace).List(ctx, metav1.ListOptions{})
		return err == nil, nil
	})
	if err != nil {
		t.Fatalf("%s never could list VirtualMachineSnapshots through its binding to %s", user, clusterRole)
	}

	for _, k := range userKinds {
		writes := level >= editAccess && (k.resource != contentResource || level == adminAccess)
		ri := client.Resource(k.gvr()).Namespace(f.Namespace)
		expect := func(call string, allowed bool, err error) {
			t.Helper()
			switch {
			case allowed && err != nil:
				t.Errorf("%s: %s %s: %v; want it allowed", clusterRole, call, k.resource, err)
			case !allowed && !apierrors.IsForbidden(err):
				t.Errorf("%s: %s %s: err %v; want 403 Forbidden", clusterRole, call, k.resource, err)
			}
		}

		_, err := ri.Get(ctx, seedName, metav1.GetOptions{})
		expect("get", true, err)
		_, err = ri.List(ctx, metav1.ListOptions{})
		expect("list", true, err)
		w, err := ri.Watch(ctx, metav1.ListOptions{})
		expect("watch", true, err)
		if err == nil {
			w.Stop()
		}

		// Writes go to the user's own object when it may make one, else to
		// the seed, so that a wrongly allowed write would really happen.
		own := user + "-1"
		obj := k.object(f, own)
		obj.SetLabels(map[string]string{userLabel: user})
		_, err = ri.Create(ctx, obj, metav1.CreateOptions{})
		expect("create", writes, err)
		target := seedName
		if writes && err == nil {
			target = own
		}
		cur := getAs(t, ri, target)
		cur.SetAnnotations(map[string]string{testAnnotation: "updated by " + user})
		_, err = ri.Update(ctx, cur, metav1.UpdateOptions{})
		expect("update", writes, err)
		_, err = ri.UpdateStatus(ctx, getAs(t, ri, target), metav1.UpdateOptions{})
		expect("update status of", false, err)
		_, err = ri.Patch(ctx, target, types.MergePatchType, []byte(`{"metadata":{"annotations":{"`+testAnnotation+`":"patched by `+user+`"}}}`), metav1.PatchOptions{})
		expect("patch", writes, err)
		_, err = ri.Patch(ctx, target, types.MergePatchType, []byte(`{"status":{"error":{"message":"written by `+user+`"}}}`), metav1.PatchOptions{}, "status")
		expect("patch status of", false, err)
		expect("delete", writes, ri.Delete(ctx, target, metav1.DeleteOptions{}))

		if writes {
			obj = k.object(f, user+"-2")
			obj.SetLabels(map[string]string{userLabel: user})
			if _, err := ri.Create(ctx, obj, metav1.CreateOptions{}); err != nil {
				t.Errorf("%s: create %s: %v", clusterRole, k.resource, err)
			}
		}
		expect("deletecollection", writes, ri.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: userLabel + "=" + user}))

		// A refused write changed nothing.
		seed, err := admin.Resource(k.gvr()).Namespace(f.Namespace).Get(ctx, seedName, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("%s: the seed %s is gone: %v", clusterRole, k.resource, err)
		}
		if _, marked := seed.GetAnnotations()[testAnnotation]; marked {
			t.Errorf("%s: the seed %s was written: %v", clusterRole, k.resource, seed.GetAnnotations())
		}
		if _, written := seed.Object["status"]; written {
			t.Errorf("%s: the seed %s has a status: %v", clusterRole, k.resource, seed.Object["status"])
		}
	}
}

// getAs reads the object as the client's user, which every role may.
func getAs(t *testing.T, ri dynamic.ResourceInterface, name string) *unstructured.Unstructured {
	t.Helper()
	obj, err := ri.Get(t.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("reading %s: %v", name, err)
	}
	return obj
}

// runRoleAggregation runs kube-controller-manager's clusterrole aggregation
// controller until the test ends; the suite's cluster runs only the
// controllers its other tests need. It waits until the built-in roles hold
// vmsnap's rules.
func runRoleAggregation(t *testing.T, f *framework.Framework) {
	t.Helper()
	root, err := cluster.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(t.TempDir(), "aggregation.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(root, "_output", "bin", cluster.KubeControllerManager),
		"--kubeconfig="+f.Cluster.Kubeconfig(),
		"--controllers=clusterrole-aggregation-controller",
		"--leader-elect=false",
		"--secure-port=0",
		"--v=1")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting kube-controller-manager: %v", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logFile.Close()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})

	group := snapshotapi.SchemeGroupVersion.Group
	want := map[string]permission{
		"view":  {group, "virtualmachinerestores", "watch"},
		"edit":  {group, "virtualmachinerestores", "deletecollection"},
		"admin": {group, contentResource, "deletecollection"},
	}
	err = wait.PollUntilContextTimeout(f.Context(), framework.PollInterval, framework.DefaultTimeout, true, func(ctx context.Context) (bool, error) {
		select {
		case <-exited:
			return false, errors.New("kube-controller-manager exited")
		default:
		}
		for name, p := range want {
			role, err := f.Kube.RbacV1().ClusterRoles().Get(ctx, name, metav1.GetOptions{})
			if err != nil || !granted(role.Rules)[p] {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("the built-in roles never got vmsnap's rules: %v; kube-controller-manager log:\n%s", err, tail(logPath, 30))
	}
}
