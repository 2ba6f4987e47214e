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

package framework

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/klog/v2"

	"vmsnap.io/vmsnap/pkg/app"
)

const (
	// controllerStopTimeout bounds how long Stop waits for app.Run to return.
	controllerStopTimeout = 30 * time.Second
	// controllerReadyTimeout bounds how long Restart waits for /readyz.
	controllerReadyTimeout = time.Minute
)

// Controller is the vmsnap controller running in the test process through
// app.Run, as cmd/vmsnap-controller runs it. Stop and Start let a test
// crash and restart it: Stop cancels its context, which is what a killed
// process amounts to for everything outside it (no cleanup of its own runs
// after the cancel, the informers and the in-memory state are gone). Tests
// that stop it must not run in parallel with others.
type Controller struct {
	template *app.Options

	mu      sync.Mutex
	cancel  context.CancelFunc
	done    chan struct{}
	runErr  error
	healthz string
	metrics string
	// variant is set while the running controller is not the suite's own
	// (StartVariant); a test's cleanup puts the suite's back.
	variant bool
}

// Variant is a controller that differs from the suite's: other options, or
// a transport that tampers with its API calls.
type Variant struct {
	// Configure adjusts a copy of the suite's options.
	Configure func(*app.Options)
	// Wrap wraps every API client's transport.
	Wrap func(http.RoundTripper) http.RoundTripper
}

func newController(template *app.Options) *Controller {
	return &Controller{template: template}
}

// Start runs a fresh controller: new clients, informers, queues and
// in-memory state, on new health and metrics ports. It returns at once; see
// WaitReady.
func (c *Controller) Start() error {
	_, err := c.start(Variant{})
	return err
}

// StartVariant runs a fresh controller that differs from the suite's as v
// says. Tests use it through Framework.RunControllerVariant.
func (c *Controller) StartVariant(v Variant) error {
	_, err := c.start(v)
	return err
}

// StartWithKillSwitch runs a fresh controller that the kill switch stops
// right after the switch's chosen API write. The switch stops that run
// only, never one started after it.
func (c *Controller) StartWithKillSwitch(k *KillSwitch) error {
	cancel, err := c.start(Variant{Wrap: k.wrap})
	k.mu.Lock()
	k.onKill = cancel
	k.mu.Unlock()
	return err
}

func (c *Controller) start(v Variant) (context.CancelFunc, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cancel != nil {
		return nil, errors.New("the controller is already running")
	}
	healthPort, err := freePort()
	if err != nil {
		return nil, err
	}
	metricsPort, err := freePort()
	if err != nil {
		return nil, err
	}
	o := *c.template
	// A variant that sets a gate must not set it for the suite's controller.
	o.FeatureGates = o.FeatureGates.DeepCopy()
	if v.Configure != nil {
		v.Configure(&o)
	}
	o.HealthAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(healthPort))
	o.MetricsAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(metricsPort))
	o.MetricsSecure = false
	o.WrapTransport = v.Wrap
	c.variant = v.Configure != nil || v.Wrap != nil

	ctx, cancel := context.WithCancel(context.Background())
	ctx = klog.NewContext(ctx, klog.Background().WithName("vmsnap-controller"))
	done := make(chan struct{})
	c.cancel, c.done, c.runErr = cancel, done, nil
	c.healthz = "http://" + o.HealthAddr
	c.metrics = "http://" + o.MetricsAddr + "/metrics"
	go func() {
		defer close(done)
		err := app.Run(ctx, &o)
		if err != nil {
			klog.FromContext(ctx).Error(err, "The in-process controller exited")
		}
		c.mu.Lock()
		c.runErr = err
		c.mu.Unlock()
	}()
	return cancel, nil
}

// MetricsURL is the running controller's /metrics (plain HTTP); each Start
// serves it on another port.
func (c *Controller) MetricsURL() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.metrics
}

// Stop cancels the controller and waits until app.Run returned. Stopping a
// stopped controller does nothing.
func (c *Controller) Stop() {
	c.mu.Lock()
	cancel, done := c.cancel, c.done
	c.cancel = nil
	c.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	select {
	case <-done:
	case <-time.After(controllerStopTimeout):
		klog.Background().Info("The in-process controller did not stop in time; going on without it", "timeout", controllerStopTimeout)
	}
}

// Restart stops the controller and starts a new one, and waits until it is
// ready.
func (c *Controller) Restart(ctx context.Context) error {
	c.Stop()
	if err := c.Start(); err != nil {
		return err
	}
	return c.WaitReady(ctx)
}

// Variant reports whether the running controller is not the suite's own.
func (c *Controller) Variant() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.variant
}

// Running reports whether the controller was started and not stopped.
func (c *Controller) Running() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cancel != nil
}

// WaitReady waits until the controller's /readyz answers ok, which it does
// once its informers synced and its controllers run.
func (c *Controller) WaitReady(ctx context.Context) error {
	c.mu.Lock()
	url, done := c.healthz+"/readyz", c.done
	c.mu.Unlock()
	if done == nil {
		return errors.New("the controller was never started")
	}
	client := &http.Client{Timeout: 2 * time.Second}
	var last string
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, controllerReadyTimeout, true, func(ctx context.Context) (bool, error) {
		select {
		case <-done:
			return false, fmt.Errorf("the controller exited: %v", c.exitError())
		default:
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return false, err
		}
		resp, err := client.Do(req)
		if err != nil {
			last = err.Error()
			return false, nil
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		last = fmt.Sprintf("%s: %s", resp.Status, body)
		return resp.StatusCode == http.StatusOK, nil
	})
	if err != nil {
		return fmt.Errorf("waiting for the controller's /readyz (last answer: %s): %w", last, err)
	}
	return nil
}

func (c *Controller) exitError() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.runErr
}

// freePort asks the kernel for a loopback port that is free now. Should
// another process take it before the controller binds it, the controller
// exits and WaitReady says so.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// FreePort is freePort for a test that runs a controller binary itself.
func FreePort(t testing.TB) int {
	t.Helper()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	return port
}
