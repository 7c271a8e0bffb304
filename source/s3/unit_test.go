package s3

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/flowtail/flowtail/model"
)

func TestParseLocation(t *testing.T) {
	cases := []struct {
		arg  string
		want Location
		err  bool
	}{
		{"s3://logs", Location{Bucket: "logs"}, false},
		{"s3://logs/", Location{Bucket: "logs"}, false},
		{"s3://logs/AWSLogs", Location{Bucket: "logs", Prefix: "AWSLogs/"}, false},
		{"s3://logs/AWSLogs/123456789012/", Location{Bucket: "logs", Prefix: "AWSLogs/123456789012/"}, false},
		{"s3://logs/a/b/x_20260310T1200Z_ab.log.gz", Location{Bucket: "logs", Prefix: "a/b/x_20260310T1200Z_ab.log.gz", Object: true}, false},
		{"s3://", Location{}, true},
		{"s3://a", Location{}, true},
		{"s3://bad\x1bbucket/", Location{}, true},
		{"/local/path", Location{}, true},
	}
	for _, c := range cases {
		got, err := ParseLocation(c.arg)
		if (err != nil) != c.err || err == nil && got != c.want {
			t.Errorf("ParseLocation(%q) = %+v, %v; want %+v, error %v", c.arg, got, err, c.want, c.err)
		}
	}
}

func TestPlaceOf(t *testing.T) {
	cases := []struct {
		prefix string
		lv     level
		hive   bool
	}{
		{"", levelAbove, false},
		{"flows/prod/", levelAbove, false},
		{"AWSLogs/", levelAWSLogs, false},
		{"x/AWSLogs/o-abcdefghij/", levelOrg, false},
		{"AWSLogs/123456789012/", levelAccount, false},
		{"AWSLogs/aws-account-id=123456789012/", levelAccount, true},
		{"AWSLogs/o-abcdefghij/123456789012/vpcflowlogs/", levelService, false},
		{"AWSLogs/123456789012/vpcflowlogs/eu-west-1/", levelRegion, false},
		{"AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=eu-west-1/", levelRegion, true},
		{"AWSLogs/123456789012/vpcflowlogs/eu-west-1/2026/03/", levelDate, false},
	}
	for _, c := range cases {
		lv, hive := placeOf(c.prefix)
		if lv != c.lv || hive != c.hive {
			t.Errorf("placeOf(%q) = %d, %v; want %d, %v", c.prefix, lv, hive, c.lv, c.hive)
		}
	}
}

func TestStampOf(t *testing.T) {
	got, ok := stampOf("AWSLogs/123456789012/vpcflowlogs/us-east-1/2018/06/20/123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20180620T1620Z_fe123456.log.gz")
	if want := time.Date(2018, 6, 20, 16, 20, 0, 0, time.UTC); !ok || !got.Equal(want) {
		t.Errorf("stampOf = %v, %v; want %v", got, ok, want)
	}
	if _, ok := stampOf("x/notes_20181320T9999Z.log.gz"); ok {
		t.Error("an impossible stamp was read")
	}
}

func TestDayPrefixesCoverMidnight(t *testing.T) {
	from := time.Date(2026, 3, 9, 23, 40, 0, 0, time.UTC)
	got := dayPrefixes("r/", true, from, from.Add(time.Hour))
	want := []string{"r/year=2026/month=03/day=09/", "r/year=2026/month=03/day=10/"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestWindowKeepsOnlyItsRecords(t *testing.T) {
	w := newWindow(1000, 2000, nil)
	lines := map[string]bool{
		"2 123456789012 eni-1 1.1.1.1 2.2.2.2 1 2 6 1 1 900 999 ACCEPT OK":   false, // ended before since
		"2 123456789012 eni-1 1.1.1.1 2.2.2.2 1 2 6 1 1 900 1000 ACCEPT OK":  true,
		"2 123456789012 eni-1 1.1.1.1 2.2.2.2 1 2 6 1 1 2000 2100 ACCEPT OK": true,
		"2 123456789012 eni-1 1.1.1.1 2.2.2.2 1 2 6 1 1 2001 2100 ACCEPT OK": false, // started after until
		"2 123456789012 eni-1 - - - - - - - 1500 1560 - NODATA":              true,
		"garbage":       true, // for the decoder to count
		"2 1 2 3 x y z": true,
	}
	for l, want := range lines {
		if got := w.keep([]byte(l)); got != want {
			t.Errorf("keep(%q) = %v, want %v", l, got, want)
		}
	}
	// A header line moves start and end.
	if !w.keep([]byte("start end action")) {
		t.Fatal("header line dropped")
	}
	if w.keep([]byte("100 200 ACCEPT")) || !w.keep([]byte("1500 1600 ACCEPT")) {
		t.Error("the header's field order was not used")
	}
	w.reset()
	if !w.keep([]byte("2 123456789012 eni-1 1.1.1.1 2.2.2.2 1 2 6 1 1 1500 1600 ACCEPT OK")) {
		t.Error("reset did not restore the default format")
	}
	// A batch that names its format is read with it.
	b := model.Batch{Format: model.MustParseFormat("end start"), Events: []model.Event{{Line: []byte("999 900")}, {Line: []byte("1500 1400")}}}
	if d := w.filter(&b); d != 1 || len(b.Events) != 1 || string(b.Events[0].Line) != "1500 1400" {
		t.Errorf("filter by the batch format dropped %d, kept %d", d, len(b.Events))
	}
}

func TestErrorsSayWhatToDo(t *testing.T) {
	api := func(code, msg string) error { return &smithy.GenericAPIError{Code: code, Message: msg} }
	cases := []struct {
		err  error
		o    op
		h    hints
		kind Kind
		want string
	}{
		{api("AccessDenied", "Access Denied"), opList, hints{}, KindAccess, "allow s3:ListBucket on arn:aws:s3:::b"},
		{api("AccessDenied", "Access Denied"), opGet, hints{profile: "audit"}, KindAccess, `s3:GetObject on arn:aws:s3:::b/AWSLogs/k/* for the role or user of profile "audit"`},
		{api("AccessDenied", "The ciphertext refers to a customer master key that does not exist (KMS)"), opGet, hints{}, KindAccess, "kms:Decrypt"},
		{api("NoSuchBucket", "The specified bucket does not exist"), opList, hints{}, KindNotFound, "bucket b does not exist"},
		{api("PermanentRedirect", "x"), opList, hints{region: "us-east-1"}, KindRegion, "is not in region us-east-1"},
		{api("AuthorizationHeaderMalformed", "the region 'us-east-1' is wrong; expecting 'eu-west-1'"), opList, hints{region: "us-east-1"}, KindRegion, "pass --region"},
		{api("ExpiredToken", "The provided token has expired."), opList, hints{profile: "prod", sso: true}, KindCredentials, "aws sso login --profile prod"},
		{errors.New("operation error S3: ListObjectsV2, get identity: get credentials: failed to refresh cached credentials, the SSO session has expired or is invalid"), opList, hints{profile: "prod", sso: true}, KindCredentials, "the AWS login has expired for s3://b/AWSLogs/k/x.log.gz: run `aws sso login --profile prod`"},
		{api("SlowDown", "Please reduce your request rate."), opGet, hints{}, KindTransient, "SlowDown"},
		{api("InvalidAccessKeyId", "x"), opGet, hints{}, KindCredentials, "--no-sign-request"},
	}
	for _, c := range cases {
		e := classify(c.err, c.o, "b", "AWSLogs/k/x.log.gz", c.h)
		if e.Kind != c.kind || !strings.Contains(e.Message, c.want) {
			t.Errorf("classify(%v) = %d %q; want %d and %q", c.err, e.Kind, e.Message, c.kind, c.want)
		}
	}
	if e := classify(api("AccessDenied", "x"), opGet, "b", "k\x1b[31m.log.gz", hints{}); strings.ContainsRune(e.Message, 0x1b) {
		t.Errorf("a control character of a key reached the message: %q", e.Message)
	}
	// A bidi override or zero-width space in a key is shown, not passed on
	// to reorder or hide part of the message.
	if e := classify(api("AccessDenied", "x"), opGet, "b", "AWSLogs/\u202egz.gol\u200b.x", hints{}); !strings.Contains(e.Message, "s3://b/AWSLogs/?gz.gol?.x") {
		t.Errorf("a bidi control or invisible character of a key reached the message: %q", e.Message)
	}
}

func FuzzParseLocation(f *testing.F) {
	for _, s := range []string{"s3://logs", "s3://logs/AWSLogs/1/x.log.gz", "s3://a/b/c", "s3://é/\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		l, err := ParseLocation(arg)
		if err != nil {
			return
		}
		if !validBucket(l.Bucket) || !l.Object && l.Prefix != "" && !strings.HasSuffix(l.Prefix, "/") {
			t.Fatalf("ParseLocation(%q) = %+v", arg, l)
		}
		placeOf(l.Prefix)
		stampOf(l.Prefix)
	})
}

func FuzzWindow(f *testing.F) {
	f.Add([]byte("2 123456789012 eni-1 1.1.1.1 2.2.2.2 1 2 6 1 1 900 1000 ACCEPT OK"))
	f.Add([]byte("start end"))
	f.Add([]byte("\t\t 99999999999999999999 1"))
	f.Fuzz(func(t *testing.T, line []byte) {
		w := newWindow(1000, 2000, nil)
		w.keep(line)
		w.keep(line)
		w2 := newWindow(1000, 2000, model.MustParseFormat("end start"))
		w2.keep(line)
	})
}

func BenchmarkWindowKeep(b *testing.B) {
	w := newWindow(1000, 2000, nil)
	line := []byte("2 123456789012 eni-0a1b2c3d4e5f60718 10.0.1.5 10.0.2.9 49152 443 6 10 8400 1500 1560 ACCEPT OK")
	b.ReportAllocs()
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		if !w.keep(line) {
			b.Fatal("dropped")
		}
	}
}

func TestDistinctLocations(t *testing.T) {
	a := Location{Bucket: "b", Prefix: "AWSLogs/"}
	in := []Location{a, {Bucket: "b", Prefix: "AWSLogs/123456789012/"}, a, {Bucket: "c", Prefix: "AWSLogs/"}, {Bucket: "b", Prefix: "other/"}}
	got := distinct(in)
	want := []Location{a, {Bucket: "c", Prefix: "AWSLogs/"}, {Bucket: "b", Prefix: "other/"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("distinct = %v, want %v", got, want)
	}
}

func TestProgressText(t *testing.T) {
	cases := []struct {
		p    Progress
		want string
	}{
		{Progress{Objects: 40, Read: 12, Bytes: 3 << 20, Lines: 5000, RecordRate: 2500},
			"s3 12/40+ objects, 3.0 MiB, 5000 lines, 2500 lines/s"},
		{Progress{Objects: 40, Read: 30, Failed: 2, Bytes: 30 << 20, TotalBytes: 40 << 20, Lines: 90000, Dropped: 120, RecordRate: 45000, Listed: true, Left: 20 * time.Second},
			"s3 30/40 objects (2 skipped), 30.0 MiB of 40.0 MiB, 90000 lines (120 outside the time window), 45000 lines/s, ~20s left"},
		{Progress{Objects: 40, Read: 40, Bytes: 40 << 20, TotalBytes: 40 << 20, Lines: 120000, Listed: true, Done: true, Elapsed: 3200 * time.Millisecond},
			"s3 40/40 objects, 40.0 MiB of 40.0 MiB, 120000 lines, done in 3.2s"},
	}
	for _, c := range cases {
		if got := c.p.String(); got != c.want {
			t.Errorf("got  %q\nwant %q", got, c.want)
		}
	}
}
