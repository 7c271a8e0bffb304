package ui

import "testing"

func TestGoldenConversations(t *testing.T) {
	goldenPane(t, step{"3", flagsLoaded}, step{key: "c"}, step{key: "j"})
}
