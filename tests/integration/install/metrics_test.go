package install

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"

	"vmsnap.io/vmsnap/tests/framework"
	"vmsnap.io/vmsnap/tests/framework/cluster"
)

// tokenReviewCall is a TokenReview in the controller's -v=6 log.
var tokenReviewCall = regexp.MustCompile(`"Response"[^\n]*? verb="POST" url="[^"]*/apis/authentication\.k8s\.io/v1/tokenreviews"`)

// checkMetricsAccess proves, against the real API server, that a controller
// run with --metrics-secure=true serves /metrics over HTTPS to a service
// account bound to manifests/monitoring's vmsnap-metrics-reader (200), and
// not to one without the binding (403), nor without a valid token (401);
// and that a scraper's reviews are cached. It returns the reader's token.
func checkMetricsAccess(t *testing.T, f *framework.Framework, p *controllerProcess) string {
	t.Helper()
	root, err := cluster.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if out, err := f.Cluster.Kubectl(f.Context(), "apply", "-f", filepath.Join(root, "manifests", "monitoring", "metrics-reader.yaml")); err != nil {
		t.Fatalf("kubectl apply -f manifests/monitoring/metrics-reader.yaml: %v\n%s", err, out)
	}
	reader := serviceAccountToken(t, f, "prometheus")
	stranger := serviceAccountToken(t, f, "stranger")
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "vmsnap-metrics-reader-" + f.Namespace},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "vmsnap-metrics-reader"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "prometheus", Namespace: f.Namespace}},
	}
	if _, err := f.Kube.RbacV1().ClusterRoleBindings().Create(f.Context(), binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = f.Kube.RbacV1().ClusterRoleBindings().Delete(context.Background(), binding.Name, metav1.DeleteOptions{})
	})

	if !strings.Contains(p.log(), "Serving metrics with a self-signed certificate") {
		t.Error("the log does not say the metrics certificate is self-signed")
	}
	expect := func(who, token string, want int) string {
		t.Helper()
		code, body, err := p.metricsGet("/metrics", token)
		if err != nil || code != want {
			t.Errorf("GET /metrics over HTTPS as %s = %d, %v (%.200q); want %d", who, code, err, body, want)
		}
		return body
	}
	expect("no token", "", http.StatusUnauthorized)
	expect("a made-up token", "made-up", http.StatusUnauthorized)
	expect("a service account without the binding", stranger, http.StatusForbidden)
	// The binding may reach the API server's authorizer a moment after it
	// was created; a denial is then cached for 10s.
	var code int
	err = wait.PollUntilContextTimeout(f.Context(), time.Second, 30*time.Second, true, func(context.Context) (bool, error) {
		code, _, _ = p.metricsGet("/metrics", reader)
		return code == http.StatusOK, nil
	})
	if err != nil {
		t.Fatalf("a service account bound to vmsnap-metrics-reader got %d, want 200", code)
	}
	if body := expect("a bound service account", reader, http.StatusOK); !strings.Contains(body, "vmsnap_leader") {
		t.Errorf("/metrics for the bound service account lacks vmsnap_leader:\n%.500s", body)
	}
	if code, _, _ := p.metricsGet("/debug/pprof/", reader); code == http.StatusOK {
		t.Error("/debug/pprof/ was served to a caller allowed /metrics only")
	}

	// Scrapes within a minute are answered from the cache.
	reviews := len(tokenReviewCall.FindAllString(p.log(), -1))
	if reviews == 0 {
		t.Error("no TokenReview in the controller's log")
	}
	for range 3 {
		expect("the bound service account again", reader, http.StatusOK)
	}
	if again := len(tokenReviewCall.FindAllString(p.log(), -1)); again != reviews {
		t.Errorf("3 scrapes with a known token made %d more TokenReviews, want 0", again-reviews)
	}

	// Plain HTTP gets nothing.
	if resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", p.metricsPort)); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("/metrics was served over plain HTTP")
		}
	}
	return reader
}

// serviceAccountToken creates a service account in the test's namespace
// and returns a token for it.
func serviceAccountToken(t *testing.T, f *framework.Framework, name string) string {
	t.Helper()
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if _, err := f.Kube.CoreV1().ServiceAccounts(f.Namespace).Create(f.Context(), sa, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	tr, err := f.Kube.CoreV1().ServiceAccounts(f.Namespace).CreateToken(f.Context(), name,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("requesting a token for the ServiceAccount %s: %v", name, err)
	}
	return tr.Status.Token
}
