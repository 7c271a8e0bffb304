package model

import "strings"

// TCP flag bits as flow logs and common parsers number them. AWS logs only
// FIN, SYN, RST and SYN-ACK; ACK alone and PSH are not logged.
const (
	FlagFIN uint8 = 0x01
	FlagSYN uint8 = 0x02
	FlagRST uint8 = 0x04
	FlagPSH uint8 = 0x08
	FlagACK uint8 = 0x10
	FlagURG uint8 = 0x20
)

var flagBits = [...]struct {
	bit  uint8
	name string
}{{FlagFIN, "FIN"}, {FlagSYN, "SYN"}, {FlagRST, "RST"}, {FlagPSH, "PSH"}, {FlagACK, "ACK"}, {FlagURG, "URG"}}

// FlagBit is one of the six bits and its name, in bit order, for views
// that show every bit (FIN SYN RST PSH ACK URG).
type FlagBit struct {
	Bit  uint8
	Name string
}

// FlagBits lists the six bits in bit order.
func FlagBits() []FlagBit {
	out := make([]FlagBit, len(flagBits))
	for i, fl := range flagBits {
		out[i] = FlagBit{fl.bit, fl.name}
	}
	return out
}

// flagTexts holds FlagNames and FlagShort of every value, built once:
// both are called per drawn row and per matched record.
var flagTexts = func() (t [256]struct{ names, short string }) {
	for i := range t {
		t[i].names, t[i].short = flagNames(uint8(i)), flagShort(uint8(i))
	}
	return t
}()

// FlagNames lists the set bits, naming 18 as SYN-ACK as AWS does:
// 19 → "FIN SYN-ACK", 3 → "FIN SYN", 0 → "none".
func FlagNames(v uint8) string { return flagTexts[v].names }

// FlagShort is the compact form for table cells: "S", "SA", "F", "SAF", "R".
func FlagShort(v uint8) string { return flagTexts[v].short }

func flagNames(v uint8) string {
	if v == 0 {
		return "none"
	}
	var parts []string
	synack := v&(FlagSYN|FlagACK) == FlagSYN|FlagACK
	for _, fl := range flagBits {
		if v&fl.bit == 0 {
			continue
		}
		switch {
		case synack && fl.bit == FlagSYN:
			continue
		case synack && fl.bit == FlagACK:
			parts = append(parts, "SYN-ACK")
		default:
			parts = append(parts, fl.name)
		}
	}
	if rest := v &^ 0x3f; rest != 0 {
		parts = append(parts, "0x"+hex2(rest))
	}
	return strings.Join(parts, " ")
}

func flagShort(v uint8) string {
	if v == 0 {
		return "·"
	}
	var b []byte
	if v&FlagSYN != 0 {
		b = append(b, 'S')
	}
	if v&FlagACK != 0 {
		b = append(b, 'A')
	}
	if v&FlagFIN != 0 {
		b = append(b, 'F')
	}
	if v&FlagRST != 0 {
		b = append(b, 'R')
	}
	if v&FlagPSH != 0 {
		b = append(b, 'P')
	}
	if v&FlagURG != 0 {
		b = append(b, 'U')
	}
	if v&^0x3f != 0 {
		b = append(b, '+')
	}
	return string(b)
}

// FlagReading is a one-line reading of a combination for an investigation,
// and whether the reading is AWS's own text (documented) or flowtail's
// inference. Flags are OR-ed over the aggregation interval, so a reading
// never claims an order within one record.
func FlagReading(v uint8) (reading string, documented bool) {
	switch v {
	case 0:
		return "no SYN/FIN/RST in the interval (ACK/PSH-only traffic is logged as 0): mid-connection data", true
	case FlagSYN:
		return "SYN: connection attempt from this side; no SYN-ACK back means it was not answered", true
	case FlagSYN | FlagACK:
		return "SYN-ACK: reply to a SYN; this side is the server", true
	case FlagFIN:
		return "FIN: this side closed the connection", true
	case FlagFIN | FlagSYN:
		return "SYN + FIN: a whole short connection in one interval, client side", true
	case FlagFIN | FlagSYN | FlagACK:
		return "SYN-ACK + FIN: a whole short connection in one interval, server side", true
	case FlagRST:
		return "RST: a reset was sent in this direction (refused or aborted connection)", false
	case FlagRST | FlagSYN:
		return "SYN + RST: connection attempt that was reset in the same interval", false
	case FlagRST | FlagSYN | FlagACK:
		return "SYN-ACK + RST: server answered, then the connection was reset", false
	case FlagRST | FlagFIN:
		return "FIN + RST: closed and reset in the same interval", false
	case FlagRST | FlagFIN | FlagSYN:
		return "SYN + FIN + RST: short connection that ended in a reset", false
	case FlagRST | FlagFIN | FlagSYN | FlagACK:
		return "SYN-ACK + FIN + RST: short server-side connection that ended in a reset", false
	case FlagFIN | FlagACK:
		return "FIN with ACK: this side closed the connection", false
	}
	return "unusual combination: " + FlagNames(v), false
}

func hex2(v uint8) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[v>>4], digits[v&15]})
}
