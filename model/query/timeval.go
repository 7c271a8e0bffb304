package query

import (
	"math"
	"slices"
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
//	1764774720, "1764774720"                                  unix seconds
//	1764774720000                                             @timestamp only: milliseconds (numbers above 1e11)
//	ago(15m), ago(2h), ago(1d)                                relative to when the filter is compiled
//
// The display zone is Options.Loc (UTC when nil); "now" is Options.Now. A
// time that reads as none of these is an error at its column, never a
// silent zero; so is a number in the wrong unit (milliseconds for start
// or end, microseconds for @timestamp), which would match nothing.

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
		if err := epochUnit(a, lit, lit.Text, lit.Num); err != nil {
			return nil, err
		}
		return lit, nil
	}
	if lit.AgoSec == 0 {
		text := strings.TrimSpace(lit.Text)
		if n, err := strconv.ParseUint(text, 10, 64); err == nil {
			if err := epochUnit(a, lit, text, float64(n)); err != nil {
				return nil, err
			}
		}
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
	// A written fraction of the unit is kept (as a fractional number,
	// which compares exactly with the field's whole ones): cut off,
	// 12:00:05.5 would equal a record of 12:00:05. ago() counts whole
	// units back from now.
	if lit.AgoSec > 0 {
		t = t.Truncate(time.Second)
	}
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

// epochUnit checks a number compared with a time field against the
// field's unit: start and end hold seconds, @timestamp milliseconds (or
// seconds below 1e11, as Insights reads them). A number a thousand or a
// million times too large names a time past the year 5000, which no
// record has: it is an error that says how to write it, not a filter
// that silently matches nothing. text is the number as written.
func epochUnit(a *accessor, lit *Literal, text string, v float64) error {
	unit, limit := "seconds", 1e11
	if a.kind == vTime {
		unit, limit = "milliseconds", 1e14
	}
	if !(v >= limit) {
		return nil
	}
	units := []string{"seconds", "milliseconds", "microseconds", "nanoseconds"}
	at := slices.Index(units, unit)
	shift := 0
	for v >= limit && at+shift+1 < len(units) {
		v /= 1000
		shift++
	}
	field := a.ref.Name() // literals stop below 2^64, so nanoseconds are the last unit needed
	num := shiftPoint(text, 3*shift)
	sec := v
	if unit == "milliseconds" {
		sec /= 1000
	}
	whole := math.Floor(sec)
	t := time.Unix(int64(whole), int64((sec-whole)*1e9)).UTC()
	layout := "2006-01-02 15:04:05"
	if t.Nanosecond() >= int(time.Millisecond) {
		layout = "2006-01-02 15:04:05.000"
	}
	return errAt(lit.Col, "%s looks like %s since the epoch (%s UTC), and %s holds %s: write %s or %q",
		text, units[at+shift], t.Format(layout), field, unit, num, t.Format(layout))
}

// shiftPoint divides the decimal number text by 10^digits, exactly when
// it is written as a whole number.
func shiftPoint(text string, digits int) string {
	if _, err := strconv.ParseUint(text, 10, 64); err != nil {
		v, _ := strconv.ParseFloat(text, 64)
		return strconv.FormatFloat(v/math.Pow10(digits), 'f', -1, 64)
	}
	for len(text) <= digits {
		text = "0" + text
	}
	whole, frac := text[:len(text)-digits], strings.TrimRight(text[len(text)-digits:], "0")
	if frac == "" {
		return whole
	}
	return whole + "." + frac
}

// agoNotTime is the error for ago() compared with a field that is no time.
func agoNotTime(lit *Literal, field string) error {
	return errAt(lit.Col, "%s is a time: compare it with @timestamp, start or end, not %s", lit.Text, field)
}

// ResolveTimes returns q with every written time and ago() that a filter
// compares with @timestamp, start or end replaced by the number the local
// engine compares it as (seconds for start and end, milliseconds for
// @timestamp), read in opt's zone and clock. A translation to another
// engine then names the same instant; q itself is not changed.
func ResolveTimes(q *Query, opt Options) (*Query, error) {
	c := &compiler{env: newEnv(model.NewInterner(), opt, q.Unknown)}
	out := *q
	out.Commands = slices.Clone(q.Commands)
	for i, cmd := range out.Commands {
		f, ok := cmd.(*FilterCmd)
		if !ok {
			continue
		}
		e, err := c.resolveTimes(f.Expr)
		if err != nil {
			return nil, err
		}
		nf := *f
		nf.Expr = e
		out.Commands[i] = &nf
	}
	return &out, nil
}

func (c *compiler) resolveTimes(e Expr) (Expr, error) {
	switch e := e.(type) {
	case *Logical:
		l, err := c.resolveTimes(e.L)
		if err != nil {
			return nil, err
		}
		r, err := c.resolveTimes(e.R)
		if err != nil {
			return nil, err
		}
		n := *e
		n.L, n.R = l, r
		return &n, nil
	case *Not:
		x, err := c.resolveTimes(e.X)
		if err != nil {
			return nil, err
		}
		n := *e
		n.X = x
		return &n, nil
	case *Compare:
		n := *e
		var err error
		if e.L.Field != nil && e.R.Lit != nil {
			n.R.Lit, err = c.resolveTime(e.L.Field.Ref, e.R.Lit)
		} else if e.R.Field != nil && e.L.Lit != nil {
			n.L.Lit, err = c.resolveTime(e.R.Field.Ref, e.L.Lit)
		}
		if err != nil {
			return nil, err
		}
		return &n, nil
	case *In:
		n := *e
		n.Values = slices.Clone(e.Values)
		for i := range n.Values {
			lit, err := c.resolveTime(e.Field.Ref, &n.Values[i])
			if err != nil {
				return nil, err
			}
			n.Values[i] = *lit
		}
		return &n, nil
	}
	return e, nil
}

// resolveTime is lit as the number a time field compares it as; other
// fields' literals are returned as they are.
func (c *compiler) resolveTime(r Ref, lit *Literal) (*Literal, error) {
	if r == 0 {
		return lit, nil
	}
	if a := accessorFor(r, c.env); isTimeRef(a) {
		return c.timeLiteral(a, lit)
	}
	return lit, nil
}
