// Package ipranges finds AWS's ip-ranges.json for labelling public
// addresses: a file the user names, else a cached copy, else a fresh
// download into the cache. Labels are a help, never a requirement: every
// failure is returned for the caller to report, and nothing else stops.
package ipranges

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/flowtail/flowtail/model/ipranges"
)

// DefaultURL is where AWS publishes its address ranges.
const DefaultURL = "https://ip-ranges.amazonaws.com/ip-ranges.json"

// maxDocument bounds a download: today's document is about 2 MB.
const maxDocument = 64 << 20

// Options say where the ranges come from.
type Options struct {
	File     string        // --ip-ranges FILE: read this, never the network
	CacheDir string        // default: the XDG cache folder's flowtail/
	URL      string        // default: DefaultURL
	MaxAge   time.Duration // a cached copy younger than this is used as is (default 24h)
	Timeout  time.Duration // the whole download (default 15s)
	Client   *http.Client
}

// Origin says where a table came from, for the status line.
type Origin struct {
	Path    string    // the file read or written
	Fetched bool      // downloaded in this call
	Stale   bool      // an old cached copy, used because the download failed
	ModTime time.Time // when the copy was written
}

// CacheDir is $XDG_CACHE_HOME/flowtail, or the OS's equivalent.
func CacheDir() (string, error) {
	if x := os.Getenv("XDG_CACHE_HOME"); x != "" {
		return filepath.Join(x, "flowtail"), nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "flowtail"), nil
}

// Load returns the table by the rules above. With a stale cache and a failed
// download it returns the stale table and the download error together.
func Load(ctx context.Context, o Options) (*ipranges.Table, Origin, error) {
	if o.File != "" {
		t, err := readFile(o.File)
		if err != nil {
			return nil, Origin{}, err
		}
		st, _ := os.Stat(o.File)
		return t, Origin{Path: o.File, ModTime: modTime(st)}, nil
	}
	dir := o.CacheDir
	if dir == "" {
		d, err := CacheDir()
		if err != nil {
			return nil, Origin{}, fmt.Errorf("ip-ranges: no cache folder (%v); pass --ip-ranges FILE", err)
		}
		dir = d
	}
	path := filepath.Join(dir, "ip-ranges.json")
	maxAge := o.MaxAge
	if maxAge <= 0 {
		maxAge = 24 * time.Hour
	}
	cached, cacheErr := readFile(path)
	st, _ := os.Stat(path)
	if cacheErr == nil && time.Since(modTime(st)) < maxAge {
		return cached, Origin{Path: path, ModTime: modTime(st)}, nil
	}
	t, err := fetch(ctx, o, path)
	if err != nil {
		if cacheErr == nil {
			return cached, Origin{Path: path, Stale: true, ModTime: modTime(st)}, err
		}
		return nil, Origin{}, err
	}
	st, _ = os.Stat(path)
	return t, Origin{Path: path, Fetched: true, ModTime: modTime(st)}, nil
}

func modTime(st os.FileInfo) time.Time {
	if st == nil {
		return time.Time{}
	}
	return st.ModTime()
}

func readFile(path string) (*ipranges.Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("ip-ranges: %w", err)
	}
	defer f.Close()
	t, err := ipranges.Parse(io.LimitReader(f, maxDocument))
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return t, nil
}

// fetch downloads the document, checks that it parses, and only then
// replaces the cached copy (write to a temporary file, rename), so a cut
// download never spoils a good cache.
func fetch(ctx context.Context, o Options, path string) (*ipranges.Table, error) {
	url := o.URL
	if url == "" {
		url = DefaultURL
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	client := o.Client
	if client == nil {
		client = http.DefaultClient
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("ip-ranges: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("ip-ranges: no answer from %s within %s; pass --ip-ranges FILE on machines without internet", url, timeout)
		}
		return nil, fmt.Errorf("ip-ranges: download: %w; pass --ip-ranges FILE on machines without internet", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("ip-ranges: download from %s: HTTP %d", url, resp.StatusCode)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("ip-ranges: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".ip-ranges-*.json")
	if err != nil {
		return nil, fmt.Errorf("ip-ranges: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	n, err := io.Copy(tmp, io.LimitReader(resp.Body, maxDocument+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("ip-ranges: download from %s: %w", url, err)
	}
	if n > maxDocument {
		return nil, fmt.Errorf("ip-ranges: the document from %s is larger than %d MiB", url, maxDocument>>20)
	}
	t, err := readFile(tmp.Name())
	if err != nil {
		return nil, fmt.Errorf("ip-ranges: the download from %s is not usable: %w", url, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return nil, fmt.Errorf("ip-ranges: %w", err)
	}
	return t, nil
}
