package controller

import (
	"testing"
	"time"
)

func TestCreatedIsTrustedForATime(t *testing.T) {
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	c := NewCreated[string]()
	if _, ok := c.Lookup("ns/a", now); ok {
		t.Fatal("Lookup found what was never created")
	}
	c.Remember("ns/a", "object a", now)
	if obj, ok := c.Lookup("ns/a", now.Add(CreatedTTL-time.Second)); !ok || obj != "object a" {
		t.Fatalf("Lookup within the TTL = %q, %v; want the created object", obj, ok)
	}
	if _, ok := c.Lookup("ns/a", now.Add(CreatedTTL)); ok {
		t.Fatal("Lookup trusted a create the cache has not shown for a whole TTL")
	}
	c.Remember("ns/b", "object b", now)
	c.Seen("ns/b")
	if _, ok := c.Lookup("ns/b", now); ok {
		t.Fatal("Lookup after Seen still answered from the record")
	}
}
