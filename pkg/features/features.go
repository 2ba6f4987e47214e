// Package features defines vmsnap's feature gates, set with --feature-gates.
//
// A distribution turns capabilities on or off here. Objects of a kind whose
// feature is off are left alone, with a condition saying the feature is off.
package features

import (
	"k8s.io/component-base/featuregate"
)

const (
	// VirtualDiskSnapshot enables the VirtualDiskSnapshot controller and the
	// volume populator that restores disks from VirtualDiskSnapshots.
	VirtualDiskSnapshot featuregate.Feature = "VirtualDiskSnapshot"

	// Restore enables the VirtualMachineRestore controller.
	Restore featuregate.Feature = "Restore"
)

var defaultFeatures = map[featuregate.Feature]featuregate.FeatureSpec{
	VirtualDiskSnapshot: {Default: true, PreRelease: featuregate.Beta},
	Restore:             {Default: true, PreRelease: featuregate.Beta},
}

// NewFeatureGate returns a mutable gate that knows every vmsnap feature at its
// default. Each process (and each test) makes its own, so no global state is
// shared between controllers started in one process.
func NewFeatureGate() featuregate.MutableFeatureGate {
	gate := featuregate.NewFeatureGate()
	if err := gate.Add(defaultFeatures); err != nil {
		// The table above is static; a failure is a programming error.
		panic(err)
	}
	return gate
}
