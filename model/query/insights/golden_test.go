package insights

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/flowtail/flowtail/model/query"
)

func corpus(t testing.TB) []string {
	f, err := os.Open("../testdata/translate-corpus.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// TestCorpusGolden keeps the Insights text of every corpus query, with
// what runs locally when the query is split.
func TestCorpusGolden(t *testing.T) {
	var b strings.Builder
	for _, text := range corpus(t) {
		q, err := query.Parse(text)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		tr, err := Translate(q, Options{})
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		b.WriteString("-- " + text + "\n" + tr.Text + "\n")
		if tr.Raw {
			b.WriteString("   (runs locally on the records returned: " + tr.Local + ")\n")
		} else {
			b.WriteString("   columns: " + strings.Join(tr.Columns, " | ") + "\n")
		}
		b.WriteString("\n")
	}
	golden.RequireEqual(t, []byte(b.String()))
}
