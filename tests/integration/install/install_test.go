// Package install tests vmsnap as an operator installs and runs it: the
// manifests apply to a real apiserver, the built controller binary completes
// snapshots with exactly the manifest's RBAC identity and reports them in its
// metrics, and two replicas hand over leadership when the leader dies.
package install

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/tests/framework"
	"vmsnap.io/vmsnap/tests/framework/cluster"
)

const controllerNamespace = "vmsnap-system"

func TestMain(m *testing.M) {
	// These tests run the built binary themselves; no in-process controller.
	framework.MainWithOptions(m, framework.Options{NoController: true})
}

var installOnce sync.Once

// install applies manifests/ once per suite, checking a server-side dry
// run first, the way the README tells an operator to.
func install(t *testing.T, f *framework.Framework) {
	t.Helper()
	root, err := cluster.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	manifests := filepath.Join(root, "manifests")
	installOnce.Do(func() {
		// A dry run cannot create the namespace the other objects live in.
		f.Cluster.Kubectl(f.Context(), "create", "namespace", controllerNamespace) //nolint:errcheck // may exist
		out, err := f.Cluster.Kubectl(f.Context(), "apply", "-k", manifests, "--dry-run=server")
		if err != nil {
			t.Fatalf("kubectl apply -k manifests/ --dry-run=server: %v\n%s", err, out)
		}
		out, err = f.Cluster.Kubectl(f.Context(), "apply", "-k", manifests)
		if err != nil {
			t.Fatalf("kubectl apply -k manifests/: %v\n%s", err, out)
		}
	})
	if _, err := f.Kube.CoreV1().ServiceAccounts(controllerNamespace).Get(f.Context(), "vmsnap-controller", metav1.GetOptions{}); err != nil {
		t.Fatalf("the manifests were not installed: %v", err)
	}
}

func TestManifestsInstallARestrictedLeastPrivilegeController(t *testing.T) {
	f := framework.New(t)
	install(t, f)

	role, err := f.Kube.RbacV1().ClusterRoles().Get(f.Context(), "vmsnap-controller", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, rule := range role.Rules {
		for _, field := range [][]string{rule.APIGroups, rule.Resources, rule.Verbs, rule.ResourceNames, rule.NonResourceURLs} {
			for _, v := range field {
				if strings.Contains(v, "*") {
					t.Errorf("ClusterRole rule %+v has a wildcard", rule)
				}
			}
		}
		for _, verb := range []string{"list", "watch", "delete", "deletecollection"} {
			if hasAll(rule, "", "secrets", verb) {
				t.Errorf("the controller may %s every Secret: %+v", verb, rule)
			}
		}
	}

	deploy, err := f.Kube.AppsV1().Deployments(controllerNamespace).Get(f.Context(), "vmsnap-controller", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkRestricted(t, deploy)
}

func hasAll(rule rbacv1.PolicyRule, group, resource, verb string) bool {
	in := func(list []string, v string) bool {
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	}
	return in(rule.APIGroups, group) && in(rule.Resources, resource) && in(rule.Verbs, verb)
}

func checkRestricted(t *testing.T, d *appsv1.Deployment) {
	t.Helper()
	if ptr.Deref(d.Spec.Replicas, 1) != 2 {
		t.Errorf("replicas %d, want 2", ptr.Deref(d.Spec.Replicas, 1))
	}
	pod := d.Spec.Template.Spec
	if pod.SecurityContext == nil || !ptr.Deref(pod.SecurityContext.RunAsNonRoot, false) ||
		pod.SecurityContext.SeccompProfile == nil || pod.SecurityContext.SeccompProfile.Type != "RuntimeDefault" {
		t.Errorf("pod security context %+v: want runAsNonRoot and seccomp RuntimeDefault", pod.SecurityContext)
	}
	for _, c := range pod.Containers {
		sc := c.SecurityContext
		if sc == nil || ptr.Deref(sc.AllowPrivilegeEscalation, true) || !ptr.Deref(sc.ReadOnlyRootFilesystem, false) ||
			sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" {
			t.Errorf("container %s security context %+v: want no privilege escalation, read-only root, drop ALL", c.Name, sc)
		}
		if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" ||
			c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" {
			t.Errorf("container %s probes: want /healthz liveness and /readyz readiness", c.Name)
		}
		if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() {
			t.Errorf("container %s has no resource requests", c.Name)
		}
	}
}

// The controller runs as the manifest's ServiceAccount: every call it makes
// for a stopped VM, a running VM with a guest agent (freeze and thaw
// through the subresource API), a failing snapshot, restores to a new VM
// and in place, a disk snapshot restored into a claim, and a schedule that
// takes, prunes and, deleted, deletes its snapshots must be allowed, and
// its metrics, served only to an allowed scraper, must count what
// happened.
func TestControllerWithManifestRBACSnapshotsAndReports(t *testing.T) {
	f := framework.New(t)
	install(t, f)
	kubeconfig := serviceAccountKubeconfig(t, f)
	freshLease(t, f)
	// -v=6 logs every API call, for the comparison with the role's rules.
	// Metrics as the Deployment serves them: HTTPS, reviewed by the API
	// server with the controller's identity.
	// The schedule runs every few seconds, which only a controller given
	// --min-schedule-interval accepts.
	p := startController(t, "vmsnap-controller-sa", kubeconfig, "--leader-elect=true", "--v=6",
		"--metrics-secure=true", "--min-schedule-interval=1s")
	p.waitHealthy(f.Context())
	p.metricsToken = checkMetricsAccess(t, f, p)

	stopped := f.CreateVM("stopped", framework.WithPVCDisks(2), framework.WithCloudInit())
	f.CreateSnapshot("offline", stopped.Name)
	running := f.CreateVM("running", framework.WithPVCDisks(1))
	f.StartVM(running, true)
	f.CreateSnapshot("online", running.Name)
	noAgent := f.CreateVM("no-agent", framework.WithPVCDisks(1))
	f.StartVM(noAgent, false)
	f.CreateSnapshot("doomed", noAgent.Name, framework.FailureDeadline(5*time.Second))

	f.WaitForSnapshotPhase("offline", snapshotapi.SnapshotReady, 2*time.Minute)
	online := f.WaitForSnapshotPhase("online", snapshotapi.SnapshotReady, 2*time.Minute)
	if !ptr.Deref(online.Status.Consistent, false) {
		t.Errorf("online snapshot not consistent: %+v", online.Status)
	}
	if n := len(f.FrozenWindows(running.Name)); n != 1 {
		t.Errorf("%d frozen windows for the running VM, want 1", n)
	}
	f.WaitForSnapshotPhase("doomed", snapshotapi.SnapshotFailed, time.Minute)

	// Restores: a new VM with renamed disks, then in place; the other VMs
	// are stopped first and take no part.
	f.StopVM(running)
	f.StopVM(noAgent)
	f.CreateRestore("copy", "offline",
		framework.Rename("VirtualMachine", stopped.Name, "copy"),
		framework.Rename("PersistentVolumeClaim", stopped.Name+"-disk0", "copy-disk0"),
		framework.Rename("PersistentVolumeClaim", stopped.Name+"-disk1", "copy-disk1"))
	f.WaitForRestorePhase("copy", snapshotapi.RestoreReady, 2*time.Minute)
	f.CreateRestore("back", "offline")
	f.WaitForRestorePhase("back", snapshotapi.RestoreReady, 2*time.Minute)

	// A disk snapshot, and a claim populated from it.
	f.CreateDiskSnapshot("disk", stopped.Name+"-disk0")
	ds := f.WaitForDiskSnapshotPhase("disk", snapshotapi.SnapshotReady, 2*time.Minute)
	f.CreateRestoreClaim("from-disk", "disk", ds.Status.RestoreSize.String(), cluster.StorageClassName)
	f.WaitForClaimBound("from-disk")
	f.DeleteDiskSnapshot("disk")
	f.WaitForDiskSnapshotGone("disk")

	f.DeleteSnapshot("offline")
	f.WaitForSnapshotGone("offline")

	// The counts below are of the snapshots above only: the schedule,
	// whose snapshot count depends on timing, runs after them.
	page := p.scrape()
	for _, want := range []string{
		`vmsnap_operations_total{kind="VirtualMachineSnapshot",result="Ready"} 2`,
		`vmsnap_operations_total{kind="VirtualMachineRestore",result="Ready"} 2`,
		`vmsnap_operations_total{kind="VirtualDiskSnapshot",result="Ready"} 1`,
		`vmsnap_operations_total{kind="VirtualMachineSnapshot",result="Failed"} 1`,
		`vmsnap_deadline_exceeded_total{kind="VirtualMachineSnapshot"} 1`,
		fmt.Sprintf(`vmsnap_failed_info{kind="VirtualMachineSnapshot",name="doomed",namespace="%s",reason="NoGuestAgent"} 1`, f.Namespace),
		fmt.Sprintf(`vmsnap_vm_frozen_seconds_count 1`),
		`vmsnap_leader 1`,
		`vmsnap_workqueue_adds_total{name="vmsnapshot"}`,
		`vmsnap_rest_client_requests_total{code="201",method="POST"}`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("/metrics lacks %q; it has:\n%s", want, grepLines(page, strings.SplitN(want, "{", 2)[0]))
		}
	}
	// The deleted snapshot has no series left; the failed one keeps its own.
	if strings.Contains(page, `name="offline"`) {
		t.Error("/metrics still has a series of the deleted snapshot")
	}

	taken := exerciseSchedule(f)
	page = p.scrape()
	if n, ok := metricValue(page, `vmsnap_schedule_runs_total{result="taken"}`); !ok || n < float64(len(taken)) {
		t.Errorf("/metrics counts %v runs taken (present: %v), want at least %d; it has:\n%s", n, ok, len(taken), grepLines(page, "vmsnap_schedule_runs_total"))
	}

	// A VM whose two disks are cut in one VolumeGroupSnapshot (the claims
	// labelled and unlabelled, the group created), then deleted with it.
	f.CreateGroupSnapshotClass()
	pair := f.CreateVM("pair", framework.WithPVCDisks(2))
	f.CreateSnapshot("grouped", pair.Name)
	grouped := f.WaitForSnapshotPhase("grouped", snapshotapi.SnapshotReady, 2*time.Minute)
	if !slices.ContainsFunc(grouped.Status.Indications, func(i snapshotapi.Indication) bool { return i.Type == snapshotapi.IndicationAtomicCut }) {
		t.Errorf("the grouped snapshot does not say AtomicCut: %s", framework.DescribeSnapshot(grouped))
	}
	f.DeleteSnapshot("grouped")
	f.WaitForSnapshotGone("grouped")

	if forbidden := regexp.MustCompile(`(?i)forbidden`).FindAllString(p.log(), -1); len(forbidden) > 0 {
		t.Errorf("the controller was refused %d calls with the manifest's RBAC; log:\n%s", len(forbidden), tail(p.logPath, 60))
	}
	clusterRole, err := f.Kube.RbacV1().ClusterRoles().Get(f.Context(), "vmsnap-controller", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	role, err := f.Kube.RbacV1().Roles(controllerNamespace).Get(f.Context(), "vmsnap-controller-leader-election", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	compareRBAC(t, append(clusterRole.Rules, role.Rules...), callsFromLog(t, p.log()))
}

func grepLines(page, prefix string) string {
	var out []string
	for _, line := range strings.Split(page, "\n") {
		if strings.HasPrefix(line, prefix) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
