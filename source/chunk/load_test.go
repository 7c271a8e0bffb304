package chunk

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
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

// internWatch notes the most strings the store's interner held while
// records were appended.
type internWatch struct {
	names *model.Interner
	most  int
}

func (w *internWatch) Added(*model.Flow, *model.Ext)   { w.most = max(w.most, w.names.Len()) }
func (w *internWatch) Evicted(*model.Flow, *model.Ext) {}

// A capture whose ids are each seen once is loaded with its strings
// reclaimed as the ring lets go of them, not held to the end of the load;
// what the ring holds is what one reader would have appended.
func TestLoadReclaimsStringsAsItGoes(t *testing.T) {
	defer func(n, at int) { reclaimEvery, reclaimAt = n, at }(reclaimEvery, reclaimAt)
	const every, at = 4, 100
	reclaimEvery, reclaimAt = every, at
	const lines, chunkBytes = 20000, 2000
	var text strings.Builder
	shortest := chunkBytes
	for i := range lines {
		n, _ := fmt.Fprintf(&text, "2 %012d eni-%017x 10.0.0.1 10.0.0.2 %d 443 6 1 40 1418530010 1418530070 ACCEPT OK\n", i, i, 1024+i%60000)
		shortest = min(shortest, n)
	}
	perChunk := chunkBytes/shortest + 1 // the most lines a chunk holds
	p := filepath.Join(t.TempDir(), "distinct.log")
	if err := os.WriteFile(p, []byte(text.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	const ring = 500
	want := model.NewStore(ring)
	if err := file.New([]string{p}, file.Options{}).Run(context.Background(), model.NewIngester(want, nil).Ingest); err != nil {
		t.Fatal(err)
	}
	got := model.NewStore(ring)
	watch := &internWatch{names: got.Names()}
	got.Observe(watch)
	if errs := Load(context.Background(), New([]string{p}, Options{Bytes: chunkBytes}), got, nil, 3); len(errs) > 0 {
		t.Fatal(errs)
	}
	g, w := storeLines(t, got), storeLines(t, want)
	if len(g) != ring || !slices.Equal(g, w) {
		t.Fatalf("the ring differs from one reader's: %d records, first %q, want %q", len(g), g[:min(1, len(g))], w[:min(1, len(w))])
	}
	// The ring's two ids a record, plus those of the chunks in flight
	// between two reclaims, and those waiting: fewer than reclaimAt when
	// the loader last looked, plus what the chunks appended since (it
	// looks every reclaimEvery chunks) evicted.
	if bound := 2*ring + 2*perChunk*(every+loadWindow*3+4) + at + 2*perChunk*every; watch.most > bound {
		t.Errorf("the interner held %d strings during the load, want at most %d (the input has %d)", watch.most, bound, 2*lines)
	}
}
