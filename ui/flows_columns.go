package ui

// columns are the flows table's cell widths for one terminal width. They
// are computed on resize (and when the buffer starts spanning days), never
// per frame. A width of 0 hides a column.
type columns struct {
	width      int
	time       int
	timeLayout string
	iface      int
	src, dst   int
	arrow      string
	proto      int
	pkts       int
	bytes      int
	verdict    int
	rules      int // the verdict of the rules (key v), 0 when off
	flags      int
}

// fullEndpoint is the widest IPv4 endpoint, "255.255.255.255:65535": at 80
// columns and wider both ends of a row show it whole.
const fullEndpoint = 21

// layoutColumns fits the table to width: full dates and interface ids when
// there is room; when there is not, the optional columns give way before
// the addresses: tcp-flags, the interface column down to 12 cells, the
// packet count, then the interface column down to 5 cells and away. withDate puts the day in the time column (the
// buffer spans more than a day); rules adds the rules' verdict column.
func layoutColumns(width int, withDate, rules bool) columns {
	c := columns{width: width, time: 8, timeLayout: "15:04:05", iface: 8, arrow: "→",
		proto: 5, pkts: 4, bytes: 5, verdict: 6, flags: 4}
	if withDate {
		c.time, c.timeLayout = 14, "01-02 15:04:05"
	}
	if width >= 80 { // spaced, so both addresses read as whole words
		c.arrow = " → "
	}
	if width >= 100 {
		c.iface = 21
	}
	if width >= 120 {
		c.time, c.timeLayout, c.verdict = 19, "2006-01-02 15:04:05", 8
	}
	if rules {
		c.rules = 6
	}
	fixed := func() int {
		n := 1 + c.time + 1 + len([]rune(c.arrow)) + 1 + c.proto + 1 + c.bytes + 1 + c.verdict
		if c.iface > 0 {
			n += c.iface + 1
		}
		if c.pkts > 0 {
			n += c.pkts + 1
		}
		if c.rules > 0 {
			n += c.rules + 1
		}
		if c.flags > 0 {
			n += 1 + c.flags
		}
		return n
	}
	need := 2 * fullEndpoint
	if width < 80 {
		need = 2 * 12 // narrower than a terminal's default: what fits
	}
	short := func() bool { return width-fixed() < need }
	if short() {
		c.flags = 0
	}
	for short() && c.iface > 12 { // an ENI id's distinctive tail
		c.iface--
	}
	if short() {
		c.pkts = 0
	}
	for short() && c.iface > 5 {
		c.iface--
	}
	if short() {
		c.iface = 0
	}
	flow := max(width-fixed(), 10)
	c.src = (flow + 1) / 2
	c.dst = flow - c.src
	return c
}
