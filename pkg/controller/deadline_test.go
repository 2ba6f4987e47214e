package controller

import (
	"testing"
	"time"
)

func TestDeadline(t *testing.T) {
	start := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name          string
		length        time.Duration
		now           time.Time
		wantExceeded  bool
		wantRemaining time.Duration
	}{
		{"no deadline never passes", 0, start.Add(100 * time.Hour), false, 0},
		{"before", 5 * time.Minute, start.Add(time.Minute), false, 4 * time.Minute},
		{"exactly at", 5 * time.Minute, start.Add(5 * time.Minute), true, 0},
		{"after", 5 * time.Minute, start.Add(6 * time.Minute), true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Deadline{Start: start, Length: tc.length}
			if got := d.Exceeded(tc.now); got != tc.wantExceeded {
				t.Errorf("Exceeded = %v, want %v", got, tc.wantExceeded)
			}
			if got := d.Remaining(tc.now); got != tc.wantRemaining {
				t.Errorf("Remaining = %s, want %s", got, tc.wantRemaining)
			}
		})
	}
}

func TestSooner(t *testing.T) {
	for _, tc := range []struct{ a, b, want time.Duration }{
		{0, 0, 0}, {0, time.Second, time.Second}, {time.Second, 0, time.Second},
		{time.Second, time.Minute, time.Second}, {time.Minute, time.Second, time.Second},
	} {
		if got := Sooner(tc.a, tc.b); got != tc.want {
			t.Errorf("Sooner(%s, %s) = %s, want %s", tc.a, tc.b, got, tc.want)
		}
	}
}
