package cli

import (
	"context"
	"fmt"
	"sync"

	awsec2 "github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/flowtail/flowtail/model/rules"
	"github.com/flowtail/flowtail/source/demo"
	"github.com/flowtail/flowtail/source/ec2"
	"github.com/flowtail/flowtail/source/rulesdir"
)

// rulesProvider gives the rules a record is explained with: the files of
// --rules DIR (read again on refresh), the demo topology with --demo, or
// else EC2 lookups, whose AWS configuration is loaded only when the first
// interface is asked for, so files-only use never touches AWS.
type rulesProvider struct {
	o    *options
	warn func(string)

	mu     sync.Mutex
	static *rules.Snapshot

	once    sync.Once
	live    *ec2.Lookup
	liveErr error
}

// rulesProvider reads --rules DIR now (so a bad directory fails at start)
// and reports each skipped file through warn.
func (o *options) rulesProvider(warn func(string)) (*rulesProvider, error) {
	p := &rulesProvider{o: o, warn: warn}
	switch {
	case o.rules != "":
		if err := p.loadDir(); err != nil {
			return nil, err
		}
	case o.demo:
		p.static = demo.Rules()
	}
	return p, nil
}

func (p *rulesProvider) loadDir() error {
	res, err := rulesdir.Load(p.o.rules)
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		p.warn(w.Error())
	}
	p.mu.Lock()
	p.static = res.Snapshot
	p.mu.Unlock()
	return nil
}

func (p *rulesProvider) staticSnapshot() *rules.Snapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.static
}

func (p *rulesProvider) lookup(ctx context.Context) (*ec2.Lookup, error) {
	p.once.Do(func() {
		cfg, err := loadAWSConfig(ctx, p.o)
		if err != nil {
			p.liveErr = fmt.Errorf("%w (or give the rules offline with --rules DIR)", err)
			return
		}
		live := ec2.New(awsec2.NewFromConfig(cfg), ec2.Options{})
		p.mu.Lock()
		p.live = live
		p.mu.Unlock()
	})
	return p.live, p.liveErr
}

// Loaded is what is known now, without waiting on EC2: bare filter words
// read group ids and interface names through it.
func (p *rulesProvider) Loaded() *rules.Snapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.static != nil {
		return p.static
	}
	if p.live != nil {
		return p.live.Snapshot()
	}
	return nil
}

// Lookup returns the rules for an interface; the snapshot is never nil.
func (p *rulesProvider) Lookup(ctx context.Context, iface string) (*rules.Snapshot, error) {
	if s := p.staticSnapshot(); s != nil {
		return s, nil
	}
	l, err := p.lookup(ctx)
	if err != nil {
		return rules.NewSnapshot(), err
	}
	return l.Ensure(ctx, iface)
}

// Refresh reads --rules DIR again, or forgets cached EC2 lookups.
func (p *rulesProvider) Refresh(ctx context.Context, iface string) (*rules.Snapshot, error) {
	switch {
	case p.o.rules != "":
		if err := p.loadDir(); err != nil {
			return p.staticSnapshot(), err
		}
		return p.staticSnapshot(), nil
	case p.static != nil:
		return p.static, nil
	}
	l, err := p.lookup(ctx)
	if err != nil {
		return rules.NewSnapshot(), err
	}
	return l.Refresh(ctx, iface)
}
