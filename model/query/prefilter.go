package query

import (
	"bytes"

	"github.com/flowtail/flowtail/model"
)

// lineFilter is a necessary condition on a record's raw text, derived from
// the query's filters: every requirement lists byte strings of which the
// line must contain at least one. Reading files, a line that fails it
// cannot match, so it is not parsed at all; this is what lets a headless
// `filter action = "REJECT" | stats …` keep up with decompression.
type lineFilter [][][]byte

// lineFilter collects requirements from the conjunction of all filters:
// equality (or in) on action, log-status and the interned text fields,
// whose values the parser keeps byte for byte.
func (p *Program) lineFilter() lineFilter {
	var lf lineFilter
	var walk func(e Expr)
	walk = func(e Expr) {
		switch e := e.(type) {
		case *Logical:
			if !e.Or {
				walk(e.L)
				walk(e.R)
			}
		case *Compare:
			if e.Op != "=" {
				return
			}
			fld, lit := e.L.Field, e.R.Lit
			if fld == nil {
				fld, lit = e.R.Field, e.L.Lit
			}
			if fld == nil || lit == nil {
				return
			}
			if alts := textForms(fld.Ref, []Literal{*lit}); alts != nil {
				lf = append(lf, alts)
			}
		case *In:
			if !e.Negate {
				if alts := textForms(e.Field.Ref, e.Values); alts != nil {
					lf = append(lf, alts)
				}
			}
		}
	}
	for _, f := range p.filters {
		walk(f)
	}
	return lf
}

// textForms is how a line spells the literals of an equality on ref, or
// nil when the field's text is not kept verbatim (numbers, addresses).
func textForms(r Ref, lits []Literal) [][]byte {
	id, ok := r.Field()
	if !ok || len(lits) == 0 {
		return nil
	}
	var alts [][]byte
	for _, lit := range lits {
		switch id.Kind() {
		case model.KindEnum:
			// The parser accepts the upper- and the lower-case spelling.
			if _, ok := enumCode(id, lit.Text); !ok || lit.Number {
				continue // this literal can never match
			}
			alts = append(alts, []byte(lit.Text), bytes.ToLower([]byte(lit.Text)))
		case model.KindString:
			if lit.Text == "" || lit.Text == "-" {
				return nil
			}
			alts = append(alts, []byte(lit.Text))
		default:
			return nil
		}
	}
	if alts == nil {
		alts = [][]byte{} // nothing can match: every line fails
	}
	return alts
}

// pass reports whether a line may match. Lines that do not start with a
// digit (headers, blank or odd lines) always pass, so formats and
// malformed lines are still seen.
func (lf lineFilter) pass(line []byte) bool {
	if len(line) == 0 || line[0] < '0' || line[0] > '9' {
		return true
	}
	for _, alts := range lf {
		hit := false
		for _, a := range alts {
			if bytes.Contains(line, a) {
				hit = true
				break
			}
		}
		if !hit {
			return false
		}
	}
	return true
}
