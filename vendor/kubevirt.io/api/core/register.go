package core

// GroupName is the group name use in this package
const GroupName = "kubevirt.io"
