package schedule

import (
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
)

func TestSnapshotName(t *testing.T) {
	run := time.Date(2026, 12, 6, 4, 30, 5, 0, time.FixedZone("CET", 3600))
	if got, want := SnapshotName("nightly", "web", run), "nightly-web-20261206033005"; got != want {
		t.Errorf("SnapshotName = %q, want %q (UTC, to the second)", got, want)
	}
	long := strings.Repeat("a", 50)
	a := SnapshotName(long, long+"-one", run)
	b := SnapshotName(long, long+"-two", run)
	for _, name := range []string{a, b} {
		if len(name) > maxSnapshotName || len(validation.IsDNS1123Label(name)) != 0 {
			t.Errorf("SnapshotName = %q: not a DNS label of at most %d characters: %v", name, maxSnapshotName, validation.IsDNS1123Label(name))
		}
		if !strings.HasSuffix(name, "-20261206033005") {
			t.Errorf("SnapshotName = %q lost its run time", name)
		}
	}
	if a == b {
		t.Errorf("two VMs share the name %q", a)
	}
	if SnapshotName(long, long+"-one", run) != a {
		t.Error("SnapshotName is not deterministic")
	}
}

func TestVMLabelValue(t *testing.T) {
	if got := VMLabelValue("web"); got != "web" {
		t.Errorf("VMLabelValue(web) = %q", got)
	}
	long := strings.Repeat("b", 60) + ".example-vm"
	got := VMLabelValue(long)
	if errs := validation.IsValidLabelValue(got); len(errs) != 0 {
		t.Errorf("VMLabelValue(%q) = %q: %v", long, got, errs)
	}
	if got == VMLabelValue(strings.Repeat("b", 60)+".example-vn") {
		t.Error("two long names share a label value")
	}
}
