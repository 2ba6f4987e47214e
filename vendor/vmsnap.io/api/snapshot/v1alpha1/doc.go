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

// Package v1alpha1 is the v1alpha1 version of the snapshot.vmsnap.io API:
// point-in-time snapshots of KubeVirt virtual machines and of single disks,
// and restores of them, on top of CSI VolumeSnapshots.
//
// +k8s:deepcopy-gen=package
// +groupName=snapshot.vmsnap.io
// +groupGoName=Snapshot
// +kubebuilder:object:generate=false
package v1alpha1
