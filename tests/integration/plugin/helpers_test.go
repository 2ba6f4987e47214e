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
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"vmsnap.io/vmsnap/tests/framework"
	"vmsnap.io/vmsnap/tests/framework/cluster"
)

// update rewrites the golden files: go test ./tests/integration/plugin -update
var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// testVersion is stamped into the binary the tests build.
const testVersion = "v0.0.0-plugintest"

// commandTimeout bounds one run of the plugin.
const commandTimeout = 2 * time.Minute

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// pluginDir builds kubectl-vmsnap once per test binary, from the working
// tree, into _output/test/plugin, and returns that directory.
func pluginDir(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		root, err := cluster.RepoRoot()
		if err != nil {
			buildErr = err
			return
		}
		dir := filepath.Join(root, "_output", "test", "plugin")
		cmd := exec.Command("go", "build",
			"-ldflags", "-X vmsnap.io/vmsnap/pkg/version.Version="+testVersion+" -X vmsnap.io/vmsnap/pkg/version.GitCommit=0123456789abcdef",
			"-o", filepath.Join(dir, "kubectl-vmsnap"), "./cmd/kubectl-vmsnap")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = errors.New("go build ./cmd/kubectl-vmsnap: " + err.Error() + ": " + string(out))
			return
		}
		// kubectl's completion of plugins runs kubectl_complete-vmsnap.
		script, err := os.ReadFile(filepath.Join(root, "plugin", "kubectl_complete-vmsnap"))
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, "kubectl_complete-vmsnap"), script, 0o755)
		}
		if err != nil {
			buildErr = err
			return
		}
		binDir = dir
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binDir
}

// result is what one run of the plugin printed and returned.
type result struct {
	Stdout, Stderr string
	Code           int
}

// plugin runs kubectl-vmsnap in the test's namespace with the cluster's
// kubeconfig.
func plugin(t *testing.T, f *framework.Framework, args ...string) result {
	t.Helper()
	bin := filepath.Join(pluginDir(t), "kubectl-vmsnap")
	return runCommand(t, f, bin, append([]string{"--kubeconfig=" + f.Cluster.Kubeconfig(), "--namespace=" + f.Namespace}, args...)...)
}

// kubectlPlugin runs "kubectl vmsnap ...": kubectl finds the plugin on the
// PATH, as it does for a user who installed it. kubectl passes the flags
// after the plugin's name to the plugin, and refuses them before it.
func kubectlPlugin(t *testing.T, f *framework.Framework, args ...string) result {
	t.Helper()
	root, err := cluster.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	kubectl := filepath.Join(root, "_output", "bin", "kubectl")
	return runCommand(t, f, kubectl, append([]string{"vmsnap", "--kubeconfig=" + f.Cluster.Kubeconfig(), "--namespace=" + f.Namespace}, args...)...)
}

func runCommand(t *testing.T, f *framework.Framework, bin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(f.Context(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = pluginEnv(t)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := result{Stdout: stdout.String(), Stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		res.Code = exit.ExitCode()
	case err != nil:
		t.Fatalf("running %s %v: %v", bin, args, err)
	}
	t.Logf("$ %s %s\n(exit %d)\n%s%s", filepath.Base(bin), strings.Join(args, " "), res.Code, res.Stdout, res.Stderr)
	return res
}

// pluginEnv puts the plugin first on the PATH and keeps the user's
// settings (colours, a kubeconfig) out of the run.
func pluginEnv(t *testing.T) []string {
	env := []string{"PATH=" + pluginDir(t) + string(os.PathListSeparator) + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GO") || strings.HasPrefix(kv, "TMPDIR=") {
			env = append(env, kv)
		}
	}
	return env
}

// masks replace what changes from run to run in the plugin's output.
var masks = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)`), "<TIME>"},
	{regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`), "<UID>"},
	// Durations and ages: 850ms, 12.3s, 3m4s, 2d4h, 5s.
	{regexp.MustCompile(`\b\d+(\.\d+)?(ms|µs|s|m|h|d|y)(\d+(\.\d+)?(ms|s|m|h|d))*\b`), "<DURATION>"},
}

// mask replaces times, UIDs, durations and the test's namespace.
func mask(f *framework.Framework, s string) string {
	s = strings.ReplaceAll(s, f.Namespace, "<NAMESPACE>")
	for _, m := range masks {
		s = m.re.ReplaceAllString(s, m.with)
	}
	return s
}

// golden compares got, masked, with testdata/NAME.golden; -update writes it.
// Table columns are aligned by the widest cell, so masking can leave
// different runs of spaces: runs of spaces compare as one.
func golden(t *testing.T, f *framework.Framework, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	got = mask(f, got)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading %s (run with -update to write it): %v", path, err)
	}
	if squeeze(string(want)) != squeeze(got) {
		t.Errorf("output differs from %s (-update rewrites it)\n--- want\n%s\n--- got\n%s", path, want, got)
	}
}

var spaces = regexp.MustCompile(` {2,}`)

func squeeze(s string) string { return spaces.ReplaceAllString(s, " ") }

// wantCode fails the test when the run did not exit with code.
func wantCode(t *testing.T, r result, code int) {
	t.Helper()
	if r.Code != code {
		t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.Code, code, r.Stdout, r.Stderr)
	}
}

// onATerminal runs the plugin under script(1), which gives it a
// pseudo-terminal, and returns what the terminal showed (stdout and stderr).
func onATerminal(t *testing.T, f *framework.Framework, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(f.Context(), commandTimeout)
	defer cancel()
	line := strings.Join(append([]string{filepath.Join(pluginDir(t), "kubectl-vmsnap"),
		"--kubeconfig=" + f.Cluster.Kubeconfig(), "--namespace=" + f.Namespace}, args...), " ")
	cmd := exec.CommandContext(ctx, "script", "-qec", line, "/dev/null")
	cmd.Env = append(append(pluginEnv(t), "TERM=xterm"), env...)
	out, err := cmd.CombinedOutput()
	t.Logf("$ %s (on a terminal)\n%q", line, out)
	if err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	return string(out)
}

// requireNoEscapes fails when output that is not a terminal holds ANSI
// escape sequences (colours).
func requireNoEscapes(t *testing.T, results ...result) {
	t.Helper()
	for _, r := range results {
		if strings.Contains(r.Stdout, "\x1b") || strings.Contains(r.Stderr, "\x1b") {
			t.Errorf("output that is not a terminal holds ANSI escapes:\nstdout %q\nstderr %q", r.Stdout, r.Stderr)
		}
	}
}

// interruptPlugin runs the plugin in the test's namespace in the
// background, calls until (which returns when it is time for Ctrl-C and
// may read what the plugin printed so far), sends SIGINT, and returns what
// the plugin printed and its exit code.
func interruptPlugin(t *testing.T, f *framework.Framework, until func(printed func() string), args ...string) result {
	t.Helper()
	cmd := exec.Command(filepath.Join(pluginDir(t), "kubectl-vmsnap"), append([]string{"--kubeconfig=" + f.Cluster.Kubeconfig(), "--namespace=" + f.Namespace}, args...)...)
	cmd.Env = pluginEnv(t)
	var stdout, stderr interruptedRunOutput
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	until(stdout.String)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(framework.DefaultTimeout):
		_ = cmd.Process.Kill()
		t.Fatalf("the plugin did not stop on Ctrl-C; stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	}
	r := result{Stdout: stdout.String(), Stderr: stderr.String(), Code: cmd.ProcessState.ExitCode()}
	t.Logf("$ kubectl-vmsnap %s, then Ctrl-C\n(exit %d)\n%s%s", strings.Join(args, " "), r.Code, r.Stdout, r.Stderr)
	return r
}

// interruptedRunOutput is a bytes.Buffer that a running command writes while the
// test reads it.
type interruptedRunOutput struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *interruptedRunOutput) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *interruptedRunOutput) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
