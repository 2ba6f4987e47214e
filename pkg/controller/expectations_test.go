package controller

import (
	"errors"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func TestCreateExpectationsIsTrustedForATime(t *testing.T) {
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	c := NewCreateExpectations[string]()
	if _, ok := c.Pending("ns/a", now); ok {
		t.Fatal("Pending found what was never created")
	}
	c.ExpectCreated("ns/a", "object a", now)
	if obj, ok := c.Pending("ns/a", now.Add(ExpectationsTTL-time.Second)); !ok || obj != "object a" {
		t.Fatalf("Pending within the TTL = %q, %v; want the created object", obj, ok)
	}
	if _, ok := c.Pending("ns/a", now.Add(ExpectationsTTL)); ok {
		t.Fatal("Pending trusted a create the cache has not shown for a whole TTL")
	}
	c.ExpectCreated("ns/b", "object b", now)
	c.Observed("ns/b")
	if _, ok := c.Pending("ns/b", now); ok {
		t.Fatal("Pending after Observed still answered from the record")
	}
}

func TestCreateExpectationsLookup(t *testing.T) {
	now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	notFound := errors.New("not found")
	c := NewCreateExpectations[string]()
	if _, ok := c.Lookup("ns/a", "", notFound, now); ok {
		t.Fatal("Lookup found what neither the cache nor the record has")
	}
	c.ExpectCreated("ns/a", "created a", now)
	if obj, ok := c.Lookup("ns/a", "", notFound, now); !ok || obj != "created a" {
		t.Fatalf("Lookup with the cache behind = %q, %v; want the created object", obj, ok)
	}
	if obj, ok := c.Lookup("ns/a", "cached a", nil, now); !ok || obj != "cached a" {
		t.Fatalf("Lookup with the cache caught up = %q, %v; want the cache's", obj, ok)
	}
	if _, ok := c.Pending("ns/a", now); ok {
		t.Error("the record still holds a create the cache showed")
	}
}

func TestDeleteExpectations(t *testing.T) {
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	object := func(name, uid string) *metav1.ObjectMeta {
		return &metav1.ObjectMeta{Namespace: "ns", Name: name, UID: types.UID(uid)}
	}
	d := NewDeleteExpectations()
	if d.Deleting(object("a", "uid-a"), now) {
		t.Fatal("Deleting for an object never deleted")
	}
	terminating := object("t", "uid-t")
	terminating.DeletionTimestamp = &metav1.Time{Time: now}
	if !d.Deleting(terminating, now) {
		t.Fatal("an object the cache shows with a deletionTimestamp is not deleting")
	}
	d.ExpectDeleted(object("a", "uid-a"), now)
	if !d.Deleting(object("a", "uid-a"), now.Add(ExpectationsTTL-time.Second)) {
		t.Fatal("a delete within the TTL is not pending")
	}
	if d.Deleting(object("b", "uid-a"), now) || d.Deleting(object("a", "uid-a2"), now) {
		t.Fatal("another object's delete is pending: another name, or the same name with another UID")
	}
	if d.Deleting(object("a", "uid-a"), now.Add(ExpectationsTTL)) {
		t.Fatal("a delete the cache has not shown for a whole TTL is still trusted")
	}
	d.ExpectDeleted(object("b", "uid-b"), now.Add(ExpectationsTTL))
	if len(d.entries) != 1 {
		t.Errorf("the record holds %d deletes after the TTL, want only the new one", len(d.entries))
	}
}
