package vmsnapshot

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kubevirtv1 "kubevirt.io/api/core/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/controller"
)

// ReasonInstancetypeNotStored: the VM names an instancetype or a
// preference whose ControllerRevision KubeVirt has not stored (yet), so
// what the VM runs from cannot be captured.
const ReasonInstancetypeNotStored = "InstancetypeRevisionMissing"

// readInstancetypeRevisions reads the ControllerRevisions the VM runs from
// (its instancetype and preference as KubeVirt copied them for it), read on
// demand like the Secrets: the controller caches no ControllerRevisions.
// The content keeps their data, so that a restore gives the VM the
// instancetype and preference of this moment, whatever became of them.
func (c *Controller) readInstancetypeRevisions(ctx context.Context, vm *kubevirtv1.VirtualMachine) ([]snapshotapi.InstancetypeRevision, []blocker, error) {
	var out []snapshotapi.InstancetypeRevision
	var blockers []blocker
	for _, m := range controller.InstancetypeMatchers {
		ref, uses := controller.InstancetypeRefOf(vm, m)
		if !uses {
			continue
		}
		what := fmt.Sprintf("%s %s of VirtualMachine %s", strings.ToLower(string(m)), ref.Name, vm.Name)
		if ref.Revision == "" {
			blockers = append(blockers, blocker{ReasonInstancetypeNotStored, fmt.Sprintf(
				"KubeVirt has not stored the %s in a ControllerRevision yet", what)})
			continue
		}
		rev, err := c.kube.AppsV1().ControllerRevisions(vm.Namespace).Get(ctx, ref.Revision, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			blockers = append(blockers, blocker{ReasonInstancetypeNotStored, fmt.Sprintf(
				"ControllerRevision %s of the %s does not exist", ref.Revision, what)})
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("reading ControllerRevision %s of the %s: %w", ref.Revision, what, err)
		}
		data, err := controller.RevisionData(rev)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, snapshotapi.InstancetypeRevision{
			Matcher: m, Name: rev.Name, Labels: rev.Labels, Data: runtime.RawExtension{Raw: data},
		})
	}
	return out, blockers, nil
}
