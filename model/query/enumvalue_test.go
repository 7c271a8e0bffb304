package query

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model"
)

// An equality with text a field of fixed values never holds is an error
// at the text, naming the values (and the spelling, when only the case is
// off): action = "reject" answered 0 records, as if none were rejected.
func TestValueAFieldNeverHoldsIsAnError(t *testing.T) {
	for _, c := range []struct {
		q    string
		col  int
		want string
	}{
		{`filter action = "reject"`, 17, `write "REJECT": action holds ACCEPT or REJECT, written just so`},
		{`filter action != "DENY"`, 18, `"DENY" can never match: action holds ACCEPT or REJECT`},
		{`filter action = "-"`, 17, `write not ispresent(action) for the records without one`},
		{`filter log-status in ["OK", "nodata"]`, 29, `write "NODATA"`},
		{`filter direction = "in"`, 20, `"in" can never match: direction holds ingress or egress`},
		{`filter proto = "icmp6"`, 16, `no protocol is named "icmp6"`},
		{`filter service in ["ssh", "htps"]`, 27, `no service is named "htps"`},
	} {
		q, err := Parse(c.q)
		if err == nil {
			_, err = Compile(q, model.NewInterner(), Options{Intern: true})
		}
		var pe *Error
		if !errors.As(err, &pe) || pe.Col != c.col || !strings.Contains(pe.Msg, c.want) {
			t.Errorf("%s: %v, want at column %d: %q", c.q, err, c.col, c.want)
		}
	}
	// The values themselves, in any case where the field takes any, pass.
	st, truth := load(t, capture(400))
	rejects := 0
	for _, r := range truth {
		if r.action == "REJECT" && !r.nodata {
			rejects++
		}
	}
	for _, q := range []string{`filter action = "REJECT"`, `filter action in ["REJECT"]`} {
		if got := resultRows(run(t, st, q+` | stats count(*) as n`)); got != strconv.Itoa(rejects) {
			t.Errorf("%s: %s, want %d", q, got, rejects)
		}
	}
	for _, q := range []string{`filter proto = "TCP"`, `filter direction = "ingress" or direction = "egress"`, `filter service = "SSH"`} {
		parsed, err := Parse(q)
		if err == nil {
			_, err = Compile(parsed, st.Names(), Options{})
		}
		if err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
}
