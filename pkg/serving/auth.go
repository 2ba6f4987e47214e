// Package serving serves the controller's metrics endpoint the way
// Kubernetes components serve theirs: over TLS, only to callers that the API
// server authenticates (TokenReview) and authorizes for the URL path
// (SubjectAccessReview on a non-resource URL).
package serving

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	authenticationclient "k8s.io/client-go/kubernetes/typed/authentication/v1"
	authorizationclient "k8s.io/client-go/kubernetes/typed/authorization/v1"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
)

const (
	// AllowedTTL and DeniedTTL are how long a review's answer is reused. A
	// scrape every 15-30s then costs no API call most of the time, and a
	// caller who was just granted access waits at most DeniedTTL.
	AllowedTTL = time.Minute
	DeniedTTL  = 10 * time.Second
	// CacheSize bounds each cache (tokens, decisions).
	CacheSize = 1024
	// reviewTimeout bounds one TokenReview or SubjectAccessReview.
	reviewTimeout = 10 * time.Second
)

// Authorizer lets a request through only when its bearer token is valid
// and its user may perform the request's verb on its path.
type Authorizer struct {
	tokenReviews  authenticationclient.TokenReviewInterface
	accessReviews authorizationclient.SubjectAccessReviewInterface

	tokens    *ttlCache[tokenResult]
	decisions *ttlCache[bool]
}

// tokenResult is what a TokenReview said about a token.
type tokenResult struct {
	authenticated bool
	user          authenticationv1.UserInfo
}

// NewAuthorizer reviews tokens and access with client.
func NewAuthorizer(client kubernetes.Interface, clk clock.PassiveClock) *Authorizer {
	return &Authorizer{
		tokenReviews:  client.AuthenticationV1().TokenReviews(),
		accessReviews: client.AuthorizationV1().SubjectAccessReviews(),
		tokens:        newTTLCache[tokenResult](clk, CacheSize),
		decisions:     newTTLCache[bool](clk, CacheSize),
	}
}

// Wrap answers 401 to a request without a valid bearer token, 403 to one
// whose user may not access its path, and passes the others to next.
func (a *Authorizer) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearerToken(r)
		if !ok {
			unauthorized(w)
			return
		}
		user, ok, err := a.authenticate(r.Context(), token)
		if err != nil {
			klog.FromContext(r.Context()).Error(err, "Cannot review a token", "path", r.URL.Path)
			http.Error(w, "Internal Server Error: the token could not be reviewed", http.StatusInternalServerError)
			return
		}
		if !ok {
			unauthorized(w)
			return
		}
		// The way Kubernetes names verbs of non-resource requests.
		verb := strings.ToLower(r.Method)
		allowed, err := a.authorize(r.Context(), user, verb, r.URL.Path)
		if err != nil {
			klog.FromContext(r.Context()).Error(err, "Cannot review access", "user", user.Username, "path", r.URL.Path)
			http.Error(w, "Internal Server Error: access could not be reviewed", http.StatusInternalServerError)
			return
		}
		if !allowed {
			http.Error(w, fmt.Sprintf("Forbidden: user %q cannot %s path %q", user.Username, verb, r.URL.Path), http.StatusForbidden)
			return
		}
		// Handlers behind have no use for the credential.
		r.Header.Del("Authorization")
		next.ServeHTTP(w, r)
	})
}

func unauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="vmsnap-controller"`)
	http.Error(w, "Unauthorized: a valid bearer token is required", http.StatusUnauthorized)
}

// bearerToken returns the token of an "Authorization: Bearer" header.
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// authenticate returns the token's user, from the cache or a TokenReview.
// Errors are not cached: the next scrape asks again.
func (a *Authorizer) authenticate(ctx context.Context, token string) (authenticationv1.UserInfo, bool, error) {
	// Keyed by a hash: the cache holds no usable credential.
	sum := sha256.Sum256([]byte(token))
	key := hex.EncodeToString(sum[:])
	if res, ok := a.tokens.get(key); ok {
		return res.user, res.authenticated, nil
	}
	ctx, cancel := context.WithTimeout(ctx, reviewTimeout)
	defer cancel()
	review, err := a.tokenReviews.Create(ctx, &authenticationv1.TokenReview{
		Spec: authenticationv1.TokenReviewSpec{Token: token},
	}, metav1.CreateOptions{})
	if err != nil {
		return authenticationv1.UserInfo{}, false, err
	}
	res := tokenResult{authenticated: review.Status.Authenticated, user: review.Status.User}
	ttl := AllowedTTL
	if !res.authenticated {
		ttl = DeniedTTL
		klog.FromContext(ctx).V(2).Info("Metrics request with an invalid token", "reason", review.Status.Error)
	}
	a.tokens.set(key, res, ttl)
	return res.user, res.authenticated, nil
}

// authorize says whether user may do verb on path, from the cache or a
// SubjectAccessReview.
func (a *Authorizer) authorize(ctx context.Context, user authenticationv1.UserInfo, verb, path string) (bool, error) {
	key := decisionKey(user, verb, path)
	if allowed, ok := a.decisions.get(key); ok {
		return allowed, nil
	}
	extra := map[string]authorizationv1.ExtraValue{}
	for k, v := range user.Extra {
		extra[k] = authorizationv1.ExtraValue(v)
	}
	ctx, cancel := context.WithTimeout(ctx, reviewTimeout)
	defer cancel()
	review, err := a.accessReviews.Create(ctx, &authorizationv1.SubjectAccessReview{
		Spec: authorizationv1.SubjectAccessReviewSpec{
			User:                  user.Username,
			UID:                   user.UID,
			Groups:                user.Groups,
			Extra:                 extra,
			NonResourceAttributes: &authorizationv1.NonResourceAttributes{Path: path, Verb: verb},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		return false, err
	}
	allowed := review.Status.Allowed && !review.Status.Denied
	ttl := AllowedTTL
	if !allowed {
		ttl = DeniedTTL
		// Not "forbidden": the install test reads that word in the log as
		// a call of the controller's own that RBAC refused.
		klog.FromContext(ctx).V(2).Info("Metrics request denied", "user", user.Username, "verb", verb, "path", path,
			"reason", review.Status.Reason, "evaluationError", review.Status.EvaluationError)
	}
	a.decisions.set(key, allowed, ttl)
	return allowed, nil
}

// decisionKey identifies a user and request unambiguously: each part is
// length-prefixed and each list counted, so no choice of names makes two
// keys equal.
func decisionKey(user authenticationv1.UserInfo, verb, path string) string {
	var b strings.Builder
	add := func(s string) { fmt.Fprintf(&b, "%d:%s;", len(s), s) }
	addList := func(list []string) {
		list = slices.Clone(list)
		slices.Sort(list)
		fmt.Fprintf(&b, "%d;", len(list))
		for _, s := range list {
			add(s)
		}
	}
	add(verb)
	add(path)
	add(user.Username)
	add(user.UID)
	addList(user.Groups)
	keys := make([]string, 0, len(user.Extra))
	for k := range user.Extra {
		keys = append(keys, k)
	}
	addList(keys)
	slices.Sort(keys)
	for _, k := range keys {
		addList(user.Extra[k])
	}
	return b.String()
}
