package model

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

func TestTextPolicies(t *testing.T) {
	for _, tc := range []struct{ in, drop, mask, json string }{
		{"eni-0abc", "eni-0abc", "eni-0abc", "eni-0abc"},
		{"a\x1b]0;pwned\x07b", "a]0;pwnedb", "a?]0;pwned?b", `a\u001b]0;pwned\u0007b`},
		{"bidi\u202eevil", "bidievil", "bidi?evil", `bidi\u202eevil`},
		{"iso\u2066x\u2069\u200e\u200f\u061c", "isox", "iso?x????", `iso\u2066x\u2069\u200e\u200f\u061c`},
		{"c1\u009b31m", "c131m", "c1?31m", `c1\u009b31m`},
		{"bad\xffbyte", "bad\ufffdbyte", "bad?byte", `bad\ufffdbyte`},
		{"tab\tnl\n", "tab nl ", "tab?nl?", `tab\u0009nl\u000a`},
		{`q"b\`, `q"b\`, `q"b\`, `q\"b\\`},
		{"café ✓", "café ✓", "café ✓", "café ✓"},
		{"del\x7f", "del", "del?", `del\u007f`},
		// Invisible format characters stay visible, so a spoofed id never
		// looks like the real one.
		{"eni-a\u200bbc", "eni-a\ufffdbc", "eni-a?bc", `eni-a\u200bbc`},
		{"\ufeffx\u00ady\u2060z", "\ufffdx\ufffdy\ufffdz", "?x?y?z", `\ufeffx\u00ady\u2060z`},
		{"tag\U000E0041", "tag\ufffd", "tag?", `tag\udb40\udc41`},
	} {
		if got := DropUnsafe(tc.in); got != tc.drop {
			t.Errorf("DropUnsafe(%q) = %q, want %q", tc.in, got, tc.drop)
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
	if n := testing.AllocsPerRun(100, func() { _, _ = DropUnsafe(s), MaskUnsafe(s) }); n != 0 {
		t.Fatalf("clean text allocated %v times", n)
	}
}

func checkSafe(t *testing.T, policy, in, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("%s(%q) = %q: not UTF-8", policy, in, out)
	}
	for _, r := range out {
		if UnsafeRune(r) && !(policy == "drop" && r == ' ') {
			t.Fatalf("%s(%q) = %q keeps %U", policy, in, out, r)
		}
	}
}

func FuzzTextPolicies(f *testing.F) {
	for _, s := range []string{"plain", "\x1b[2J", "a\u202eb", "\xff\xfe", "\u009b", `"\`, "a\u200bb", "t\U000E0041"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkSafe(t, "drop", s, DropUnsafe(s))
		m := MaskUnsafe(s)
		checkSafe(t, "mask", s, m)
		if utf8.ValidString(s) && utf8.RuneCountInString(m) != utf8.RuneCountInString(s) {
			t.Fatalf("MaskUnsafe(%q) = %q: rune count changed", s, m)
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
	})
}
