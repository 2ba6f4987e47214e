// Package fakevirtapi stands in for KubeVirt's virt-api in tests, where
// KubeVirt's own components do not run. It serves the part of the
// subresources.kubevirt.io/v1 API that vmsnap calls, the freeze and unfreeze
// subresources of VirtualMachineInstances, as an aggregated API behind a
// real kube-apiserver, so that kubevirt.io/client-go reaches it exactly as it
// reaches virt-api in production.
//
// Behind those endpoints it keeps each VMI's freeze state the way KubeVirt's
// launcher and the guest agent do (see freeze and unfreeze), records every
// call, and fails, delays or hangs calls on demand (SetBehavior).
//
// It also serves virt-api's validating admission webhook for
// VirtualMachines, with the rules that guard a VM while a snapshot or a
// restore holds it (see vmUpdateCauses and RegisterVMValidator).
//
// The server listens on loopback only and does not authenticate its
// callers: it trusts whatever reaches it, as a test fixture may.
package fakevirtapi

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
	virtv1 "kubevirt.io/api/core/v1"
)

const (
	// Group and Version are the API the server provides.
	Group   = "subresources.kubevirt.io"
	Version = "v1"

	// Namespace and ServiceName name the Service through which the
	// aggregator reaches the server (see Register).
	Namespace   = "vmsnap-test-system"
	ServiceName = "vmsnap-fake-virtapi"

	defaultAddress = "127.0.0.1:0"
	// maxBodyBytes bounds a request body; a freeze body is a few bytes.
	maxBodyBytes = 64 << 10
)

// Options configure a Server.
type Options struct {
	// Address is the TCP address to listen on; a free loopback port if empty.
	Address string
	// VMIs, when set, is used to read the VirtualMachineInstance a request
	// names, so that the server answers as virt-api does for one that does
	// not exist (404), is not Running (409) or has no connected guest agent
	// (500). When nil every VMI counts as running with a connected agent.
	VMIs dynamic.Interface
	// ReportFreezeStatus, together with VMIs, makes the server keep each
	// VMI's status.fsFreezeStatus as virt-handler does: "frozen" while the
	// guest is frozen, unset otherwise.
	ReportFreezeStatus bool
	// Clock times delays and auto-thaws; the real clock if nil.
	Clock clock.WithDelayedExecution
}

// Server is the stand-in for virt-api. Create it with New.
type Server struct {
	vmis               dynamic.Interface
	reportFreezeStatus bool
	clock              clock.WithDelayedExecution
	mux                *http.ServeMux
	// vmReviews counts the VirtualMachine admission reviews answered.
	vmReviews atomic.Uint64

	mu sync.Mutex
	// logger serves what runs outside of requests; requests log through
	// their context.
	logger  klog.Logger
	guests  map[vmiKey]*guest
	calls   []Call
	address string
	started bool
	port    int
	caPEM   []byte
}

// New returns a server that is not yet listening; see Start and Handler.
func New(opts Options) *Server {
	s := &Server{
		vmis:               opts.VMIs,
		reportFreezeStatus: opts.VMIs != nil && opts.ReportFreezeStatus,
		clock:              opts.Clock,
		logger:             klog.Background().WithName("fake-virtapi"),
		guests:             map[vmiKey]*guest{},
		address:            opts.Address,
	}
	if s.clock == nil {
		s.clock = clock.RealClock{}
	}
	if s.address == "" {
		s.address = defaultAddress
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET /{$}", s.serveRootPaths)
	s.mux.HandleFunc("GET /healthz", serveOK)
	s.mux.HandleFunc("GET /readyz", serveOK)
	s.mux.HandleFunc("GET /livez", serveOK)
	s.mux.HandleFunc("GET /openapi/v2", serveOpenAPIV2)
	s.mux.HandleFunc("GET /openapi/v3", serveOpenAPIV3)
	s.mux.HandleFunc("GET /apis", s.serveGroupList)
	s.mux.HandleFunc("GET /apis/"+Group, s.serveGroup)
	s.mux.HandleFunc("GET /apis/"+Group+"/"+Version, s.serveResourceList)
	vmiPath := "/apis/" + Group + "/" + Version + "/namespaces/{namespace}/virtualmachineinstances/{name}/"
	s.mux.HandleFunc("PUT "+vmiPath+"freeze", s.serveVMI(OpFreeze, s.serveFreeze))
	s.mux.HandleFunc("PUT "+vmiPath+"unfreeze", s.serveVMI(OpUnfreeze, s.serveUnfreeze))
	s.mux.HandleFunc("POST "+VMValidatePath, s.serveVMValidation)
	return s
}

// Handler serves the API; Start serves it over HTTPS, tests may serve it
// with httptest.
func (s *Server) Handler() http.Handler { return s.mux }

// Start listens and serves HTTPS with a certificate signed by a CA made for
// this server (CACertPEM), until ctx ends. It returns once the server
// accepts connections. Requests still hanging when ctx ends are abandoned.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return errors.New("server already started")
	}

	cert, err := newServingCert(serviceDNSNames())
	if err != nil {
		return fmt.Errorf("creating the serving certificate: %w", err)
	}
	listener, err := net.Listen("tcp", s.address)
	if err != nil {
		return err
	}
	logger := klog.FromContext(ctx).WithName("fake-virtapi")
	s.logger = logger
	s.started = true
	s.port = listener.Addr().(*net.TCPAddr).Port
	s.caPEM = cert.caPEM

	server := &http.Server{
		Handler:           s.mux,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert.tlsCert}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	go func() {
		if err := server.ServeTLS(listener, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error(err, "Serving failed")
		}
	}()
	go func() {
		<-ctx.Done()
		server.Close()
		s.stopTimers()
	}()
	logger.Info("Serving", "address", listener.Addr().String())
	return nil
}

// Port is the port the server listens on; 0 before Start.
func (s *Server) Port() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.port
}

// CACertPEM is the CA that signed the serving certificate, for the
// APIService's caBundle; nil before Start.
func (s *Server) CACertPEM() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.caPEM
}

func serviceDNSNames() []string {
	service := ServiceName + "." + Namespace + ".svc"
	return []string{service, service + ".cluster.local", "localhost"}
}

// outcome is what a freeze or unfreeze came to: a result, and the error
// answered if the result is ResultFailed.
type outcome struct {
	result Result
	err    *apierrors.StatusError
}

func failed(err *apierrors.StatusError) outcome { return outcome{result: ResultFailed, err: err} }

// internalError is how virt-api answers when the guest agent fails: it
// wraps whatever virt-handler said in a 500.
func internalError(op Op, message string) outcome {
	return failed(apierrors.NewInternalError(fmt.Errorf("%s: %s", op, message)))
}

// vmiOperation carries out one freeze or unfreeze request and fills in
// what it learned about the call.
type vmiOperation func(r *http.Request, key vmiKey, call *Call) outcome

func (s *Server) serveVMI(op Op, operate vmiOperation) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		call := Call{Time: s.clock.Now(), Namespace: r.PathValue("namespace"), Name: r.PathValue("name"), Op: op}
		out := operate(r, vmiKey{call.Namespace, call.Name}, &call)

		call.Result = out.result
		call.Duration = s.clock.Since(call.Time)
		if out.result != ResultAbandoned {
			call.StatusCode = http.StatusOK
		}
		if out.err != nil {
			call.StatusCode = int(out.err.Status().Code)
			call.Message = out.err.Status().Message
		}
		// Recorded before the answer, so that a client that got its answer
		// finds its call in Calls.
		s.mu.Lock()
		s.calls = append(s.calls, call)
		s.mu.Unlock()
		klog.FromContext(r.Context()).V(2).Info("Answering", "op", call.Op, "vmi", klog.KRef(call.Namespace, call.Name),
			"unfreezeTimeout", call.UnfreezeTimeout, "result", call.Result, "status", call.StatusCode)

		switch {
		case out.result == ResultAbandoned:
			// Nobody is left to read an answer.
		case out.err != nil:
			writeStatus(w, out.err)
		default:
			// virt-api answers a successful freeze or unfreeze with an empty 200.
			w.WriteHeader(http.StatusOK)
		}
	}
}

func (s *Server) serveFreeze(r *http.Request, key vmiKey, call *Call) outcome {
	timeout, bodyErr := readUnfreezeTimeout(r.Body)
	call.UnfreezeTimeout = timeout
	if err := s.checkVMI(r.Context(), key); err != nil {
		return failed(err)
	}
	if bodyErr != nil {
		return failed(apierrors.NewInternalError(bodyErr))
	}
	return s.freeze(r.Context(), key, timeout)
}

func (s *Server) serveUnfreeze(r *http.Request, key vmiKey, _ *Call) outcome {
	if err := s.checkVMI(r.Context(), key); err != nil {
		return failed(err)
	}
	return s.unfreeze(r.Context(), key)
}

// readUnfreezeTimeout reads a freeze request's body, which the aggregator
// may forward chunked. Like virt-handler it requires the timeout.
func readUnfreezeTimeout(body io.Reader) (time.Duration, error) {
	data, err := io.ReadAll(io.LimitReader(body, maxBodyBytes))
	if err != nil {
		return 0, fmt.Errorf("reading the freeze request: %w", err)
	}
	var request virtv1.FreezeUnfreezeTimeout
	if len(data) > 0 {
		if err := json.Unmarshal(data, &request); err != nil {
			return 0, fmt.Errorf("failed to unmarshal unfreeze timeout: %w", err)
		}
	}
	if request.UnfreezeTimeout == nil {
		return 0, errors.New("unfreeze timeout in freeze request is not set")
	}
	return request.UnfreezeTimeout.Duration, nil
}

func (s *Server) serveRootPaths(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, &metav1.RootPaths{Paths: []string{"/apis", "/apis/" + Group, "/apis/" + Group + "/" + Version, "/healthz"}})
}

func apiGroup() metav1.APIGroup {
	version := metav1.GroupVersionForDiscovery{GroupVersion: Group + "/" + Version, Version: Version}
	return metav1.APIGroup{
		TypeMeta:         metav1.TypeMeta{Kind: "APIGroup", APIVersion: "v1"},
		Name:             Group,
		Versions:         []metav1.GroupVersionForDiscovery{version},
		PreferredVersion: version,
	}
}

func (s *Server) serveGroupList(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, &metav1.APIGroupList{
		TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"},
		Groups:   []metav1.APIGroup{apiGroup()},
	})
}

func (s *Server) serveGroup(w http.ResponseWriter, _ *http.Request) {
	group := apiGroup()
	writeJSON(w, http.StatusOK, &group)
}

// serveResourceList names the subresources served. Like virt-api it gives
// them no verbs, so that clients that walk discovery leave them alone.
func (s *Server) serveResourceList(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, &metav1.APIResourceList{
		TypeMeta:     metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"},
		GroupVersion: Group + "/" + Version,
		APIResources: []metav1.APIResource{
			{Name: "virtualmachineinstances/freeze", Namespaced: true, Verbs: metav1.Verbs{}},
			{Name: "virtualmachineinstances/unfreeze", Namespaced: true, Verbs: metav1.Verbs{}},
		},
	})
}

// serveOpenAPIV2 and serveOpenAPIV3 answer the aggregator, which merges
// every aggregated API's OpenAPI document into the apiserver's and logs an
// error for each it cannot download. The documents are empty: nothing here
// has a schema worth publishing.
func serveOpenAPIV2(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"swagger": "2.0",
		"info":    map[string]string{"title": "vmsnap fake virt-api", "version": Version},
		"paths":   map[string]any{},
	})
}

func serveOpenAPIV3(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"paths": map[string]any{}})
}

func serveOK(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "ok")
}

func writeStatus(w http.ResponseWriter, err *apierrors.StatusError) {
	status := err.Status()
	status.TypeMeta = metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}
	writeJSON(w, int(status.Code), &status)
}

func writeJSON(w http.ResponseWriter, code int, body any) {
	data, err := json.Marshal(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(code)
	w.Write(data)
}
