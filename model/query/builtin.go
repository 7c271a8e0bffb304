package query

import "strings"

// Builtin is a query flowtail ships for a common question.
type Builtin struct {
	Name  string // what a user types instead of the query
	Title string // the question it answers
	Text  string
}

// Builtins are the shipped queries.
var Builtins = []Builtin{
	{
		Name:  "tgw-drops",
		Title: "transit gateway drops by attachment and loss reason",
		Text: "filter packetsLostNoRoute > 0 or packetsLostBlackhole > 0 or packetsLostMtuExceeded > 0 or packetsLostTtlExpired > 0" +
			" | stats sum(packetsLostNoRoute) as noRoute, sum(packetsLostBlackhole) as blackhole," +
			" sum(packetsLostMtuExceeded) as mtuExceeded, sum(packetsLostTtlExpired) as ttlExpired, count(*) as records" +
			" by tgwAttachmentId | sort records desc",
	},
}

// LookupBuiltin finds a shipped query by name, case-insensitively.
func LookupBuiltin(name string) (Builtin, bool) {
	for _, b := range Builtins {
		if strings.EqualFold(b.Name, strings.TrimSpace(name)) {
			return b, true
		}
	}
	return Builtin{}, false
}
