package ec2_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	awsec2 "github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/flowtail/flowtail/internal/awstest"
	"github.com/flowtail/flowtail/source/awscall"
	"github.com/flowtail/flowtail/source/ec2"
	"github.com/flowtail/flowtail/source/rulesdir"
)

// An EC2 call that gets no answer is cut by its deadline and retried like
// throttling; while it hangs, another lookup (the rules pane) is answered
// with what is known instead of waiting on the same lock.
func TestHungLookupNeverHoldsOthers(t *testing.T) {
	res, err := rulesdir.Load("../demo/rules")
	if err != nil {
		t.Fatal(err)
	}
	srv := awstest.New(t)
	fake := awstest.NewEC2(res.Snapshot)
	srv.Mount(fake)
	cfg := srv.AWSConfig()
	d := awscall.Deadlines{Connect: time.Second, FirstByte: 300 * time.Millisecond, Call: 600 * time.Millisecond}
	cfg.HTTPClient = d.HTTPClient()
	l := ec2.New(awsec2.NewFromConfig(cfg), ec2.Options{Backoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, Deadlines: d})
	fake.Hang("DescribeNetworkInterfaces", 2)

	var wg sync.WaitGroup
	wg.Add(1)
	var first error
	began := time.Now()
	go func() {
		defer wg.Done()
		s, err := l.Ensure(context.Background(), "eni-0bbb2222222222222")
		first = err
		if s.Interfaces["eni-0bbb2222222222222"] == nil {
			first = err
			t.Errorf("interface not loaded after two hung calls (err %v)", err)
		}
	}()
	time.Sleep(50 * time.Millisecond) // the first lookup holds the fetch
	waited := time.Now()
	_, err = l.Ensure(context.Background(), "eni-0aaa1111111111111")
	if time.Since(waited) > 2*time.Second || err == nil || !strings.Contains(err.Error(), "still waiting for EC2") {
		t.Errorf("second lookup: %v after %s", err, time.Since(waited))
	}
	wg.Wait()
	if first != nil {
		t.Errorf("first lookup: %v", first)
	}
	if took := time.Since(began); took > 5*time.Second || fake.Calls("DescribeNetworkInterfaces") < 3 {
		t.Errorf("took %s, %d calls", took, fake.Calls("DescribeNetworkInterfaces"))
	}
}
