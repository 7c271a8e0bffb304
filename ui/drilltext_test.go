package ui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model"
)

// awkwardNames are interface ids a hostile or broken log can carry: each
// must be spelled in a drill-down's filter text so that the text, read
// back by the query language, selects that interface and no other.
var awkwardNames = []string{
	"eni-plain",
	`eni-"quoted"`,
	`eni-back\slash`,
	`eni-\x1b`,
	"eni-esc\x1b]0;pwned\x07",
	"eni-\x1b[2J\x1b[H",
	"eni-c1\u009b31m",
	"eni-bidi\u202eevil\u202c",
	"eni-zw\u200b\u200d\ufeffx",
	"eni-wide宽宽",
	"eni-bad\xff\xfeutf8",
	"eni-bad\xfd\xfcutf8", // differs from the one above only in its invalid bytes
	"eni-slash/and\\/",
	"eni-meta.*+?()[]{}|^$",
	"eni-tab\tnl",
}

func awkwardStore(t *testing.T) *model.Store {
	s := model.NewStore(100)
	var lines []string
	for i, n := range awkwardNames {
		lines = append(lines, fmt.Sprintf("2 123456789012 %s 10.0.0.%d 10.0.1.1 1234 22 6 1 40 1700000000 1700000060 REJECT OK", n, i))
	}
	p := model.NewParser(model.DefaultFormat, s.Names())
	var f model.Flow
	var x model.Ext
	s.Append(func(a model.Appender) {
		for _, l := range lines {
			if err := p.Parse([]byte(l), &f, &x); err != nil {
				// a tab splits a field: that name cannot be in a default-format record
				continue
			}
			a.Add(&f, &x)
		}
	})
	return s
}

// selected lists the interface ids of the records flt selects.
func selected(s *model.Store, flt Filter) []string {
	var got []string
	s.Read(func(v model.View) {
		for i := range v.Len() {
			f, x := v.At(i)
			if flt.Match(f, x) {
				got = append(got, v.Names().Name(f.Iface))
			}
		}
	})
	return got
}

func TestFieldIsTextSelectsExactlyTheValue(t *testing.T) {
	s := awkwardStore(t)
	var names []string
	s.Read(func(v model.View) {
		for i := range v.Len() {
			f, _ := v.At(i)
			names = append(names, v.Names().Name(f.Iface))
		}
	})
	if len(names) < len(awkwardNames)-1 {
		t.Fatalf("only %d of the names were stored", len(names))
	}
	for _, name := range names {
		text := fieldIs("interfaceId", name)
		if r, bad := unsafeOnScreen(text); bad {
			t.Errorf("%q: the text %q holds %U, which the filter bar cannot show", name, text, r)
		}
		flt, st, err := QueryFilter(text, s.Names())
		if err != nil || flt == nil || st.Kind != FilterValid {
			t.Errorf("%q: %q does not compile: %v %v", name, text, st, err)
			continue
		}
		if got := selected(s, flt); len(got) != 1 || got[0] != name {
			t.Errorf("%q: %q selects %q", name, text, got)
		}
	}
}

// The filter a drill-down applies and the text it shows are the same
// question: applying the shown text again (/ then enter) selects the same
// records, whatever the interface id holds.
func TestDrillDownTextReappliesToTheSameRecords(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		t.Run("interfaces", func(t *testing.T) {
			d := queryDriver(t, fixtureStore(t), size[0], size[1])
			gotoPane(t, d, "interfaces")
			d.refresh()
			p := d.m.panes[d.m.active].(*interfacesPane)
			cursorTo(t, d, func() string { return p.snap.Interfaces[p.rows[p.list.cursor]].Name }, "eni-evil")
			d.keys("enter")
			reapplied(t, d, 1)
		})
		t.Run("stats", func(t *testing.T) {
			d := queryDriver(t, fixtureStore(t), size[0], size[1])
			d.applyFilter("stats count(*) as n by interfaceId")
			gotoPane(t, d, "stats")
			p := d.m.panes[d.m.active].(*statsPane)
			cursorTo(t, d, func() string { text, _, _ := p.groupFilter(); return text }, "evil")
			d.keys("enter")
			reapplied(t, d, 1)
		})
	}
}

// cursorTo moves the cursor down until at() holds want.
func cursorTo(t *testing.T, d *driver, at func() string, want string) {
	t.Helper()
	for range 50 {
		if strings.Contains(at(), want) {
			return
		}
		d.keys("j")
	}
	t.Fatalf("no row with %q:\n%s", want, d.screen())
}

// reapplied checks that the drill-down selected n records, then applies
// its text from the filter bar and checks the same n are selected.
func reapplied(t *testing.T, d *driver, n int) {
	t.Helper()
	text := d.m.sh.FilterText
	if d.m.sh.Matches == nil || len(d.m.sh.Matches.Seqs) != n {
		t.Fatalf("drill-down %q selects %v, want %d", text, d.m.sh.Matches, n)
	}
	assertSafeFrame(t, d, "after the drill-down")
	d.keys("/")
	assertSafeFrame(t, d, "the drill-down's text in the filter bar")
	d.keys("enter")
	if d.m.sh.FilterText != text {
		t.Fatalf("filter bar applied %q, the drill-down showed %q", d.m.sh.FilterText, text)
	}
	if d.m.sh.Matches == nil || len(d.m.sh.Matches.Seqs) != n {
		t.Fatalf("the drill-down's text %q applied again selects %v, want %d:\n%s", text, d.m.sh.Matches, n, d.screen())
	}
}
