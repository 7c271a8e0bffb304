package ui

import "testing"

func TestGoldenFlags(t *testing.T) { goldenPane(t, "3", "j") }
