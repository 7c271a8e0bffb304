package ui

import (
	"fmt"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/export"
)

// copyRecord puts the record on the clipboard with OSC 52, which works over
// SSH; terminals that ignore OSC 52 leave the clipboard unchanged, which
// the message says. The default is the log line as it was written (the
// record in its format's field order, unknown fields included); pairs
// gives the field=value form instead.
func copyRecord(sh *Shared, seq uint64, pairs bool) tea.Cmd {
	var text string
	sh.Store.Read(func(v model.View) {
		i, ok := v.Index(seq)
		if !ok {
			return
		}
		f, x := v.At(i)
		if pairs {
			text = recordText(sh, f, x, v.Names())
		} else {
			text = originalLine(f, x, v.Names())
		}
	})
	if text == "" {
		return Flash("that record has left the buffer", true)
	}
	what := "the log line"
	if pairs {
		what = "the record as key=value"
	}
	return tea.Batch(tea.SetClipboard(text),
		Flash(fmt.Sprintf("copied %s: %d characters via OSC 52 (some terminals block it)", what, len(text)), false))
}

// originalLine is the record written back in the format it was read with,
// as the log had it; a record of unknown format is written with the fields
// it carries, in AWS order.
func originalLine(f *model.Flow, x *model.Ext, names *model.Interner) string {
	format := model.FormatOf(f)
	if format == nil {
		var fields []string
		for _, id := range recordFields(f, x) {
			fields = append(fields, id.Name())
		}
		var err error
		if format, err = model.ParseFormat(strings.Join(fields, " ")); err != nil {
			return ""
		}
	}
	line := export.NewEncoder(export.Text, names).Append(nil, format, f, x)
	return strings.TrimRight(string(line), "\n")
}

// recordFields are the fields a record carries: the known ones in AWS
// order, then those flowtail does not know.
func recordFields(f *model.Flow, x *model.Ext) []model.FieldID {
	var ids []model.FieldID
	for _, id := range model.KnownFields() {
		if model.Present(f, x, id) {
			ids = append(ids, id)
		}
	}
	if x != nil {
		for id := model.FieldOpaque0; id < model.FieldOpaque0+model.MaxOpaque; id++ {
			if x.Has(id) {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// recordText is the record as field=value pairs in AWS order, unknown
// fields last: the form that pastes well into a ticket or chat.
func recordText(sh *Shared, f *model.Flow, x *model.Ext, names *model.Interner) string {
	var b strings.Builder
	rf := model.FormatOf(f) // spells the names flowtail does not know
	for _, id := range recordFields(f, x) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(rf.Name(id))
		b.WriteByte('=')
		switch id.Kind() {
		case model.KindInt:
			n, _ := model.Int(f, x, id)
			b.WriteString(strconv.FormatUint(n, 10))
		default:
			b.WriteString(strings.ReplaceAll(fieldValue(sh, f, x, names, id), " ", "_"))
		}
	}
	return b.String()
}
