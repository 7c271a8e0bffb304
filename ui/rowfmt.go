package ui

import (
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/flowtail/flowtail/model"
)

// protoLabels holds the label for every protocol number: model's name in
// capitals (TCP, ICMPV6), or the number; built once so drawing a row never
// formats a number.
var protoLabels = func() (l [256]string) {
	for i := range l {
		l[i] = strings.ToUpper(model.ProtoText(uint8(i)))
	}
	return l
}()

// ProtoName is the protocol's label, or its number when it has no name.
func ProtoName(p uint8) string { return protoLabels[p] }

// appendHuman writes n in at most four characters: 842, 9.9K, 123K, 1.2M.
func appendHuman(b []byte, n uint64) []byte {
	if n < 1000 {
		return strconv.AppendUint(b, n, 10)
	}
	const units = "KMGTPE"
	v := float64(n)
	u := -1
	for v >= 999.5 && u < len(units)-1 {
		v /= 1000
		u++
	}
	tenths := int64(v*10 + 0.5)
	if tenths < 100 && tenths%10 != 0 {
		b = strconv.AppendInt(b, tenths/10, 10)
		b = append(b, '.', byte('0'+tenths%10))
	} else {
		b = strconv.AppendInt(b, int64(v+0.5), 10)
	}
	return append(b, units[u])
}

// appendThousands writes n with thousands separators: 1,234,567.
func appendThousands(b []byte, n uint64) []byte {
	var tmp [32]byte
	d := strconv.AppendUint(tmp[:0], n, 10)
	for i, c := range d {
		if i > 0 && (len(d)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, c)
	}
	return b
}

// appendEndpoint writes addr:port ([v6]:port), or addr alone without a
// port, or "-" when the address is absent.
func appendEndpoint(b []byte, a netip.Addr, port uint16, hasPort bool) []byte {
	if !a.IsValid() {
		b = append(b, '-')
	} else if a.Is6() && hasPort {
		b = append(b, '[')
		b = a.AppendTo(b)
		b = append(b, ']')
	} else {
		b = a.AppendTo(b)
	}
	if hasPort {
		b = append(b, ':')
		b = strconv.AppendUint(b, uint64(port), 10)
	}
	return b
}

// hasPorts reports whether ports mean something for the record (ICMP
// records carry 0 ports, which say nothing).
func hasPorts(f *model.Flow) bool {
	if !f.Has(model.FieldSrcPort) && !f.Has(model.FieldDstPort) {
		return false
	}
	return !isICMP(int(f.Proto)) || f.SrcPort != 0 || f.DstPort != 0
}

// isICMP reports ICMP and ICMPv6, whose records log no ports (0).
func isICMP(proto int) bool { return proto == 1 || proto == 58 }

// appendTime writes a unix time in loc with layout, or "-" when absent.
func appendTime(b []byte, sec uint32, ok bool, loc *time.Location, layout string) []byte {
	if !ok {
		return append(b, '-')
	}
	return time.Unix(int64(sec), 0).In(loc).AppendFormat(b, layout)
}

// verdict is the action cell: the action, or the log-status when the
// record carries no action (NODATA, SKIPDATA).
func verdict(f *model.Flow) string {
	if f.Has(model.FieldAction) && f.Action() != model.ActionNone {
		if f.Has(model.FieldLogStatus) && f.Status() != model.StatusOK {
			return f.Action().String() + " " + f.Status().String()
		}
		return f.Action().String()
	}
	if f.Has(model.FieldLogStatus) {
		return f.Status().String()
	}
	return "-"
}

// The match text of a row: the cells a user sees, written out in full and
// separated by cellSep, for the plain-text filter.
const (
	matchCells = 9
	cellSep    = '\x00'
)

func appendMatchText(b []byte, f *model.Flow, x *model.Ext, names *model.Interner, tc *timeCache) []byte {
	b = tc.append(b, f.Start, f.Has(model.FieldStart))
	b = append(b, cellSep)
	if id, ok := model.StrID(f, x, model.FieldInterfaceID); ok {
		b = append(b, Sanitize(names.Name(id))...)
	}
	b = append(b, cellSep)
	ports := hasPorts(f)
	b = appendEndpoint(b, f.SrcAddr(x), f.SrcPort, ports)
	b = append(b, cellSep)
	b = appendEndpoint(b, f.DstAddr(x), f.DstPort, ports)
	b = append(b, cellSep)
	if f.Has(model.FieldProtocol) {
		b = append(b, ProtoName(f.Proto)...)
	}
	b = append(b, cellSep)
	if f.Has(model.FieldPackets) {
		b = strconv.AppendUint(b, uint64(f.Packets), 10)
	}
	b = append(b, cellSep)
	if f.Has(model.FieldBytes) {
		b = strconv.AppendUint(b, f.Bytes, 10)
	}
	b = append(b, cellSep)
	b = append(b, verdict(f)...)
	b = append(b, cellSep)
	if f.Has(model.FieldTCPFlags) {
		b = append(b, model.FlagNames(f.Flags)...)
	}
	return append(b, cellSep)
}

// timeCache remembers the last formatted second: neighbouring records
// mostly share their start time.
type timeCache struct {
	sec  uint32
	text []byte
}

func (c *timeCache) append(b []byte, sec uint32, ok bool) []byte {
	if !ok {
		return append(b, '-')
	}
	if c.text == nil || sec != c.sec {
		c.sec = sec
		c.text = appendTime(c.text[:0], sec, true, time.UTC, "2006-01-02 15:04:05")
	}
	return append(b, c.text...)
}
