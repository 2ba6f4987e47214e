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

package install

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"vmsnap.io/vmsnap/tests/framework"
)

// A replica whose Lease namespace does not exist says so, with the fix, in
// its log and on /readyz, and leads as soon as the namespace is created.
func TestLeaderElectionNamesAMissingNamespaceAndTheFix(t *testing.T) {
	f := framework.New(t)
	namespace := f.Namespace + "-lease"
	p := startController(t, "replica", f.Cluster.Kubeconfig(),
		"--leader-elect=true", "--leader-elect-namespace="+namespace, "--leader-elect-name=vmsnap-missing-namespace-test")
	p.waitHealthy(f.Context())

	readyz := func() (int, string) {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/readyz?verbose", p.healthPort))
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	var last string
	err := wait.PollUntilContextTimeout(f.Context(), 200*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		code, body := readyz()
		last = body
		return code == http.StatusInternalServerError && strings.Contains(body, "[-]leader-election failed") &&
			strings.Contains(body, "kubectl create namespace "+namespace) && strings.Contains(body, "--leader-elect=false"), nil
	})
	if err != nil {
		t.Fatalf("/readyz never named the missing namespace and the fix; last answer:\n%s", last)
	}
	if log, _ := os.ReadFile(p.logPath); !strings.Contains(string(log), "Cannot take part in leader election") {
		t.Errorf("the log does not say why the replica cannot lead:\n%s", tail(p.logPath, 20))
	}

	if _, err := f.Kube.CoreV1().Namespaces().Create(f.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = f.Kube.CoreV1().Namespaces().Delete(context.Background(), namespace, metav1.DeleteOptions{})
	})
	err = wait.PollUntilContextTimeout(f.Context(), 200*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		code, body := readyz()
		last = body
		return code == http.StatusOK && p.metric("vmsnap_leader") == 1, nil
	})
	if err != nil {
		t.Fatalf("the replica did not lead once the namespace existed; /readyz:\n%s", last)
	}
}
