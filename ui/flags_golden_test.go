package ui

import "testing"

func TestGoldenFlags(t *testing.T) {
	goldenPane(t, step{"3", "paired by"}, step{key: "j"})
}
