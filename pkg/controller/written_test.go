package controller

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func version(rv string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "a", ResourceVersion: rv}}
}

func TestWrittenFollowsTheInformer(t *testing.T) {
	w := NewWritten[*corev1.ConfigMap]()
	if got := w.Latest("ns/a", version("1")).ResourceVersion; got != "1" {
		t.Fatalf("nothing written: Latest = %s, want the informer's 1", got)
	}

	// Two writes in a row while the informer still shows version 1.
	w.Store("ns/a", "1", version("2"))
	if got := w.Latest("ns/a", version("1")).ResourceVersion; got != "2" {
		t.Fatalf("informer behind: Latest = %s, want the written 2", got)
	}
	w.Store("ns/a", "1", version("3"))

	// The informer shows the first write: the second is still newer.
	if got := w.Latest("ns/a", version("2")).ResourceVersion; got != "3" {
		t.Fatalf("informer at the first write: Latest = %s, want the written 3", got)
	}
	// It shows the second: the entry goes.
	if got := w.Latest("ns/a", version("3")).ResourceVersion; got != "3" {
		t.Fatalf("informer caught up: Latest = %s, want 3", got)
	}
	if w.Len() != 0 {
		t.Fatalf("Len = %d after the informer caught up, want 0", w.Len())
	}
}

func TestWrittenYieldsToOtherWriters(t *testing.T) {
	w := NewWritten[*corev1.ConfigMap]()
	w.Store("ns/a", "1", version("2"))
	// Someone else wrote after us and the informer shows it.
	if got := w.Latest("ns/a", version("7")).ResourceVersion; got != "7" {
		t.Fatalf("Latest = %s, want the informer's 7", got)
	}
	// A new write over a caught-up informer starts afresh: the old
	// superseded versions no longer count.
	w.Store("ns/a", "7", version("8"))
	if got := w.Latest("ns/a", version("1")).ResourceVersion; got != "1" {
		t.Fatalf("Latest = %s for a version the new write did not supersede, want 1", got)
	}
	w.Store("ns/a", "1", version("2"))
	w.Forget("ns/a")
	if got := w.Latest("ns/a", version("1")).ResourceVersion; got != "1" {
		t.Fatalf("after Forget: Latest = %s, want 1", got)
	}
}
