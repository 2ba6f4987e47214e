package core

const (
	// GroupName to hold the string name for the cdi project
	GroupName = "cdi.kubevirt.io"
)
