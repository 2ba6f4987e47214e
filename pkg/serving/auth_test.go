package serving

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	clocktesting "k8s.io/utils/clock/testing"
)

// fakeAPI answers TokenReviews from a token table and SubjectAccessReviews
// from a set of allowed "user verb path", and counts both.
type fakeAPI struct {
	mu          sync.Mutex
	users       map[string]authenticationv1.UserInfo
	allowed     map[string]bool
	fail        error
	tokenCalls  int
	accessCalls int
	lastAccess  authorizationv1.SubjectAccessReviewSpec
}

func newFakeAPI() *fakeAPI {
	return &fakeAPI{
		users: map[string]authenticationv1.UserInfo{
			"reader-token": {Username: "system:serviceaccount:monitoring:prometheus", UID: "u1",
				Groups: []string{"system:serviceaccounts", "system:authenticated"},
				Extra:  map[string]authenticationv1.ExtraValue{"authentication.kubernetes.io/pod-name": {"prometheus-0"}}},
			"other-token": {Username: "system:serviceaccount:default:nobody", UID: "u2", Groups: []string{"system:authenticated"}},
		},
		allowed: map[string]bool{"system:serviceaccount:monitoring:prometheus get /metrics": true},
	}
}

func (f *fakeAPI) clientset() *fake.Clientset {
	client := fake.NewClientset()
	client.PrependReactor("create", "tokenreviews", func(action k8stesting.Action) (bool, runtime.Object, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.tokenCalls++
		if f.fail != nil {
			return true, nil, f.fail
		}
		review := action.(k8stesting.CreateAction).GetObject().(*authenticationv1.TokenReview).DeepCopy()
		if user, ok := f.users[review.Spec.Token]; ok {
			review.Status = authenticationv1.TokenReviewStatus{Authenticated: true, User: user}
		} else {
			review.Status = authenticationv1.TokenReviewStatus{Error: "invalid bearer token"}
		}
		return true, review, nil
	})
	client.PrependReactor("create", "subjectaccessreviews", func(action k8stesting.Action) (bool, runtime.Object, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.accessCalls++
		if f.fail != nil {
			return true, nil, f.fail
		}
		review := action.(k8stesting.CreateAction).GetObject().(*authorizationv1.SubjectAccessReview).DeepCopy()
		f.lastAccess = review.Spec
		attrs := review.Spec.NonResourceAttributes
		if attrs == nil {
			return true, nil, errors.New("not a non-resource review")
		}
		review.Status.Allowed = f.allowed[fmt.Sprintf("%s %s %s", review.Spec.User, attrs.Verb, attrs.Path)]
		return true, review, nil
	})
	return client
}

func (f *fakeAPI) calls() (tokens, access int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokenCalls, f.accessCalls
}

type authFixture struct {
	api   *fakeAPI
	clock *clocktesting.FakePassiveClock
	h     http.Handler
}

func newAuthFixture() *authFixture {
	api := newFakeAPI()
	clk := clocktesting.NewFakePassiveClock(time.Unix(1_700_000_000, 0))
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			http.Error(w, "credential leaked to the handler", http.StatusTeapot)
			return
		}
		fmt.Fprint(w, "vmsnap_leader 1\n")
	})
	return &authFixture{api: api, clock: clk, h: NewAuthorizer(api.clientset(), clk).Wrap(inner)}
}

func (f *authFixture) do(method, path, authorization string) (int, string) {
	req := httptest.NewRequest(method, path, nil)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func TestAuthorizerAnswers(t *testing.T) {
	for _, tc := range []struct {
		name, method, path, authorization string
		want                              int
		body                              string
	}{
		{"no token", "GET", "/metrics", "", http.StatusUnauthorized, "Unauthorized"},
		{"not a bearer token", "GET", "/metrics", "Basic dXNlcjpwYXNz", http.StatusUnauthorized, "Unauthorized"},
		{"empty bearer token", "GET", "/metrics", "Bearer  ", http.StatusUnauthorized, "Unauthorized"},
		{"invalid token", "GET", "/metrics", "Bearer made-up", http.StatusUnauthorized, "Unauthorized"},
		{"valid token, not allowed", "GET", "/metrics", "Bearer other-token", http.StatusForbidden,
			`user "system:serviceaccount:default:nobody" cannot get path "/metrics"`},
		{"allowed", "GET", "/metrics", "Bearer reader-token", http.StatusOK, "vmsnap_leader 1"},
		{"scheme is case-insensitive", "GET", "/metrics", "bearer reader-token", http.StatusOK, "vmsnap_leader 1"},
		{"allowed /metrics, not pprof", "GET", "/debug/pprof/heap", "Bearer reader-token", http.StatusForbidden, "cannot get path"},
		{"allowed get, not post", "POST", "/metrics", "Bearer reader-token", http.StatusForbidden, "cannot post path"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newAuthFixture()
			code, body := f.do(tc.method, tc.path, tc.authorization)
			if code != tc.want || !strings.Contains(body, tc.body) {
				t.Errorf("%s %s with %q = %d %q, want %d containing %q", tc.method, tc.path, tc.authorization, code, body, tc.want, tc.body)
			}
			if code == http.StatusUnauthorized {
				if _, access := f.api.calls(); access != 0 {
					t.Errorf("%d SubjectAccessReviews for an unauthenticated request", access)
				}
			}
		})
	}
}

func TestAuthorizerReviewsTheTokensUser(t *testing.T) {
	f := newAuthFixture()
	if code, _ := f.do("GET", "/metrics", "Bearer reader-token"); code != http.StatusOK {
		t.Fatalf("got %d", code)
	}
	spec := f.api.lastAccess
	want := f.api.users["reader-token"]
	if spec.User != want.Username || spec.UID != want.UID || strings.Join(spec.Groups, ",") != strings.Join(want.Groups, ",") ||
		len(spec.Extra["authentication.kubernetes.io/pod-name"]) != 1 || spec.ResourceAttributes != nil ||
		spec.NonResourceAttributes == nil || *spec.NonResourceAttributes != (authorizationv1.NonResourceAttributes{Path: "/metrics", Verb: "get"}) {
		t.Errorf("SubjectAccessReview spec %+v does not match the token's user %+v on get /metrics", spec, want)
	}
}

func TestAuthorizerCachesReviews(t *testing.T) {
	f := newAuthFixture()
	expect := func(step string, authorization string, code, tokens, access int) {
		t.Helper()
		if got, body := f.do("GET", "/metrics", authorization); got != code {
			t.Fatalf("%s: got %d %q, want %d", step, got, body, code)
		}
		if gotTokens, gotAccess := f.api.calls(); gotTokens != tokens || gotAccess != access {
			t.Fatalf("%s: %d TokenReviews and %d SubjectAccessReviews so far, want %d and %d", step, gotTokens, gotAccess, tokens, access)
		}
	}

	// Allowed: reviewed once, then reused for AllowedTTL.
	expect("first scrape", "Bearer reader-token", 200, 1, 1)
	f.clock.SetTime(f.clock.Now().Add(15 * time.Second))
	expect("15s later", "Bearer reader-token", 200, 1, 1)
	f.clock.SetTime(f.clock.Now().Add(AllowedTTL - 15*time.Second - time.Millisecond))
	expect("just before the allowed TTL", "Bearer reader-token", 200, 1, 1)
	f.clock.SetTime(f.clock.Now().Add(time.Millisecond))
	expect("at the allowed TTL", "Bearer reader-token", 200, 2, 2)

	// Invalid token: reviewed once per DeniedTTL, never authorized.
	expect("invalid token", "Bearer made-up", 401, 3, 2)
	expect("invalid token again", "Bearer made-up", 401, 3, 2)
	f.clock.SetTime(f.clock.Now().Add(DeniedTTL))
	expect("invalid token after the denied TTL", "Bearer made-up", 401, 4, 2)

	// Not allowed: the denial is cached for DeniedTTL only, so a new
	// binding takes effect soon.
	expect("not allowed", "Bearer other-token", 403, 5, 3)
	expect("not allowed again", "Bearer other-token", 403, 5, 3)
	f.api.mu.Lock()
	f.api.allowed["system:serviceaccount:default:nobody get /metrics"] = true
	f.api.mu.Unlock()
	f.clock.SetTime(f.clock.Now().Add(DeniedTTL - time.Millisecond))
	expect("still denied from the cache", "Bearer other-token", 403, 5, 3)
	f.clock.SetTime(f.clock.Now().Add(time.Millisecond))
	// The token itself was valid, so only access is reviewed again.
	expect("bound now", "Bearer other-token", 200, 5, 4)
}

func TestAuthorizerDoesNotCacheErrors(t *testing.T) {
	f := newAuthFixture()
	f.api.fail = errors.New("connection refused")
	if code, _ := f.do("GET", "/metrics", "Bearer reader-token"); code != http.StatusInternalServerError {
		t.Fatalf("with the API down: got %d, want 500", code)
	}
	f.api.fail = nil
	if code, _ := f.do("GET", "/metrics", "Bearer reader-token"); code != http.StatusOK {
		t.Fatalf("with the API back: got %d, want 200", code)
	}
	if tokens, access := f.api.calls(); tokens != 2 || access != 1 {
		t.Errorf("%d TokenReviews and %d SubjectAccessReviews, want 2 and 1", tokens, access)
	}
}

func TestAuthorizerCacheIsBounded(t *testing.T) {
	f := newAuthFixture()
	a := NewAuthorizer(f.api.clientset(), f.clock)
	h := a.Wrap(http.NotFoundHandler())
	for i := range CacheSize + 50 {
		req := httptest.NewRequest("GET", "/metrics", nil)
		req.Header.Set("Authorization", fmt.Sprintf("Bearer made-up-%d", i))
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	if n := a.tokens.len(); n > CacheSize {
		t.Errorf("token cache holds %d entries, bound is %d", n, CacheSize)
	}
}

func TestTTLCacheEvictsExpiredThenSoonest(t *testing.T) {
	clk := clocktesting.NewFakePassiveClock(time.Unix(0, 0))
	c := newTTLCache[int](clk, 3)
	c.set("a", 1, time.Second)
	c.set("b", 2, 3*time.Second)
	c.set("c", 3, 2*time.Second)
	c.set("d", 4, time.Minute) // full: "a" expires first and goes
	if _, ok := c.get("a"); ok {
		t.Error(`"a" survived eviction`)
	}
	for _, k := range []string{"b", "c", "d"} {
		if _, ok := c.get(k); !ok {
			t.Errorf("%q was evicted", k)
		}
	}
	clk.SetTime(clk.Now().Add(2500 * time.Millisecond)) // "c" expired
	c.set("e", 5, time.Minute)
	if _, ok := c.get("b"); !ok {
		t.Error(`"b" was evicted although "c" had expired`)
	}
	if n := c.len(); n != 3 {
		t.Errorf("%d entries, want 3", n)
	}
	c.set("b", 6, time.Minute) // an update never evicts
	if v, _ := c.get("b"); v != 6 || c.len() != 3 {
		t.Errorf(`update of "b": value %d, %d entries`, v, c.len())
	}
}

func TestDecisionKeyIsUnambiguous(t *testing.T) {
	u := func(name string, groups ...string) authenticationv1.UserInfo {
		return authenticationv1.UserInfo{Username: name, Groups: groups}
	}
	base := decisionKey(u("a", "g1", "g2"), "get", "/metrics")
	if k := decisionKey(u("a", "g2", "g1"), "get", "/metrics"); k != base {
		t.Errorf("the order of groups changes the key: %q, %q", base, k)
	}
	keys := map[string]string{base: "base"}
	for name, k := range map[string]string{
		"groups merged":   decisionKey(u("a", "g1\x00g2"), "get", "/metrics"),
		"group into name": decisionKey(u("a;g1", "g2"), "get", "/metrics"),
		"other path":      decisionKey(u("a", "g1", "g2"), "get", "/debug/pprof/"),
		"other verb":      decisionKey(u("a", "g1", "g2"), "post", "/metrics"),
		"extra": decisionKey(authenticationv1.UserInfo{Username: "a", Groups: []string{"g1", "g2"},
			Extra: map[string]authenticationv1.ExtraValue{"k": {"v"}}}, "get", "/metrics"),
		"uid":             decisionKey(authenticationv1.UserInfo{Username: "a", UID: "x", Groups: []string{"g1", "g2"}}, "get", "/metrics"),
		"no groups":       decisionKey(u("a"), "get", "/metrics"),
		"one empty group": decisionKey(u("a", ""), "get", "/metrics"),
	} {
		if other, dup := keys[k]; dup {
			t.Errorf("%s and %s share the key %q", name, other, k)
		}
		keys[k] = name
	}
}
