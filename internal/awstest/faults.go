package awstest

import (
	"encoding/json"
	"net/http"
)

// FaultKind is one way a call can go wrong.
type FaultKind int

const (
	// Throttle answers HTTP 400 ThrottlingException ("Rate exceeded").
	Throttle FaultKind = iota
	// Unavailable answers HTTP 503 ServiceUnavailableException.
	Unavailable
	// InternalError answers HTTP 500 InternalFailure.
	InternalError
	// Reset closes the connection without an answer.
	Reset
	// AccessDenied answers AccessDeniedException naming the missing action.
	AccessDenied
	// NotFound answers ResourceNotFoundException for the log group.
	NotFound
	// ExpiredToken answers ExpiredTokenException (expired session credentials).
	ExpiredToken
	// InvalidToken answers UnrecognizedClientException (unknown credentials).
	InvalidToken
	// Hang accepts the request and never answers (until the client gives
	// up or the server closes).
	Hang
	// Malformed answers HTTP 200 with a body that is not JSON.
	Malformed
	// EmptyPage (FilterLogEvents, Athena's GetQueryResults) answers no
	// events or rows and a nextToken that continues where the request was.
	EmptyPage
	// RepeatToken (FilterLogEvents, Athena's GetQueryResults) answers the
	// page with the request's own nextToken, so a client that follows it
	// blindly loops forever.
	RepeatToken
	// Sampled (StartLiveTail stream) drops half of the next non-empty
	// update's events and marks it sampled.
	Sampled
	// SessionTimeout (StartLiveTail stream) ends the session with a
	// SessionTimeoutException after the next update.
	SessionTimeout
	// StreamReset (StartLiveTail stream) drops the connection mid-session.
	StreamReset
	// StreamStall (StartLiveTail stream) stops sending updates and keeps
	// the connection open.
	StreamStall
)

// Fault is an injected failure for the next Times calls of Op ("" for any
// operation). Stream faults (Sampled, SessionTimeout, StreamReset) count
// session updates instead of calls.
type Fault struct {
	Op    string
	Kind  FaultKind
	Times int
}

func (f *Fault) requestLevel() bool { return f.Kind < EmptyPage }

func (f *Fault) stream() bool { return f.Kind >= Sampled }

// Inject queues a fault; faults are used in the order they were injected.
func (s *Server) Inject(op string, kind FaultKind, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &Fault{Op: op, Kind: kind, Times: times})
}

// Pending is how many injected faults have not yet happened.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, f := range s.faults {
		n += f.Times
	}
	return n
}

// Deny makes every call of op fail with AccessDeniedException naming action
// (for example Deny("StartLiveTail", "logs:StartLiveTail")) until Allow.
func (s *Server) Deny(op, action string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.denied[op] = action
}

// Allow undoes Deny.
func (s *Server) Allow(op string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.denied, op)
}

// takeFault returns the next fault for op of the requested family and
// counts it as used. The caller holds s.mu.
func (s *Server) takeFault(op string, stream bool) *Fault {
	for i, f := range s.faults {
		if f.Times <= 0 || f.stream() != stream || f.Op != "" && f.Op != op {
			continue
		}
		if !stream && !f.requestLevel() && op != "FilterLogEvents" && !((f.Kind == RepeatToken || f.Kind == EmptyPage) && op == "GetQueryResults") {
			continue
		}
		f.Times--
		if f.Times == 0 {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		return &Fault{Op: op, Kind: f.Kind, Times: 1}
	}
	return nil
}

func deniedMessage(action string, body []byte) string {
	var req struct {
		LogGroupName        string   `json:"logGroupName"`
		LogGroupIdentifier  string   `json:"logGroupIdentifier"`
		LogGroupIdentifiers []string `json:"logGroupIdentifiers"`
	}
	json.Unmarshal(body, &req)
	resource := "arn:aws:logs:" + Region + ":" + Account + ":log-group:*"
	switch {
	case req.LogGroupName != "":
		resource = "arn:aws:logs:" + Region + ":" + Account + ":log-group:" + req.LogGroupName + ":log-stream:"
	case req.LogGroupIdentifier != "":
		resource = req.LogGroupIdentifier
	case len(req.LogGroupIdentifiers) > 0:
		resource = req.LogGroupIdentifiers[0]
	}
	return "User: arn:aws:iam::" + Account + ":user/flowtail-test is not authorized to perform: " + action +
		" on resource: " + resource + " because no identity-based policy allows the " + action + " action"
}

var actionOf = map[string]string{
	"FilterLogEvents":    "logs:FilterLogEvents",
	"DescribeLogGroups":  "logs:DescribeLogGroups",
	"DescribeLogStreams": "logs:DescribeLogStreams",
	"StartLiveTail":      "logs:StartLiveTail",
}

func (s *Server) applyRequestFault(w http.ResponseWriter, op string, f *Fault, body []byte) {
	switch f.Kind {
	case Throttle:
		writeError(w, http.StatusBadRequest, "ThrottlingException", "Rate exceeded")
	case Unavailable:
		writeError(w, http.StatusServiceUnavailable, "ServiceUnavailableException", "The service is unavailable. Please try again later.")
	case InternalError:
		writeError(w, http.StatusInternalServerError, "InternalFailure", "The request processing has failed because of an unknown error, exception or failure.")
	case Reset:
		hj, ok := w.(http.Hijacker)
		if !ok {
			panic(http.ErrAbortHandler)
		}
		conn, _, err := hj.Hijack()
		if err == nil {
			conn.Close()
		}
	case AccessDenied:
		writeError(w, http.StatusBadRequest, "AccessDeniedException", deniedMessage(actionOf[op], body))
	case NotFound:
		notFound(w)
	case ExpiredToken:
		writeError(w, http.StatusBadRequest, "ExpiredTokenException", "The security token included in the request is expired")
	case InvalidToken:
		writeError(w, http.StatusBadRequest, "UnrecognizedClientException", "The security token included in the request is invalid.")
	case Malformed:
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusOK)
		w.Write([]byte(`{"events":[{"logStreamName":`))
	}
}
