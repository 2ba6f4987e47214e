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

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

const (
	// clockTicksPerSecond is USER_HZ, the unit of utime and stime in
	// /proc/<pid>/stat; 100 on every Linux architecture Go supports.
	clockTicksPerSecond = 100
	// resetPeakRSS, written to /proc/<pid>/clear_refs, sets VmHWM back to
	// the current RSS so that each workload gets its own peak.
	resetPeakRSS     = "5"
	controllerReady  = time.Minute
	controllerStopBy = 15 * time.Second
)

// controllerProcess is the built vmsnap-controller binary under measurement.
type controllerProcess struct {
	cmd        *exec.Cmd
	metricsURL string
	healthURL  string
	http       *http.Client
	exited     chan struct{}
}

// startController runs the binary against kubeconfig with a client rate
// limit high enough that it is not what the benchmark measures, pprof on,
// and its log in logPath.
func startController(binary, kubeconfig, logPath string, extraArgs []string) (*controllerProcess, error) {
	metricsPort, err := freePort()
	if err != nil {
		return nil, err
	}
	healthPort, err := freePort()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	args := append([]string{
		"--kubeconfig=" + kubeconfig,
		"--leader-elect=false",
		"--kube-api-qps=200",
		"--kube-api-burst=400",
		"--enable-pprof",
		fmt.Sprintf("--metrics-bind-address=127.0.0.1:%d", metricsPort),
		// Scraped and profiled without a token, on loopback.
		"--metrics-secure=false",
		fmt.Sprintf("--health-bind-address=127.0.0.1:%d", healthPort),
		// The deployment manifest's verbosity: logging is part of the cost.
		"--v=2",
	}, extraArgs...)
	cmd := exec.Command(binary, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", binary, err)
	}
	p := &controllerProcess{
		cmd:        cmd,
		metricsURL: fmt.Sprintf("http://127.0.0.1:%d", metricsPort),
		healthURL:  fmt.Sprintf("http://127.0.0.1:%d", healthPort),
		http:       &http.Client{Timeout: 2 * time.Minute},
		exited:     make(chan struct{}),
	}
	go func() {
		_ = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (p *controllerProcess) pid() int { return p.cmd.Process.Pid }

// waitReady waits until /readyz answers ok, which the controller does once
// its informers have synced.
func (p *controllerProcess) waitReady(ctx context.Context) error {
	return wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, controllerReady, true, func(ctx context.Context) (bool, error) {
		select {
		case <-p.exited:
			return false, errors.New("the controller exited; see its log")
		default:
		}
		_, err := p.get(ctx, p.healthURL+"/readyz")
		return err == nil, nil
	})
}

func (p *controllerProcess) get(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return body, nil
}

func (p *controllerProcess) scrape(ctx context.Context) (metricsPage, error) {
	body, err := p.get(ctx, p.metricsURL+"/metrics")
	if err != nil {
		return nil, err
	}
	return parseMetrics(strings.NewReader(string(body)))
}

// saveProfile writes /debug/pprof/<profile> to path.
func (p *controllerProcess) saveProfile(ctx context.Context, profile, path string) error {
	body, err := p.get(ctx, p.metricsURL+"/debug/pprof/"+profile)
	if err != nil {
		return err
	}
	return os.WriteFile(path, body, 0o644)
}

// stop sends SIGTERM and waits, then kills.
func (p *controllerProcess) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(controllerStopBy):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// usage is what the kernel accounts for a process.
type usage struct {
	CPU     time.Duration
	RSS     uint64 // bytes
	PeakRSS uint64 // bytes, since start or the last resetPeak
}

func (p *controllerProcess) usage() (usage, error) {
	var u usage
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.pid()))
	if err != nil {
		return u, err
	}
	// The command name may hold spaces and parentheses; the fields after the
	// last ')' start with the state, field 3. utime and stime are 14 and 15.
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	if len(fields) < 13 {
		return u, fmt.Errorf("short /proc/%d/stat", p.pid())
	}
	var ticks uint64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return u, err
		}
		ticks += n
	}
	u.CPU = time.Duration(ticks) * time.Second / clockTicksPerSecond

	status, err := os.Open(fmt.Sprintf("/proc/%d/status", p.pid()))
	if err != nil {
		return u, err
	}
	defer status.Close()
	scanner := bufio.NewScanner(status)
	for scanner.Scan() {
		key, value, ok := strings.Cut(scanner.Text(), ":")
		if !ok {
			continue
		}
		kib, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		switch {
		case err != nil:
		case key == "VmRSS":
			u.RSS = kib << 10
		case key == "VmHWM":
			u.PeakRSS = kib << 10
		}
	}
	return u, scanner.Err()
}

// resetPeak starts a new VmHWM period; it needs to own the process or be
// root, and is skipped with a note otherwise.
func (p *controllerProcess) resetPeak() error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", p.pid()), []byte(resetPeakRSS), 0)
}
