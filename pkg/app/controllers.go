package app

import (
	"k8s.io/utils/clock"

	"vmsnap.io/vmsnap/pkg/content"
	"vmsnap.io/vmsnap/pkg/controller"
	"vmsnap.io/vmsnap/pkg/vmsnapshot"
)

// runnable is a controller with its number of workers.
type runnable struct {
	controller Controller
	workers    int
}

// newControllers builds every enabled controller, each with its own named
// queue. Building registers the informers they need with the factories, so
// it must happen before the factories start.
func newControllers(cc *ControllerContext) (map[string]runnable, error) {
	o := cc.Options
	snapshots := cc.VMSnapInformers.Snapshot().V1alpha1()
	volumeSnapshots := cc.SnapshotInformers.Snapshot().V1()
	realClock := clock.RealClock{}

	vmSnapshots, err := vmsnapshot.New(vmsnapshot.Config{
		Client:          cc.Clients.VMSnap,
		SnapshotClient:  cc.Clients.Snapshot,
		KubeVirt:        cc.Clients.KubeVirt,
		Kube:            cc.Clients.Kube,
		Snapshots:       snapshots.VirtualMachineSnapshots(),
		Contents:        snapshots.VirtualMachineSnapshotContents(),
		KubeVirtFactory: cc.KubeVirtInformers,
		Claims:          cc.KubeInformers.Core().V1().PersistentVolumeClaims(),
		StorageClasses:  cc.KubeInformers.Storage().V1().StorageClasses(),
		VolumeSnapshots: volumeSnapshots.VolumeSnapshots(),
		SnapshotClasses: volumeSnapshots.VolumeSnapshotClasses(),
		APIs:            cc.APIs,
		Recorder:        cc.Recorder,
		Clock:           realClock,
		Queue:           controller.NewQueue(vmsnapshot.ControllerName, cc.Workqueue),
		Freezer:         cc.Freezer,
		Metrics:         cc.Operations,
	})
	if err != nil {
		return nil, err
	}
	contents, err := content.New(cc.Clients.VMSnap, snapshots.VirtualMachineSnapshotContents(), volumeSnapshots.VolumeSnapshots(),
		controller.NewQueue(content.ControllerName, cc.Workqueue), realClock)
	if err != nil {
		return nil, err
	}
	return map[string]runnable{
		vmsnapshot.ControllerName: {vmSnapshots, o.SnapshotWorkers},
		content.ControllerName:    {contents, o.ContentWorkers},
	}, nil
}
