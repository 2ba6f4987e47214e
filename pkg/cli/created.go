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
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
)

// creation is an object a command just created, and how to follow it.
type creation struct {
	object runtime.Object
	// resource/name, as kubectl prints what it created.
	resource, name string
	// announce is the line printed before following it.
	announce string
	// follow shows the progress and the summary on human.Out.
	follow func(ctx context.Context, human *Options) error
	// reread returns the object as it is now, for -o after --wait.
	reread func(ctx context.Context) (runtime.Object, error)
}

// finishCreate ends a create. Without --wait it prints kubectl's
// "RESOURCE/NAME created", or the object with -o. With --wait it follows
// the object; -o keeps standard output for data, so the progress and the
// summary go to stderr and the object is printed as it ended.
func (o *Options) finishCreate(ctx context.Context, c creation, output string, wait bool) error {
	if !wait {
		if output != "" {
			return printData(o.Out, output, c.object)
		}
		_, err := fmt.Fprintf(o.Out, "%s/%s created\n", c.resource, c.name)
		return err
	}
	human := *o
	if output != "" {
		human.Out = o.ErrOut
	}
	fmt.Fprintln(human.Out, c.announce)
	waitErr := c.follow(ctx, &human)
	if output != "" && !isInterrupted(waitErr) {
		if last, err := c.reread(ctx); err == nil {
			if err := printData(o.Out, output, last); err != nil {
				return err
			}
		}
	}
	return waitErr
}
