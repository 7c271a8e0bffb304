// Package ec2 looks up the security groups, network ACLs, subnets and
// prefix lists of the interfaces seen in flow logs, with the EC2 API, so
// the rule inspector can explain live traffic. Lookups are lazy (only the
// interfaces asked about), cached for a TTL and refreshed on demand; a
// denied action is reported by name and the rest keeps working.
package ec2

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsec2 "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/flowtail/flowtail/model/rules"
	"github.com/flowtail/flowtail/source"
	"github.com/flowtail/flowtail/source/awscall"
)

// Options tune a Lookup; zero values take the defaults.
type Options struct {
	TTL         time.Duration     // how long a lookup is trusted (5 minutes)
	Now         func() time.Time  // the clock (time.Now)
	Backoff     time.Duration     // first wait after throttling (1s, jittered), doubled per attempt
	MaxBackoff  time.Duration     // longest wait (30s)
	MaxThrottle int               // throttled or unanswered attempts before giving up on a call (6)
	Deadlines   awscall.Deadlines // per call (awscall.Default)
	// FetchBudget bounds one lookup, all its calls and retries (90s), so
	// a hung endpoint never holds the lookup that others wait for.
	FetchBudget time.Duration
}

// Lookup fetches and caches rules. It is safe for concurrent use; fetches
// are serialised so one interface is never looked up twice at once.
type Lookup struct {
	client *awsec2.Client
	opt    Options

	fetch chan struct{} // a token held while fetching; waiting for it honours the context

	mu      sync.Mutex
	snap    *rules.Snapshot
	fetched map[string]time.Time // resource key -> when it was looked up
	errs    map[string]*Error    // IAM action -> last failure
}

// Error is a failed lookup, with what to do about it.
type Error struct {
	Action  string // IAM action, e.g. ec2:DescribeNetworkAcls
	Denied  bool   // the caller lacks the permission
	Message string
	Err     error
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Err }

// New returns a lookup using client (awsec2.NewFromConfig(cfg)).
func New(client *awsec2.Client, opt Options) *Lookup {
	if opt.TTL <= 0 {
		opt.TTL = 5 * time.Minute
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Backoff <= 0 {
		opt.Backoff = time.Second
	}
	if opt.MaxBackoff <= 0 {
		opt.MaxBackoff = 30 * time.Second
	}
	if opt.MaxThrottle <= 0 {
		opt.MaxThrottle = 6
	}
	if opt.Deadlines == (awscall.Deadlines{}) {
		opt.Deadlines = awscall.Default
	}
	if opt.FetchBudget <= 0 {
		opt.FetchBudget = 90 * time.Second
	}
	return &Lookup{client: client, opt: opt, fetch: make(chan struct{}, 1), snap: rules.NewSnapshot(), fetched: map[string]time.Time{}, errs: map[string]*Error{}}
}

// Snapshot is what is known now. It is never modified afterwards: each
// fetch publishes a new one.
func (l *Lookup) Snapshot() *rules.Snapshot {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.snap
}

// Errors are the last failures by IAM action, sorted by action.
func (l *Lookup) Errors() []*Error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return sortedErrors(l.errs)
}

// Refresh forgets every cached lookup and fetches the interfaces known so
// far plus ifaces again (the `R` key).
func (l *Lookup) Refresh(ctx context.Context, ifaces ...string) (*rules.Snapshot, error) {
	l.mu.Lock()
	for id := range l.snap.Interfaces {
		ifaces = append(ifaces, id)
	}
	for k := range l.fetched {
		if len(k) > 4 && k[:4] == "eni-" {
			ifaces = append(ifaces, k)
		}
	}
	l.fetched = map[string]time.Time{}
	l.mu.Unlock()
	return l.ensure(ctx, ifaces, true)
}

// Ensure makes sure the rules for these interfaces are loaded and fresh:
// the interfaces, their security groups (and the interfaces of groups they
// reference), their subnets' network ACLs and subnets, and the prefix
// lists the groups name. Whatever could be fetched is in the returned
// snapshot even when the error (one *Error per failed action) is not nil.
func (l *Lookup) Ensure(ctx context.Context, ifaces ...string) (*rules.Snapshot, error) {
	return l.ensure(ctx, ifaces, false)
}

func (l *Lookup) ensure(ctx context.Context, ifaces []string, fresh bool) (*rules.Snapshot, error) {
	wait := time.NewTimer(l.opt.Deadlines.FirstByte)
	defer wait.Stop()
	select {
	case l.fetch <- struct{}{}:
	case <-ctx.Done():
		return l.Snapshot(), fmt.Errorf("ec2: waiting for another rules lookup: %w", ctx.Err())
	case <-wait.C:
		// Another lookup is waiting on EC2: answer with what is known
		// rather than hold the caller (the rules pane) with it.
		return l.Snapshot(), &Error{Action: "ec2", Message: "another rules lookup is still waiting for EC2 to answer: showing what is known; press R to try again"}
	}
	defer func() { <-l.fetch }()
	ctx, cancel := context.WithTimeout(ctx, l.opt.FetchBudget)
	defer cancel()
	f := &fetcher{l: l, add: rules.NewSnapshot(), now: l.opt.Now(), fresh: fresh}
	f.run(ctx, ifaces)
	l.mu.Lock()
	defer l.mu.Unlock()
	next := l.snap
	if !f.add.Empty() {
		next = l.snap.Clone()
		next.Merge(f.add)
	}
	l.snap = next
	for k, t := range f.marks {
		l.fetched[k] = t
	}
	for _, a := range f.okActions {
		delete(l.errs, a)
	}
	for _, e := range f.errs {
		l.errs[e.Action] = e
	}
	// Every failure still in force, not only this round's: the data it
	// kept out is still missing.
	var errs []error
	for _, e := range sortedErrors(l.errs) {
		errs = append(errs, e)
	}
	return next, errors.Join(errs...)
}

func sortedErrors(m map[string]*Error) []*Error {
	out := make([]*Error, 0, len(m))
	for _, e := range m {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Action < out[j].Action })
	return out
}

// fetcher is one round of lookups.
type fetcher struct {
	l         *Lookup
	add       *rules.Snapshot
	now       time.Time
	fresh     bool
	marks     map[string]time.Time
	errs      []*Error
	okActions []string
}

// stale returns the keys not looked up within the TTL.
func (f *fetcher) stale(keys []string) []string {
	f.l.mu.Lock()
	defer f.l.mu.Unlock()
	seen := map[string]bool{}
	var out []string
	for _, k := range keys {
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		if t, ok := f.l.fetched[k]; ok && f.now.Sub(t) < f.l.opt.TTL {
			continue
		}
		if _, ok := f.marks[k]; ok {
			continue
		}
		out = append(out, k)
	}
	return out
}

func (f *fetcher) mark(prefix string, keys []string) {
	if f.marks == nil {
		f.marks = map[string]time.Time{}
	}
	for _, k := range keys {
		f.marks[prefix+k] = f.now
	}
}

// known returns an object from this round or the published snapshot.
func (f *fetcher) iface(id string) *rules.Interface {
	if i, ok := f.add.Interfaces[id]; ok {
		return i
	}
	return f.l.Snapshot().Interfaces[id]
}

func (f *fetcher) group(id string) *rules.SecurityGroup {
	if g, ok := f.add.Groups[id]; ok {
		return g
	}
	return f.l.Snapshot().Groups[id]
}

// fail records a failed call. The keys it was for count as looked up
// (unless the caller gave up), so a denied action is not called again for
// every record until the TTL passes or Refresh is asked for.
func (f *fetcher) fail(action string, err error, prefix string, keys []string) {
	f.errs = append(f.errs, classify(action, err))
	if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		f.mark(prefix, keys)
	}
}

func (f *fetcher) ok(action string) { f.okActions = append(f.okActions, action) }

// step looks up with do the ids not looked up within the TTL (cached under
// prefix+id) and records the outcome for the IAM action.
func (f *fetcher) step(action, prefix string, ids []string, do func(ids []string) error) {
	want := f.stale(prefixed(prefix, ids))
	if len(want) == 0 {
		return
	}
	ids = unprefixed(prefix, want)
	if err := do(ids); err != nil {
		f.fail(action, err, prefix, ids)
		return
	}
	f.mark(prefix, ids)
	f.ok(action)
}

func (f *fetcher) run(ctx context.Context, ifaces []string) {
	// 1. the interfaces themselves
	f.step("ec2:DescribeNetworkInterfaces", "", ifaces, func(ids []string) error {
		return f.interfaces(ctx, "network-interface-id", ids)
	})
	var groups, subnets []string
	for _, id := range ifaces {
		if i := f.iface(id); i != nil {
			groups = append(groups, i.Groups...)
			subnets = append(subnets, i.SubnetID)
		}
	}
	// 2. their security groups
	f.step("ec2:DescribeSecurityGroups", "group:", groups, func(ids []string) error { return f.groups(ctx, ids) })
	// 3. members of referenced groups, and referenced prefix lists
	var refs, lists []string
	for _, gid := range groups {
		g := f.group(gid)
		if g == nil {
			continue
		}
		for _, perms := range [][]rules.Permission{g.Ingress, g.Egress} {
			for _, p := range perms {
				for _, peer := range p.Peers {
					switch peer.Kind {
					case rules.PeerGroup:
						refs = append(refs, peer.ID)
					case rules.PeerPrefixList:
						lists = append(lists, peer.ID)
					}
				}
			}
		}
	}
	f.step("ec2:DescribeNetworkInterfaces", "members:", refs, func(ids []string) error {
		return f.interfaces(ctx, "group-id", ids)
	})
	// 4. network ACLs and subnets
	f.step("ec2:DescribeNetworkAcls", "acl:", subnets, func(ids []string) error { return f.acls(ctx, ids) })
	f.step("ec2:DescribeSubnets", "subnet:", subnets, func(ids []string) error { return f.subnets(ctx, ids) })
	// 5. prefix lists and their entries
	if want := f.stale(prefixed("pl:", lists)); len(want) > 0 {
		ids := unprefixed("pl:", want)
		if err := f.prefixLists(ctx, ids); err != nil {
			f.fail("ec2:DescribeManagedPrefixLists", err, "", nil)
		} else {
			f.ok("ec2:DescribeManagedPrefixLists")
		}
		failed := false
		for _, id := range ids {
			if err := f.entries(ctx, id); err != nil {
				var ae smithy.APIError
				if errors.As(err, &ae) && ae.ErrorCode() == "InvalidPrefixListID.NotFound" {
					f.mark("pl:", []string{id})
					continue
				}
				f.fail("ec2:GetManagedPrefixListEntries", err, "pl:", ids)
				failed = true
				break
			}
			f.mark("pl:", []string{id})
		}
		if !failed {
			f.ok("ec2:GetManagedPrefixListEntries")
		}
	}
}

func prefixed(p string, ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id != "" {
			out = append(out, p+id)
		}
	}
	return out
}

func unprefixed(p string, keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k[len(p):]
	}
	return out
}

// chunks splits filter values: EC2 accepts up to 200 per filter.
func chunks(ids []string) [][]string {
	const n = 100
	var out [][]string
	for len(ids) > n {
		out = append(out, ids[:n])
		ids = ids[n:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}

func filter(name string, values []string) []types.Filter {
	return []types.Filter{{Name: aws.String(name), Values: values}}
}

// call runs one request under the call deadlines, waiting and retrying
// while EC2 throttles beyond what the SDK's own retries absorbed, or does
// not answer in time.
func (f *fetcher) call(ctx context.Context, do func(context.Context) error) error {
	for attempt := 1; ; attempt++ {
		err := f.l.opt.Deadlines.Do(ctx, "ec2", do)
		var hung *awscall.HungError
		if err == nil || !throttled(err) && !errors.As(err, &hung) || attempt >= f.l.opt.MaxThrottle {
			return err
		}
		t := time.NewTimer(source.Backoff(f.l.opt.Backoff, f.l.opt.MaxBackoff, attempt))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

func throttled(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.ErrorCode() {
	case "RequestLimitExceeded", "Throttling", "ThrottlingException":
		return true
	}
	return false
}

var notAuthorized = regexp.MustCompile(`not authorized to perform: ([a-zA-Z0-9]+:[a-zA-Z0-9]+)`)

// classify turns a failure into an Error that names the IAM action and
// says what to do.
func classify(action string, err error) *Error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "UnauthorizedOperation", "AccessDenied", "AccessDeniedException":
			if m := notAuthorized.FindStringSubmatch(ae.ErrorMessage()); m != nil {
				action = m[1]
			}
			return &Error{Action: action, Denied: true, Err: err, Message: fmt.Sprintf(
				"ec2: access denied to %s: allow %s in the IAM policy of your role or user; rules that need it cannot be shown", action, action)}
		case "RequestLimitExceeded", "Throttling", "ThrottlingException":
			return &Error{Action: action, Err: err, Message: fmt.Sprintf(
				"ec2: %s is still throttled after backing off; press R to try again later", action)}
		}
		return &Error{Action: action, Err: err, Message: fmt.Sprintf("ec2: %s failed: %s: %s", action, ae.ErrorCode(), ae.ErrorMessage())}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &Error{Action: action, Err: err, Message: fmt.Sprintf("ec2: %s interrupted: %v", action, err)}
	}
	return &Error{Action: action, Err: err, Message: fmt.Sprintf("ec2: %s failed: %v (check the network, --region and credentials)", action, err)}
}
