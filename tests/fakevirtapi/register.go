package fakevirtapi

import (
	"context"
	"encoding/base64"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
)

const (
	fieldManager = "vmsnap-fake-virtapi"
	// availableTimeout bounds the wait for the aggregator to reach the
	// server; it takes about a second.
	availableTimeout = time.Minute
)

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
	apply := metav1.ApplyOptions{FieldManager: fieldManager, Force: true}

	if _, err := client.CoreV1().Namespaces().Apply(ctx, corev1ac.Namespace(Namespace), apply); err != nil {
		return fmt.Errorf("applying namespace %s: %w", Namespace, err)
	}
	service := corev1ac.Service(ServiceName, Namespace).WithSpec(corev1ac.ServiceSpec().
		WithType(corev1.ServiceTypeExternalName).
		WithExternalName("localhost").
		WithPorts(corev1ac.ServicePort().WithName("https").WithPort(int32(port))))
	if _, err := client.CoreV1().Services(Namespace).Apply(ctx, service, apply); err != nil {
		return fmt.Errorf("applying service %s/%s: %w", Namespace, ServiceName, err)
	}
	if _, err := dynamicClient.Resource(apiServiceResource).Apply(ctx, APIServiceName, apiService(port, caPEM), apply); err != nil {
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

// Unregister removes what Register created, except the shared namespace.
func Unregister(ctx context.Context, config *rest.Config) error {
	client, dynamicClient, err := newClients(config)
	if err != nil {
		return err
	}
	if err := dynamicClient.Resource(apiServiceResource).Delete(ctx, APIServiceName, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting APIService %s: %w", APIServiceName, err)
	}
	if err := client.CoreV1().Services(Namespace).Delete(ctx, ServiceName, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting service %s/%s: %w", Namespace, ServiceName, err)
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
