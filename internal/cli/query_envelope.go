package cli

import (
	"context"
	"io"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/query"
	"github.com/flowtail/flowtail/source/file"
)

// readEnvelopeChunks sends the records of a file that is not plain text
// (JSON, CSV, a CloudWatch export, Parquet) as chunks, through the file
// source's envelope reading. r reads stdin from its start when path is "-";
// a columnar file has only the fields need accepts read.
func readEnvelopeChunks(ctx context.Context, path string, r io.Reader, out chan<- *query.Chunk, free chan []byte, seq *int, need func(model.FieldID) bool) error {
	ck := &chunker{out: out, free: free, cur: make([]*query.Chunk, 1), next: make([]int64, 1), headers: map[string]*model.Format{}, seq: *seq}
	src := file.New([]string{path}, file.Options{Stdin: r, Columns: need})
	err := src.Run(ctx, func(b model.Batch) { ck.add(0, b) })
	ck.flush(0)
	*seq = ck.seq
	return err
}
