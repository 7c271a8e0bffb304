package rules

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/flowtail/flowtail/model"
)

// RuleKey names what decided a verdict: the control and, in words, its
// rule. Verdicts with one key were decided the same way.
type RuleKey struct {
	DecidedBy string // nacl, sg, bpa, none (allowed), "" (undecided)
	Rule      string // e.g. "acl-0db… (db-nacl) outbound rule * deny"
}

// KeyOf is the rule that decided v, for records reduced to p.
func KeyOf(v *Verdict, p Packet) RuleKey {
	k := RuleKey{DecidedBy: v.DecidedBy}
	dir := dirWord(v.Direction)
	switch v.DecidedBy {
	case "nacl":
		act := " deny"
		if v.NACL.Allow {
			act = " allow"
		}
		k.Rule = ACLLabel(v.NACL.ACL) + " " + dir + " rule " + v.NACL.Rule() + act
	case "sg":
		k.Rule = groupIDs(v) + ": no " + dir + " rule for " + protoName(p.Proto, portOf(p))
	case "bpa":
		k.Rule = "VPC Block Public Access"
	case "none":
		switch sg := &v.SG; {
		case sg.Response && sg.Group != nil:
			k.Rule = GroupLabel(sg.Group) + " " + sg.Rule(v.Direction) + " (replies)"
		case sg.Group != nil:
			k.Rule = GroupLabel(sg.Group) + " " + sg.Rule(v.Direction)
		case v.NACL.ACL != nil && v.NACL.Skipped == "":
			k.Rule = ACLLabel(v.NACL.ACL) + " " + dir + " rule " + v.NACL.Rule() + " allow, " + sg.NotApplicable
		default:
			k.Rule = "allowed: " + sg.NotApplicable
		}
	default:
		switch {
		case len(v.Missing) > 0:
			k.Rule = "could not decide: " + v.Missing[0]
		case p.Status == model.StatusNoData || p.Status == model.StatusSkipData:
			k.Rule = "no traffic to evaluate (" + p.Status.String() + ")"
		default:
			k.Rule = "could not decide"
		}
	}
	return k
}

// portOf is the port a rule is matched on: none for ICMP.
func portOf(p Packet) int {
	if p.Proto == 1 || p.Proto == 58 {
		return -1
	}
	return p.DstPort
}

func groupIDs(v *Verdict) string {
	if len(v.SG.Groups) == 0 {
		return "security groups"
	}
	return strings.Join(v.SG.Groups, ", ")
}

// SummaryRow counts the records one rule decided.
type SummaryRow struct {
	Key          RuleKey
	Expected     model.Action // the action the rule gives (ActionNone: undecided)
	Records      int
	Inconsistent int // logged action differs from the expected one
	Replies      int // records that are the reply of a connection
	Sources      int // distinct source addresses
	PortLo       int // lowest and highest destination port, -1 when none
	PortHi       int
}

// Line is the row in words: "acl-0db… outbound rule * deny: 1,204 flows
// from 3 sources to ports 20001–20010 (1,204 replies)".
func (r *SummaryRow) Line() string {
	s := r.Key.Rule + ": " + count(r.Records, "flow") + " from " + count(r.Sources, "source")
	if p := r.Ports(); p != "" {
		s += " to " + p
	}
	if n := r.Notes(); n != "" {
		s += " (" + n + ")"
	}
	return s
}

// Ports is the destination ports of the row: "port 22", "ports 1024–2000", or "".
func (r *SummaryRow) Ports() string {
	switch {
	case r.PortLo < 0:
		return ""
	case r.PortLo == r.PortHi:
		return "port " + strconv.Itoa(r.PortLo)
	}
	return "ports " + strconv.Itoa(r.PortLo) + "–" + strconv.Itoa(r.PortHi)
}

// Notes counts the replies and the records inconsistent with the log.
func (r *SummaryRow) Notes() string {
	var notes []string
	if r.Replies > 0 {
		notes = append(notes, count(r.Replies, "reply"))
	}
	if r.Inconsistent > 0 {
		notes = append(notes, thousands(r.Inconsistent)+" inconsistent with the log")
	}
	return strings.Join(notes, ", ")
}

// AppendJSON appends the row as one JSON object and a newline: decided_by
// (null when undecided), rule, expected (null when undecided), flows,
// sources, replies, inconsistent and, when known, ports [lowest, highest].
// quote appends a string as a JSON string.
func (r *SummaryRow) AppendJSON(dst []byte, quote func(dst []byte, s string) []byte) []byte {
	dst = append(dst, `{"decided_by":`...)
	if r.Key.DecidedBy == "" {
		dst = append(dst, "null"...)
	} else {
		dst = quote(dst, r.Key.DecidedBy)
	}
	dst = append(dst, `,"rule":`...)
	dst = quote(dst, r.Key.Rule)
	dst = append(dst, `,"expected":`...)
	if r.Expected == model.ActionNone {
		dst = append(dst, "null"...)
	} else {
		dst = quote(dst, r.Expected.String())
	}
	for _, kv := range []struct {
		k string
		v int
	}{{"flows", r.Records}, {"sources", r.Sources}, {"replies", r.Replies}, {"inconsistent", r.Inconsistent}} {
		dst = append(dst, `,"`+kv.k+`":`...)
		dst = strconv.AppendInt(dst, int64(kv.v), 10)
	}
	if r.PortLo >= 0 {
		dst = append(dst, `,"ports":[`...)
		dst = strconv.AppendInt(dst, int64(r.PortLo), 10)
		dst = append(dst, ',')
		dst = strconv.AppendInt(dst, int64(r.PortHi), 10)
		dst = append(dst, ']')
	}
	return append(dst, "}\n"...)
}

// Summary counts verdicts by the rule that decided them. Memory follows
// the number of rules and distinct sources, not the number of records.
type Summary struct {
	rows    []SummaryRow
	index   map[RuleKey]int
	sources []map[netip.Addr]struct{}
}

// NewSummary returns an empty summary.
func NewSummary() *Summary { return &Summary{index: map[RuleKey]int{}} }

// Add counts one verdict and returns the index of its row.
func (s *Summary) Add(v *Verdict, p Packet) int {
	k := KeyOf(v, p)
	i, ok := s.index[k]
	if !ok {
		i = len(s.rows)
		s.index[k] = i
		s.rows = append(s.rows, SummaryRow{Key: k, Expected: v.Expected, PortLo: -1, PortHi: -1})
		s.sources = append(s.sources, map[netip.Addr]struct{}{})
	}
	r := &s.rows[i]
	r.Records++
	if c, ok := v.Consistent(); ok && !c {
		r.Inconsistent++
	}
	if v.SG.Response || responseEvidence(p) != EvidenceNone {
		r.Replies++
	}
	if src := p.src(); src.IsValid() {
		if _, seen := s.sources[i][src]; !seen {
			s.sources[i][src] = struct{}{}
			r.Sources++
		}
	}
	if port := portOf(p); port >= 0 {
		if r.PortLo < 0 || port < r.PortLo {
			r.PortLo = port
		}
		if port > r.PortHi {
			r.PortHi = port
		}
	}
	return i
}

// Len is the number of rows.
func (s *Summary) Len() int { return len(s.rows) }

// Rows are the rows by record count, most first (ties by rule text).
func (s *Summary) Rows() []SummaryRow {
	out := append([]SummaryRow(nil), s.rows...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Records != out[j].Records {
			return out[i].Records > out[j].Records
		}
		return out[i].Key.Rule < out[j].Key.Rule
	})
	return out
}

// Only selects verdicts: all, the rejected ones, or the inconsistent ones.
type Only uint8

const (
	OnlyAll          Only = iota
	OnlyReject            // logged REJECT or expected REJECT
	OnlyInconsistent      // the logged action is not the one the rules give
	OnlyUndecided         // the rules could not decide
)

// ParseOnly reads an --only value.
func ParseOnly(s string) (Only, error) {
	switch strings.ToLower(s) {
	case "", "all":
		return OnlyAll, nil
	case "reject":
		return OnlyReject, nil
	case "inconsistent":
		return OnlyInconsistent, nil
	case "undecided":
		return OnlyUndecided, nil
	}
	return 0, fmt.Errorf("--only %q: want reject, inconsistent or undecided", s)
}

// Keep reports whether the verdict is one the selection wants.
func (o Only) Keep(v *Verdict) bool {
	switch o {
	case OnlyReject:
		return v.Logged == model.ActionReject || v.Expected == model.ActionReject
	case OnlyInconsistent:
		c, ok := v.Consistent()
		return ok && !c
	case OnlyUndecided:
		return !v.Decided()
	}
	return true
}

func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	if strings.HasSuffix(what, "y") {
		return thousands(n) + " " + what[:len(what)-1] + "ies"
	}
	return thousands(n) + " " + what + "s"
}

func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
