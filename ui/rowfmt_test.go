package ui

import "testing"

func TestAppendHuman(t *testing.T) {
	tests := map[uint64]string{0: "0", 842: "842", 999: "999", 1000: "1K", 1040: "1K", 1960: "2K", 1500: "1.5K",
		9949: "9.9K", 9960: "10K", 123456: "123K", 999_499: "999K", 999_500: "1M", 1_480_000: "1.5M", 1_000_000: "1M",
		4_294_967_295: "4.3G"}
	for n, want := range tests {
		if got := string(appendHuman(nil, n)); got != want {
			t.Errorf("appendHuman(%d) = %q, want %q", n, got, want)
		}
		if len(want) > 4 {
			t.Errorf("%q is wider than the 4 cells the table gives it", want)
		}
	}
}

func TestAppendThousands(t *testing.T) {
	for n, want := range map[uint64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567"} {
		if got := string(appendThousands(nil, n)); got != want {
			t.Errorf("appendThousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestLayoutColumnsFitsWidth(t *testing.T) {
	for _, w := range []int{60, 72, 80, 99, 100, 119, 120, 200} {
		p := &flowsPane{sh: &Shared{Styles: NewStyles(Theme{NoColor: true})}}
		p.SetSize(w, 10)
		if got := cellWidth(string(p.appendHeader(nil))); got != w {
			t.Errorf("width %d: header is %d cells", w, got)
		}
	}
}

func TestPadMiddleKeepsNetworkAndPort(t *testing.T) {
	tests := []struct {
		in   string
		w    int
		want string
	}{
		{"10.0.1.23:443", 16, "10.0.1.23:443   "},
		{"185.220.205.161:37908", 16, "185.22…161:37908"},
		{"[2600:1f18:abcd:1200::10]:40000", 22, "[2600:1f…00::10]:40000"},
	}
	for _, tt := range tests {
		got := string(padMiddle(nil, tt.in, tt.w))
		if got != tt.want || cellWidth(got) != tt.w {
			t.Errorf("padMiddle(%q, %d) = %q (%d cells), want %q", tt.in, tt.w, got, cellWidth(got), tt.want)
		}
	}
}
