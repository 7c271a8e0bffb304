package ui

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/query"
)

// fakeEngine answers with fixed rows once released, or ends when
// cancelled; it stands for source/remote's engines, whose AWS side is
// tested against the wire-level fake.
type fakeEngine struct {
	release   chan struct{}
	cancelled atomic.Bool
	queries   atomic.Int32
	store     *model.Store
	pulled    atomic.Value // the filter Pull was given
}

// Pull puts one record matching the row into the ring, as the real engine
// ingests what a raw Insights query returns.
func (e *fakeEngine) Pull(ctx context.Context, filter string, progress func(string)) (int, error) {
	e.pulled.Store(filter)
	progress("pulling records from Logs Insights: Complete · 1 rows")
	line := "2 123456789012 eni-0feed 203.0.113.50 198.51.100.7 51515 5432 6 3 180 1704067200 1704067260 REJECT OK"
	model.NewIngester(e.store, nil).Ingest(model.Batch{Events: []model.Event{{Line: []byte(line), Origin: "Logs Insights"}}})
	return 1, nil
}

func (e *fakeEngine) Describe() string { return "Logs Insights · last 7d" }

func (e *fakeEngine) Run(ctx context.Context, prog *query.Program, progress func(string, *query.Result)) (*query.Result, string, error) {
	e.queries.Add(1)
	progress("Logs Insights: Running · 1 rows · 1.2 GiB scanned", &query.Result{Columns: prog.Columns(), Rows: [][]query.Value{
		{{Kind: query.Str, S: "192.0.2.55"}, {Kind: query.Int, I: 12}},
	}})
	select {
	case <-e.release:
		res := &query.Result{Columns: prog.Columns(), Rows: [][]query.Value{
			{{Kind: query.Str, S: "198.51.100.7"}, {Kind: query.Int, I: 4821}},
			{{Kind: query.Str, S: "203.0.113.9"}, {Kind: query.Int, I: 77}},
		}}
		return res, "Logs Insights · complete · 2.0 GiB scanned · ~$0.0100 · 2024-01-01 00:00 to 2024-01-08 00:00", nil
	case <-ctx.Done():
		e.cancelled.Store(true)
		return nil, "", ctx.Err()
	}
}

const remoteTestQuery = `filter action = "REJECT" | stats count(*) as n by dstaddr | sort n desc`

func TestStatsRemoteRunShowsAnswerBesideRing(t *testing.T) {
	e := &fakeEngine{release: make(chan struct{})}
	close(e.release)
	e.store = fixtureStore(t)
	cfg := fixtureConfig(e.store)
	cfg.Compile = QueryFilter
	cfg.Remote = e
	d := newDriver(t, cfg, 160, 20) // wide enough for the whole summary line
	d.applyFilter(remoteTestQuery)
	gotoPane(t, d, "stats")
	if !strings.Contains(d.screen(), "10.0.2.10") {
		t.Fatalf("no local answer:\n%s", d.screen())
	}
	d.keys("R")
	screen := d.screen()
	for _, want := range []string{"198.51.100.7", "4821", "2 groups · Logs Insights · complete · 2.0 GiB scanned · ~$0.0100 · 2024-01-01 00:00 to 2024-01-08 00:00", "ring: 1 group over"} {
		if !strings.Contains(screen, want) {
			t.Fatalf("remote answer lacks %q:\n%s", want, screen)
		}
	}
	if strings.Contains(screen, "10.0.2.10") {
		t.Errorf("local rows shown with the remote answer:\n%s", screen)
	}
	// esc goes back to the ring's answer.
	d.keys("esc")
	if s := d.screen(); !strings.Contains(s, "10.0.2.10") || strings.Contains(s, "198.51.100.7") {
		t.Fatalf("after esc, want the ring's answer:\n%s", s)
	}
	// enter on a remote row pulls its records into the ring and shows them.
	d.keys("R", "enter")
	d.refresh()
	if f, _ := e.pulled.Load().(string); f != `dstaddr = "198.51.100.7"` {
		t.Fatalf("pulled with filter %q", f)
	}
	screen = d.screen()
	if !strings.Contains(screen, "203.0.113.50") || !strings.Contains(screen, "pulled 1 records into the ring") {
		t.Fatalf("pulled record not shown in the flows:\n%s", screen)
	}
}

func TestStatsRemoteEscCancels(t *testing.T) {
	e := &fakeEngine{release: make(chan struct{})}
	cfg := fixtureConfig(fixtureStore(t))
	cfg.Compile = QueryFilter
	cfg.Remote = e
	d := newDriver(t, cfg, 120, 20)
	d.applyFilter(remoteTestQuery)
	gotoPane(t, d, "stats")
	// Step by hand: the first status arrives, the run goes on.
	_, cmd := d.m.Update(keyPress("R"))
	_, next := d.m.Update(cmd())
	if next == nil {
		t.Fatal("no wait for the next status")
	}
	if s := d.screen(); !strings.Contains(s, "Logs Insights: Running · 1 rows · 1.2 GiB scanned · esc cancels") || !strings.Contains(s, "192.0.2.55") {
		t.Fatalf("running status or partial rows missing:\n%s", s)
	}
	d.keys("esc")
	if msg := next(); msg.(remoteDoneMsg).err != context.Canceled || !e.cancelled.Load() {
		t.Fatalf("esc did not cancel the remote run: %v", msg)
	}
	if s := d.screen(); !strings.Contains(s, "10.0.2.10") || strings.Contains(s, "esc cancels") {
		t.Fatalf("after esc, want the ring's answer:\n%s", s)
	}
}

// TestStatsRemoteStopsWhenLeft: switching to another pane stops a
// running remote query.
func TestStatsRemoteStopsWhenLeft(t *testing.T) {
	e := &fakeEngine{release: make(chan struct{})}
	e.store = fixtureStore(t)
	cfg := fixtureConfig(e.store)
	cfg.Compile = QueryFilter
	cfg.Remote = e
	d := newDriver(t, cfg, 120, 20)
	d.applyFilter(remoteTestQuery)
	gotoPane(t, d, "stats")
	_, cmd := d.m.Update(keyPress("R"))
	_, next := d.m.Update(cmd())
	d.keys("1")
	if msg := next(); msg.(remoteDoneMsg).err != context.Canceled || !e.cancelled.Load() {
		t.Fatalf("leaving the pane did not stop the query: %v", msg)
	}
}

func TestStatsRemoteWithoutEngine(t *testing.T) {
	cfg := fixtureConfig(fixtureStore(t))
	cfg.Compile = QueryFilter
	d := newDriver(t, cfg, 120, 20)
	d.applyFilter(remoteTestQuery)
	gotoPane(t, d, "stats")
	d.keys("R")
	if !strings.Contains(d.screen(), "no remote engine: start flowtail with -g GROUP (Logs Insights)") {
		t.Fatalf("no explanation:\n%s", d.screen())
	}
}

// TestGoldenStatsRemote keeps the whole screen at 80×24 and 120×40 while
// the remote query runs (its partial rows) and once it is done.
func TestGoldenStatsRemote(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			e := &fakeEngine{release: make(chan struct{})}
			e.store = fixtureStore(t)
			cfg := fixtureConfig(e.store)
			cfg.Compile = QueryFilter
			cfg.Remote = e
			d := newDriver(t, cfg, size[0], size[1])
			d.applyFilter(remoteTestQuery)
			gotoPane(t, d, "stats")
			_, cmd := d.m.Update(keyPress("R"))
			_, next := d.m.Update(cmd())
			running := d.screen()
			close(e.release)
			d.send(next())
			golden.RequireEqual(t, []byte(running+"\n---\n"+d.screen()))
		})
	}
}
