package awstest

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// AthenaQuery is a StartQueryExecution request as the fake received it.
type AthenaQuery struct {
	SQL, Database, Catalog, Workgroup, Output string
	ID                                        string
}

// AthenaAnswer is what an Athena query returns. The fake does not run the
// SQL: the test says what its answer is.
type AthenaAnswer struct {
	Columns []string
	// Rows hold the cells as text; nil is NULL.
	Rows         [][]*string
	BytesScanned int64
	EngineMillis int64
	// Running is how many GetQueryExecution polls answer QUEUED then
	// RUNNING before SUCCEEDED.
	Running int
	// State ends the query another way (FAILED, CANCELLED) with Reason.
	State, Reason string
}

// GlueTable is a table in the fake's data catalog (the Glue Data Catalog,
// which Athena's GetTableMetadata reads).
type GlueTable struct {
	Columns, PartitionKeys [][2]string // name, type
	Location               string
	Parameters             map[string]string
}

type athenaRun struct {
	q       AthenaQuery
	a       AthenaAnswer
	polls   int
	stopped bool
	pages   []string // the NextToken of each GetQueryResults answered, "" first
}

type athenaState struct {
	answer func(AthenaQuery) AthenaAnswer
	runs   map[string]*athenaRun
	order  []string
	tables map[string]GlueTable
	// noOutput are workgroups without a result location.
	noOutput map[string]bool
}

// AthenaWorkgroupWithoutOutput makes workgroup wg have no result location:
// a query that names none fails as the service fails it.
func (s *Server) AthenaWorkgroupWithoutOutput(wg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.athena.noOutput == nil {
		s.athena.noOutput = map[string]bool{}
	}
	s.athena.noOutput[wg] = true
}

// AnswerAthena makes every StartQueryExecution answer with what fn
// returns for it.
func (s *Server) AnswerAthena(fn func(AthenaQuery) AthenaAnswer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.athena.answer = fn
}

// PutGlueTable stores a table for GetTableMetadata.
func (s *Server) PutGlueTable(db, name string, t GlueTable) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.athena.tables == nil {
		s.athena.tables = map[string]GlueTable{}
	}
	s.athena.tables[db+"."+name] = t
}

// AthenaStarted lists the Athena queries started so far.
func (s *Server) AthenaStarted() []AthenaQuery {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []AthenaQuery
	for _, id := range s.athena.order {
		out = append(out, s.athena.runs[id].q)
	}
	return out
}

// AthenaPages lists the result pages query id was answered, by the
// NextToken asked for ("" is the first page). A page the SDK asked for
// again after a dropped connection is listed again.
func (s *Server) AthenaPages(id string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.athena.runs[id]; r != nil {
		return slices.Clone(r.pages)
	}
	return nil
}

// AthenaStopped reports whether StopQueryExecution reached query id.
func (s *Server) AthenaStopped(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.athena.runs[id]
	return r != nil && r.stopped
}

// serveAthena answers Athena JSON 1.1 calls; false for others.
func (s *Server) serveAthena(w http.ResponseWriter, r *http.Request, target string) bool {
	op, athena := strings.CutPrefix(target, "AmazonAthena.")
	if !athena {
		return false
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return true
	}
	s.mu.Lock()
	s.calls[op]++
	f := s.takeFault(op, false)
	action, denied := s.denied[op]
	s.mu.Unlock()
	if f != nil && f.Kind == Hang {
		<-r.Context().Done()
		return true
	}
	if f != nil && f.requestLevel() {
		s.applyRequestFault(w, op, f, body)
		return true
	}
	if denied {
		writeError(w, http.StatusBadRequest, "AccessDeniedException", "User: arn:aws:iam::"+Account+":user/flowtail-test is not authorized to perform: "+action)
		return true
	}
	if !strings.Contains(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=") {
		writeError(w, http.StatusBadRequest, "MissingAuthenticationTokenException", "Request is missing Authentication Token")
		return true
	}
	switch op {
	case "StartQueryExecution":
		s.startQueryExecution(w, body)
	case "GetQueryExecution":
		s.getQueryExecution(w, body)
	case "GetQueryResults":
		s.getAthenaResults(w, body, f)
	case "StopQueryExecution":
		s.stopQueryExecution(w, body)
	case "GetTableMetadata":
		s.getTableMetadata(w, body)
	default:
		writeError(w, http.StatusBadRequest, "UnknownOperationException", "unknown operation "+op)
	}
	return true
}

func athenaInvalid(w http.ResponseWriter, msg string) {
	writeError(w, http.StatusBadRequest, "InvalidRequestException", msg)
}

func (s *Server) startQueryExecution(w http.ResponseWriter, body []byte) {
	var req struct {
		QueryString           string `json:"QueryString"`
		WorkGroup             string `json:"WorkGroup"`
		QueryExecutionContext struct {
			Database, Catalog string
		} `json:"QueryExecutionContext"`
		ResultConfiguration struct {
			OutputLocation string
		} `json:"ResultConfiguration"`
	}
	if !decodeRequest(w, body, &req) {
		return
	}
	if req.QueryString == "" {
		athenaInvalid(w, "QueryString must not be empty")
		return
	}
	s.mu.Lock()
	noOutput := s.athena.noOutput[req.WorkGroup]
	s.mu.Unlock()
	if req.ResultConfiguration.OutputLocation == "" && noOutput {
		// A workgroup without a result location, as the service answers.
		athenaInvalid(w, "No output location provided. An output location is required either through the Workgroup result configuration setting or as an API input.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.athena
	if st.answer == nil {
		athenaInvalid(w, "the fake has no answer for Athena queries (AnswerAthena)")
		return
	}
	if st.runs == nil {
		st.runs = map[string]*athenaRun{}
	}
	id := fmt.Sprintf("a%07d-0000-0000-0000-000000000000", len(st.runs)+1)
	q := AthenaQuery{SQL: req.QueryString, Database: req.QueryExecutionContext.Database, Catalog: req.QueryExecutionContext.Catalog,
		Workgroup: req.WorkGroup, Output: req.ResultConfiguration.OutputLocation, ID: id}
	st.runs[id] = &athenaRun{q: q, a: st.answer(q)}
	st.order = append(st.order, id)
	writeJSON(w, map[string]string{"QueryExecutionId": id})
}

func (s *Server) athenaRun(w http.ResponseWriter, body []byte) *athenaRun {
	var req struct {
		QueryExecutionID string `json:"QueryExecutionId"`
	}
	if !decodeRequest(w, body, &req) {
		return nil
	}
	r := s.athena.runs[req.QueryExecutionID]
	if r == nil {
		athenaInvalid(w, "QueryExecution "+req.QueryExecutionID+" was not found")
	}
	return r
}

func (r *athenaRun) state() string {
	switch {
	case r.stopped:
		return "CANCELLED"
	case r.polls <= r.a.Running/2:
		return "QUEUED"
	case r.polls <= r.a.Running:
		return "RUNNING"
	case r.a.State != "":
		return r.a.State
	}
	return "SUCCEEDED"
}

func (s *Server) getQueryExecution(w http.ResponseWriter, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.athenaRun(w, body)
	if r == nil {
		return
	}
	r.polls++
	state := r.state()
	scanned := r.a.BytesScanned
	if state == "QUEUED" {
		scanned = 0
	} else if state == "RUNNING" {
		scanned = r.a.BytesScanned * int64(r.polls) / int64(r.a.Running+1)
	}
	status := map[string]any{"State": state}
	if r.a.Reason != "" && (state == "FAILED" || state == "CANCELLED") {
		status["StateChangeReason"] = r.a.Reason
	}
	writeJSON(w, map[string]any{"QueryExecution": map[string]any{
		"QueryExecutionId": r.q.ID,
		"Query":            r.q.SQL,
		"Status":           status,
		"WorkGroup":        r.q.Workgroup,
		"Statistics": map[string]int64{
			"DataScannedInBytes":          scanned,
			"EngineExecutionTimeInMillis": r.a.EngineMillis,
			"TotalExecutionTimeInMillis":  r.a.EngineMillis,
		},
		"ResultConfiguration": map[string]string{"OutputLocation": r.q.Output + r.q.ID + ".csv"},
	}})
}

// athenaPage is the most rows GetQueryResults returns, the header included.
const athenaPage = 1000

func (s *Server) getAthenaResults(w http.ResponseWriter, body []byte, f *Fault) {
	var req struct {
		NextToken  string `json:"NextToken"`
		MaxResults *int32 `json:"MaxResults"`
	}
	if !decodeRequest(w, body, &req) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.athenaRun(w, body)
	if r == nil {
		return
	}
	if st := r.state(); st != "SUCCEEDED" {
		athenaInvalid(w, "Query has not yet finished. Current state: "+st)
		return
	}
	size, ok := pageLimit(w, req.MaxResults, athenaPage)
	if !ok {
		return
	}
	// Row 0 is the header: the column names, as Athena returns them.
	all := make([][]*string, 0, len(r.a.Rows)+1)
	header := make([]*string, len(r.a.Columns))
	for i := range r.a.Columns {
		header[i] = &r.a.Columns[i]
	}
	all = append(all, header)
	all = append(all, r.a.Rows...)
	from := 0
	if req.NextToken != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(req.NextToken, "tok-"))
		if err != nil || n < 0 || n > len(all) {
			athenaInvalid(w, "The NextToken is invalid")
			return
		}
		from = n
	}
	to := min(from+size, len(all))
	if f != nil && f.Kind == EmptyPage {
		to = from // no rows, and a token that continues where the request was
	}
	r.pages = append(r.pages, req.NextToken)
	rows := make([]map[string]any, 0, to-from)
	for _, row := range all[from:to] {
		data := make([]map[string]string, len(row))
		for i, c := range row {
			data[i] = map[string]string{}
			if c != nil {
				data[i]["VarCharValue"] = *c
			}
		}
		rows = append(rows, map[string]any{"Data": data})
	}
	cols := make([]map[string]any, len(r.a.Columns))
	for i, c := range r.a.Columns {
		cols[i] = map[string]any{"Name": c, "Label": c, "Type": "varchar", "Nullable": "UNKNOWN"}
	}
	out := map[string]any{"ResultSet": map[string]any{"Rows": rows, "ResultSetMetadata": map[string]any{"ColumnInfo": cols}}, "UpdateCount": 0}
	if to < len(all) {
		out["NextToken"] = "tok-" + strconv.Itoa(to)
		if f != nil && f.Kind == RepeatToken && req.NextToken != "" {
			out["NextToken"] = req.NextToken
		}
	}
	writeJSON(w, out)
}

func (s *Server) stopQueryExecution(w http.ResponseWriter, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.athenaRun(w, body)
	if r == nil {
		return
	}
	if r.polls <= r.a.Running {
		r.stopped = true
	}
	writeJSON(w, map[string]string{})
}

func (s *Server) getTableMetadata(w http.ResponseWriter, body []byte) {
	var req struct {
		CatalogName, DatabaseName, TableName string
	}
	if !decodeRequest(w, body, &req) {
		return
	}
	if req.CatalogName != "AwsDataCatalog" {
		writeError(w, http.StatusBadRequest, "MetadataException", "Catalog "+req.CatalogName+" not found.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.athena.tables[req.DatabaseName+"."+req.TableName]
	if !ok {
		writeError(w, http.StatusBadRequest, "MetadataException", "EntityNotFoundException: Table "+req.TableName+" not found.")
		return
	}
	cols := func(cs [][2]string) []map[string]string {
		out := make([]map[string]string, len(cs))
		for i, c := range cs {
			out[i] = map[string]string{"Name": c[0], "Type": c[1]}
		}
		return out
	}
	params := map[string]string{"location": t.Location}
	for k, v := range t.Parameters {
		params[k] = v
	}
	writeJSON(w, map[string]any{"TableMetadata": map[string]any{
		"Name":          req.TableName,
		"Columns":       cols(t.Columns),
		"PartitionKeys": cols(t.PartitionKeys),
		"Parameters":    params,
		"TableType":     "EXTERNAL_TABLE",
	}})
}
