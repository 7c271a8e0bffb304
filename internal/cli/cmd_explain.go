package cli

import (
	"bufio"
	"context"
	"io"
	"strconv"
	"sync"

	"github.com/spf13/cobra"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/export"
	"github.com/flowtail/flowtail/model/rules"
)

// newExplainCmd is `flowtail explain`.
func newExplainCmd(std stdio) *cobra.Command {
	o := &options{}
	var ex explainFlags
	var outputs []string
	c := &cobra.Command{
		Use:   "explain [--rules DIR] [flags] [FILE|DIR|-]...",
		Short: "say which security group or network ACL rule decided each record, and why",
		Long: `Evaluates every record against the security groups of its interface and
the network ACL of its subnet, and prints a verdict: the direction, the
NACL entry that matched, the security group rule that allowed it (or that
it passed as the reply of a tracked connection), the expected action,
whether the logged action agrees, which control decided a REJECT, and a
reason you can act on. When the rules needed are not loaded the verdict
says what is missing instead of guessing.

The rules come from --rules DIR (the JSON printed by aws ec2
describe-network-interfaces, describe-security-groups or
describe-security-group-rules, describe-network-acls, describe-subnets,
describe-managed-prefix-lists and get-managed-prefix-list-entries), from
the demo topology with --demo, or else from the EC2 API (--profile/--region;
ec2:Describe* permissions).

JSON keys: the record's fields as in 'flowtail cat -o json', plus direction,
expected, consistent, decided_by (nacl, sg, bpa, or none when allowed),
nacl {id, rule, action}, sg {allowed, group, rule, groups, response, evidence},
missing and reason. Undecided values are null.

With --summary the verdicts are counted by the rule that decided them
(flows, distinct sources, ports, replies, inconsistencies), most first.
--only reject, inconsistent or undecided keeps those records only (reject:
logged or expected REJECT).`,
		Example: `  flowtail explain --rules ./rules capture.log.gz
  flowtail explain --rules ./rules -o json capture.log.gz | jq 'select(.consistent == false)'
  flowtail explain --region us-east-1 flows.log
  flowtail explain --rules ./rules --summary --only reject capture.log.gz`,
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.headless(c.Flags(), outputs); err != nil {
				return usageErr{cmd: c, err: err}
			}
			return exit(runExplain(c.Context(), o, ex, args, std))
		},
	}
	outputs = o.bindOutput(c.Flags(), "text or json", "text", "json")
	o.bindSource(c.Flags())
	o.bindRules(c.Flags())
	c.Flags().BoolVar(&ex.summary, "summary", false, "count verdicts by the rule that decided them, most first")
	c.Flags().StringVar(&ex.only, "only", "", "explain only WHICH records: reject, inconsistent or undecided")
	return c
}

// explainFlags are the flags only explain takes.
type explainFlags struct {
	summary bool   // count verdicts by rule instead of writing each
	only    string // reject, inconsistent or undecided
}

func runExplain(ctx context.Context, o *options, ex explainFlags, args []string, std stdio) int {
	o.paths = args
	kind, _ := export.ParseKind(o.output) // text or json: the command checked it
	if err := o.validate(); err != nil {
		return usageError(std, "explain", err)
	}
	only, err := rules.ParseOnly(ex.only)
	if err != nil {
		return usageError(std, "explain", err)
	}
	h := newHeadless(ctx, "explain", std, o)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	rp, err := o.rulesProvider(func(w string) { h.errorf("warning: %s", w) })
	if err != nil {
		h.errorf("%v", err)
		return exitRuntime
	}
	if o.rules == "" && !o.demo {
		// Live lookups: a missing region or profile is said before any output.
		if _, err := rp.lookup(ctx); err != nil {
			h.errorf("%v", err)
			return exitRuntime
		}
	}
	srcs, err := o.sources(ctx, std)
	if err != nil {
		h.errorf("%v", err)
		return exitRuntime
	}
	x := newExplainer(kind, o.overrideFormat(), rp.Lookup, std.out, len(srcs))
	x.only = only
	if ex.summary {
		x.sum = rules.NewSummary()
	}
	h.read(ctx, srcs, func(i int, b model.Batch) {
		if x.add(ctx, i, b) != nil {
			cancel()
		}
	})
	werr := x.flushSummary()
	if werr == nil {
		werr = x.flush()
	}
	for _, e := range x.lookupErrs {
		h.errorf("%s", e)
	}
	return h.finish(tally{records: x.records, malformed: x.malformed, verb: "explained", firstBad: x.firstBad}, werr)
}

// ruleSource gives the snapshot to explain a record with. The error,
// when not nil, says what could not be looked up; the snapshot still
// holds everything else.
type ruleSource func(ctx context.Context, iface string) (*rules.Snapshot, error)

// explainer decodes records in arrival order (the reversed-record evidence
// needs order) and writes one verdict per record.
type explainer struct {
	mu         sync.Mutex
	kind       export.Kind
	rules      ruleSource
	names      *model.Interner
	decs       []*model.Decoder
	enc        *export.Encoder
	w          *bufio.Writer
	buf        []byte
	recent     *model.RecentFlows // the reversed-record window
	records    int64
	malformed  int64
	firstBad   []model.Malformed
	lookupErrs []error
	errSeen    map[string]bool
	err        error
	only       rules.Only
	sum        *rules.Summary // counts verdicts instead of writing them
	f          model.Flow
	x          model.Ext
	// internLimit is explainInternLimit (smaller in tests).
	internLimit int
}

func newExplainer(kind export.Kind, override *model.Format, rs ruleSource, out io.Writer, nsrc int) *explainer {
	names := model.NewInterner()
	x := &explainer{kind: kind, rules: rs, names: names, enc: export.NewEncoder(kind, names),
		w: bufio.NewWriterSize(out, 64<<10), recent: model.NewRecentFlows(model.ReverseLookback), internLimit: explainInternLimit}
	for range max(nsrc, 1) {
		x.decs = append(x.decs, model.NewDecoder(names, override))
	}
	return x
}

// explainInternLimit bounds the strings the explainer's interner holds:
// past it a batch starts a fresh one, so memory follows the window of
// recent records, not every account and interface id the input held.
const explainInternLimit = 1 << 16

// rebind moves the decoders, the encoder and the reverse-record window to
// a fresh interner.
func (e *explainer) rebind() {
	old, names := e.names, model.NewInterner()
	e.recent.Rebind(func(id uint32) uint32 { return names.ID([]byte(old.Name(id))) })
	for _, d := range e.decs {
		d.Rebind(names)
	}
	e.names, e.enc = names, export.NewEncoder(e.kind, names)
}

func (e *explainer) add(ctx context.Context, src int, b model.Batch) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.err != nil {
		return e.err
	}
	if e.names.Len() > e.internLimit {
		e.rebind()
	}
	dec := e.decs[src]
	for i := range b.Events {
		ev := &b.Events[i]
		res, err := dec.Decode(ev, b.Format, &e.f, &e.x)
		switch res {
		case model.ResultMalformed:
			e.malformed++
			if len(e.firstBad) < keepBad {
				e.firstBad = append(e.firstBad, model.MalformedEvent(ev, err))
			}
			continue
		case model.ResultRecord:
		default:
			continue
		}
		e.records++
		p := rules.FromFlow(&e.f, &e.x, e.names)
		p.ReverseSeen = e.recent.Add(&e.f, &e.x)
		snap, err := e.rules(ctx, p.Interface)
		if err != nil {
			e.noteLookupError(err)
		}
		var v rules.Verdict
		if e.sum != nil {
			v = snap.Decide(p) // counted, not written: no reason needed
		} else {
			v = snap.Explain(p)
		}
		if !e.only.Keep(&v) {
			continue
		}
		if e.sum != nil {
			e.sum.Add(&v, p)
			continue
		}
		e.buf = e.appendVerdict(e.buf[:0], dec.FormatFor(ev.Origin, b.Format), &v)
		if _, err := e.w.Write(e.buf); err != nil {
			e.err = err
			return err
		}
	}
	// Flush per batch so a followed file shows verdicts as lines arrive.
	if err := e.w.Flush(); err != nil {
		e.err = err
	}
	return e.err
}

// noteLookupError keeps each distinct lookup failure once, to report at the end.
func (e *explainer) noteLookupError(err error) {
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for _, err := range errs {
		if e.errSeen == nil {
			e.errSeen = map[string]bool{}
		}
		if msg := err.Error(); !e.errSeen[msg] {
			e.errSeen[msg] = true
			e.lookupErrs = append(e.lookupErrs, err)
		}
	}
}

// flushSummary writes the summary's rows, if one was kept.
func (e *explainer) flushSummary() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.sum == nil || e.err != nil {
		return e.err
	}
	for _, r := range e.sum.Rows() {
		e.buf = e.buf[:0]
		if e.kind == export.JSON {
			e.buf = r.AppendJSON(e.buf, appendJSONQuoted)
		} else {
			e.buf = append(append(e.buf, cleanCell(r.Line())...), '\n')
		}
		if _, e.err = e.w.Write(e.buf); e.err != nil {
			break
		}
	}
	return e.err
}

func (e *explainer) flush() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.err == nil {
		e.err = e.w.Flush()
	}
	return e.err
}

func (e *explainer) appendVerdict(dst []byte, format *model.Format, v *rules.Verdict) []byte {
	dst = e.enc.Append(dst, format, &e.f, &e.x)
	if e.kind == export.JSON {
		dst = dst[:len(dst)-2] // drop "}\n" and continue the object
		if len(dst) > 1 {
			dst = append(dst, ',')
		}
		dst = appendVerdictJSON(dst, v)
		return append(dst, '}', '\n')
	}
	dst = append(dst, "  "...)
	dst = append(dst, verdictSummary(v)...)
	dst = append(dst, "\n  "...)
	dst = append(dst, cleanCell(v.Reason)...)
	return append(dst, '\n')
}

// appendVerdictJSON appends the verdict's keys; values not decided or not
// evaluated are null. Written by hand: this runs once per record.
func appendVerdictJSON(dst []byte, v *rules.Verdict) []byte {
	dst = append(dst, `"direction":`...)
	if v.Direction != rules.DirUnknown {
		dst = appendJSONQuoted(dst, v.Direction.String())
	} else {
		dst = append(dst, "null"...)
	}
	dst = append(dst, `,"expected":`...)
	if v.Decided() {
		dst = appendJSONQuoted(dst, v.Expected.String())
	} else {
		dst = append(dst, "null"...)
	}
	dst = append(dst, `,"consistent":`...)
	if c, ok := v.Consistent(); ok {
		dst = strconv.AppendBool(dst, c)
	} else {
		dst = append(dst, "null"...)
	}
	dst = append(dst, `,"decided_by":`...)
	if v.Decided() {
		dst = appendJSONQuoted(dst, v.DecidedBy)
	} else {
		dst = append(dst, "null"...)
	}
	dst = append(dst, `,"nacl":`...)
	if n := &v.NACL; n.Evaluated && n.ACL != nil {
		dst = append(dst, `{"id":`...)
		dst = appendJSONQuoted(dst, n.ACL.ID)
		dst = append(dst, `,"rule":`...)
		if n.Entry != nil {
			dst = strconv.AppendInt(dst, int64(n.Entry.Rule), 10)
		} else {
			dst = append(dst, "null"...)
		}
		if n.Allow {
			dst = append(dst, `,"action":"allow"`...)
		} else {
			dst = append(dst, `,"action":"deny"`...)
		}
		if n.Skipped != "" {
			dst = append(dst, `,"skipped":`...)
			dst = appendJSONQuoted(dst, n.Skipped)
		}
		dst = append(dst, '}')
	} else {
		dst = append(dst, "null"...)
	}
	dst = append(dst, `,"sg":`...)
	switch s := &v.SG; {
	case s.Evaluated || s.Response:
		dst = append(dst, `{"allowed":`...)
		dst = strconv.AppendBool(dst, s.Allowed)
		if s.Group != nil {
			dst = append(dst, `,"group":`...)
			dst = appendJSONQuoted(dst, s.Group.ID)
			dst = append(dst, `,"rule":`...)
			dst = appendJSONQuoted(dst, s.Rule(v.Direction))
		}
		dst = append(dst, `,"groups":[`...)
		for i, g := range s.Groups {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONQuoted(dst, g)
		}
		dst = append(dst, `],"response":`...)
		dst = strconv.AppendBool(dst, s.Response)
		if s.Response {
			dst = append(dst, `,"evidence":`...)
			dst = appendJSONQuoted(dst, s.Evidence.String())
		}
		if s.NotApplicable != "" {
			dst = append(dst, `,"note":`...)
			dst = appendJSONQuoted(dst, s.NotApplicable)
		}
		dst = append(dst, '}')
	case v.Interface != nil:
		dst = append(dst, `{"allowed":null,"response":false}`...)
	default:
		dst = append(dst, "null"...)
	}
	if len(v.Missing) > 0 {
		dst = append(dst, `,"missing":[`...)
		for i, m := range v.Missing {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONQuoted(dst, m)
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `,"reason":`...)
	return appendJSONQuoted(dst, v.Reason)
}

// appendJSONQuoted appends s as a JSON string (model.AppendJSONString).
func appendJSONQuoted(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = model.AppendJSONString(dst, s)
	return append(dst, '"')
}

// verdictSummary is the one-line verdict of text output.
func verdictSummary(v *rules.Verdict) string { return cleanCell("=> " + v.Line()) }
