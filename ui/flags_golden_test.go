package ui

import "testing"

func TestGoldenFlags(t *testing.T) {
	goldenPane(t, step{"3", flagsLoaded}, step{key: "j"})
}
