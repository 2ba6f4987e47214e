package metrics

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"k8s.io/client-go/util/workqueue"
)

func TestWorkqueueMetricsAreLabelledByQueueName(t *testing.T) {
	reg := NewRegistry()
	provider := NewWorkqueueProvider(reg)
	queue := workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
		workqueue.TypedRateLimitingQueueConfig[string]{Name: "vmsnapshot", MetricsProvider: provider})
	defer queue.ShutDown()
	queue.Add("ns/a")
	queue.Add("ns/b")

	expected := `
# HELP vmsnap_workqueue_adds_total Total number of adds handled by the workqueue.
# TYPE vmsnap_workqueue_adds_total counter
vmsnap_workqueue_adds_total{name="vmsnapshot"} 2
# HELP vmsnap_workqueue_depth Current depth of the workqueue.
# TYPE vmsnap_workqueue_depth gauge
vmsnap_workqueue_depth{name="vmsnapshot"} 2
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(expected), "vmsnap_workqueue_adds_total", "vmsnap_workqueue_depth"); err != nil {
		t.Fatal(err)
	}
}

func TestClientGoMetricsRegisterWithEveryRegistry(t *testing.T) {
	for i := 0; i < 2; i++ {
		reg := NewRegistry()
		RegisterClientGoMetrics(reg) // must not panic on the second registry
		resultAdapter{requestResults}.Increment(t.Context(), "200", "GET", "")
		if n := testutil.CollectAndCount(requestResults); n == 0 {
			t.Fatal("no request results collected")
		}
	}
}
