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

package cli

import (
	"fmt"

	snapshotclient "github.com/kubernetes-csi/external-snapshotter/client/v8/clientset/versioned"
	"k8s.io/client-go/kubernetes"
	kubevirtclient "kubevirt.io/client-go/kubevirt"

	vmsnapclient "vmsnap.io/client-go/clientset/versioned"
)

// userAgent names the plugin in the apiserver's audit log.
const userAgent = "kubectl-vmsnap"

// Clients are the typed clients of every API the plugin reads or writes,
// and the namespace the command works in.
type Clients struct {
	Namespace string
	VMSnap    vmsnapclient.Interface
	Kube      kubernetes.Interface
	Virt      kubevirtclient.Interface
	Snapshots snapshotclient.Interface
}

// Clients builds the clients from kubectl's flags on first use.
func (o *Options) Clients() (*Clients, error) {
	if o.clients != nil {
		return o.clients, nil
	}
	config, err := o.configFlags.ToRESTConfig()
	if err != nil {
		return nil, fmt.Errorf("loading the kubeconfig: %w", err)
	}
	config.UserAgent = userAgent
	// A wait reads a few objects a tick; client-go's default of 5 a second
	// would slow the display, not protect the apiserver.
	config.QPS, config.Burst = 50, 100
	namespace, _, err := o.configFlags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return nil, fmt.Errorf("finding the namespace: %w", err)
	}
	c := &Clients{Namespace: namespace}
	if c.VMSnap, err = vmsnapclient.NewForConfig(config); err != nil {
		return nil, err
	}
	if c.Kube, err = kubernetes.NewForConfig(config); err != nil {
		return nil, err
	}
	if c.Virt, err = kubevirtclient.NewForConfig(config); err != nil {
		return nil, err
	}
	if c.Snapshots, err = snapshotclient.NewForConfig(config); err != nil {
		return nil, err
	}
	o.clients = c
	return c, nil
}
