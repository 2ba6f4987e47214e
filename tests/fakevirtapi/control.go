package fakevirtapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ControlHandler lets a process other than the test, such as a shell demo,
// steer the server and read what it recorded. Serve it on loopback only.
//
//	GET  /calls[?namespace=NS&name=NAME]   recorded calls, oldest answer first
//	GET  /windows?namespace=NS&name=NAME   the VMI's frozen windows
//	POST /behavior                         {"namespace": NS, "name": NAME, "behavior": {...}}
//
// A behavior is Behavior in JSON with camelCase field names and durations
// as strings, e.g. {"freezeFailures": 2, "unfreezeDelay": "3s"}.
func (s *Server) ControlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", serveOK)
	mux.HandleFunc("GET /calls", s.serveCalls)
	mux.HandleFunc("GET /windows", s.serveWindows)
	mux.HandleFunc("POST /behavior", s.serveSetBehavior)
	return mux
}

type callJSON struct {
	Time            time.Time        `json:"time"`
	Duration        metav1.Duration  `json:"duration"`
	Namespace       string           `json:"namespace"`
	Name            string           `json:"name"`
	Op              Op               `json:"op"`
	UnfreezeTimeout *metav1.Duration `json:"unfreezeTimeout,omitempty"`
	Result          Result           `json:"result"`
	StatusCode      int              `json:"statusCode,omitempty"`
	Message         string           `json:"message,omitempty"`
}

type behaviorJSON struct {
	FreezeFailures   int             `json:"freezeFailures,omitempty"`
	FreezeHangs      bool            `json:"freezeHangs,omitempty"`
	FreezeDelay      metav1.Duration `json:"freezeDelay,omitzero"`
	UnfreezeFailures int             `json:"unfreezeFailures,omitempty"`
	UnfreezeHangs    bool            `json:"unfreezeHangs,omitempty"`
	UnfreezeDelay    metav1.Duration `json:"unfreezeDelay,omitzero"`
}

type setBehaviorRequest struct {
	Namespace string       `json:"namespace"`
	Name      string       `json:"name"`
	Behavior  behaviorJSON `json:"behavior"`
}

func (s *Server) serveCalls(w http.ResponseWriter, r *http.Request) {
	namespace, name := r.URL.Query().Get("namespace"), r.URL.Query().Get("name")
	calls := []callJSON{}
	for _, call := range s.Calls() {
		if (namespace != "" && call.Namespace != namespace) || (name != "" && call.Name != name) {
			continue
		}
		view := callJSON{
			Time:       call.Time,
			Duration:   metav1.Duration{Duration: call.Duration},
			Namespace:  call.Namespace,
			Name:       call.Name,
			Op:         call.Op,
			Result:     call.Result,
			StatusCode: call.StatusCode,
			Message:    call.Message,
		}
		if call.Op == OpFreeze {
			view.UnfreezeTimeout = &metav1.Duration{Duration: call.UnfreezeTimeout}
		}
		calls = append(calls, view)
	}
	writeJSON(w, http.StatusOK, calls)
}

func (s *Server) serveWindows(w http.ResponseWriter, r *http.Request) {
	namespace, name := r.URL.Query().Get("namespace"), r.URL.Query().Get("name")
	if namespace == "" || name == "" {
		http.Error(w, "namespace and name are required", http.StatusBadRequest)
		return
	}
	windows := s.FrozenWindows(namespace, name)
	if windows == nil {
		windows = []FrozenWindow{}
	}
	writeJSON(w, http.StatusOK, windows)
}

func (s *Server) serveSetBehavior(w http.ResponseWriter, r *http.Request) {
	var request setBehaviorRequest
	decoder := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(&request); err != nil {
		http.Error(w, fmt.Sprintf("decoding the behavior: %v", err), http.StatusBadRequest)
		return
	}
	if request.Namespace == "" || request.Name == "" {
		http.Error(w, "namespace and name are required", http.StatusBadRequest)
		return
	}
	b := request.Behavior
	s.SetBehavior(request.Namespace, request.Name, Behavior{
		FreezeFailures:   b.FreezeFailures,
		FreezeHangs:      b.FreezeHangs,
		FreezeDelay:      b.FreezeDelay.Duration,
		UnfreezeFailures: b.UnfreezeFailures,
		UnfreezeHangs:    b.UnfreezeHangs,
		UnfreezeDelay:    b.UnfreezeDelay.Duration,
	})
	w.WriteHeader(http.StatusNoContent)
}
