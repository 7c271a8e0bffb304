package ipranges

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const doc = `{"syncToken":"42","createDate":"2026-12-01-00-00-00","prefixes":[
 {"ip_prefix":"52.92.0.0/17","region":"eu-west-1","service":"S3"}],"ipv6_prefixes":[]}`

func server(t *testing.T, body string, status int, hits *atomic.Int32) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(status)
		w.Write([]byte(body))
	}))
	t.Cleanup(s.Close)
	return s
}

func TestDownloadCachesAndReusesTheCopy(t *testing.T) {
	var hits atomic.Int32
	s := server(t, doc, 200, &hits)
	dir := t.TempDir()
	o := Options{CacheDir: dir, URL: s.URL}
	tab, org, err := Load(context.Background(), o)
	if err != nil || !org.Fetched || org.Path != filepath.Join(dir, "ip-ranges.json") {
		t.Fatalf("first load: %+v %v", org, err)
	}
	if got, ok := tab.Lookup(netip.MustParseAddr("52.92.3.4")); !ok || got.Service != "S3" || tab.SyncToken != "42" {
		t.Fatalf("lookup: %+v %v", got, ok)
	}
	_, org, err = Load(context.Background(), o)
	if err != nil || org.Fetched || hits.Load() != 1 {
		t.Fatalf("second load should use the cache: %+v %v hits=%d", org, err, hits.Load())
	}
}

func TestFailedDownloadKeepsTheStaleCopy(t *testing.T) {
	var hits atomic.Int32
	dir := t.TempDir()
	path := filepath.Join(dir, "ip-ranges.json")
	os.WriteFile(path, []byte(doc), 0o644)
	old := time.Now().Add(-72 * time.Hour)
	os.Chtimes(path, old, old)
	s := server(t, `{"prefixes": [ cut`, 200, &hits)
	tab, org, err := Load(context.Background(), Options{CacheDir: dir, URL: s.URL})
	if err == nil || !strings.Contains(err.Error(), "not usable") || tab == nil || !org.Stale {
		t.Fatalf("stale: %v %+v %v", tab, org, err)
	}
	if b, _ := os.ReadFile(path); string(b) != doc {
		t.Fatal("a bad download replaced the cached copy")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
}

func TestNoCacheAndNoNetworkSaysWhatToDo(t *testing.T) {
	var hits atomic.Int32
	s := server(t, "", 503, &hits)
	_, _, err := Load(context.Background(), Options{CacheDir: t.TempDir(), URL: s.URL})
	if err == nil || !strings.Contains(err.Error(), "HTTP 503") {
		t.Fatalf("err = %v", err)
	}
	// A server that never answers is cut off by the deadline.
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer hang.Close()
	start := time.Now()
	_, _, err = Load(context.Background(), Options{CacheDir: t.TempDir(), URL: hang.URL, Timeout: 200 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "--ip-ranges FILE") || time.Since(start) > 5*time.Second {
		t.Fatalf("hung server: %v after %s", err, time.Since(start))
	}
}

func TestNamedFileNeverTouchesTheNetwork(t *testing.T) {
	var hits atomic.Int32
	s := server(t, doc, 200, &hits)
	f := filepath.Join(t.TempDir(), "ranges.json")
	os.WriteFile(f, []byte(doc), 0o644)
	tab, org, err := Load(context.Background(), Options{File: f, URL: s.URL, CacheDir: t.TempDir()})
	if err != nil || tab.Len() != 1 || org.Path != f || hits.Load() != 0 {
		t.Fatalf("%+v %v hits=%d", org, err, hits.Load())
	}
	if _, _, err := Load(context.Background(), Options{File: f + ".missing"}); err == nil {
		t.Fatal("a missing named file is an error")
	}
}
