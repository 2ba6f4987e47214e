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
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"
)

// ServedChecker tells whether the cluster serves a resource (apiwatch.Watcher).
type ServedChecker interface {
	Served(r schema.GroupVersionResource) bool
}

// OptionalAPI is an API the controller uses but does not install:
// KubeVirt's, the CSI VolumeSnapshot API, CDI's DataVolume. Its informers
// start only once it is served, so they sync after the controller's own.
type OptionalAPI struct {
	served func() bool
	synced []cache.InformerSynced
}

// NewOptionalAPI watches resource r, whose informers report synced.
func NewOptionalAPI(apis ServedChecker, r schema.GroupVersionResource, synced ...cache.InformerSynced) OptionalAPI {
	return OptionalAPI{served: func() bool { return apis.Served(r) }, synced: synced}
}

// OK reports whether the API is served and its caches synced, so that an
// object missing from them does not exist.
func (a OptionalAPI) OK() bool { return a.served() && a.cachesSynced() }

// CatchingUp reports whether the API is served but its caches have not
// synced yet: right after a start, or just after the API appeared. A VM
// missing from such a cache may exist, locked or frozen by a snapshot: a
// sync that acted on it could skip an unlock, a thaw or a delete for good.
func (a OptionalAPI) CatchingUp() bool { return a.served() && !a.cachesSynced() }

func (a OptionalAPI) cachesSynced() bool {
	for _, synced := range a.synced {
		if !synced() {
			return false
		}
	}
	return true
}

// AnyCatchingUp returns a check that is true while any of apis is catching
// up. Controllers call it first in every sync and look again after
// CacheRecheck, so that nothing they do rests on a partial cache.
func AnyCatchingUp(apis ...OptionalAPI) func() bool {
	return func() bool {
		for _, a := range apis {
			if a.CatchingUp() {
				return true
			}
		}
		return false
	}
}
