package app

import (
	"k8s.io/utils/clock"

	"vmsnap.io/vmsnap/pkg/content"
	"vmsnap.io/vmsnap/pkg/controller"
	"vmsnap.io/vmsnap/pkg/disksnapshot"
	"vmsnap.io/vmsnap/pkg/features"
	"vmsnap.io/vmsnap/pkg/populator"
	"vmsnap.io/vmsnap/pkg/restore"
	"vmsnap.io/vmsnap/pkg/schedule"
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
	groups := cc.GroupSnapshotInformers.Groupsnapshot().V1()
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
		Queue: controller.NewLanesQueue(vmsnapshot.ControllerName, cc.Workqueue,
			vmsnapshot.UnderWay(snapshots.VirtualMachineSnapshots().Lister())),
		ThawQueue:              controller.NewQueue(vmsnapshot.ThawQueueName, cc.Workqueue),
		VolumeSnapshotContents: volumeSnapshots.VolumeSnapshotContents(),
		GroupSnapshots:         groups.VolumeGroupSnapshots(),
		GroupSnapshotContents:  groups.VolumeGroupSnapshotContents(),
		GroupSnapshotClasses:   groups.VolumeGroupSnapshotClasses(),
		Freezer:                cc.Freezer,
		Metrics:                cc.Operations,
	})
	if err != nil {
		return nil, err
	}
	contents, err := content.New(cc.Clients.VMSnap, snapshots.VirtualMachineSnapshotContents(), snapshots.VirtualMachineSnapshots(), volumeSnapshots.VolumeSnapshots(),
		controller.NewQueue(content.ControllerName, cc.Workqueue), realClock)
	if err != nil {
		return nil, err
	}
	// VirtualDiskSnapshots and the populator run with the gate off too: they
	// then only tell their objects that the feature is off.
	diskSnapshotsOn := o.FeatureGates.Enabled(features.VirtualDiskSnapshot)
	diskSnapshots, err := disksnapshot.New(disksnapshot.Config{
		Client:          cc.Clients.VMSnap,
		SnapshotClient:  cc.Clients.Snapshot,
		KubeVirt:        cc.Clients.KubeVirt,
		DiskSnapshots:   snapshots.VirtualDiskSnapshots(),
		KubeVirtFactory: cc.KubeVirtInformers,
		Claims:          cc.KubeInformers.Core().V1().PersistentVolumeClaims(),
		StorageClasses:  cc.KubeInformers.Storage().V1().StorageClasses(),
		VolumeSnapshots: volumeSnapshots.VolumeSnapshots(),
		SnapshotClasses: volumeSnapshots.VolumeSnapshotClasses(),
		APIs:            cc.APIs,
		Recorder:        cc.Recorder,
		Clock:           realClock,
		Queue:           controller.NewQueue(disksnapshot.ControllerName, cc.Workqueue),
		Freezer:         cc.Freezer,
		Metrics:         cc.Operations,
		Enabled:         diskSnapshotsOn,
	})
	if err != nil {
		return nil, err
	}
	diskPopulator, err := populator.New(populator.Config{
		Kube:            cc.Clients.Kube,
		Claims:          cc.KubeInformers.Core().V1().PersistentVolumeClaims(),
		Volumes:         cc.KubeInformers.Core().V1().PersistentVolumes(),
		StorageClasses:  cc.KubeInformers.Storage().V1().StorageClasses(),
		DiskSnapshots:   snapshots.VirtualDiskSnapshots(),
		VolumeSnapshots: volumeSnapshots.VolumeSnapshots(),
		APIs:            cc.APIs,
		Recorder:        cc.Recorder,
		Queue:           controller.NewQueue(populator.ControllerName, cc.Workqueue),
		Enabled:         diskSnapshotsOn,
	})
	if err != nil {
		return nil, err
	}

	// Restores run with the gate off too: they then only tell their objects
	// that the feature is off.
	restores, err := restore.New(restore.Config{
		Client:          cc.Clients.VMSnap,
		Kube:            cc.Clients.Kube,
		KubeVirt:        cc.Clients.KubeVirt,
		CDI:             cc.Clients.CDI,
		Restores:        snapshots.VirtualMachineRestores(),
		Snapshots:       snapshots.VirtualMachineSnapshots(),
		Contents:        snapshots.VirtualMachineSnapshotContents(),
		KubeVirtFactory: cc.KubeVirtInformers,
		Claims:          cc.KubeInformers.Core().V1().PersistentVolumeClaims(),
		VolumeSnapshots: volumeSnapshots.VolumeSnapshots(),
		APIs:            cc.APIs,
		Recorder:        cc.Recorder,
		Clock:           realClock,
		Queue:           controller.NewQueue(restore.ControllerName, cc.Workqueue),
		Metrics:         cc.Operations,
		Enabled:         o.FeatureGates.Enabled(features.Restore),
	})
	if err != nil {
		return nil, err
	}

	schedules, err := schedule.New(schedule.Config{
		Client:          cc.Clients.VMSnap,
		Schedules:       snapshots.VirtualMachineSnapshotSchedules(),
		Snapshots:       snapshots.VirtualMachineSnapshots(),
		Restores:        snapshots.VirtualMachineRestores(),
		KubeVirtFactory: cc.KubeVirtInformers,
		Recorder:        cc.Recorder,
		Clock:           realClock,
		Queue:           controller.NewQueue(schedule.ControllerName, cc.Workqueue),
		Metrics:         cc.ScheduleRuns,
		MinInterval:     o.MinScheduleInterval,
	})
	if err != nil {
		return nil, err
	}

	return map[string]runnable{
		schedule.ControllerName:     {schedules, o.ScheduleWorkers},
		vmsnapshot.ControllerName:   {vmSnapshots, o.SnapshotWorkers},
		content.ControllerName:      {contents, o.ContentWorkers},
		disksnapshot.ControllerName: {diskSnapshots, o.DiskSnapshotWorkers},
		populator.ControllerName:    {diskPopulator, o.DiskSnapshotWorkers},
		restore.ControllerName:      {restores, o.RestoreWorkers},
	}, nil
}
