package restore

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/client-go/tools/cache"
	kubevirtv1 "kubevirt.io/api/core/v1"
)

// macIndex indexes VMs by the MACs their spec sets, and VMIs by the MACs
// they set or report.
const macIndex = "mac"

func indexByMAC(obj interface{}) ([]string, error) {
	var macs []string
	add := func(mac string) {
		if mac != "" {
			macs = append(macs, strings.ToLower(mac))
		}
	}
	switch o := obj.(type) {
	case *kubevirtv1.VirtualMachine:
		if o.Spec.Template != nil {
			for _, iface := range o.Spec.Template.Spec.Domain.Devices.Interfaces {
				add(iface.MacAddress)
			}
		}
	case *kubevirtv1.VirtualMachineInstance:
		for _, iface := range o.Spec.Domain.Devices.Interfaces {
			add(iface.MacAddress)
		}
		for _, iface := range o.Status.Interfaces {
			add(iface.MAC)
		}
	}
	return macs, nil
}

// addMACIndex indexes an informer's VMs or VMIs by MAC, unless another
// controller did already.
func addMACIndex(informer cache.SharedIndexInformer) error {
	if _, ok := informer.GetIndexer().GetIndexers()[macIndex]; ok {
		return nil
	}
	if err := informer.AddIndexers(cache.Indexers{macIndex: indexByMAC}); err != nil {
		return fmt.Errorf("indexing by MAC: %w", err)
	}
	return nil
}

// macUser names, as namespace/name, a VM other than the restore's target
// whose spec sets the MAC, or whose running instance uses it.
// The first in name order, so that the status names the same one each sync.
func (c *Controller) macUser(mac, namespace, target string) string {
	var users []string
	for _, indexer := range []cache.Indexer{c.vmIndexer, c.vmiIndexer} {
		objs, _ := indexer.ByIndex(macIndex, strings.ToLower(mac))
		for _, obj := range objs {
			if key, err := cache.MetaNamespaceKeyFunc(obj); err == nil && key != namespace+"/"+target {
				users = append(users, key)
			}
		}
	}
	if len(users) == 0 {
		return ""
	}
	return slices.Min(users)
}
