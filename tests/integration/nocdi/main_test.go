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

// Package nocdi runs the controller on a cluster without CDI: no
// cdi.kubevirt.io CRD is installed when the suite starts. Snapshots and
// restores of claim disks work without it; once a test installs CDI's
// DataVolume CRD, the same controller, not restarted, handles DataVolumes.
// It is a test binary of its own because the CRDs are chosen when the
// cluster starts, and CDI, once installed, stays: the tests that need it
// absent come first in the file and check that it is.
package nocdi

import (
	"testing"

	"vmsnap.io/vmsnap/tests/framework"
)

func TestMain(m *testing.M) {
	framework.MainWithOptions(m, framework.Options{WithoutCDI: true})
}
