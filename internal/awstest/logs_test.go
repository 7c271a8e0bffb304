package awstest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/smithy-go"

	"github.com/flowtail/flowtail/internal/awstest"
	"github.com/flowtail/flowtail/source/cloudwatch"
)

// client is the product's client (host prefix off for custom endpoints)
// pointed at the fake.
func client(s *awstest.Server) *cloudwatchlogs.Client {
	return cloudwatch.NewClient(s.AWSConfig())
}

func TestFilterLogEventsPagesAndVisibility(t *testing.T) {
	s := awstest.New(t)
	s.SetPageSize(3)
	now := time.Now()
	for i := range 10 {
		s.Put("/vpc/flows", awstest.Event{Stream: fmt.Sprintf("eni-%d", i%2), Time: now.Add(-time.Duration(10-i) * time.Minute), Message: fmt.Sprintf("line %d", i), ID: fmt.Sprintf("id-%02d", i)})
	}
	s.Put("/vpc/flows", awstest.Event{Stream: "eni-0", Time: now.Add(-20 * time.Minute), Visible: now.Add(time.Hour), Message: "late", ID: "late"})

	c := client(s)
	p := cloudwatchlogs.NewFilterLogEventsPaginator(c, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("/vpc/flows")})
	var got []string
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, e := range out.Events {
			got = append(got, *e.EventId)
			if *e.IngestionTime == 0 || *e.LogStreamName == "" {
				t.Fatalf("event without ingestion time or stream: %+v", e)
			}
		}
	}
	if len(got) != 10 || pages != 4 {
		t.Fatalf("got %d events in %d pages, want 10 in 4 (late event must stay invisible): %v", len(got), pages, got)
	}
	for i, id := range got {
		if id != fmt.Sprintf("id-%02d", i) {
			t.Fatalf("events not in timestamp order: %v", got)
		}
	}

	out, err := c.FilterLogEvents(context.Background(), &cloudwatchlogs.FilterLogEventsInput{
		LogGroupName: aws.String("/vpc/flows"), LogStreamNames: []string{"eni-1"}, FilterPattern: aws.String(`"line 9"`),
	})
	if err != nil || len(out.Events) != 1 || *out.Events[0].EventId != "id-09" {
		t.Fatalf("stream + pattern filter: %v %+v", err, out)
	}
}

func TestErrorsDecodeAsServiceErrors(t *testing.T) {
	s := awstest.New(t)
	s.CreateLogGroup("/vpc/flows")
	c := client(s)
	in := &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("/vpc/flows")}
	cases := []struct {
		kind awstest.FaultKind
		code string
	}{
		{awstest.AccessDenied, "AccessDeniedException"},
		{awstest.NotFound, "ResourceNotFoundException"},
		{awstest.ExpiredToken, "ExpiredTokenException"},
		{awstest.InvalidToken, "UnrecognizedClientException"},
	}
	for _, tc := range cases {
		s.Inject("FilterLogEvents", tc.kind, 1)
		_, err := c.FilterLogEvents(context.Background(), in)
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != tc.code {
			t.Errorf("%s: got %v", tc.code, err)
		}
	}
	var rnf *types.ResourceNotFoundException
	if _, err := c.FilterLogEvents(context.Background(), &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("/nope")}); !errors.As(err, &rnf) {
		t.Errorf("unknown group: %v", err)
	}

	// The SDK retries throttling, 5xx and resets on its own: two faults
	// and then success within its three attempts.
	for _, k := range []awstest.FaultKind{awstest.Throttle, awstest.Unavailable, awstest.InternalError, awstest.Reset} {
		s.Inject("FilterLogEvents", k, 2)
		if _, err := c.FilterLogEvents(context.Background(), in); err != nil {
			t.Errorf("fault %d not retried: %v", k, err)
		}
	}
	s.Inject("FilterLogEvents", awstest.Throttle, 3)
	_, err := c.FilterLogEvents(context.Background(), in)
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ThrottlingException" {
		t.Errorf("throttling after retries: %v", err)
	}
}

func TestDescribe(t *testing.T) {
	s := awstest.New(t)
	arn := s.CreateLogGroup("/vpc/flows")
	s.CreateLogGroup("/other")
	s.Put("/vpc/flows", awstest.Event{Stream: "eni-a", Time: time.Now(), Message: "x"})
	c := client(s)
	g, err := c.DescribeLogGroups(context.Background(), &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/vpc")})
	if err != nil || len(g.LogGroups) != 1 || *g.LogGroups[0].LogGroupArn != arn || *g.LogGroups[0].Arn != arn+":*" {
		t.Fatalf("describe groups: %v %+v", err, g)
	}
	st, err := c.DescribeLogStreams(context.Background(), &cloudwatchlogs.DescribeLogStreamsInput{LogGroupIdentifier: aws.String(arn)})
	if err != nil || len(st.LogStreams) != 1 || *st.LogStreams[0].LogStreamName != "eni-a" {
		t.Fatalf("describe streams: %v %+v", err, st)
	}
}

func TestMountedHandlerGetsOtherProtocols(t *testing.T) {
	s := awstest.New(t)
	s.Mount(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Seen", r.FormValue("Action"))
	}))
	resp, err := http.PostForm(s.URL(), map[string][]string{"Action": {"DescribeFlowLogs"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("X-Seen") != "DescribeFlowLogs" {
		t.Fatalf("mounted handler not called: %v", resp.Header)
	}
}

func TestLiveTailStreamDecodesWithSDK(t *testing.T) {
	s := awstest.New(t)
	s.SetLiveTail(50*time.Millisecond, 4, 0)
	arn := s.CreateLogGroup("/vpc/flows")
	c := client(s)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := c.StartLiveTail(ctx, &cloudwatchlogs.StartLiveTailInput{LogGroupIdentifiers: []string{arn}})
	if err != nil {
		t.Fatal(err)
	}
	stream := out.GetStream()
	defer stream.Close()
	var started bool
	var got, sampled int
	put := false
	for ev := range stream.Events() {
		switch v := ev.(type) {
		case *types.StartLiveTailResponseStreamMemberSessionStart:
			started = *v.Value.SessionId != ""
		case *types.StartLiveTailResponseStreamMemberSessionUpdate:
			if !put {
				evs := make([]awstest.Event, 10)
				for i := range evs {
					evs[i] = awstest.Event{Stream: "eni-a", Time: time.Now(), Message: fmt.Sprint("m", i)}
				}
				s.Put("/vpc/flows", evs...)
				s.Inject("StartLiveTail", awstest.SessionTimeout, 1)
				put = true
			}
			got += len(v.Value.SessionResults)
			if v.Value.SessionMetadata.Sampled {
				sampled++
			}
			for _, e := range v.Value.SessionResults {
				if *e.LogGroupIdentifier != arn || *e.IngestionTime == 0 {
					t.Fatalf("bad live event %+v", e)
				}
			}
		}
	}
	var te *types.SessionTimeoutException
	if !errors.As(stream.Err(), &te) {
		t.Fatalf("stream end: %v", stream.Err())
	}
	if !started || got != 4 || sampled != 1 {
		t.Fatalf("started=%v got=%d sampled=%d, want a sampled update of 4", started, got, sampled)
	}
}
