package config

import (
	"bufio"
	"bytes"
	"strings"
)

// keyLines maps a dotted key ("buffer", "queries.ssh") to the line that sets
// it, so a bad value can be reported where the user wrote it. The TOML
// decoder locates syntax errors and unknown keys itself; this covers values
// that decode but do not make sense.
type keyLines map[string]int

func lineIndex(data []byte) keyLines {
	lines := keyLines{}
	table := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#':
		case line[0] == '[':
			table = strings.Trim(line, "[] \t")
			table = unquoteKey(table)
			if _, ok := lines[table]; !ok {
				lines[table] = n
			}
		default:
			eq := strings.IndexByte(line, '=')
			if eq <= 0 {
				continue
			}
			key := unquoteKey(strings.TrimSpace(line[:eq]))
			if table != "" {
				key = table + "." + key
			}
			if _, ok := lines[key]; !ok {
				lines[key] = n
			}
		}
	}
	return lines
}

func unquoteKey(k string) string {
	parts := strings.Split(k, ".")
	for i, p := range parts {
		parts[i] = strings.Trim(strings.TrimSpace(p), `"'`)
	}
	return strings.Join(parts, ".")
}

// find returns the line of key, or of its table when the key itself was not
// written on a line of its own (an inline table), or 0.
func (l keyLines) find(key string) int {
	for k := key; k != ""; {
		if n, ok := l[k]; ok {
			return n
		}
		i := strings.LastIndexByte(k, '.')
		if i < 0 {
			break
		}
		k = k[:i]
	}
	return 0
}
