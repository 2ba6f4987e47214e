package install

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
)

// permission is one thing RBAC grants or the controller did: a verb on a
// resource (with its subresource) of an API group.
type permission struct {
	group, resource, verb string
}

func (p permission) String() string {
	group := p.group
	if group == "" {
		group = "core"
	}
	return fmt.Sprintf("%s %s/%s", p.verb, group, p.resource)
}

// notExercised are the rules the install scenario does not reach, each with
// the path of the code that needs it. A rule missing here and unused by the
// scenario fails the test: the role must not grant what nothing calls.
var notExercised = map[permission]string{
	{"snapshot.vmsnap.io", "virtualmachinesnapshotcontents", "update"}: "binding a retained content to a new snapshot, and releasing it",
	{"kubevirt.io", "virtualmachines", "delete"}:                       "a failed or deleted restore removes the VM it created",
	{"cdi.kubevirt.io", "datavolumes", "create"}:                       "restoring a VM whose disks are DataVolumes",
	{"cdi.kubevirt.io", "datavolumes", "patch"}:                        "a Ready restore hands over the DataVolumes it created",
	{"cdi.kubevirt.io", "datavolumes", "delete"}:                       "removing restored DataVolumes on failure, and replaced ones in place",
	{"", "secrets", "patch"}:                                           "a Ready restore hands over the Secrets it created",
	{"", "events", "patch"}:                                            "the event recorder patches a repeated event instead of creating it again",
	{"apps", "controllerrevisions", "get"}:                             "snapshotting a VM with an instancetype or a preference (tests/integration/restore/instancetype_test.go)",
	{"apps", "controllerrevisions", "create"}:                          "restoring a VM with an instancetype or a preference",
	{"apps", "controllerrevisions", "patch"}:                           "a Ready restore hands over the instancetype and preference revisions it created",
	{"apps", "controllerrevisions", "delete"}:                          "a failed restore removes the instancetype and preference revisions it created",
}

// responseLine is client-go's log of one API call at -v=6.
var responseLine = regexp.MustCompile(`"Response"[^\n]*? verb="(\w+)" url="([^"]+)" status="(\d+)`)

// callsFromLog turns the controller's -v=6 log into the permissions its
// calls needed.
func callsFromLog(t *testing.T, log string) map[permission]int {
	t.Helper()
	used := map[permission]int{}
	for _, m := range responseLine.FindAllStringSubmatch(log, -1) {
		if p, ok := permissionOf(m[1], m[2]); ok {
			used[p]++
			// An informer lists and then watches (client-go may stream the
			// list through the watch), and reads from its cache stand for
			// gets: watching a resource needs the three.
			if p.verb == "watch" {
				used[permission{p.group, p.resource, "list"}]++
				used[permission{p.group, p.resource, "get"}]++
			}
		}
	}
	return used
}

// permissionOf maps an HTTP call to the RBAC permission it needs; discovery
// and other non-resource calls need none of the role's.
func permissionOf(method, rawURL string) (permission, bool) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return permission{}, false
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	var group string
	switch {
	case len(parts) >= 3 && parts[0] == "api":
		group, parts = "", parts[2:]
	case len(parts) >= 4 && parts[0] == "apis":
		group, parts = parts[1], parts[3:]
	default:
		return permission{}, false
	}
	if len(parts) >= 2 && parts[0] == "namespaces" {
		if len(parts) == 2 {
			return permission{group, "namespaces", "get"}, true
		}
		parts = parts[2:]
	}
	resource, named := parts[0], len(parts) >= 2
	if len(parts) >= 3 {
		resource += "/" + parts[2]
	}
	verb := map[string]string{"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}[method]
	if method == "GET" {
		switch {
		case named:
			verb = "get"
		case u.Query().Get("watch") == "true":
			verb = "watch"
		default:
			verb = "list"
		}
	}
	if method == "DELETE" && !named {
		verb = "deletecollection"
	}
	return permission{group, resource, verb}, true
}

// granted expands role rules into single permissions.
func granted(rules []rbacv1.PolicyRule) map[permission]bool {
	out := map[permission]bool{}
	for _, r := range rules {
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				for _, v := range r.Verbs {
					out[permission{g, res, v}] = true
				}
			}
		}
	}
	return out
}

// compareRBAC checks both ways: every call was granted, and every grant was
// called or is named in notExercised with the code that needs it.
func compareRBAC(t *testing.T, rules []rbacv1.PolicyRule, used map[permission]int) {
	t.Helper()
	grants := granted(rules)
	var report []string
	for p, n := range used {
		report = append(report, fmt.Sprintf("%s x%d", p, n))
		if !grants[p] {
			t.Errorf("the controller called %s %d times, but the manifests do not grant it", p, n)
		}
	}
	sort.Strings(report)
	t.Logf("calls by permission:\n  %s", strings.Join(report, "\n  "))
	for p := range grants {
		if used[p] > 0 {
			if why, listed := notExercised[p]; listed {
				t.Logf("%s is exercised now; its notExercised entry (%q) can go", p, why)
			}
			continue
		}
		if _, listed := notExercised[p]; !listed {
			t.Errorf("the manifests grant %s, which the controller never called and no code path is named for", p)
		}
	}
	for p := range notExercised {
		if !grants[p] {
			t.Errorf("notExercised names %s, which the manifests do not grant", p)
		}
	}
}

func TestPermissionOf(t *testing.T) {
	for _, tc := range []struct {
		method, url string
		want        permission
		ok          bool
	}{
		{"GET", "https://h/apis/kubevirt.io/v1/namespaces/ns/virtualmachines/vm", permission{"kubevirt.io", "virtualmachines", "get"}, true},
		{"PUT", "https://h/apis/kubevirt.io/v1/namespaces/ns/virtualmachines/vm/status", permission{"kubevirt.io", "virtualmachines/status", "update"}, true},
		{"PUT", "https://h/apis/subresources.kubevirt.io/v1/namespaces/ns/virtualmachineinstances/vm/freeze", permission{"subresources.kubevirt.io", "virtualmachineinstances/freeze", "update"}, true},
		{"GET", "https://h/api/v1/persistentvolumes?limit=500", permission{"", "persistentvolumes", "list"}, true},
		{"GET", "https://h/api/v1/persistentvolumes?watch=true&resourceVersion=1", permission{"", "persistentvolumes", "watch"}, true},
		{"POST", "https://h/api/v1/namespaces/ns/secrets", permission{"", "secrets", "create"}, true},
		{"PATCH", "https://h/apis/snapshot.vmsnap.io/v1alpha1/namespaces/ns/virtualmachinesnapshots/s", permission{"snapshot.vmsnap.io", "virtualmachinesnapshots", "patch"}, true},
		{"POST", "https://h/apis/authentication.k8s.io/v1/tokenreviews", permission{"authentication.k8s.io", "tokenreviews", "create"}, true},
		{"GET", "https://h/apis/snapshot.storage.k8s.io/v1", permission{}, false},
		{"GET", "https://h/api", permission{}, false},
	} {
		got, ok := permissionOf(tc.method, tc.url)
		if got != tc.want || ok != tc.ok {
			t.Errorf("permissionOf(%s %s) = %v, %v; want %v, %v", tc.method, tc.url, got, ok, tc.want, tc.ok)
		}
	}
}
