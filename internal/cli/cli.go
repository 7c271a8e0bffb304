// Package cli is flowtail's composition root: it turns the command line into
// a typed configuration, builds the sources it names and runs one command.
// Everything that decides what runs lives here; how it runs lives in model,
// source and ui.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"

	"charm.land/fang/v2"
	"github.com/spf13/cobra"
)

// Build is what the release build stamped into the binary (empty under
// `go install`, where the toolchain's build info is read instead).
type Build struct {
	Version, Commit, Date string
}

// Exit codes.
const (
	exitOK      = 0
	exitRuntime = 1
	exitUsage   = 2
	// exitInterrupted is the shell's status for a command ended by SIGINT.
	exitInterrupted = 130
)

// stdio is where a command reads and writes; tests pass buffers.
type stdio struct {
	in  io.Reader
	out io.Writer
	err io.Writer
}

// Run runs the command line args with the process's standard streams and
// returns the exit status: 0 ok, 1 runtime failure, 2 usage.
func Run(ctx context.Context, b Build, args []string) int {
	// A reader that goes away (| head) shows as EPIPE from Write, which
	// the commands take for success, instead of killing the process.
	signal.Ignore(syscall.SIGPIPE)
	return execute(ctx, b, args, stdio{os.Stdin, os.Stdout, os.Stderr})
}

// run is Run with the given streams and no build stamp (tests).
func run(ctx context.Context, args []string, std stdio) int {
	return execute(ctx, Build{}, args, std)
}

func execute(ctx context.Context, b Build, args []string, std stdio) int {
	args, err := expandNamedSources(args)
	if err != nil {
		return usageError(std, "", err)
	}
	root := newRoot(b, std, args)
	root.SetArgs(append([]string{}, args...))
	err = fang.Execute(ctx, root,
		fang.WithoutVersion(), // newRoot sets the version text itself
		fang.WithoutManpage(), // newManCmd writes to the command's output, not os.Stdout
		fang.WithErrorHandler(func(io.Writer, fang.Styles, error) {}),
	)
	return exitStatus(std, err)
}

// newRoot is the command tree: the terminal UI at the root and every other
// command listed here. args is the command line, whose first word, when it
// names no command and no file, is taken for a mistyped command.
func newRoot(b Build, std stdio, args []string) *cobra.Command {
	first := ""
	if len(args) > 0 {
		first = args[0]
	}
	root := newTUICmd(std, first)
	root.Version = versionString(b)
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetIn(std.in)
	root.SetOut(std.out)
	root.SetErr(std.err)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageErr{cmd: c, err: err}
	})
	root.AddCommand(
		newCatCmd(std),
		newQueryCmd(std),
		newExplainCmd(std),
		newAthenaCmd(std),
		newVersionCmd(root),
		newManCmd(root),
		newConfigCmd(root),
		newIPRangesCmd(),
	)
	bindConfig(root)
	root.SetHelpCommand(newHelpCmd(root))
	root.InitDefaultCompletionCmd()
	refuseUnknownSubcommands(root)
	return root
}

// refuseUnknownSubcommands makes a command that only groups others
// (completion, athena) print its help when called bare and refuse a word
// that names none of them: cobra would print the help for 'completion
// tcsh' and exit 0, as if a script had been written.
func refuseUnknownSubcommands(root *cobra.Command) {
	for _, c := range root.Commands() {
		if c.HasSubCommands() && !c.Runnable() {
			c.Args = cobra.NoArgs
			c.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
		}
		refuseUnknownSubcommands(c)
	}
}

// exitErr ends a command with a status; the command has already said why.
type exitErr int

func (e exitErr) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// exit turns a command's status into what cobra expects from RunE.
func exit(code int) error {
	if code == exitOK {
		return nil
	}
	return exitErr(code)
}

// usageErr is a usage problem found while parsing cmd's command line.
type usageErr struct {
	cmd *cobra.Command
	err error
}

func (e usageErr) Error() string { return e.err.Error() }

// exitStatus reports an error that no command reported itself the way
// every usage error is reported, and returns the exit status.
func exitStatus(std stdio, err error) int {
	if err == nil {
		return exitOK
	}
	var code exitErr
	if errors.As(err, &code) {
		return int(code)
	}
	name := ""
	var ue usageErr
	if errors.As(err, &ue) && ue.cmd != nil && ue.cmd.HasParent() {
		name = ue.cmd.Name()
	}
	return usageError(std, name, err)
}

// newVersionCmd prints the version, as --version does.
func newVersionCmd(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "print the version",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(c.OutOrStdout(), root.Version)
			return err
		},
	}
}

// newHelpCmd prints the help of the root or of the command named, and
// refuses a name that is no command.
func newHelpCmd(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "help [COMMAND]",
		Short: "this text, or the help of a command",
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return root.Help()
			}
			c, rest, err := root.Find(args)
			if err != nil || c == root || len(rest) > 0 {
				return usageErr{err: unknownCommand(root, args[0])}
			}
			return c.Help()
		},
	}
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

func unknownCommand(root *cobra.Command, name string) error {
	var names []string
	for _, c := range root.Commands() {
		if c.IsAvailableCommand() || c.Name() == "help" {
			names = append(names, c.Name())
		}
	}
	slices.Sort(names)
	return fmt.Errorf("unknown command %q (commands: %s; a capture to open must exist)", name, strings.Join(names, ", "))
}

// versionString is the release version, or what the Go toolchain recorded
// for `go install …@version` builds.
func versionString(b Build) string {
	v, c, d := b.Version, b.Commit, b.Date
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
