package rules

import (
	"sort"
	"strconv"
	"strings"
)

// ResolveWord reads a bare filter word through the loaded rules: a
// security group id gives the interfaces that hold the group, an
// interface's Name tag or description (any case) that interface. known is
// false when the word names nothing loaded; for a group id meaning then
// says what was looked at.
func (s *Snapshot) ResolveWord(word string) (ifaces []string, meaning string, known bool) {
	w := strings.TrimSpace(word)
	if w == "" {
		return nil, "", false
	}
	if strings.HasPrefix(strings.ToLower(w), "sg-") {
		id := strings.ToLower(w)
		for _, i := range s.Interfaces {
			for _, g := range i.Groups {
				if g == id {
					ifaces = append(ifaces, i.ID)
					break
				}
			}
		}
		label := id
		if g, ok := s.Groups[id]; ok {
			label = GroupLabel(g)
		}
		if len(ifaces) == 0 {
			return nil, "no loaded interface holds " + label + " (" + plural(len(s.Interfaces), "interface") + " loaded)", false
		}
		sort.Strings(ifaces)
		return ifaces, "interfaces holding " + label + ": " + listSome(ifaces, 3), true
	}
	for _, i := range s.Interfaces {
		if n := i.Name(); n != "" && strings.EqualFold(n, w) || i.Description != "" && strings.EqualFold(i.Description, w) {
			ifaces = append(ifaces, i.ID)
		}
	}
	if len(ifaces) == 0 {
		return nil, "", false
	}
	sort.Strings(ifaces)
	if len(ifaces) == 1 {
		return ifaces, "interface " + ifaces[0] + " (" + w + ")", true
	}
	return ifaces, "interfaces named " + w + ": " + listSome(ifaces, 3), true
}

// listSome joins up to n items and says how many more there are.
func listSome(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + " and " + strconv.Itoa(len(items)-n) + " more"
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
