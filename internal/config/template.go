package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Template is the commented config that `flowtail config init` writes: every
// key, with its built-in default, commented out.
const Template = `# flowtail config. Flags given on the command line beat these values;
# these values beat flowtail's built-in defaults. Uncomment what you need.

# AWS profile and region (default: the standard AWS chain).
# profile = "prod"
# region = "eu-west-1"

# Sources read when none are given on the command line.
# log_groups = ["/aws/vpc/flowlogs"]
# s3 = ["s3://my-bucket/AWSLogs/"]

# Record format when files carry no header and the flow log cannot be asked.
# format = "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}"

# Folder of aws ec2 describe-* JSON for the rule inspector.
# rules = "~/flowtail/rules"

# Ring buffer size in records.
# buffer = 1000000

# Time zone of displayed times and of times typed in queries: local, UTC or an IANA name.
# time_zone = "local"

# Theme: auto, dark, light, colorblind or none (NO_COLOR also gives none).
# theme = "auto"

# Mouse: wheel scrolls, click selects, double-click opens the detail.
# mouse = true

# AWS ip-ranges.json to label public addresses with their service and Region.
# ip_ranges = "~/.cache/flowtail/ip-ranges.json"

# Named sources: flowtail @prod
# [sources]
# prod = "-g /aws/vpc/prod --since 2h"

# Saved queries, shown in the command palette beside the built-in ones.
# [queries]
# "ssh rejects" = 'filter action = "REJECT" and dstport = 22 | stats count(*) as n by srcaddr | sort n desc'

# Key remaps by action name; the help screen (?) and the footer show them.
# Actions: quit, force_quit, suspend, help, next_pane, prev_pane, goto_pane
# (one key per pane, in tab order), filter, time_zone, rules, malformed,
# palette, up, down, page_up, page_down, oldest, newest, follow, pause, open,
# copy, copy_pairs, verdicts, mark, next_mark, prev_mark, export, sort,
# reverse_sort, conversations, reload, apply, cancel, back, history.
# reload is R: reload rules, recount verdicts, run a stats query on AWS. The triage panes
# (interfaces, flags, rules, stats) move with up, down, page_up, page_down,
# newest (first row) and oldest (last row) too.
# [keys]
# quit = ["q", "ctrl+c"]

# Style overrides by name: a colour (#rrggbb or 0-255), bg:COLOUR, and bold,
# italic, underline, reverse or faint. Names: absent, accept, cursor, dim,
# error, header, invalid, label, marked, nodata, pending, reject, section,
# status, status_on, tab, tab_on, title, valid, value, warn.
# [styles]
# reject = "#ff5f87 bold"
`

// Init writes Template to path, creating its folder. An existing file is
// never overwritten.
func Init(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("config: %s already exists; edit it, or remove it first", path)
	}
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if _, err := f.WriteString(Template); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("config: write %s: %w", path, err)
	}
	return f.Close()
}
