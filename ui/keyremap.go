package ui

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unicode"

	"charm.land/bubbles/v2/key"
)

// ActionNames are the names of the keymap's actions as the config file's
// [keys] table writes them: quit, force_quit, next_pane, …
func ActionNames() []string {
	var names []string
	t := reflect.TypeFor[Keymap]()
	for i := range t.NumField() {
		names = append(names, actionName(t.Field(i).Name))
	}
	return names
}

// actionName is a field name in snake case: NextPane → next_pane.
func actionName(field string) string {
	var b strings.Builder
	for i, r := range field {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// binding is the keymap's binding for an action name.
func (k *Keymap) binding(action string) (*key.Binding, bool) {
	v := reflect.ValueOf(k).Elem()
	t := v.Type()
	for i := range t.NumField() {
		if actionName(t.Field(i).Name) == action {
			return v.Field(i).Addr().Interface().(*key.Binding), true
		}
	}
	return nil, false
}

// RemapError is a [keys] entry that cannot be applied.
type RemapError struct {
	Action string // the entry at fault
	Msg    string
}

func (e *RemapError) Error() string { return e.Action + ": " + e.Msg }

// typingActions are the bindings live while text is typed; every other
// binding is live in the panes, the detail and the help screen.
var typingActions = []string{"force_quit", "suspend", "apply", "cancel", "history"}

// RemapKeys returns the default keymap with the actions named in remaps
// bound to the keys given, the help and footer showing them. An unknown
// action, an empty key, or a key that another action live at the same
// time already answers to is an error naming both actions.
func RemapKeys(remaps map[string][]string) (*Keymap, error) {
	k := DefaultKeymap()
	names := ActionNames()
	for _, action := range sortedKeys(remaps) {
		b, ok := k.binding(action)
		if !ok {
			return nil, &RemapError{action, fmt.Sprintf("no such action (actions: %s)", strings.Join(names, ", "))}
		}
		keys := remaps[action]
		for _, s := range keys {
			if strings.TrimSpace(s) == "" || strings.ContainsAny(s, " \t") {
				return nil, &RemapError{action, fmt.Sprintf("%q is not a key (write keys as the help shows them: q, ctrl+p, shift+tab, pgdown, f5)", s)}
			}
		}
		b.SetKeys(keys...)
		b.SetHelp(strings.Join(keys, "/"), b.Help().Desc)
	}
	if err := k.collisions(remaps); err != nil {
		return nil, err
	}
	return &k, nil
}

// collisions finds two actions live at the same time that share a key,
// one of them remapped.
func (k *Keymap) collisions(remaps map[string][]string) error {
	names := ActionNames()
	var typing, other []string
	for _, n := range names {
		if slices.Contains(typingActions, n) {
			typing = append(typing, n)
		}
		if !slices.Contains(typingActions, n) || n == "force_quit" || n == "suspend" {
			other = append(other, n)
		}
	}
	for _, group := range [][]string{other, typing} {
		owner := map[string]string{}
		for _, n := range group {
			b, _ := k.binding(n)
			for _, s := range b.Keys() {
				prev, taken := owner[s]
				if !taken {
					owner[s] = n
					continue
				}
				at, other := n, prev
				if _, ok := remaps[n]; !ok {
					at, other = prev, n
				}
				return &RemapError{at, fmt.Sprintf("%q is also the key of %s; give one of them another key", s, other)}
			}
		}
	}
	return nil
}
