package app

import (
	"fmt"
	"net/http"

	snapshotclient "github.com/kubernetes-csi/external-snapshotter/client/v8/clientset/versioned"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	cdiclient "kubevirt.io/client-go/containerizeddataimporter"
	kubevirtclient "kubevirt.io/client-go/kubevirt"

	vmsnapclient "vmsnap.io/client-go/clientset/versioned"
)

// userAgent names the controller in the API server's logs, audit and metrics.
const userAgent = "vmsnap-controller"

// Clients are the API clients the controllers use, all from one REST config.
type Clients struct {
	Config   *rest.Config
	Kube     kubernetes.Interface
	VMSnap   vmsnapclient.Interface
	Snapshot snapshotclient.Interface
	KubeVirt kubevirtclient.Interface
	CDI      cdiclient.Interface
}

// restConfig loads the kubeconfig (or the in-cluster config) with the
// options' rate limits.
func restConfig(o *Options) (*rest.Config, error) {
	var (
		cfg *rest.Config
		err error
	)
	if o.Kubeconfig != "" {
		cfg, err = clientcmd.BuildConfigFromFlags("", o.Kubeconfig)
	} else {
		cfg, err = rest.InClusterConfig()
	}
	if err != nil {
		return nil, fmt.Errorf("loading the API server configuration: %w", err)
	}
	cfg = rest.CopyConfig(cfg)
	cfg.QPS = o.QPS
	cfg.Burst = o.Burst
	cfg.UserAgent = userAgent
	// The controller talks to an API server in its own cluster: gzip on
	// every watch event costs both ends more CPU than the bytes it saves.
	cfg.DisableCompression = !o.APICompression
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { return conflictLogger{next: rt} })
	if o.WrapTransport != nil {
		cfg.Wrap(o.WrapTransport)
	}
	return cfg, nil
}

// protobufContentType is what built-in Kubernetes types travel as: cheaper
// to decode than JSON. The project's, KubeVirt's and the snapshot CRDs are
// served as JSON only.
const protobufContentType = "application/vnd.kubernetes.protobuf"

// NewClients builds every client from cfg.
func NewClients(cfg *rest.Config) (*Clients, error) {
	c := &Clients{Config: cfg}
	var err error
	kubeCfg := rest.CopyConfig(cfg)
	kubeCfg.ContentType = protobufContentType
	kubeCfg.AcceptContentTypes = protobufContentType + ",application/json"
	if c.Kube, err = kubernetes.NewForConfig(kubeCfg); err != nil {
		return nil, err
	}
	if c.VMSnap, err = vmsnapclient.NewForConfig(cfg); err != nil {
		return nil, err
	}
	if c.Snapshot, err = snapshotclient.NewForConfig(cfg); err != nil {
		return nil, err
	}
	if c.KubeVirt, err = kubevirtclient.NewForConfig(cfg); err != nil {
		return nil, err
	}
	if c.CDI, err = cdiclient.NewForConfig(cfg); err != nil {
		return nil, err
	}
	return c, nil
}
