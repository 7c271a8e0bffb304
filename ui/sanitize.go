package ui

import "github.com/flowtail/flowtail/model"

// Sanitize makes a string from a log, a file or the network safe to draw:
// the terminal's policy of model.DropUnsafe (controls, escape sequences,
// bidi controls and invalid UTF-8 never reach the screen).
func Sanitize(s string) string { return model.DropUnsafe(s) }
