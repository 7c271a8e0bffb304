package s3

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Location is one s3:// argument: a bucket and a key prefix that may stop
// anywhere in the delivery layout, or one object.
type Location struct {
	Bucket string
	Prefix string // "" or ending in "/", unless Object
	Object bool   // Prefix names one object, read whole
}

// String is the argument as the user would write it.
func (l Location) String() string { return "s3://" + l.Bucket + "/" + l.Prefix }

// IsURL reports whether a command-line argument names an S3 location.
func IsURL(arg string) bool { return strings.HasPrefix(arg, "s3://") }

// ParseLocation reads s3://bucket[/prefix]. A prefix that ends in an
// object's name (.log.gz, .log, .parquet) names that object; any other
// prefix is a folder.
func ParseLocation(arg string) (Location, error) {
	rest, ok := strings.CutPrefix(arg, "s3://")
	if !ok {
		return Location{}, fmt.Errorf("%q is not an s3:// location", arg)
	}
	bucket, prefix, _ := strings.Cut(rest, "/")
	if !validBucket(bucket) {
		return Location{}, fmt.Errorf("%q: want s3://BUCKET[/PREFIX] with a bucket name of 3 to 63 lower-case letters, digits, '.' and '-'", arg)
	}
	l := Location{Bucket: bucket, Prefix: prefix}
	switch {
	case prefix == "" || strings.HasSuffix(prefix, "/"):
	case isObjectName(prefix[strings.LastIndexByte(prefix, '/')+1:]):
		l.Object = true
	default:
		l.Prefix += "/"
	}
	return l, nil
}

func validBucket(b string) bool {
	if len(b) < 3 || len(b) > 63 {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// isObjectName reports whether a key's last part is a flow-log file.
func isObjectName(name string) bool {
	return strings.HasSuffix(name, ".log.gz") || strings.HasSuffix(name, ".log") ||
		strings.HasSuffix(name, ".parquet") || strings.HasSuffix(name, ".gz")
}

// level is where a prefix stands in the delivery layout
// [prefix/]AWSLogs/[o-org/]{account}/vpcflowlogs/{region}/{yyyy}/{mm}/{dd}/[{HH}/]
// and its Hive spelling (aws-account-id=, aws-service=, aws-region=,
// year=, month=, day=, hour=).
type level uint8

const (
	levelAbove   level = iota // the bucket root or a prefix of the user's own
	levelAWSLogs              // children: accounts or organisation ids
	levelOrg                  // children: accounts
	levelAccount              // children: services
	levelService              // children: regions
	levelRegion               // children: dates
	levelDate                 // within the dates: listed whole
)

// placeOf walks a prefix's segments through the layout and says where it
// ends, and whether the layout is the Hive one.
func placeOf(prefix string) (level, bool) {
	lv, hive := levelAbove, false
	for _, seg := range strings.Split(strings.TrimSuffix(prefix, "/"), "/") {
		if seg == "" {
			continue
		}
		lv, hive = next(lv, seg, hive)
	}
	return lv, hive
}

// next is the level below lv reached through seg.
func next(lv level, seg string, hive bool) (level, bool) {
	switch lv {
	case levelAbove:
		if seg == "AWSLogs" {
			return levelAWSLogs, false
		}
		return levelAbove, false
	case levelAWSLogs:
		if isOrg(seg) {
			return levelOrg, false
		}
		if isAccount(seg) {
			return levelAccount, strings.HasPrefix(seg, "aws-account-id=")
		}
		return levelAbove, false
	case levelOrg:
		if isAccount(seg) {
			return levelAccount, strings.HasPrefix(seg, "aws-account-id=")
		}
		return levelAbove, false
	case levelAccount:
		return levelService, hive || strings.HasPrefix(seg, "aws-service=")
	case levelService:
		return levelRegion, hive || strings.HasPrefix(seg, "aws-region=")
	}
	return levelDate, hive
}

// isAccount: a 12-digit account id, or its Hive spelling.
func isAccount(seg string) bool {
	seg = strings.TrimPrefix(seg, "aws-account-id=")
	if len(seg) != 12 {
		return false
	}
	for i := 0; i < len(seg); i++ {
		if seg[i] < '0' || seg[i] > '9' {
			return false
		}
	}
	return true
}

// isOrg: an organisation id (o- and 10 to 32 lower-case letters or digits),
// the folder of organisation-wide delivery.
func isOrg(seg string) bool {
	id, ok := strings.CutPrefix(seg, "o-")
	if !ok || len(id) < 10 || len(id) > 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if !(id[i] >= 'a' && id[i] <= 'z' || id[i] >= '0' && id[i] <= '9') {
			return false
		}
	}
	return true
}

// isFlowLogService: the service folder of VPC and Transit Gateway flow
// logs ("vpcflowlogs", "aws-service=vpcflowlogs"); CloudTrail and other
// services delivering under the same account are not read.
func isFlowLogService(seg string) bool {
	return strings.HasSuffix(strings.TrimPrefix(seg, "aws-service="), "flowlogs")
}

// dayPrefixes are the day folders below a region folder that cover
// [from, to] (UTC; the folder date is the delivery date).
func dayPrefixes(region string, hive bool, from, to time.Time) []string {
	var out []string
	from, to = from.UTC(), to.UTC()
	for d := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.UTC); !d.After(to); d = d.AddDate(0, 0, 1) {
		if hive {
			out = append(out, fmt.Sprintf("%syear=%04d/month=%02d/day=%02d/", region, d.Year(), d.Month(), d.Day()))
		} else {
			out = append(out, fmt.Sprintf("%s%04d/%02d/%02d/", region, d.Year(), d.Month(), d.Day()))
		}
	}
	return out
}

// hourOf reads an hour folder's name (HH or hour=HH) below a day folder.
func hourOf(seg string) (int, bool) {
	seg = strings.TrimPrefix(seg, "hour=")
	if len(seg) != 2 {
		return 0, false
	}
	h, err := strconv.Atoi(seg)
	return h, err == nil && h >= 0 && h < 24
}

// dayOf reads the date of a day folder made by dayPrefixes.
func dayOf(prefix string) time.Time {
	segs := strings.Split(strings.TrimSuffix(prefix, "/"), "/")
	if len(segs) < 3 {
		return time.Time{}
	}
	num := func(s string) int {
		if _, v, ok := strings.Cut(s, "="); ok {
			s = v
		}
		n, _ := strconv.Atoi(s)
		return n
	}
	n := len(segs)
	return time.Date(num(segs[n-3]), time.Month(num(segs[n-2])), num(segs[n-1]), 0, 0, 0, 0, time.UTC)
}

// FileWindow is how long a delivered file gathers records: the stamp in
// its name is the start of that window.
const FileWindow = 5 * time.Minute

// stampOf reads the time stamp in a delivered file's name,
// …_vpcflowlogs_<region>_<fl-id>_<YYYYMMDDTHHmmZ>_<hash>.log.gz: records
// in that file end at or after it and before it plus FileWindow.
func stampOf(key string) (time.Time, bool) {
	name := key[strings.LastIndexByte(key, '/')+1:]
	for part := range strings.SplitSeq(name, "_") {
		if len(part) == 14 && part[8] == 'T' && part[13] == 'Z' {
			if t, err := time.Parse("20060102T1504Z", part); err == nil {
				return t, true
			}
		}
	}
	return time.Time{}, false
}
