package upload

const (
	// GroupName to hold the string name for the cdi uploads
	GroupName = "upload.cdi.kubevirt.io"
)
