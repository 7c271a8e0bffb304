package model

import (
	"bytes"
	"strconv"
	"testing"
)

// render writes a parsed record back in its format, "-" for absent fields,
// through the public accessors only.
func render(format *Format, f *Flow, x *Ext, names *Interner) []byte {
	var b []byte
	for i, id := range format.Fields {
		if i > 0 {
			b = append(b, ' ')
		}
		if !Present(f, x, id) {
			b = append(b, '-')
			continue
		}
		switch id.Kind() {
		case KindInt:
			v, _ := Int(f, x, id)
			b = strconv.AppendUint(b, v, 10)
		case KindAddr:
			b = Addr(f, x, id).AppendTo(b)
		case KindEnum:
			if id == FieldAction {
				b = append(b, f.Action().String()...)
			} else {
				b = append(b, f.Status().String()...)
			}
		default:
			s, _ := StrID(f, x, id)
			b = append(b, names.Name(s)...)
		}
	}
	return b
}

// FuzzParse checks that no line crashes the parser or makes it allocate
// without bound, and that whatever it accepts means the same thing when
// written back and read again.
func FuzzParse(f *testing.F) {
	for _, ex := range awsExamples {
		if ex.format == DefaultFormatText || ex.format == v5Format29 {
			f.Add([]byte(ex.line))
		}
	}
	f.Add([]byte("2 1 eni-1 ::ffff:10.0.0.1 fe80::1%eth0 1 2 6 3 4 99999999999999 1 ACCEPT OK\r"))
	f.Add([]byte("5 - - 99999999999999999999 - 256 - - IPv4 - - - - - - - - - - - - - - - - - - - -"))
	f.Add([]byte("6 TransitGateway 1 tgw-1 tgw-attach-1 1 2 vpc-1 vpc-2 subnet-1 subnet-2 eni-1 eni-2 az1 az2 tgw-attach-2 10.0.0.1 10.0.0.2 1 2 6 3 4 5 6 OK IPv4 7 0 18446744073709551615 0 2 us-east-1 ingress - -"))
	// The Transit Gateway default, and a format of unknown names of its own.
	formats := []*Format{DefaultFormat, MustParseFormat(v5Format29), DefaultTGWFormat, MustParseFormat("version Next_Hop srcaddr my-tag")}
	f.Fuzz(func(t *testing.T, line []byte) {
		for _, format := range formats {
			names := NewInterner()
			p := NewParser(format, names)
			var fl, again Flow
			var x, xa Ext
			if err := p.Parse(line, &fl, &x); err != nil {
				var pe *ParseError
				if !asParseError(err, &pe) || pe.Column < 0 || pe.Column > len(line)+1 {
					t.Fatalf("error %v is not a ParseError with a column in the line", err)
				}
				continue
			}
			out := render(format, &fl, &x, names)
			if err := p.Parse(out, &again, &xa); err != nil {
				t.Fatalf("accepted %q, but its rendering %q fails: %v", line, out, err)
			}
			if again != fl || (fl.HasExt() && xa != x) {
				t.Fatalf("%q and its rendering %q differ:\n%+v\n%+v", line, out, fl, again)
			}
			if bytes.Contains(out, []byte("\x1b")) && !bytes.Contains(line, []byte("\x1b")) {
				t.Fatalf("rendering invented an escape: %q", out)
			}
		}
	})
}

func asParseError(err error, pe **ParseError) bool {
	e, ok := err.(*ParseError)
	*pe = e
	return ok
}
