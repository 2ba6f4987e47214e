package schedule

import (
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
)

// runTimeLayout stamps a snapshot's name with its run time, in UTC, to the
// second: "@every" schedules may run more than once a minute.
const runTimeLayout = "20060102150405"

// maxSnapshotName is the longest VirtualMachineSnapshot name (its CRD
// refuses longer ones: the name labels its VolumeSnapshots).
const maxSnapshotName = validation.DNS1123LabelMaxLength

// SnapshotName is the name of the snapshot a schedule takes of a VM for one
// run: "<schedule>-<vm>-<time>". It is the same on every sync, so a
// controller that restarts mid-run never takes a run twice. Names too long
// are cut and keep a hash of the schedule and VM, so that two VMs whose
// names share a long prefix still get two names.
func SnapshotName(schedule, vm string, run time.Time) string {
	stamp := run.UTC().Format(runTimeLayout)
	base := schedule + "-" + vm
	if len(base)+1+len(stamp) <= maxSnapshotName {
		return base + "-" + stamp
	}
	hash := shortHash(schedule + "/" + vm)
	keep := maxSnapshotName - len(stamp) - len(hash) - 2
	return trimmed(base[:keep]) + "-" + hash + "-" + stamp
}

// VMLabelValue is the value of LabelScheduledVM for a VM: its name, or,
// when that is no valid label value, a cut of it with a hash.
func VMLabelValue(vm string) string {
	if len(validation.IsValidLabelValue(vm)) == 0 {
		return vm
	}
	hash := shortHash(vm)
	keep := min(len(vm), validation.LabelValueMaxLength-len(hash)-1)
	return trimmed(vm[:keep]) + "-" + hash
}

func shortHash(s string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(s))
	return fmt.Sprintf("%08x", h.Sum32())
}

// trimmed drops what a name or label value must not end with.
func trimmed(s string) string {
	return strings.TrimRight(s, "-.")
}

// RunTime is the run a scheduled snapshot was taken for, from its
// annotation; ok is false for a snapshot without a readable one.
func RunTime(s *snapshotapi.VirtualMachineSnapshot) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, s.Annotations[snapshotapi.AnnotationScheduleTime])
	return t, err == nil
}

// TakenBy reports whether a snapshot is one the schedule took: its label
// and its UID, which no other schedule of the name has.
func TakenBy(s *snapshotapi.VirtualMachineSnapshot, sched *snapshotapi.VirtualMachineSnapshotSchedule) bool {
	return s.Labels[snapshotapi.LabelSchedule] == sched.Name &&
		s.Annotations[snapshotapi.AnnotationScheduleUID] == string(sched.UID)
}
