package awstest

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/flowtail/flowtail/model/rules"
)

// ec2Namespace is the XML namespace of EC2 query responses.
const ec2Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/"

// EC2 is a wire-level fake of the EC2 query API operations the rule
// inspector calls (DescribeNetworkInterfaces, DescribeSecurityGroups,
// DescribeNetworkAcls, DescribeSubnets, DescribeManagedPrefixLists,
// GetManagedPrefixListEntries), serving the contents of a rules.Snapshot.
// Mount it on a Server (s.Mount(ec2)) or serve it on its own.
type EC2 struct {
	mu       sync.Mutex
	snap     *rules.Snapshot
	denied   map[string]bool // IAM action (ec2:DescribeNetworkAcls) -> denied
	throttle map[string]int  // operation -> calls left to throttle
	hang     map[string]int  // operation -> calls left that get no answer
	calls    map[string]int
	pageSize int
	seq      int
}

// NewEC2 returns a fake serving snap.
func NewEC2(snap *rules.Snapshot) *EC2 {
	return &EC2{snap: snap, denied: map[string]bool{}, throttle: map[string]int{}, hang: map[string]int{}, calls: map[string]int{}, pageSize: 1000}
}

// SetSnapshot replaces what the fake serves (rules changed in the account).
func (e *EC2) SetSnapshot(snap *rules.Snapshot) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.snap = snap
}

// SetPageSize makes Describe calls answer at most n items per page.
func (e *EC2) SetPageSize(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.pageSize = n
}

// Deny makes every call of op answer UnauthorizedOperation, naming the IAM
// action ec2:<op> as the service does.
func (e *EC2) Deny(op string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.denied[op] = true
}

// Allow undoes Deny.
func (e *EC2) Allow(op string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.denied, op)
}

// Throttle makes the next n calls of op answer RequestLimitExceeded.
func (e *EC2) Throttle(op string, n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.throttle[op] += n
}

// Hang makes the next n calls of op get no answer until the client gives
// up or the server closes.
func (e *EC2) Hang(op string, n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.hang[op] += n
}

// Calls is how many requests reached op, faults included.
func (e *EC2) Calls(op string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.calls[op]
}

func (e *EC2) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		e.writeError(w, http.StatusBadRequest, "MalformedQueryString", err.Error())
		return
	}
	op := r.PostForm.Get("Action")
	if r.Method != http.MethodPost || op == "" {
		e.writeError(w, http.StatusBadRequest, "MissingAction", "The request must contain the parameter Action")
		return
	}
	if v := r.PostForm.Get("Version"); v != "2016-11-15" {
		e.writeError(w, http.StatusBadRequest, "InvalidParameterValue", "unsupported Version "+v)
		return
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		e.writeError(w, http.StatusUnauthorized, "AuthFailure", "AWS was not able to validate the provided access credentials")
		return
	}
	e.mu.Lock()
	e.calls[op]++
	denied := e.denied[op]
	throttled := e.throttle[op] > 0
	if throttled {
		e.throttle[op]--
	}
	hang := e.hang[op] > 0
	if hang {
		e.hang[op]--
	}
	snap, pageSize := e.snap, e.pageSize
	e.mu.Unlock()
	if hang {
		<-r.Context().Done()
		return
	}
	if throttled {
		e.writeError(w, http.StatusServiceUnavailable, "RequestLimitExceeded", "Request limit exceeded.")
		return
	}
	if denied {
		e.writeError(w, http.StatusForbidden, "UnauthorizedOperation", fmt.Sprintf(
			"You are not authorized to perform this operation. User: arn:aws:sts::%s:assumed-role/readonly/flowtail is not authorized to perform: ec2:%s because no identity-based policy allows the ec2:%s action. Encoded authorization failure message: AbCdEf0123",
			Account, op, op))
		return
	}
	q := r.PostForm
	var body any
	switch op {
	case "DescribeNetworkInterfaces":
		body = e.describeInterfaces(snap, q, pageSize)
	case "DescribeSecurityGroups":
		body = e.describeGroups(snap, q, pageSize)
	case "DescribeNetworkAcls":
		body = e.describeACLs(snap, q, pageSize)
	case "DescribeSubnets":
		body = e.describeSubnets(snap, q, pageSize)
	case "DescribeManagedPrefixLists":
		body = e.describePrefixLists(snap, q, pageSize)
	case "GetManagedPrefixListEntries":
		id := q.Get("PrefixListId")
		pl, ok := snap.PrefixLists[id]
		if !ok || !pl.Entries {
			e.writeError(w, http.StatusBadRequest, "InvalidPrefixListID.NotFound", fmt.Sprintf("The prefix list ID '%s' does not exist", id))
			return
		}
		body = e.prefixListEntries(pl, q, pageSize)
	default:
		e.writeError(w, http.StatusBadRequest, "InvalidAction", "The action "+op+" is not valid for this web service.")
		return
	}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	_, _ = w.Write([]byte(xml.Header))
	enc := xml.NewEncoder(w)
	_ = enc.Encode(body)
}

func (e *EC2) requestID() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seq++
	return fmt.Sprintf("7a62c49f-347e-4fc4-9331-%012d", e.seq)
}

func (e *EC2) writeError(w http.ResponseWriter, status int, code, msg string) {
	type xErr struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	type xResp struct {
		XMLName   xml.Name `xml:"Response"`
		Errors    []xErr   `xml:"Errors>Error"`
		RequestID string   `xml:"RequestID"`
	}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_ = xml.NewEncoder(w).Encode(xResp{Errors: []xErr{{code, msg}}, RequestID: e.requestID()})
}

// filters reads Filter.N.Name / Filter.N.Value.M and the ID.N list
// parameter named listKey into name -> accepted values.
func filters(q url.Values, listKey, listFilter string) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for n := 1; ; n++ {
		name := q.Get(fmt.Sprintf("Filter.%d.Name", n))
		if name == "" {
			break
		}
		vals := map[string]bool{}
		for m := 1; ; m++ {
			v, ok := q[fmt.Sprintf("Filter.%d.Value.%d", n, m)]
			if !ok {
				break
			}
			vals[v[0]] = true
		}
		out[name] = vals
	}
	if listKey != "" {
		vals := map[string]bool{}
		for m := 1; ; m++ {
			v, ok := q[fmt.Sprintf("%s.%d", listKey, m)]
			if !ok {
				break
			}
			vals[v[0]] = true
		}
		if len(vals) > 0 {
			out[listFilter] = vals
		}
	}
	return out
}

// match reports whether any of an object's values for each filter is accepted.
func match(f map[string]map[string]bool, values map[string][]string) bool {
	for name, accepted := range f {
		ok := false
		for _, v := range values[name] {
			if accepted[v] {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// page cuts ids (sorted) to one page after NextToken.
func page(ids []string, q url.Values, pageSize int) ([]string, string) {
	sort.Strings(ids)
	start := 0
	if tok := q.Get("NextToken"); tok != "" {
		start, _ = strconv.Atoi(tok)
	}
	if n, err := strconv.Atoi(q.Get("MaxResults")); err == nil && n > 0 && n < pageSize {
		pageSize = n
	}
	if start > len(ids) {
		start = len(ids)
	}
	end := min(start+pageSize, len(ids))
	next := ""
	if end < len(ids) {
		next = strconv.Itoa(end)
	}
	return ids[start:end], next
}

// matchingPage is the ids of the objects that pass the request's filters,
// cut to one page. Every object answers the filter idFilter (also fed by
// the idList.N parameters) with its own id; values gives its other
// filterable attributes.
func matchingPage[T any](objects map[string]T, q url.Values, pageSize int, idList, idFilter string, values func(T) map[string][]string) ([]string, string) {
	f := filters(q, idList, idFilter)
	var ids []string
	for id, o := range objects {
		v := values(o)
		v[idFilter] = []string{id}
		if match(f, v) {
			ids = append(ids, id)
		}
	}
	return page(ids, q, pageSize)
}
