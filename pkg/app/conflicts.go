package app

import (
	"net/http"

	"k8s.io/klog/v2"
)

// conflictLogger logs every 409 Conflict the API server answers with the
// request that got it. Conflicts are retried quietly by the controllers
// (they are expected when another writer moved first), so without this a
// stream of them shows only as a count in vmsnap_rest_client_requests_total.
type conflictLogger struct {
	next http.RoundTripper
}

func (c conflictLogger) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(req)
	if err == nil && resp.StatusCode == http.StatusConflict {
		klog.V(2).InfoS("API conflict", "method", req.Method, "path", req.URL.Path)
	}
	return resp, err
}
