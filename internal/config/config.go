// Package config reads flowtail's config file: the user's defaults for
// flags, named sources, saved queries, a theme and key remaps. Flags beat the
// file; the file beats built-in defaults. Nothing in the file is ignored
// silently: an unknown key or a bad value is an error naming the file, the
// line and the key.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/query"
)

// EnvPath names the environment variable that points at another config file.
const EnvPath = "FLOWTAIL_CONFIG"

// Themes are the theme names the file may choose.
var Themes = []string{"auto", "dark", "light", "colorblind", "none"}

// File is the config file as written. Zero values mean "not set".
type File struct {
	Profile   string   `toml:"profile"`
	Region    string   `toml:"region"`
	LogGroups []string `toml:"log_groups"`
	S3        []string `toml:"s3"`
	Format    string   `toml:"format"`
	Rules     string   `toml:"rules"`
	Buffer    int      `toml:"buffer"`
	TimeZone  string   `toml:"time_zone"`
	Theme     string   `toml:"theme"`
	Mouse     *bool    `toml:"mouse"`
	IPRanges  string   `toml:"ip_ranges"`

	// Sources are named argument lists: prod = "-g /aws/vpc/prod --since 2h".
	Sources map[string]string `toml:"sources"`
	// Queries are saved queries by name, in the query language.
	Queries map[string]string `toml:"queries"`
	// Keys remap actions to keys: quit = ["q", "ctrl+c"].
	Keys map[string][]string `toml:"keys"`
	// Styles override a theme's colours by style name: reject = "#ff5f87".
	Styles map[string]string `toml:"styles"`
}

// Config is a loaded, checked config file with its values resolved.
type Config struct {
	File
	Path     string
	Location *time.Location // nil when time_zone is not set
	Format   *model.Format  // nil when format is not set
}

// Error is a problem in the config file, located by line and key.
type Error struct {
	Path string
	Line int
	Key  string
	Msg  string
}

func (e *Error) Error() string {
	loc := e.Path
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.Path, e.Line)
	}
	if e.Key != "" {
		return fmt.Sprintf("config %s: %s: %s", loc, e.Key, e.Msg)
	}
	return fmt.Sprintf("config %s: %s", loc, e.Msg)
}

// DefaultPath is where the config file lives when neither --config nor
// FLOWTAIL_CONFIG names one: $XDG_CONFIG_HOME/flowtail/config.toml, or the
// OS's equivalent (~/.config on Linux, ~/Library/Application Support on macOS,
// %AppData% on Windows).
func DefaultPath() (string, error) {
	if x := os.Getenv("XDG_CONFIG_HOME"); x != "" {
		return filepath.Join(x, "flowtail", "config.toml"), nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("config: no config folder: %w (set %s or XDG_CONFIG_HOME)", err, EnvPath)
	}
	return filepath.Join(dir, "flowtail", "config.toml"), nil
}

// Locate picks the file to read: the --config flag, then FLOWTAIL_CONFIG,
// then the default path. explicit reports whether the user named it, in which
// case a missing file is an error rather than "no config".
func Locate(flag string) (path string, explicit bool, err error) {
	if flag != "" {
		return flag, true, nil
	}
	if p := os.Getenv(EnvPath); p != "" {
		return p, true, nil
	}
	p, err := DefaultPath()
	return p, false, err
}

// Load reads and checks the config file at path. A missing file that was not
// named explicitly is an empty config.
func Load(path string, explicit bool) (*Config, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && !explicit {
		return &Config{Path: path}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes and checks a config document; path only names it in errors.
func Parse(path string, data []byte) (*Config, error) {
	var f File
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, decodeError(path, err)
	}
	c := &Config{File: f, Path: path}
	if err := c.check(lineIndex(data)); err != nil {
		return nil, err
	}
	return c, nil
}

func decodeError(path string, err error) error {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) && len(strict.Errors) > 0 {
		d := strict.Errors[0]
		row, _ := d.Position()
		msg := "unknown key"
		if n := len(strict.Errors); n > 1 {
			msg = fmt.Sprintf("unknown key (and %d more)", n-1)
		}
		return &Error{Path: path, Line: row, Key: strings.Join(d.Key(), "."), Msg: msg}
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		row, _ := de.Position()
		return &Error{Path: path, Line: row, Key: strings.Join(de.Key(), "."), Msg: firstLine(de.Error())}
	}
	return &Error{Path: path, Msg: firstLine(err.Error())}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// check validates each value and resolves those with a typed form.
func (c *Config) check(lines keyLines) error {
	bad := func(key, format string, args ...any) error {
		return &Error{Path: c.Path, Line: lines.find(key), Key: key, Msg: fmt.Sprintf(format, args...)}
	}
	if c.Buffer < 0 {
		return bad("buffer", "must be a positive number of records")
	}
	if c.TimeZone != "" {
		loc, err := loadZone(c.TimeZone)
		if err != nil {
			return bad("time_zone", "%v (use \"local\", \"UTC\" or an IANA name like \"Europe/Paris\")", err)
		}
		c.Location = loc
	}
	if c.Theme != "" && !contains(Themes, c.Theme) {
		return bad("theme", "unknown theme %q (one of %s)", c.Theme, strings.Join(Themes, ", "))
	}
	if c.File.Format != "" {
		f, err := model.ParseFormat(c.File.Format)
		if err != nil {
			return bad("format", "%v", err)
		}
		c.Format = f
	}
	for _, g := range c.LogGroups {
		if strings.TrimSpace(g) == "" {
			return bad("log_groups", "an empty log group name")
		}
	}
	for _, u := range c.S3 {
		if !strings.HasPrefix(u, "s3://") || len(u) == len("s3://") {
			return bad("s3", "%q is not an s3://bucket[/prefix] location", u)
		}
	}
	for _, name := range sortedKeys(c.Sources) {
		if strings.TrimSpace(c.Sources[name]) == "" {
			return bad("sources."+name, "names no arguments")
		}
		if _, err := SplitArgs(c.Sources[name]); err != nil {
			return bad("sources."+name, "%v", err)
		}
	}
	for _, name := range sortedKeys(c.Queries) {
		if _, err := query.Parse(c.Queries[name]); err != nil {
			return bad("queries."+name, "%v", err)
		}
	}
	for _, name := range sortedKeys(c.Keys) {
		if len(c.Keys[name]) == 0 {
			return bad("keys."+name, "names no keys")
		}
	}
	return nil
}

func loadZone(name string) (*time.Location, error) {
	switch strings.ToLower(name) {
	case "local":
		return time.Local, nil
	case "utc":
		return time.UTC, nil
	}
	return time.LoadLocation(name)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// SplitArgs splits a named source's argument text as a shell would for plain
// words, single and double quotes; nothing is expanded.
func SplitArgs(s string) ([]string, error) {
	var args []string
	var cur strings.Builder
	inWord := false
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				args = append(args, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unclosed %c quote", quote)
	}
	if inWord {
		args = append(args, cur.String())
	}
	return args, nil
}
