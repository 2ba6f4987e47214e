package features

import (
	"testing"

	"k8s.io/component-base/featuregate"
)

func TestDefaultsAndOverrides(t *testing.T) {
	gate := NewFeatureGate()
	for _, f := range []struct {
		name string
		want bool
	}{{string(VirtualDiskSnapshot), true}, {string(Restore), true}} {
		if got := gate.Enabled(featureByName(f.name)); got != f.want {
			t.Errorf("%s enabled = %v by default, want %v", f.name, got, f.want)
		}
	}

	if err := gate.Set("Restore=false"); err != nil {
		t.Fatalf("Set: %v", err)
	}
	if gate.Enabled(Restore) {
		t.Error("Restore still enabled after Restore=false")
	}
	if !gate.Enabled(VirtualDiskSnapshot) {
		t.Error("VirtualDiskSnapshot changed by an unrelated override")
	}

	if err := NewFeatureGate().Set("NoSuchFeature=true"); err == nil {
		t.Error("unknown feature accepted")
	}
}

func featureByName(name string) featuregate.Feature { return featuregate.Feature(name) }
