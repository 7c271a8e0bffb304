package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/flowtail/flowtail/internal/awstest"
)

// A flow log whose format lacks interface-id names each log stream after
// the interface: cat shows it, in every output, as query and the TUI do.
func TestCatKeepsInterfaceFromStreamName(t *testing.T) {
	srv := awstest.New(t)
	awsEnv(t, srv.URL())
	srv.Mount(flowLogsEC2(t, testGroup, "${version} ${srcaddr} ${dstaddr} ${action}"))
	srv.Put(testGroup, awstest.Event{Stream: "eni-0aaaaaaaaaaaaaaa1", Time: time.Now().Add(-time.Minute),
		Message: "5 10.0.0.1 10.0.0.2 REJECT"})
	for _, tc := range []struct{ output, want string }{
		{"json", `{"version":5,"interface-id":"eni-0aaaaaaaaaaaaaaa1","srcaddr":"10.0.0.1","dstaddr":"10.0.0.2","action":"REJECT"}`},
		{"text", "version interface-id srcaddr dstaddr action\n5 eni-0aaaaaaaaaaaaaaa1 10.0.0.1 10.0.0.2 REJECT"},
		{"csv", "version,interface-id,srcaddr,dstaddr,action\n5,eni-0aaaaaaaaaaaaaaa1,10.0.0.1,10.0.0.2,REJECT"},
	} {
		var out, errb bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		code := run(ctx, []string{"cat", "-g", testGroup, "-o", tc.output}, stdio{strings.NewReader(""), &out, &errb})
		cancel()
		if code != exitOK {
			t.Fatalf("-o %s: exit %d: %s", tc.output, code, errb.String())
		}
		if got := strings.TrimSpace(out.String()); got != tc.want {
			t.Errorf("-o %s:\n got %s\nwant %s", tc.output, got, tc.want)
		}
	}
}

// A malformed CloudWatch event is located by its log stream and time, not
// by a line number it does not have.
func TestCatLocatesMalformedEvents(t *testing.T) {
	srv := awstest.New(t)
	awsEnv(t, srv.URL())
	at := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	srv.Put(testGroup, awstest.Event{Stream: "eni-0bbbbbbbbbbbbbbb2", Time: at, Message: "2 123456789010 eni-0bbbbbbbbbbbbbbb2 not-an-address"})
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	run(ctx, []string{"cat", "-g", testGroup, "--since", "1h"}, stdio{strings.NewReader(""), &out, &errb})
	want := testGroup + " eni-0bbbbbbbbbbbbbbb2 at " + at.UTC().Format("2006-01-02T15:04:05.000Z") + ": "
	if !strings.Contains(errb.String(), want) || strings.Contains(errb.String(), testGroup+":0") {
		t.Fatalf("stderr %q does not locate the event as %q", errb.String(), want)
	}
}
