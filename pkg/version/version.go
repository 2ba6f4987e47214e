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

// Package version is the build's version, stamped by the linker
// (make build, make image) or, for "go install", read from the module and
// VCS information the Go toolchain records.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Set with -ldflags "-X vmsnap.io/vmsnap/pkg/version.Version=... -X ...GitCommit=...".
var (
	// Version is the release, or "git describe" of the build's commit.
	Version = ""
	// GitCommit is the full commit the binary was built from.
	GitCommit = ""
)

// Info is what a binary reports of its build.
type Info struct {
	Version   string `json:"version"`
	GitCommit string `json:"gitCommit,omitempty"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// Get returns the stamped version, falling back to the build information
// a plain "go build" or "go install" records.
func Get() Info {
	info := Info{
		Version:   Version,
		GitCommit: GitCommit,
		GoVersion: runtime.Version(),
		Platform:  runtime.GOOS + "/" + runtime.GOARCH,
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			info.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && info.GitCommit == "" {
				info.GitCommit = s.Value
			}
		}
	}
	if info.Version == "" {
		info.Version = "devel"
	}
	return info
}

// String is the one-line form binaries print for --version.
func (i Info) String() string {
	s := i.Version
	if i.GitCommit != "" {
		s += " (" + i.GitCommit + ")"
	}
	return fmt.Sprintf("%s %s %s", s, i.GoVersion, i.Platform)
}
