package chunk

import (
	"context"
	"io"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/query"
	"github.com/flowtail/flowtail/source"
	"github.com/flowtail/flowtail/source/file"
)

// readEnvelope sends the records of an input that is not plain text
// (JSON, CSV, CloudWatch export lines, Parquet) as chunks, read through
// the file source's envelope decoding; src reads stdin from its start when
// path is "-". Chunks break where origin, stream, format or line numbering
// change, as Batches cuts them.
func (r *Reader) readEnvelope(ctx context.Context, index int, inp input, src io.Reader, emit func(*query.Chunk) bool) error {
	out := make(chan *query.Chunk)
	ck := NewBatches(1, out)
	done := make(chan error, 1)
	go func() {
		run := file.New([]string{inp.path}, file.Options{Stdin: src, Columns: r.opt.Columns}).Run
		if inp.stream != nil { // named by its origin, read from src
			st := file.NewStreamer(file.Options{Columns: r.opt.Columns})
			run = func(ctx context.Context, emit source.Emit) error { return st.Read(ctx, src, inp.path, emit) }
		}
		err := run(ctx, func(b model.Batch) {
			ck.mu.Lock()
			for k := range b.Events { // one input: every origin in it (a log group) is this input
				if o := b.Events[k].Origin; ck.headers[o] == nil {
					ck.headers[o] = &headers{}
					ck.inputs[o] = index
				}
			}
			ck.mu.Unlock()
			ck.Add(0, b)
		})
		ck.Flush(0)
		close(out)
		done <- err
	}()
	stopped := false
	for c := range out {
		if !stopped && !emit(c) {
			stopped = true // drain, so the reader can finish
		}
	}
	err := <-done
	if err == nil && inp.stream != nil && inp.stream.Done != nil {
		inp.stream.Done()
	}
	if stopped {
		return ctx.Err()
	}
	return err
}
