// Command flowtail tails AWS VPC Flow Logs from CloudWatch Logs, S3-layout
// captures, files and stdin into a live, filterable terminal UI, and answers
// the same questions headlessly for scripts.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/flowtail/flowtail/internal/cli"
)

// Set by the release build with -ldflags "-X main.version=… -X main.commit=… -X main.date=…".
var (
	version = ""
	commit  = ""
	date    = ""
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, cli.Build{Version: version, Commit: commit, Date: date}, os.Args[1:])
	stop()
	os.Exit(code)
}
