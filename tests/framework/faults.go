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

package framework

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Fault makes some of the controller's API writes fail, as a busy, lossy or
// strict API server would fail them.
type Fault struct {
	// Method and Path select the writes: the HTTP method, and a path
	// suffix such as "/virtualmachinesnapshots/snap/status".
	Method, Path string
	// Code is the HTTP status answered: 409 (a conflict), 500, 503 or 403
	// (refused, as by a quota).
	Code int
	// Lost lets the write reach the API server and take effect, and only
	// replaces the answer: the controller believes it failed. Otherwise
	// the write never leaves the controller.
	Lost bool
	// Times is how many selected writes fail; a negative number fails
	// every one.
	Times int
	// After arms the fault only once a write matching this path suffix
	// (any method but a delete) succeeded, e.g. the content's creation.
	After string
}

// FaultInjector is a controller transport that fails the writes its
// faults select. Use it with Variant{Wrap: injector.Wrap}.
type FaultInjector struct {
	namespace string

	mu       sync.Mutex
	faults   []Fault
	armed    []bool
	injected []string
}

// NewFaultInjector fails, in the namespace, the writes the faults select.
func NewFaultInjector(namespace string, faults ...Fault) *FaultInjector {
	return &FaultInjector{namespace: namespace, faults: faults, armed: make([]bool, len(faults))}
}

// Injected lists the failed writes as "METHOD path -> code", lost or not.
func (fi *FaultInjector) Injected() []string {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	return append([]string(nil), fi.injected...)
}

// Wrap is the transport wrapper to run the controller with.
func (fi *FaultInjector) Wrap(next http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		if !countedWrite(req, fi.namespace) {
			return next.RoundTrip(req)
		}
		fault, ok := fi.take(req)
		if !ok {
			resp, err := next.RoundTrip(req)
			if err == nil && resp.StatusCode < 300 {
				fi.arm(req)
			}
			return resp, err
		}
		if fault.Lost {
			resp, err := next.RoundTrip(req)
			if err != nil {
				return nil, err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode < 300 {
				fi.arm(req)
			}
		}
		return statusResponse(req, fault.Code), nil
	})
}

// take picks the fault that fails req, if any, and counts it.
func (fi *FaultInjector) take(req *http.Request) (Fault, bool) {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	for i := range fi.faults {
		f := &fi.faults[i]
		if f.Method != req.Method || !strings.HasSuffix(req.URL.Path, f.Path) || f.Times == 0 {
			continue
		}
		if f.After != "" && !fi.armed[i] {
			continue
		}
		if f.Times > 0 {
			f.Times--
		}
		what := "refused"
		if f.Lost {
			what = "lost"
		}
		fi.injected = append(fi.injected, fmt.Sprintf("%s %s -> %d (%s)", req.Method, req.URL.Path, f.Code, what))
		return *f, true
	}
	return Fault{}, false
}

func (fi *FaultInjector) arm(req *http.Request) {
	if req.Method == http.MethodDelete {
		return
	}
	fi.mu.Lock()
	defer fi.mu.Unlock()
	for i, f := range fi.faults {
		if f.After != "" && strings.HasSuffix(req.URL.Path, f.After) {
			fi.armed[i] = true
		}
	}
}

// statusResponse is the API server's answer with the given code, a
// metav1.Status that client-go turns into the matching StatusError.
func statusResponse(req *http.Request, code int) *http.Response {
	resource := schema.GroupResource{Resource: "injected"}
	var err *apierrors.StatusError
	switch code {
	case http.StatusConflict:
		err = apierrors.NewConflict(resource, "", fmt.Errorf("injected by the test"))
	case http.StatusForbidden:
		err = apierrors.NewForbidden(resource, "", fmt.Errorf("exceeded quota: injected by the test"))
	case http.StatusServiceUnavailable:
		err = apierrors.NewServiceUnavailable("injected by the test")
	default:
		err = apierrors.NewInternalError(fmt.Errorf("injected by the test"))
		err.ErrStatus.Code = int32(code)
	}
	status := err.ErrStatus
	status.TypeMeta = metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}
	body, _ := json.Marshal(status)
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", code, http.StatusText(code)),
		StatusCode:    code,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": []string{"application/json"}},
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}
