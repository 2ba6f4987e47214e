package restore

import (
	"context"
	"fmt"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	kubevirtv1 "kubevirt.io/api/core/v1"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"

	"vmsnap.io/vmsnap/pkg/controller"
)

// RestoredRevisionName is the ControllerRevision a restore makes for the
// restored VM's instancetype or preference: derived from the restore's UID,
// so that a retry finds the one it made.
func RestoredRevisionName(restoreUID types.UID, m snapshotapi.InstancetypeMatcher) string {
	return fmt.Sprintf("restore-%s-%s", restoreUID, strings.ToLower(string(m)))
}

// planRevisions gives each matcher of the restored VM the instancetype or
// preference the snapshot captured. In place, the target keeps the revision
// it runs from when that one holds the captured object; otherwise, and for
// a new VM, the captured revision is made again under a name of the
// restore's, for the VM to own. The source VM's revisions are never shared:
// KubeVirt's garbage collector removes them with it.
func planRevisions(p *plan, in planInput) {
	p.revisionOf = map[snapshotapi.InstancetypeMatcher]string{}
	for _, captured := range in.content.Spec.InstancetypeRevisions {
		if _, uses := controller.InstancetypeRefOf(in.content.Spec.Source.VirtualMachine, captured.Matcher); !uses {
			continue // a content brought by a user may hold what its VM does not use
		}
		what := strings.ToLower(string(captured.Matcher))
		if kept := keptRevision(p, in, captured); kept != "" {
			p.revisionOf[captured.Matcher] = kept
			p.resources = append(p.resources, resourceEntry(kindRevision, appsv1.SchemeGroupVersion.String(), kept,
				snapshotapi.ResourceUnchanged, "the VM's "+what+" is the one of the snapshot"))
			continue
		}
		name := RestoredRevisionName(in.restore.UID, captured.Matcher)
		p.revisionOf[captured.Matcher] = name
		p.revisions = append(p.revisions, restoredRevision(in.restore, name, captured))
		p.resources = append(p.resources, resourceEntry(kindRevision, appsv1.SchemeGroupVersion.String(), name,
			snapshotapi.ResourceCreated, fmt.Sprintf("the VM's %s, from the snapshot's copy of ControllerRevision %s", what, captured.Name)))
	}
}

// keptRevision is the revision the in-place target runs from for a matcher,
// when it holds the captured object; "" when it must be made again.
func keptRevision(p *plan, in planInput, captured snapshotapi.InstancetypeRevision) string {
	if !p.inPlace {
		return ""
	}
	ref, ok := controller.InstancetypeRefOf(in.target, captured.Matcher)
	if !ok || ref.Revision == "" || ref.Revision == RestoredRevisionName(in.restore.UID, captured.Matcher) {
		return ""
	}
	live := in.revision(ref.Revision)
	if live == nil {
		return ""
	}
	data, err := controller.RevisionData(live)
	if err != nil || !controller.SameInstancetypeData(runtime.RawExtension{Raw: data}, captured.Data) {
		return ""
	}
	return ref.Revision
}

// restoredRevision is a captured revision under the restore's name, with
// KubeVirt's labels (the kind, name, UID and generation of the object).
func restoredRevision(r *snapshotapi.VirtualMachineRestore, name string, captured snapshotapi.InstancetypeRevision) *appsv1.ControllerRevision {
	rev := &appsv1.ControllerRevision{Data: runtime.RawExtension{Raw: slices.Clone(captured.Data.Raw)}}
	rev.Name, rev.Namespace = name, r.Namespace
	rev.Labels = restoreLabels(r, captured.Labels)
	rev.Annotations = restoreAnnotations(r, nil)
	rev.OwnerReferences = []metav1.OwnerReference{ownerRef(r)}
	return rev
}

// createRevisions creates the plan's revisions controlled by the VM, as
// KubeVirt makes the revisions of a VM; one that exists already is fine only
// if this restore made it.
func (c *Controller) createRevisions(ctx context.Context, r *snapshotapi.VirtualMachineRestore, p *plan, vm *kubevirtv1.VirtualMachine) error {
	for _, planned := range p.revisions {
		rev := planned.DeepCopy()
		rev.OwnerReferences = append(rev.OwnerReferences, *metav1.NewControllerRef(vm, kubevirtv1.VirtualMachineGroupVersionKind))
		_, err := c.kube.AppsV1().ControllerRevisions(r.Namespace).Create(ctx, rev, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			existing, getErr := c.kube.AppsV1().ControllerRevisions(r.Namespace).Get(ctx, rev.Name, metav1.GetOptions{})
			if getErr != nil {
				return fmt.Errorf("reading ControllerRevision %s, which exists already: %w", rev.Name, getErr)
			}
			if !ours(r, existing) {
				return errNotOurs(kindRevision, rev.Name)
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("creating ControllerRevision %s: %w", rev.Name, err)
		}
	}
	return nil
}

// contentRevisionNames are the revisions a restore makes for the matchers
// its snapshot's content captured. The controller lists no revisions.
func contentRevisionNames(r *snapshotapi.VirtualMachineRestore, content *snapshotapi.VirtualMachineSnapshotContent) []string {
	var out []string
	for _, captured := range content.Spec.InstancetypeRevisions {
		out = append(out, RestoredRevisionName(r.UID, captured.Matcher))
	}
	return out
}

// revisionsOf is every instancetype and preference ControllerRevision a VM
// runs from.
func revisionsOf(vm *kubevirtv1.VirtualMachine) map[string]bool {
	out := map[string]bool{}
	for _, m := range controller.InstancetypeMatchers {
		if ref, ok := controller.InstancetypeRefOf(vm, m); ok && ref.Revision != "" {
			out[ref.Revision] = true
		}
	}
	return out
}
