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

// Package plugin tests kubectl-vmsnap end to end: the binary is built from
// cmd/kubectl-vmsnap and run, as a user runs it, against the real cluster
// with the controller in-process. Tests compare its output with golden
// files (times, ages and names masked), its exit codes, and what it
// created in the cluster.
package plugin

import (
	"testing"

	"vmsnap.io/vmsnap/tests/framework"
)

func TestMain(m *testing.M) { framework.Main(m) }
