package fakevirtapi

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	admissionregistrationv1ac "k8s.io/client-go/applyconfigurations/admissionregistration/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
	virtv1 "kubevirt.io/api/core/v1"
)

const (
	fieldManager = "vmsnap-fake-virtapi"
	// availableTimeout bounds the wait for the aggregator to reach the
	// server; it takes about a second.
	availableTimeout = time.Minute
)

var applyOptions = metav1.ApplyOptions{FieldManager: fieldManager, Force: true}

var apiServiceResource = schema.GroupVersionResource{Group: "apiregistration.k8s.io", Version: "v1", Resource: "apiservices"}

// APIServiceName is the name of the APIService that Register creates.
const APIServiceName = Version + "." + Group

// Register makes the cluster's aggregator proxy Group/Version to a server
// listening on localhost:port whose serving certificate caPEM signed, and
// waits until the aggregator reports the API available. It creates or
// updates the Namespace, an ExternalName Service pointing at localhost, and
// the APIService.
//
// Call Unregister before the server stops: an APIService whose server is
// gone makes discovery incomplete, which stalls namespace deletion in the
// whole cluster.
func Register(ctx context.Context, config *rest.Config, port int, caPEM []byte) error {
	logger := klog.FromContext(ctx)
	client, dynamicClient, err := newClients(config)
	if err != nil {
		return err
	}
	if err := applyService(ctx, client, port); err != nil {
		return err
	}
	if _, err := dynamicClient.Resource(apiServiceResource).Apply(ctx, APIServiceName, apiService(port, caPEM), applyOptions); err != nil {
		return fmt.Errorf("applying APIService %s: %w", APIServiceName, err)
	}

	logger.Info("Waiting for the aggregator to reach the server", "apiService", APIServiceName, "port", port)
	var lastMessage string
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, availableTimeout, true, func(ctx context.Context) (bool, error) {
		current, err := dynamicClient.Resource(apiServiceResource).Get(ctx, APIServiceName, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		available, message := availableCondition(current)
		lastMessage = message
		return available, nil
	})
	if err != nil {
		return fmt.Errorf("APIService %s did not become available (%s): %w", APIServiceName, lastMessage, err)
	}
	return nil
}

// The ValidatingWebhookConfiguration that RegisterVMValidator creates and
// its one webhook, named as KubeVirt names virt-api's.
const (
	ValidatorName          = "virt-api-validator"
	VMValidatorWebhookName = "virtualmachine-validator.kubevirt.io"
	// webhookTimeoutSeconds is what KubeVirt gives its webhooks.
	webhookTimeoutSeconds = 10
	// probeVMName names the VM whose dry-run creation shows that the
	// apiserver calls the webhook.
	probeVMName = "vmsnap-webhook-probe"
)

// RegisterVMValidator makes the cluster's apiserver send every create and
// update of a VirtualMachine (not of its status) to the started server for
// validation, as KubeVirt registers virt-api's VirtualMachine validator in
// v1.9 (pkg/virt-operator/resource/generate/components/webhooks.go,
// "virtualmachine-validator.kubevirt.io" in "virt-api-validator"), and
// waits until the apiserver calls it.
//
// The webhook names the Service that Register makes (it makes it too):
// the apiserver resolves a webhook's Service as the aggregator does, an
// ExternalName one to its external name, and checks the certificate for
// the Service's name, as for the APIService. So the webhook is reached
// exactly as KubeVirt's is, through a Service.
//
// Call Unregister before the server stops: with failurePolicy Fail, a
// webhook whose server is gone refuses every VM create and update in the
// cluster.
func (s *Server) RegisterVMValidator(ctx context.Context, config *rest.Config) error {
	port, caPEM := s.Port(), s.CACertPEM()
	if port == 0 {
		return errors.New("registering the VirtualMachine validator: the server is not started")
	}
	client, dynamicClient, err := newClients(config)
	if err != nil {
		return err
	}
	if err := applyService(ctx, client, port); err != nil {
		return err
	}
	webhooks := client.AdmissionregistrationV1().ValidatingWebhookConfigurations()
	if _, err := webhooks.Apply(ctx, vmValidator(port, caPEM), applyOptions); err != nil {
		return fmt.Errorf("applying ValidatingWebhookConfiguration %s: %w", ValidatorName, err)
	}

	klog.FromContext(ctx).Info("Waiting for the apiserver to call the webhook", "webhook", VMValidatorWebhookName, "port", port)
	var lastErr error
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, availableTimeout, true, func(ctx context.Context) (bool, error) {
		reviewed := s.vmReviews.Load()
		lastErr = createProbeVM(ctx, dynamicClient)
		return lastErr == nil && s.vmReviews.Load() > reviewed, nil
	})
	if err != nil {
		return fmt.Errorf("the apiserver did not call webhook %s (last answer: %v): %w", VMValidatorWebhookName, lastErr, err)
	}
	return nil
}

// vmValidator is the ValidatingWebhookConfiguration; its webhook is
// KubeVirt's but for the versions: v1 alone, which also serves requests
// for KubeVirt's older v1alpha3, converted (matchPolicy Equivalent).
func vmValidator(port int, caPEM []byte) *admissionregistrationv1ac.ValidatingWebhookConfigurationApplyConfiguration {
	service := admissionregistrationv1ac.ServiceReference().
		WithNamespace(Namespace).WithName(ServiceName).WithPort(int32(port)).WithPath(VMValidatePath)
	rule := admissionregistrationv1ac.RuleWithOperations().
		WithOperations(admissionregistrationv1.Create, admissionregistrationv1.Update).
		WithAPIGroups(virtv1.SchemeGroupVersion.Group).
		WithAPIVersions(virtv1.SchemeGroupVersion.Version).
		WithResources(vmResource.Resource)
	return admissionregistrationv1ac.ValidatingWebhookConfiguration(ValidatorName).WithWebhooks(
		admissionregistrationv1ac.ValidatingWebhook().
			WithName(VMValidatorWebhookName).
			WithAdmissionReviewVersions("v1").
			WithFailurePolicy(admissionregistrationv1.Fail).
			WithSideEffects(admissionregistrationv1.SideEffectClassNone).
			WithTimeoutSeconds(webhookTimeoutSeconds).
			WithRules(rule).
			WithClientConfig(admissionregistrationv1ac.WebhookClientConfig().WithService(service).WithCABundle(caPEM...)))
}

// createProbeVM creates, in dry run, a VM that KubeVirt's schema accepts:
// nothing is stored, but the webhook is called.
func createProbeVM(ctx context.Context, dynamicClient dynamic.Interface) error {
	probe := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": virtv1.SchemeGroupVersion.String(),
		"kind":       "VirtualMachine",
		"metadata":   map[string]any{"name": probeVMName, "namespace": Namespace},
		"spec": map[string]any{
			"runStrategy": string(virtv1.RunStrategyHalted),
			"template":    map[string]any{"spec": map[string]any{"domain": map[string]any{"devices": map[string]any{}}}},
		},
	}}
	_, err := dynamicClient.Resource(vmResource).Namespace(Namespace).Create(ctx, probe, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	return err
}

// Unregister removes what Register and RegisterVMValidator created, except
// the shared namespace; the webhook goes first.
func Unregister(ctx context.Context, config *rest.Config) error {
	client, dynamicClient, err := newClients(config)
	if err != nil {
		return err
	}
	err = client.AdmissionregistrationV1().ValidatingWebhookConfigurations().Delete(ctx, ValidatorName, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting ValidatingWebhookConfiguration %s: %w", ValidatorName, err)
	}
	if err := dynamicClient.Resource(apiServiceResource).Delete(ctx, APIServiceName, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting APIService %s: %w", APIServiceName, err)
	}
	if err := client.CoreV1().Services(Namespace).Delete(ctx, ServiceName, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting service %s/%s: %w", Namespace, ServiceName, err)
	}
	return nil
}

// applyService makes the shared Namespace and the ExternalName Service
// through which the apiserver reaches the server on localhost:port.
func applyService(ctx context.Context, client kubernetes.Interface, port int) error {
	if _, err := client.CoreV1().Namespaces().Apply(ctx, corev1ac.Namespace(Namespace), applyOptions); err != nil {
		return fmt.Errorf("applying namespace %s: %w", Namespace, err)
	}
	service := corev1ac.Service(ServiceName, Namespace).WithSpec(corev1ac.ServiceSpec().
		WithType(corev1.ServiceTypeExternalName).
		WithExternalName("localhost").
		WithPorts(corev1ac.ServicePort().WithName("https").WithPort(int32(port))))
	if _, err := client.CoreV1().Services(Namespace).Apply(ctx, service, applyOptions); err != nil {
		return fmt.Errorf("applying service %s/%s: %w", Namespace, ServiceName, err)
	}
	return nil
}

func newClients(config *rest.Config) (kubernetes.Interface, dynamic.Interface, error) {
	client, err := kubernetes.NewForConfig(config)
	if err != nil {
		return nil, nil, err
	}
	dynamicClient, err := dynamic.NewForConfig(config)
	if err != nil {
		return nil, nil, err
	}
	return client, dynamicClient, nil
}

// apiService is the APIService for the server, as apiregistration.k8s.io/v1
// would serialise it. The priorities are KubeVirt's own for this group.
func apiService(port int, caPEM []byte) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiregistration.k8s.io/v1",
		"kind":       "APIService",
		"metadata":   map[string]any{"name": APIServiceName},
		"spec": map[string]any{
			"group":   Group,
			"version": Version,
			"service": map[string]any{
				"namespace": Namespace,
				"name":      ServiceName,
				"port":      int64(port),
			},
			"caBundle":             base64.StdEncoding.EncodeToString(caPEM),
			"groupPriorityMinimum": int64(1000),
			"versionPriority":      int64(15),
		},
	}}
}

// availableCondition reports the APIService's Available condition and its
// message.
func availableCondition(apiService *unstructured.Unstructured) (bool, string) {
	conditions, _, _ := unstructured.NestedSlice(apiService.Object, "status", "conditions")
	for _, c := range conditions {
		condition, ok := c.(map[string]any)
		if !ok || condition["type"] != "Available" {
			continue
		}
		message, _ := condition["message"].(string)
		return condition["status"] == "True", message
	}
	return false, "no Available condition yet"
}
