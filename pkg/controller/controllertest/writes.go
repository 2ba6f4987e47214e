// Package controllertest helps the controllers' unit tests, which drive a
// sync over fake clientsets and assert what it wrote.
package controllertest

import (
	"k8s.io/apimachinery/pkg/runtime"
	kubetesting "k8s.io/client-go/testing"
)

// Reactor is a fake clientset: client-go's, KubeVirt's, CDI's or ours.
type Reactor interface {
	PrependReactor(verb, resource string, reaction kubetesting.ReactionFunc)
}

// RecordWrites appends to *writes every write made through the fakes, in
// order, as "verb resource[/subresource]"; reads are left out. Reactors
// prepended later run first: a test that answers a call itself (a failing
// freeze) keeps that call out of the record.
func RecordWrites(writes *[]string, fakes ...Reactor) {
	record := func(a kubetesting.Action) (bool, runtime.Object, error) {
		switch a.GetVerb() {
		case "get", "list", "watch":
		default:
			w := a.GetVerb() + " " + a.GetResource().Resource
			if a.GetSubresource() != "" {
				w += "/" + a.GetSubresource()
			}
			*writes = append(*writes, w)
		}
		return false, nil, nil
	}
	for _, f := range fakes {
		f.PrependReactor("*", "*", record)
	}
}
