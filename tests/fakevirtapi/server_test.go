package fakevirtapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/rest"
	clocktesting "k8s.io/utils/clock/testing"
	kubevirtv1 "kubevirt.io/client-go/kubevirt/typed/core/v1"
)

const (
	testNamespace = "ns"
	testVMI       = "vm1"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// fixture is a Server on a fake clock behind a plain HTTP test server.
type fixture struct {
	server *Server
	clock  *clocktesting.FakeClock
	http   *httptest.Server
}

func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	clock := clocktesting.NewFakeClock(epoch)
	opts.Clock = clock
	server := New(opts)
	httpServer := httptest.NewServer(server.Handler())
	t.Cleanup(httpServer.Close)
	return &fixture{server: server, clock: clock, http: httpServer}
}

func vmiURL(base, namespace, name, subresource string) string {
	return fmt.Sprintf("%s/apis/subresources.kubevirt.io/v1/namespaces/%s/virtualmachineinstances/%s/%s", base, namespace, name, subresource)
}

// put sends a PUT with body (nil for none) and returns the status code and
// the Status answered, if any.
func (f *fixture) put(t *testing.T, ctx context.Context, subresource string, body io.Reader) (int, *metav1.Status) {
	t.Helper()
	request, err := http.NewRequestWithContext(ctx, http.MethodPut, vmiURL(f.http.URL, testNamespace, testVMI, subresource), body)
	if err != nil {
		t.Fatal(err)
	}
	response, err := f.http.Client().Do(request)
	if err != nil {
		t.Fatalf("PUT %s: %v", subresource, err)
	}
	defer response.Body.Close()
	data, err := io.ReadAll(response.Body)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) == 0 {
		return response.StatusCode, nil
	}
	status := &metav1.Status{}
	if err := json.Unmarshal(data, status); err != nil {
		t.Fatalf("answer %q is not a Status: %v", data, err)
	}
	return response.StatusCode, status
}

func (f *fixture) freeze(t *testing.T, timeout time.Duration) int {
	t.Helper()
	code, _ := f.put(t, t.Context(), "freeze", strings.NewReader(fmt.Sprintf(`{"unfreezeTimeout":%q}`, timeout)))
	return code
}

func (f *fixture) unfreeze(t *testing.T) int {
	t.Helper()
	code, _ := f.put(t, t.Context(), "unfreeze", nil)
	return code
}

// waitFor polls condition, which auto-thaws and abandoned calls need
// because they finish on goroutines of their own.
func waitFor(t *testing.T, what string, condition func() bool) {
	t.Helper()
	err := wait.PollUntilContextTimeout(t.Context(), 5*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		return condition(), nil
	})
	if err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

func lastCall(t *testing.T, s *Server) Call {
	t.Helper()
	calls := s.Calls()
	if len(calls) == 0 {
		t.Fatal("no calls recorded")
	}
	return calls[len(calls)-1]
}

// TestKubeVirtClient serves over TLS and calls the server with KubeVirt's
// own client, which proves the paths, verbs and bodies match.
func TestKubeVirtClient(t *testing.T) {
	server := New(Options{})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	if err := server.Start(ctx); err != nil {
		t.Fatal(err)
	}
	config := &rest.Config{
		Host:            fmt.Sprintf("https://127.0.0.1:%d", server.Port()),
		TLSClientConfig: rest.TLSClientConfig{CAData: server.CACertPEM()},
	}
	client, err := kubevirtv1.NewForConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	vmis := client.VirtualMachineInstances(testNamespace)

	if err := vmis.Freeze(ctx, testVMI, 5*time.Minute); err != nil {
		t.Fatalf("Freeze: %v", err)
	}
	if !server.Frozen(testNamespace, testVMI) {
		t.Error("VMI is not frozen after Freeze")
	}
	if err := vmis.Unfreeze(ctx, testVMI); err != nil {
		t.Fatalf("Unfreeze: %v", err)
	}

	calls := server.Calls()
	if len(calls) != 2 {
		t.Fatalf("got %d calls, want 2: %+v", len(calls), calls)
	}
	freeze, unfreeze := calls[0], calls[1]
	if freeze.Op != OpFreeze || freeze.Namespace != testNamespace || freeze.Name != testVMI ||
		freeze.UnfreezeTimeout != 5*time.Minute || freeze.Result != ResultFroze || freeze.StatusCode != http.StatusOK {
		t.Errorf("freeze call recorded as %+v", freeze)
	}
	if unfreeze.Op != OpUnfreeze || unfreeze.Result != ResultThawed || unfreeze.StatusCode != http.StatusOK {
		t.Errorf("unfreeze call recorded as %+v", unfreeze)
	}
	windows := server.FrozenWindows(testNamespace, testVMI)
	if len(windows) != 1 || windows[0].EndedBy != OpUnfreeze || windows[0].To.Before(windows[0].From) {
		t.Errorf("frozen windows are %+v, want one ended by the unfreeze", windows)
	}

	server.SetBehavior(testNamespace, testVMI, Behavior{FreezeFailures: 1})
	err = vmis.Freeze(ctx, testVMI, time.Minute)
	if !apierrors.IsInternalError(err) {
		t.Errorf("Freeze with an injected failure returned %v, want an internal error", err)
	}

	if err := server.Start(ctx); err == nil {
		t.Error("a second Start succeeded")
	}
}

func TestDiscovery(t *testing.T) {
	f := newFixture(t, Options{})
	client, err := discovery.NewDiscoveryClientForConfig(&rest.Config{Host: f.http.URL})
	if err != nil {
		t.Fatal(err)
	}
	groups, err := client.ServerGroups()
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, group := range groups.Groups {
		found = found || (group.Name == Group && group.PreferredVersion.Version == Version)
	}
	if !found {
		t.Errorf("group %s/%s not discovered among %+v", Group, Version, groups.Groups)
	}
	resources, err := client.ServerResourcesForGroupVersion(Group + "/" + Version)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, resource := range resources.APIResources {
		names = append(names, resource.Name)
	}
	if got := strings.Join(names, ","); got != "virtualmachineinstances/freeze,virtualmachineinstances/unfreeze" {
		t.Errorf("discovered resources %s", got)
	}

	for _, path := range []string{"/healthz", "/apis/" + Group, "/openapi/v2", "/openapi/v3"} {
		response, err := http.Get(f.http.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		response.Body.Close()
		if response.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %s", path, response.Status)
		}
	}
}

func TestAutoThaw(t *testing.T) {
	f := newFixture(t, Options{})
	if code := f.freeze(t, 30*time.Second); code != http.StatusOK {
		t.Fatalf("freeze answered %d", code)
	}
	f.clock.Step(29 * time.Second)
	if !f.server.Frozen(testNamespace, testVMI) {
		t.Fatal("thawed before the unfreeze timeout")
	}
	f.clock.Step(time.Second)
	waitFor(t, "the auto-thaw", func() bool { return !f.server.Frozen(testNamespace, testVMI) })

	if call := lastCall(t, f.server); call.Op != OpAutoThaw || call.Result != ResultThawed || !call.Time.Equal(epoch.Add(30*time.Second)) {
		t.Errorf("auto-thaw recorded as %+v", call)
	}
	windows := f.server.FrozenWindows(testNamespace, testVMI)
	want := []FrozenWindow{{From: epoch, To: epoch.Add(30 * time.Second), EndedBy: OpAutoThaw}}
	if fmt.Sprint(windows) != fmt.Sprint(want) {
		t.Errorf("frozen windows are %+v, want %+v", windows, want)
	}
	if code := f.unfreeze(t); code != http.StatusOK || lastCall(t, f.server).Result != ResultAlreadyThawed {
		t.Errorf("late unfreeze answered %d and was recorded as %+v", code, lastCall(t, f.server))
	}
}

// TestFreezeWhileFrozen checks KubeVirt's behaviour: a second freeze
// succeeds without touching the auto-thaw the first one scheduled.
func TestFreezeWhileFrozen(t *testing.T) {
	f := newFixture(t, Options{})
	f.freeze(t, 30*time.Second)
	f.clock.Step(20 * time.Second)
	if code := f.freeze(t, time.Hour); code != http.StatusOK {
		t.Fatalf("second freeze answered %d", code)
	}
	if call := lastCall(t, f.server); call.Result != ResultAlreadyFrozen || call.UnfreezeTimeout != time.Hour {
		t.Errorf("second freeze recorded as %+v", call)
	}
	f.clock.Step(10 * time.Second)
	waitFor(t, "the first freeze's auto-thaw", func() bool { return !f.server.Frozen(testNamespace, testVMI) })
	if windows := f.server.FrozenWindows(testNamespace, testVMI); len(windows) != 1 {
		t.Errorf("frozen windows are %+v, want one", windows)
	}
}

func TestUnfreezeCancelsAutoThaw(t *testing.T) {
	f := newFixture(t, Options{})
	f.freeze(t, 30*time.Second)
	f.clock.Step(10 * time.Second)
	f.unfreeze(t)
	if f.clock.HasWaiters() {
		t.Error("the auto-thaw is still scheduled after the unfreeze")
	}
	f.freeze(t, 30*time.Second)
	f.clock.Step(30 * time.Second)
	waitFor(t, "the second freeze's auto-thaw", func() bool { return !f.server.Frozen(testNamespace, testVMI) })

	var ops []string
	for _, call := range f.server.Calls() {
		ops = append(ops, string(call.Op)+"="+string(call.Result))
	}
	if got, want := strings.Join(ops, " "), "Freeze=Froze Unfreeze=Thawed Freeze=Froze AutoThaw=Thawed"; got != want {
		t.Errorf("calls are %s, want %s", got, want)
	}
}

func TestTimeoutUnderOneSecondNeverThaws(t *testing.T) {
	f := newFixture(t, Options{})
	f.freeze(t, 900*time.Millisecond)
	if f.clock.HasWaiters() {
		t.Error("an auto-thaw was scheduled for a timeout that KubeVirt rounds down to zero")
	}
}

func TestInjectedFailures(t *testing.T) {
	f := newFixture(t, Options{})
	f.server.SetBehavior(testNamespace, testVMI, Behavior{FreezeFailures: 2, UnfreezeFailures: -1})

	for i := range 2 {
		code, status := f.put(t, t.Context(), "freeze", strings.NewReader(`{"unfreezeTimeout":"1m"}`))
		if code != http.StatusInternalServerError || status == nil || status.Reason != metav1.StatusReasonInternalError {
			t.Errorf("freeze %d answered %d %+v, want an internal error", i, code, status)
		}
	}
	if f.server.Frozen(testNamespace, testVMI) {
		t.Fatal("a failed freeze froze the guest")
	}
	if code := f.freeze(t, time.Minute); code != http.StatusOK {
		t.Fatalf("third freeze answered %d", code)
	}

	for range 3 {
		if code := f.unfreeze(t); code != http.StatusInternalServerError {
			t.Errorf("unfreeze answered %d, want every one to fail", code)
		}
	}
	if !f.server.Frozen(testNamespace, testVMI) {
		t.Fatal("a failed unfreeze thawed the guest")
	}
	// The failed unfreezes did not cancel the guest's own thaw.
	f.clock.Step(time.Minute)
	waitFor(t, "the auto-thaw", func() bool { return !f.server.Frozen(testNamespace, testVMI) })

	failures := 0
	for _, call := range f.server.Calls() {
		if call.Result == ResultFailed {
			failures++
			if call.StatusCode != http.StatusInternalServerError || call.Message == "" {
				t.Errorf("failure recorded as %+v", call)
			}
		}
	}
	if failures != 5 {
		t.Errorf("recorded %d failures, want 5", failures)
	}
}

func TestHangUntilClientGivesUp(t *testing.T) {
	f := newFixture(t, Options{})
	f.server.SetBehavior(testNamespace, testVMI, Behavior{FreezeHangs: true})

	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	request, _ := http.NewRequestWithContext(ctx, http.MethodPut, vmiURL(f.http.URL, testNamespace, testVMI, "freeze"),
		strings.NewReader(`{"unfreezeTimeout":"1m"}`))
	if response, err := f.http.Client().Do(request); err == nil {
		response.Body.Close()
		t.Fatalf("hanging freeze answered %s", response.Status)
	}
	waitFor(t, "the abandoned call", func() bool { return len(f.server.Calls()) == 1 })
	if call := lastCall(t, f.server); call.Result != ResultAbandoned || call.StatusCode != 0 || call.UnfreezeTimeout != time.Minute {
		t.Errorf("hanging freeze recorded as %+v", call)
	}
	if f.server.Frozen(testNamespace, testVMI) {
		t.Error("an abandoned freeze froze the guest")
	}
}

func TestDelayedUnfreeze(t *testing.T) {
	f := newFixture(t, Options{})
	f.server.SetBehavior(testNamespace, testVMI, Behavior{UnfreezeDelay: 5 * time.Second})
	f.freeze(t, 0)

	answered := make(chan int)
	go func() { answered <- f.unfreeze(t) }()
	waitFor(t, "the unfreeze to wait", f.clock.HasWaiters)
	if !f.server.Frozen(testNamespace, testVMI) {
		t.Fatal("thawed before the delay passed")
	}
	f.clock.Step(5 * time.Second)
	if code := <-answered; code != http.StatusOK {
		t.Fatalf("delayed unfreeze answered %d", code)
	}
	if call := lastCall(t, f.server); call.Result != ResultThawed || call.Duration != 5*time.Second {
		t.Errorf("delayed unfreeze recorded as %+v", call)
	}
}

func TestFreezeBody(t *testing.T) {
	tests := []struct {
		name        string
		body        io.Reader
		wantCode    int
		wantTimeout time.Duration
	}{
		{name: "chunked", body: io.MultiReader(strings.NewReader(`{"unfreezeTimeout":`), strings.NewReader(`"2m30s"}`)), wantCode: http.StatusOK, wantTimeout: 150 * time.Second},
		{name: "no body", wantCode: http.StatusInternalServerError},
		{name: "no timeout", body: strings.NewReader(`{}`), wantCode: http.StatusInternalServerError},
		{name: "not JSON", body: strings.NewReader(`freeze please`), wantCode: http.StatusInternalServerError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, Options{})
			if code, _ := f.put(t, t.Context(), "freeze", tc.body); code != tc.wantCode {
				t.Errorf("answered %d, want %d", code, tc.wantCode)
			}
			if call := lastCall(t, f.server); call.UnfreezeTimeout != tc.wantTimeout {
				t.Errorf("recorded unfreeze timeout %v, want %v", call.UnfreezeTimeout, tc.wantTimeout)
			}
		})
	}
}

func newVMI(name, phase string, agentConnected bool) runtime.Object {
	conditions := []any{map[string]any{"type": "Ready", "status": "True"}}
	if agentConnected {
		conditions = append(conditions, map[string]any{"type": "AgentConnected", "status": "True"})
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kubevirt.io/v1",
		"kind":       "VirtualMachineInstance",
		"metadata":   map[string]any{"name": name, "namespace": testNamespace},
		"status":     map[string]any{"phase": phase, "conditions": conditions},
	}}
}

func newVMIClient(objects ...runtime.Object) *dynamicfake.FakeDynamicClient {
	return dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{vmiResource: "VirtualMachineInstanceList"}, objects...)
}

func TestVMIChecks(t *testing.T) {
	client := newVMIClient(newVMI("running", "Running", true), newVMI("scheduling", "Scheduling", true), newVMI("no-agent", "Running", false))
	f := newFixture(t, Options{VMIs: client})

	tests := []struct {
		name       string
		wantCode   int
		wantReason metav1.StatusReason
	}{
		{name: "running", wantCode: http.StatusOK},
		{name: "missing", wantCode: http.StatusNotFound, wantReason: metav1.StatusReasonNotFound},
		{name: "scheduling", wantCode: http.StatusConflict, wantReason: metav1.StatusReasonConflict},
		{name: "no-agent", wantCode: http.StatusInternalServerError, wantReason: metav1.StatusReasonInternalError},
	}
	for _, tc := range tests {
		for _, subresource := range []string{"freeze", "unfreeze"} {
			request, _ := http.NewRequest(http.MethodPut, vmiURL(f.http.URL, testNamespace, tc.name, subresource),
				bytes.NewReader([]byte(`{"unfreezeTimeout":"1m"}`)))
			response, err := f.http.Client().Do(request)
			if err != nil {
				t.Fatal(err)
			}
			var status metav1.Status
			json.NewDecoder(response.Body).Decode(&status)
			response.Body.Close()
			if response.StatusCode != tc.wantCode || status.Reason != tc.wantReason {
				t.Errorf("%s of %s answered %d %q, want %d %q", subresource, tc.name, response.StatusCode, status.Reason, tc.wantCode, tc.wantReason)
			}
		}
	}
}

func TestReportFreezeStatus(t *testing.T) {
	client := newVMIClient(newVMI(testVMI, "Running", true))
	f := newFixture(t, Options{VMIs: client, ReportFreezeStatus: true})
	freezeStatus := func() string {
		t.Helper()
		vmi, err := client.Resource(vmiResource).Namespace(testNamespace).Get(t.Context(), testVMI, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		status, _, _ := unstructured.NestedString(vmi.Object, "status", "fsFreezeStatus")
		return status
	}

	f.freeze(t, 10*time.Second)
	if got := freezeStatus(); got != "frozen" {
		t.Errorf("fsFreezeStatus is %q after the freeze, want frozen", got)
	}
	f.unfreeze(t)
	if got := freezeStatus(); got != "" {
		t.Errorf("fsFreezeStatus is %q after the unfreeze, want it unset", got)
	}
	f.freeze(t, 10*time.Second)
	f.clock.Step(10 * time.Second)
	waitFor(t, "the auto-thaw", func() bool { return !f.server.Frozen(testNamespace, testVMI) })
	if got := freezeStatus(); got != "" {
		t.Errorf("fsFreezeStatus is %q after the auto-thaw, want it unset", got)
	}
}
