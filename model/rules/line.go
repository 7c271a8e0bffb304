package rules

import "strings"

// Line is the verdict on one line, the same wherever a verdict is shown
// (explain's text output, the rules pane): direction, expected and logged
// action, the deciding control, then what each control said, e.g.
//
//	ingress · expected REJECT · logged REJECT (consistent) · decided by SG · NACL acl-1 rule 100 allows · SG sg-a, sg-b deny
//
// Every security group considered is named.
func (v *Verdict) Line() string {
	parts := []string{v.Direction.String()}
	if !v.Decided() {
		parts = append(parts, "could not decide")
	} else {
		parts = append(parts, "expected "+v.Expected.String())
		if c, ok := v.Consistent(); ok {
			if c {
				parts = append(parts, "logged "+v.Logged.String()+" (consistent)")
			} else {
				parts = append(parts, "logged "+v.Logged.String()+" (INCONSISTENT)")
			}
		}
		if v.DecidedBy != "none" {
			parts = append(parts, "decided by "+strings.ToUpper(v.DecidedBy))
		}
	}
	if n := &v.NACL; n.Evaluated && n.ACL != nil {
		switch {
		case n.Skipped != "":
			parts = append(parts, "NACL not crossed")
		case n.Allow:
			parts = append(parts, "NACL "+n.ACL.ID+" rule "+n.Rule()+" allows")
		default:
			parts = append(parts, "NACL "+n.ACL.ID+" rule "+n.Rule()+" denies")
		}
	}
	all := strings.Join(v.SG.Groups, ", ")
	of := ""
	if len(v.SG.Groups) > 1 {
		of = " (of " + all + ")"
	}
	switch sg := &v.SG; {
	case sg.NotApplicable != "":
		parts = append(parts, "no security groups")
	case sg.Response && sg.Group != nil:
		parts = append(parts, "SG "+sg.Group.ID+" allows as reply"+of)
	case sg.Allowed && sg.Group != nil:
		parts = append(parts, "SG "+sg.Group.ID+" allows"+of)
	case sg.Evaluated && len(sg.Groups) == 1:
		parts = append(parts, "SG "+all+" denies")
	case sg.Evaluated:
		parts = append(parts, "SG "+all+" deny")
	}
	return strings.Join(parts, " · ")
}
