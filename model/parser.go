package model

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"net/netip"
	"slices"
	"unsafe"

	"github.com/flowtail/flowtail/model/bytemask"
)

// MaxLineBytes bounds one record line; sources cut longer lines and the
// parser rejects them, so a corrupt file never costs unbounded memory.
const MaxLineBytes = 64 << 10

// ParseError says why a line is not a record and where.
type ParseError struct {
	Column int     // 1-based byte column of the offending token, 0 for the line
	Field  FieldID // the field being read, FieldNone for the line
	Reason string
}

func (e *ParseError) Error() string {
	if e.Field != FieldNone {
		name := e.Field.Name()
		if name == "" {
			name = "a field flowtail does not know"
		}
		return fmt.Sprintf("%s at column %d (%s)", e.Reason, e.Column, name)
	}
	if e.Column > 0 {
		return fmt.Sprintf("%s at column %d", e.Reason, e.Column)
	}
	return e.Reason
}

// Parser turns lines of one Format into records. It is built once per
// format and does no allocation per line once the interner knows the
// repeated strings. Not safe for concurrent use.
type Parser struct {
	format  *Format
	names   *Interner
	needExt bool
	fmtID   uint16                   // registered number of format
	cache   [][cacheWays]internCache // one per string field of the format
	slot    [fieldIDEnd]uint8        // field → index into cache
	plain   bool                     // the format is the default one, field for field
	written bool                     // the last line parsed was written as its record writes it (see Written)
	skip    *[fieldIDEnd]bool        // string fields marked present but not interned (Decoder.InternOnly)
}

// cacheWays is the number of recent values remembered per hot field.
const (
	cacheBits = 10
	cacheWays = 1 << cacheBits
)

// internCache remembers a recent value of an interned field, so records
// from the same few hundred interfaces, subnets or accounts skip the
// interner's lock and map (with 64 ways, a capture of a few thousand
// interfaces looked most of them up there). The id is checked against
// the interner's name for it, which also catches an id reclaimed and
// reused since.
// Entries are picked by a hash of the token's last four bytes, where ENI
// ids differ.
type internCache struct {
	id uint32
}

// NewParser builds a parser for a format, interning strings into names.
func NewParser(format *Format, names *Interner) *Parser {
	p := &Parser{format: format, names: names, fmtID: registerFormat(format)}
	p.plain = slices.Equal(format.Fields, DefaultFormat.Fields)
	for _, id := range format.Fields {
		if !id.IsCore() {
			p.needExt = true
		}
		if id.Kind() == KindString {
			p.slot[id] = uint8(len(p.cache))
			p.cache = append(p.cache, [cacheWays]internCache{})
		}
	}
	return p
}

// Format is the format this parser reads.
func (p *Parser) Format() *Format { return p.format }

// Parse decodes one line into f, and into x when the record needs fields
// stored outside Flow (then f.HasExt() reports true). Fields separated by
// runs of spaces or tabs; a trailing CR is ignored. On error f and x hold
// garbage and the line should be kept as malformed.
func (p *Parser) Parse(line []byte, f *Flow, x *Ext) error {
	if p.plain && len(line) <= MaxLineBytes {
		trimmed := trimEOL(line)
		if p.parseDefault(trimmed, f) {
			p.written = len(trimmed) == len(line)
			return nil
		}
	}
	p.written = false
	return p.parseFields(line, f, x)
}

// Written reports whether the last line Parse read as a record is its
// text as the record writes it back (a default-format line in AWS's own
// spelling: single spaces, no leading zeros, seconds, upper-case words,
// no CR): what @message shows is then the line itself. False says
// nothing either way.
func (p *Parser) Written() bool { return p.written }

// trimEOL drops a line's trailing CR and LF bytes.
func trimEOL(line []byte) []byte {
	for len(line) > 0 && (line[len(line)-1] == '\r' || line[len(line)-1] == '\n') {
		line = line[:len(line)-1]
	}
	return line
}

// parseFields is Parse's general way: token after token, each read as its
// field of the format says.
func (p *Parser) parseFields(line []byte, f *Flow, x *Ext) error {
	*f = Flow{format: p.fmtID}
	extReady := false
	if p.needExt {
		*x = Ext{}
		extReady = true
		f.ext = 1
	}
	if len(line) > MaxLineBytes {
		return &ParseError{Reason: fmt.Sprintf("line longer than %d bytes", MaxLineBytes)}
	}
	line = trimEOL(line)
	fields := p.format.Fields
	tabs := bytes.IndexByte(line, '\t') >= 0
	i, k := 0, 0
	for {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		if i >= len(line) {
			break
		}
		start := i
		if k < len(fields) && numericCore[fields[k]] {
			// Numbers are read while scanning: one pass over the digits.
			var v uint64
			for i < len(line) && line[i]-'0' <= 9 && i-start < 19 {
				v = v*10 + uint64(line[i]-'0')
				i++
			}
			if i > start && (i == len(line) || line[i] == ' ' || line[i] == '\t') {
				id := fields[k]
				k++
				if err := setUint(id, v, f); err != "" {
					return &ParseError{Column: start + 1, Field: id, Reason: err}
				}
				continue
			}
			i = start // "-", a non-digit or a long number: the general path says which
		}
		if tabs {
			for i < len(line) && line[i] != ' ' && line[i] != '\t' {
				i++
			}
		} else {
			for i < len(line) && line[i] != ' ' {
				i++
			}
		}
		if k >= len(fields) {
			return &ParseError{Column: start + 1, Reason: fmt.Sprintf("more than the %d fields of the format", len(fields))}
		}
		tok := line[start:i]
		id := fields[k]
		k++
		if len(tok) == 1 && tok[0] == '-' {
			continue // absent
		}
		if err := p.field(id, tok, f, x, &extReady); err != "" {
			return &ParseError{Column: start + 1, Field: id, Reason: err}
		}
	}
	if k == 0 {
		return &ParseError{Reason: "empty line"}
	}
	if k < len(fields) {
		return &ParseError{Column: len(line) + 1, Reason: fmt.Sprintf("%d fields, the format has %d (next: %s)", k, len(fields), p.format.Name(fields[k]))}
	}
	return nil
}

// defaultPresent is every core field of the default format.
const defaultPresent = hasVersion | hasAccount | hasIface | hasSrc | hasDst | hasSrcPort | hasDstPort |
	hasProto | hasPackets | hasBytes | hasStart | hasEnd | hasAction | hasStatus

// parseDefault reads a default-format line written the way AWS writes
// it: one space between fields, each present, IPv4 addresses, ACCEPT or
// REJECT and OK. It reads such a line field after field with no decision
// per field, as Parse would read it; on anything else (or anything wrong)
// it returns false having written nothing, and Parse reads the line its
// general way, which also says what is wrong.
func (p *Parser) parseDefault(line []byte, f *Flow) bool {
	version, i, ok := spaceNumber(line, 0)
	if !ok || version > math.MaxUint8 {
		return false
	}
	var account, iface []byte
	if account, i, ok = spaceToken(line, i); !ok {
		return false
	}
	if iface, i, ok = spaceToken(line, i); !ok {
		return false
	}
	src, i, ok := scanIPv4(line, i)
	if !ok || i >= len(line) || line[i] != ' ' {
		return false
	}
	dst, i, ok := scanIPv4(line, i+1)
	if !ok || i >= len(line) || line[i] != ' ' {
		return false
	}
	var srcPort, dstPort, proto, packets, bytes, start, end uint64
	if srcPort, i, ok = spaceNumber(line, i+1); !ok || srcPort > math.MaxUint16 {
		return false
	}
	if dstPort, i, ok = spaceNumber(line, i); !ok || dstPort > math.MaxUint16 {
		return false
	}
	if proto, i, ok = spaceNumber(line, i); !ok || proto > math.MaxUint8 {
		return false
	}
	if packets, i, ok = spaceNumber(line, i); !ok {
		return false
	}
	if bytes, i, ok = spaceNumber(line, i); !ok {
		return false
	}
	if start, i, ok = spaceNumber(line, i); !ok || start >= 100_000_000_000 || start > math.MaxUint32 {
		return false // milliseconds, or out of range: the general way
	}
	if end, i, ok = spaceNumber(line, i); !ok || end >= 100_000_000_000 || end > math.MaxUint32 {
		return false
	}
	rest := line[i:]
	if len(rest) != len("ACCEPT OK") || rest[6] != ' ' || rest[7] != 'O' || rest[8] != 'K' {
		return false
	}
	var action Action
	switch string(rest[:6]) {
	case "ACCEPT":
		action = ActionAccept
	case "REJECT":
		action = ActionReject
	default:
		return false
	}
	*f = Flow{
		Bytes: bytes, Packets: packets, Start: uint32(start), End: uint32(end), Src: src, Dst: dst,
		Account: p.cached(FieldAccountID, account), Iface: p.cached(FieldInterfaceID, iface),
		SrcPort: uint16(srcPort), DstPort: uint16(dstPort), Proto: uint8(proto), Version: uint8(version),
		present: defaultPresent, format: p.fmtID,
	}
	f.SetAction(action)
	f.SetStatus(StatusOK)
	return true
}

// spaceNumber reads the decimal number of at most 19 digits, without a
// leading zero, at line[i:] and the one space after it: its value and
// where the next field starts.
func spaceNumber(line []byte, i int) (v uint64, next int, ok bool) {
	if i+17 <= len(line) {
		if v, next, ok, more := spaceNumberWords(line, i); !more {
			return v, next, ok
		}
	}
	return spaceNumberBytes(line, i)
}

// spaceNumberBytes is spaceNumber a byte at a time, for a long number or
// the end of a line.
func spaceNumberBytes(line []byte, i int) (v uint64, next int, ok bool) {
	j := i
	for j < len(line) && line[j]-'0' <= 9 {
		v = v*10 + uint64(line[j]-'0')
		j++
	}
	return v, j + 1, j > i && j-i <= 19 && j < len(line) && line[j] == ' ' && (line[i] != '0' || j-i == 1)
}

// spaceToken reads the token at line[i:] and the one space after it; a
// "-" (absent) is not one.
func spaceToken(line []byte, i int) (tok []byte, next int, ok bool) {
	j := i
	// Eight bytes at a time while eight are left: interface and account
	// ids are long enough that a branch per byte costs more.
	for ; j+8 <= len(line); j += 8 {
		w := binary.LittleEndian.Uint64(line[j:])
		if m := bytemask.Equal8(w, ' ') | bytemask.Equal8(w, '\t'); m != 0 {
			j += bits.TrailingZeros64(m) / 8
			goto found
		}
	}
	for j < len(line) && line[j] != ' ' && line[j] != '\t' {
		j++
	}
found:
	tok = line[i:j]
	return tok, j + 1, j > i && j < len(line) && line[j] == ' ' && !(len(tok) == 1 && tok[0] == '-')
}

// scanIPv4 reads a dotted IPv4 address starting at line[i] and ending at a
// separator or the line's end: the address and where it ends. ok is false
// for anything else, including what parseAddr would reject or read
// another way (leading zeros, IPv6), which the caller then leaves to the
// general way.
func scanIPv4(line []byte, i int) (a uint32, end int, ok bool) {
	if i+19 <= len(line) {
		return scanIPv4Word(line, i)
	}
	return scanIPv4Bytes(line, i)
}

// scanIPv4Bytes is scanIPv4 a byte at a time, for the end of a line.
func scanIPv4Bytes(line []byte, i int) (a uint32, end int, ok bool) {
	for part := range 4 {
		if part > 0 {
			if i >= len(line) || line[i] != '.' {
				return 0, 0, false
			}
			i++
		}
		// One to three digits, the first not a zero unless alone.
		if i >= len(line) || line[i]-'0' > 9 {
			return 0, 0, false
		}
		v := uint32(line[i] - '0')
		i++
		if i < len(line) && line[i]-'0' <= 9 {
			if v == 0 {
				return 0, 0, false
			}
			v = v*10 + uint32(line[i]-'0')
			i++
			if i < len(line) && line[i]-'0' <= 9 {
				v = v*10 + uint32(line[i]-'0')
				i++
				if v > 255 {
					return 0, 0, false
				}
			}
		}
		a = a<<8 | v
	}
	if i < len(line) && line[i] != ' ' && line[i] != '\t' {
		return 0, 0, false
	}
	return a, i, true
}

// field stores one token; it returns a reason on error (a string, so the
// success path allocates nothing).
func (p *Parser) field(id FieldID, tok []byte, f *Flow, x *Ext, extReady *bool) string {
	switch id {
	case FieldVersion, FieldSrcPort, FieldDstPort, FieldProtocol, FieldPackets, FieldBytes, FieldStart, FieldEnd, FieldTCPFlags:
		v, ok := parseUint(tok, math.MaxUint64)
		if !ok {
			return numberError(id)
		}
		return setUint(id, v, f)
	case FieldAccountID:
		f.Account = p.cached(id, tok)
	case FieldInterfaceID:
		f.Iface = p.cached(id, tok)
	case FieldSrcAddr, FieldDstAddr:
		a, ok := parseAddr(tok)
		if !ok {
			return "not an IP address"
		}
		if a.Is4() {
			u := v4u(a)
			if id == FieldSrcAddr {
				f.Src = u
			} else {
				f.Dst = u
			}
		} else {
			if !*extReady {
				*x = Ext{}
				*extReady = true
				f.ext = 1
			}
			if id == FieldSrcAddr {
				x.SrcV6 = a.As16()
				f.state |= bitSrcV6
			} else {
				x.DstV6 = a.As16()
				f.state |= bitDstV6
			}
		}
	case FieldAction:
		switch string(tok) {
		case "ACCEPT", "accept":
			f.SetAction(ActionAccept)
		case "REJECT", "reject":
			f.SetAction(ActionReject)
		default:
			return "action is not ACCEPT, REJECT or -"
		}
	case FieldLogStatus:
		switch string(tok) {
		case "OK", "ok":
			f.SetStatus(StatusOK)
		case "NODATA", "nodata":
			f.SetStatus(StatusNoData)
		case "SKIPDATA", "skipdata":
			f.SetStatus(StatusSkipData)
		default:
			return "log-status is not OK, NODATA or SKIPDATA"
		}
	case FieldPktSrcAddr, FieldPktDstAddr:
		a, ok := parseAddr(tok)
		if !ok {
			return "not an IP address"
		}
		if id == FieldPktSrcAddr {
			x.PktSrc = a.As16()
		} else {
			x.PktDst = a.As16()
		}
		if a.Is4In6() {
			x.mapped |= mappedBit(id)
		}
		x.set(id)
		return ""
	case FieldTrafficPath, FieldEncryptionStatus:
		v, ok := parseUint(tok, math.MaxUint8)
		if !ok {
			return "not a number from 0 to 255"
		}
		x.Num[numSlot(id)] = uint8(v)
		x.set(id)
		return ""
	case FieldPacketsLostNoRoute, FieldPacketsLostBlackhole, FieldPacketsLostMTUExceeded, FieldPacketsLostTTLExpired:
		v, ok := parseUint(tok, math.MaxUint64)
		if !ok {
			return numberError(id)
		}
		x.Lost[id-FieldPacketsLostNoRoute] = v
		x.set(id)
		return ""
	default:
		x.Str[strSlot(id)] = p.cached(id, tok)
		x.set(id)
		return ""
	}
	f.present |= corePresence[id]
	return ""
}

// numericCore marks the core number fields, which Parse reads while
// scanning for the separator.
var numericCore = [fieldIDEnd]bool{
	FieldVersion: true, FieldSrcPort: true, FieldDstPort: true, FieldProtocol: true, FieldPackets: true,
	FieldBytes: true, FieldStart: true, FieldEnd: true, FieldTCPFlags: true,
}

// setUint stores a core number field, checking its range.
func setUint(id FieldID, v uint64, f *Flow) string {
	switch id {
	case FieldVersion:
		if v > math.MaxUint8 {
			return numberError(id)
		}
		f.Version = uint8(v)
	case FieldSrcPort:
		if v > math.MaxUint16 {
			return numberError(id)
		}
		f.SrcPort = uint16(v)
	case FieldDstPort:
		if v > math.MaxUint16 {
			return numberError(id)
		}
		f.DstPort = uint16(v)
	case FieldProtocol:
		if v > math.MaxUint8 {
			return numberError(id)
		}
		f.Proto = uint8(v)
	case FieldTCPFlags:
		if v > math.MaxUint8 {
			return numberError(id)
		}
		f.Flags = uint8(v)
	case FieldPackets:
		f.Packets = v
	case FieldBytes:
		f.Bytes = v
	case FieldStart, FieldEnd:
		if v >= 100_000_000_000 { // milliseconds, as some exports write
			v /= 1000
		}
		if v > math.MaxUint32 {
			return "time is out of range"
		}
		if id == FieldStart {
			f.Start = uint32(v)
		} else {
			f.End = uint32(v)
		}
	}
	f.present |= corePresence[id]
	return ""
}

// numberError says what a number field must hold.
func numberError(id FieldID) string {
	switch id {
	case FieldVersion:
		return "version is not a number up to 255"
	case FieldSrcPort, FieldDstPort:
		return "port is not a number from 0 to 65535"
	case FieldProtocol:
		return "protocol is not a number from 0 to 255"
	case FieldTCPFlags:
		return "tcp-flags is not a number from 0 to 255"
	case FieldStart, FieldEnd:
		return "time is not unix seconds"
	}
	return id.Name() + " is not a number"
}

func (p *Parser) cached(id FieldID, tok []byte) uint32 {
	if p.skip != nil && p.skip[id] {
		return 0 // present, value unread: the reader never asks for it
	}
	var v uint32
	for _, b := range tok[max(0, len(tok)-4):] {
		v = v<<8 | uint32(b)
	}
	c := &p.cache[p.slot[id]][(v*2654435761)>>(32-cacheBits)]
	if c.id != 0 && p.names.Name(c.id) == string(tok) {
		return c.id
	}
	c.id = p.names.ID(tok)
	return c.id
}

// parseUint reads a decimal number no larger than max.
func parseUint(b []byte, max uint64) (uint64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if len(b) == 20 && v > (math.MaxUint64-d)/10 { // only 20 digits can overflow
			return 0, false
		}
		v = v*10 + d
	}
	return v, v <= max
}

// parseAddr reads IPv4 by hand (the common case) and IPv6 through netip
// without copying the bytes into a new string.
func parseAddr(b []byte) (netip.Addr, bool) {
	var ip [4]byte
	n, octet, digits := 0, 0, 0
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			if digits == 1 && octet == 0 {
				return netip.Addr{}, false // a leading zero: octal to some readers, rejected as netip does
			}
			octet = octet*10 + int(c-'0')
			digits++
			if octet > 255 || digits > 3 {
				return slowAddr(b)
			}
		case c == '.' && digits > 0 && n < 3:
			ip[n] = byte(octet)
			n++
			octet, digits = 0, 0
		default:
			return slowAddr(b)
		}
	}
	if n != 3 || digits == 0 {
		return slowAddr(b)
	}
	ip[3] = byte(octet)
	return netip.AddrFrom4(ip), true
}

func slowAddr(b []byte) (netip.Addr, bool) {
	if len(b) == 0 || len(b) > 64 {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(unsafe.String(&b[0], len(b)))
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a, true // an IPv4-mapped IPv6 address stays as written
}

func v4u(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}
