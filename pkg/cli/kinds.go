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

package cli

import (
	"slices"
	"strings"
)

// The kinds a command argument can name, as the API spells them.
const (
	kindVM           = "VirtualMachine"
	kindSnapshot     = "VirtualMachineSnapshot"
	kindDiskSnapshot = "VirtualDiskSnapshot"
	kindRestore      = "VirtualMachineRestore"
	kindClaim        = "PersistentVolumeClaim"
	kindDataVolume   = "DataVolume"
	kindSecret       = "Secret"
)

// kindPrefixes are the words a user may put before "/" in KIND/NAME: the
// plugin's own and kubectl's resource names and short names.
var kindPrefixes = map[string]string{
	"vm": kindVM, "vms": kindVM, "virtualmachine": kindVM, "virtualmachines": kindVM,
	"snapshot": kindSnapshot, "vmsnapshot": kindSnapshot, "vmsnapshots": kindSnapshot,
	"virtualmachinesnapshot": kindSnapshot, "virtualmachinesnapshots": kindSnapshot,
	"disksnapshot": kindDiskSnapshot, "vdsnapshot": kindDiskSnapshot, "vdsnapshots": kindDiskSnapshot,
	"virtualdisksnapshot": kindDiskSnapshot, "virtualdisksnapshots": kindDiskSnapshot,
	"restore": kindRestore, "vmrestore": kindRestore, "vmrestores": kindRestore,
	"virtualmachinerestore": kindRestore, "virtualmachinerestores": kindRestore,
	"pvc": kindClaim, "pvcs": kindClaim, "persistentvolumeclaim": kindClaim, "persistentvolumeclaims": kindClaim,
	"dv": kindDataVolume, "dvs": kindDataVolume, "datavolume": kindDataVolume, "datavolumes": kindDataVolume,
	"secret": kindSecret, "secrets": kindSecret,
}

// prefixFor is the prefix messages suggest for a kind.
func prefixFor(kind string) string {
	switch kind {
	case kindVM:
		return "vm"
	case kindDiskSnapshot:
		return "disksnapshot"
	case kindRestore:
		return "restore"
	case kindClaim:
		return "pvc"
	case kindDataVolume:
		return "dv"
	case kindSecret:
		return "secret"
	}
	return "snapshot"
}

// kindWord is a kind in a sentence.
func kindWord(kind string) string {
	switch kind {
	case kindVM:
		return "VM"
	case kindDiskSnapshot:
		return "disk snapshot"
	case kindRestore:
		return "restore"
	case kindClaim:
		return "pvc"
	case kindDataVolume:
		return "dv"
	case kindSecret:
		return "secret"
	}
	return "snapshot"
}

// kindOf is the kind a word names (any case), if it is one of allowed.
func kindOf(word string, allowed ...string) (string, bool) {
	kind, known := kindPrefixes[strings.ToLower(word)]
	return kind, known && slices.Contains(allowed, kind)
}

// splitKind reads NAME (kind empty) or KIND/NAME, where KIND may carry
// kubectl's group (vm.kubevirt.io/NAME) and must be one of allowed.
func splitKind(arg string, allowed ...string) (kind, name string, err error) {
	prefix, name, qualified := strings.Cut(arg, "/")
	if !qualified {
		return "", arg, nil
	}
	kind, ok := kindOf(strings.SplitN(prefix, ".", 2)[0], allowed...)
	if !ok || name == "" || strings.Contains(name, "/") {
		forms := []string{"NAME"}
		for _, a := range allowed {
			forms = append(forms, prefixFor(a)+"/NAME")
		}
		return "", "", usageErrorf("%q: write %s or %s", arg, strings.Join(forms[:len(forms)-1], ", "), forms[len(forms)-1])
	}
	return kind, name, nil
}
