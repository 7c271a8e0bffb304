package ui

import (
	"time"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"

	"github.com/flowtail/flowtail/model"
)

// Pane is one screen of the TUI, switched with tab/shift+tab and 1–5
// (flows=1, interfaces=2, flags=3, rules=4). It is a bubbletea-style model
// plus its own help and size:
//
//   - Update receives key presses only while the pane is active and no
//     mode (filter bar, detail, help) has the keyboard; global keys (q, ?,
//     /, tab, 1–5, t) are handled before it. It also receives the
//     broadcast messages RefreshMsg (the store or the filter changed) and
//     FilterMsg (a new filter was applied).
//   - View draws exactly the width×height given by SetSize. It must cost
//     what the visible rows cost, never the buffer size: read the store
//     with Shared.Store.Read and View.At for the rows on screen only, and
//     keep aggregates incrementally with model.Store.Observe.
//   - Every other message goes to every pane, so a pane's own background
//     results come back to it: heavy work (a recount over the buffer) runs
//     in a tea.Cmd and returns a message, tagged so stale results can be
//     dropped; never one message per record.
//   - ShortHelp/FullHelp list the pane's own keys for the footer and `?`
//     (take shared bindings from Shared.Keys; they are switched off while
//     the user types, so a pane never sees text meant for the filter bar).
//   - To drill down into a record, return OpenDetail(seq) as a command;
//     the root shows the detail view and esc comes back to the pane.
//     Flash(text, isErr) shows a short message in the footer.
//
// Adding a pane: write it in its own file with a constructor
// func(sh *Shared) Pane, and list it in allPanes (root.go).
//
// Shared carries the store, styles, keymap, clock, time zone, current
// filter and status the panes draw with; it is owned by the root model
// and read by panes on the UI goroutine.
type Pane interface {
	help.KeyMap
	Title() string
	Init() tea.Cmd
	Update(msg tea.Msg) (Pane, tea.Cmd)
	View() string
	SetSize(width, height int)
}

// paneSpec is a pane's place in the tab order: its digit key and title.
type paneSpec struct {
	slot  int
	title string
	build func(sh *Shared) Pane
}

// Shared is the state every pane reads: one place for size, theme, keys,
// the clock and the filter, so panes stay small.
type Shared struct {
	Store  *model.Store
	Styles Styles
	Keys   Keymap
	Now    func() time.Time
	// Local is true when times are drawn in the local zone (key `t`);
	// UTC is the default so times match the AWS console and other tools.
	Local bool
	// Ended is set once the sources have delivered everything they will
	// (a capture read to its end), so an empty view can say why.
	Ended bool
	Loc   *time.Location // the local zone, fixed in tests

	// Filter is the applied filter (nil: everything) and Matches the
	// records it selects, kept current by the root.
	FilterText string
	Filter     Filter
	Matches    *MatchSet

	// Selected is the record under the flows pane's cursor, for panes
	// that describe it (ok false when there is none).
	Selected func() (seq uint64, ok bool)

	// Explain is what the rules pane explains, chosen by the user; the
	// root sets it (r on a row, or the flows cursor when the rules pane
	// opens without a choice).
	Explain explainTarget

	// Rules supplies the security groups and network ACLs the rules pane
	// explains the selected flow with (nil: none configured).
	Rules RuleSource
	// Owners says who owns an address (nil: nothing is known);
	// OwnersNote where the public owners come from.
	Owners     model.OwnerLookup
	OwnersNote string
	// InterfaceName names an interface by id from the loaded rules (nil:
	// no rules loaded).
	InterfaceName func(id string) (string, bool)

	// Remote runs the stats pane's query on AWS (nil: none configured).
	Remote RemoteEngine
}

// Zone is the time zone times are drawn in.
func (sh *Shared) Zone() *time.Location {
	if sh.Local {
		return sh.Loc
	}
	return time.UTC
}

// RefreshMsg tells the active pane that the store or the filter changed.
type RefreshMsg struct{ Generation uint64 }

// FilterMsg tells every pane a new filter was applied.
type FilterMsg struct{}

// openDetailMsg asks the root to show the detail view of one record.
type openDetailMsg struct{ seq uint64 }

// OpenDetail is the command a pane returns to drill down into a record.
func OpenDetail(seq uint64) tea.Cmd {
	return func() tea.Msg { return openDetailMsg{seq} }
}

// flashMsg shows a short message in the status bar (copy, export, errors).
type flashMsg struct {
	text string
	err  bool
}

// Flash is the command a pane returns to tell the user something briefly.
func Flash(text string, isErr bool) tea.Cmd {
	return func() tea.Msg { return flashMsg{text, isErr} }
}
