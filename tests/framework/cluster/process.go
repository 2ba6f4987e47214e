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

package cluster

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// logTailBytes is how much of a crashed component's log goes into the error.
const logTailBytes = 4096

// stopGracePeriod is how long a component gets to exit after SIGTERM before
// its process group is killed.
const stopGracePeriod = 5 * time.Second

// process is one running control plane component.
type process struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	// grace is how long stop waits after SIGTERM.
	grace time.Duration

	// exited is closed once the process has been reaped.
	exited  chan struct{}
	waitErr error

	mu       sync.Mutex
	stopping bool
}

// launch starts binary with args, its output appended to logPath. The child
// gets its own process group so that Stop also reaches anything it forks.
//
// Attached children also get SIGKILL when this process dies, so a test binary
// killed by its timeout does not leave a control plane behind. Detached
// children get a session of their own and outlive us.
func launch(name, binary string, args []string, logPath string, detached bool) (*process, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()

	cmd := exec.Command(binary, args...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.Env = childEnv(os.Environ())
	if detached {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		err = cmd.Start()
	} else {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
		err = startOnLockedThread(cmd)
	}
	if err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, logPath: logPath, grace: stopGracePeriod, exited: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// childEnv drops variables the components would misread: etcd takes every
// ETCD_* variable as a flag, and a stray KUBECONFIG must not win over the
// explicit --kubeconfig.
func childEnv(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if strings.HasPrefix(kv, "ETCD_") || strings.HasPrefix(kv, "KUBECONFIG=") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// spawnRequests feeds the one goroutine that forks attached children. The
// kernel sends Pdeathsig when the forking *thread* exits, not the process, so
// all forks happen on a thread that is locked and never released.
var (
	spawnOnce     sync.Once
	spawnRequests chan spawnRequest
)

type spawnRequest struct {
	cmd  *exec.Cmd
	done chan error
}

func startOnLockedThread(cmd *exec.Cmd) error {
	spawnOnce.Do(func() {
		spawnRequests = make(chan spawnRequest)
		go func() {
			runtime.LockOSThread()
			for req := range spawnRequests {
				req.done <- req.cmd.Start()
			}
		}()
	})
	done := make(chan error, 1)
	spawnRequests <- spawnRequest{cmd: cmd, done: done}
	return <-done
}

// crashed reports whether the process exited without being asked to.
func (p *process) crashed() bool {
	select {
	case <-p.exited:
		p.mu.Lock()
		defer p.mu.Unlock()
		return !p.stopping
	default:
		return false
	}
}

// crashError describes an unexpected exit together with the end of the log,
// which is where the reason usually is.
func (p *process) crashError() error {
	return fmt.Errorf("%s exited unexpectedly (%v); last lines of %s:\n%s",
		p.name, p.waitErr, p.logPath, tailFile(p.logPath, logTailBytes))
}

// stop terminates the process group: SIGTERM, then SIGKILL after the grace
// period.
func (p *process) stop() {
	p.mu.Lock()
	p.stopping = true
	p.mu.Unlock()
	pgid := p.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(p.grace):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.exited
	}
	// Children of the leader that ignored SIGTERM would otherwise linger.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
}

// tailFile returns roughly the last n bytes of a file, starting at a line.
func tailFile(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("(cannot read log: %v)", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Sprintf("(cannot read log: %v)", err)
	}
	offset := max(info.Size()-n, 0)
	data, err := io.ReadAll(io.NewSectionReader(f, offset, info.Size()-offset))
	if err != nil {
		return fmt.Sprintf("(cannot read log: %v)", err)
	}
	if offset > 0 {
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			data = data[i+1:]
		}
	}
	return string(data)
}

// Pid files let a detached cluster be stopped by a later process.

// pidsDirName is the directory under Config.Dir that holds them.
const pidsDirName = "pids"

func pidFilePath(dir, name string) string {
	return filepath.Join(dir, pidsDirName, name+".pid")
}

// writePidFile records the pid together with the process's start time, so
// that a stale file whose pid now belongs to something else is not acted on.
func writePidFile(dir string, p *process) error {
	path := pidFilePath(dir, p.name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	pid := p.cmd.Process.Pid
	started, err := processStartTime(pid)
	if err != nil {
		return fmt.Errorf("recording %s (pid %d): %w", p.name, pid, err)
	}
	return os.WriteFile(path, fmt.Appendf(nil, "%d %d\n", pid, started), 0o644)
}

type pidRecord struct {
	name    string
	pid     int
	started uint64
}

func readPidFiles(dir string) ([]pidRecord, error) {
	paths, err := filepath.Glob(filepath.Join(dir, pidsDirName, "*.pid"))
	if err != nil {
		return nil, err
	}
	var records []pidRecord
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		r := pidRecord{name: strings.TrimSuffix(filepath.Base(path), ".pid")}
		if _, err := fmt.Sscan(string(data), &r.pid, &r.started); err != nil || r.pid <= 1 {
			return nil, fmt.Errorf("malformed pid file %s: %q", path, data)
		}
		records = append(records, r)
	}
	return records, nil
}

// alive reports whether the recorded process still runs. A zombie counts as
// gone: a detached process is reaped by init, which may take a while.
func (r pidRecord) alive() bool {
	state, started, err := procStat(r.pid)
	return err == nil && started == r.started && state != 'Z'
}

func processStartTime(pid int) (uint64, error) {
	_, started, err := procStat(pid)
	return started, err
}

// procStat reads a process's state (field 3 of /proc/<pid>/stat) and its
// start time in clock ticks since boot (field 22), which together with the
// pid identifies a process.
func procStat(pid int) (state byte, started uint64, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, err
	}
	// The command name (field 2) may hold spaces and parentheses; the
	// fields after its closing parenthesis start with field 3.
	end := bytes.LastIndexByte(data, ')')
	fields := strings.Fields(string(data[end+1:]))
	const stateField, startTimeField = 3 - 3, 22 - 3
	if end < 0 || len(fields) <= startTimeField {
		return 0, 0, fmt.Errorf("unexpected /proc/%d/stat: %q", pid, data)
	}
	started, err = strconv.ParseUint(fields[startTimeField], 10, 64)
	return fields[stateField][0], started, err
}

// StopDetached stops a cluster that was started with Config.Detach, from its
// pid files in dir, and removes them. It is a no-op when nothing runs.
func StopDetached(dir string) error {
	records, err := readPidFiles(dir)
	if err != nil {
		return err
	}
	// Like Cluster.Stop: everything but etcd at once, then etcd.
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	stop := func(r pidRecord) {
		if r.alive() {
			if err := stopPid(r); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("stopping %s (pid %d): %w", r.name, r.pid, err))
				mu.Unlock()
				return
			}
		}
		if err := os.Remove(pidFilePath(dir, r.name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}
	}
	for _, r := range records {
		if r.name != Etcd {
			wg.Go(func() { stop(r) })
		}
	}
	wg.Wait()
	for _, r := range records {
		if r.name == Etcd {
			stop(r)
		}
	}
	return errors.Join(errs...)
}

// stopPid stops a detached process, which is not our child (so it cannot be
// waited for) and leads its own process group (Setsid).
func stopPid(r pidRecord) error {
	if err := syscall.Kill(-r.pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	deadline := time.Now().Add(stopGracePeriod)
	for time.Now().Before(deadline) {
		if !r.alive() {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := syscall.Kill(-r.pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	return nil
}
