package app

import (
	"bytes"
	"flag"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"k8s.io/klog/v2"
)

func TestConflictLoggerNamesTheRequest(t *testing.T) {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			w.WriteHeader(http.StatusConflict)
		}
	}))
	defer server.Close()

	var logged bytes.Buffer
	fs := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(fs)
	for name, value := range map[string]string{"v": "2", "logtostderr": "false", "alsologtostderr": "false"} {
		if err := fs.Set(name, value); err != nil {
			t.Fatal(err)
		}
	}
	klog.SetOutput(&logged)
	defer func() {
		_ = fs.Set("v", "0")
		_ = fs.Set("logtostderr", "true")
	}()

	client := &http.Client{Transport: conflictLogger{next: http.DefaultTransport}}
	for _, method := range []string{http.MethodGet, http.MethodPut} {
		req, _ := http.NewRequest(method, server.URL+"/apis/x/v1/namespaces/ns/things/a/status", nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if method == http.MethodPut && resp.StatusCode != http.StatusConflict {
			t.Fatalf("status %d passed on, want the 409 itself", resp.StatusCode)
		}
	}
	klog.Flush()
	out := logged.String()
	if strings.Count(out, "API conflict") != 1 || !strings.Contains(out, `method="PUT" path="/apis/x/v1/namespaces/ns/things/a/status"`) {
		t.Fatalf("log %q, want one API conflict line naming the PUT and its path", out)
	}
}
