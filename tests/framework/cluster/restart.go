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
	"context"
	"fmt"
)

// RestartAPIServer stops kube-apiserver and starts it again on the same
// port, certificates and etcd, and waits until it is ready: what its clients
// see of an apiserver upgrade or crash. Everything it served is kept in etcd.
func (c *Cluster) RestartAPIServer(ctx context.Context) error {
	c.mu.Lock()
	p := c.processes[KubeAPIServer]
	delete(c.processes, KubeAPIServer)
	c.mu.Unlock()
	if p != nil {
		p.stop()
	}
	if err := c.launch(KubeAPIServer); err != nil {
		return err
	}
	return c.waitForAPIServer(ctx)
}

// RestartCSIDriver stops the CSI driver and starts it again on the same
// socket and state directory, to test what survives a driver restart. The
// provisioner and snapshotter exit when their driver connection drops, so
// they are restarted with it. With Config.SecondDriver, only the first
// driver restarts; RestartCSIDriverOf restarts either.
func (c *Cluster) RestartCSIDriver(ctx context.Context) error {
	return c.restartCSISet(ctx, c.sets[0])
}

// RestartCSIDriverOf is RestartCSIDriver for the named driver (DriverName,
// or SecondDriverName with Config.SecondDriver).
func (c *Cluster) RestartCSIDriverOf(ctx context.Context, driverName string) error {
	s := c.setOf(driverName)
	if s == nil {
		return fmt.Errorf("the cluster runs no CSI driver %s (it runs %v)", driverName, c.DriverNames())
	}
	return c.restartCSISet(ctx, s)
}

// restartCSISet stops a driver set's sidecars, then its driver, and starts
// them again in the opposite order once the driver listens.
func (c *Cluster) restartCSISet(ctx context.Context, s *csiSet) error {
	for _, name := range []string{s.snapshotter(), s.provisioner(), s.driver()} {
		c.mu.Lock()
		p := c.processes[name]
		delete(c.processes, name)
		c.mu.Unlock()
		if p != nil {
			p.stop()
		}
	}
	if err := c.launch(s.driver()); err != nil {
		return err
	}
	if err := c.waitForCSIDriver(ctx, s); err != nil {
		return err
	}
	return c.launchAll([]string{s.provisioner(), s.snapshotter()})
}
