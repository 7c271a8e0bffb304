package awstest

import (
	"container/heap"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Account and Region are what the fake's ARNs name.
const (
	Account = "123456789012"
	Region  = "us-east-1"
)

// Event is one log event to store in the fake.
type Event struct {
	Stream  string
	Time    time.Time // the event's timestamp
	Visible time.Time // when it becomes visible (its ingestion time); zero means now
	Message string
	ID      string // zero means a generated 56-digit id, like the service's
}

type storedEvent struct {
	group   *logGroup
	stream  *logStream
	id      string
	ts      int64 // ms
	visible int64 // ms
	msg     string
	seq     uint64
}

type logStream struct {
	name    string
	created int64
	events  []*storedEvent // sorted by (ts, seq)
}

type logGroup struct {
	name    string
	created int64
	streams map[string]*logStream
}

func (g *logGroup) arn() string {
	return "arn:aws:logs:" + Region + ":" + Account + ":log-group:" + g.name
}

// logStore holds every group, stream and event. Events wait in pending until
// the clock passes their visibility time, then join visible in the order they
// became visible: that order is what live-tail sessions follow.
type logStore struct {
	groups  map[string]*logGroup
	seq     uint64
	pending pendingHeap
	visible []*storedEvent
	// visibleBase counts events dropped from the front of visible, so
	// live-tail cursors stay absolute positions.
	visibleBase int
}

func newLogStore() *logStore { return &logStore{groups: map[string]*logGroup{}} }

type pendingHeap []*storedEvent

func (h pendingHeap) Len() int { return len(h) }
func (h pendingHeap) Less(i, j int) bool {
	if h[i].visible != h[j].visible {
		return h[i].visible < h[j].visible
	}
	return h[i].seq < h[j].seq
}
func (h pendingHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *pendingHeap) Push(x any)   { *h = append(*h, x.(*storedEvent)) }
func (h *pendingHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// promote moves every event visible at now into the visible log.
func (ls *logStore) promote(now int64) {
	for ls.pending.Len() > 0 && ls.pending[0].visible <= now {
		ls.visible = append(ls.visible, heap.Pop(&ls.pending).(*storedEvent))
	}
}

func (ls *logStore) group(name string, now int64) *logGroup {
	g, ok := ls.groups[name]
	if !ok {
		g = &logGroup{name: name, created: now, streams: map[string]*logStream{}}
		ls.groups[name] = g
	}
	return g
}

// lookup finds a group by name or ARN (with or without the trailing ":*").
func (ls *logStore) lookup(id string) *logGroup {
	if strings.HasPrefix(id, "arn:") {
		_, name, ok := strings.Cut(id, ":log-group:")
		if !ok {
			return nil
		}
		id = strings.TrimSuffix(name, ":*")
	}
	return ls.groups[id]
}

func millis(t time.Time) int64 { return t.UnixMilli() }

// CreateLogGroup creates an empty log group and returns its ARN.
func (s *Server) CreateLogGroup(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logs.group(name, millis(s.clock.Now())).arn()
}

// Put stores events in a group (created if needed) and returns their ids.
// An event is invisible to every API until the clock reaches Visible.
func (s *Server) Put(group string, events ...Event) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := millis(s.clock.Now())
	g := s.logs.group(group, now)
	ids := make([]string, len(events))
	for i, ev := range events {
		st, ok := g.streams[ev.Stream]
		if !ok {
			st = &logStream{name: ev.Stream, created: now}
			g.streams[ev.Stream] = st
		}
		s.logs.seq++
		se := &storedEvent{group: g, stream: st, id: ev.ID, ts: millis(ev.Time), visible: now, msg: ev.Message, seq: s.logs.seq}
		if !ev.Visible.IsZero() {
			se.visible = millis(ev.Visible)
		}
		if se.id == "" {
			se.id = fmt.Sprintf("%056d", se.seq)
		}
		ids[i] = se.id
		at := sort.Search(len(st.events), func(j int) bool { return !before(st.events[j], se) })
		st.events = append(st.events, nil)
		copy(st.events[at+1:], st.events[at:])
		st.events[at] = se
		heap.Push(&s.logs.pending, se)
	}
	return ids
}

// Forget drops every event that became visible before t, as retention
// would, so long benchmarks measure the client's memory, not the fake's.
func (s *Server) Forget(t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cut := millis(t)
	ls := s.logs
	n := 0
	for n < len(ls.visible) && ls.visible[n].visible < cut {
		n++
	}
	ls.visible = append(ls.visible[:0:0], ls.visible[n:]...)
	ls.visibleBase += n
	for _, g := range ls.groups {
		for _, st := range g.streams {
			kept := st.events[:0]
			for _, e := range st.events {
				if e.visible >= cut || e.visible > millis(s.clock.Now()) {
					kept = append(kept, e)
				}
			}
			clear(st.events[len(kept):])
			st.events = kept
		}
	}
}

func before(a, b *storedEvent) bool {
	if a.ts != b.ts {
		return a.ts < b.ts
	}
	return a.seq < b.seq
}

// serveLogs answers one CloudWatch Logs JSON 1.1 call.
func (s *Server) serveLogs(w http.ResponseWriter, r *http.Request, op string) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	s.mu.Lock()
	s.calls[op]++
	f := s.takeFault(op, false)
	action, denied := s.denied[op]
	s.mu.Unlock()
	if f != nil && f.Kind == Hang {
		<-r.Context().Done()
		return
	}
	if f != nil && f.requestLevel() {
		s.applyRequestFault(w, op, f, body)
		return
	}
	if denied {
		writeError(w, http.StatusBadRequest, "AccessDeniedException", deniedMessage(action, body))
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		writeError(w, http.StatusBadRequest, "SerializationException", "unexpected Content-Type "+ct)
		return
	}
	if !strings.Contains(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=") {
		writeError(w, http.StatusBadRequest, "MissingAuthenticationTokenException", "Request is missing Authentication Token")
		return
	}
	switch op {
	case "FilterLogEvents":
		s.filterLogEvents(w, body, f)
	case "DescribeLogGroups":
		s.describeLogGroups(w, body)
	case "DescribeLogStreams":
		s.describeLogStreams(w, body)
	case "StartLiveTail":
		s.startLiveTail(w, r, body)
	default:
		if !s.serveInsights(w, op, body) {
			writeError(w, http.StatusBadRequest, "UnknownOperationException", "unknown operation "+op)
		}
	}
}

// writeError writes a JSON 1.1 error the way the service does: the error
// type in X-Amzn-ErrorType and __type, the text in message.
func writeError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.Header().Set("X-Amzn-RequestId", "00000000-0000-0000-0000-000000000000")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"__type": code, "message": message})
	w.Write(b)
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalFailure", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-RequestId", "00000000-0000-0000-0000-000000000001")
	w.Write(b)
}

// decodeRequest reads a JSON 1.1 request body into req; when it does not
// parse, it answers SerializationException, as the service does, and
// reports false.
func decodeRequest(w http.ResponseWriter, body []byte, req any) bool {
	if err := json.Unmarshal(body, req); err != nil {
		writeError(w, http.StatusBadRequest, "SerializationException", err.Error())
		return false
	}
	return true
}

// pageLimit is a request's limit, most when it gives none; outside 1..most
// it answers InvalidParameterException and reports false.
func pageLimit(w http.ResponseWriter, limit *int32, most int) (int, bool) {
	if limit == nil {
		return most, true
	}
	if *limit < 1 || int(*limit) > most {
		invalid(w, fmt.Sprintf("limit must be between 1 and %d", most))
		return 0, false
	}
	return int(*limit), true
}

// namedGroup is the group a request names by logGroupIdentifier (a name or
// an ARN) or else by logGroupName; without one it answers
// ResourceNotFoundException and returns nil.
func (ls *logStore) namedGroup(w http.ResponseWriter, identifier, name string) *logGroup {
	if identifier == "" {
		identifier = name
	}
	g := ls.lookup(identifier)
	if g == nil {
		notFound(w)
	}
	return g
}

func invalid(w http.ResponseWriter, msg string) {
	writeError(w, http.StatusBadRequest, "InvalidParameterException", msg)
}

func notFound(w http.ResponseWriter) {
	writeError(w, http.StatusBadRequest, "ResourceNotFoundException", "The specified log group does not exist.")
}

type filterRequest struct {
	LogGroupName        string   `json:"logGroupName"`
	LogGroupIdentifier  string   `json:"logGroupIdentifier"`
	LogStreamNames      []string `json:"logStreamNames"`
	LogStreamNamePrefix string   `json:"logStreamNamePrefix"`
	StartTime           *int64   `json:"startTime"`
	EndTime             *int64   `json:"endTime"`
	FilterPattern       string   `json:"filterPattern"`
	NextToken           string   `json:"nextToken"`
	Limit               *int32   `json:"limit"`
}

type filteredEvent struct {
	LogStreamName string `json:"logStreamName"`
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
	EventID       string `json:"eventId"`
}

type filterResponse struct {
	Events    []filteredEvent `json:"events"`
	NextToken string          `json:"nextToken,omitempty"`
}

// token encodes where a page ended: the (timestamp, sequence) of its last
// event. Events that become visible later with an earlier timestamp are not
// in the rest of this pass, as with the real service.
func encodeToken(ts int64, seq uint64) string {
	return base64.StdEncoding.EncodeToString([]byte(rawToken(ts, seq)))
}

func rawToken(ts int64, seq uint64) string {
	return "v1/" + strconv.FormatInt(ts, 10) + "/" + strconv.FormatUint(seq, 10)
}

func decodeToken(tok string) (int64, uint64, bool) {
	b, err := base64.StdEncoding.DecodeString(tok)
	if err != nil {
		return 0, 0, false
	}
	parts := strings.Split(string(b), "/")
	if len(parts) < 3 || len(parts) > 4 || parts[0] != "v1" { // a 4th part numbers empty pages
		return 0, 0, false
	}
	ts, err1 := strconv.ParseInt(parts[1], 10, 64)
	seq, err2 := strconv.ParseUint(parts[2], 10, 64)
	return ts, seq, err1 == nil && err2 == nil
}

// SetPageSize caps how many events one FilterLogEvents page returns (the
// service's own cap is 10,000), to exercise pagination.
func (s *Server) SetPageSize(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pageSize = n
}

// SetSearchLag makes FilterLogEvents find an event only lag after it became
// visible to Live Tail, as search catches up with ingestion.
func (s *Server) SetSearchLag(lag time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.searchLag = lag.Milliseconds()
}

func (s *Server) filterLogEvents(w http.ResponseWriter, body []byte, f *Fault) {
	var req filterRequest
	if !decodeRequest(w, body, &req) {
		return
	}
	if req.LogGroupName != "" && req.LogGroupIdentifier != "" {
		invalid(w, "LogGroupName and LogGroupIdentifier are mutually exclusive")
		return
	}
	if len(req.LogStreamNames) > 0 && req.LogStreamNamePrefix != "" {
		invalid(w, "LogStreamNames and LogStreamNamePrefix are mutually exclusive")
		return
	}
	if len(req.LogStreamNames) > 100 {
		invalid(w, "LogStreamNames has more than 100 entries")
		return
	}
	limit, ok := pageLimit(w, req.Limit, 10000)
	if !ok {
		return
	}
	var afterTS int64 = -1 << 62
	var afterSeq uint64
	if req.NextToken != "" {
		if afterTS, afterSeq, ok = decodeToken(req.NextToken); !ok {
			invalid(w, "The specified nextToken is invalid.")
			return
		}
	}
	match, err := compilePattern(req.FilterPattern)
	if err != nil {
		invalid(w, err.Error())
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if f != nil && f.Kind == RepeatToken && req.NextToken == "" {
		// Only a continuation request can get its own token back: keep
		// the fault for the next one.
		s.faults = append([]*Fault{{Op: "FilterLogEvents", Kind: RepeatToken, Times: 1}}, s.faults...)
		f = nil
	}
	if s.pageSize > 0 && s.pageSize < limit {
		limit = s.pageSize
	}
	now := millis(s.clock.Now())
	s.logs.promote(now)
	g := s.logs.namedGroup(w, req.LogGroupIdentifier, req.LogGroupName)
	if g == nil {
		return
	}
	if f != nil && f.Kind == EmptyPage {
		// The same place, under a new token each time, as the service
		// does while it scans.
		s.emptyPages++
		tok := rawToken(afterTS, afterSeq) + "/" + strconv.Itoa(s.emptyPages)
		writeJSON(w, filterResponse{Events: []filteredEvent{}, NextToken: base64.StdEncoding.EncodeToString([]byte(tok))})
		return
	}
	// Merge the selected streams in (timestamp, sequence) order, stopping
	// one event past the page so the cost follows the page, not the group.
	type cursor struct {
		evs []*storedEvent
		i   int
	}
	var cur []*cursor
	for _, st := range g.streams {
		if !streamSelected(st.name, req.LogStreamNames, req.LogStreamNamePrefix) {
			continue
		}
		from := sort.Search(len(st.events), func(i int) bool {
			e := st.events[i]
			return e.ts > afterTS || e.ts == afterTS && e.seq > afterSeq
		})
		cur = append(cur, &cursor{evs: st.events, i: from})
	}
	var found []*storedEvent
	for len(found) <= limit {
		var best *cursor
		for _, c := range cur {
			for c.i < len(c.evs) {
				e := c.evs[c.i]
				if e.visible+s.searchLag > now || req.StartTime != nil && e.ts < *req.StartTime || !match(e.msg) {
					c.i++
					continue
				}
				break
			}
			if c.i < len(c.evs) && (req.EndTime == nil || c.evs[c.i].ts <= *req.EndTime) &&
				(best == nil || before(c.evs[c.i], best.evs[best.i])) {
				best = c
			}
		}
		if best == nil {
			break
		}
		found = append(found, best.evs[best.i])
		best.i++
	}
	resp := filterResponse{Events: make([]filteredEvent, 0, min(len(found), limit))}
	for _, e := range found[:min(len(found), limit)] {
		resp.Events = append(resp.Events, filteredEvent{LogStreamName: e.stream.name, Timestamp: e.ts, Message: e.msg, IngestionTime: e.visible, EventID: e.id})
	}
	if len(found) > limit {
		last := found[limit-1]
		resp.NextToken = encodeToken(last.ts, last.seq)
	}
	if f != nil && f.Kind == RepeatToken && req.NextToken != "" {
		resp.NextToken = req.NextToken
	}
	writeJSON(w, resp)
}

func streamSelected(name string, names []string, prefix string) bool {
	if len(names) > 0 {
		for _, n := range names {
			if n == name {
				return true
			}
		}
		return false
	}
	return strings.HasPrefix(name, prefix)
}

// compilePattern supports the term form of filter patterns: every term must
// appear in the message; "quoted phrases" are one term; a leading - negates.
func compilePattern(p string) (func(string) bool, error) {
	p = strings.TrimSpace(p)
	if p == "" {
		return func(string) bool { return true }, nil
	}
	if strings.HasPrefix(p, "{") || strings.HasPrefix(p, "[") {
		return nil, fmt.Errorf("filter pattern %q: only term patterns are supported by this endpoint", p)
	}
	type term struct {
		text string
		neg  bool
	}
	var terms []term
	for p != "" {
		neg := false
		if p[0] == '-' {
			neg, p = true, p[1:]
		}
		var t string
		if p != "" && p[0] == '"' {
			end := strings.IndexByte(p[1:], '"')
			if end < 0 {
				return nil, fmt.Errorf("filter pattern: unterminated quote")
			}
			t, p = p[1:1+end], p[2+end:]
		} else {
			t, p, _ = strings.Cut(p, " ")
		}
		terms = append(terms, term{t, neg})
		p = strings.TrimSpace(p)
	}
	return func(msg string) bool {
		for _, t := range terms {
			if strings.Contains(msg, t.text) == t.neg {
				return false
			}
		}
		return true
	}, nil
}
