// +k8s:deepcopy-gen=package
// +k8s:openapi-gen=true
// +k8s:defaulter-gen=TypeMeta

// +groupName=kubevirt.io
// +versionName=v1

// Package v1 is the v1 version of the API.
package v1
