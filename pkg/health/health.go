// Package health serves /healthz and /readyz from named checks, in the format
// Kubernetes components use: "ok", or one "[+]name ok" / "[-]name failed:
// reason" line per check (always with ?verbose).
package health

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
)

// Check returns nil when healthy, or an error saying what is wrong.
type Check func() error

// Checks is an ordered, named set of checks. Safe for concurrent use.
type Checks struct {
	mu     sync.RWMutex
	names  []string
	checks map[string]Check
}

// Add registers a check; a later Add with the same name replaces it.
func (c *Checks) Add(name string, check Check) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.checks == nil {
		c.checks = map[string]Check{}
	}
	if _, ok := c.checks[name]; !ok {
		c.names = append(c.names, name)
	}
	c.checks[name] = check
}

// Run runs every check and returns a report and whether all passed.
func (c *Checks) Run() (report string, ok bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var b strings.Builder
	ok = true
	for _, name := range c.names {
		if err := c.checks[name](); err != nil {
			ok = false
			fmt.Fprintf(&b, "[-]%s failed: %v\n", name, err)
		} else {
			fmt.Fprintf(&b, "[+]%s ok\n", name)
		}
	}
	return b.String(), ok
}

// ServeHTTP answers 200 when every check passes and 500 otherwise.
func (c *Checks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	report, ok := c.Run()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if !ok {
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, report+"check failed\n")
		return
	}
	if _, verbose := r.URL.Query()["verbose"]; verbose {
		fmt.Fprint(w, report)
	}
	fmt.Fprint(w, "ok\n")
}
