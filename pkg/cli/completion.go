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
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// completionTimeout bounds the API calls behind one press of Tab.
const completionTimeout = 5 * time.Second

// A lister returns the names of one kind in the namespace of the flags.
type lister func(ctx context.Context, c *Clients) ([]string, error)

func listVMs(ctx context.Context, c *Clients) ([]string, error) {
	list, err := c.Virt.KubevirtV1().VirtualMachines(c.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	return namesOf(list.Items), nil
}

func listSnapshots(ctx context.Context, c *Clients) ([]string, error) {
	list, err := c.VMSnap.SnapshotV1alpha1().VirtualMachineSnapshots(c.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	return namesOf(list.Items), nil
}

func listDiskSnapshots(ctx context.Context, c *Clients) ([]string, error) {
	list, err := c.VMSnap.SnapshotV1alpha1().VirtualDiskSnapshots(c.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	return namesOf(list.Items), nil
}

func listRestores(ctx context.Context, c *Clients) ([]string, error) {
	list, err := c.VMSnap.SnapshotV1alpha1().VirtualMachineRestores(c.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	return namesOf(list.Items), nil
}

func listNamespaces(ctx context.Context, c *Clients) ([]string, error) {
	list, err := c.Kube.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	return namesOf(list.Items), nil
}

// namesOf is the names of a list's items.
func namesOf[T any, PT interface {
	*T
	GetName() string
}](items []T) []string {
	names := make([]string, 0, len(items))
	for i := range items {
		names = append(names, PT(&items[i]).GetName())
	}
	return names
}

// completeArgs completes the first positional argument from the listers
// (later arguments get nothing). A lister that fails is left out: Tab
// must never print an error into the user's command line.
func completeArgs(o *Options, listers ...lister) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return completeNames(cmd.Context(), o, toComplete, listers...), cobra.ShellCompDirectiveNoFileComp
	}
}

// completeNames lists the names that start with prefix, each once, sorted.
func completeNames(ctx context.Context, o *Options, prefix string, listers ...lister) []cobra.Completion {
	c, err := o.Clients()
	if err != nil {
		return nil
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, completionTimeout)
	defer cancel()
	seen := map[string]bool{}
	var out []cobra.Completion
	for _, list := range listers {
		names, err := list(ctx, c)
		if err != nil {
			continue
		}
		for _, n := range names {
			if strings.HasPrefix(n, prefix) && !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	sort.Strings(out)
	return out
}

// registerFlagCompletion completes --namespace with the cluster's namespaces.
func registerFlagCompletion(root *cobra.Command, o *Options) {
	_ = root.RegisterFlagCompletionFunc("namespace", func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return completeNames(cmd.Context(), o, toComplete, listNamespaces), cobra.ShellCompDirectiveNoFileComp
	})
}
