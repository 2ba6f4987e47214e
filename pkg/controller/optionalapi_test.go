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

package controller

import (
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

type servedSet map[schema.GroupVersionResource]bool

func (s servedSet) Served(r schema.GroupVersionResource) bool { return s[r] }

func TestOptionalAPI(t *testing.T) {
	vms := schema.GroupVersionResource{Group: "kubevirt.io", Version: "v1", Resource: "virtualmachines"}
	dvs := schema.GroupVersionResource{Group: "cdi.kubevirt.io", Version: "v1beta1", Resource: "datavolumes"}
	for _, tc := range []struct {
		name                   string
		served, synced         bool
		wantOK, wantCatchingUp bool
	}{
		{name: "not served", served: false, synced: false, wantOK: false, wantCatchingUp: false},
		{name: "served, caches syncing", served: true, synced: false, wantOK: false, wantCatchingUp: true},
		{name: "served and synced", served: true, synced: true, wantOK: true, wantCatchingUp: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			apis := servedSet{vms: tc.served}
			synced := func() bool { return tc.synced }
			always := func() bool { return true }
			kubeVirt := NewOptionalAPI(apis, vms, always, synced)
			if got := kubeVirt.OK(); got != tc.wantOK {
				t.Errorf("OK() = %v, want %v", got, tc.wantOK)
			}
			if got := kubeVirt.CatchingUp(); got != tc.wantCatchingUp {
				t.Errorf("CatchingUp() = %v, want %v", got, tc.wantCatchingUp)
			}
			// An API that is not served never holds the others back.
			cdi := NewOptionalAPI(apis, dvs, func() bool { return false })
			if got := AnyCatchingUp(cdi, kubeVirt)(); got != tc.wantCatchingUp {
				t.Errorf("AnyCatchingUp() = %v, want %v", got, tc.wantCatchingUp)
			}
		})
	}
}
