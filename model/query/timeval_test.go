package query

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/flowtail/flowtail/model"
)

// countWith compiles a filter with opt and counts the records it selects.
func countWith(t *testing.T, st *model.Store, text string, opt Options) (int, error) {
	t.Helper()
	q, err := Parse(text)
	if err != nil {
		return 0, err
	}
	p, err := Compile(q, st.Names(), opt)
	if err != nil {
		return 0, err
	}
	n := 0
	st.Read(func(v model.View) { n = p.Count(v) })
	return n, nil
}

// TestTimeValues checks each way of writing a time against the records'
// start times counted directly. The capture starts at 1700000000
// (2023-11-14 22:13:20 UTC) and advances a second every 50 records.
func TestTimeValues(t *testing.T) {
	st, truth := load(t, capture(captureSize))
	zone := time.FixedZone("UTC+1", 3600)
	now := time.Date(2023, 11, 14, 22, 30, 0, 0, time.UTC) // 23:30 in zone
	opt := Options{Loc: zone, Now: func() time.Time { return now }}
	count := func(keep func(r rec) bool) int {
		n := 0
		for _, r := range truth {
			if keep(r) {
				n++
			}
		}
		return n
	}
	at := func(s string) int64 { // a UTC wall time as unix seconds
		tm, err := time.Parse("2006-01-02 15:04:05", s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.Unix()
	}
	tests := []struct {
		filter string
		want   int
	}{
		// Written in the display zone (UTC+1): 23:14:00 there is 22:14:00 UTC.
		{`start >= "2023-11-14 23:14:00"`, count(func(r rec) bool { return r.start >= at("2023-11-14 22:14:00") })},
		{`start < "2023-11-14 23:14"`, count(func(r rec) bool { return r.start < at("2023-11-14 22:14:00") })},
		{`start >= "23:14"`, count(func(r rec) bool { return r.start >= at("2023-11-14 22:14:00") })},
		{`start = "23:14:05"`, count(func(r rec) bool { return r.start == at("2023-11-14 22:14:05") })},
		{`end > "2023-11-14T22:15:00Z"`, count(func(r rec) bool { return r.end > at("2023-11-14 22:15:00") })},
		{`@timestamp >= "2023-11-14T23:14:00+01:00"`, count(func(r rec) bool { return r.start >= at("2023-11-14 22:14:00") })},
		{`@timestamp < "1700000100"`, count(func(r rec) bool { return r.start < 1700000100 })},
		{`@timestamp < 1700000100`, count(func(r rec) bool { return r.start < 1700000100 })},
		{`@timestamp >= 1700000100000`, count(func(r rec) bool { return r.start >= 1700000100 })},
		{`@timestamp >= "1700000100000"`, count(func(r rec) bool { return r.start >= 1700000100 })},
		// now is 22:30:00 UTC; 16m before is 22:14:00.
		{`start >= ago(16m)`, count(func(r rec) bool { return r.start >= at("2023-11-14 22:14:00") })},
		{`@timestamp < ago(16m)`, count(func(r rec) bool { return r.start < at("2023-11-14 22:14:00") })},
		{`start in ["23:14:00", "23:14:01"]`, count(func(r rec) bool { return r.start == at("2023-11-14 22:14:00") || r.start == at("2023-11-14 22:14:01") })},
		// A fraction of a second is kept: start and end hold whole seconds,
		// so 22:14:05 is before 22:14:05.5, never equal to it.
		{`start >= "2023-11-14 23:14:05.500"`, count(func(r rec) bool { return r.start > at("2023-11-14 22:14:05") })},
		{`start < "2023-11-14T22:14:05.5Z"`, count(func(r rec) bool { return r.start <= at("2023-11-14 22:14:05") })},
		{`end <= "2023-11-14 23:15:00.999"`, count(func(r rec) bool { return r.end <= at("2023-11-14 22:15:00") })},
		{`start != "23:14:05.250"`, len(truth)},
		{`@timestamp >= "2023-11-14 23:14:05.500"`, count(func(r rec) bool { return r.start > at("2023-11-14 22:14:05") })},
	}
	for _, tt := range tests {
		got, err := countWith(t, st, tt.filter, opt)
		if err != nil {
			t.Errorf("%s: %v", tt.filter, err)
			continue
		}
		if got != tt.want || tt.want == 0 || tt.want == len(truth) && !strings.Contains(tt.filter, "!=") {
			t.Errorf("%s: %d records, want %d of %d (and neither none nor all)", tt.filter, got, tt.want, len(truth))
		}
	}
}

// TestTimeValueErrors: a time that cannot be read is an error at its
// column, never a comparison with zero.
func TestTimeValueErrors(t *testing.T) {
	st, _ := load(t, capture(100))
	tests := []struct {
		filter string
		col    int
		msg    string
	}{
		{`start > "yesterday"`, 9, `"yesterday" is not a time`},
		{`@timestamp >= "2026-13-01 10:00"`, 15, `"2026-13-01 10:00" is not a time`},
		{`end in [1700000000, "noon"]`, 21, `"noon" is not a time`},
		{`dstport > ago(5m)`, 11, `ago(5m) is a time`},
		{`start > ago(5)`, 13, `expected a duration`},
		{`start > ago(5x)`, 13, `unknown time unit`},
		// A number in the wrong unit names a time past the year 5000,
		// which no record has: every comparison form says so.
		{`start >= 1700000100000`, 10, `1700000100000 looks like milliseconds since the epoch (2023-11-14 22:15:00 UTC), and start holds seconds: write 1700000100 or "2023-11-14 22:15:00"`},
		{`start = 1700000100000`, 9, `looks like milliseconds`},
		{`start != 1700000100000`, 10, `looks like milliseconds`},
		{`end < 1700000100000`, 7, `end holds seconds`},
		{`end <= "1700000100000"`, 8, `looks like milliseconds`},
		{`1700000100000 > start`, 1, `looks like milliseconds`},
		{`start in [1700000100, 1700000100500]`, 23, `1700000100500 looks like milliseconds since the epoch (2023-11-14 22:15:00.500 UTC), and start holds seconds: write 1700000100.5 or "2023-11-14 22:15:00.500"`},
		{`not start in ["1700000100500"]`, 15, `looks like milliseconds`},
		{`start > 1.7e12`, 9, `1.7e12 looks like milliseconds since the epoch (2023-11-14 22:13:20 UTC), and start holds seconds: write 1700000000`},
		{`start > 1700000100000000`, 9, `looks like microseconds`},
		{`@timestamp >= 1700000100000000`, 15, `1700000100000000 looks like microseconds since the epoch (2023-11-14 22:15:00 UTC), and @timestamp holds milliseconds: write 1700000100000`},
		{`@timestamp >= 1700000100000000000`, 15, `looks like nanoseconds`},
		{`start > 1.8e19`, 9, `looks like nanoseconds`},
	}
	for _, tt := range tests {
		_, err := countWith(t, st, tt.filter, Options{})
		var qe *Error
		if !errors.As(err, &qe) {
			t.Errorf("%s: error %v, want one at column %d", tt.filter, err, tt.col)
			continue
		}
		if qe.Col != tt.col || !strings.Contains(qe.Msg, tt.msg) {
			t.Errorf("%s: %q at column %d, want %q at column %d", tt.filter, qe.Msg, qe.Col, tt.msg, tt.col)
		}
	}
}

func FuzzTimeText(f *testing.F) {
	for _, s := range []string{"2026-12-03 15:12:00", "15:12", "2026-12-03T15:12:00Z", "1764774720", "1764774720000", "ago", "24:61", ""} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 3, 18, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		if _, ok := parseTimeText(s, time.UTC, now); ok && strings.TrimSpace(s) == "" {
			t.Fatalf("blank text %q read as a time", s)
		}
		// The text as a filter compiles, or fails at a column of the text.
		q := `start >= "` + strings.NewReplacer(`"`, "", `\`, "").Replace(s) + `"`
		_, st, err := CompileFilter(q, model.NewInterner(), Options{Now: func() time.Time { return now }})
		if st != Valid {
			var qe *Error
			if !errors.As(err, &qe) || qe.Col < 1 || qe.Col > len(q)+1 {
				t.Fatalf("%s: %v", q, err)
			}
		}
	})
}
