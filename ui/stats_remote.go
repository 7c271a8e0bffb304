package ui

import (
	"context"
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/flowtail/flowtail/model/query"
)

// RemoteEngine answers the stats pane's query on an engine AWS runs (Logs
// Insights over the log groups being tailed) over a longer window than the
// ring holds. Run reports status lines as the query runs, honours ctx
// (stopping the remote query), and returns the answer with a one-line
// summary: engine, time range, status, bytes scanned, cost. partial,
// when not nil, is the answer so far.
//
// Pull brings the records matching filter (what a row drills into) from
// the engine into the ring, so the flows, rules and conversations panes
// see what the remote answer counted; it returns how many came.
type RemoteEngine interface {
	Describe() string
	Run(ctx context.Context, prog *query.Program, progress func(status string, partial *query.Result)) (res *query.Result, summary string, err error)
	Pull(ctx context.Context, filter string, progress func(status string)) (n int, err error)
}

// remoteRun is one remote run of the pane's query. The ring's own answer
// keeps updating in local, to be shown again when the remote one is left.
type remoteRun struct {
	cancel  context.CancelFunc
	updates chan tea.Msg
	running bool
	status  string
	summary string
	errMsg  string
	local   *query.Result
}

type remoteStatusMsg struct {
	pane    *statsPane
	run     *remoteRun
	status  string
	partial *query.Result
}

type remoteDoneMsg struct {
	pane    *statsPane
	run     *remoteRun
	res     *query.Result
	summary string
	err     error
}

type remotePulledMsg struct {
	pane *statsPane
	run  *remoteRun
	text string // the drill filter
	n    int
	err  error
}

// wait delivers the run's next message; each status message asks for the
// next, until the run is done, so the goroutine never blocks for long.
func (r *remoteRun) wait() tea.Cmd {
	ch := r.updates
	return func() tea.Msg { return <-ch }
}

func (p *statsPane) startRemote() tea.Cmd {
	switch {
	case p.sh.Remote == nil:
		return Flash("no remote engine: start flowtail with -g GROUP (Logs Insights) or --athena-table DB.TABLE (Athena)", true)
	case p.prog == nil:
		return Flash("type a query with stats in the filter bar (/) first", true)
	}
	p.cancelRemote()
	ctx, cancel := context.WithCancel(context.Background())
	r := &remoteRun{cancel: cancel, updates: make(chan tea.Msg, 8), running: true, status: "starting " + p.sh.Remote.Describe(), local: p.res}
	p.remote = r
	engine, prog := p.sh.Remote, p.prog
	go func() {
		res, summary, err := engine.Run(ctx, prog, func(s string, partial *query.Result) {
			select {
			case r.updates <- remoteStatusMsg{pane: p, run: r, status: s, partial: partial}:
			default: // a newer status will follow
			}
		})
		r.updates <- remoteDoneMsg{pane: p, run: r, res: res, summary: summary, err: err}
	}()
	return r.wait()
}

// Left stops a remote query still running when the pane is left: nobody
// watches it, and it costs by the byte. A finished answer stays.
func (p *statsPane) Left() {
	if p.remote != nil && p.remote.running {
		p.cancelRemote()
	}
}

// cancelRemote stops a remote run and goes back to the ring's answer.
func (p *statsPane) cancelRemote() {
	r := p.remote
	if r == nil {
		return
	}
	r.cancel()
	p.remote = nil
	p.res = r.local
	if p.res != nil {
		p.measure()
		p.order()
	}
}

// pullRemote brings the records of the row under the cursor into the
// ring, then filters the flows to them as a local drill does.
func (p *statsPane) pullRemote() tea.Cmd {
	r := p.remote
	if r.running || p.res == nil || len(p.rows) == 0 || p.prog == nil {
		return nil
	}
	keys := p.prog.GroupKeys()
	if len(keys) == 0 {
		return Flash("this stats query has no by keys to filter on", true)
	}
	text := drillText(keys, p.res.Rows[p.rows[p.list.cursor]])
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel, r.running, r.status = cancel, true, "pulling the row's records"
	r.updates = make(chan tea.Msg, 8)
	engine := p.sh.Remote
	go func() {
		n, err := engine.Pull(ctx, text, func(s string) {
			select {
			case r.updates <- remoteStatusMsg{pane: p, run: r, status: s}:
			default:
			}
		})
		r.updates <- remotePulledMsg{pane: p, run: r, text: text, n: n, err: err}
	}()
	return r.wait()
}

// remoteUpdate handles the remote run's messages; ok is false for others.
func (p *statsPane) remoteUpdate(msg tea.Msg) (cmd tea.Cmd, ok bool) {
	switch msg := msg.(type) {
	case remoteStatusMsg:
		if msg.pane != p {
			return nil, true
		}
		if msg.run == p.remote {
			msg.run.status = msg.status
			if msg.partial != nil { // rows as they arrive
				p.res = msg.partial
				p.measure()
				p.order()
			}
		}
		return msg.run.wait(), true
	case remoteDoneMsg:
		if msg.pane != p || msg.run != p.remote {
			return nil, true
		}
		r := msg.run
		r.running = false
		switch {
		case errors.Is(msg.err, context.Canceled):
			r.errMsg = "cancelled"
		case msg.err != nil:
			r.errMsg = msg.err.Error()
		default:
			r.summary = msg.summary
			p.res = msg.res
			p.measure()
			p.order()
		}
		return nil, true
	case remotePulledMsg:
		if msg.pane != p || msg.run != p.remote {
			return nil, true
		}
		msg.run.running = false
		if msg.err != nil {
			msg.run.status = ""
			return Flash("pulling records: "+Sanitize(msg.err.Error()), true), true
		}
		flt, _, err := p.sh.filterCompiler()(msg.text, p.sh.Store.Names())
		if err != nil || flt == nil {
			return Flash("cannot filter to this row: "+Sanitize(fmt.Sprint(err)), true), true
		}
		return tea.Batch(Flash(fmt.Sprintf("pulled %s records into the ring", thousands(uint64(msg.n))), false), drillFilter(msg.text, flt)), true
	}
	return nil, false
}

// remoteLine is the pane's last line while a remote answer is shown.
func (p *statsPane) remoteLine() string {
	r := p.remote
	var s string
	switch {
	case r.running:
		s = " " + r.status + " · esc cancels"
	case r.errMsg != "":
		s = " remote run: " + r.errMsg + " · esc: back to the ring"
	default:
		s = " " + groupCount(len(p.res.Rows)) + " · " + r.summary
		if r.local != nil {
			s += " · ring: " + groupCount(len(r.local.Rows)) + " over " + thousands(r.local.Scanned) + " records"
		}
		s += " · esc: back to the ring"
	}
	return Sanitize(s)
}

func groupCount(n int) string {
	if n == 1 {
		return "1 group"
	}
	return thousands(uint64(n)) + " groups"
}
