package cli

import (
	"testing"

	"github.com/flowtail/flowtail/ui"
)

// TestRulesProviderSaysWhatItHolds: the filter bar reads group ids and
// interface names through the rules the provider holds, without a lookup.
func TestRulesProviderSaysWhatItHolds(t *testing.T) {
	p, err := (&options{rules: demoRulesDir}).rulesProvider(func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	var src ui.RuleSource = p
	lr, ok := src.(ui.LoadedRules)
	if !ok {
		t.Fatal("the rules provider does not say what it holds")
	}
	ifaces, meaning, known := lr.Loaded().ResolveWord("web-1")
	if !known || len(ifaces) != 1 || ifaces[0] != "eni-0aaa1111111111111" {
		t.Errorf("web-1: %v %q %v", ifaces, meaning, known)
	}
	none, err := (&options{}).rulesProvider(func(string) {})
	if err != nil || none.Loaded() != nil {
		t.Errorf("no rules and no lookup yet: %v, %v", none.Loaded(), err)
	}
	demo, _ := (&options{demo: true}).rulesProvider(func(string) {})
	if demo.Loaded() == nil || len(demo.Loaded().Interfaces) != 6 {
		t.Error("the demo's rules are not held")
	}
}
