package health

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestChecks(t *testing.T) {
	var c Checks
	failing := errors.New("volumesnapshots.snapshot.storage.k8s.io/v1 is not served")
	c.Add("informers", func() error { return nil })
	c.Add("volumesnapshot-api", func() error { return failing })

	rec := httptest.NewRecorder()
	c.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", rec.Code)
	}
	body := rec.Body.String()
	for _, want := range []string{"[+]informers ok", "[-]volumesnapshot-api failed: " + failing.Error()} {
		if !strings.Contains(body, want) {
			t.Errorf("body %q lacks %q", body, want)
		}
	}

	c.Add("volumesnapshot-api", func() error { return nil })
	rec = httptest.NewRecorder()
	c.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != http.StatusOK || rec.Body.String() != "ok\n" {
		t.Fatalf("got %d %q, want 200 \"ok\\n\"", rec.Code, rec.Body.String())
	}
	rec = httptest.NewRecorder()
	c.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz?verbose", nil))
	if !strings.Contains(rec.Body.String(), "[+]volumesnapshot-api ok") {
		t.Fatalf("verbose body %q lacks the per-check lines", rec.Body.String())
	}
}
