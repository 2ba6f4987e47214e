// +k8s:deepcopy-gen=package
// +k8s:openapi-gen=true

// Package v1beta1 is the v1beta1 version of the API.
// +groupName=cdi.kubevirt.io
package v1beta1
