package schedule

import (
	"errors"
	"fmt"
	"strings"
	"time"
	// The controller's image may have no zoneinfo: time zones are built in.
	_ "time/tzdata"

	"github.com/robfig/cron/v3"
)

// maxRunsScanned bounds the runs MostRecent walks through at a time. After
// a long outage, a schedule that ran every minute would otherwise cost half
// a million steps a year; past the bound, the walk leaps to a later start.
const maxRunsScanned = 20000

// leaps are the starts MostRecent leaps to, relative to now, each time it
// scanned maxRunsScanned runs. The runs leapt over are passed over, counted
// at least once each leap.
var leaps = []time.Duration{-7 * 24 * time.Hour, -time.Hour, -time.Minute}

// Cron is a parsed schedule in its time zone.
type Cron struct {
	schedule cron.Schedule
	location *time.Location
}

// ParseCron parses a schedule as a Kubernetes CronJob does (five fields or
// a macro, "@every <duration>" included) in the named IANA time zone (UTC
// when unset). Schedules that run more often than minInterval are refused.
func ParseCron(expr string, timeZone *string, minInterval time.Duration) (Cron, error) {
	location := time.UTC
	if timeZone != nil {
		if *timeZone == "Local" || *timeZone == "" {
			return Cron{}, fmt.Errorf("timeZone %q is not an IANA time zone name such as Europe/Berlin", *timeZone)
		}
		loc, err := time.LoadLocation(*timeZone)
		if err != nil {
			return Cron{}, fmt.Errorf("timeZone %q is not a known IANA time zone", *timeZone)
		}
		location = loc
	}
	if strings.Contains(expr, "TZ=") {
		return Cron{}, errors.New("schedule must not name a time zone: use spec.timeZone")
	}
	s, err := cron.ParseStandard(expr)
	if err != nil {
		return Cron{}, fmt.Errorf("schedule %q: %v", expr, err)
	}
	if every, ok := s.(cron.ConstantDelaySchedule); ok && every.Delay < minInterval {
		return Cron{}, fmt.Errorf("schedule %q runs more often than every %s", expr, minInterval)
	}
	c := Cron{schedule: s, location: location}
	if c.Next(time.Now()).IsZero() {
		return Cron{}, fmt.Errorf("schedule %q never runs", expr)
	}
	return c, nil
}

// Next is the first run strictly after t; zero if there is none.
//
// A schedule in a time zone with daylight saving time runs at wall-clock
// times, once each: a run in the hour the clock skips runs when it has
// skipped, as if it had not; a run in the hour the clock repeats runs the
// first time only. (A CronJob drops the one and runs the other twice: a
// daily snapshot would be missing one day and doubled on another.) An
// "@every" schedule counts real time.
func (c Cron) Next(t time.Time) time.Time {
	if _, every := c.schedule.(cron.ConstantDelaySchedule); every || c.location == time.UTC {
		return c.schedule.Next(t.In(c.location))
	}
	wall := wallClock(t.In(c.location))
	// Runs inside a repeated hour map to instants before t: step past them.
	for range maxRunsScanned {
		if wall = c.schedule.Next(wall); wall.IsZero() {
			break
		}
		if at := c.instant(wall); at.After(t) {
			return at
		}
	}
	return time.Time{}
}

// wallClock is t's local date and time, read as if it were UTC: a clock
// without daylight saving time for the cron fields to step over.
func wallClock(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// instant is the first moment the local clock shows wall; for a time the
// clock skipped, the moment it would have shown it had it not jumped.
func (c Cron) instant(wall time.Time) time.Time {
	var first time.Time
	// The offsets in force a day either side: no zone changes twice a day.
	_, before := wall.Add(-24 * time.Hour).In(c.location).Zone()
	_, after := wall.Add(24 * time.Hour).In(c.location).Zone()
	for _, offset := range []int{before, after} {
		at := wall.Add(-time.Duration(offset) * time.Second)
		if wallClock(at.In(c.location)).Equal(wall) && (first.IsZero() || at.Before(first)) {
			first = at
		}
	}
	if first.IsZero() {
		return wall.Add(-time.Duration(before) * time.Second)
	}
	return first
}

// MostRecent is the latest run in (after, now], and how many runs before
// it in that span were passed over (a lower bound after a leap). ok is false
// when there is none.
func (c Cron) MostRecent(after, now time.Time) (latest time.Time, passedOver int, ok bool) {
	t := c.Next(after)
	for scanned, leap := 0, 0; !t.IsZero() && !t.After(now); scanned++ {
		if ok {
			passedOver++
		}
		latest, ok = t, true
		t = c.Next(t)
		if scanned == maxRunsScanned && leap < len(leaps) {
			if from := now.Add(leaps[leap]); from.After(latest) {
				t = c.Next(from)
			}
			scanned, leap = 0, leap+1
		}
	}
	return latest, passedOver, ok
}

// LongestGap is the longest time between two of the next runs after t:
// for a schedule on weekdays, the weekend. The recovery-point alert allows
// twice that.
func (c Cron) LongestGap(t time.Time) time.Duration {
	const runs = 16
	var longest time.Duration
	prev := c.Next(t)
	for i := 0; i < runs && !prev.IsZero(); i++ {
		next := c.Next(prev)
		if next.IsZero() {
			break
		}
		longest = max(longest, next.Sub(prev))
		prev = next
	}
	return longest
}
