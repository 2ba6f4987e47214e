package install

import (
	"bufio"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/utils/ptr"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/schedule"
	"vmsnap.io/vmsnap/tests/framework"
)

// scheduleInterval is how often the install scenario's schedule runs; the
// controller it runs is given --min-schedule-interval=1s to accept it.
const scheduleInterval = "@every 3s"

// exerciseSchedule runs a schedule over one stopped VM every few seconds,
// as the manifest's controller: it creates the VM's snapshots (create),
// keeps only the newest Ready one (retention deletes the older: delete),
// holds itself with a finalizer while its deletionPolicy is Delete (patch),
// and writes its status (update on /status); deleting it deletes its
// snapshots, then releases the finalizer (patch). It returns the names of
// the snapshots the schedule took that the test saw.
func exerciseSchedule(f *framework.Framework) []string {
	selector := map[string]string{"backup": "install-test"}
	f.CreateVM("scheduled", framework.WithPVCDisks(1), framework.WithLabels(selector))
	const name = "every3s"
	f.CreateSchedule(name, scheduleInterval, selector, func(s *snapshotapi.VirtualMachineSnapshotScheduleSpec) {
		s.Retention.MaxCount = ptr.To[int32](1)
		s.DeletionPolicy = snapshotapi.DeletionPolicyDelete
	})
	f.WaitForSchedule(name, "the finalizer of deletionPolicy Delete", time.Minute, func(s *snapshotapi.VirtualMachineSnapshotSchedule) bool {
		return slices.Contains(s.Finalizers, schedule.FinalizerSnapshots)
	})

	lastGood := func(s *snapshotapi.VirtualMachineSnapshotSchedule) string {
		if len(s.Status.VirtualMachines) != 1 {
			return ""
		}
		return s.Status.VirtualMachines[0].LastSuccessfulSnapshotName
	}
	first := lastGood(f.WaitForSchedule(name, "a Ready snapshot of the VM", 2*time.Minute, func(s *snapshotapi.VirtualMachineSnapshotSchedule) bool {
		return lastGood(s) != ""
	}))
	second := lastGood(f.WaitForSchedule(name, "a newer Ready snapshot than "+first, 2*time.Minute, func(s *snapshotapi.VirtualMachineSnapshotSchedule) bool {
		return lastGood(s) != "" && lastGood(s) != first
	}))
	// maxCount 1: the older one goes once the newer is Ready.
	f.WaitForSnapshotGone(first)

	f.DeleteSchedule(name)
	client := f.VMSnap.SnapshotV1alpha1()
	f.Eventually("vmsnapschedule "+f.Namespace+"/"+name, "gone, and its snapshots with it", 2*time.Minute, func(ctx context.Context) (bool, string, error) {
		list, err := client.VirtualMachineSnapshots(f.Namespace).List(ctx, metav1.ListOptions{
			LabelSelector: labels.Set{snapshotapi.LabelSchedule: name}.String(),
		})
		if err != nil {
			return false, "", err
		}
		_, err = client.VirtualMachineSnapshotSchedules(f.Namespace).Get(ctx, name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			return false, "", err
		default:
			return false, fmt.Sprintf("the schedule is still there; %d of its snapshots are left", len(list.Items)), nil
		}
		return len(list.Items) == 0, fmt.Sprintf("%d of its snapshots are left", len(list.Items)), nil
	})
	return []string{first, second}
}

// metricValue is the value of the series written exactly as series (name
// and labels) on a /metrics page; ok is false when it is absent.
func metricValue(page, series string) (float64, bool) {
	scanner := bufio.NewScanner(strings.NewReader(page))
	scanner.Buffer(make([]byte, 64<<10), 1<<20)
	for scanner.Scan() {
		rest, found := strings.CutPrefix(scanner.Text(), series+" ")
		if !found {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
		return v, err == nil
	}
	return 0, false
}
