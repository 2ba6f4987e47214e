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

import "context"

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
