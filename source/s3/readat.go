package s3

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// minRange is the least a ranged GET asks for: readers of Parquet ask for a
// few bytes at a time (the magic, the footer's length), and a GET per ask
// would cost a round trip each.
const minRange = 256 << 10

// objectAt reads one object at any offset with ranged GETs, for Parquet,
// which is read from its footer and then only the column chunks it needs.
// The last range fetched is kept, so small reads near each other cost one
// request. Not safe for concurrent use.
type objectAt struct {
	ctx    context.Context
	client *s3.Client
	bucket string
	key    string
	etag   string // the version listed: a replaced object fails, not mixes
	size   int64
	retry  func(context.Context, op, string, string, func(context.Context) error) error
	onRead func(n int)

	buf []byte
	off int64 // offset of buf in the object
}

// ReadAt reads len(p) bytes at off; at the end of the object it returns
// what there is and io.EOF.
func (a *objectAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("negative offset %d", off)
	}
	n := 0
	for n < len(p) {
		at := off + int64(n)
		if at >= a.size {
			return n, io.EOF
		}
		if at < a.off || at >= a.off+int64(len(a.buf)) {
			if err := a.fetch(at, len(p)-n); err != nil {
				return n, err
			}
		}
		n += copy(p[n:], a.buf[at-a.off:])
	}
	return n, nil
}

// fetch gets at least want bytes (and at least minRange) from at; near the
// end of the object the range starts earlier instead, since Parquet is
// read from its end backwards first.
func (a *objectAt) fetch(at int64, want int) error {
	end := min(at+int64(max(want, minRange)), a.size) - 1
	if span := end - at + 1; span < minRange {
		at = max(0, min(at, a.size-minRange))
	}
	return a.retry(a.ctx, opGet, a.bucket, a.key, func(ctx context.Context) error {
		reqCtx, cancel := context.WithCancel(a.ctx)
		defer cancel()
		timer := time.AfterFunc(callTimeout, cancel) // bounds the request and the body both
		defer timer.Stop()
		in := &s3.GetObjectInput{Bucket: aws.String(a.bucket), Key: aws.String(a.key), Range: aws.String(fmt.Sprintf("bytes=%d-%d", at, end))}
		if a.etag != "" {
			in.IfMatch = aws.String(a.etag)
		}
		out, err := a.client.GetObject(reqCtx, in)
		if err != nil {
			return err
		}
		defer out.Body.Close()
		size := int(end - at + 1)
		if cap(a.buf) < size {
			a.buf = make([]byte, size)
		}
		a.buf = a.buf[:size]
		got, err := io.ReadFull(out.Body, a.buf)
		if a.onRead != nil {
			a.onRead(got)
		}
		if err != nil {
			a.buf = a.buf[:0]
			return fmt.Errorf("range %d-%d: %w", at, end, err)
		}
		a.off = at
		return nil
	})
}
