package s3

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/flowtail/flowtail/source"
)

// idleTimeout is how long a body may send nothing before the request is
// abandoned (and resumed): the deadline of a stream whose length, and so
// whose total time, is not known in advance.
var idleTimeout = 60 * time.Second

// resumes is how often one object's body may be picked up again where it
// broke off before the object is reported unreadable.
const resumes = 3

// objectBody streams one object. A connection that breaks mid-body is
// resumed with a ranged GET from the byte where it stopped (the same
// version, by ETag), so the decompressor downstream never notices.
type objectBody struct {
	ctx    context.Context
	client *s3.Client
	bucket string
	key    string
	retry  func(context.Context, op, string, string, func(context.Context) error) error
	onRead func(n int)

	etag    string
	size    int64 // -1 until the first response says
	offset  int64
	resumed int

	body   io.ReadCloser
	cancel context.CancelFunc
	timer  *time.Timer
}

func (b *objectBody) open() error {
	return b.retry(b.ctx, opGet, b.bucket, b.key, func(ctx context.Context) error {
		reqCtx, cancel := context.WithCancel(b.ctx)
		timer := time.AfterFunc(callTimeout, cancel)
		in := &s3.GetObjectInput{Bucket: aws.String(b.bucket), Key: aws.String(b.key)}
		if b.offset > 0 {
			in.Range = aws.String(fmt.Sprintf("bytes=%d-", b.offset))
			if b.etag != "" {
				in.IfMatch = aws.String(b.etag)
			}
		}
		out, err := b.client.GetObject(reqCtx, in)
		timedOut := !timer.Stop()
		if err != nil {
			cancel()
			if timedOut && b.ctx.Err() == nil {
				return fmt.Errorf("no response in %s: %w", callTimeout, context.DeadlineExceeded)
			}
			return err
		}
		if b.offset == 0 {
			b.etag = aws.ToString(out.ETag)
			b.size = aws.ToInt64(out.ContentLength)
		}
		b.body, b.cancel, b.timer = out.Body, cancel, timer
		return nil
	})
}

func (b *objectBody) Read(p []byte) (int, error) {
	for {
		if b.body == nil {
			if err := b.open(); err != nil {
				return 0, err
			}
		}
		b.timer.Reset(idleTimeout)
		n, err := b.body.Read(p)
		if !b.timer.Stop() && err != nil && b.ctx.Err() == nil {
			// The idle deadline cut it: say so, not "context canceled".
			err = fmt.Errorf("the connection sent nothing for %s", idleTimeout)
		}
		b.offset += int64(n)
		if n > 0 && b.onRead != nil {
			b.onRead(n)
		}
		if err == io.EOF && (b.size < 0 || b.offset >= b.size) {
			return n, io.EOF
		}
		if err == nil {
			return n, nil
		}
		// Cut short: the connection broke, stalled, or ended early.
		b.close()
		if b.ctx.Err() != nil {
			return n, b.ctx.Err()
		}
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		if b.resumed >= resumes {
			return n, fmt.Errorf("the download broke off %d times, last at byte %d of %d: %w", b.resumed+1, b.offset, b.size, err)
		}
		b.resumed++
		if n > 0 {
			return n, nil
		}
		select {
		case <-b.ctx.Done():
			return 0, b.ctx.Err()
		case <-time.After(source.Backoff(100*time.Millisecond, 2*time.Second, b.resumed)):
		}
	}
}

func (b *objectBody) close() {
	if b.body != nil {
		b.body.Close()
		b.cancel()
		b.body = nil
	}
}

// Close ends the request.
func (b *objectBody) Close() error {
	b.close()
	return nil
}
