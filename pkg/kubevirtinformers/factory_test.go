package kubevirtinformers

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	kubevirtv1 "kubevirt.io/api/core/v1"
	cdifake "kubevirt.io/client-go/containerizeddataimporter/fake"
	kubevirtfake "kubevirt.io/client-go/kubevirt/fake"
)

func TestFactoryStartsOnlyWhatWasRequestedAndNamed(t *testing.T) {
	vm := &kubevirtv1.VirtualMachine{ObjectMeta: metav1.ObjectMeta{Name: "vm", Namespace: "ns"}}
	f := NewFactory(fakeKubeVirt{kubevirtfake.NewSimpleClientset(vm)}, cdifake.NewSimpleClientset(), 0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	vms := f.VirtualMachines()
	if f.VirtualMachines() != vms {
		t.Fatal("a second request made a second informer")
	}
	f.VirtualMachineInstances()
	// Only VMs are named: the VMI informer must stay stopped, as it would
	// while its API is not served.
	f.Start(ctx, VirtualMachinesResource, DataVolumesResource)
	if err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		return f.HasSynced(VirtualMachinesResource), nil
	}); err != nil {
		t.Fatal("the VM informer never synced")
	}
	if f.HasSynced(VirtualMachineInstancesResource) {
		t.Error("the VMI informer runs though it was not started")
	}
	if f.HasSynced(DataVolumesResource) {
		t.Error("an informer that was never requested reports synced")
	}
	got, err := VirtualMachineLister(vms).Namespace("ns").Get("vm")
	if err != nil || got.Name != "vm" {
		t.Fatalf("lister Get = %v, %v; want the VM", got, err)
	}
}

// fakeKubeVirt is KubeVirt's fake clientset, which (unlike client-go's
// generated fakes) does not say that it cannot stream lists through watches.
type fakeKubeVirt struct{ *kubevirtfake.Clientset }

func (fakeKubeVirt) IsWatchListSemanticsUnSupported() bool { return true }
