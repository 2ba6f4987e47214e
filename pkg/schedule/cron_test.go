package schedule

import (
	"strings"
	"testing"
	"time"

	"k8s.io/utils/ptr"
)

func mustParse(t *testing.T, expr string, tz *string) Cron {
	t.Helper()
	c, err := ParseCron(expr, tz, time.Minute)
	if err != nil {
		t.Fatalf("ParseCron(%q, %v): %v", expr, ptr.Deref(tz, "<nil>"), err)
	}
	return c
}

func TestParseCronRefusesWhatACronJobRefuses(t *testing.T) {
	for _, tc := range []struct {
		expr string
		tz   *string
		want string
	}{
		{"61 * * * *", nil, "end of range (61) above maximum (59)"},
		{"* * * *", nil, "expected exactly 5 fields"},
		{"CRON_TZ=UTC 0 * * * *", nil, "must not name a time zone"},
		{"@fortnightly", nil, "unrecognized descriptor"},
		{"@every 30s", nil, "runs more often than every 1m0s"},
		{"0 0 30 2 *", nil, "never runs"},
		{"@daily", ptr.To("Mars/Olympus"), "not a known IANA time zone"},
		{"@daily", ptr.To("Local"), "not an IANA time zone name"},
	} {
		_, err := ParseCron(tc.expr, tc.tz, time.Minute)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseCron(%q, %v) = %v, want an error with %q", tc.expr, ptr.Deref(tc.tz, "<nil>"), err, tc.want)
		}
	}
	for _, expr := range []string{"*/15 * * * *", "0 3 * * 1-5", "@hourly", "@daily", "@weekly", "@monthly", "@yearly", "@midnight", "@every 5m"} {
		mustParse(t, expr, ptr.To("Europe/Berlin"))
	}
}

func TestNextInATimeZone(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	c := mustParse(t, "0 2 * * *", ptr.To("Europe/Berlin"))
	got := c.Next(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC))
	if want := time.Date(2026, 6, 2, 2, 0, 0, 0, berlin); !got.Equal(want) {
		t.Errorf("Next = %v, want %v (02:00 in Berlin is 00:00 UTC in summer)", got, want)
	}
}

// TestDaylightSavingTimeDays: a daily run takes place once on every local
// day, the day the clock skips its hour and the day it repeats it
// included; an hourly one keeps running through both.
func TestDaylightSavingTimeDays(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	runs := func(c Cron, from time.Time, n int) []time.Time {
		var out []time.Time
		for t := from; len(out) < n; {
			t = c.Next(t)
			out = append(out, t)
		}
		return out
	}

	// 2026-03-08: 02:00 EST jumps to 03:00 EDT; 02:30 never shows.
	daily := mustParse(t, "30 2 * * *", ptr.To("America/New_York"))
	got := runs(daily, time.Date(2026, 3, 7, 12, 0, 0, 0, ny), 3)
	want := []time.Time{
		time.Date(2026, 3, 8, 7, 30, 0, 0, time.UTC), // 03:30 EDT: as if the clock had not jumped
		time.Date(2026, 3, 9, 6, 30, 0, 0, time.UTC), // 02:30 EDT
		time.Date(2026, 3, 10, 6, 30, 0, 0, time.UTC),
	}
	assertTimes(t, "daily 02:30 across the spring change", got, want)

	// 2026-11-01: 02:00 EDT falls back to 01:00 EST; 01:30 shows twice.
	daily = mustParse(t, "30 1 * * *", ptr.To("America/New_York"))
	got = runs(daily, time.Date(2026, 10, 31, 12, 0, 0, 0, ny), 3)
	want = []time.Time{
		time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC), // 01:30 EDT, the first time only
		time.Date(2026, 11, 2, 6, 30, 0, 0, time.UTC), // 01:30 EST
		time.Date(2026, 11, 3, 6, 30, 0, 0, time.UTC),
	}
	assertTimes(t, "daily 01:30 across the autumn change", got, want)

	// From inside the repeated hour, the next run is never in the past.
	inRepeat := time.Date(2026, 11, 1, 6, 10, 0, 0, time.UTC) // 01:10 EST, the second 01:10
	if next := daily.Next(inRepeat); !next.After(inRepeat) {
		t.Errorf("Next(%v) = %v, not after it", inRepeat, next)
	}

	hourly := mustParse(t, "@hourly", ptr.To("America/New_York"))
	got = runs(hourly, time.Date(2026, 3, 8, 5, 30, 0, 0, time.UTC), 3) // 00:30 EST
	want = []time.Time{
		time.Date(2026, 3, 8, 6, 0, 0, 0, time.UTC), // 01:00 EST
		time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC), // 03:00 EDT (02:00 is skipped: it is 03:00)
		time.Date(2026, 3, 8, 8, 0, 0, 0, time.UTC), // 04:00 EDT
	}
	assertTimes(t, "hourly across the spring change", got, want)
}

func assertTimes(t *testing.T, what string, got, want []time.Time) {
	t.Helper()
	for i := range want {
		if i >= len(got) || !got[i].Equal(want[i]) {
			t.Errorf("%s: runs %v, want %v", what, got, want)
			return
		}
	}
}

func TestMostRecent(t *testing.T) {
	c := mustParse(t, "*/10 * * * *", nil)
	base := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name       string
		after, now time.Time
		latest     time.Time
		passedOver int
		ok         bool
	}{
		{"none yet", base, base.Add(9 * time.Minute), time.Time{}, 0, false},
		{"exactly at the run", base, base.Add(10 * time.Minute), base.Add(10 * time.Minute), 0, true},
		{"three runs passed, the latest taken", base, base.Add(35 * time.Minute), base.Add(30 * time.Minute), 2, true},
		{"after excludes its own run", base.Add(10 * time.Minute), base.Add(15 * time.Minute), time.Time{}, 0, false},
	} {
		latest, passed, ok := c.MostRecent(tc.after, tc.now)
		if ok != tc.ok || !latest.Equal(tc.latest) || passed != tc.passedOver {
			t.Errorf("%s: MostRecent = %v, %d, %v; want %v, %d, %v", tc.name, latest, passed, ok, tc.latest, tc.passedOver, tc.ok)
		}
	}
}

// TestMostRecentAfterALongOutageIsBounded: a year of a schedule every
// minute is not walked run by run, and the latest run is still found.
func TestMostRecentAfterALongOutageIsBounded(t *testing.T) {
	c := mustParse(t, "* * * * *", nil)
	now := time.Date(2026, 12, 6, 10, 0, 30, 0, time.UTC)
	start := time.Now()
	latest, passed, ok := c.MostRecent(now.AddDate(-1, 0, 0), now)
	if !ok || !latest.Equal(time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)) {
		t.Fatalf("latest = %v, %v; want 10:00:00", latest, ok)
	}
	if passed < maxRunsScanned {
		t.Errorf("passed over %d runs, want at least %d counted", passed, maxRunsScanned)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("took %v", elapsed)
	}

	every := mustParseEvery(t, "@every 1s")
	latest, _, ok = every.MostRecent(now.Add(-30*24*time.Hour), now)
	if !ok || now.Sub(latest) >= time.Second || latest.After(now) {
		t.Errorf("@every 1s after 30 days: latest %v, now %v", latest, now)
	}
}

func mustParseEvery(t *testing.T, expr string) Cron {
	t.Helper()
	c, err := ParseCron(expr, nil, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestLongestGap(t *testing.T) {
	from := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC) // a Monday
	for expr, want := range map[string]time.Duration{
		"@hourly":      time.Hour,
		"@daily":       24 * time.Hour,
		"0 9 * * 1-5":  72 * time.Hour, // Friday to Monday
		"*/15 * * * *": 15 * time.Minute,
		"@every 6h":    6 * time.Hour,
	} {
		if got := mustParse(t, expr, nil).LongestGap(from); got != want {
			t.Errorf("LongestGap(%q) = %v, want %v", expr, got, want)
		}
	}
}
