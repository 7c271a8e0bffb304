package ui

import (
	"context"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/rules"
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
		found := func() bool { return t.hasSeq && (isRequest == nil || t.hasReply) }
		// Newest first, a chunk per read lock so ingest never waits long;
		// records evicted meanwhile are simply not found.
		var next uint64 // the seq to look at next, downwards
		started, done := false, false
		for !done && !found() {
			store.Read(func(v model.View) {
				if v.Len() == 0 {
					done = true
					return
				}
				if !started {
					next, started = v.Seq(v.Len()-1), true
				}
				i, ok := v.Index(next)
				if !ok {
					done = true // the rest has left the buffer
					return
				}
				for stop := max(i-chunkRecords, -1); i > stop; i-- {
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
					if found() {
						return
					}
				}
				if i < 0 {
					done = true
					return
				}
				next = v.Seq(i)
			})
		}
		if !t.valid() {
			return explainMsg{text: "no record of this " + what + " is left in the buffer"}
		}
		return explainMsg{target: t}
	}
}

// decidingRule names the rule that decided a verdict, with its list:
// "network ACL acl-0d3c… (db-nacl) outbound rule * deny all traffic
// 0.0.0.0/0", "security group sg-0db… (db) inbound tcp 5432 from sg-0app…";
// both when the traffic was allowed by each. "" when undecided.
func decidingRule(v *rules.Verdict) string {
	nacl := func() string {
		n := &v.NACL
		if n.ACL == nil || !n.Evaluated {
			return ""
		}
		dir := "inbound"
		if v.Direction == rules.Egress {
			dir = "outbound"
		}
		s := "network ACL " + rules.ACLLabel(n.ACL) + " " + dir + " rule " + n.Rule()
		if n.Entry != nil {
			act := "deny"
			if n.Entry.Allow {
				act = "allow"
			}
			s += " " + act + " " + rules.EntryText(n.Entry) + " " + n.Entry.CIDR.String()
		} else {
			s += " deny (no rule matched)"
		}
		return s
	}
	sg := func() string {
		if v.SG.Group == nil || v.SG.Perm == nil {
			return ""
		}
		return "security group " + rules.GroupLabel(v.SG.Group) + " " + v.SG.Rule(v.Direction)
	}
	var s string
	switch v.DecidedBy {
	case "nacl":
		s = nacl()
	case "sg":
		s = sg()
		if s == "" && v.Interface != nil { // denied: no security group rule allows it
			s = "no rule of the security groups of " + v.Interface.ID + " allows it"
		}
	case "none":
		var parts []string
		for _, p := range []string{sg(), nacl()} {
			if p != "" {
				parts = append(parts, p)
			}
		}
		s = strings.Join(parts, "; ")
	}
	return Sanitize(s)
}

// rulesLookupMsg carries the rules of one interface, for the detail view
// and the flows pane's verdict column.
type rulesLookupMsg struct {
	iface string
	snap  *rules.Snapshot
	err   error
}

// hasInterface reports whether a record names the interface it was logged on.
func hasInterface(f *model.Flow, x *model.Ext) bool {
	_, ok := model.StrID(f, x, model.FieldInterfaceID)
	return ok
}

func lookupRules(src RuleSource, iface string) tea.Cmd {
	if src == nil || iface == "" {
		return nil
	}
	return func() tea.Msg {
		snap, err := src.Lookup(context.Background(), iface)
		return rulesLookupMsg{iface: iface, snap: snap, err: err}
	}
}

// verdictOf evaluates record i with snap, using the records before it as
// evidence of a reply, as the rules pane does.
func verdictOf(snap *rules.Snapshot, v model.View, i int) rules.Verdict {
	f, x := v.At(i)
	pkt := rules.FromFlow(f, x, v.Names())
	pkt.ReverseSeen = model.ReverseBefore(v, i)
	return snap.Explain(pkt)
}
