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

package chaos

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"

	"vmsnap.io/vmsnap/tests/framework"
	"vmsnap.io/vmsnap/tests/framework/cluster"
)

// Leader election of the replicas: short, so that a killed or stopped
// leader is replaced within seconds (the binary's defaults are 8s, 5s, 1.5s).
const (
	leaseName     = "vmsnap-chaos"
	leaseDuration = 4 * time.Second
	renewDeadline = 3 * time.Second
	retryPeriod   = time.Second
	// unfreezeTimeout is the replicas' --unfreeze-timeout: a guest frozen by
	// a leader that was then killed or stopped thaws by itself after it.
	unfreezeTimeout = 10 * time.Second
	// restartDelay is how long an exited replica stays down, as a kubelet's
	// first crash-loop backoff would keep it.
	restartDelay = time.Second
	// leaderTimeout bounds the wait for some replica to lead.
	leaderTimeout = time.Minute
)

// binaryEnv names another controller binary to run, such as a build of an
// older commit to replay a seed against.
const binaryEnv = "VMSNAP_CHAOS_BINARY"

// identityPattern finds the leader election identity in a replica's log
// ("Waiting to lead" ... identity="host_uuid"), which the Lease's
// holderIdentity names.
var identityPattern = regexp.MustCompile(`"Waiting to lead".*identity="([^"]+)"`)

// replica is one vmsnap-controller process slot: the binary, restarted by
// its supervisor whenever it exits, always on the same ports and log file.
type replica struct {
	name        string
	logPath     string
	healthPort  int
	metricsPort int
	args        []string

	mu        sync.Mutex
	cmd       *exec.Cmd
	exited    chan struct{}
	logOffset int64 // where the current process's log starts
	identity  string
	// killedOnPurpose tells the supervisor that the current process's
	// exit was the chaos's doing.
	killedOnPurpose bool
	starts          int
	// selfExits are exits nobody asked for, such as a stopped leader that
	// found its lease lost when it was continued.
	selfExits []string
}

// replicaSet runs the replicas and restarts each one that exits.
type replicaSet struct {
	t        *testing.T
	f        *framework.Framework
	replicas []*replica
	logDir   string
	stop     chan struct{}
	wg       sync.WaitGroup
}

// startReplicas runs n replicas of the built binary on one Lease in the
// test's namespace, and supervises them until stopAll.
func startReplicas(t *testing.T, f *framework.Framework, n int) *replicaSet {
	t.Helper()
	root, err := cluster.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	binary := os.Getenv(binaryEnv)
	if binary == "" {
		binary = filepath.Join(root, "_output", "bin", "vmsnap-controller")
	}
	// Beside the cluster's logs, in the directory the framework keeps when
	// a run fails.
	logDir := filepath.Join(filepath.Dir(f.Cluster.Dir()), "chaos")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		t.Fatal(err)
	}
	set := &replicaSet{t: t, f: f, logDir: logDir, stop: make(chan struct{})}
	for i := range n {
		name := fmt.Sprintf("replica-%c", 'a'+i)
		r := &replica{
			name:        name,
			logPath:     filepath.Join(logDir, name+".log"),
			healthPort:  framework.FreePort(t),
			metricsPort: framework.FreePort(t),
		}
		r.args = []string{
			binary,
			"--kubeconfig", f.Cluster.Kubeconfig(),
			"--health-bind-address", fmt.Sprintf("127.0.0.1:%d", r.healthPort),
			"--metrics-bind-address", fmt.Sprintf("127.0.0.1:%d", r.metricsPort),
			// The invariants scrape the leader without a token.
			"--metrics-secure=false",
			"--leader-elect=true",
			"--leader-elect-namespace=" + f.Namespace,
			"--leader-elect-name=" + leaseName,
			"--leader-elect-lease-duration=" + leaseDuration.String(),
			"--leader-elect-renew-deadline=" + renewDeadline.String(),
			"--leader-elect-retry-period=" + retryPeriod.String(),
			"--unfreeze-timeout=" + unfreezeTimeout.String(),
			"--api-poll-interval=1s",
			"--kube-api-qps=200", "--kube-api-burst=400",
			"--v=4",
		}
		if err := r.start(); err != nil {
			t.Fatalf("starting %s: %v", name, err)
		}
		set.replicas = append(set.replicas, r)
		set.wg.Go(func() { set.supervise(r) })
	}
	t.Cleanup(set.stopAll)
	return set
}

func (r *replica) start() error {
	logFile, err := os.OpenFile(r.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	info, err := logFile.Stat()
	if err != nil {
		logFile.Close()
		return err
	}
	cmd := exec.Command(r.args[0], r.args[1:]...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// A test binary killed by its timeout takes its replicas with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return err
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logFile.Close()
		close(exited)
	}()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cmd, r.exited, r.logOffset, r.identity, r.killedOnPurpose = cmd, exited, info.Size(), "", false
	r.starts++
	return nil
}

// supervise starts the replica again each time it exits, until stopAll.
func (s *replicaSet) supervise(r *replica) {
	for {
		r.mu.Lock()
		exited := r.exited
		r.mu.Unlock()
		select {
		case <-s.stop:
			return
		case <-exited:
		}
		r.mu.Lock()
		if !r.killedOnPurpose {
			r.selfExits = append(r.selfExits, fmt.Sprintf("%s: %v", time.Now().Format(time.TimeOnly), r.cmd.ProcessState))
		}
		r.mu.Unlock()
		select {
		case <-s.stop:
			return
		case <-time.After(restartDelay):
		}
		if err := r.start(); err != nil {
			s.t.Errorf("restarting %s: %v", r.name, err)
			return
		}
	}
}

// stopAll ends the supervision and kills every replica.
func (s *replicaSet) stopAll() {
	select {
	case <-s.stop:
		return
	default:
	}
	close(s.stop)
	s.wg.Wait()
	for _, r := range s.replicas {
		r.kill()
	}
}

// signal sends SIGSTOP or SIGCONT to the replica's process.
func (r *replica) signal(sig syscall.Signal) {
	r.mu.Lock()
	defer r.mu.Unlock()
	_ = r.cmd.Process.Signal(sig)
}

// kill SIGKILLs the replica's process and waits until it is gone; its
// supervisor starts a new one.
func (r *replica) kill() {
	r.mu.Lock()
	exited := r.exited
	r.killedOnPurpose = true
	_ = r.cmd.Process.Signal(syscall.SIGKILL)
	r.mu.Unlock()
	<-exited
}

// currentIdentity is the leader election identity of the running process,
// read from its log once it wrote it; empty while no process runs, so
// that a Lease still naming a killed process matches no replica.
func (r *replica) currentIdentity() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	select {
	case <-r.exited:
		return ""
	default:
	}
	if r.identity != "" {
		return r.identity
	}
	file, err := os.Open(r.logPath)
	if err != nil {
		return ""
	}
	defer file.Close()
	if _, err := file.Seek(r.logOffset, io.SeekStart); err != nil {
		return ""
	}
	scanner := bufio.NewScanner(file)
	scanner.Buffer(make([]byte, 64<<10), 1<<20)
	for scanner.Scan() {
		if m := identityPattern.FindStringSubmatch(scanner.Text()); m != nil {
			r.identity = m[1]
			break
		}
	}
	return r.identity
}

// holder reads the Lease's holder identity.
func (s *replicaSet) holder(ctx context.Context) (string, error) {
	lease, err := s.f.Kube.CoordinationV1().Leases(s.f.Namespace).Get(ctx, leaseName, metav1.GetOptions{})
	if err != nil {
		return "", err
	}
	return ptr.Deref(lease.Spec.HolderIdentity, ""), nil
}

// leader waits until the Lease names the running process of a replica
// other than not (nil: any), and returns that replica.
func (s *replicaSet) leader(ctx context.Context, not *replica) (*replica, error) {
	var found *replica
	var lastHolder string
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, leaderTimeout, true, func(ctx context.Context) (bool, error) {
		holder, err := s.holder(ctx)
		if err != nil {
			return false, nil
		}
		lastHolder = holder
		for _, r := range s.replicas {
			if r != not && holder != "" && r.currentIdentity() == holder {
				found = r
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return nil, fmt.Errorf("no replica led within %s (lease holder %q)", leaderTimeout, lastHolder)
	}
	return found, nil
}

// scrape returns the replica's /metrics page.
func (r *replica) scrape(ctx context.Context) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d/metrics", r.metricsPort), nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return string(body), err
}

// panics returns the lines of the replica's whole log, every process of it,
// that mention a panic.
func (r *replica) panics() []string {
	file, err := os.Open(r.logPath)
	if err != nil {
		return []string{err.Error()}
	}
	defer file.Close()
	var lines []string
	scanner := bufio.NewScanner(file)
	scanner.Buffer(make([]byte, 64<<10), 1<<20)
	for scanner.Scan() {
		if strings.Contains(strings.ToLower(scanner.Text()), "panic") {
			lines = append(lines, scanner.Text())
		}
	}
	return lines
}
