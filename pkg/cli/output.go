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
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/cli-runtime/pkg/printers"
	"sigs.k8s.io/yaml"

	vmsnapscheme "vmsnap.io/client-go/clientset/versioned/scheme"
)

// Output formats of -o. The empty format is the command's human output.
const (
	outputJSON = "json"
	outputYAML = "yaml"
)

// addOutputFlag registers -o for commands whose output is data.
func addOutputFlag(cmd *cobra.Command, output *string) {
	cmd.Flags().StringVarP(output, "output", "o", "", "Output format: json or yaml (default: a human-readable table)")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{outputJSON, outputYAML}, cobra.ShellCompDirectiveNoFileComp))
}

// checkOutput refuses an unknown -o value before any API call.
func checkOutput(output string) error {
	switch output {
	case "", outputJSON, outputYAML:
		return nil
	}
	return usageErrorf("unknown output format %q: use json or yaml", output)
}

// printData writes v as JSON or YAML. Objects of vmsnap's API get their
// apiVersion and kind, which typed clients leave empty; managedFields are
// left out, as kubectl leaves them out.
func printData(out io.Writer, output string, v any) error {
	if obj, ok := v.(runtime.Object); ok {
		obj = obj.DeepCopyObject()
		setKind(obj)
		if accessor, ok := obj.(metav1.Object); ok {
			accessor.SetManagedFields(nil)
		}
		v = obj
	}
	switch output {
	case outputJSON:
		data, err := json.MarshalIndent(v, "", "    ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(out, string(data))
		return err
	case outputYAML:
		data, err := yaml.Marshal(v)
		if err != nil {
			return err
		}
		_, err = out.Write(data)
		return err
	}
	return fmt.Errorf("unknown output format %q", output)
}

// setKind fills apiVersion and kind of an object of vmsnap's API.
func setKind(obj runtime.Object) {
	if !obj.GetObjectKind().GroupVersionKind().Empty() {
		return
	}
	if gvks, _, err := vmsnapscheme.Scheme.ObjectKinds(obj); err == nil && len(gvks) > 0 {
		obj.GetObjectKind().SetGroupVersionKind(gvks[0])
	}
}

// newTable is kubectl's tab writer; Flush it after the rows.
func newTable(out io.Writer) *tabWriter {
	return &tabWriter{w: printers.GetNewTabWriter(out)}
}

// tabWriter writes tab-separated rows.
type tabWriter struct {
	w interface {
		io.Writer
		Flush() error
	}
}

// Row writes one row of cells.
func (t *tabWriter) Row(cells ...string) {
	fmt.Fprintln(t.w, strings.Join(cells, "\t"))
}

// Flush writes the aligned table.
func (t *tabWriter) Flush() error { return t.w.Flush() }

// isTerminal tells whether w is a terminal: progress is redrawn in place
// and colours are used only there.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// colours are used on a terminal unless NO_COLOR is set (no-color.org).
func useColour(w io.Writer) bool {
	return isTerminal(w) && os.Getenv("NO_COLOR") == ""
}

// ANSI colours of the phases.
const (
	colourRed    = "31"
	colourGreen  = "32"
	colourYellow = "33"
)

// paint colours s when colours are on.
func paint(on bool, colour, s string) string {
	if !on || s == "" {
		return s
	}
	return "\x1b[" + colour + "m" + s + "\x1b[0m"
}

// phaseColour is the colour a phase is shown in.
func phaseColour(phase string) string {
	switch phase {
	case "Ready", "Succeeded":
		return colourGreen
	case "Failed":
		return colourRed
	}
	return colourYellow
}

// age is kubectl's AGE column: 5s, 3m, 2d4h.
func age(t metav1.Time, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t.Time))
}

// since is a duration for people: 850ms, 12s, 3m4s.
func since(d time.Duration) string {
	if d < time.Second {
		return d.Round(10 * time.Millisecond).String()
	}
	if d < time.Minute {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// boolCell is a *bool as a table cell.
func boolCell(b *bool) string {
	switch {
	case b == nil:
		return "<unknown>"
	case *b:
		return "true"
	}
	return "false"
}
