// Package app wires the vmsnap controller process together: clients, shared
// informer factories, API discovery, leader election, the metrics and health
// servers, and the controllers. It holds no snapshot logic of its own.
package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"slices"
	"sync/atomic"
	"time"

	groupsnapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumegroupsnapshot/v1"
	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	snapshotinformers "github.com/kubernetes-csi/external-snapshotter/client/v8/informers/externalversions"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/uuid"
	kubeinformers "k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/client-go/tools/record"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
	vmsnapscheme "vmsnap.io/client-go/clientset/versioned/scheme"
	vmsnapinformers "vmsnap.io/client-go/informers/externalversions"

	"vmsnap.io/vmsnap/pkg/apiwatch"
	"vmsnap.io/vmsnap/pkg/controller"
	"vmsnap.io/vmsnap/pkg/freeze"
	"vmsnap.io/vmsnap/pkg/health"
	"vmsnap.io/vmsnap/pkg/kubevirtinformers"
	"vmsnap.io/vmsnap/pkg/metrics"
	"vmsnap.io/vmsnap/pkg/schedule"
	"vmsnap.io/vmsnap/pkg/serving"
)

// Resources the controller needs. Ours must be served before it starts; the
// others are watched and their features start when they appear.
var (
	ownResources = []schema.GroupVersionResource{
		snapshotapi.SchemeGroupVersion.WithResource("virtualmachinesnapshots"),
		snapshotapi.SchemeGroupVersion.WithResource("virtualmachinesnapshotcontents"),
		snapshotapi.SchemeGroupVersion.WithResource("virtualdisksnapshots"),
		snapshotapi.SchemeGroupVersion.WithResource("virtualmachinerestores"),
		snapshotapi.SchemeGroupVersion.WithResource("virtualmachinesnapshotschedules"),
	}
	volumeSnapshotResources = []schema.GroupVersionResource{
		snapshotv1.SchemeGroupVersion.WithResource("volumesnapshots"),
		snapshotv1.SchemeGroupVersion.WithResource("volumesnapshotclasses"),
	}
	// groupSnapshotResources are optional: without them, disks are cut
	// one by one.
	groupSnapshotResources = []schema.GroupVersionResource{
		groupsnapshotv1.SchemeGroupVersion.WithResource("volumegroupsnapshots"),
		groupsnapshotv1.SchemeGroupVersion.WithResource("volumegroupsnapshotcontents"),
		groupsnapshotv1.SchemeGroupVersion.WithResource("volumegroupsnapshotclasses"),
	}
	kubeVirtResources = []schema.GroupVersionResource{
		kubevirtinformers.VirtualMachinesResource,
		kubevirtinformers.VirtualMachineInstancesResource,
	}
)

// Controller is one control loop, started once this replica leads.
type Controller interface {
	Run(ctx context.Context, workers int)
}

// ControllerContext is what the controllers are built from.
type ControllerContext struct {
	Options   *Options
	Clients   *Clients
	APIs      *apiwatch.Watcher
	Recorder  record.EventRecorder
	Registry  prometheus.Registerer
	Workqueue *metrics.WorkqueueProvider
	// Operations records finished snapshots and restores; Freezer is the
	// one guest freezer of the process, shared by every snapshot controller.
	Operations *metrics.Operations
	Freezer    *freeze.Freezer
	// ScheduleRuns counts what schedule runs did.
	ScheduleRuns *metrics.ScheduleRuns

	VMSnapInformers   vmsnapinformers.SharedInformerFactory
	KubeInformers     kubeinformers.SharedInformerFactory
	SnapshotInformers snapshotinformers.SharedInformerFactory
	// GroupSnapshotInformers is a factory of its own: it starts when the
	// VolumeGroupSnapshot API is served, which may be never.
	GroupSnapshotInformers snapshotinformers.SharedInformerFactory
	KubeVirtInformers      *kubevirtinformers.Factory
}

// Run runs the controller process until ctx is done or leadership is lost.
func Run(ctx context.Context, o *Options) error {
	if err := o.Validate(); err != nil {
		return err
	}
	logger := klog.FromContext(ctx)

	cfg, err := restConfig(o)
	if err != nil {
		return err
	}
	// Metrics requests are reviewed by every replica, leader or not: their
	// client stays outside the lease fence.
	reviewCfg := rest.CopyConfig(cfg)
	var fence *leaseFence
	if o.LeaderElection.Enabled {
		fence = newLeaseFence(o.LeaderElection.RenewDeadline, clock.RealClock{})
		cfg.Wrap(fence.wrap)
	}
	clients, err := NewClients(cfg)
	if err != nil {
		return err
	}

	reg := metrics.NewRegistry()
	metrics.RegisterClientGoMetrics(reg)

	watched := append(append(append([]schema.GroupVersionResource{}, ownResources...), volumeSnapshotResources...), kubeVirtResources...)
	watched = append(watched, groupSnapshotResources...)
	watched = append(watched, kubevirtinformers.DataVolumesResource)
	apis := apiwatch.New(clients.Kube.Discovery(), o.APIPollInterval, watched...)

	var readyz, healthz health.Checks
	healthz.Add("ping", func() error { return nil })
	readyz.Add("vmsnap-api", func() error { return apis.Missing(ownResources...) })
	readyz.Add("volumesnapshot-api", func() error {
		if err := apis.Missing(volumeSnapshotResources...); err != nil {
			return fmt.Errorf("%w; install the CSI snapshot CRDs and snapshot-controller (VolumeSnapshot API v1)", err)
		}
		return nil
	})
	readyz.Add("kubevirt-api", func() error { return apis.Missing(kubeVirtResources...) })
	// A standby is ready: it waits for the lease, by design. The leader is
	// ready only once its caches synced and its controllers run.
	var leading, started atomic.Bool
	readyz.Add("controllers", func() error {
		if leading.Load() && !started.Load() {
			return errors.New("this replica leads, but its controllers have not started yet (waiting for the vmsnap API or for caches to sync)")
		}
		return nil
	})

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	if err := serve(ctx, o.HealthAddr, healthMux(&healthz, &readyz), nil, cancel); err != nil {
		return err
	}
	metricsHandler, metricsTLS, err := secureMetrics(ctx, o, reviewCfg, metricsMux(reg, o.EnablePprof))
	if err != nil {
		return err
	}
	if err := serve(ctx, o.MetricsAddr, metricsHandler, metricsTLS, cancel); err != nil {
		return err
	}
	go apis.Run(ctx)

	cc := &ControllerContext{
		Options:                o,
		Clients:                clients,
		APIs:                   apis,
		Registry:               reg,
		Workqueue:              metrics.NewWorkqueueProvider(reg),
		Operations:             metrics.NewOperations(reg),
		ScheduleRuns:           metrics.NewScheduleRuns(reg),
		VMSnapInformers:        vmsnapinformers.NewSharedInformerFactoryWithOptions(clients.VMSnap, o.ResyncPeriod, vmsnapinformers.WithTransform(controller.DropManagedFields)),
		KubeInformers:          kubeinformers.NewSharedInformerFactoryWithOptions(clients.Kube, o.ResyncPeriod, kubeinformers.WithTransform(controller.DropManagedFields)),
		SnapshotInformers:      snapshotinformers.NewSharedInformerFactoryWithOptions(clients.Snapshot, o.ResyncPeriod, snapshotinformers.WithTransform(controller.DropManagedFields)),
		GroupSnapshotInformers: snapshotinformers.NewSharedInformerFactoryWithOptions(clients.Snapshot, o.ResyncPeriod, snapshotinformers.WithTransform(controller.DropManagedFields)),
		KubeVirtInformers:      kubevirtinformers.NewFactory(clients.KubeVirt, clients.CDI, o.ResyncPeriod),
	}
	cc.Freezer = freeze.NewFreezer(clients.KubeVirt, clock.RealClock{}, o.UnfreezeTimeout, cc.Operations)
	cc.Freezer.LimitFrozen(o.MaxFrozenVMs)
	reg.MustRegister(metrics.NewStateCollector(objectStates(cc), cc.Freezer.FrozenVMs, time.Now))
	reg.MustRegister(metrics.NewRecoveryPointCollector(schedule.RecoveryPoints(
		cc.VMSnapInformers.Snapshot().V1alpha1().VirtualMachineSnapshotSchedules().Lister(), o.MinScheduleInterval, time.Now)))
	broadcaster := record.NewBroadcaster(record.WithContext(ctx))
	broadcaster.StartStructuredLogging(3)
	broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: clients.Kube.CoreV1().Events("")})
	defer broadcaster.Shutdown()
	cc.Recorder = broadcaster.NewRecorder(eventScheme(), corev1.EventSource{Component: userAgent})

	leader := metrics.NewLeaderGauge(reg)
	lead := func(ctx context.Context) {
		leader.Set(1)
		leading.Store(true)
		defer func() {
			leader.Set(0)
			leading.Store(false)
			started.Store(false)
		}()
		if err := runControllers(ctx, cc, func() { started.Store(true) }); err != nil && ctx.Err() == nil {
			cancel(err)
		}
	}
	if !o.LeaderElection.Enabled {
		lead(ctx)
	} else if err := runWithLeaderElection(ctx, o, clients, fence, &healthz, &readyz, lead); err != nil {
		return err
	}
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	logger.Info("Stopped")
	return nil
}

// runControllers waits for the vmsnap API, starts the informers and every
// controller, and blocks until ctx is done.
func runControllers(ctx context.Context, cc *ControllerContext, onStarted func()) error {
	logger := klog.FromContext(ctx)
	logger.Info("Waiting for the snapshot.vmsnap.io API to be served")
	for apis := cc.APIs; apis.Missing(ownResources...) != nil; {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
			apis.Poll(ctx)
		}
	}

	controllers, err := newControllers(cc)
	if err != nil {
		return err
	}

	cc.VMSnapInformers.Start(ctx.Done())
	cc.KubeInformers.Start(ctx.Done())
	go startWhenServed(ctx, cc.APIs, volumeSnapshotResources, func() { cc.SnapshotInformers.Start(ctx.Done()) })
	go startWhenServed(ctx, cc.APIs, groupSnapshotResources, func() { cc.GroupSnapshotInformers.Start(ctx.Done()) })
	go startWhenServed(ctx, cc.APIs, kubeVirtResources, func() { cc.KubeVirtInformers.Start(ctx, kubeVirtResources...) })
	go startWhenServed(ctx, cc.APIs, []schema.GroupVersionResource{kubevirtinformers.DataVolumesResource}, func() {
		cc.KubeVirtInformers.Start(ctx, kubevirtinformers.DataVolumesResource)
	})

	for kind, synced := range cc.VMSnapInformers.WaitForCacheSync(ctx.Done()) {
		if !synced {
			return fmt.Errorf("cache of %v did not sync", kind)
		}
	}
	for kind, synced := range cc.KubeInformers.WaitForCacheSync(ctx.Done()) {
		if !synced {
			return fmt.Errorf("cache of %v did not sync", kind)
		}
	}

	for name, c := range controllers {
		logger.Info("Starting controller", "controller", name, "workers", c.workers)
		go c.controller.Run(ctx, c.workers)
	}
	onStarted()
	logger.Info("Controllers started", "count", len(controllers))
	<-ctx.Done()
	return nil
}

// startWhenServed calls start once every resource has been served.
func startWhenServed(ctx context.Context, apis *apiwatch.Watcher, resources []schema.GroupVersionResource, start func()) {
	for _, r := range resources {
		select {
		case <-ctx.Done():
			return
		case <-apis.Appeared(r):
		}
	}
	start()
}

func runWithLeaderElection(ctx context.Context, o *Options, clients *Clients, fence *leaseFence, healthz, readyz *health.Checks,
	lead func(context.Context),
) error {
	logger := klog.FromContext(ctx)
	hostname, err := os.Hostname()
	if err != nil {
		return fmt.Errorf("getting the hostname for the leader election identity: %w", err)
	}
	identity := hostname + "_" + string(uuid.NewUUID())
	leaseLock, err := resourcelock.New(resourcelock.LeasesResourceLock,
		o.LeaderElection.Namespace, o.LeaderElection.Name,
		clients.Kube.CoreV1(), clients.Kube.CoordinationV1(),
		resourcelock.ResourceLockConfig{Identity: identity})
	if err != nil {
		return err
	}
	lock := newAdvisingLock(leaseLock, o.LeaderElection.Namespace, o.LeaderElection.Name, logger)
	lock.fence = fence
	readyz.Add("leader-election", lock.Problem)
	watchdog := leaderelection.NewLeaderHealthzAdaptor(20 * time.Second)
	healthz.Add("leader-election", func() error { return watchdog.Check(nil) })

	elector, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock:            lock,
		LeaseDuration:   o.LeaderElection.LeaseDuration,
		RenewDeadline:   o.LeaderElection.RenewDeadline,
		RetryPeriod:     o.LeaderElection.RetryPeriod,
		ReleaseOnCancel: true,
		Name:            o.LeaderElection.Name,
		WatchDog:        watchdog,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(ctx context.Context) {
				logger.Info("Started leading", "identity", identity)
				lead(ctx)
			},
			OnStoppedLeading: func() {
				logger.Info("Stopped leading", "identity", identity)
			},
			OnNewLeader: func(current string) {
				if current != identity {
					logger.Info("Another replica leads", "leader", current)
				}
			},
		},
	})
	if err != nil {
		return err
	}
	logger.Info("Waiting to lead", "lease", klog.KRef(o.LeaderElection.Namespace, o.LeaderElection.Name), "identity", identity)
	elector.Run(ctx)
	if ctx.Err() == nil {
		return errors.New("leader election lost")
	}
	return nil
}

func eventScheme() *runtime.Scheme {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, vmsnapscheme.AddToScheme} {
		if err := add(scheme); err != nil {
			panic(err)
		}
	}
	return scheme
}

func healthMux(healthz, readyz *health.Checks) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("/healthz", healthz)
	mux.Handle("/livez", healthz)
	mux.Handle("/readyz", readyz)
	return mux
}

func metricsMux(reg *prometheus.Registry, enablePprof bool) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	if enablePprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	return mux
}

// reviewQPS and reviewBurst limit the metrics server's TokenReviews and
// SubjectAccessReviews. Their client has its own limiter: a flood of
// requests with made-up tokens must not slow the controllers' calls.
const (
	reviewQPS   = 20
	reviewBurst = 40
)

// secureMetrics puts handler behind authentication and authorization and
// returns the TLS configuration to serve it with, unless --metrics-secure is
// off (the handler is then served as it is, over plain HTTP on loopback).
func secureMetrics(ctx context.Context, o *Options, cfg *rest.Config, handler http.Handler) (http.Handler, *tls.Config, error) {
	if !o.MetricsSecure || o.MetricsAddr == "0" || o.MetricsAddr == "" {
		return handler, nil, nil
	}
	logger := klog.FromContext(ctx)
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = reviewQPS, reviewBurst
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, nil, err
	}
	handler = serving.NewAuthorizer(client, clock.RealClock{}).Wrap(handler)

	if o.MetricsCertFile != "" {
		tlsConfig, err := serving.FileTLSConfig(o.MetricsCertFile, o.MetricsKeyFile, clock.RealClock{}, logger)
		return handler, tlsConfig, err
	}
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	if name, err := os.Hostname(); err == nil {
		hosts = append(hosts, name)
	}
	if host, _, err := net.SplitHostPort(o.MetricsAddr); err == nil && host != "" && !slices.Contains(hosts, host) {
		hosts = append(hosts, host)
	}
	tlsConfig, err := serving.SelfSignedTLSConfig(hosts, time.Now())
	if err != nil {
		return nil, nil, fmt.Errorf("making a self-signed metrics certificate: %w", err)
	}
	logger.Info("Serving metrics with a self-signed certificate; mount one and set --metrics-cert-file and --metrics-key-file for scrapers to verify", "hosts", hosts)
	return handler, tlsConfig, nil
}

// serve listens on addr ("0" disables) and serves until ctx is done, over
// TLS when tlsConfig is set. A server that fails after start cancels the
// process.
func serve(ctx context.Context, addr string, handler http.Handler, tlsConfig *tls.Config, fail context.CancelCauseFunc) error {
	if addr == "0" || addr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, TLSConfig: tlsConfig}
	klog.FromContext(ctx).Info("Serving", "address", ln.Addr().String(), "https", tlsConfig != nil)
	go func() {
		var err error
		if tlsConfig != nil {
			err = srv.ServeTLS(ln, "", "")
		} else {
			err = srv.Serve(ln)
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			fail(fmt.Errorf("server on %s: %w", addr, err))
		}
	}()
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}()
	return nil
}
