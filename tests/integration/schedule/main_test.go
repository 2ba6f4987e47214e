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

// Package schedule tests VirtualMachineSnapshotSchedules end to end: the
// real controller in-process against a real apiserver and the real CSI
// snapshot stack. Schedules here run "@every" few seconds, which only the
// test controller accepts (--min-schedule-interval; a cluster's controller
// refuses anything under a minute).
package schedule

import (
	"testing"

	"vmsnap.io/vmsnap/tests/framework"
)

func TestMain(m *testing.M) { framework.Main(m) }
