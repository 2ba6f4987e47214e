package snapshotclass

import (
	"strings"
	"testing"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func class(name, driver string, isDefault bool) *snapshotv1.VolumeSnapshotClass {
	c := &snapshotv1.VolumeSnapshotClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Driver: driver}
	if isDefault {
		c.Annotations = map[string]string{IsDefaultAnnotation: "true"}
	}
	return c
}

func TestChoose(t *testing.T) {
	sc := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "fast"}, Provisioner: "csi.a"}
	for _, tc := range []struct {
		name       string
		requested  string
		classes    []*snapshotv1.VolumeSnapshotClass
		want       string
		wantReason string
		wantInMsg  []string
	}{
		{name: "the driver's default", classes: []*snapshotv1.VolumeSnapshotClass{
			class("a-plain", "csi.a", false), class("a-default", "csi.a", true), class("b-default", "csi.b", true)},
			want: "a-default"},
		{name: "the driver's only class", classes: []*snapshotv1.VolumeSnapshotClass{
			class("a-only", "csi.a", false), class("b-default", "csi.b", true)},
			want: "a-only"},
		{name: "requested", requested: "a-plain", classes: []*snapshotv1.VolumeSnapshotClass{
			class("a-plain", "csi.a", false), class("a-default", "csi.a", true)},
			want: "a-plain"},
		{name: "requested of another driver", requested: "b", classes: []*snapshotv1.VolumeSnapshotClass{class("b", "csi.b", true)},
			wantReason: ReasonDriverMismatch, wantInMsg: []string{"b", "csi.b", "fast", "csi.a"}},
		{name: "requested missing", requested: "gone",
			wantReason: ReasonNotFound, wantInMsg: []string{"gone"}},
		{name: "none for the driver", classes: []*snapshotv1.VolumeSnapshotClass{class("b", "csi.b", true)},
			wantReason: ReasonNone, wantInMsg: []string{"csi.a", "fast"}},
		{name: "two defaults", classes: []*snapshotv1.VolumeSnapshotClass{
			class("a2", "csi.a", true), class("a1", "csi.a", true)},
			wantReason: ReasonAmbiguous, wantInMsg: []string{"a1, a2", "default"}},
		{name: "two and no default", classes: []*snapshotv1.VolumeSnapshotClass{
			class("a2", "csi.a", false), class("a1", "csi.a", false)},
			wantReason: ReasonAmbiguous, wantInMsg: []string{"a1, a2", "none is default"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Choose(sc, tc.requested, tc.classes)
			if tc.wantReason == "" {
				if err != nil || got != tc.want {
					t.Fatalf("Choose = %q, %v; want %q", got, err, tc.want)
				}
				return
			}
			if err == nil || err.Reason != tc.wantReason {
				t.Fatalf("Choose = %q, %v; want an error with reason %s", got, err, tc.wantReason)
			}
			for _, s := range tc.wantInMsg {
				if !strings.Contains(err.Message, s) {
					t.Errorf("message %q does not name %q", err.Message, s)
				}
			}
		})
	}
}
