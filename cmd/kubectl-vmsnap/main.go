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

// Command kubectl-vmsnap is vmsnap's kubectl plugin: "kubectl vmsnap".
// Installed on the PATH (by krew, or go install), kubectl runs it for
// "kubectl vmsnap ...".
package main

import (
	"os"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"vmsnap.io/vmsnap/pkg/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}))
}
