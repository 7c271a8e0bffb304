package ui

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/flowtail/flowtail/model/aggregate"
)

// ifaceColumn is one column of the table. Columns are dropped in order of
// priority (lowest first) when the terminal is narrow.
type ifaceColumn struct {
	title    string
	width    int
	right    bool
	priority int // lower is kept longer
	cell     func(b []byte, sh *Shared, it *aggregate.Interface) []byte
	less     func(a, b *aggregate.Interface) int // nil: not sortable
	flex     bool                                // takes the width left over
	names    bool                                // shown only when interface names are known
}

var ifaceColumns = []ifaceColumn{
	{title: "INTERFACE", width: 21, priority: 0,
		cell: func(b []byte, _ *Shared, it *aggregate.Interface) []byte { return append(b, ifaceName(it)...) },
		less: func(a, b *aggregate.Interface) int { return cmp.Compare(a.Name, b.Name) }},
	{title: "NAME", width: 20, priority: 1, names: true,
		cell: func(b []byte, sh *Shared, it *aggregate.Interface) []byte {
			return append(b, interfaceLabel(sh, it.Name)...)
		}},
	{title: "FLOWS", width: 9, right: true, priority: 1,
		cell: func(b []byte, _ *Shared, it *aggregate.Interface) []byte { return appendThousands(b, it.Flows) },
		less: func(a, b *aggregate.Interface) int { return cmp.Compare(a.Flows, b.Flows) }},
	{title: "PACKETS", width: 9, right: true, priority: 10,
		cell: func(b []byte, _ *Shared, it *aggregate.Interface) []byte {
			if it.PacketsOver {
				return appendOver(b, it.Packets)
			}
			return appendThousands(b, it.Packets)
		},
		less: func(a, b *aggregate.Interface) int { return cmp.Compare(a.Packets, b.Packets) }},
	{title: "BYTES", width: 5, right: true, priority: 4,
		cell: func(b []byte, _ *Shared, it *aggregate.Interface) []byte {
			if it.BytesOver {
				return appendOver(b, it.Bytes)
			}
			return appendHuman(b, it.Bytes)
		},
		less: func(a, b *aggregate.Interface) int { return cmp.Compare(a.Bytes, b.Bytes) }},
	{title: "ACCEPT", width: 9, right: true, priority: 9,
		cell: func(b []byte, _ *Shared, it *aggregate.Interface) []byte { return appendThousands(b, it.Accepts) },
		less: func(a, b *aggregate.Interface) int { return cmp.Compare(a.Accepts, b.Accepts) }},
	{title: "REJECT", width: 9, right: true, priority: 2,
		cell: func(b []byte, _ *Shared, it *aggregate.Interface) []byte { return appendThousands(b, it.Rejects) },
		less: func(a, b *aggregate.Interface) int { return cmp.Compare(a.Rejects, b.Rejects) }},
	{title: "REJ%", width: 6, right: true, priority: 3,
		cell: func(b []byte, _ *Shared, it *aggregate.Interface) []byte {
			if it.Accepts+it.Rejects == 0 {
				return append(b, '-')
			}
			return append(strconv.AppendFloat(b, it.RejectPct(), 'f', 1, 64), '%')
		},
		less: func(a, b *aggregate.Interface) int { return cmp.Compare(a.RejectPct(), b.RejectPct()) }},
	{title: "PEERS", width: 6, right: true, priority: 6,
		cell: func(b []byte, _ *Shared, it *aggregate.Interface) []byte {
			if it.Peers < 0 {
				return append(b, '-') // not counted yet
			}
			return appendThousands(b, uint64(it.Peers))
		},
		less: func(a, b *aggregate.Interface) int { return cmp.Compare(a.Peers, b.Peers) }},
	{title: "TOP DST PORTS", width: 15, priority: 7,
		cell: func(b []byte, _ *Shared, it *aggregate.Interface) []byte {
			for i, p := range it.TopPorts {
				if i > 0 {
					b = append(b, ' ')
				}
				b = strconv.AppendUint(b, uint64(p.Port), 10)
			}
			if len(it.TopPorts) == 0 {
				b = append(b, '-')
			}
			return b
		},
		less: func(a, b *aggregate.Interface) int { return cmp.Compare(topPort(a), topPort(b)) }},
	{title: "LAST SEEN", width: 9, priority: 8,
		cell: func(b []byte, sh *Shared, it *aggregate.Interface) []byte {
			return appendTime(b, it.LastSeen, it.LastSeen != 0, sh.Zone(), "15:04:05")
		},
		less: func(a, b *aggregate.Interface) int { return cmp.Compare(a.LastSeen, b.LastSeen) }},
	{title: "TRAFFIC", width: 8, priority: 5, flex: true},
}

const ifaceSortDefault = 2 // FLOWS

func ifaceName(it *aggregate.Interface) string {
	if it.Name == "" {
		return "(no interface-id)"
	}
	return Sanitize(it.Name)
}

func topPort(it *aggregate.Interface) uint32 {
	if len(it.TopPorts) == 0 {
		return 0
	}
	return it.TopPorts[0].Flows
}

// lastSeenDated is the LAST SEEN layout when the interfaces were last
// seen on different days: a time alone would read as the same day.
const lastSeenDated = "01-02 15:04"

// layoutIfaceColumns keeps the most important columns that fit, in their
// table order; the sparkline takes what is left. dated widens LAST SEEN
// to hold a date.
func layoutIfaceColumns(width int, names, dated bool) []ifaceColumn {
	byPrio := make([]int, len(ifaceColumns))
	for i := range byPrio {
		byPrio[i] = i
	}
	slices.SortFunc(byPrio, func(a, b int) int { return cmp.Compare(ifaceColumns[a].priority, ifaceColumns[b].priority) })
	keep := make([]bool, len(ifaceColumns))
	used := 1 // leading space
	for _, i := range byPrio {
		if ifaceColumns[i].names && !names {
			continue
		}
		if w := ifaceColumnWidth(i, dated) + 1; used+w <= width {
			keep[i] = true
			used += w
		}
	}
	var cols []ifaceColumn
	for i, c := range ifaceColumns {
		c.width = ifaceColumnWidth(i, dated)
		if keep[i] {
			if c.flex {
				c.width += width - used
			}
			cols = append(cols, c)
		}
	}
	return cols
}

// appendOver writes a sum that passed 64 bits, capped at the largest
// value, as more than that: ">18E".
func appendOver(b []byte, capped uint64) []byte {
	return appendHuman(append(b, '>'), capped)
}

// humanSum is humanCount of a sum that may have passed 64 bits (over).
func humanSum(n uint64, over bool) string {
	if over {
		return string(appendOver(nil, n))
	}
	return humanCount(n)
}

// ifaceColumnWidth is column i's width; LAST SEEN widens to show dates.
func ifaceColumnWidth(i int, dated bool) int {
	if dated && ifaceColumns[i].title == "LAST SEEN" {
		return len(lastSeenDated)
	}
	return ifaceColumns[i].width
}
