package cli

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/ipranges"
	"github.com/flowtail/flowtail/model/rules"
	srcip "github.com/flowtail/flowtail/source/ipranges"
)

// ipRangesURL is where `flowtail ip-ranges --update` downloads from; tests
// point it at 127.0.0.1.
var ipRangesURL = srcip.DefaultURL

// ipRanges is AWS's published ranges for labelling public addresses:
// --ip-ranges FILE (or the config's ip_ranges), else the cached copy that
// `flowtail ip-ranges --update` keeps. Nothing is downloaded here: the
// labels are a help, and a machine without internet must start at once.
// No copy is no table and no error; a named file that cannot be read is an
// error.
func (o *options) ipRangesTable(ctx context.Context) (*ipranges.Table, srcip.Origin, error) {
	return srcip.Load(ctx, srcip.Options{File: o.ipRanges, CacheOnly: true})
}

// ownerLookup says who owns an address: one of the account's interfaces
// in the loaded rules (its kind, and its name or description), else the
// AWS service and Region of the published range that holds it. snapshot
// is asked on every call so reloaded rules are seen; either part may be
// missing.
func ownerLookup(t *ipranges.Table, snapshot func() *rules.Snapshot) model.OwnerLookup {
	if t == nil && snapshot == nil {
		return nil
	}
	return func(a netip.Addr) (model.Owner, bool) {
		if snapshot != nil {
			if s := snapshot(); s != nil {
				if i, ok := s.Owner(a); ok {
					return model.Owner{Name: i.Kind(), Detail: i.Label()}, true
				}
			}
		}
		if o, ok := t.Lookup(a); ok {
			return model.Owner{Name: o.Service, Detail: o.Region, Public: true}, true
		}
		return model.Owner{}, false
	}
}

// owners is the owner lookup of a command: the ranges, and the rules
// provider's static snapshot when rules are loaded from files or the demo.
func (o *options) owners(ctx context.Context, rp *rulesProvider) (model.OwnerLookup, error) {
	t, _, err := o.ipRangesTable(ctx)
	if err != nil {
		return nil, fmt.Errorf("invalid value for flag --ip-ranges: %v", err)
	}
	if t != nil {
		o.ownersNote = fmt.Sprintf("AWS ip-ranges created %s, syncToken %s", t.CreateDate, t.SyncToken)
	}
	var snap func() *rules.Snapshot
	if rp != nil && rp.staticSnapshot() != nil {
		snap = rp.staticSnapshot
	}
	return ownerLookup(t, snap), nil
}

// newIPRangesCmd is `flowtail ip-ranges`: where the ranges come from, and
// --update to download a fresh copy into the cache.
func newIPRangesCmd() *cobra.Command {
	var update bool
	var file string
	c := &cobra.Command{
		Use:   "ip-ranges",
		Short: "show or update the copy of AWS's ip-ranges.json that labels public addresses",
		Long: `Public addresses are labelled with the AWS service and Region that own
them (the owner, srcOwner and dstOwner query fields, the flows pane and
the detail view), from AWS's published ip-ranges.json. flowtail never
downloads it by itself: --update fetches it into the cache folder
($XDG_CACHE_HOME/flowtail), or give a copy with --ip-ranges FILE (or
ip_ranges in the config file) on machines without internet.`,
		Example: `  flowtail ip-ranges --update
  curl -o ranges.json https://ip-ranges.amazonaws.com/ip-ranges.json && flowtail --ip-ranges ranges.json --demo`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opt := srcip.Options{File: file, URL: ipRangesURL, CacheOnly: !update}
			if update {
				opt.MaxAge = time.Nanosecond // any copy is too old: download
			}
			t, org, err := srcip.Load(c.Context(), opt)
			if err != nil {
				fmt.Fprintf(c.ErrOrStderr(), "flowtail ip-ranges: %s\n", cleanCell(err.Error()))
				return exitErr(exitRuntime)
			}
			if t == nil {
				_, err := fmt.Fprintln(c.OutOrStdout(), "no copy of ip-ranges.json: run flowtail ip-ranges --update, or pass --ip-ranges FILE")
				return err
			}
			how := "read"
			if org.Fetched {
				how = "downloaded"
			}
			_, err = fmt.Fprintf(c.OutOrStdout(), "%s %s: %d prefixes, syncToken %s, created %s, written %s\n",
				how, cleanCell(org.Path), t.Len(), cleanCell(t.SyncToken), cleanCell(t.CreateDate), org.ModTime.UTC().Format("2006-01-02 15:04:05 UTC"))
			return err
		},
	}
	c.Flags().BoolVar(&update, "update", false, "download a fresh copy into the cache")
	c.Flags().StringVar(&file, "ip-ranges", "", "show this FILE instead of the cached copy")
	return c
}

// interfaceNames names interfaces for the interfaces pane from the rules
// loaded from files or the demo: the Name tag, else the description, else
// the instance, with the kind when the name does not already say it. nil
// when no rules are loaded that way.
func interfaceNames(rp *rulesProvider) func(id string) (string, bool) {
	if rp == nil || rp.staticSnapshot() == nil {
		return nil
	}
	return func(id string) (string, bool) {
		s := rp.staticSnapshot()
		i, ok := s.Interfaces[id]
		if !ok {
			return "", false
		}
		name := i.Name()
		if name == "" {
			name = i.Description
		}
		if name == "" {
			name = i.InstanceID
		}
		kind := i.Kind()
		switch {
		case name == "":
			return kind, true
		case strings.Contains(strings.ToLower(name), strings.ToLower(kind)):
			return name, true
		}
		return name + " · " + kind, true
	}
}
