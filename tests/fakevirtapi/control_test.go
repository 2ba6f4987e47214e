package fakevirtapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestControlHandler(t *testing.T) {
	f := newFixture(t, Options{})
	control := httptest.NewServer(f.server.ControlHandler())
	defer control.Close()

	response, err := http.Post(control.URL+"/behavior", "application/json",
		strings.NewReader(`{"namespace":"ns","name":"vm1","behavior":{"freezeFailures":1,"unfreezeDelay":"0s"}}`))
	if err != nil {
		t.Fatal(err)
	}
	response.Body.Close()
	if response.StatusCode != http.StatusNoContent {
		t.Fatalf("POST /behavior: %s", response.Status)
	}
	if code := f.freeze(t, time.Minute); code != http.StatusInternalServerError {
		t.Errorf("freeze after the behaviour was set answered %d, want a failure", code)
	}
	f.freeze(t, time.Minute)

	var calls []map[string]any
	getJSON(t, control.URL+"/calls?namespace=ns&name=vm1", &calls)
	if len(calls) != 2 {
		t.Fatalf("GET /calls returned %d calls, want 2: %v", len(calls), calls)
	}
	if calls[0]["result"] != "Failed" || calls[1]["result"] != "Froze" || calls[1]["unfreezeTimeout"] != "1m0s" {
		t.Errorf("GET /calls returned %v", calls)
	}
	getJSON(t, control.URL+"/calls?namespace=other", &calls)
	if len(calls) != 0 {
		t.Errorf("GET /calls for another namespace returned %v", calls)
	}

	var windows []FrozenWindow
	getJSON(t, control.URL+"/windows?namespace=ns&name=vm1", &windows)
	if len(windows) != 1 || !windows[0].To.IsZero() {
		t.Errorf("GET /windows returned %+v, want one open window", windows)
	}

	for _, body := range []string{`{"namespace":"ns","name":"vm1","behavior":{"freezeFails":true}}`, `{"behavior":{}}`} {
		response, err := http.Post(control.URL+"/behavior", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		response.Body.Close()
		if response.StatusCode != http.StatusBadRequest {
			t.Errorf("POST /behavior %s: %s, want 400", body, response.Status)
		}
	}
}

func getJSON(t *testing.T, url string, into any) {
	t.Helper()
	response, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer response.Body.Close()
	if response.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, response.Status)
	}
	if err := json.NewDecoder(response.Body).Decode(into); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}
