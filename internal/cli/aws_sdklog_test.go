package cli

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/smithy-go/logging"

	"github.com/flowtail/flowtail/internal/awstest"
)

// While the TUI owns the terminal, what the AWS SDK logs goes to the
// --log file (or nowhere), never to the screen.
func TestSDKLogFollowsTheLogFile(t *testing.T) {
	srv := awstest.New(t)
	awsEnv(t, srv.URL())
	var logged bytes.Buffer
	o := options{sdkLog: slog.New(slog.NewTextHandler(&logged, nil))}
	cfg, err := loadAWSConfig(context.Background(), &o)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Logger.Logf(logging.Warn, "response has no supported checksum %d", 7)
	if !strings.Contains(logged.String(), "response has no supported checksum 7") || !strings.Contains(logged.String(), "level=WARN") {
		t.Fatalf("SDK log not in the log file: %q", logged.String())
	}
	if cfg.ClientLogMode != 0 {
		t.Errorf("SDK client log mode %v: request logging would flood the log", cfg.ClientLogMode)
	}
}
