//go:build !unix

package ui

import (
	"context"

	tea "charm.land/bubbletea/v2"
)

// suspendOnSignal: job control is a unix feature.
func suspendOnSignal(context.Context, func(tea.Msg), <-chan struct{}) {}
