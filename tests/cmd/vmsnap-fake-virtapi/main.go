// Command vmsnap-fake-virtapi runs the test stand-in for KubeVirt's virt-api
// (tests/fakevirtapi) on its own, for demos and manual runs against the
// local test cluster.
//
// With --kubeconfig it registers itself as the cluster's
// subresources.kubevirt.io/v1 API and as KubeVirt's validating webhook for
// VirtualMachines (unless --vm-validator=false), answers only for VMIs that
// exist, run and have a connected guest agent, keeps their
// status.fsFreezeStatus, and removes the registrations on exit. With
// --control-addr it serves the control API (GET /calls, GET /windows,
// POST /behavior; see fakevirtapi.Server.ControlHandler) on that loopback
// address:
//
//	vmsnap-fake-virtapi --kubeconfig _output/cluster/kubeconfig --control-addr 127.0.0.1:18090
//	curl -s -XPOST 127.0.0.1:18090/behavior \
//	    -d '{"namespace":"demo","name":"vm1","behavior":{"freezeFailures":1}}'
//	curl -s 127.0.0.1:18090/calls
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"

	"vmsnap.io/vmsnap/tests/fakevirtapi"
)

func main() {
	klog.InitFlags(nil)
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the cluster to register with; no registration if empty")
	address := flag.String("address", "127.0.0.1:0", "loopback address to serve the API on")
	controlAddress := flag.String("control-addr", "", "loopback address to serve the control API on; none if empty")
	useVMIs := flag.Bool("vmis", true, "with --kubeconfig, answer as virt-api does for VMIs that are missing, not running or have no connected agent, and keep their status.fsFreezeStatus")
	vmValidator := flag.Bool("vm-validator", true, "with --kubeconfig, validate VirtualMachine creates and updates as virt-api's webhook does while a snapshot or restore holds the VM")
	flag.Parse()

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	if err := run(ctx, *kubeconfig, *address, *controlAddress, *useVMIs, *vmValidator); err != nil {
		klog.ErrorS(err, "vmsnap-fake-virtapi failed")
		klog.FlushAndExit(klog.ExitFlushTimeout, 1)
	}
}

func run(ctx context.Context, kubeconfig, address, controlAddress string, useVMIs, vmValidator bool) error {
	logger := klog.FromContext(ctx)
	for _, addr := range []string{address, controlAddress} {
		if err := requireLoopback(addr); err != nil {
			return err
		}
	}

	var config *rest.Config
	opts := fakevirtapi.Options{Address: address}
	if kubeconfig != "" {
		var err error
		if config, err = clientcmd.BuildConfigFromFlags("", kubeconfig); err != nil {
			return err
		}
		if useVMIs {
			if opts.VMIs, err = dynamic.NewForConfig(config); err != nil {
				return err
			}
			opts.ReportFreezeStatus = true
		}
	}

	server := fakevirtapi.New(opts)
	if err := server.Start(ctx); err != nil {
		return err
	}
	fmt.Printf("serving %s/%s on https://127.0.0.1:%d\n", fakevirtapi.Group, fakevirtapi.Version, server.Port())

	if controlAddress != "" {
		listener, err := net.Listen("tcp", controlAddress)
		if err != nil {
			return err
		}
		control := &http.Server{Handler: server.ControlHandler(), ReadHeaderTimeout: 10 * time.Second}
		go func() {
			if err := control.Serve(listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
				logger.Error(err, "Control API failed")
			}
		}()
		defer control.Close()
		fmt.Printf("control API on http://%s\n", listener.Addr())
	}

	if config != nil {
		if err := fakevirtapi.Register(ctx, config, server.Port(), server.CACertPEM()); err != nil {
			return err
		}
		defer unregister(config)
		fmt.Printf("registered APIService %s\n", fakevirtapi.APIServiceName)
		if vmValidator {
			if err := server.RegisterVMValidator(ctx, config); err != nil {
				return err
			}
			fmt.Printf("registered webhook %s in ValidatingWebhookConfiguration %s\n", fakevirtapi.VMValidatorWebhookName, fakevirtapi.ValidatorName)
		}
	}

	<-ctx.Done()
	return nil
}

// unregister runs after the signal, so it gets a context of its own.
func unregister(config *rest.Config) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := fakevirtapi.Unregister(ctx, config); err != nil {
		klog.ErrorS(err, "Removing the registration failed")
	}
}

func requireLoopback(address string) error {
	if address == "" {
		return nil
	}
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("address %s is not a loopback address", address)
	}
	return nil
}
