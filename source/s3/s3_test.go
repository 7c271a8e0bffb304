package s3_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowtail/flowtail/internal/s3test"
	"github.com/flowtail/flowtail/model"
	s3src "github.com/flowtail/flowtail/source/s3"
)

const header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"

// base is the time the test data is around.
var base = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// file is one delivered object: its key and records.
type file struct {
	key     string
	stamp   time.Time
	records []string
	ends    []int64
	starts  []int64
}

// layout builds a key for stamp in one of the delivery layouts.
type layout func(prefix string, stamp time.Time) string

func defaultLayout(account, region string) layout {
	return func(prefix string, t time.Time) string {
		return fmt.Sprintf("%sAWSLogs/%s/vpcflowlogs/%s/%s/%s", prefix, account, region, t.Format("2006/01/02"), name(account, region, t))
	}
}

func hourlyLayout(account, region string) layout {
	return func(prefix string, t time.Time) string {
		return fmt.Sprintf("%sAWSLogs/%s/vpcflowlogs/%s/%s/%s", prefix, account, region, t.Format("2006/01/02/15"), name(account, region, t))
	}
}

func hiveLayout(account, region string, hourly bool) layout {
	return func(prefix string, t time.Time) string {
		dir := fmt.Sprintf("%sAWSLogs/aws-account-id=%s/aws-service=vpcflowlogs/aws-region=%s/year=%04d/month=%02d/day=%02d/", prefix, account, region, t.Year(), t.Month(), t.Day())
		if hourly {
			dir += fmt.Sprintf("hour=%02d/", t.Hour())
		}
		return dir + name(account, region, t)
	}
}

func name(account, region string, t time.Time) string {
	return fmt.Sprintf("%s_vpcflowlogs_%s_fl-0123456789abcdef0_%s_%08x.log.gz", account, region, t.Format("20060102T1504Z"), t.Unix())
}

// makeFile writes n records ending within the file's five minutes, each
// starting a minute before its end.
func makeFile(key string, stamp time.Time, n int, seed int) file {
	f := file{key: key, stamp: stamp}
	for i := range n {
		end := stamp.Unix() + int64((i*37+seed)%300)
		start := end - 60
		rec := fmt.Sprintf("2 123456789012 eni-%017d 10.0.%d.%d 10.1.0.%d %d 443 6 %d %d %d %d ACCEPT OK", seed, i%250, seed%250, i%200, 1024+i, i+1, (i+1)*100, start, end)
		f.records = append(f.records, rec)
		f.ends = append(f.ends, end)
		f.starts = append(f.starts, start)
	}
	return f
}

func (f file) gzip(t testing.TB) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	fmt.Fprintln(zw, header)
	for _, r := range f.records {
		fmt.Fprintln(zw, r)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// put stores files every five minutes from `from` to `to` under lay.
func put(t testing.TB, fk *s3test.Fake, bucket, prefix string, lay layout, from, to time.Time, perFile int) []file {
	var out []file
	i := 0
	for at := from; !at.After(to); at = at.Add(5 * time.Minute) {
		f := makeFile(lay(prefix, at), at, perFile, i)
		fk.Put(t, bucket, f.key, f.gzip(t))
		out = append(out, f)
		i++
	}
	return out
}

// collector gathers the data lines a source emits.
type collector struct {
	mu      sync.Mutex
	lines   []string
	origins map[string]bool
}

func (c *collector) emit(b model.Batch) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.origins == nil {
		c.origins = map[string]bool{}
	}
	for _, ev := range b.Events {
		c.origins[ev.Origin] = true
		if strings.HasPrefix(string(ev.Line), "version") {
			continue
		}
		c.lines = append(c.lines, string(ev.Line))
	}
}

func (c *collector) sorted() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := slices.Clone(c.lines)
	sort.Strings(out)
	return out
}

// expect is what a reader of [since, until] must see, computed from the
// data: every record that ends at or after since and starts at or before
// until; and the keys that may be fetched: stamps within the slack.
func expect(files []file, since, until time.Time) (records []string, keys map[string]bool) {
	keys = map[string]bool{}
	for _, f := range files {
		if !f.stamp.Before(since.Add(-s3src.DefaultSlack-s3src.FileWindow)) && !f.stamp.After(until.Add(s3src.DefaultSlack)) {
			keys[f.key] = true
		}
		for i, r := range f.records {
			if f.ends[i] >= since.Unix() && f.starts[i] <= until.Unix() {
				records = append(records, r)
			}
		}
	}
	sort.Strings(records)
	return records, keys
}

func newSource(t testing.TB, opt s3src.ClientOptions, cfg s3src.Config, urls ...string) *s3src.Source {
	t.Helper()
	cl, err := s3src.NewClients(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Clients = cl
	for _, u := range urls {
		loc, err := s3src.ParseLocation(u)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Locations = append(cfg.Locations, loc)
	}
	return s3src.New(cfg)
}

func run(t testing.TB, src *s3src.Source) (*collector, error) {
	t.Helper()
	var c collector
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err := src.Run(ctx, c.emit)
	return &c, err
}

// checkGets asserts every object fetched was one the window may need, and
// every object holding a record of the window was fetched.
func checkGets(t *testing.T, fk *s3test.Fake, files []file, since, until time.Time) {
	t.Helper()
	_, allowed := expect(files, since, until)
	got := map[string]bool{}
	for _, k := range fk.Gets() {
		if !allowed[k] {
			t.Errorf("fetched %s, outside the window and its slack", k)
		}
		got[k] = true
	}
	for _, f := range files {
		for i := range f.records {
			if f.ends[i] >= since.Unix() && f.starts[i] <= until.Unix() && !got[f.key] {
				t.Errorf("did not fetch %s, which holds records of the window", f.key)
				break
			}
		}
	}
}

func TestLayoutsPruneByTime(t *testing.T) {
	since, until := base, base.Add(time.Hour)
	cases := []struct {
		name   string
		lay    layout
		prefix string // stored below it
		url    string
	}{
		{"default", defaultLayout("123456789012", "us-east-1"), "", "s3://logs"},
		{"hourly", hourlyLayout("123456789012", "eu-west-1"), "", "s3://logs/AWSLogs/"},
		{"hive", hiveLayout("123456789012", "us-east-1", false), "flows/", "s3://logs/flows"},
		{"hive hourly", hiveLayout("123456789012", "us-east-1", true), "", "s3://logs/AWSLogs/aws-account-id=123456789012/"},
		{"organisation", defaultLayout("123456789012", "us-west-2"), "o-abcdefghij/", "s3://logs"},
		{"prefix at region", defaultLayout("123456789012", "us-east-1"), "", "s3://logs/AWSLogs/123456789012/vpcflowlogs/us-east-1/"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fk := s3test.New(t)
			fk.Env(t)
			fk.Bucket(t, "logs", "")
			prefix := tc.prefix
			if tc.name == "organisation" {
				// Organisation delivery: AWSLogs/o-…/{account}/…
				prefix = ""
				tc.lay = func(p string, at time.Time) string {
					return strings.Replace(defaultLayout("123456789012", "us-west-2")(p, at), "AWSLogs/", "AWSLogs/o-abcdefghij/", 1)
				}
			}
			// A day and a half of files around the window, across midnight.
			files := put(t, fk, "logs", prefix, tc.lay, base.Add(-13*time.Hour), base.Add(14*time.Hour), 20)
			// Something that is not a flow log, beside them.
			fk.Put(t, "logs", prefix+"AWSLogs/123456789012/CloudTrail/us-east-1/2026/03/10/trail.json.gz", []byte("{}"))
			src := newSource(t, s3src.ClientOptions{}, s3src.Config{Since: since, Until: until}, tc.url)
			c, err := run(t, src)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := expect(files, since, until)
			if got := c.sorted(); !slices.Equal(got, want) {
				t.Fatalf("got %d records, want %d", len(got), len(want))
			}
			checkGets(t, fk, files, since, until)
			if n := len(fk.Gets()); n > 24 {
				t.Errorf("fetched %d objects for one hour of five-minute files", n)
			}
			p := src.Progress()
			if !p.Done || p.Read != int64(len(fk.Gets())) || p.Failed != 0 {
				t.Errorf("progress %+v", p)
			}
			if st := src.Status(); !strings.Contains(st.Mode, fmt.Sprintf("s3 %d/%d objects", p.Read, p.Read)) || !strings.Contains(st.Mode, "done in") || st.Final {
				t.Errorf("status %+v does not say all objects were read", st)
			}
		})
	}
}

func TestSinceAllReadsEverythingAndSaysHowMuch(t *testing.T) {
	fk := s3test.New(t)
	fk.Env(t)
	fk.Bucket(t, "logs", "")
	files := put(t, fk, "logs", "", defaultLayout("123456789012", "us-east-1"), base.Add(-50*time.Hour), base, 3)
	var report strings.Builder
	src := newSource(t, s3src.ClientOptions{}, s3src.Config{Report: &report}, "s3://logs/")
	c, err := run(t, src)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(c.sorted()); got != 3*len(files) {
		t.Errorf("got %d records, want %d", got, 3*len(files))
	}
	lines := strings.Split(strings.TrimSpace(report.String()), "\n")
	if want := fmt.Sprintf("--since all: reading %d objects", len(files)); !strings.Contains(lines[0], want) {
		t.Errorf("first report line %q does not say %q", lines[0], want)
	}
	if want := fmt.Sprintf("s3 %d/%d objects", len(files), len(files)); !strings.Contains(lines[len(lines)-1], want) || !strings.Contains(lines[len(lines)-1], "done in") {
		t.Errorf("last report line %q does not say %q and done", lines[len(lines)-1], want)
	}
}

func TestBucketInAnotherRegion(t *testing.T) {
	fk := s3test.New(t)
	fk.Env(t)
	fk.Bucket(t, "far", "ap-southeast-2")
	files := put(t, fk, "far", "", defaultLayout("123456789012", "ap-southeast-2"), base, base.Add(30*time.Minute), 5)
	src := newSource(t, s3src.ClientOptions{}, s3src.Config{Since: base, Until: base.Add(30 * time.Minute)}, "s3://far")
	c, err := run(t, src)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := expect(files, base, base.Add(30*time.Minute))
	if got := c.sorted(); !slices.Equal(got, want) {
		t.Fatalf("got %d records, want %d", len(got), len(want))
	}
	for _, a := range fk.Auth()[1:] { // the first request found the region
		if a != "" && !strings.Contains(a, "/ap-southeast-2/s3/") {
			t.Fatalf("a request after discovery was signed for another region: %s", a)
		}
	}
}

func TestThrottlingBacksOffAndContinues(t *testing.T) {
	fk := s3test.New(t)
	fk.Env(t)
	fk.Bucket(t, "logs", "")
	files := put(t, fk, "logs", "", defaultLayout("123456789012", "us-east-1"), base, base.Add(20*time.Minute), 5)
	fk.Throttle(3)
	src := newSource(t, s3src.ClientOptions{}, s3src.Config{Since: base, Until: base.Add(20 * time.Minute)}, "s3://logs")
	c, err := run(t, src)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := expect(files, base, base.Add(20*time.Minute))
	if got := c.sorted(); !slices.Equal(got, want) {
		t.Fatalf("got %d records, want %d", len(got), len(want))
	}
	if p := src.Progress(); p.Retries != 3 {
		t.Errorf("retries = %d, want 3", p.Retries)
	}
}

func TestObjectCutMidStream(t *testing.T) {
	since, until := base, base.Add(20*time.Minute)
	t.Run("resumed", func(t *testing.T) {
		fk := s3test.New(t)
		fk.Env(t)
		fk.Bucket(t, "logs", "")
		files := put(t, fk, "logs", "", defaultLayout("123456789012", "us-east-1"), since, until, 400)
		fk.Cut(files[1].key, 1000, 2) // broken twice, then whole
		c, err := run(t, newSource(t, s3src.ClientOptions{}, s3src.Config{Since: since, Until: until}, "s3://logs"))
		if err != nil {
			t.Fatal(err)
		}
		want, _ := expect(files, since, until)
		if got := c.sorted(); !slices.Equal(got, want) {
			t.Fatalf("got %d records, want %d", len(got), len(want))
		}
	})
	t.Run("unreadable", func(t *testing.T) {
		fk := s3test.New(t)
		fk.Env(t)
		fk.Bucket(t, "logs", "")
		files := put(t, fk, "logs", "", defaultLayout("123456789012", "us-east-1"), since, until, 400)
		fk.Cut(files[1].key, 1000, 100) // never whole
		src := newSource(t, s3src.ClientOptions{}, s3src.Config{Since: since, Until: until}, "s3://logs")
		c, err := run(t, src)
		if err == nil || !strings.Contains(err.Error(), files[1].key) || !strings.Contains(err.Error(), "1 of 5 objects skipped") {
			t.Fatalf("error %v does not name the object and the count skipped", err)
		}
		others := slices.Concat(files[:1], files[2:])
		want, _ := expect(others, since, until)
		got := c.sorted()
		for _, r := range want {
			if _, ok := slices.BinarySearch(got, r); !ok {
				t.Fatalf("record of a readable object missing: %s", r)
			}
		}
		if p := src.Progress(); p.Failed != 1 || !strings.Contains(p.String(), "1 of 5 objects failed") || strings.Contains(p.String(), "done") {
			t.Errorf("progress %q does not show the skipped object", p.String())
		}
	})
}

func TestAccessDenied(t *testing.T) {
	t.Run("list", func(t *testing.T) {
		fk := s3test.New(t)
		fk.Env(t)
		fk.Bucket(t, "logs", "")
		put(t, fk, "logs", "", defaultLayout("123456789012", "us-east-1"), base, base, 1)
		fk.DenyList("logs")
		_, err := run(t, newSource(t, s3src.ClientOptions{}, s3src.Config{Since: base, Until: base.Add(time.Hour)}, "s3://logs/AWSLogs/"))
		if err == nil || !strings.Contains(err.Error(), "s3:ListBucket on arn:aws:s3:::logs") {
			t.Fatalf("error %v does not name s3:ListBucket on the bucket", err)
		}
	})
	t.Run("get", func(t *testing.T) {
		fk := s3test.New(t)
		fk.Env(t)
		fk.Bucket(t, "logs", "")
		files := put(t, fk, "logs", "", defaultLayout("123456789012", "us-east-1"), base, base.Add(10*time.Minute), 3)
		fk.DenyGet(files[0].key, "Access Denied")
		fk.DenyGet(files[1].key, "User: arn:aws:sts::123456789012:assumed-role/r/s is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:123456789012:key/k")
		c, err := run(t, newSource(t, s3src.ClientOptions{}, s3src.Config{Since: base, Until: base.Add(10 * time.Minute)}, "s3://logs"))
		if err == nil {
			t.Fatal("no error")
		}
		for _, want := range []string{"s3:GetObject on arn:aws:s3:::logs/AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/03/10/*", "kms:Decrypt", files[0].key, files[1].key, "2 of 3 objects skipped"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error does not say %q:\n%v", want, err)
			}
		}
		want, _ := expect(files[2:], base, base.Add(10*time.Minute))
		if got := c.sorted(); !slices.Equal(got, want) {
			t.Errorf("the readable object gave %d records, want %d", len(got), len(want))
		}
	})
}

func TestNoSuchBucket(t *testing.T) {
	fk := s3test.New(t)
	fk.Env(t)
	_, err := run(t, newSource(t, s3src.ClientOptions{}, s3src.Config{Since: base}, "s3://missing-bucket"))
	if err == nil || !strings.Contains(err.Error(), "bucket missing-bucket does not exist") {
		t.Fatalf("error %v", err)
	}
}

func TestNoSignRequest(t *testing.T) {
	fk := s3test.New(t)
	fk.Env(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	fk.Bucket(t, "open-data", "")
	files := put(t, fk, "open-data", "", defaultLayout("123456789012", "us-east-1"), base, base.Add(10*time.Minute), 4)
	c, err := run(t, newSource(t, s3src.ClientOptions{NoSign: true}, s3src.Config{Since: base, Until: base.Add(10 * time.Minute)}, "s3://open-data"))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := expect(files, base, base.Add(10*time.Minute))
	if got := c.sorted(); !slices.Equal(got, want) {
		t.Fatalf("got %d records, want %d", len(got), len(want))
	}
	for _, a := range fk.Auth() {
		if a != "" {
			t.Fatalf("a request was signed: %s", a)
		}
	}
}

func TestFollowPicksUpLaterObject(t *testing.T) {
	fk := s3test.New(t)
	fk.Env(t)
	fk.Bucket(t, "logs", "")
	now := time.Now().UTC().Truncate(5 * time.Minute)
	lay := defaultLayout("123456789012", "us-east-1")
	first := put(t, fk, "logs", "", lay, now.Add(-10*time.Minute), now.Add(-10*time.Minute), 3)
	src := newSource(t, s3src.ClientOptions{}, s3src.Config{Since: now.Add(-30 * time.Minute), Follow: true, Interval: 100 * time.Millisecond}, "s3://logs")
	var c collector
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, c.emit) }()
	waitFor(t, func() bool { return len(c.sorted()) == 3 })
	later := makeFile(lay("", now), now, 4, 99)
	fk.Put(t, "logs", later.key, later.gzip(t))
	waitFor(t, func() bool { return len(c.sorted()) == 7 })
	time.Sleep(300 * time.Millisecond) // more listings: nothing read twice
	cancel()
	<-done
	want := slices.Concat(first[0].records, later.records)
	sort.Strings(want)
	if got := c.sorted(); !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if gets := fk.Gets(); len(gets) != 2 {
		t.Errorf("fetched %v, want each object once", gets)
	}
	if st := src.Status(); !strings.Contains(st.Mode, "next listing in") {
		t.Errorf("status %q does not say when the next listing is", st.Mode)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A listing page that gives back the continuation token it was asked
// with would list the same keys forever: the read ends with an error that
// says so, instead of looping or reading objects twice.
func TestRepeatedListTokenEnds(t *testing.T) {
	fk := s3test.New(t)
	fk.Env(t)
	fk.Bucket(t, "logs", "")
	fk.ListPage(2)
	// Unbroken, the small pages read every record.
	files := put(t, fk, "logs", "", defaultLayout("123456789012", "us-east-1"), base, base.Add(20*time.Minute), 5)
	c, err := run(t, newSource(t, s3src.ClientOptions{}, s3src.Config{Since: base, Until: base.Add(20 * time.Minute)}, "s3://logs"))
	want, _ := expect(files, base, base.Add(20*time.Minute))
	if err != nil || !slices.Equal(c.sorted(), want) {
		t.Fatalf("paged: err %v, %d records, want %d", err, len(c.sorted()), len(want))
	}
	fk.RepeatToken(1000)
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err = run(t, newSource(t, s3src.ClientOptions{}, s3src.Config{Since: base, Until: base.Add(20 * time.Minute)}, "s3://logs"))
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the listing loops")
	}
	if err == nil || !strings.Contains(err.Error(), "continuation token") {
		t.Errorf("err %v, %d records, want %d", err, len(c.sorted()), len(want))
	}
}

// An endpoint that accepts requests and never answers ends the read
// within the retry budget, with a message that says no answer came and
// what to check.
func TestStalledEndpointEndsClearly(t *testing.T) {
	fk := s3test.New(t)
	fk.Env(t)
	fk.Bucket(t, "logs", "")
	put(t, fk, "logs", "", defaultLayout("123456789012", "us-east-1"), base, base.Add(20*time.Minute), 5)
	defer s3src.SetDeadlines(200*time.Millisecond, 2*time.Second)()
	fk.Hang(1000)
	began := time.Now()
	_, err := run(t, newSource(t, s3src.ClientOptions{}, s3src.Config{Since: base, Until: base.Add(20 * time.Minute)}, "s3://logs"))
	if err == nil || !strings.Contains(err.Error(), "no answer within 200ms") || !strings.Contains(err.Error(), "AWS_ENDPOINT_URL") {
		t.Errorf("err %v", err)
	}
	if d := time.Since(began); d > 5*time.Second {
		t.Errorf("took %s", d)
	}
}

// A body that stops sending, its connection left open, is given up at
// the idle deadline each time it is resumed; the object is reported with
// what happened, and the read of the others goes on.
func TestStalledBodyEndsClearly(t *testing.T) {
	since, until := base, base.Add(20*time.Minute)
	fk := s3test.New(t)
	fk.Env(t)
	fk.Bucket(t, "logs", "")
	files := put(t, fk, "logs", "", defaultLayout("123456789012", "us-east-1"), since, until, 400)
	defer s3src.SetIdle(200 * time.Millisecond)()
	fk.Stall(files[1].key, 1000, 100)
	began := time.Now()
	_, err := run(t, newSource(t, s3src.ClientOptions{}, s3src.Config{Since: since, Until: until}, "s3://logs"))
	if err == nil || !strings.Contains(err.Error(), files[1].key) || !strings.Contains(err.Error(), "sent nothing for 200ms") {
		t.Errorf("err %v", err)
	}
	if d := time.Since(began); d > 10*time.Second {
		t.Errorf("took %s", d)
	}
}
