package model

import (
	"encoding/json"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestTextPolicies(t *testing.T) {
	for _, tc := range []struct{ in, show, mask, json string }{
		{"eni-0abc", "eni-0abc", "eni-0abc", "eni-0abc"},
		{"a\x1b]0;pwned\x07b", "a\ufffd]0;pwned\ufffdb", "a?]0;pwned?b", `a\u001b]0;pwned\u0007b`},
		{"bidi\u202eevil", "bidi\ufffdevil", "bidi?evil", `bidi\u202eevil`},
		{"iso\u2066x\u2069\u200e\u200f\u061c", "iso\ufffdx\ufffd\ufffd\ufffd\ufffd", "iso?x????", `iso\u2066x\u2069\u200e\u200f\u061c`},
		{"c1\u009b31m", "c1\ufffd31m", "c1?31m", `c1\u009b31m`},
		{"bad\xffbyte", "bad\ufffdbyte", "bad?byte", `bad\ufffdbyte`},
		{"tab\tnl\n", "tab nl ", "tab?nl?", `tab\u0009nl\u000a`},
		{`q"b\`, `q"b\`, `q"b\`, `q\"b\\`},
		{"café ✓", "café ✓", "café ✓", "café ✓"},
		{"del\x7f", "del\ufffd", "del?", `del\u007f`},
		// Invisible format characters stay visible, so a spoofed id never
		// looks like the real one.
		{"eni-a\u200bbc", "eni-a\ufffdbc", "eni-a?bc", `eni-a\u200bbc`},
		{"\ufeffx\u00ady\u2060z", "\ufffdx\ufffdy\ufffdz", "?x?y?z", `\ufeffx\u00ady\u2060z`},
		{"tag\U000E0041", "tag\ufffd", "tag?", `tag\udb40\udc41`},
		// A control or bidi override never vanishes: these read apart
		// from "eni-evil" and "eni-bell".
		{"eni-\u202eevil", "eni-\ufffdevil", "eni-?evil", `eni-\u202eevil`},
		{"eni-\abell", "eni-\ufffdbell", "eni-?bell", `eni-\u0007bell`},
	} {
		if got := ReplaceUnsafe(tc.in); got != tc.show {
			t.Errorf("ReplaceUnsafe(%q) = %q, want %q", tc.in, got, tc.show)
		}
		if got := MaskUnsafe(tc.in); got != tc.mask {
			t.Errorf("MaskUnsafe(%q) = %q, want %q", tc.in, got, tc.mask)
		}
		if got := string(AppendJSONString(nil, tc.in)); got != tc.json {
			t.Errorf("AppendJSONString(%q) = %q, want %q", tc.in, got, tc.json)
		}
	}
}

// A masked value appended after other bytes is masked alone, in place.
func TestMaskAppended(t *testing.T) {
	dst := []byte("keep\x1b ")
	dst = append(dst, "x\u202ey\x1b"...)
	if got := string(MaskAppended(dst, 6)); got != "keep\x1b x?y?" {
		t.Fatalf("got %q", got)
	}
}

func TestCleanTextDoesNotAllocate(t *testing.T) {
	s := "eni-0123456789abcdef0 10.0.0.1"
	if n := testing.AllocsPerRun(100, func() { _, _ = ReplaceUnsafe(s), MaskUnsafe(s) }); n != 0 {
		t.Fatalf("clean text allocated %v times", n)
	}
}

// shownAs is what one unit of input (a rune, or an invalid byte as
// utf8.RuneError) becomes under the UI's policy and under the headless
// one, written out here from the policy rather than from the code.
func shownAs(r rune, invalid bool) (show, mask rune) {
	switch {
	case invalid:
		return '\uFFFD', '?'
	case r == '\t' || r == '\n' || r == '\r':
		return ' ', '?'
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f, // C0, DEL, C1
		r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c, // bidi
		r >= 0xa0 && unicode.Is(unicode.Cf, r), // other invisible formats
		r == 0x2028 || r == 0x2029:             // line and paragraph separators
		return '\uFFFD', '?'
	}
	return r, r
}

// unsafeSamples are runes each policy must show, one of each kind.
var unsafeSamples = []rune{0x00, 0x07, '\t', '\n', '\r', 0x1b, 0x7f, 0x85, 0x9b, 0x061c, 0x200b, 0x200e, 0x200f, 0x202a, 0x202e, 0x2066, 0x2069, 0x2028, 0x2029, 0xfeff, 0xe0041}

func FuzzTextPolicies(f *testing.F) {
	for _, s := range []string{"plain", "\x1b[2J", "a\u202eb", "\xff\xfe", "\u009b", `"\`, "a\u200bb", "t\U000E0041", "eni-\abell"} {
		f.Add(s, uint(0), uint(0))
	}
	f.Add("eni-evil", uint(4), uint(14))
	f.Fuzz(func(t *testing.T, s string, at, which uint) {
		show, m := ReplaceUnsafe(s), MaskUnsafe(s)
		checkSafe(t, "show", s, show)
		checkSafe(t, "mask", s, m)
		// One for one: every unit of the input is shown by exactly one
		// rune, so nothing unsafe vanishes.
		var wantShow, wantMask []rune
		for i := 0; i < len(s); {
			r, size := utf8.DecodeRuneInString(s[i:])
			sh, mk := shownAs(r, r == utf8.RuneError && size <= 1)
			wantShow, wantMask = append(wantShow, sh), append(wantMask, mk)
			i += size
		}
		if show != string(wantShow) {
			t.Fatalf("ReplaceUnsafe(%q) = %q, want %q", s, show, string(wantShow))
		}
		if m != string(wantMask) {
			t.Fatalf("MaskUnsafe(%q) = %q, want %q", s, m, string(wantMask))
		}
		var back string
		js := `"` + string(AppendJSONString(nil, s)) + `"`
		if err := json.Unmarshal([]byte(js), &back); err != nil {
			t.Fatalf("AppendJSONString(%q) = %s: not JSON: %v", s, js, err)
		}
		for _, r := range js {
			if UnsafeRune(r) {
				t.Fatalf("AppendJSONString(%q) = %q keeps %U", s, js, r)
			}
		}
		if utf8.ValidString(s) && back != s {
			t.Fatalf("AppendJSONString(%q) reads back as %q", s, back)
		}
		// An unsafe rune put anywhere into the text changes how it reads
		// under every policy: two values never look the same because one
		// holds a control, a bidi override or an invisible format.
		u := unsafeSamples[which%uint(len(unsafeSamples))]
		cut := int(at % uint(len(s)+1))
		for cut > 0 && cut < len(s) && !utf8.RuneStart(s[cut]) {
			cut--
		}
		with := s[:cut] + string(u) + s[cut:]
		for _, p := range []struct {
			name   string
			policy func(string) string
		}{
			{"ReplaceUnsafe", ReplaceUnsafe},
			{"MaskUnsafe", MaskUnsafe},
			{"AppendJSONString", func(s string) string { return string(AppendJSONString(nil, s)) }},
		} {
			if a, b := p.policy(s), p.policy(with); a == b {
				t.Fatalf("%s reads %q and %q both as %q", p.name, s, with, a)
			}
		}
	})
}

func checkSafe(t *testing.T, policy, in, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("%s(%q) = %q: not UTF-8", policy, in, out)
	}
	for _, r := range out {
		if UnsafeRune(r) {
			t.Fatalf("%s(%q) = %q keeps %U", policy, in, out, r)
		}
	}
}
