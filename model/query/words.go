package query

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/flowtail/flowtail/model"
)

// Bare words. The filter bar takes query text (`action = "REJECT"`) or
// words, read the way a network engineer means them; every word must hold:
//
//	10.0.2.21, 2001:db8::1   srcaddr, dstaddr, pkt-srcaddr or pkt-dstaddr is that address
//	10.0.0.0/16              one of those addresses is in the block
//	10.0.2.21:22, [::1]:443  that address and port, on the source or the destination side
//	22                       srcport or dstport is 22 (a number up to 65535)
//	ssh, postgres, https     srcport or dstport is the service's port (model/names.go)
//	tcp, udp, icmp, proto:6  protocol
//	accept, reject           action; nodata, skipdata: log-status
//	ingress, egress          direction
//	eni-…, subnet-…, vpc-…, i-…   that interface, subnet, VPC or instance exactly
//	sg-…                     the loaded interfaces that hold the group (rules data)
//	web-1, "ELB app/x"       the loaded interface whose Name tag or description it is
//	anything else            a case-insensitive substring of the row ("quoted phrase" too)
//	~word                    fuzzy: the word's letters in order within one cell of the row
//	verdict:"RULE"           the records that rule decided (Options.Verdict; the rules
//	                         pane's verdicts view writes it when drilling down)
//
// Each word's reading is kept, so the user sees the query behind the
// words before applying it.

// Resolver answers the words only rules data can: a security group id
// gives the interfaces that hold it, a Name tag or description the
// interfaces that carry it. known is false when the word names nothing
// in the data; meaning then says what was looked at.
type Resolver func(word string) (ifaces []string, meaning string, known bool)

// WordReading is how one word was read.
type WordReading struct {
	Word    string // as typed (quoted phrases without their quotes)
	Meaning string // e.g. "address = 10.0.2.21"
}

// Reading is how the filter bar's text was read: Query for query text,
// else one entry per word.
type Reading struct {
	Query bool
	Words []WordReading
}

// String is the reading on one line: "ssh → port = 22 (ssh) · reject → action = REJECT".
func (r Reading) String() string {
	if r.Query {
		return "query"
	}
	var b strings.Builder
	for i, w := range r.Words {
		if i > 0 {
			b.WriteString(" · ")
		}
		b.WriteString(w.Word)
		b.WriteString(" → ")
		b.WriteString(w.Meaning)
	}
	return b.String()
}

// maxWords bounds how many words one filter may hold.
const maxWords = 200

// CompileBar reads the filter bar's text: query-language text as
// CompileFilter does, anything else as bare words. pred is nil when the
// text selects everything.
func CompileBar(text string, names *model.Interner, opt Options) (Pred, Reading, Status, error) {
	if strings.TrimSpace(text) == "" {
		return nil, Reading{}, Valid, nil
	}
	pred, st, err := CompileFilter(text, names, opt)
	if st == Valid {
		return pred, Reading{Query: true}, Valid, nil
	}
	if LooksLikeQuery(text) {
		if words, ok := joinedByAnd(text); ok {
			return CompileWords(words, names, opt) // "ssh and reject": words, all of which must hold anyway
		}
		return nil, Reading{Query: true}, st, err
	}
	return CompileWords(text, names, opt)
}

// joinedByAnd reports whether text is bare words that only the word "and"
// made look like a query, and returns them without it.
func joinedByAnd(text string) (string, bool) {
	if strings.ContainsAny(text, "=<>!|(\"") {
		return "", false
	}
	var kept []string
	and := false
	for _, w := range strings.Fields(text) {
		if strings.EqualFold(w, "and") {
			and = true
			continue
		}
		kept = append(kept, w)
	}
	rest := strings.Join(kept, " ")
	if !and || rest == "" || LooksLikeQuery(rest) {
		return "", false
	}
	return rest, true
}

// LooksLikeQuery tells query text (a command word, an operator, a call)
// from bare words.
func LooksLikeQuery(text string) bool {
	text = unquoted(text)
	if strings.ContainsAny(text, "=<>!|(") { // "[" only after "in", below; [v6]:port is a word
		return true
	}
	first, rest, _ := strings.Cut(strings.TrimSpace(text), " ")
	if isCommand(first) {
		return true
	}
	for _, w := range strings.Fields(rest) {
		switch strings.ToLower(w) {
		case "like", "in", "and", "or":
			return true
		}
	}
	return false
}

// unquoted is text with what is inside double quotes left out: a quoted
// phrase is a word whatever characters it holds.
func unquoted(text string) string {
	if !strings.Contains(text, `"`) {
		return text
	}
	var b strings.Builder
	in := false
	for i := 0; i < len(text); i++ {
		switch {
		case text[i] == '"':
			in = !in
			b.WriteByte('"')
		case !in:
			b.WriteByte(text[i])
		}
	}
	return b.String()
}

// word is one bare word or quoted phrase.
type word struct {
	text   string
	col    int
	phrase bool
	fuzzy  bool
}

func splitWords(text string) ([]word, *Error) {
	var out []word
	for i := 0; i < len(text); {
		c := text[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			i++
			continue
		}
		w := word{col: i + 1}
		if c == '~' {
			w.fuzzy = true
			i++
			if i >= len(text) || text[i] == ' ' || text[i] == '\t' {
				return nil, &Error{Col: w.col, Msg: "~ needs a word after it (~word: fuzzy)", Incomplete: i >= len(text)}
			}
		}
		if text[i] == '"' {
			end := strings.IndexByte(text[i+1:], '"')
			if end < 0 {
				return nil, &Error{Col: i + 1, Msg: "unterminated quote", Incomplete: true}
			}
			w.text, w.phrase = text[i+1:i+1+end], true
			i += end + 2
		} else {
			end := strings.IndexAny(text[i:], " \t\n\r\"")
			if end < 0 {
				end = len(text) - i
			}
			w.text = text[i : i+end]
			i += end
		}
		if w.text != "" {
			out = append(out, w)
		}
	}
	if len(out) > maxWords {
		return nil, &Error{Col: out[maxWords].col, Msg: fmt.Sprintf("more than %d words", maxWords)}
	}
	return out, nil
}

// CompileWords reads text as bare words; see the table above.
func CompileWords(text string, names *model.Interner, opt Options) (Pred, Reading, Status, error) {
	words, werr := splitWords(text)
	if werr != nil {
		st, e := statusOf(werr)
		return nil, Reading{}, st, e
	}
	c := &compiler{env: newEnv(names, opt, nil)}
	var preds []Pred
	var rd Reading
	var text0 *rowCells // shared by the substring and fuzzy words
	for i := 0; i < len(words); i++ {
		w := words[i]
		var p Pred
		var meaning string
		var err error
		if !w.phrase && !w.fuzzy && strings.EqualFold(w.text, "verdict:") {
			if i+1 == len(words) || !words[i+1].phrase {
				err = &Error{Col: w.col, Msg: `verdict: needs the rule in quotes (verdict:"…")`, Incomplete: i+1 == len(words)}
			} else {
				i++
				w = word{text: "verdict", col: w.col}
				p, meaning = c.verdict(words[i].text)
			}
		} else {
			p, meaning, err = c.word(w, &text0)
		}
		if err != nil {
			st, e := statusOf(err)
			return nil, Reading{}, st, e
		}
		preds = append(preds, p)
		shown := w.text
		if w.fuzzy {
			shown = "~" + shown
		}
		rd.Words = append(rd.Words, WordReading{Word: shown, Meaning: meaning})
	}
	if len(preds) == 0 {
		return nil, rd, Valid, nil
	}
	return allOf(preds, text0), rd, Valid, nil
}

// allOf is the conjunction of the words, with the row text laid out at
// most once per record.
func allOf(preds []Pred, rt *rowCells) Pred {
	if len(preds) == 1 && rt == nil {
		return preds[0]
	}
	if len(preds) == 1 {
		p := preds[0]
		return func(f *model.Flow, x *model.Ext) bool { rt.valid = false; return p(f, x) }
	}
	return func(f *model.Flow, x *model.Ext) bool {
		if rt != nil {
			rt.valid = false
		}
		for _, p := range preds {
			if !p(f, x) {
				return false
			}
		}
		return true
	}
}

// word compiles one word and says how it was read.
func (c *compiler) word(w word, rt **rowCells) (Pred, string, error) {
	s := w.text
	lower := strings.ToLower(s)
	if w.fuzzy {
		t := c.cells(rt)
		pat := lower
		return func(f *model.Flow, x *model.Ext) bool { return fuzzyCells(t.get(f, x), pat) },
			fmt.Sprintf("fuzzy %q (its letters in order in one cell of the row)", s), nil
	}
	if w.phrase {
		if p, m, ok := c.resolved(s); ok {
			return p, m, nil
		}
		return c.substring(rt, s)
	}
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		a = a.Unmap()
		return addrPred(a), "address = " + a.String(), nil
	}
	if ap, err := netip.ParseAddrPort(s); err == nil && ap.Addr().Zone() == "" {
		a, port := ap.Addr().Unmap().String(), uint64(ap.Port())
		side := func(addr, portField string) Expr {
			return &Logical{L: cmpExpr(addr, "=", a), R: cmpNum(portField, "=", port)}
		}
		return c.mustExpr(or(side("srcaddr", "srcport"), side("dstaddr", "dstport"))),
			"endpoint " + ap.String() + " (source or destination)", nil
	}
	if pfx, err := netip.ParsePrefix(s); err == nil {
		pfx = pfx.Masked()
		return c.anyAddr(func(f string) Expr {
			return &Call{Func: "isipinsubnet", Field: fieldName(f), Arg: &Literal{Text: pfx.String()}}
		}), "address in " + pfx.String(), nil
	}
	if isDigits(s) {
		if n, err := strconv.ParseUint(s, 10, 32); err == nil && n <= 65535 {
			return c.ports([]uint16{uint16(n)}), "port = " + strconv.FormatUint(n, 10), nil
		}
	}
	if k, v, ok := strings.Cut(lower, ":"); ok && (k == "proto" || k == "protocol") {
		n, ok := protoNumber(v)
		if !ok {
			return nil, "", errAt(w.col+len(k)+1, "%q is not a protocol: use a number (6) or a name (tcp, udp, icmp)", s[len(k)+1:])
		}
		return c.mustExpr(cmpNum("protocol", "=", uint64(n))), protoMeaning(n), nil
	}
	switch lower {
	case "accept", "reject":
		return c.mustExpr(cmpExpr("action", "=", strings.ToUpper(lower))), "action = " + strings.ToUpper(lower), nil
	case "nodata", "skipdata":
		return c.mustExpr(cmpExpr("log-status", "=", strings.ToUpper(lower))), "log-status = " + strings.ToUpper(lower), nil
	case "ingress", "egress":
		return c.mustExpr(cmpExpr("direction", "=", lower)), "direction = " + lower, nil
	}
	if n, ok := model.ProtoByName(lower); ok {
		return c.mustExpr(cmpNum("protocol", "=", uint64(n))), protoMeaning(n), nil
	}
	if ports := portsOfService(lower); len(ports) > 0 {
		return c.ports(ports), portsMeaning(ports) + " (" + lower + ")", nil
	}
	for _, id := range idFields {
		if strings.HasPrefix(lower, id.prefix) && isID(lower[len(id.prefix):]) {
			if id.field == "" {
				return c.group(lower)
			}
			return c.mustExpr(cmpExpr(id.field, "=", lower)), id.field + " = " + lower, nil
		}
	}
	if p, m, ok := c.resolved(s); ok {
		return p, m, nil
	}
	return c.substring(rt, s)
}

// verdict reads verdict:"RULE" through the rules engine.
func (c *compiler) verdict(rule string) (Pred, string) {
	if c.env.opt.Verdict == nil {
		return predFalse, "records decided by a rule: no rules data loaded"
	}
	return c.env.opt.Verdict(rule)
}

// idFields are the resource ids a word names exactly; sg- has no field of
// its own and is resolved through the rules data.
var idFields = []struct{ prefix, field string }{
	{"eni-", "interface-id"},
	{"subnet-", "subnet-id"},
	{"vpc-", "vpc-id"},
	{"i-", "instance-id"},
	{"sg-", ""},
}

// isID reports whether s is the tail of an AWS resource id: lower-case
// letters and digits (real ids are hex; fixtures and fakes are not always).
func isID(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func protoNumber(s string) (uint8, bool) {
	if n, ok := model.ProtoByName(s); ok {
		return n, true
	}
	n, err := strconv.ParseUint(s, 10, 8)
	return uint8(n), err == nil
}

func protoMeaning(n uint8) string {
	m := "protocol = " + strconv.Itoa(int(n))
	if name, ok := model.ProtoName(n); ok {
		m += " (" + name + ")"
	}
	return m
}

// portsOfService are the ports of a service name (model's one table), lowest first.
func portsOfService(name string) []uint16 {
	code, ok := model.ServiceByName(name)
	if !ok {
		return nil
	}
	var out []uint16
	for p := 0; p <= 65535; p++ {
		if model.ServiceCode(uint16(p)) == code {
			out = append(out, uint16(p))
		}
	}
	return out
}

func portsMeaning(ports []uint16) string {
	if len(ports) == 1 {
		return "port = " + strconv.Itoa(int(ports[0]))
	}
	parts := make([]string, len(ports))
	for i, p := range ports {
		parts[i] = strconv.Itoa(int(p))
	}
	return "port in " + strings.Join(parts, ", ")
}

func fieldName(f string) Name {
	r, _ := LookupRef(f)
	return Name{Text: f, Ref: r}
}

func cmpExpr(field, op, value string) Expr {
	n := fieldName(field)
	return &Compare{Op: op, L: Operand{Field: &n}, R: Operand{Lit: &Literal{Text: value}}}
}

func cmpNum(field, op string, v uint64) Expr {
	n := fieldName(field)
	return &Compare{Op: op, L: Operand{Field: &n}, R: Operand{Lit: &Literal{Text: strconv.FormatUint(v, 10), Num: float64(v), Number: true}}}
}

func or(a, b Expr) Expr { return &Logical{Or: true, L: a, R: b} }

// mustExpr compiles an expression built here; those always compile.
func (c *compiler) mustExpr(e Expr) Pred {
	p, err := c.expr(e)
	if err != nil {
		panic("query: a word's expression does not compile: " + err.Error())
	}
	return p
}

// anyAddr is one test over the four address fields, either side.
func (c *compiler) anyAddr(test func(field string) Expr) Pred {
	return c.mustExpr(or(or(test("srcaddr"), test("dstaddr")), or(test("pkt-srcaddr"), test("pkt-dstaddr"))))
}

// addrPred matches records with the address on any of the four address
// fields. An IPv4 address is one compare against the inline fields; the
// packet-level ones are read only from records that carry an Ext.
func addrPred(a netip.Addr) Pred {
	if !a.Is4() {
		return func(f *model.Flow, x *model.Ext) bool {
			return f.SrcAddr(x) == a || f.DstAddr(x) == a || x != nil && (x.PktSrcAddr() == a || x.PktDstAddr() == a)
		}
	}
	b := a.As4()
	u := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	return func(f *model.Flow, x *model.Ext) bool {
		if f.Src == u || f.Dst == u { // the inline value may be zero or an IPv6 side's: check exactly
			if f.SrcAddr(x) == a || f.DstAddr(x) == a {
				return true
			}
		}
		return x != nil && (x.PktSrcAddr() == a || x.PktDstAddr() == a)
	}
}

// ports matches records whose source or destination port is one of ports.
func (c *compiler) ports(ports []uint16) Pred {
	if len(ports) == 1 {
		return c.mustExpr(or(cmpNum("srcport", "=", uint64(ports[0])), cmpNum("dstport", "=", uint64(ports[0]))))
	}
	var set [65536 / 64]uint64
	for _, p := range ports {
		set[p/64] |= 1 << (p % 64)
	}
	return func(f *model.Flow, _ *model.Ext) bool {
		return f.Has(model.FieldSrcPort) && set[f.SrcPort/64]&(1<<(f.SrcPort%64)) != 0 ||
			f.Has(model.FieldDstPort) && set[f.DstPort/64]&(1<<(f.DstPort%64)) != 0
	}
}

// ifaces matches the records of the given interfaces.
func (c *compiler) ifaces(ids []string) Pred {
	var want []uint32
	for _, id := range ids {
		if v, ok := c.intern(id); ok {
			want = append(want, v)
		}
	}
	return func(f *model.Flow, _ *model.Ext) bool {
		if !f.Has(model.FieldInterfaceID) {
			return false
		}
		for _, w := range want {
			if f.Iface == w {
				return true
			}
		}
		return false
	}
}

// group reads a security group id through the rules data.
func (c *compiler) group(id string) (Pred, string, error) {
	if c.env.opt.Resolve == nil {
		return predFalse, "security group: no rules data loaded (--rules DIR, --demo or AWS credentials), so no interface is known to hold it", nil
	}
	ids, meaning, known := c.env.opt.Resolve(id)
	if !known || len(ids) == 0 {
		if meaning == "" {
			meaning = "no loaded interface holds security group " + id
		}
		return predFalse, meaning, nil
	}
	return c.ifaces(ids), meaning, nil
}

// resolved asks the rules data whether s is an interface's Name tag or
// description.
func (c *compiler) resolved(s string) (Pred, string, bool) {
	if c.env.opt.Resolve == nil {
		return nil, "", false
	}
	ids, meaning, known := c.env.opt.Resolve(s)
	if !known || len(ids) == 0 {
		return nil, "", false
	}
	return c.ifaces(ids), meaning, true
}
