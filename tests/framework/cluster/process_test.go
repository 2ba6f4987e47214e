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
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestChildEnv(t *testing.T) {
	got := childEnv([]string{"PATH=/bin", "ETCD_NAME=x", "KUBECONFIG=/k", "HOME=/root", "MY_ETCD_X=1"})
	want := []string{"PATH=/bin", "HOME=/root", "MY_ETCD_X=1"}
	if !slices.Equal(got, want) {
		t.Errorf("childEnv = %v, want %v", got, want)
	}
}

func TestTailFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	var lines []string
	for i := range 100 {
		lines = append(lines, fmt.Sprintf("line %02d", i))
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got := tailFile(path, 20)
	if got != "line 98\nline 99\n" {
		t.Errorf("tail = %q, want the last whole lines", got)
	}
	if got := tailFile(path, 1<<20); !strings.HasPrefix(got, "line 00\n") {
		t.Errorf("tail of a short file lost its start: %q", got[:20])
	}
}

func shell(t *testing.T) string {
	t.Helper()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	return sh
}

func TestCrashReportsLogTail(t *testing.T) {
	logPath := filepath.Join(t.TempDir(), "crasher.log")
	p, err := launch("crasher", shell(t), []string{"-c", "echo starting; echo boom >&2; exit 3"}, logPath, false)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("crasher still running after 10s")
	}
	if !p.crashed() {
		t.Fatal("an unrequested exit is not reported as a crash")
	}
	msg := p.crashError().Error()
	for _, want := range []string{"crasher exited unexpectedly", "exit status 3", "boom"} {
		if !strings.Contains(msg, want) {
			t.Errorf("crash report %q lacks %q", msg, want)
		}
	}
}

func TestStopKillsProcessGroup(t *testing.T) {
	dir := t.TempDir()
	// The shell ignores SIGTERM and has a child: both must be gone after stop.
	p, err := launch("stubborn", shell(t), []string{"-c", "trap '' TERM; sleep 60 & echo $! > " + dir + "/child; wait"}, filepath.Join(dir, "log"), false)
	if err != nil {
		t.Fatal(err)
	}
	p.grace = 100 * time.Millisecond
	child := waitForPid(t, filepath.Join(dir, "child"))
	p.stop()
	if p.crashed() {
		t.Error("a requested stop is reported as a crash")
	}
	// SIGKILL is delivered asynchronously; give the kernel a moment.
	deadline := time.Now().Add(2 * time.Second)
	for processExists(child) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if processExists(child) {
		t.Errorf("child %d survived stop", child)
	}
}

func TestStopDetached(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep")
	}
	p, err := launch(Etcd, sleep, []string{"60"}, filepath.Join(dir, "logs", "etcd.log"), true)
	if err != nil {
		t.Fatal(err)
	}
	if err := writePidFile(dir, p); err != nil {
		t.Fatal(err)
	}
	// A stale pid file of something that no longer runs is cleaned up too.
	if err := os.WriteFile(pidFilePath(dir, CSIDriver), []byte("999999999 12345\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	if err := StopDetached(dir); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("detached process still running after StopDetached")
	}
	if records, _ := readPidFiles(dir); len(records) != 0 {
		t.Errorf("pid files left: %v", records)
	}
}

func TestPidRecordAlive(t *testing.T) {
	started, err := processStartTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if !(pidRecord{pid: os.Getpid(), started: started}).alive() {
		t.Error("this test binary is not recognised as alive")
	}
	if (pidRecord{pid: os.Getpid(), started: started + 1}).alive() {
		t.Error("a reused pid is taken for the recorded process")
	}
}

func waitForPid(t *testing.T, path string) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var pid int
		if data, err := os.ReadFile(path); err == nil {
			if _, err := fmt.Sscan(string(data), &pid); err == nil {
				return pid
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no pid in %s after 10s", path)
	return 0
}

func processExists(pid int) bool {
	// A zombie still answers signal 0 until reaped by its new parent.
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	return syscall.Kill(pid, 0) == nil && !strings.Contains(string(data), ") Z ")
}

func TestMissingBinaries(t *testing.T) {
	dir := t.TempDir()
	for _, name := range requiredBinaries[1:] {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if got := MissingBinaries(dir); !slices.Equal(got, requiredBinaries[:1]) {
		t.Errorf("MissingBinaries = %v, want %v", got, requiredBinaries[:1])
	}
}
