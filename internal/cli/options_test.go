package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/flowtail/flowtail/source/replay"
)

// Every bad flag value exits 2 with a message that names the flag and the
// problem, and a flag a command does not use is not accepted by it.
func TestBadFlagsNameTheFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--bogus"}, "-bogus"},
		{[]string{"cat", "-o", "yaml", "x"}, `invalid value "yaml" for flag -o: want text, json or csv`},
		{[]string{"query", "-o", "yaml", "stats count(*)", "x"}, `invalid value "yaml" for flag -o: want table, csv or json`},
		{[]string{"cat", "--replay", "fast", "x"}, `invalid value "fast" for flag --replay`},
		{[]string{"cat", "--replay", "10xx", "x"}, `invalid value "10xx" for flag --replay`},
		{[]string{"cat", "--replay", "NaN", "x"}, `invalid value "NaN" for flag --replay`},
		{[]string{"cat", "--replay", "Infx", "x"}, `invalid value "Infx" for flag --replay`},
		{[]string{"cat", "--replay", "0x", "x"}, `invalid value "0x" for flag --replay`},
		{[]string{"cat", "--format", "${nope", "x"}, `invalid value for flag --format: format: unterminated field "${nope" at column 1`},
		{[]string{"--buffer", "0", "x"}, "invalid value 0 for flag --buffer: must be at least 1"},
		{[]string{"--buffer", "1000000000000", "x"}, "invalid value 1000000000000 for flag --buffer: 1000000000000 records take"},
		{[]string{"--buffer", "9223372036854775807", "x"}, "more than this machine's memory holds"},
		{[]string{"cat", "--buffer", "10", "x"}, "unknown flag: --buffer"},
		{[]string{"cat", "--rules", "dir", "x"}, "unknown flag: --rules"},
		{[]string{"catt", "x.log"}, `unknown command "catt" (commands: athena, cat, completion, config, explain, help, ip-ranges, man, query, version`},
		{[]string{"help", "bogus"}, `unknown command "bogus"`},
		{[]string{"completion", "tcsh"}, `unknown command "tcsh" for "flowtail completion"`},
		{[]string{"athena", "ddll"}, `unknown command "ddll" for "flowtail athena"`},
		{[]string{"cat", "--since", "5m", "x"}, "flag --since applies to CloudWatch Logs log groups (-g LOG_GROUP)"},
		{[]string{"query", "--stream", "eni-1", "stats count(*)", "x"}, "flag --stream applies to CloudWatch Logs log groups"},
		{[]string{"cat"}, "no source: give FILE, DIR or - (stdin), s3://BUCKET[/PREFIX], -g LOG_GROUP, or --demo"},
	} {
		_, errOut, code := runCmd(t, tc.args...)
		if code != exitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
}

func TestParseSpeed(t *testing.T) {
	for in, want := range map[string]float64{"max": 0, "1x": 1, "10x": 10, "0.5x": 0.5, "2": 2} {
		if got, err := parseSpeed(in); err != nil || got != want {
			t.Errorf("parseSpeed(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
}

// --replay paces the demo capture a headless command reads once, as it
// paces files; without --replay the capture is read at once.
func TestHeadlessDemoHonoursReplay(t *testing.T) {
	for speed, paced := range map[string]bool{"10x": true, "": false, "max": false} {
		o := options{demo: true, once: true, replay: speed}
		srcs, err := o.sources(context.Background(), stdio{})
		if err != nil || len(srcs) != 1 {
			t.Fatalf("--replay %q: %v, %d sources", speed, err, len(srcs))
		}
		if _, ok := srcs[0].(*replay.Source); ok != paced {
			t.Errorf("--replay %q: source %T, want paced %v", speed, srcs[0], paced)
		}
	}
}

// The --buffer ceiling follows the machine: the ring alone must fit.
func TestMaxBuffer(t *testing.T) {
	per := ringBytes(1)
	if per < 16 {
		t.Fatalf("a record takes %v bytes?", per)
	}
	if got := maxBuffer(8 << 30); got != int(float64(8<<30)/per) {
		t.Errorf("maxBuffer(8 GiB) = %d, want %d", got, int(float64(8<<30)/per))
	}
	if got := maxBuffer(0); got <= 1<<40 {
		t.Errorf("unknown memory: limit %d should only guard the address space", got)
	}
}
