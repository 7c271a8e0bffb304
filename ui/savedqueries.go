package ui

import (
	"fmt"
	"github.com/flowtail/flowtail/model/query"
	"net/netip"
	"strings"
)

// Triage is a saved question in the query language: a built-in one or one
// from the config file's [queries]. A triage with a Prompt asks for a value
// first and puts it where the query says %s.
type Triage struct {
	Name   string
	Query  string
	Prompt string // what to ask for ("address"); "" asks nothing
}

// Text is the query with the answer to the prompt in place.
func (t Triage) Text(answer string) (string, error) {
	if t.Prompt == "" {
		return t.Query, nil
	}
	a, err := netip.ParseAddr(strings.TrimSpace(answer))
	if err != nil || a.Zone() != "" {
		return "", fmt.Errorf("%q is not an IPv4 or IPv6 address", answer)
	}
	return strings.ReplaceAll(t.Query, "%s", a.Unmap().String()), nil
}

// BuiltinTriage are the questions asked of flow logs most often, each a
// query the stats pane answers.
var BuiltinTriage = []Triage{
	{Name: "rejected SSH/RDP by source",
		Query: `filter action = "REJECT" and dstport in [22, 3389] | stats count(*) as attempts by srcaddr | sort attempts desc`},
	{Name: "top talkers by bytes",
		Query: `stats sum(bytes) as bytes, count(*) as flows by srcaddr, dstaddr | sort bytes desc | limit 50`},
	{Name: "rejected by destination port",
		Query: `filter action = "REJECT" | stats count(*) as rejects by dstport, proto | sort rejects desc`},
	// A SYN alone in a record's flags: the interval saw the connection
	// asked for and nothing after it from this side.
	{Name: "SYN without a reply",
		Query: `filter proto = "tcp" and tcpflags = 2 | stats count(*) as syns by srcaddr, dstaddr, dstport | sort syns desc`},
	// The network ACL return-path mistake: the reply from a service port
	// to the client's ephemeral port (1024–65535) is refused because the
	// NACL allows the request but not the ports the reply goes to.
	{Name: "replies rejected (NACL return path)",
		Query: `filter action = "REJECT" and protocol in [6, 17] and dstport >= 1024 and srcport < dstport | stats count(*) as rejects by srcaddr, srcport, dstaddr | sort rejects desc`},
	{Name: "NAT gateway egress by destination",
		Query: `filter srcOwner = "NAT gateway" | stats sum(bytes) as bytes, count(*) as flows by dstaddr, dstOwner | sort bytes desc`},
	{Name: "traffic to or from one address", Prompt: "address",
		Query: `filter srcaddr = "%s" or dstaddr = "%s" | stats sum(bytes) as bytes, count(*) as flows by srcaddr, dstaddr, dstport, action | sort bytes desc`},
}

// triageQueries are the palette's built-in questions: BuiltinTriage and
// the queries model/query ships by name (Transit Gateway packet loss by
// attachment).
func triageQueries() []Triage {
	out := append([]Triage(nil), BuiltinTriage...)
	for _, b := range query.Builtins {
		out = append(out, Triage{Name: b.Title, Query: b.Text})
	}
	return out
}
