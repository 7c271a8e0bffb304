package ui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/flowtail/flowtail/model"
)

// explainTarget is what the rules pane explains: one record, a
// conversation's request and reply records, or an interface's rules
// without a flow. It is chosen by the user (r on a row, or the flows
// cursor when the rules pane is opened) and stays until they choose
// another: new records arriving never change it.
type explainTarget struct {
	seq      uint64 // the record, or a conversation's request
	hasSeq   bool
	reply    uint64 // a conversation's reply
	hasReply bool
	iface    string // an interface without a flow (hasSeq false)
}

func (t explainTarget) valid() bool { return t.hasSeq || t.hasReply || t.iface != "" }

// explainer is a pane whose rows stand for flows or interfaces: r
// explains the row under the cursor. ok is false where the row stands for
// no flow (or there is no row); r is then not offered.
type explainer interface {
	explainRow() (cmd tea.Cmd, ok bool)
}

// explainMsg asks the root to show the rules pane on a target; text, when
// set, says why there is none.
type explainMsg struct {
	target explainTarget
	text   string
}

// explain is the command a pane returns on r for a target it already has.
func explain(t explainTarget) tea.Cmd {
	return func() tea.Msg { return explainMsg{target: t} }
}

// explainNewest finds, off the UI goroutine, the newest buffered record
// matching flt (a stats group, a conversation) and explains it; pair, when
// set, splits the matches into a request and a reply by direction and
// explains both.
func explainNewest(store *model.Store, flt Filter, isRequest func(*model.Flow, *model.Ext) bool, what string) tea.Cmd {
	return func() tea.Msg {
		var t explainTarget
		store.Read(func(v model.View) {
			for i := v.Len() - 1; i >= 0; i-- {
				f, x := v.At(i)
				if !flt.Match(f, x) {
					continue
				}
				switch {
				case isRequest == nil || isRequest(f, x):
					if !t.hasSeq {
						t.seq, t.hasSeq = v.Seq(i), true
					}
				case !t.hasReply:
					t.reply, t.hasReply = v.Seq(i), true
				}
				if t.hasSeq && (isRequest == nil || t.hasReply) {
					return
				}
			}
		})
		if !t.valid() {
			return explainMsg{text: "no record of this " + what + " is left in the buffer"}
		}
		return explainMsg{target: t}
	}
}
