package s3

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/flowtail/flowtail/source/awscall"
)

// Kind says what went wrong, so callers branch on it rather than on text.
type Kind uint8

const (
	KindTransient   Kind = iota // throttling, 5xx, a dropped connection: back off and retry
	KindAccess                  // AccessDenied: a permission is missing
	KindNotFound                // NoSuchBucket / NoSuchKey
	KindRegion                  // the bucket is in another region than the request
	KindCredentials             // no credentials, expired or rejected
	KindRequest                 // anything else the service refused
)

// Error is an S3 failure with what to do about it in Message.
type Error struct {
	Kind    Kind
	Message string
	Err     error
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Err }

// hints is what the messages need to say what to do.
type hints struct {
	profile string
	sso     bool
	region  string
}

func (h hints) login() string {
	return awscall.Login(h.profile, h.sso, "get fresh credentials (`aws sso login --profile NAME` then --profile NAME, `aws configure`, or new AWS_* environment variables), or pass --no-sign-request for a public bucket")
}

var notAuthorized = regexp.MustCompile(`not authorized to perform: ([a-zA-Z0-9-]+:[a-zA-Z0-9]+)`)

// op is the S3 call that failed, for messages and the IAM action.
type op uint8

const (
	opList op = iota
	opGet
	opHead
)

// classify turns a failed call into an *Error. bucket and key say what it
// was about (key is a prefix for listings).
func classify(err error, o op, bucket, key string, h hints) *Error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) {
		return &Error{Kind: KindRequest, Err: err, Message: err.Error()}
	}
	where := "s3://" + bucket + "/" + safeKey(key)
	msg := err.Error()
	if strings.Contains(msg, "get identity:") || strings.Contains(msg, "failed to retrieve credentials") || strings.Contains(msg, "failed to refresh cached credentials") {
		what := "no usable AWS credentials"
		if strings.Contains(msg, "expired") || strings.Contains(strings.ToLower(msg), "sso") {
			what = "the AWS login has expired"
		}
		return &Error{Kind: KindCredentials, Err: err, Message: fmt.Sprintf("%s for %s: %s", what, where, h.login())}
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		var ne net.Error
		if errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) || strings.Contains(msg, "connection reset") || strings.Contains(msg, "EOF") {
			return &Error{Kind: KindTransient, Err: err, Message: fmt.Sprintf("%s %s: %v", o.verb(), where, err)}
		}
		var re *awshttp.ResponseError
		if errors.As(err, &re) && re.HTTPStatusCode() >= 500 {
			return &Error{Kind: KindTransient, Err: err, Message: fmt.Sprintf("%s %s: HTTP %d", o.verb(), where, re.HTTPStatusCode())}
		}
		return &Error{Kind: KindRequest, Err: err, Message: fmt.Sprintf("%s %s: %v", o.verb(), where, err)}
	}
	status := 0
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	code := ae.ErrorCode()
	switch code {
	case "SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequests",
		"ServiceUnavailable", "InternalError", "RequestTimeout", "RequestTimeTooSkewed":
		return &Error{Kind: KindTransient, Err: err, Message: fmt.Sprintf("%s %s: %s (S3 asks to slow down or is busy)", o.verb(), where, code)}
	case "AccessDenied", "Forbidden", "AllAccessDisabled":
		return &Error{Kind: KindAccess, Err: err, Message: accessMessage(o, ae.ErrorMessage(), bucket, key, h)}
	case "NoSuchBucket":
		return &Error{Kind: KindNotFound, Err: err, Message: fmt.Sprintf("bucket %s does not exist (NoSuchBucket): check the name in s3://%s/ (`aws s3 ls` lists yours)", bucket, bucket)}
	case "NoSuchKey":
		return &Error{Kind: KindNotFound, Err: err, Message: fmt.Sprintf("%s no longer exists (NoSuchKey): it was deleted or moved after it was listed", where)}
	case "PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException":
		return &Error{Kind: KindRegion, Err: err, Message: fmt.Sprintf("bucket %s is not in region %s (%s): pass --region with the bucket's region (`aws s3api get-bucket-location --bucket %s`)", bucket, orDefault(h.region), code, bucket)}
	case "ExpiredToken", "ExpiredTokenException", "TokenRefreshRequired", "RequestExpired":
		return &Error{Kind: KindCredentials, Err: err, Message: fmt.Sprintf("the AWS credentials have expired (%s): %s", code, h.login())}
	case "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "InvalidClientTokenId", "MissingSecurityHeader":
		return &Error{Kind: KindCredentials, Err: err, Message: fmt.Sprintf("the AWS credentials were rejected (%s): %s", code, h.login())}
	case "NotFound":
		if o == opHead {
			return &Error{Kind: KindNotFound, Err: err, Message: fmt.Sprintf("bucket %s does not exist (NoSuchBucket): check the name in s3://%s/ (`aws s3 ls` lists yours)", bucket, bucket)}
		}
	}
	if status == 403 {
		return &Error{Kind: KindAccess, Err: err, Message: accessMessage(o, ae.ErrorMessage(), bucket, key, h)}
	}
	if status == 301 {
		return &Error{Kind: KindRegion, Err: err, Message: fmt.Sprintf("bucket %s is not in region %s: pass --region with the bucket's region", bucket, orDefault(h.region))}
	}
	if status == 503 || status >= 500 || ae.ErrorFault() == smithy.FaultServer {
		return &Error{Kind: KindTransient, Err: err, Message: fmt.Sprintf("%s %s: %s (HTTP %d)", o.verb(), where, code, status)}
	}
	return &Error{Kind: KindRequest, Err: err, Message: fmt.Sprintf("%s %s failed: %s: %s", o.verb(), where, code, ae.ErrorMessage())}
}

// accessMessage names the permission that is missing: s3:ListBucket on
// the bucket to list, s3:GetObject on the keys to read, kms:Decrypt on the
// key of SSE-KMS objects.
func accessMessage(o op, text, bucket, key string, h hints) string {
	key = safeKey(key)
	if m := notAuthorized.FindStringSubmatch(text); m != nil && strings.HasPrefix(m[1], "kms:") {
		return fmt.Sprintf("access denied reading s3://%s/%s: the object is encrypted with SSE-KMS and the credentials lack %s on its KMS key: allow it in the key policy or your IAM policy", bucket, key, m[1])
	}
	if strings.Contains(strings.ToLower(text), "kms") {
		return fmt.Sprintf("access denied reading s3://%s/%s: the object is encrypted with SSE-KMS: allow kms:Decrypt on its KMS key for your role or user", bucket, key)
	}
	who := "your role or user"
	if h.profile != "" {
		who = fmt.Sprintf("the role or user of profile %q", h.profile)
	}
	switch o {
	case opList:
		return fmt.Sprintf("access denied listing s3://%s/%s: allow s3:ListBucket on arn:aws:s3:::%s for %s (an s3:prefix condition must allow %q)", bucket, key, bucket, who, key)
	case opGet:
		dir := key[:strings.LastIndexByte(key, '/')+1]
		return fmt.Sprintf("access denied reading s3://%s/%s: allow s3:GetObject on arn:aws:s3:::%s/%s* for %s (and kms:Decrypt if the objects are SSE-KMS encrypted)", bucket, key, bucket, dir, who)
	}
	return fmt.Sprintf("access denied to bucket %s: allow s3:ListBucket on arn:aws:s3:::%s for %s", bucket, bucket, who)
}

func (o op) verb() string {
	switch o {
	case opList:
		return "list"
	case opGet:
		return "read"
	}
	return "look up bucket of"
}

func orDefault(region string) string {
	if region == "" {
		return "(none configured)"
	}
	return region
}
