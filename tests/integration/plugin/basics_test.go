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

package plugin

import (
	"strings"
	"testing"

	"vmsnap.io/vmsnap/tests/framework"
)

// TestKubectlFindsThePlugin runs "kubectl vmsnap version" as a user who put
// the plugin on the PATH does, in text and as data.
func TestKubectlFindsThePlugin(t *testing.T) {
	f := framework.New(t)
	r := kubectlPlugin(t, f, "version")
	wantCode(t, r, 0)
	if want := "kubectl-vmsnap " + testVersion + " (0123456789abcdef) go"; !strings.HasPrefix(r.Stdout, want) {
		t.Errorf("kubectl vmsnap version printed %q, want it to start with %q", r.Stdout, want)
	}
	r = kubectlPlugin(t, f, "version", "-o", "json")
	wantCode(t, r, 0)
	if !strings.Contains(r.Stdout, `"version": "`+testVersion+`"`) || !strings.Contains(r.Stdout, `"gitCommit": "0123456789abcdef"`) {
		t.Errorf("version -o json printed %q", r.Stdout)
	}
}

// TestUsageErrorsExitTwo: a wrong command line exits 2 with a message
// that says what was wrong, before any API call.
func TestUsageErrorsExitTwo(t *testing.T) {
	f := framework.New(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"no-such-command"}, `unknown command "no-such-command"`},
		{[]string{"version", "extra"}, "version takes 0 argument(s)"},
		{[]string{"version", "-o", "table"}, `unknown output format "table"`},
		{[]string{"version", "--no-such-flag"}, "unknown flag: --no-such-flag"},
	} {
		r := plugin(t, f, tc.args...)
		wantCode(t, r, 2)
		if !strings.Contains(r.Stderr, tc.want) {
			t.Errorf("%v: stderr %q does not say %q", tc.args, r.Stderr, tc.want)
		}
		if r.Stdout != "" {
			t.Errorf("%v: printed %q to stdout on a usage error", tc.args, r.Stdout)
		}
	}
}
