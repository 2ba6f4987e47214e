package fakevirtapi_test

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
	virtv1 "kubevirt.io/api/core/v1"
	kubevirtv1 "kubevirt.io/client-go/kubevirt/typed/core/v1"

	"vmsnap.io/vmsnap/tests/fakevirtapi"
	"vmsnap.io/vmsnap/tests/framework/cluster"
)

// TestThroughAggregator runs the server behind a real kube-apiserver and
// calls it with KubeVirt's client, as the controller does in production.
// It also installs the KubeVirt CRDs that hack/kubevirt-crds writes.
func TestThroughAggregator(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a cluster")
	}
	root, err := cluster.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	// Fresh CRDs, so that the test checks what the generator writes now.
	crdDir := t.TempDir()
	generate := exec.CommandContext(t.Context(), "go", "run", "./hack/kubevirt-crds", "--out", crdDir)
	generate.Dir = root
	if out, err := generate.CombinedOutput(); err != nil {
		t.Fatalf("generating the KubeVirt CRDs: %v\n%s", err, out)
	}
	ctx := t.Context()
	c, err := cluster.Start(ctx, cluster.Config{Dir: t.TempDir(), CRDDirs: []string{crdDir}})
	if errors.Is(err, cluster.ErrMissingBinaries) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Error(err)
		}
	})
	config := c.RESTConfig()

	dynamicClient, err := dynamic.NewForConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	server := fakevirtapi.New(fakevirtapi.Options{VMIs: dynamicClient, ReportFreezeStatus: true})
	if err := server.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := fakevirtapi.Register(ctx, config, server.Port(), server.CACertPEM()); err != nil {
		t.Fatal(err)
	}
	if err := server.RegisterVMValidator(ctx, config); err != nil {
		t.Fatal(err)
	}
	kube := kubernetes.NewForConfigOrDie(config)
	t.Cleanup(func() {
		// The test's context is already cancelled when cleanups run.
		if err := fakevirtapi.Unregister(context.Background(), config); err != nil {
			t.Error(err)
		}
		_, err := kube.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(context.Background(), fakevirtapi.ValidatorName, metav1.GetOptions{})
		if !apierrors.IsNotFound(err) {
			t.Errorf("after Unregister, reading ValidatingWebhookConfiguration %s returned %v, want not found", fakevirtapi.ValidatorName, err)
		}
	})

	const namespace = "aggregation"
	if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	kubevirt, err := kubevirtv1.NewForConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	vmis := kubevirt.VirtualMachineInstances(namespace)
	for _, vmi := range []*virtv1.VirtualMachineInstance{
		runningVMI("vm1", true),
		runningVMI("no-agent", false),
	} {
		if _, err := vmis.Create(ctx, vmi, metav1.CreateOptions{}); err != nil {
			t.Fatalf("creating VMI %s: %v", vmi.Name, err)
		}
	}

	t.Run("freeze and unfreeze", func(t *testing.T) {
		if err := vmis.Freeze(ctx, "vm1", 30*time.Second); err != nil {
			t.Fatalf("Freeze: %v", err)
		}
		vmi, err := vmis.Get(ctx, "vm1", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if vmi.Status.FSFreezeStatus != "frozen" {
			t.Errorf("fsFreezeStatus is %q after the freeze", vmi.Status.FSFreezeStatus)
		}
		if err := vmis.Unfreeze(ctx, "vm1"); err != nil {
			t.Fatalf("Unfreeze: %v", err)
		}
		calls := callsFor(server, namespace, "vm1")
		if len(calls) != 2 {
			t.Fatalf("recorded %+v, want a freeze and an unfreeze", calls)
		}
		if calls[0].Op != fakevirtapi.OpFreeze || calls[0].UnfreezeTimeout != 30*time.Second || calls[0].Result != fakevirtapi.ResultFroze {
			t.Errorf("freeze recorded as %+v", calls[0])
		}
		if calls[1].Op != fakevirtapi.OpUnfreeze || calls[1].Result != fakevirtapi.ResultThawed {
			t.Errorf("unfreeze recorded as %+v", calls[1])
		}
		if windows := server.FrozenWindows(namespace, "vm1"); len(windows) != 1 || windows[0].EndedBy != fakevirtapi.OpUnfreeze {
			t.Errorf("frozen windows are %+v", windows)
		}
	})

	t.Run("errors reach the client", func(t *testing.T) {
		server.SetBehavior(namespace, "vm1", fakevirtapi.Behavior{FreezeFailures: 1})
		if err := vmis.Freeze(ctx, "vm1", time.Minute); !apierrors.IsInternalError(err) {
			t.Errorf("injected failure reached the client as %v, want an internal error", err)
		}
		if err := vmis.Freeze(ctx, "missing", time.Minute); !apierrors.IsNotFound(err) {
			t.Errorf("freeze of a missing VMI returned %v, want not found", err)
		}
		if err := vmis.Freeze(ctx, "no-agent", time.Minute); !apierrors.IsInternalError(err) || !strings.Contains(err.Error(), "agent") {
			t.Errorf("freeze without an agent returned %v, want an internal error about the agent", err)
		}
	})

	t.Run("a hang is abandoned when the client gives up", func(t *testing.T) {
		server.SetBehavior(namespace, "vm1", fakevirtapi.Behavior{FreezeHangs: true})
		before := len(callsFor(server, namespace, "vm1"))
		callCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		if err := vmis.Freeze(callCtx, "vm1", time.Minute); err == nil {
			t.Fatal("a hanging freeze returned no error")
		}
		err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
			return len(callsFor(server, namespace, "vm1")) > before, nil
		})
		if err != nil {
			t.Fatal("the aggregator did not end the hanging request when its client gave up")
		}
		if calls := callsFor(server, namespace, "vm1"); calls[len(calls)-1].Result != fakevirtapi.ResultAbandoned {
			t.Errorf("hanging freeze recorded as %+v", calls[len(calls)-1])
		}
		server.SetBehavior(namespace, "vm1", fakevirtapi.Behavior{})
	})

	t.Run("the VM validator refuses a run strategy change under restore", func(t *testing.T) {
		vms := kubevirt.VirtualMachines(namespace)
		vm, err := vms.Create(ctx, heldVM("held"), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		vm.Status.RestoreInProgress = ptr.To("restore1")
		if vm, err = vms.UpdateStatus(ctx, vm, metav1.UpdateOptions{}); err != nil {
			t.Fatalf("a status write must pass the validator: %v", err)
		}
		vm.Spec.RunStrategy = ptr.To(virtv1.RunStrategyAlways)
		_, err = vms.Update(ctx, vm, metav1.UpdateOptions{})
		want := `admission webhook "virtualmachine-validator.kubevirt.io" denied the request: Cannot update VM runStrategy until restore "restore1" completes`
		if !apierrors.IsInvalid(err) || err.Error() != want {
			t.Errorf("the update returned %v, want the Invalid error %q", err, want)
		}
	})

	t.Run("kubectl shows KubeVirt's columns", func(t *testing.T) {
		out, err := c.Kubectl(ctx, "get", "vmi", "--namespace", namespace)
		if err != nil {
			t.Fatal(err)
		}
		if header := strings.Fields(strings.SplitN(out, "\n", 2)[0]); strings.Join(header, " ") != "NAME AGE PHASE IP NODENAME READY" {
			t.Errorf("kubectl get vmi printed:\n%s", out)
		}
	})
}

func runningVMI(name string, agentConnected bool) *virtv1.VirtualMachineInstance {
	vmi := &virtv1.VirtualMachineInstance{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       virtv1.VirtualMachineInstanceSpec{Domain: virtv1.DomainSpec{Devices: virtv1.Devices{}}},
		Status:     virtv1.VirtualMachineInstanceStatus{Phase: virtv1.Running},
	}
	if agentConnected {
		vmi.Status.Conditions = []virtv1.VirtualMachineInstanceCondition{{
			Type:   virtv1.VirtualMachineInstanceAgentConnected,
			Status: corev1.ConditionTrue,
		}}
	}
	return vmi
}

// heldVM is a stopped VM that KubeVirt's schema accepts.
func heldVM(name string) *virtv1.VirtualMachine {
	return &virtv1.VirtualMachine{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: virtv1.VirtualMachineSpec{
			RunStrategy: ptr.To(virtv1.RunStrategyHalted),
			Template:    &virtv1.VirtualMachineInstanceTemplateSpec{Spec: virtv1.VirtualMachineInstanceSpec{Domain: virtv1.DomainSpec{Devices: virtv1.Devices{}}}},
		},
	}
}

func callsFor(server *fakevirtapi.Server, namespace, name string) []fakevirtapi.Call {
	var calls []fakevirtapi.Call
	for _, call := range server.Calls() {
		if call.Namespace == namespace && call.Name == name {
			calls = append(calls, call)
		}
	}
	return calls
}
