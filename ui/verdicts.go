package ui

import (
	"context"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/rules"
)

// verdictsView is the rules pane's summary mode (key v): the verdicts of
// the records the filter selects, counted by the control and rule that
// decided them, most first; enter filters the flows to a row's records.
//
// A record's verdict here is a function of the record alone (its
// tcp-flags and ports are the reply evidence; whether the reversed record
// was seen is not used), so a row's count and the flows it drills down to
// are the same records.
type verdictsView struct {
	sh   *Shared
	keys verdictKeys
	on   bool

	width, height int

	job      uint64 // tags the running count; older results are dropped
	counting bool
	rows     []rules.SummaryRow
	records  int
	snaps    *snapCache // the rules the count used, for drilling down
	filter   string     // the filter text the count covered
	note     string     // why there is nothing to count
	list     listCursor

	// New records are counted again on a refresh, but only after ten times
	// as long as the last count took (and at least recountAfter), so a
	// large buffer is not recounted back to back.
	started  time.Time
	took     time.Duration
	countGen uint64 // the store generation the last count saw
	due      bool   // a recount is waiting for its time
}

// verdictsDueMsg says a deferred recount may run now.
type verdictsDueMsg struct{ view *verdictsView }

const recountAfter = 5 * time.Second

type verdictKeys struct {
	Toggle  key.Binding
	Drill   key.Binding
	Recount key.Binding
	move    triageKeys
}

func newVerdictsView(sh *Shared) verdictsView {
	return verdictsView{sh: sh, keys: verdictKeys{
		Toggle:  described(sh.Keys.Verdicts, "verdicts by rule"),
		Drill:   described(sh.Keys.Open, "show these flows"),
		Recount: described(sh.Keys.Reload, "recount"),
		move:    newTriageKeys(&sh.Keys),
	}}
}

// verdictsMsg carries a finished count.
type verdictsMsg struct {
	view    *verdictsView
	job     uint64
	rows    []rules.SummaryRow
	records int
	snaps   *snapCache
	filter  string
}

// snapCache holds the rules of each interface met, looked up once. The
// count and the drill-down filters made from it (and their copies, for
// background scans) share it, hence the lock.
type snapCache struct {
	src    RuleSource
	loaded *rules.Snapshot // what the source held at the start, when it can say so
	mu     sync.Mutex
	by     map[string]*rules.Snapshot
}

func newSnapCache(src RuleSource) *snapCache {
	c := &snapCache{src: src, by: map[string]*rules.Snapshot{}}
	if lr, ok := src.(LoadedRules); ok {
		c.loaded = lr.Loaded()
	}
	return c
}

// get returns the rules for an interface: those held already, else a
// lookup, which may reach EC2 (only background jobs call get).
func (c *snapCache) get(iface string) *rules.Snapshot {
	if c.loaded != nil && c.loaded.Interfaces[iface] != nil {
		return c.loaded
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.by[iface]
	if !ok {
		s, _ = c.src.Lookup(context.Background(), iface)
		if s == nil {
			s = rules.NewSnapshot()
		}
		c.by[iface] = s
	}
	return s
}

// start counts the verdicts of the records the current filter selects,
// off the UI goroutine.
func (v *verdictsView) start() tea.Cmd {
	v.list = listCursor{}
	return v.count()
}

// count starts a count, keeping the cursor (a recount of new records).
func (v *verdictsView) count() tea.Cmd {
	v.job++
	v.started = v.sh.Now()
	if v.sh.Rules == nil {
		v.counting, v.rows, v.note = false, nil, "No rules loaded: start flowtail with --rules DIR, --demo, or AWS credentials."
		return nil
	}
	v.counting, v.note = true, ""
	job, store, text := v.job, v.sh.Store, v.sh.FilterText
	flt := freshFilter(v.sh) // the applied one may be scanning on another goroutine
	snaps := newSnapCache(v.sh.Rules)
	return func() tea.Msg {
		sum := rules.NewSummary()
		n := 0
		var next, limit uint64
		store.Read(func(rv model.View) { next, limit = rv.Seq(0), rv.Seq(rv.Len()) })
		for next < limit {
			store.Read(func(rv model.View) {
				i, ok := rv.Index(next)
				if !ok {
					i = 0
				}
				end := min(i+filterChunk, rv.Len())
				names := rv.Names()
				for k := i; k < end; k++ {
					f, x := rv.At(k)
					if flt != nil && !flt.Match(f, x) {
						continue
					}
					p := rules.FromFlow(f, x, names)
					vd := snaps.get(p.Interface).Decide(p)
					sum.Add(&vd, p)
					n++
				}
				next = limit
				if end < rv.Len() {
					next = rv.Seq(end)
				}
			})
		}
		return verdictsMsg{view: v, job: job, rows: sum.Rows(), records: n, snaps: snaps, filter: text}
	}
}

// update handles a message while the view is on; handled is false for
// keys it leaves to the rules pane.
func (v *verdictsView) update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case verdictsMsg:
		if msg.view != v || msg.job != v.job {
			return nil, true
		}
		v.counting, v.rows, v.records, v.snaps, v.filter = false, msg.rows, msg.records, msg.snaps, msg.filter
		v.took = v.sh.Now().Sub(v.started)
		v.list.clamp(len(v.rows), v.bodyRows())
		return nil, true
	case RefreshMsg:
		if msg.Generation == v.countGen || v.counting || v.note != "" || v.due {
			return nil, true
		}
		v.countGen = msg.Generation
		if wait := max(recountAfter, 10*v.took) - v.sh.Now().Sub(v.started); wait > 0 {
			v.due = true // the records that came meanwhile are counted then
			return tea.Tick(wait, func(time.Time) tea.Msg { return verdictsDueMsg{view: v} }), true
		}
		return v.count(), true
	case verdictsDueMsg:
		if msg.view != v {
			return nil, true
		}
		v.due = false
		if !v.on || v.counting {
			return nil, true
		}
		return v.count(), true
	case FilterMsg:
		return v.start(), true
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, v.keys.Recount):
			return v.start(), true
		case key.Matches(msg, v.keys.Drill):
			return v.drill(), true
		case v.list.move(msg, &v.keys.move, len(v.rows), v.bodyRows()):
			return nil, true
		}
	}
	return nil, false
}

// drill filters the flows to the records of the row under the cursor.
func (v *verdictsView) drill() tea.Cmd {
	if v.counting || len(v.rows) == 0 || v.snaps == nil {
		return nil
	}
	r := v.rows[v.list.cursor]
	flt := newVerdictFilter(r.Key.Rule, v.snaps, v.sh.Store.Names())
	return drillFilter(`verdict:"`+r.Key.Rule+`"`, flt)
}

// verdictFilter selects the records one rule decided. The verdict of a
// record depends only on what FromFlow keeps of it, so answers are
// remembered by that (bounded, so memory never follows the buffer).
type verdictFilter struct {
	want  string // the rule's text (RuleKey.Rule), which names its control
	snaps *snapCache
	names *model.Interner
	memo  map[rules.Packet]bool
}

const verdictMemo = 1 << 16

func newVerdictFilter(rule string, snaps *snapCache, names *model.Interner) *verdictFilter {
	return &verdictFilter{want: rule, snaps: snaps, names: names, memo: map[rules.Packet]bool{}}
}

func (vf *verdictFilter) fresh() Filter { return newVerdictFilter(vf.want, vf.snaps, vf.names) }

// refresher is a filter that can make a copy of itself with its own
// scratch space, for a second goroutine.
type refresher interface{ fresh() Filter }

// freshFilter is a copy of the applied filter for a background job: the
// applied instance may be in use by a scan. Filters that cannot copy
// themselves are compiled again from the filter text.
func freshFilter(sh *Shared) Filter {
	if sh.Filter == nil {
		return nil
	}
	if r, ok := sh.Filter.(refresher); ok {
		if f := r.fresh(); f != nil {
			return f
		}
	}
	f, _, _ := sh.filterCompiler()(sh.FilterText, sh.Store.Names())
	return f
}

// fresh copies every part, or gives up (nil) on a part it cannot copy.
func (a allOf) fresh() Filter {
	out := make(allOf, len(a))
	for i, f := range a {
		switch f := f.(type) {
		case refresher:
			if out[i] = f.fresh(); out[i] == nil {
				return nil
			}
		case *ifaceFilter:
			out[i] = f // no scratch space
		default:
			return nil
		}
	}
	return out
}

func (vf *verdictFilter) Match(f *model.Flow, x *model.Ext) bool {
	p := rules.FromFlow(f, x, vf.names)
	if hit, ok := vf.memo[p]; ok {
		return hit
	}
	v := vf.snaps.get(p.Interface).Decide(p)
	hit := rules.KeyOf(&v, p).Rule == vf.want
	if len(vf.memo) >= verdictMemo {
		clear(vf.memo)
	}
	vf.memo[p] = hit
	return hit
}

func (v *verdictsView) setSize(w, h int) {
	v.width, v.height = w, h
	v.list.clamp(len(v.rows), v.bodyRows())
}

// bodyRows is the rows left under the two heading lines and, when there is
// room, the two lines that show the cursor's row whole.
func (v *verdictsView) bodyRows() int {
	if v.wholeLines() > 0 {
		return v.height - 2 - v.wholeLines()
	}
	return max(v.height-2, 1)
}

// wholeLines is the lines under the table for the cursor's row whole (its
// rule text is cut at 80 columns, and rules differ past the cut).
func (v *verdictsView) wholeLines() int {
	if v.height >= 10 {
		return 2
	}
	return 0
}

// ruleText is a row's rule, ports and notes.
func ruleText(r *rules.SummaryRow) string {
	parts := []string{r.Key.Rule}
	for _, s := range []string{r.Ports(), r.Notes()} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return Sanitize(strings.Join(parts, " · "))
}

func (v *verdictsView) shortHelp() []key.Binding {
	return []key.Binding{v.keys.Drill, v.keys.Recount, described(v.keys.Toggle, "back to the flow")}
}

func (v *verdictsView) view() string {
	st := &v.sh.Styles
	w := max(v.width, 1)
	var out strings.Builder
	head := " VERDICTS BY RULE"
	switch {
	case v.note != "":
	case v.counting:
		head += " · counting…"
	default:
		head += " · " + plural(uint64(v.records), "record")
		if v.filter != "" {
			head += " of filter " + v.filter
		}
	}
	out.WriteString(st.Section.Render(fitWidth(Sanitize(head), w)))
	out.WriteByte('\n')
	out.WriteString(st.Dim.Render(fitWidth("   FLOWS SOURCES  DECIDED BY  RULE · PORTS · NOTES", w)))
	h := v.bodyRows()
	drawn := 0
	if v.note == "" {
		for i := v.list.top; i < len(v.rows) && drawn < h; i++ {
			r := &v.rows[i]
			b := padLeft(nil, thousands(uint64(r.Records)), 8)
			b = padLeft(b, thousands(uint64(r.Sources)), 8)
			b = append(b, "  "...)
			b = padRight(b, decider(r), 10)
			line := string(b) + "  " + ruleText(r)
			style := st.Value
			switch {
			case r.Inconsistent > 0:
				style = st.Warn
			case r.Expected == model.ActionReject:
				style = st.Reject
			}
			if i == v.list.cursor {
				style = st.Cursor.Inherit(style)
			}
			out.WriteByte('\n')
			out.WriteString(style.Render(fitWidth(line, w)))
			drawn++
		}
	}
	note := v.note
	if note == "" && !v.counting {
		note = " No records to explain."
	}
	finishRows(&out, st, drawn, h, fitWidth(note, w))
	if n := v.wholeLines(); n > 0 {
		var whole []string
		if v.note == "" && v.list.cursor < len(v.rows) {
			r := &v.rows[v.list.cursor]
			if text := ruleText(r); 30+cellWidth(text) > w { // cut in its row
				whole = capLines(wrapWords(text, w-1), n)
			}
		}
		for i := range n {
			out.WriteByte('\n')
			if i < len(whole) {
				out.WriteString(st.Dim.Render(fitWidth(" "+whole[i], w)))
			}
		}
	}
	if v.height < 3 { // smaller than the two headings and a row
		lines := strings.SplitN(out.String(), "\n", max(v.height, 1)+1)
		return strings.Join(lines[:min(len(lines), max(v.height, 1))], "\n")
	}
	return out.String()
}

// decider names the control of a row as the verdict line does.
func decider(r *rules.SummaryRow) string {
	switch r.Key.DecidedBy {
	case "nacl":
		return "NACL"
	case "sg":
		return "SG"
	case "bpa":
		return "BPA"
	case "none":
		return "allowed"
	}
	return "undecided"
}
