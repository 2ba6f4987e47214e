// Package alerts unit-tests the PrometheusRule in manifests/monitoring with
// promtool: each alert fires on the series it is about, with its labels and
// annotations, and stays silent otherwise.
package alerts

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"sigs.k8s.io/yaml"

	"vmsnap.io/vmsnap/tests/framework/cluster"
)

type prometheusRule struct {
	Spec map[string]interface{} `json:"spec"`
}

func TestAlertRules(t *testing.T) {
	root, err := cluster.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	promtool := filepath.Join(root, "_output", "bin", "promtool")
	if _, err := os.Stat(promtool); err != nil {
		if os.Getenv("VMSNAP_REQUIRE_CLUSTER") == "1" {
			t.Fatalf("promtool is missing (%v); run hack/build-tools.sh prometheus", err)
		}
		t.Skipf("promtool is missing (%v); run hack/build-tools.sh prometheus", err)
	}

	// promtool reads plain rule files: take the PrometheusRule's spec.
	raw, err := os.ReadFile(filepath.Join(root, "manifests", "monitoring", "prometheusrule.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var rule prometheusRule
	if err := yaml.Unmarshal(raw, &rule); err != nil {
		t.Fatal(err)
	}
	rules, err := yaml.Marshal(rule.Spec)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "vmsnap.rules.yaml"), rules, 0o644); err != nil {
		t.Fatal(err)
	}
	tests, err := os.ReadFile(filepath.Join("testdata", "alerts.test.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "alerts.test.yaml"), tests, 0o644); err != nil {
		t.Fatal(err)
	}

	for _, args := range [][]string{
		{"check", "rules", "vmsnap.rules.yaml"},
		{"test", "rules", "alerts.test.yaml"},
	} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("promtool %v failed: %v\n%s", args, err, out)
		}
		t.Logf("promtool %v:\n%s", args, out)
	}
}
