package query

import (
	"strconv"
	"strings"
	"time"

	"github.com/flowtail/flowtail/model"
)

// Time values. @timestamp, start and end compare with the times people
// read off the screen, not only with unix numbers:
//
//	"2026-12-03 15:12:00", "2026-12-03 15:12", "2026-12-03"   in the display zone
//	"15:12", "15:12:30"                                       today, in the display zone
//	"2026-12-03T15:12:00Z", "2026-12-03T15:12:00+01:00"       RFC 3339
//	"2026-12-03 15:12:00.000"                                 as query results print @timestamp
//	1764774720, "1764774720"                                  unix seconds (milliseconds above 1e11)
//	ago(15m), ago(2h), ago(1d)                                relative to when the filter is compiled
//
// The display zone is Options.Loc (UTC when nil); "now" is Options.Now. A
// time that reads as none of these is an error at its column, never a
// silent zero.

// timeLayouts are tried in order for text without a zone of its own.
var timeLayouts = []string{
	"2006-01-02 15:04:05.000",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02",
}

// clockLayouts name a time of day, taken as today in the display zone.
var clockLayouts = []string{"15:04:05", "15:04"}

// timeHelp is what an unreadable time is told to look like.
const timeHelp = `use "2026-12-03 15:12:00", "15:12", RFC 3339, unix seconds or ago(15m)`

// isTimeRef reports whether the accessor holds a time: @timestamp (ms) or
// the start and end fields (unix seconds).
func isTimeRef(a *accessor) bool {
	return a.kind == vTime || a.field == model.FieldStart || a.field == model.FieldEnd
}

// parseTimeText reads s as a point in time.
func parseTimeText(s string, loc *time.Location, now time.Time) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 {
		if n >= 1e11 {
			return time.UnixMilli(n), true
		}
		return time.Unix(n, 0), true
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	for _, l := range timeLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, true
		}
	}
	for _, l := range clockLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			y, m, d := now.In(loc).Date()
			return time.Date(y, m, d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc), true
		}
	}
	return time.Time{}, false
}

// timeLiteral turns a literal compared with a time field into the number
// the field holds: milliseconds for @timestamp, seconds for start and end.
// Numbers keep their meaning (unix seconds; the engine scales them).
func (c *compiler) timeLiteral(a *accessor, lit *Literal) (*Literal, error) {
	if lit.Number && lit.AgoSec == 0 {
		return lit, nil
	}
	var t time.Time
	if lit.AgoSec > 0 {
		t = c.env.now.Add(-time.Duration(lit.AgoSec) * time.Second)
	} else {
		var ok bool
		if t, ok = parseTimeText(lit.Text, c.env.loc(), c.env.now); !ok {
			return nil, errAt(lit.Col, "%q is not a time: %s", lit.Text, timeHelp)
		}
	}
	if t.Unix() < 0 {
		return nil, errAt(lit.Col, "%q is before 1970", lit.Text)
	}
	out := *lit
	out.Number, out.AgoSec = true, 0
	// A fraction of the unit is kept (as a fractional number, which
	// compares exactly with the field's whole ones): cut off, 12:00:05.5
	// would equal a record of 12:00:05.
	if a.kind == vTime {
		out.Num = float64(t.UnixMilli())
		if sub := t.Nanosecond() % 1e6; sub != 0 {
			out.Num += float64(sub) / 1e6
		}
		if out.Num < 1e11 { // the engine reads small @timestamp numbers as seconds
			out.Num = float64(t.Unix())
		}
	} else {
		out.Num = float64(t.Unix())
		if sub := t.Nanosecond(); sub != 0 {
			out.Num += float64(sub) / 1e9
		}
	}
	out.Text = strconv.FormatFloat(out.Num, 'f', -1, 64)
	return &out, nil
}

// agoNotTime is the error for ago() compared with a field that is no time.
func agoNotTime(lit *Literal, field string) error {
	return errAt(lit.Col, "%s is a time: compare it with @timestamp, start or end, not %s", lit.Text, field)
}
