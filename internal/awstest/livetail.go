package awstest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
)

type liveConfig struct {
	interval     time.Duration // between session updates
	maxPerUpdate int           // beyond this an update is sampled
	sessionLimit time.Duration // then SessionTimeoutException
}

func defaultLiveConfig() liveConfig {
	return liveConfig{interval: time.Second, maxPerUpdate: 500, sessionLimit: 3 * time.Hour}
}

// SetLiveTail changes the session update interval (1s), the events per
// update beyond which it is sampled (500) and the session limit (3h).
// Zero keeps a value.
func (s *Server) SetLiveTail(interval time.Duration, maxPerUpdate int, sessionLimit time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if interval > 0 {
		s.live.interval = interval
	}
	if maxPerUpdate > 0 {
		s.live.maxPerUpdate = maxPerUpdate
	}
	if sessionLimit > 0 {
		s.live.sessionLimit = sessionLimit
	}
}

type liveTailRequest struct {
	LogGroupIdentifiers   []string `json:"logGroupIdentifiers"`
	LogStreamNames        []string `json:"logStreamNames"`
	LogStreamNamePrefixes []string `json:"logStreamNamePrefixes"`
	LogEventFilterPattern string   `json:"logEventFilterPattern"`
}

type liveEvent struct {
	LogStreamName      string `json:"logStreamName"`
	LogGroupIdentifier string `json:"logGroupIdentifier"`
	Message            string `json:"message"`
	Timestamp          int64  `json:"timestamp"`
	IngestionTime      int64  `json:"ingestionTime"`
}

type liveUpdate struct {
	SessionMetadata struct {
		Sampled bool `json:"sampled"`
	} `json:"sessionMetadata"`
	SessionResults []liveEvent `json:"sessionResults"`
}

// startLiveTail answers with an event stream framed by the SDK's own
// encoder: initial-response, sessionStart, then a sessionUpdate per interval
// with every event that became visible since the previous one.
func (s *Server) startLiveTail(w http.ResponseWriter, r *http.Request, body []byte) {
	var req liveTailRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "SerializationException", err.Error())
		return
	}
	n := len(req.LogGroupIdentifiers)
	switch {
	case n == 0 || n > 10:
		invalid(w, "logGroupIdentifiers must hold 1 to 10 log group ARNs")
		return
	case n > 1 && (len(req.LogStreamNames) > 0 || len(req.LogStreamNamePrefixes) > 0):
		invalid(w, "logStreamNames and logStreamNamePrefixes need exactly one log group")
		return
	case len(req.LogStreamNames) > 0 && len(req.LogStreamNamePrefixes) > 0:
		invalid(w, "logStreamNames and logStreamNamePrefixes are mutually exclusive")
		return
	}
	match, err := compilePattern(req.LogEventFilterPattern)
	if err != nil {
		invalid(w, err.Error())
		return
	}
	s.mu.Lock()
	groups := map[*logGroup]string{}
	for _, id := range req.LogGroupIdentifiers {
		if !strings.HasPrefix(id, "arn:") || strings.HasSuffix(id, "*") {
			s.mu.Unlock()
			invalid(w, fmt.Sprintf("log group identifier %q must be an ARN without a trailing *", id))
			return
		}
		g := s.logs.lookup(id)
		if g == nil {
			s.mu.Unlock()
			notFound(w)
			return
		}
		groups[g] = id
	}
	start := s.clock.Now()
	s.logs.promote(millis(start))
	cursor := s.logs.visibleBase + len(s.logs.visible)
	cfg := s.live
	s.sessionSeq++
	sessionID := fmt.Sprintf("fake-session-%d", s.sessionSeq)
	s.mu.Unlock()

	flusher, _ := w.(http.Flusher)
	w.Header().Set("Content-Type", "application/vnd.amazon.eventstream")
	w.Header().Set("X-Amzn-RequestId", sessionID)
	w.WriteHeader(http.StatusOK)
	enc := eventstream.NewEncoder()
	send := func(msgType, typ string, v any) bool {
		payload, _ := json.Marshal(v)
		var m eventstream.Message
		m.Headers.Set(":message-type", eventstream.StringValue(msgType))
		if msgType == "exception" {
			m.Headers.Set(":exception-type", eventstream.StringValue(typ))
		} else {
			m.Headers.Set(":event-type", eventstream.StringValue(typ))
		}
		m.Headers.Set(":content-type", eventstream.StringValue("application/json"))
		m.Payload = payload
		if err := enc.Encode(w, m); err != nil {
			return false
		}
		if flusher != nil {
			flusher.Flush()
		}
		return true
	}
	if !send("event", "initial-response", struct{}{}) {
		return
	}
	if !send("event", "sessionStart", map[string]any{
		"requestId": sessionID, "sessionId": sessionID,
		"logGroupIdentifiers": req.LogGroupIdentifiers, "logStreamNames": req.LogStreamNames,
		"logStreamNamePrefixes": req.LogStreamNamePrefixes, "logEventFilterPattern": req.LogEventFilterPattern,
	}) {
		return
	}

	next := start
	for {
		// Updates keep to their schedule however long sending took.
		next = next.Add(cfg.interval)
		select {
		case <-r.Context().Done():
			return
		case <-s.clock.After(next.Sub(s.clock.Now())):
		}
		s.mu.Lock()
		now := s.clock.Now()
		s.logs.promote(millis(now))
		var up liveUpdate
		up.SessionResults = []liveEvent{}
		for _, e := range s.logs.visible[max(0, cursor-s.logs.visibleBase):] {
			id, ok := groups[e.group]
			if !ok || !liveStreamSelected(e.stream.name, req.LogStreamNames, req.LogStreamNamePrefixes) || !match(e.msg) {
				continue
			}
			up.SessionResults = append(up.SessionResults, liveEvent{
				LogStreamName: e.stream.name, LogGroupIdentifier: id, Message: e.msg, Timestamp: e.ts, IngestionTime: e.visible,
			})
		}
		cursor = s.logs.visibleBase + len(s.logs.visible)
		var f *Fault
		if len(up.SessionResults) > 0 {
			f = s.takeFault("StartLiveTail", true)
		}
		s.mu.Unlock()

		if len(up.SessionResults) > cfg.maxPerUpdate {
			up.SessionResults = sample(up.SessionResults, cfg.maxPerUpdate)
			up.SessionMetadata.Sampled = true
		}
		if f != nil && f.Kind == Sampled {
			up.SessionResults = sample(up.SessionResults, len(up.SessionResults)/2)
			up.SessionMetadata.Sampled = true
		}
		if f != nil && f.Kind == StreamReset {
			panic(http.ErrAbortHandler)
		}
		if f != nil && f.Kind == StreamStall {
			<-r.Context().Done()
			return
		}
		if !send("event", "sessionUpdate", up) {
			return
		}
		if f != nil && f.Kind == SessionTimeout || now.Sub(start) >= cfg.sessionLimit {
			send("exception", "SessionTimeoutException", map[string]string{
				"message": "Session timed out after 3 hours. Start a new session to continue.",
			})
			return
		}
	}
}

func liveStreamSelected(name string, names, prefixes []string) bool {
	if len(names) > 0 {
		return streamSelected(name, names, "")
	}
	if len(prefixes) == 0 {
		return true
	}
	for _, p := range prefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// sample keeps n events spread evenly over the update, as the service does
// when more events match than an update carries.
func sample(evs []liveEvent, n int) []liveEvent {
	if n >= len(evs) {
		return evs
	}
	out := make([]liveEvent, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, evs[i*len(evs)/n])
	}
	return out
}
