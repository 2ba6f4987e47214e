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
	"context"
	"math/rand/v2"
	"syscall"
	"time"
)

// fault is one thing the chaos does to the control plane.
type fault string

const (
	killLeader       fault = "SIGKILL the leader"
	stopLeader       fault = "SIGSTOP the leader"
	restartAPIServer fault = "restart kube-apiserver"
)

const (
	// apiServerRestartTimeout bounds one restart of kube-apiserver.
	apiServerRestartTimeout = 2 * time.Minute
	// minFaultPause is the least time between two faults.
	minFaultPause = 500 * time.Millisecond
)

// faultPlan is the faults of a run, in a seeded random order: the kills,
// one stop of the leader per five kills (at least one), and one apiserver
// restart. No kills means no chaos at all.
func faultPlan(rng *rand.Rand, kills int) []fault {
	if kills == 0 {
		return nil
	}
	plan := []fault{restartAPIServer}
	for range kills {
		plan = append(plan, killLeader)
	}
	for range max(1, kills/5) {
		plan = append(plan, stopLeader)
	}
	rng.Shuffle(len(plan), func(i, j int) { plan[i], plan[j] = plan[j], plan[i] })
	return plan
}

// monkey carries out a fault plan against the replicas and the cluster.
type monkey struct {
	run      *chaosRun
	replicas *replicaSet
	rng      *rand.Rand
	maxPause time.Duration

	done map[fault]int
	// apiServerDowntime is how long each apiserver restart took.
	apiServerDowntime []time.Duration
}

func (m *monkey) carryOut(ctx context.Context, plan []fault) {
	m.done = map[fault]int{}
	for _, next := range plan {
		if !sleep(ctx, randomDuration(m.rng, minFaultPause, m.maxPause)) {
			return
		}
		switch next {
		case killLeader:
			m.killLeader(ctx)
		case stopLeader:
			m.stopLeader(ctx)
		case restartAPIServer:
			m.restartAPIServer(ctx)
		}
		m.done[next]++
		// The next fault hits a leader, so wait for one; none within the
		// bound is itself a violation.
		if _, err := m.replicas.leader(ctx, nil); err != nil {
			m.run.violation("after %s: %v", next, err)
		}
	}
}

func (m *monkey) killLeader(ctx context.Context) {
	leader, err := m.replicas.leader(ctx, nil)
	if err != nil {
		m.run.violation("before a kill: %v", err)
		return
	}
	m.run.logf("SIGKILL %s, the leader", leader.name)
	leader.kill()
}

// stopLeader makes a stale leader: stopped for longer than its lease, so
// that the other replica takes over, then continued while it still thinks
// it leads.
func (m *monkey) stopLeader(ctx context.Context) {
	leader, err := m.replicas.leader(ctx, nil)
	if err != nil {
		m.run.violation("before a stop: %v", err)
		return
	}
	stoppedFor := leaseDuration + randomDuration(m.rng, time.Second, 3*time.Second)
	m.run.logf("SIGSTOP %s, the leader, for %s", leader.name, stoppedFor)
	leader.signal(syscall.SIGSTOP)
	sleep(ctx, stoppedFor)
	next, err := m.replicas.leader(ctx, leader)
	if err != nil {
		m.run.violation("while %s was stopped: %v", leader.name, err)
	} else {
		m.run.logf("%s took over from the stopped %s", next.name, leader.name)
	}
	leader.signal(syscall.SIGCONT)
}

func (m *monkey) restartAPIServer(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, apiServerRestartTimeout)
	defer cancel()
	m.run.logf("restarting kube-apiserver")
	started := time.Now()
	if err := m.replicas.f.Cluster.RestartAPIServer(ctx); err != nil {
		m.run.violation("restarting kube-apiserver: %v", err)
		return
	}
	downtime := time.Since(started)
	m.apiServerDowntime = append(m.apiServerDowntime, downtime)
	m.run.logf("kube-apiserver ready again after %s", downtime.Round(100*time.Millisecond))
}

// randomDuration is uniform in [low, high).
func randomDuration(rng *rand.Rand, low, high time.Duration) time.Duration {
	if high <= low {
		return low
	}
	return low + time.Duration(rng.Int64N(int64(high-low)))
}

// sleep waits for d, or less if ctx ends; it reports whether ctx is alive.
func sleep(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}
