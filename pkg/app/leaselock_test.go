package app

import (
	"context"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/klog/v2"
)

func TestAdvisingLockNamesCauseAndFix(t *testing.T) {
	for _, tc := range []struct {
		name      string
		createErr error
		want      []string
	}{
		{
			name:      "namespace missing",
			createErr: apierrors.NewNotFound(schema.GroupResource{Resource: "namespaces"}, "vmsnap-system"),
			want:      []string{`namespace "vmsnap-system"`, "kubectl create namespace vmsnap-system", "POD_NAMESPACE", "--leader-elect=false"},
		},
		{
			name:      "lease forbidden",
			createErr: apierrors.NewForbidden(schema.GroupResource{Group: "coordination.k8s.io", Resource: "leases"}, "vmsnap-controller", nil),
			want:      []string{"leases.coordination.k8s.io", "manifests/rbac", "--leader-elect=false"},
		},
		{name: "passing fault", createErr: apierrors.NewInternalError(context.DeadlineExceeded)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client := fake.NewClientset()
			client.PrependReactor("create", "leases", func(k8stesting.Action) (bool, runtime.Object, error) {
				return true, nil, tc.createErr
			})
			lease, err := resourcelock.New(resourcelock.LeasesResourceLock, "vmsnap-system", "vmsnap-controller",
				client.CoreV1(), client.CoordinationV1(), resourcelock.ResourceLockConfig{Identity: "me"})
			if err != nil {
				t.Fatal(err)
			}
			lock := newAdvisingLock(lease, "vmsnap-system", "vmsnap-controller", klog.Background())

			// The elector's first steps: read the Lease (absent), then create it.
			if _, _, err := lock.Get(context.Background()); !apierrors.IsNotFound(err) {
				t.Fatalf("Get of an absent Lease: got %v, want NotFound", err)
			}
			if lock.Problem() != nil {
				t.Fatalf("an absent Lease is reported as a problem: %v", lock.Problem())
			}
			if err := lock.Create(context.Background(), resourcelock.LeaderElectionRecord{HolderIdentity: "me"}); err == nil {
				t.Fatal("Create: the injected error was not returned")
			}
			problem := lock.Problem()
			if len(tc.want) == 0 {
				if problem != nil {
					t.Fatalf("a passing fault is reported as a problem: %v", problem)
				}
				return
			}
			if problem == nil {
				t.Fatal("no problem reported")
			}
			for _, want := range tc.want {
				if !strings.Contains(problem.Error(), want) {
					t.Errorf("problem %q does not mention %q", problem, want)
				}
			}

			// Once the cause is fixed, the next successful write clears it.
			client.ReactionChain = client.ReactionChain[1:]
			if err := lock.Create(context.Background(), resourcelock.LeaderElectionRecord{HolderIdentity: "me"}); err != nil {
				t.Fatal(err)
			}
			if lock.Problem() != nil {
				t.Errorf("problem not cleared after a successful create: %v", lock.Problem())
			}
		})
	}
}
