package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flowtail/flowtail/internal/awstest"
	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/source"
	"github.com/flowtail/flowtail/source/cloudwatch"
)

// awsEnv points the standard credential chain at the fake endpoint only:
// static keys, no shared files, no instance metadata, AWS_ENDPOINT_URL.
func awsEnv(t *testing.T, url string) {
	dir := t.TempDir()
	t.Setenv("HOME", dir)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_ENDPOINT_URL", url)
	t.Setenv("AWS_REGION", awstest.Region)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDFAKE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "fake-secret")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_MAX_ATTEMPTS", "2")
}

const testGroup = "/aws/vpc/flowlogs"

func putFlows(srv *awstest.Server, n int, at time.Time) {
	for i := range n {
		ts := at.Add(-time.Duration(n-i) * time.Second)
		srv.Put(testGroup, awstest.Event{Stream: "eni-0123456789abcdef0", Time: ts,
			Message: "2 123456789012 eni-0123456789abcdef0 10.0.0.1 10.0.0.2 443 " + itoa(1024+i) + " 6 1 40 " + itoa(int(ts.Unix())) + " " + itoa(int(ts.Unix())+60) + " ACCEPT OK"})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestLogGroupThroughEndpointURL builds the source exactly as the command
// line does and reads history and then Live Tail through AWS_ENDPOINT_URL
// (which needs StartLiveTail's host prefix switched off).
func TestLogGroupThroughEndpointURL(t *testing.T) {
	srv := awstest.New(t)
	srv.SetLiveTail(100*time.Millisecond, 0, 0)
	awsEnv(t, srv.URL())
	putFlows(srv, 20, time.Now())

	o := options{logGroups: []string{testGroup}, since: "1h", lookback: 15 * time.Minute, format: model.DefaultFormatText}
	srcs, err := o.sources(context.Background(), stdio{})
	if err != nil || len(srcs) != 1 {
		t.Fatalf("sources: %v %v", srcs, err)
	}
	store := model.NewStore(1000)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() {
		ingestAll(ctx, srcs, store, nil, func(i int, err error) { t.Errorf("source failed: %v", err) })
		close(done)
	}()
	waitStore(t, store, 20)
	putFlows(srv, 5, time.Now().Add(time.Hour))
	if st, ok := srcs[0].(interface{ Status() source.Status }); ok {
		defer func() { t.Logf("status %+v calls %d", st.Status(), srv.Calls("FilterLogEvents")) }()
	}
	waitStore(t, store, 25)
	if srv.Calls("StartLiveTail") == 0 {
		t.Errorf("live tail not used through AWS_ENDPOINT_URL: %d calls", srv.Calls("StartLiveTail"))
	}
	var eni string
	store.Read(func(v model.View) {
		f, x := v.At(0)
		id, _ := model.StrID(f, x, model.FieldInterfaceID)
		eni = v.Names().Name(id)
	})
	if eni != "eni-0123456789abcdef0" {
		t.Errorf("interface id %q", eni)
	}
	cancel()
	<-done
	if c := store.Counters(); c.Malformed != 0 || c.Seen != 25 {
		t.Errorf("counters %+v, want 25 records", c)
	}
}

func waitStore(t *testing.T, s *model.Store, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.Len() < n {
		if time.Now().After(deadline) {
			t.Fatalf("store holds %d records, want %d", s.Len(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestLogGroupUntilStops(t *testing.T) {
	srv := awstest.New(t)
	awsEnv(t, srv.URL())
	putFlows(srv, 10, time.Now().Add(-time.Minute))
	o := options{logGroups: []string{testGroup}, since: "1h", until: "now", lookback: 15 * time.Minute}
	srcs, err := o.sources(context.Background(), stdio{})
	if err != nil {
		t.Fatal(err)
	}
	store := model.NewStore(100)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ingestAll(ctx, srcs, store, nil, func(i int, err error) { t.Errorf("source failed: %v", err) })
	if ctx.Err() != nil || store.Len() != 10 {
		t.Fatalf("--until: %d records, ctx %v", store.Len(), ctx.Err())
	}
}

func TestSSOProfileExpiredSaysLogin(t *testing.T) {
	srv := awstest.New(t)
	srv.CreateLogGroup(testGroup)
	awsEnv(t, srv.URL())
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	cfg := `[profile dev]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = ReadOnly
region = us-east-1

[sso-session corp]
sso_start_url = https://example.awsapps.com/start
sso_region = us-east-1
`
	if err := os.WriteFile(os.Getenv("AWS_CONFIG_FILE"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	o := options{logGroups: []string{testGroup}, since: "1h", until: "now", lookback: 15 * time.Minute, profile: "dev"}
	srcs, err := o.sources(context.Background(), stdio{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = srcs[0].Run(ctx, func(model.Batch) {})
	var fe *cloudwatch.Error
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "aws sso login --profile dev") {
		t.Fatalf("want the sso login hint, got %v", err)
	}
	if srv.Calls("DescribeLogGroups")+srv.Calls("FilterLogEvents") != 0 {
		t.Errorf("no call may reach the service without credentials")
	}
}

func TestAWSFlagErrorsNameTheFlag(t *testing.T) {
	srv := awstest.New(t)
	awsEnv(t, srv.URL())
	for _, tc := range []struct {
		o    options
		want string
	}{
		{options{logGroups: []string{"g"}, since: "yesterday", lookback: time.Minute}, `flag --since`},
		{options{logGroups: []string{"g"}, since: "1h", until: "2h", lookback: time.Minute}, `--until 2h is not after --since 1h`},
		{options{logGroups: []string{"g"}, since: "1h", lookback: 0}, `flag --lookback`},
		{options{logGroups: []string{"g"}, since: "1h", lookback: time.Minute, profile: "nope"}, `profile "nope"`},
	} {
		_, err := tc.o.sources(context.Background(), stdio{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want %q", tc.o, err, tc.want)
		}
	}
}

func TestParseWhen(t *testing.T) {
	now := time.Date(2026, 1, 2, 15, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"now":                  now,
		"15m":                  now.Add(-15 * time.Minute),
		"2h30m":                now.Add(-150 * time.Minute),
		"1d":                   now.Add(-24 * time.Hour),
		"2026-01-02T10:00:00Z": time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC),
		"1767300000":           time.Unix(1767300000, 0),
		"1767300000123":        time.UnixMilli(1767300000123),
	} {
		got, err := parseWhen(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseWhen(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"-5m", "soon", "2026-13-01"} {
		if _, err := parseWhen(bad, now); err == nil {
			t.Errorf("parseWhen(%q) accepted", bad)
		}
	}
}

// FuzzParseWhen: any text is a time or an error naming the accepted forms,
// never a panic, and a duration is never in the future.
func FuzzParseWhen(f *testing.F) {
	for _, s := range []string{"now", "15m", "2h30m", "1d", "2026-01-02T15:04:05Z", "1767300000", "-1h", "99999999999999999999d", "T:d"} {
		f.Add(s)
	}
	now := time.Date(2026, 1, 2, 15, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseWhen(s, now)
		if err != nil {
			if !strings.Contains(err.Error(), "duration") {
				t.Fatalf("error %q does not say what is accepted", err)
			}
			return
		}
		if _, derr := time.ParseDuration(strings.TrimSpace(s)); derr == nil && got.After(now) {
			t.Fatalf("%q is after now: %v", s, got)
		}
	})
}
