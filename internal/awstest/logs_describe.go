package awstest

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
)

type describeGroupsRequest struct {
	LogGroupNamePrefix  string   `json:"logGroupNamePrefix"`
	LogGroupNamePattern string   `json:"logGroupNamePattern"`
	LogGroupIdentifiers []string `json:"logGroupIdentifiers"`
	NextToken           string   `json:"nextToken"`
	Limit               *int32   `json:"limit"`
}

type groupJSON struct {
	LogGroupName string `json:"logGroupName"`
	Arn          string `json:"arn"`
	LogGroupArn  string `json:"logGroupArn"`
	CreationTime int64  `json:"creationTime"`
	StoredBytes  int64  `json:"storedBytes"`
}

func (s *Server) describeLogGroups(w http.ResponseWriter, body []byte) {
	var req describeGroupsRequest
	if !decodeRequest(w, body, &req) {
		return
	}
	limit, ok := pageLimit(w, req.Limit, 50)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for name, g := range s.logs.groups {
		ok := strings.HasPrefix(name, req.LogGroupNamePrefix) && strings.Contains(name, req.LogGroupNamePattern)
		if len(req.LogGroupIdentifiers) > 0 {
			ok = false
			for _, id := range req.LogGroupIdentifiers {
				ok = ok || s.logs.lookup(id) == g
			}
		}
		if ok && name > req.NextToken {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	out := struct {
		LogGroups []groupJSON `json:"logGroups"`
		NextToken string      `json:"nextToken,omitempty"`
	}{LogGroups: []groupJSON{}}
	for i, name := range names {
		if i == limit {
			out.NextToken = names[i-1]
			break
		}
		g := s.logs.groups[name]
		out.LogGroups = append(out.LogGroups, groupJSON{LogGroupName: name, Arn: g.arn() + ":*", LogGroupArn: g.arn(), CreationTime: g.created})
	}
	writeJSON(w, out)
}

type describeStreamsRequest struct {
	LogGroupName        string `json:"logGroupName"`
	LogGroupIdentifier  string `json:"logGroupIdentifier"`
	LogStreamNamePrefix string `json:"logStreamNamePrefix"`
	OrderBy             string `json:"orderBy"`
	Descending          bool   `json:"descending"`
	NextToken           string `json:"nextToken"`
	Limit               *int32 `json:"limit"`
}

type streamJSON struct {
	LogStreamName       string `json:"logStreamName"`
	CreationTime        int64  `json:"creationTime"`
	FirstEventTimestamp int64  `json:"firstEventTimestamp,omitempty"`
	LastEventTimestamp  int64  `json:"lastEventTimestamp,omitempty"`
	LastIngestionTime   int64  `json:"lastIngestionTime,omitempty"`
	Arn                 string `json:"arn"`
}

func (s *Server) describeLogStreams(w http.ResponseWriter, body []byte) {
	var req describeStreamsRequest
	if !decodeRequest(w, body, &req) {
		return
	}
	if req.OrderBy == "LastEventTime" && req.LogStreamNamePrefix != "" {
		invalid(w, "Cannot order by LastEventTime with a logStreamNamePrefix.")
		return
	}
	limit, ok := pageLimit(w, req.Limit, 50)
	if !ok {
		return
	}
	offset := 0
	if req.NextToken != "" {
		n, err := strconv.Atoi(req.NextToken)
		if err != nil || n < 0 {
			invalid(w, "The specified nextToken is invalid.")
			return
		}
		offset = n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := millis(s.clock.Now())
	g := s.logs.namedGroup(w, req.LogGroupIdentifier, req.LogGroupName)
	if g == nil {
		return
	}
	var list []streamJSON
	for name, st := range g.streams {
		if !strings.HasPrefix(name, req.LogStreamNamePrefix) {
			continue
		}
		sj := streamJSON{LogStreamName: name, CreationTime: st.created, Arn: g.arn() + ":log-stream:" + name}
		for _, e := range st.events {
			if e.visible > now {
				continue
			}
			if sj.FirstEventTimestamp == 0 {
				sj.FirstEventTimestamp = e.ts
			}
			sj.LastEventTimestamp = e.ts
			sj.LastIngestionTime = max(sj.LastIngestionTime, e.visible)
		}
		list = append(list, sj)
	}
	sort.Slice(list, func(i, j int) bool {
		less := list[i].LogStreamName < list[j].LogStreamName
		if req.OrderBy == "LastEventTime" {
			less = list[i].LastEventTimestamp < list[j].LastEventTimestamp
		}
		if req.Descending {
			return !less
		}
		return less
	})
	out := struct {
		LogStreams []streamJSON `json:"logStreams"`
		NextToken  string       `json:"nextToken,omitempty"`
	}{LogStreams: []streamJSON{}}
	if offset < len(list) {
		end := min(len(list), offset+limit)
		out.LogStreams = list[offset:end]
		if end < len(list) {
			out.NextToken = strconv.Itoa(end)
		}
	}
	writeJSON(w, out)
}
