package ui

import (
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/flowtail/flowtail/model"
)

// Sanitize makes a string from a log, a file or the network safe to draw:
// the terminal's policy of model.ReplaceUnsafe (controls, escape
// sequences, bidi controls and invalid UTF-8 never reach the screen; each
// shows as U+FFFD, so none can hide).
func Sanitize(s string) string { return model.ReplaceUnsafe(s) }

// setInput puts text into a text input under Sanitize: the text can come
// from a file (the filter history, the config's saved queries), and a text
// input draws what it holds as it is (its own clean-up keeps bidi controls).
func setInput(in *textinput.Model, s string) { in.SetValue(Sanitize(s)) }

// typedText is a key press as a text input may insert it: the text it
// carries under Sanitize. A text input keeps bidi controls and invisible
// formats but drops U+FFFD, so none of them enters what is typed.
func typedText(msg tea.KeyPressMsg) tea.KeyPressMsg {
	msg.Text = Sanitize(msg.Text)
	return msg
}
