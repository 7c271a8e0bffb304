package ui

import "testing"

func TestGoldenConversations(t *testing.T) { goldenPane(t, "3", "c", "j") }
