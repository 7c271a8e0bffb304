package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// statusModel keeps what the status bar shows between ticks: the ingest
// rate, the sources' health and a short-lived message.
type statusModel struct {
	sh     *Shared
	health func() []Health

	lastGen  uint64
	lastSeen uint64
	lastAt   time.Time
	rate     float64 // records per second, smoothed
	checks   []Health

	pieces     map[string]string // rendered separators, by theme
	pieceTheme Theme

	flashMsg   string
	flashErr   bool
	flashUntil time.Time

	// The loading of files: when it began, the bytes read at the last
	// tick and their rate, for the progress line and its "done".
	loadStart time.Time
	loadRead  int64
	byteRate  float64
	loading   bool
}

func newStatus(cfg Config, sh *Shared) statusModel {
	return statusModel{sh: sh, health: cfg.Health}
}

// tick updates the rate and polls the sources' health.
func (s *statusModel) tick() {
	now := s.sh.Now()
	seen := s.sh.Store.Counters().Seen
	if !s.lastAt.IsZero() {
		if dt := now.Sub(s.lastAt).Seconds(); dt > 0 {
			inst := float64(seen-s.lastSeen) / dt
			s.rate = 0.7*s.rate + 0.3*inst
			if s.rate < 0.05 {
				s.rate = 0
			}
		}
	}
	prevAt := s.lastAt
	s.lastSeen, s.lastAt = seen, now
	if s.health != nil {
		s.checks = s.health()
	}
	s.trackLoad(now, prevAt)
}

// loadTotals sums the files' progress over the sources that report it.
func (s *statusModel) loadTotals() (read, size int64, loading bool) {
	for _, h := range s.checks {
		if h.Size > 0 {
			read, size = read+h.Read, size+h.Size
			loading = loading || !h.Loaded
		}
	}
	return read, size, loading
}

// trackLoad follows the loading of files: the byte rate for the time
// left, and a "done" message when the last byte is read.
func (s *statusModel) trackLoad(now, prevAt time.Time) {
	read, size, loading := s.loadTotals()
	switch {
	case loading && !s.loading:
		s.loading, s.loadStart, s.loadRead, s.byteRate = true, now, read, 0
	case loading:
		if dt := now.Sub(prevAt).Seconds(); dt > 0 && !prevAt.IsZero() {
			s.byteRate = 0.7*s.byteRate + 0.3*float64(read-s.loadRead)/dt
		}
		s.loadRead = read
	case s.loading:
		s.loading = false
		c := s.sh.Store.Counters()
		s.flash(fmt.Sprintf("done: read %s, %s records in %s", humanBytes(size), thousands(c.Seen),
			now.Sub(s.loadStart).Round(100*time.Millisecond)), false)
	}
}

// progressText is the footer while files load: bytes read of their size,
// records, rate and the time left ("" when nothing is loading).
func (s *statusModel) progressText() string {
	for _, h := range s.checks {
		if h.Waiting != "" {
			return "waiting for " + Sanitize(h.Waiting) + " to appear (following, like tail -F)"
		}
	}
	read, size, loading := s.loadTotals()
	if !loading {
		return ""
	}
	t := fmt.Sprintf("loading %s of %s (%d%%) · %s records · %s", humanBytes(read), humanBytes(size),
		read*100/max(size, 1), thousands(s.sh.Store.Counters().Seen), humanRate(s.rate))
	if s.byteRate > 0 && read < size {
		left := time.Duration(float64(size-read) / s.byteRate * float64(time.Second))
		t += " · " + left.Round(time.Second).String() + " left"
	}
	return t
}

// humanBytes is a byte count in the units a file manager shows.
func humanBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	f, u := float64(n), 0
	for f >= unit && u < 4 {
		f /= unit
		u++
	}
	return strconv.FormatFloat(f, 'f', 1, 64) + " " + []string{"", "kB", "MB", "GB", "TB"}[u]
}

// signature sums up what the status bar and footer show from the clock
// and the sources, so a tick that changes none of it redraws nothing.
func (s *statusModel) signature() string {
	var b strings.Builder
	b.WriteString(humanRate(s.rate))
	for _, h := range s.checks {
		b.WriteString("|" + healthText(h) + "|" + h.LastError)
	}
	if msg, _ := s.flashText(); msg != "" {
		b.WriteString("|flash:" + msg)
	}
	b.WriteString("|" + s.progressText())
	return b.String()
}

func (s *statusModel) flash(text string, isErr bool) {
	s.flashMsg, s.flashErr = Sanitize(text), isErr
	s.flashUntil = s.sh.Now().Add(4 * time.Second)
}

func (s *statusModel) flashText() (string, bool) {
	if s.flashMsg == "" || s.sh.Now().After(s.flashUntil) {
		return "", false
	}
	return s.flashMsg, s.flashErr
}

// healthError is the first source error, for the footer.
func (s *statusModel) healthError() string {
	for _, h := range s.checks {
		if h.LastError != "" {
			return Sanitize(h.Source + ": " + h.LastError)
		}
	}
	return ""
}

// view draws the status bar: counts on the left, then mode and filter,
// then source health; parts that do not fit are dropped from the right.
func (s *statusModel) view(width int, fp *flowsPane, filtering bool) string {
	st := &s.sh.Styles
	c := s.sh.Store.Counters()
	n := c.Seen - c.Evicted
	type part struct {
		text string
		tail string // kept when text is cut to fit (the filter's count)
		on   bool
		keep bool // cut to fit rather than dropped (the applied filter)
	}
	parts := []part{{text: fmt.Sprintf("%s/%s", thousands(n), humanCount(uint64(s.sh.Store.Capacity())))}}
	if c.Evicted > 0 { // the buffer has wrapped: older records are gone
		parts = append(parts, part{text: "evicted " + thousands(c.Evicted), on: true})
	}
	parts = append(parts, part{text: humanRate(s.rate)})
	if c.Malformed > 0 {
		parts = append(parts, part{text: thousands(c.Malformed) + " malformed (e)", on: true})
	}
	if fp != nil {
		if t := fp.statusText(); t != "" {
			parts = append(parts, part{text: t, on: strings.Contains(t, "PAUSED")})
		}
	}
	if s.sh.FilterText != "" {
		p := part{text: filterLabel(s.sh.FilterText), on: true, keep: true}
		if filtering {
			p.tail = " (scanning…)"
		} else if s.sh.Matches != nil {
			p.tail = " (" + thousands(uint64(len(s.sh.Matches.Seqs))) + ")"
		}
		parts = append(parts, p)
	}
	if s.sh.Local {
		// The zone by name: "local time" alone does not say which.
		name, _ := s.sh.Now().In(s.sh.Loc).Zone()
		parts = append(parts, part{text: "local time " + Sanitize(name)})
	} else {
		parts = append(parts, part{text: "UTC"})
	}
	for _, h := range s.checks {
		parts = append(parts, part{text: healthText(h), on: h.LastError != "" || h.Backoff != ""})
	}

	var b strings.Builder
	used := 0
	sep := " │ "
	for i, p := range parts {
		cut := false
		w := cellWidth(p.text) + cellWidth(p.tail)
		extra := 0
		if i > 0 {
			extra = 3
		}
		if used+extra+w+1 > width {
			// The first part that does not fit is cut when a useful
			// piece of it does (an applied filter must never vanish);
			// the rest are dropped.
			room := width - used - extra - 1 - cellWidth(p.tail)
			if !p.keep || room < 12 {
				break
			}
			p.text = truncRight(p.text, room)
			w, cut = room+cellWidth(p.tail), true
		}
		p.text += p.tail
		if i > 0 {
			b.WriteString(s.styled(sep))
		} else {
			b.WriteString(s.styled(" "))
			used++
		}
		if p.on {
			b.WriteString(st.StatusOn.Render(p.text))
		} else {
			b.WriteString(st.Status.Render(p.text))
		}
		used += extra + w
		if cut {
			break
		}
	}
	if rest := width - used; rest > 0 {
		b.WriteString(st.Status.Render(strings.Repeat(" ", rest)))
	}
	return b.String()
}

// styled renders the bar's fixed pieces once per theme.
func (s *statusModel) styled(piece string) string {
	if s.pieceTheme != s.sh.Styles.Theme || s.pieces == nil {
		s.pieceTheme, s.pieces = s.sh.Styles.Theme, map[string]string{}
	}
	out, ok := s.pieces[piece]
	if !ok {
		out = s.sh.Styles.Status.Render(piece)
		s.pieces[piece] = out
	}
	return out
}

func healthText(h Health) string {
	var parts []string
	name := Sanitize(h.Source)
	if mode := Sanitize(h.Mode); strings.HasPrefix(mode, name) {
		name = mode // "demo (live)" rather than "demo demo (live)"
	} else if mode != "" {
		name += " " + mode
	}
	parts = append(parts, name)
	if h.Lag > 0 {
		parts = append(parts, "lag "+h.Lag.Round(time.Second).String())
	}
	if h.Rate > 0 {
		parts = append(parts, strconv.FormatFloat(h.Rate, 'f', 0, 64)+" ev/s")
	}
	if h.Sampled > 0 {
		parts = append(parts, fmt.Sprintf("sampled %ds", h.Sampled))
	}
	if h.Dups > 0 {
		parts = append(parts, fmt.Sprintf("%s dup", thousands(uint64(h.Dups))))
	}
	if h.Backoff != "" {
		parts = append(parts, "retry "+Sanitize(h.Backoff))
	}
	if h.Final {
		parts = append(parts, "stopped")
	}
	return strings.Join(parts, " ")
}

// filterLabel names the applied filter for the status bar and the panes'
// scope lines: "filter: reject", but a query that begins with its own
// filter command is shown as typed rather than as "filter: filter …".
func filterLabel(text string) string {
	text = Sanitize(text)
	if len(text) > 7 && strings.EqualFold(text[:7], "filter ") {
		return text
	}
	return "filter: " + text
}

// coverage says which records the panes count once the ring has wrapped
// ("the newest 1,000,000 of 2,031,442 records"), and how to keep more;
// "" while every record read is still held.
func coverage(sh *Shared) string {
	c := sh.Store.Counters()
	if c.Evicted == 0 {
		return ""
	}
	return "the newest " + thousands(c.Seen-c.Evicted) + " of " + thousands(c.Seen) + " records (--buffer keeps more)"
}

// scopeLabel is what a pane's counts cover: the filter, and the part of
// the input still in the buffer.
func scopeLabel(sh *Shared) string {
	cov := coverage(sh)
	switch {
	case sh.Filter != nil && cov != "":
		return filterLabel(sh.FilterText) + " · over " + cov
	case sh.Filter != nil:
		return filterLabel(sh.FilterText)
	case cov != "":
		return cov
	}
	return "all records"
}

func thousands(n uint64) string { return string(appendThousands(nil, n)) }

func humanCount(n uint64) string { return string(appendHuman(nil, n)) }

func humanRate(r float64) string {
	if r < 0.05 {
		return "0/s"
	}
	if r < 10 {
		return strconv.FormatFloat(r, 'f', 1, 64) + "/s"
	}
	return humanCount(uint64(r+0.5)) + "/s"
}
