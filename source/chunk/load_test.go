package chunk

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/query"
	"github.com/flowtail/flowtail/source/file"
)

// storeLines lists a store's records as @message, oldest first.
func storeLines(t *testing.T, st *model.Store) []string {
	t.Helper()
	q, _ := query.Parse(`fields @message`)
	p, err := query.Compile(q, st.Names(), query.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var res *query.Result
	st.Read(func(v model.View) { res = p.Run(v) })
	out := make([]string, len(res.Rows))
	for i, r := range res.Rows {
		out[i] = r[0].String()
	}
	return out
}

// Load fills the ring with the same records, in the same order, with the
// same malformed lines and headers, as the file source read by one
// ingester does, while parsing on several goroutines.
func TestLoadMatchesSequentialIngest(t *testing.T) {
	for seed := range uint64(3) {
		c := &capture{rng: rand.New(rand.NewPCG(seed, 11)), count: map[int]int{}, sum: map[int]int{}}
		dir := t.TempDir()
		var paths []string
		for i := range 3 {
			p := filepath.Join(dir, fmt.Sprintf("%d.log", i))
			gz := i%2 == 1
			if gz {
				p += ".gz"
			}
			c.write(t, p, 4, gz)
			paths = append(paths, p)
		}
		// A ring smaller than the input, so eviction order is compared too.
		size := 0
		for _, n := range c.count {
			size += n
		}
		want := model.NewStore(size * 2 / 3)
		in := model.NewIngester(want, nil)
		if err := file.New(paths, file.Options{}).Run(context.Background(), in.Ingest); err != nil {
			t.Fatal(err)
		}
		got := model.NewStore(size * 2 / 3)
		if errs := Load(context.Background(), New(paths, Options{Bytes: 3000, Parallel: 2}), got, nil, 3); len(errs) > 0 {
			t.Fatal(errs)
		}
		g, w := storeLines(t, got), storeLines(t, want)
		if len(g) != len(w) || len(g) == 0 {
			t.Fatalf("seed %d: %d records, want %d", seed, len(g), len(w))
		}
		for i := range g {
			if g[i] != w[i] {
				t.Fatalf("seed %d: record %d is\n%s\nwant\n%s", seed, i, g[i], w[i])
			}
		}
		if gc, wc := got.Counters(), want.Counters(); gc != wc {
			t.Errorf("seed %d: counters %+v, want %+v", seed, gc, wc)
		}
		gb, wb := got.MalformedLines(), want.MalformedLines()
		if fmt.Sprint(gb) != fmt.Sprint(wb) {
			t.Errorf("seed %d: malformed lines\n%v\nwant\n%v", seed, gb, wb)
		}
	}
}
