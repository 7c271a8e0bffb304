package query

import (
	"sync"

	"github.com/flowtail/flowtail/model"
)

// Plan is a compiled query as data, for translating it to another engine
// (Logs Insights, SQL) so that it means what Program computes locally:
// names are resolved exactly as the local engine resolves them.
type Plan struct {
	// Filters are the filter expressions, all applied before anything else.
	Filters []Expr
	// Stats is the stats command, nil for a record query.
	Stats *StatsCmd
	// Columns are the output columns before display: for stats, the by
	// keys then the aggregates; for records, the projected columns.
	Columns []string
	// RecordRefs are what each record column reads (record queries only).
	RecordRefs []Ref
	// Steps are the sort, dedup and limit commands, in query order.
	Steps []PlanStep
	// Display lists the stats columns shown, by index; nil: all.
	Display []int
}

// StepKind is a post-processing command.
type StepKind uint8

// The post-processing commands.
const (
	StepSort StepKind = iota + 1
	StepDedup
	StepLimit
)

// PlanStep is one sort, dedup or limit. For stats queries Cols index the
// output columns; for record queries Refs name the fields read.
type PlanStep struct {
	Kind  StepKind
	Cols  []int
	Refs  []Ref
	Desc  []bool
	Limit int
}

// Plan describes the program for translation.
func (p *Program) Plan() Plan {
	pl := Plan{Filters: p.filters, Columns: p.columns, Display: p.display}
	for _, c := range p.Query.Commands {
		if s, ok := c.(*StatsCmd); ok {
			pl.Stats = s
		}
	}
	for _, c := range p.cols {
		pl.RecordRefs = append(pl.RecordRefs, c.acc.ref)
	}
	for _, op := range p.post {
		st := PlanStep{Desc: op.desc, Limit: op.limit}
		switch op.kind {
		case postSort:
			st.Kind = StepSort
		case postDedup:
			st.Kind = StepDedup
		case postLimit:
			st.Kind = StepLimit
		}
		if p.stats != nil {
			st.Cols = op.keys
		} else {
			for _, k := range op.keys {
				st.Refs = append(st.Refs, p.keyAccs[k].ref)
			}
		}
		pl.Steps = append(pl.Steps, st)
	}
	return pl
}

// ProtoName is the derived proto field's text for a protocol number.
func ProtoName(n uint8) string { return model.ProtoText(n) }

// ServicePorts lists the well-known service ports with the derived service
// field's name for each, by port.
func ServicePorts() []ServicePort { return servicePorts() }

var servicePorts = sync.OnceValue(func() []ServicePort {
	var out []ServicePort
	for p := range 65536 {
		if name, ok := model.PortService(uint16(p)); ok {
			out = append(out, ServicePort{Port: uint16(p), Name: name})
		}
	}
	return out
})

// ServicePort is one well-known port and its service name.
type ServicePort struct {
	Port uint16
	Name string
}

// DerivedLiteral resolves a literal compared with a derived field (proto,
// service, direction) to the field's text, as the local engine does
// (case-insensitively; proto also by number). ok is false when no record
// can have that value.
func DerivedLiteral(r Ref, lit *Literal) (text string, ok bool) {
	c, ok := derivedCode(r, lit)
	if !ok {
		return "", false
	}
	return derivedText(r, c), true
}
