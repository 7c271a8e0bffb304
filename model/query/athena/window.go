package athena

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Files are filed under the time of their five-minute window, which can
// lie a little before a record's start and well after it (aggregation of
// up to ten minutes, delivery lag): partition bounds are widened by this
// much so that no record in the window is missed.
const partitionSlack = time.Hour

// partitionPredicates bound the table's time partition columns to the
// window, so that Athena reads only the files that can hold its records.
// Three layouts are known: a date column, Hive's year/month/day[/hour],
// and a string column with a projection format such as yyyy/MM/dd.
func partitionPredicates(t *Table, since, until time.Time) []string {
	if since.IsZero() && until.IsZero() || len(t.Partitions) == 0 {
		return nil
	}
	lo, hi := since, until
	if !lo.IsZero() {
		lo = lo.Add(-partitionSlack).UTC()
	}
	if !hi.IsZero() {
		hi = hi.Add(partitionSlack).UTC()
	}
	for _, c := range t.Partitions {
		if strings.EqualFold(c.Type, "date") {
			return bounds(ident(c.Name), lo, hi, func(t time.Time) string { return "DATE " + str(t.Format("2006-01-02")) })
		}
	}
	if y, ok := t.partition("year"); ok {
		if m, ok := t.partition("month"); ok {
			if d, ok := t.partition("day"); ok {
				return hivePredicates(y, m, d, lo, hi)
			}
		}
	}
	for _, c := range t.Partitions {
		layout, ok := projectionLayout(t, c.Name)
		if !ok || !isStringType(c.Type) {
			continue
		}
		return bounds(ident(c.Name), lo, hi, func(t time.Time) string { return str(t.Format(layout)) })
	}
	return nil
}

func bounds(col string, lo, hi time.Time, lit func(time.Time) string) []string {
	var out []string
	if !lo.IsZero() {
		out = append(out, col+" >= "+lit(lo))
	}
	if !hi.IsZero() {
		out = append(out, col+" <= "+lit(hi))
	}
	return out
}

// projectionLayout is the Go layout of a partition column's projection
// format (Java's yyyy/MM/dd[/HH]); day, date and dt columns without one
// take AWS's yyyy/MM/dd.
func projectionLayout(t *Table, col string) (string, bool) {
	f, ok := t.Params["projection."+col+".format"]
	if !ok {
		switch strings.ToLower(col) {
		case "day", "date", "dt":
			f = "yyyy/MM/dd"
		default:
			return "", false
		}
	}
	r := strings.NewReplacer("yyyy", "2006", "MM", "01", "dd", "02", "HH", "15")
	layout := r.Replace(f)
	if strings.ContainsAny(layout, "yMdHhms") {
		return "", false // a format this does not read
	}
	return layout, true
}

// hivePredicates bound year/month/day columns: one condition per month
// the window touches (a window of a few days touches one or two), which
// Athena can prune on column by column.
func hivePredicates(y, m, d Column, lo, hi time.Time) []string {
	if lo.IsZero() || hi.IsZero() || hi.Sub(lo) > 366*24*time.Hour {
		// Open-ended or long: bound the year alone.
		return bounds(ident(y.Name), yearOnly(lo), yearOnly(hi), func(t time.Time) string { return partLit(y, t.Year(), 4) })
	}
	var alts []string
	for cur := time.Date(lo.Year(), lo.Month(), 1, 0, 0, 0, 0, time.UTC); !cur.After(hi); cur = cur.AddDate(0, 1, 0) {
		first, last := 1, daysIn(cur)
		if cur.Year() == lo.Year() && cur.Month() == lo.Month() {
			first = lo.Day()
		}
		if cur.Year() == hi.Year() && cur.Month() == hi.Month() {
			last = hi.Day()
		}
		days := fmt.Sprintf("%s BETWEEN %s AND %s", ident(d.Name), partLit(d, first, 2), partLit(d, last, 2))
		if first == last {
			days = ident(d.Name) + " = " + partLit(d, first, 2)
		}
		alts = append(alts, fmt.Sprintf("(%s = %s AND %s = %s AND %s)", ident(y.Name), partLit(y, cur.Year(), 4), ident(m.Name), partLit(m, int(cur.Month()), 2), days))
	}
	if len(alts) == 1 {
		return []string{strings.TrimSuffix(strings.TrimPrefix(alts[0], "("), ")")}
	}
	return []string{"(" + strings.Join(alts, "\n      OR ") + ")"}
}

func yearOnly(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return time.Date(t.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
}

func daysIn(t time.Time) int { return time.Date(t.Year(), t.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day() }

// partLit is a partition value: zero-padded text for string columns, a
// number for numeric ones.
func partLit(c Column, v, width int) string {
	if isStringType(c.Type) {
		return str(fmt.Sprintf("%0*d", width, v))
	}
	return strconv.Itoa(v)
}
