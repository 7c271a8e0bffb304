// Package s3test serves a wire-level S3 endpoint on 127.0.0.1 for tests:
// gofakes3 behind a middleware that records what was asked and injects the
// faults real S3 shows (throttling, AccessDenied, a body cut mid-stream,
// buckets in another region). Tests only: never linked into the binary.
package s3test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// Fake is a running S3 endpoint.
type Fake struct {
	URL     string
	backend *s3mem.Backend

	mu       sync.Mutex
	gets     []string // keys of object GETs, in order, ranged ones included
	lists    int
	auth     []string // Authorization headers of every request
	throttle int      // the next n requests answer 503 SlowDown
	denyList map[string]bool
	denyGet  map[string]string // key -> error message
	cuts     map[string]cut
	regions  map[string]string // bucket -> region
	listPage int               // most keys a listing page holds (0: S3's 1000)
	repeat   int               // the next n continued listings give back their own token
	hang     int               // the next n requests are never answered
}

type cut struct {
	after int  // bytes of body sent before the connection drops
	times int  // how many GETs of the key are cut
	stall bool // the connection stays open, silent, instead of dropping
}

// New starts a fake endpoint that stops with the test.
func New(t testing.TB) *Fake {
	f := &Fake{backend: s3mem.New(), denyList: map[string]bool{}, denyGet: map[string]string{}, cuts: map[string]cut{}, regions: map[string]string{}}
	faker := gofakes3.New(f.backend, gofakes3.WithLogger(gofakes3.DiscardLog()))
	srv := httptest.NewServer(f.middleware(faker.Server()))
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

// Env points the standard AWS configuration chain at the fake: endpoint,
// static credentials, region, and no shared config files of the machine.
func (f *Fake) Env(t testing.TB) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ENDPOINT_URL_S3", f.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", empty)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", empty)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// Bucket creates a bucket; region "" is the default us-east-1.
func (f *Fake) Bucket(t testing.TB, name, region string) {
	if err := f.backend.CreateBucket(name); err != nil {
		t.Fatal(err)
	}
	if region != "" {
		f.mu.Lock()
		f.regions[name] = region
		f.mu.Unlock()
	}
}

// Put stores an object.
func (f *Fake) Put(t testing.TB, bucket, key string, data []byte) {
	if _, err := f.backend.PutObject(bucket, key, map[string]string{}, bytes.NewReader(data), int64(len(data)), nil); err != nil {
		t.Fatal(err)
	}
}

// Throttle makes the next n requests answer 503 SlowDown.
func (f *Fake) Throttle(n int) { f.mu.Lock(); f.throttle = n; f.mu.Unlock() }

// DenyList makes listing the bucket answer AccessDenied.
func (f *Fake) DenyList(bucket string) { f.mu.Lock(); f.denyList[bucket] = true; f.mu.Unlock() }

// DenyGet makes reading key answer AccessDenied with message.
func (f *Fake) DenyGet(key, message string) { f.mu.Lock(); f.denyGet[key] = message; f.mu.Unlock() }

// Cut drops the connection after `after` body bytes of the next `times`
// GETs of key.
func (f *Fake) Cut(key string, after, times int) {
	f.mu.Lock()
	f.cuts[key] = cut{after: after, times: times}
	f.mu.Unlock()
}

// Hang makes the next n requests go unanswered until the client gives up,
// as a stalled endpoint does.
func (f *Fake) Hang(n int) { f.mu.Lock(); f.hang = n; f.mu.Unlock() }

// ListPage makes listing pages hold at most n keys.
func (f *Fake) ListPage(n int) { f.mu.Lock(); f.listPage = n; f.mu.Unlock() }

// RepeatToken makes the next n continued listings answer with the
// continuation token they were asked with, as a broken endpoint might.
func (f *Fake) RepeatToken(n int) { f.mu.Lock(); f.repeat = n; f.mu.Unlock() }

// Stall sends `after` body bytes of the next `times` GETs of key, then
// nothing more, keeping the connection open until the client gives up.
func (f *Fake) Stall(key string, after, times int) {
	f.mu.Lock()
	f.cuts[key] = cut{after: after, times: times, stall: true}
	f.mu.Unlock()
}

// Gets are the object keys fetched so far, in order.
func (f *Fake) Gets() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.gets...)
}

// Lists is how many ListObjectsV2 requests were served.
func (f *Fake) Lists() int { f.mu.Lock(); defer f.mu.Unlock(); return f.lists }

// Auth are the Authorization headers seen ("" for unsigned requests).
func (f *Fake) Auth() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.auth...)
}

var nextToken = regexp.MustCompile(`<NextContinuationToken>[^<]*</NextContinuationToken>`)

var signedRegion = regexp.MustCompile(`Credential=[^/]+/[0-9]+/([a-z0-9-]+)/s3/`)

func (f *Fake) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := strings.TrimPrefix(r.URL.Path, "/")
		bucket, key, _ := strings.Cut(path, "/")
		f.mu.Lock()
		f.auth = append(f.auth, r.Header.Get("Authorization"))
		if f.hang > 0 {
			f.hang--
			f.mu.Unlock()
			<-r.Context().Done()
			return
		}
		if f.throttle > 0 {
			f.throttle--
			f.mu.Unlock()
			writeError(w, http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate.")
			return
		}
		region, inRegion := f.regions[bucket]
		if inRegion {
			w.Header().Set("X-Amz-Bucket-Region", region)
			if m := signedRegion.FindStringSubmatch(r.Header.Get("Authorization")); m != nil && m[1] != region {
				f.mu.Unlock()
				writeError(w, http.StatusMovedPermanently, "PermanentRedirect", "The bucket you are attempting to access must be addressed using the specified endpoint.")
				return
			}
		}
		isList := r.Method == http.MethodGet && key == "" && r.URL.Query().Get("list-type") == "2"
		if isList {
			f.lists++
			if f.denyList[bucket] {
				f.mu.Unlock()
				writeError(w, http.StatusForbidden, "AccessDenied", "Access Denied")
				return
			}
		}
		repeat := ""
		if isList {
			if f.listPage > 0 {
				q := r.URL.Query()
				q.Set("max-keys", strconv.Itoa(f.listPage))
				r.URL.RawQuery = q.Encode()
			}
			if tok := r.URL.Query().Get("continuation-token"); tok != "" && f.repeat > 0 {
				f.repeat--
				repeat = tok
			}
		}
		var c cut
		cutting := false
		if r.Method == http.MethodGet && key != "" {
			f.gets = append(f.gets, key)
			if msg, ok := f.denyGet[key]; ok {
				f.mu.Unlock()
				writeError(w, http.StatusForbidden, "AccessDenied", msg)
				return
			}
			if c = f.cuts[key]; c.times > 0 {
				c.times--
				f.cuts[key] = c
				cutting = true
			}
		}
		f.mu.Unlock()
		if repeat != "" {
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			var tok bytes.Buffer
			xml.EscapeText(&tok, []byte(repeat))
			body := nextToken.ReplaceAll(rec.Body.Bytes(), []byte("<NextContinuationToken>"+tok.String()+"</NextContinuationToken>"))
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.WriteHeader(rec.Code)
			w.Write(body)
			return
		}
		if cutting {
			w = &cutWriter{ResponseWriter: w, left: c.after, stall: c.stall, done: r.Context().Done()}
		}
		next.ServeHTTP(w, r)
	})
}

// cutWriter sends the first bytes of a body, then drops the connection.
type cutWriter struct {
	http.ResponseWriter
	left  int
	stall bool
	done  <-chan struct{}
}

func (c *cutWriter) Write(p []byte) (int, error) {
	if len(p) <= c.left {
		c.left -= len(p)
		return c.ResponseWriter.Write(p)
	}
	c.ResponseWriter.Write(p[:c.left])
	c.ResponseWriter.(http.Flusher).Flush()
	if c.stall {
		<-c.done
	}
	panic(http.ErrAbortHandler)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message><RequestId>TEST</RequestId></Error>`, code, msg)
}
