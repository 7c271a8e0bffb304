package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// exportPrompt is the footer line ctrl+s opens: what will be written and
// the file name to write it to. It owns the keyboard while open.
type exportPrompt struct {
	sh    *Shared
	input textinput.Model
	sel   exportSelection
	hint  bool // the line has room for the formats after the name
	width int
	// proposed: the name is the one open suggested and nothing has been
	// typed yet. Typing or pasting replaces it; a key that edits (arrows,
	// backspace, home, end) keeps it to change.
	proposed bool
}

// exportFormats tells which names choose which format.
const exportFormats = " .csv .jsonl .txt"

func newExportPrompt(sh *Shared) exportPrompt {
	in := textinput.New()
	in.Prompt = "save to: "
	return exportPrompt{sh: sh, input: in}
}

func (e *exportPrompt) setStyles(st *Styles) { e.input.SetStyles(st.Input) }

func (e *exportPrompt) setWidth(w int) {
	e.width = w
	e.size()
}

// open fixes the selection and proposes a file name.
func (e *exportPrompt) open(fp *flowsPane) tea.Cmd {
	e.sel = currentSelection(e.sh, fp)
	e.input.SetValue(fmt.Sprintf("flowtail-%s-%s.csv", e.sel.what, e.sh.Now().UTC().Format("20060102-150405")))
	e.input.CursorEnd()
	e.proposed = true
	e.size()
	return e.input.Focus()
}

// replaceProposed clears the suggested name before the first text typed
// or pasted, so a name of one's own does not land after it.
func (e *exportPrompt) replaceProposed(typing bool) {
	if e.proposed && typing {
		e.input.SetValue("")
	}
	e.proposed = false
}

// update handles a key: done reports the prompt closed; enter starts the
// export in the background (started says so, for the status bar before
// the result arrives), esc cancels.
func (e *exportPrompt) update(msg tea.KeyPressMsg) (cmd tea.Cmd, done bool, started string) {
	k := &e.sh.Keys
	switch {
	case key.Matches(msg, k.Cancel):
		e.input.Blur()
		return nil, true, ""
	case key.Matches(msg, k.Apply):
		path := strings.TrimSpace(e.input.Value())
		if path == "" {
			return nil, false, ""
		}
		e.input.Blur()
		return exportCmd(e.sh.Store, e.sel, path), true,
			fmt.Sprintf("writing %s records to %s…", thousands(uint64(e.sel.nCount)), path)
	}
	msg = typedText(msg)
	// Text with no modifier but shift is typing; anything else edits.
	e.replaceProposed(msg.Text != "" && msg.Mod&^tea.ModShift == 0)
	e.input, cmd = e.input.Update(msg)
	e.size()
	return cmd, false, ""
}

// paste inserts a pasted file name.
func (e *exportPrompt) paste(msg tea.PasteMsg) tea.Cmd {
	msg.Content = oneLine(msg.Content)
	e.replaceProposed(msg.Content != "")
	var cmd tea.Cmd
	e.input, cmd = e.input.Update(msg)
	e.size()
	return cmd
}

func (e *exportPrompt) lead() string {
	return fmt.Sprintf(" %s %s records · ", thousands(uint64(e.sel.nCount)), e.sel.what)
}

// size gives the file name the room the count leaves; the list of formats
// is shown only when the whole name fits beside it.
func (e *exportPrompt) size() {
	room := e.width - cellWidth(e.lead()) - cellWidth(e.input.Prompt) - 1
	name := cellWidth(e.input.Value())
	e.hint = room-len(exportFormats) > name
	if e.hint {
		room -= len(exportFormats)
	}
	e.input.SetWidth(max(min(room, name), 10))
	e.input.SetCursor(e.input.Position())
}

func (e *exportPrompt) view() string {
	st := &e.sh.Styles
	line := st.Pending.Render(e.lead()) + e.input.View()
	switch {
	case e.hint && e.proposed:
		line += st.Dim.Render(exportFormats + " · type to replace")
	case e.hint:
		line += st.Dim.Render(exportFormats)
	}
	return fitCells(line, e.width)
}
