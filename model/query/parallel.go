package query

import (
	"bytes"
	"sync"

	"github.com/flowtail/flowtail/model"
)

// Chunk is a run of whole lines from one origin, handed to RunChunks.
// Cutting input into large chunks (rather than one event per line) lets a
// reader goroutine decompress while workers parse.
type Chunk struct {
	Seq       int    // 0, 1, 2 … in input order
	Data      []byte // whole lines, '\n'-terminated (the last may lack it)
	Origin    string // file path, "-" or log group
	Stream    string // CloudWatch log stream (fills interface-id), or ""
	FirstLine int64  // 1-based line number of Data's first line; 0: not numbered
	Format    *model.Format
}

// RunInfo counts what a chunked run read besides the answer.
type RunInfo struct {
	Records uint64
	// Skipped counts lines not parsed because their text shows they cannot
	// pass the filters; malformed lines among them go uncounted.
	Skipped   uint64
	Malformed uint64
	Headers   uint64
	// FirstBad keeps the first few malformed lines, for the report.
	FirstBad []model.Malformed
}

const keepBad = 5

// RunChunks answers the query over chunks read from in, with workers
// goroutines each parsing with its own decoder (override: --format, or
// nil) into its own partial result; the partials are merged at the end.
// Record queries keep input order. done is called with each chunk once it
// has been parsed, so the caller can reuse its buffer. names must be the
// interner the program was compiled with.
func (p *Program) RunChunks(in <-chan *Chunk, workers int, override *model.Format, done func(*Chunk)) (*Result, RunInfo) {
	workers = max(workers, 1)
	type workerOut struct {
		part *Partial
		info RunInfo
	}
	outs := make([]workerOut, workers)
	var mu sync.Mutex
	perChunk := map[int]*Partial{} // record queries: merged in Seq order
	lf := p.lineFilter()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dec := model.NewDecoder(p.env.names, override)
			out := &outs[w]
			var f model.Flow
			var x model.Ext
			if p.stats != nil {
				out.part = p.NewPartial()
			}
			for c := range in {
				part := out.part
				if part == nil {
					part = p.NewPartial()
				}
				decodeChunk(c, dec, lf, part, &out.info, &f, &x)
				if p.stats == nil {
					mu.Lock()
					perChunk[c.Seq] = part
					mu.Unlock()
				}
				if done != nil {
					done(c)
				}
			}
		}()
	}
	wg.Wait()
	var info RunInfo
	for _, o := range outs {
		info.Records += o.info.Records
		info.Skipped += o.info.Skipped
		info.Malformed += o.info.Malformed
		info.Headers += o.info.Headers
		for _, b := range o.info.FirstBad {
			if len(info.FirstBad) < keepBad {
				info.FirstBad = append(info.FirstBad, b)
			}
		}
	}
	total := p.NewPartial()
	// However the input was split, list groups by key.
	total.merged = true
	if p.stats != nil {
		for _, o := range outs {
			total.Merge(o.part)
		}
		return p.Result(total), info
	}
	for seq := 0; len(perChunk) > 0; seq++ {
		if part, ok := perChunk[seq]; ok {
			total.Merge(part)
			delete(perChunk, seq)
		}
	}
	return p.Result(total), info
}

func decodeChunk(c *Chunk, dec *model.Decoder, lf lineFilter, part *Partial, info *RunInfo, f *model.Flow, x *model.Ext) {
	data := c.Data
	ev := model.Event{Origin: c.Origin, Stream: c.Stream, LineNo: c.FirstLine}
	step := int64(1)
	if c.FirstLine == 0 {
		step = 0
	}
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if lf != nil && !lf.pass(line) {
			info.Skipped++
			ev.LineNo += step
			continue
		}
		ev.Line = line
		res, err := dec.Decode(&ev, c.Format, f, x)
		switch res {
		case model.ResultRecord:
			info.Records++
			if f.HasExt() {
				part.Add(f, x)
			} else {
				part.Add(f, nil)
			}
		case model.ResultHeader:
			info.Headers++
		case model.ResultMalformed:
			info.Malformed++
			if len(info.FirstBad) < keepBad {
				info.FirstBad = append(info.FirstBad, model.Malformed{Origin: c.Origin, LineNo: ev.LineNo, Line: model.KeepLine(line), Err: err.Error()})
			}
		}
		ev.LineNo += step
	}
}
