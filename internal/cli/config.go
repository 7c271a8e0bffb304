package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/flowtail/flowtail/internal/config"
	"github.com/flowtail/flowtail/ui"
)

// bindConfig registers --config on the root, for every command.
func bindConfig(root *cobra.Command) {
	root.PersistentFlags().String("config", "", "read the config FILE (default: $"+config.EnvPath+", else $XDG_CONFIG_HOME/flowtail/config.toml)")
}

// locateConfig is the config file the command line, the environment or the
// default names; explicit when the user named it.
func locateConfig(fs *pflag.FlagSet) (string, bool, error) {
	flag := ""
	if f := fs.Lookup("config"); f != nil {
		flag = f.Value.String()
	}
	return config.Locate(flag)
}

func loadConfig(fs *pflag.FlagSet) (*config.Config, error) {
	path, explicit, err := locateConfig(fs)
	if err != nil {
		return nil, err
	}
	return config.Load(path, explicit)
}

// applyConfig loads the config file and gives every option the user did not
// set on the command line the file's value: flags beat the file, the file
// beats the built-in defaults. It runs once, when the command line is
// parsed and the positional sources are known.
func (o *options) applyConfig() error {
	if o.fs == nil || o.cfg != nil {
		return nil
	}
	cfg, err := loadConfig(o.fs)
	if err != nil {
		return err
	}
	o.cfg = cfg
	given := func(name string) bool {
		f := o.fs.Lookup(name)
		return f == nil || f.Changed // an unregistered flag is not the command's to fill
	}
	if cfg.Profile != "" && !given("profile") {
		o.profile = cfg.Profile
	}
	if cfg.Region != "" && !given("region") {
		o.region = cfg.Region
	}
	if cfg.Format != nil && !given("format") {
		o.format, o.override = cfg.File.Format, cfg.Format
	}
	if cfg.Rules != "" && !given("rules") {
		o.rules = expandHome(cfg.Rules)
	}
	if cfg.Buffer > 0 && !given("buffer") {
		o.buffer = cfg.Buffer
	}
	if cfg.IPRanges != "" && !given("ip-ranges") {
		o.ipRanges = expandHome(cfg.IPRanges)
	}
	if cfg.Mouse != nil && !given("no-mouse") {
		o.noMouse = !*cfg.Mouse
	}
	// The file's sources are read when the command line names none.
	if len(o.paths) == 0 && len(o.logGroups) == 0 && !o.demo {
		o.logGroups = slices.Clone(cfg.LogGroups)
		o.paths = slices.Clone(cfg.S3)
	}
	return nil
}

// expandHome turns a leading ~/ into the home folder, as a shell would for
// the paths people write in the file.
func expandHome(p string) string {
	if !strings.HasPrefix(p, "~/") {
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return p
	}
	return filepath.Join(home, p[2:])
}

// namedSource is an @name argument: a [sources] entry of the config file.
var namedSource = regexp.MustCompile(`^@[A-Za-z0-9_.-]+$`)

// expandNamedSources replaces each @name argument with the arguments the
// config file's [sources] table gives it, as if they were typed in its
// place. The file is read only when such an argument is present; the words
// after -- are left alone.
func expandNamedSources(args []string) ([]string, error) {
	at := slices.IndexFunc(args, namedSource.MatchString)
	if dash := slices.Index(args, "--"); at < 0 || (dash >= 0 && dash < at) {
		return args, nil
	}
	fs := pflag.NewFlagSet("config", pflag.ContinueOnError)
	fs.ParseErrorsAllowlist.UnknownFlags = true
	fs.Usage = func() {}
	fs.SetOutput(discard{})
	fs.String("config", "", "")
	fs.BoolP("help", "h", false, "")
	_ = fs.Parse(args) // only --config is wanted; the command parses the rest
	cfg, err := loadConfig(fs)
	if err != nil {
		return nil, err
	}
	var out []string
	for i, a := range args {
		if a == "--" {
			return append(out, args[i:]...), nil
		}
		if !namedSource.MatchString(a) {
			out = append(out, a)
			continue
		}
		name := a[1:]
		text, ok := cfg.Sources[name]
		if !ok {
			return nil, unknownSource(cfg, name)
		}
		words, err := config.SplitArgs(text)
		if err != nil {
			return nil, fmt.Errorf("config %s: sources.%s: %v", cfg.Path, name, err)
		}
		out = append(out, words...)
	}
	return out, nil
}

func unknownSource(cfg *config.Config, name string) error {
	var names []string
	for n := range cfg.Sources {
		names = append(names, "@"+n)
	}
	slices.Sort(names)
	if len(names) == 0 {
		return fmt.Errorf("no source named @%s: the config file %s has no [sources] table", name, cfg.Path)
	}
	return fmt.Errorf("no source named @%s in %s (named sources: %s)", name, cfg.Path, strings.Join(names, ", "))
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// newConfigCmd is `flowtail config path|init|check`.
func newConfigCmd(root *cobra.Command) *cobra.Command {
	c := &cobra.Command{
		Use:   "config",
		Short: "show, create or check the config file",
		Long: `The config file holds defaults for flags (profile, region, log groups, S3
locations, format, rules, buffer, time zone, theme, mouse, ip-ranges),
named sources used as @name arguments, saved queries for the command
palette, key remaps and style overrides. Flags given on the command line
beat the file; the file beats the built-in defaults. It is read from
--config FILE, else $` + config.EnvPath + `, else
$XDG_CONFIG_HOME/flowtail/config.toml (or the OS's config folder).`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	c.AddCommand(
		&cobra.Command{
			Use:   "path",
			Short: "print where the config file is read from",
			Args:  cobra.NoArgs,
			RunE: func(c *cobra.Command, _ []string) error {
				path, _, err := locateConfig(c.Flags())
				if err != nil {
					return err
				}
				_, err = fmt.Fprintln(c.OutOrStdout(), path)
				return err
			},
		},
		&cobra.Command{
			Use:   "init",
			Short: "write a commented config file with every key (an existing file is kept)",
			Args:  cobra.NoArgs,
			RunE: func(c *cobra.Command, _ []string) error {
				path, _, err := locateConfig(c.Flags())
				if err != nil {
					return err
				}
				if err := config.Init(path); err != nil {
					fmt.Fprintf(c.ErrOrStderr(), "flowtail config init: %s\n", cleanCell(err.Error()))
					return exitErr(exitRuntime)
				}
				_, err = fmt.Fprintf(c.OutOrStdout(), "wrote %s\n", path)
				return err
			},
		},
		&cobra.Command{
			Use:   "check",
			Short: "read the config file and report its first problem with file, line and key",
			Args:  cobra.NoArgs,
			RunE: func(c *cobra.Command, _ []string) error {
				return checkConfig(root, c)
			},
		},
	)
	return c
}

// checkConfig validates the file and the argument lists of its named
// sources against the flags the terminal UI takes.
func checkConfig(root *cobra.Command, c *cobra.Command) error {
	path, explicit, err := locateConfig(c.Flags())
	if err != nil {
		return err
	}
	fail := func(err error) error {
		fmt.Fprintf(c.ErrOrStderr(), "flowtail config check: %s\n", cleanCell(err.Error()))
		return exitErr(exitRuntime)
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) && !explicit {
		_, err := fmt.Fprintf(c.OutOrStdout(), "%s: no config file; built-in defaults in use (flowtail config init writes one)\n", path)
		return err
	}
	cfg, err := config.Load(path, explicit)
	if err != nil {
		return fail(err)
	}
	if _, _, err := (&options{cfg: cfg}).look(); err != nil {
		return fail(err)
	}
	for _, name := range sortedNames(cfg.Sources) {
		words, _ := config.SplitArgs(cfg.Sources[name]) // Load checked the quoting
		fs := newTUICmd(stdio{}, "").Flags()
		fs.SetOutput(discard{})
		if err := fs.Parse(words); err != nil {
			return fail(cfg.Errorf("sources."+name, "%v", err))
		}
	}
	_, err = fmt.Fprintf(c.OutOrStdout(), "%s: ok (%d named sources, %d saved queries, %d key remaps, %d style overrides)\n",
		path, len(cfg.Sources), len(cfg.Queries), len(cfg.Keys), len(cfg.Styles))
	return err
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// zone is the time zone the TUI shows "local" times in: the file's
// time_zone, else the machine's.
func (o *options) zone() *time.Location {
	if o.cfg != nil && o.cfg.Location != nil {
		return o.cfg.Location
	}
	return nil
}

// look is the terminal UI's theme, style overrides and keymap from the
// config file, each problem named by its key and line.
func (o *options) look() (ui.ThemeChoice, *ui.Keymap, error) {
	cfg := o.cfg
	if cfg == nil {
		return ui.ThemeChoice{}, nil, nil
	}
	choice := ui.ThemeChoice{Name: cfg.Theme}
	for _, name := range sortedNames(cfg.Styles) {
		if _, err := ui.ParseStyleOverrides(map[string]string{name: cfg.Styles[name]}); err != nil {
			return choice, nil, cfg.Errorf("styles."+name, "%s", strings.TrimPrefix(err.Error(), name+": "))
		}
	}
	over, err := ui.ParseStyleOverrides(cfg.Styles)
	if err != nil {
		return choice, nil, err
	}
	choice.Overrides = over
	if len(cfg.Keys) == 0 {
		return choice, nil, nil
	}
	keys, err := ui.RemapKeys(cfg.Keys)
	var re *ui.RemapError
	if errors.As(err, &re) {
		return choice, nil, cfg.Errorf("keys."+re.Action, "%s", re.Msg)
	}
	return choice, keys, err
}

// savedQueries are the file's [queries], by name, for the command palette.
func (o *options) savedQueries() []ui.Triage {
	if o.cfg == nil {
		return nil
	}
	var out []ui.Triage
	for _, name := range sortedNames(o.cfg.Queries) {
		out = append(out, ui.Triage{Name: name, Query: o.cfg.Queries[name]})
	}
	return out
}
