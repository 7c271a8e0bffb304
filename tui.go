package main

import (
	"context"
	"errors"
)

// runTUI parses the UI's flags and runs the terminal UI.
func runTUI(ctx context.Context, args []string, std stdio) int {
	var o options
	fs := newFlagSet("flowtail")
	o.sourceFlags(fs)
	o.tuiFlags(fs)
	help := fs.Bool("help", false, "show help")
	fs.BoolVar(help, "h", false, "short for --help")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return usageError(std, "", err)
	}
	if *help {
		std.out.Write([]byte(usageText()))
		return exitOK
	}
	if o.version {
		std.out.Write([]byte(versionString() + "\n"))
		return exitOK
	}
	o.paths = pos
	if err := o.validate(); err != nil {
		return usageError(std, "", err)
	}
	return usageError(std, "", errors.New("the terminal UI is not wired yet"))
}
