// Command flowtail tails AWS VPC Flow Logs from CloudWatch Logs, S3-layout
// captures, files and stdin into a live, filterable terminal UI, and answers
// the same questions headlessly for scripts.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"sort"
	"strings"
	"syscall"
)

// Set by the release build with -ldflags "-X main.version=… -X main.commit=… -X main.date=…".
var (
	version = ""
	commit  = ""
	date    = ""
)

// Exit codes.
const (
	exitOK      = 0
	exitRuntime = 1
	exitUsage   = 2
)

// stdio is where a command reads and writes; tests pass buffers.
type stdio struct {
	in  io.Reader
	out io.Writer
	err io.Writer
}

// command is a headless subcommand; each registers itself from its own file.
type command struct {
	name    string
	summary string
	usage   string
	run     func(ctx context.Context, args []string, std stdio) int
}

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], stdio{os.Stdin, os.Stdout, os.Stderr})
	stop()
	os.Exit(code)
}

// run dispatches to a subcommand or, by default, the terminal UI.
func run(ctx context.Context, args []string, std stdio) int {
	if len(args) > 0 {
		switch args[0] {
		case "help":
			if len(args) > 1 {
				if c, ok := commands[args[1]]; ok {
					fmt.Fprint(std.out, c.usage)
					return exitOK
				}
				if args[1] != "version" && args[1] != "help" {
					return usageError(std, "", unknownCommand(args[1]))
				}
			}
			fmt.Fprint(std.out, usageText())
			return exitOK
		case "version":
			fmt.Fprintln(std.out, versionString())
			return exitOK
		}
		if c, ok := commands[args[0]]; ok {
			return c.run(ctx, args[1:], std)
		}
		if looksLikeCommand(args[0]) {
			return usageError(std, "", unknownCommand(args[0]))
		}
	}
	return runTUI(ctx, args, std)
}

// looksLikeCommand reports whether a first argument that names no command
// is a mistyped one rather than a capture: a bare word with no such file.
func looksLikeCommand(arg string) bool {
	for _, r := range arg {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
			return false
		}
	}
	_, err := os.Stat(arg)
	return arg != "" && errors.Is(err, os.ErrNotExist)
}

func unknownCommand(name string) error {
	names := []string{"help", "version"}
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return fmt.Errorf("unknown command %q (commands: %s; a capture to open must exist)", name, strings.Join(names, ", "))
}

// versionString is the release version, or what the Go toolchain recorded
// for `go install …@version` builds.
func versionString() string {
	v, c, d := version, commit, date
	if info, ok := debug.ReadBuildInfo(); ok {
		if v == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision" && c == "":
				c = s.Value
			case s.Key == "vcs.time" && d == "":
				d = s.Value
			}
		}
	}
	if v == "" {
		v = "dev"
	}
	out := "flowtail " + v
	if c != "" {
		out += " (" + shortRev(c)
		if d != "" {
			out += ", " + d
		}
		out += ")"
	}
	return out
}

func shortRev(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

func usageText() string {
	var b strings.Builder
	b.WriteString(`flowtail: tail and triage AWS VPC Flow Logs in the terminal.

Usage:
  flowtail [flags] [FILE|DIR|-|s3://]...  open the terminal UI on captures, stdin, S3 or CloudWatch
  flowtail COMMAND [flags] SOURCES...   answer headlessly

Examples:
  flowtail --demo                                  a live demo, no AWS account needed
  flowtail capture.log.gz                          browse a capture (plain or gzip)
  zcat flows.gz | flowtail -                       read stdin
  flowtail ./s3-dump/AWSLogs/                      an S3 delivery tree, in time order
  flowtail -f /var/log/flows.log                   follow a growing file (like tail -F)
  flowtail --replay 10x incident.log.gz            watch an incident again at 10x
  flowtail -g /aws/vpc/flowlogs --since 30m        live from CloudWatch Logs
  flowtail s3://my-bucket/AWSLogs/ --since 2h      read where S3 delivery puts them
  flowtail cat -o json capture.log.gz              decode records as JSON lines

Commands:
`)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "  %-10s %s\n", n, commands[n].summary)
	}
	b.WriteString("  version    print the version\n  help       this text, or `flowtail help COMMAND`\n\nFlags:\n")
	b.WriteString(sourceFlagsHelp)
	b.WriteString(tuiFlagsHelp)
	return b.String()
}
