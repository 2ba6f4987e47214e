package apiwatch

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	fakediscovery "k8s.io/client-go/discovery/fake"
	kubetesting "k8s.io/client-go/testing"
)

var (
	volumeSnapshots = schema.GroupVersionResource{Group: "snapshot.storage.k8s.io", Version: "v1", Resource: "volumesnapshots"}
	vms             = schema.GroupVersionResource{Group: "kubevirt.io", Version: "v1", Resource: "virtualmachines"}
)

func TestWatcherSeesAPIsAppear(t *testing.T) {
	disc := &fakediscovery.FakeDiscovery{Fake: &kubetesting.Fake{}}
	disc.Resources = []*metav1.APIResourceList{{
		GroupVersion: "kubevirt.io/v1",
		APIResources: []metav1.APIResource{{Name: "virtualmachines"}},
	}}
	w := New(disc, 0, volumeSnapshots, vms)

	if err := w.Missing(vms); err == nil || !strings.Contains(err.Error(), "has not run") {
		t.Fatalf("before the first poll, Missing = %v, want an error saying discovery has not run", err)
	}

	ctx := context.Background()
	w.Poll(ctx)
	if !w.Served(vms) || w.Served(volumeSnapshots) {
		t.Fatalf("served: vms=%v volumesnapshots=%v, want true, false", w.Served(vms), w.Served(volumeSnapshots))
	}
	err := w.Missing(vms, volumeSnapshots)
	if err == nil || !strings.Contains(err.Error(), "volumesnapshots.snapshot.storage.k8s.io/v1") {
		t.Fatalf("Missing = %v, want it to name volumesnapshots.snapshot.storage.k8s.io/v1", err)
	}
	select {
	case <-w.Appeared(volumeSnapshots):
		t.Fatal("Appeared closed for an API that is not served")
	default:
	}

	disc.Resources = append(disc.Resources, &metav1.APIResourceList{
		GroupVersion: "snapshot.storage.k8s.io/v1",
		APIResources: []metav1.APIResource{{Name: "volumesnapshots"}},
	})
	w.Poll(ctx)
	select {
	case <-w.Appeared(volumeSnapshots):
	default:
		t.Fatal("Appeared not closed after the API appeared")
	}
	if err := w.Missing(vms, volumeSnapshots); err != nil {
		t.Fatalf("Missing = %v, want nil", err)
	}

	// An API that goes away is reported missing again; Appeared stays closed.
	disc.Resources = disc.Resources[:1]
	w.Poll(ctx)
	if w.Served(volumeSnapshots) {
		t.Fatal("still served after the API went away")
	}
	w.Poll(ctx) // polling again must not close a closed channel
}
