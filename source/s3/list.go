package s3

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// object is one delivered file to read.
type object struct {
	bucket string
	key    string
	size   int64
	etag   string    // the version listed, so ranged reads never mix two
	stamp  time.Time // from the name; zero when it has none
	client *s3.Client
}

func (o object) origin() string { return "s3://" + o.bucket + "/" + o.key }

// span is the time a listing covers: the folders and file names that can
// hold records of [from, to]. Zero from: everything.
type span struct {
	from, to time.Time
}

// lister walks one location: down the account, organisation, service and
// region folders with Delimiter=/, then only the day (or hour) folders the
// span covers, then each file whose name stamp falls within the span.
type lister struct {
	src    *Source
	client *s3.Client
	loc    Location
	span   span
	each   func(object) error
}

// maxAboveDepth bounds the search for AWSLogs/ below a prefix of the
// user's own, so a bucket of other things is not walked whole.
const maxAboveDepth = 2

func (l *lister) run(ctx context.Context) error {
	if l.loc.Object {
		return l.each(object{bucket: l.loc.Bucket, key: l.loc.Prefix, size: -1, client: l.client})
	}
	lv, hive := placeOf(l.loc.Prefix)
	return l.walk(ctx, l.loc.Prefix, lv, hive, 0)
}

func (l *lister) walk(ctx context.Context, prefix string, lv level, hive bool, depth int) error {
	switch lv {
	case levelRegion:
		if l.span.from.IsZero() {
			return l.list(ctx, prefix, false, nil)
		}
		lo, hi := l.folderRange()
		for _, day := range dayPrefixes(prefix, hive, lo, hi) {
			if err := l.listDay(ctx, day, lo, hi); err != nil {
				return err
			}
		}
		return nil
	case levelDate:
		return l.list(ctx, prefix, false, nil)
	}
	var children []string
	if err := l.list(ctx, prefix, true, func(p string) { children = append(children, p) }); err != nil {
		return err
	}
	if lv == levelAbove {
		for _, c := range children {
			if c == prefix+"AWSLogs/" {
				return l.walk(ctx, c, levelAWSLogs, false, depth)
			}
		}
		if depth >= maxAboveDepth {
			return nil
		}
	}
	for _, c := range children {
		seg := strings.TrimSuffix(strings.TrimPrefix(c, prefix), "/")
		nlv, nhive := next(lv, seg, hive)
		d := depth
		switch {
		case lv == levelAbove:
			d++
		case lv == levelAWSLogs || lv == levelOrg:
			if nlv == levelAbove {
				continue // not an account or organisation
			}
		case lv == levelAccount && !isFlowLogService(seg):
			continue
		}
		if err := l.walk(ctx, c, nlv, nhive, d); err != nil {
			return err
		}
	}
	return nil
}

// folderRange is the delivery time span of the folders to list: delivery
// follows the records by up to the slack.
func (l *lister) folderRange() (time.Time, time.Time) {
	return l.span.from.Add(-l.src.cfg.Slack), l.span.to.Add(2 * l.src.cfg.Slack)
}

// listDay lists a day folder: its files, or only the hour folders that
// overlap [lo, hi].
func (l *lister) listDay(ctx context.Context, day string, lo, hi time.Time) error {
	date := dayOf(day)
	var hours []string
	err := l.list(ctx, day, true, func(p string) {
		h, ok := hourOf(strings.TrimSuffix(strings.TrimPrefix(p, day), "/"))
		if !ok {
			return
		}
		at := date.Add(time.Duration(h) * time.Hour)
		if at.Add(time.Hour).After(lo) && !at.After(hi) {
			hours = append(hours, p)
		}
	})
	if err != nil {
		return err
	}
	for _, h := range hours {
		if err := l.list(ctx, h, false, nil); err != nil {
			return err
		}
	}
	return nil
}

// wanted reports whether a file's name places it in the span.
func (l *lister) wanted(key string) (time.Time, bool) {
	if !isObjectName(key[strings.LastIndexByte(key, '/')+1:]) {
		return time.Time{}, false
	}
	stamp, ok := stampOf(key)
	if !ok || l.span.from.IsZero() {
		return stamp, true
	}
	slack := l.src.cfg.Slack
	return stamp, !stamp.Add(FileWindow+slack).Before(l.span.from) && !stamp.After(l.span.to.Add(slack))
}

// list runs ListObjectsV2 over a prefix, page by page: with delimiter,
// folders go to onPrefix; files in the span go to each.
func (l *lister) list(ctx context.Context, prefix string, delimiter bool, onPrefix func(string)) error {
	in := &s3.ListObjectsV2Input{Bucket: aws.String(l.loc.Bucket), Prefix: aws.String(prefix)}
	if delimiter {
		in.Delimiter = aws.String("/")
	}
	seen := map[string]bool{}
	for {
		var out *s3.ListObjectsV2Output
		err := l.src.retry(ctx, opList, l.loc.Bucket, prefix, func(ctx context.Context) error {
			var err error
			out, err = l.client.ListObjectsV2(ctx, in)
			return err
		})
		if err != nil {
			return err
		}
		l.src.prog.lists.Add(1)
		if onPrefix != nil {
			for _, p := range out.CommonPrefixes {
				onPrefix(aws.ToString(p.Prefix))
			}
		}
		for _, o := range out.Contents {
			key := aws.ToString(o.Key)
			stamp, ok := l.wanted(key)
			if !ok {
				l.src.prog.pruned.Add(1)
				continue
			}
			if err := l.each(object{bucket: l.loc.Bucket, key: key, size: aws.ToInt64(o.Size), etag: aws.ToString(o.ETag), stamp: stamp, client: l.client}); err != nil {
				return err
			}
		}
		if !aws.ToBool(out.IsTruncated) || out.NextContinuationToken == nil {
			return nil
		}
		// A token asked before lists keys already passed on, again and
		// again: their records would be read twice, or forever.
		next := aws.ToString(out.NextContinuationToken)
		if seen[next] {
			return &Error{Kind: KindRequest, Message: fmt.Sprintf(
				"listing s3://%s/%s: the endpoint gave back a continuation token it was already asked with, so the listing cannot go on without reading objects twice; check AWS_ENDPOINT_URL (an S3-compatible server that does not page correctly)",
				l.loc.Bucket, safeKey(prefix))}
		}
		seen[next] = true
		in.ContinuationToken = out.NextContinuationToken
	}
}
