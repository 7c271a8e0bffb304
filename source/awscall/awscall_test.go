package awscall

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// silentServer accepts connections and never answers.
func silentServer(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + l.Addr().String()
}

// An endpoint that accepts and never answers is given up on after the
// first-byte deadline by the HTTP client, and after the call deadline by
// Do, which says the call hung.
func TestDeadlinesEndSilentCalls(t *testing.T) {
	url := silentServer(t)
	d := Deadlines{Connect: time.Second, FirstByte: 200 * time.Millisecond, Call: 400 * time.Millisecond}
	began := time.Now()
	req, _ := http.NewRequest("GET", url, nil)
	if _, err := d.HTTPClient().Do(req); err == nil || time.Since(began) > 2*time.Second {
		t.Fatalf("first-byte deadline: err %v after %s", err, time.Since(began))
	}
	d.FirstByte = time.Hour // only the call deadline is left
	began = time.Now()
	err := d.Do(context.Background(), "test:Call", func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		_, err := d.HTTPClient().Do(req)
		return err
	})
	var hung *HungError
	if !errors.As(err, &hung) || hung.Op != "test:Call" || time.Since(began) > 2*time.Second {
		t.Fatalf("call deadline: err %v after %s", err, time.Since(began))
	}
	// The caller's own cancellation is not a hang.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := d.Do(ctx, "test:Call", func(ctx context.Context) error { return ctx.Err() }); errors.As(err, &hung) {
		t.Fatalf("cancellation reported as a hang: %v", err)
	}
}

// A stream opened under Open outlives the call deadline once the call
// has returned.
func TestOpenKeepsTheStream(t *testing.T) {
	d := Deadlines{Call: 50 * time.Millisecond}
	var streamCtx context.Context
	stop, err := d.Open(context.Background(), "test:Stream", func(ctx context.Context) error {
		streamCtx = ctx
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(150 * time.Millisecond)
	if streamCtx.Err() != nil {
		t.Fatal("the stream was cut by the call deadline")
	}
	stop()
	if streamCtx.Err() == nil {
		t.Fatal("stop did not end the stream")
	}
	_, err = d.Open(context.Background(), "test:Stream", func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	})
	var hung *HungError
	if !errors.As(err, &hung) {
		t.Fatalf("a stream that never opened: %v", err)
	}
}
