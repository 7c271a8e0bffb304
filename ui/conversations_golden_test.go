package ui

import "testing"

func TestGoldenConversations(t *testing.T) {
	goldenPane(t, step{"3", "paired by"}, step{"c", "REQ/REPLY"}, step{key: "j"})
}
