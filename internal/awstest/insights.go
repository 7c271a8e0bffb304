package awstest

import (
	"fmt"
	"net/http"
	"strconv"
)

// InsightsQuery is a StartQuery request as the fake received it.
type InsightsQuery struct {
	Groups      []string
	Text        string
	Start, End  int64 // unix seconds, as sent
	Limit       int   // 0: none given
	ID          string
	AnswerCalls int // how many queries were answered before this one
}

// InsightsAnswer is what a Logs Insights query returns. The fake does not
// run the query: the test says what its answer is.
type InsightsAnswer struct {
	// Rows are the result rows, each a list of field/value pairs.
	Rows [][]InsightsField
	// RecordsMatched, RecordsScanned and BytesScanned are the statistics.
	RecordsMatched, RecordsScanned, BytesScanned float64
	// Running is how many polls answer Running (with a growing share of
	// the rows) after the first, Scheduled, one; then Complete.
	Running int
	// Status ends the query another way: Failed or Timeout.
	Status string
}

// InsightsField is one cell of an Insights row.
type InsightsField struct{ Field, Value string }

type insightsRun struct {
	q       InsightsQuery
	a       InsightsAnswer
	polls   int
	stopped bool
}

type insightsState struct {
	answer        func(InsightsQuery) InsightsAnswer
	runs          map[string]*insightsRun
	limitExceeded int
	started       []InsightsQuery
}

// AnswerInsights makes every StartQuery answer with what fn returns for
// it. Rows beyond the query's limit (10,000 without one) are cut, as the
// service cuts them.
func (s *Server) AnswerInsights(fn func(InsightsQuery) InsightsAnswer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.insights.answer = fn
}

// InsightsLimitExceeded makes the next n StartQuery calls fail with
// LimitExceededException, as when the account's concurrent queries are
// all running.
func (s *Server) InsightsLimitExceeded(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.insights.limitExceeded = n
}

// InsightsStarted lists the queries started so far.
func (s *Server) InsightsStarted() []InsightsQuery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]InsightsQuery(nil), s.insights.started...)
}

// InsightsStopped reports whether StopQuery reached query id.
func (s *Server) InsightsStopped(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.insights.runs[id]
	return r != nil && r.stopped
}

const insightsMaxLimit = 10000

// serveInsights answers the Logs Insights operations; false for others.
func (s *Server) serveInsights(w http.ResponseWriter, op string, body []byte) bool {
	switch op {
	case "StartQuery":
		s.startQuery(w, body)
	case "GetQueryResults":
		s.getQueryResults(w, body)
	case "StopQuery":
		s.stopQuery(w, body)
	default:
		return false
	}
	return true
}

func (s *Server) startQuery(w http.ResponseWriter, body []byte) {
	var req struct {
		LogGroupName        string   `json:"logGroupName"`
		LogGroupNames       []string `json:"logGroupNames"`
		LogGroupIdentifiers []string `json:"logGroupIdentifiers"`
		QueryString         string   `json:"queryString"`
		StartTime           *int64   `json:"startTime"`
		EndTime             *int64   `json:"endTime"`
		Limit               *int32   `json:"limit"`
	}
	if !decodeRequest(w, body, &req) {
		return
	}
	groups := append(append([]string(nil), req.LogGroupNames...), req.LogGroupIdentifiers...)
	if req.LogGroupName != "" {
		groups = append(groups, req.LogGroupName)
	}
	switch {
	case len(groups) == 0:
		invalid(w, "Either logGroupName, logGroupNames or logGroupIdentifiers must be specified")
		return
	case len(groups) > 50:
		invalid(w, "A query can reference at most 50 log groups")
		return
	case req.StartTime == nil || req.EndTime == nil:
		invalid(w, "startTime and endTime are required")
		return
	case *req.EndTime < *req.StartTime:
		invalid(w, "endTime must be greater than or equal to startTime")
		return
	case req.QueryString == "":
		invalid(w, "queryString must not be empty")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.insights
	if st.limitExceeded > 0 {
		st.limitExceeded--
		writeError(w, http.StatusBadRequest, "LimitExceededException", "Account maximum query concurrency limit of [30] reached.")
		return
	}
	if st.answer == nil {
		invalid(w, "the fake has no answer for Logs Insights queries (AnswerInsights)")
		return
	}
	if st.runs == nil {
		st.runs = map[string]*insightsRun{}
	}
	id := fmt.Sprintf("q-%08d", len(st.runs)+1)
	q := InsightsQuery{Groups: groups, Text: req.QueryString, Start: *req.StartTime, End: *req.EndTime, ID: id, AnswerCalls: len(st.runs)}
	if req.Limit != nil {
		q.Limit = int(*req.Limit)
	}
	a := st.answer(q)
	limit := insightsMaxLimit
	if q.Limit > 0 && q.Limit < limit {
		limit = q.Limit
	}
	if len(a.Rows) > limit {
		a.Rows = a.Rows[:limit]
	}
	st.runs[id] = &insightsRun{q: q, a: a}
	st.started = append(st.started, q)
	writeJSON(w, map[string]string{"queryId": id})
}

func (s *Server) getQueryResults(w http.ResponseWriter, body []byte) {
	var req struct {
		QueryID string `json:"queryId"`
	}
	if !decodeRequest(w, body, &req) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.insights.runs[req.QueryID]
	if r == nil {
		writeError(w, http.StatusBadRequest, "ResourceNotFoundException", "Query does not exist: "+req.QueryID)
		return
	}
	r.polls++
	status, shown := "Complete", len(r.a.Rows)
	switch {
	case r.stopped:
		status, shown = "Cancelled", 0
	case r.polls == 1 && r.a.Running > 0:
		status, shown = "Scheduled", 0
	case r.polls <= r.a.Running+1 && r.a.Running > 0:
		// Running: a growing share of the rows, as the service streams
		// partial results.
		status = "Running"
		shown = len(r.a.Rows) * (r.polls - 1) / (r.a.Running + 1)
	case r.a.Status != "":
		status, shown = r.a.Status, 0
	}
	rows := make([][]map[string]string, 0, shown)
	for _, row := range r.a.Rows[:shown] {
		cells := make([]map[string]string, 0, len(row)+1)
		for _, c := range row {
			cells = append(cells, map[string]string{"field": c.Field, "value": c.Value})
		}
		rows = append(rows, cells)
	}
	frac := 1.0
	if status == "Running" || status == "Scheduled" {
		frac = float64(shown) / float64(max(1, len(r.a.Rows)))
	}
	writeJSON(w, map[string]any{
		"status":  status,
		"results": rows,
		"statistics": map[string]float64{
			"recordsMatched": r.a.RecordsMatched * frac,
			"recordsScanned": r.a.RecordsScanned * frac,
			"bytesScanned":   r.a.BytesScanned * frac,
		},
	})
}

func (s *Server) stopQuery(w http.ResponseWriter, body []byte) {
	var req struct {
		QueryID string `json:"queryId"`
	}
	if !decodeRequest(w, body, &req) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.insights.runs[req.QueryID]
	if r == nil {
		writeError(w, http.StatusBadRequest, "ResourceNotFoundException", "Query does not exist: "+req.QueryID)
		return
	}
	done := !r.stopped && r.polls > r.a.Running
	if !done {
		r.stopped = true
	}
	writeJSON(w, map[string]bool{"success": !done})
}

// InsightsRows turns records into Insights rows of @timestamp and
// @message, the shape a raw query returns.
func InsightsRows(ts []int64, msgs []string) [][]InsightsField {
	out := make([][]InsightsField, len(msgs))
	for i, m := range msgs {
		out[i] = []InsightsField{{Field: "@timestamp", Value: strconv.FormatInt(ts[i], 10)}, {Field: "@message", Value: m}}
	}
	return out
}
