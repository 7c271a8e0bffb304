package demo

import (
	"embed"
	"fmt"

	"github.com/flowtail/flowtail/model/rules"
	"github.com/flowtail/flowtail/source/rulesdir"
)

// rulesFS holds the demo topology's rules as `aws ec2 describe-*` printed
// them, so the rule inspector works with --demo out of the box.
//
//go:embed rules/*.json
var rulesFS embed.FS

// Rules returns the demo topology's interfaces, security groups, network
// ACLs, subnets and prefix lists.
func Rules() *rules.Snapshot {
	res, err := rulesdir.LoadFS(rulesFS, "rules", "demo rules")
	if err != nil {
		panic(fmt.Sprintf("demo: embedded rules: %v", err))
	}
	if len(res.Warnings) > 0 {
		panic(fmt.Sprintf("demo: embedded rules: %v", res.Warnings[0].Err))
	}
	return res.Snapshot
}
