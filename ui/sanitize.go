package ui

import (
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/flowtail/flowtail/model"
)

// Sanitize makes a string from a log, a file or the network safe to draw:
// the terminal's policy of model.DropUnsafe (controls, escape sequences,
// bidi controls and invalid UTF-8 never reach the screen).
func Sanitize(s string) string { return model.DropUnsafe(s) }

// setInput puts text into a text input under Sanitize: the text can come
// from a file (the filter history, the config's saved queries), and a text
// input draws what it holds as it is (its own clean-up keeps bidi controls).
func setInput(in *textinput.Model, s string) { in.SetValue(Sanitize(s)) }

// typedText is a key press as a text input may insert it: the text it
// carries under Sanitize; ok is false when nothing of the text is left,
// so the key inserts nothing.
func typedText(msg tea.KeyPressMsg) (tea.KeyPressMsg, bool) {
	if msg.Text == "" {
		return msg, true
	}
	clean := Sanitize(msg.Text)
	if clean == msg.Text {
		return msg, true
	}
	if clean == "" {
		return msg, false
	}
	msg.Text = clean
	return msg, true
}
