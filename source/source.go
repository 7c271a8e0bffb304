// Package source reads flow-log lines from files, stdin, CloudWatch Logs and
// S3 and hands them over in batches. Sources locate lines; they know nothing
// of flow-log fields.
package source

import (
	"context"

	"github.com/flowtail/flowtail/model"
)

// Emit receives a batch. The batch and its lines may be reused once Emit
// returns, so the receiver must ingest or copy them before returning.
// Emit blocking is the back-pressure: a source never drops lines silently.
type Emit func(model.Batch)

// Source is anything that produces flow-log lines.
type Source interface {
	// Name is what the status bar shows for the source.
	Name() string
	// Run reads until the data ends (nil), ctx is done (ctx.Err()), or a
	// final error occurs.
	Run(ctx context.Context, emit Emit) error
}

// Status is the health a long-running source reports for the status bar:
// mode, lag, backoff and the last error with what to do.
type Status struct {
	Mode       string // "file", "follow", "replay 10x", "backfill", "live", "poll"
	LagMillis  int64  // now minus the newest ingestion time, when known
	Rate       float64
	Sampled    int64 // seconds of live tail that were sampled
	Duplicates int64 // events suppressed as already seen
	Backoff    string
	LastError  string // what happened and what to do
	Final      bool   // the source stopped for good
	// Read and Size are the bytes of the input read so far and in all,
	// for a progress line while files load (Size 0: unknown). Loaded is
	// set once the files given have been read to their end.
	Read, Size int64
	Loaded     bool
	// Waiting names a followed file that does not exist yet.
	Waiting string
}

// Reporter is implemented by sources that have health worth showing.
type Reporter interface {
	Status() Status
}
