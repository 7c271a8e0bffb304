package cloudwatch

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/flowtail/flowtail/source/awscall"
)

// Error is a final error: the tail cannot go on without the user doing
// something, and Message says what.
type Error struct {
	Kind    string // "access", "not-found", "credentials", "request"
	Message string
	Err     error
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Err }

var notAuthorized = regexp.MustCompile(`not authorized to perform: ([a-zA-Z0-9]+:[a-zA-Z0-9]+)`)

// hints is what the user can do about credentials.
type hints struct {
	profile string
	sso     bool
	region  string
}

func (h hints) login() string {
	return awscall.Login(h.profile, h.sso, "get fresh credentials (`aws sso login --profile NAME` then --profile NAME, `aws configure`, or new AWS_* environment variables) and start flowtail again")
}

// classify says whether err is final (an *Error to show the user) or
// transient (nil: back off and try again). action is the IAM action of the
// call, group the log group it was about.
func classify(err error, action, group string, h hints) *Error {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return nil
	}
	msg := err.Error()
	if strings.Contains(msg, "get identity:") || strings.Contains(msg, "failed to retrieve credentials") || strings.Contains(msg, "failed to refresh cached credentials") {
		what := "no usable AWS credentials"
		if strings.Contains(msg, "expired") || strings.Contains(msg, "SSO") || strings.Contains(msg, "sso") {
			what = "the AWS login has expired"
		}
		return &Error{Kind: "credentials", Err: err, Message: fmt.Sprintf("%s: %s", what, h.login())}
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return nil // network errors, resets, timeouts
	}
	switch code := ae.ErrorCode(); code {
	case "ThrottlingException", "Throttling", "TooManyRequestsException", "LimitExceededException",
		"ServiceUnavailableException", "ServiceUnavailable", "InternalFailure", "InternalServerError",
		"SessionStreamingException", "SessionTimeoutException", "RequestTimeout", "RequestTimeoutException":
		return nil
	case "AccessDeniedException", "AccessDenied", "UnauthorizedOperation", "UnauthorizedAccess":
		if m := notAuthorized.FindStringSubmatch(ae.ErrorMessage()); m != nil {
			action = m[1]
		}
		return &Error{Kind: "access", Err: err, Message: fmt.Sprintf(
			"access denied to %s on log group %s: allow %s in the IAM policy of your role or user (see the README's IAM permissions)",
			action, group, action)}
	case "ResourceNotFoundException":
		return &Error{Kind: "not-found", Err: err, Message: fmt.Sprintf(
			"log group %s does not exist in %s: check the name with `aws logs describe-log-groups --log-group-name-prefix %s` and the --region/--profile",
			group, regionText(h.region), group)}
	case "ExpiredTokenException", "ExpiredToken", "RequestExpired", "TokenRefreshRequired":
		return &Error{Kind: "credentials", Err: err, Message: fmt.Sprintf("the AWS credentials have expired (%s): %s", code, h.login())}
	case "UnrecognizedClientException", "InvalidClientTokenId", "InvalidSignatureException", "SignatureDoesNotMatch", "MissingAuthenticationTokenException", "IncompleteSignature":
		return &Error{Kind: "credentials", Err: err, Message: fmt.Sprintf("the AWS credentials were rejected (%s): %s", code, h.login())}
	default:
		var re *awshttp.ResponseError
		if errors.As(err, &re) && re.HTTPStatusCode() >= 500 {
			return nil
		}
		if ae.ErrorFault() == smithy.FaultServer {
			return nil
		}
		return &Error{Kind: "request", Err: err, Message: fmt.Sprintf("%s on log group %s failed: %s: %s", action, group, code, ae.ErrorMessage())}
	}
}

func regionText(r string) string {
	if r == "" {
		return "the configured region"
	}
	return "region " + r
}

// liveUnavailable says whether a final StartLiveTail error means "poll
// instead" (denied, or an endpoint without Live Tail) rather than "stop".
func liveUnavailable(e *Error) bool {
	if e == nil {
		return false
	}
	if e.Kind == "access" {
		return true
	}
	var ae smithy.APIError
	if errors.As(e.Err, &ae) {
		switch ae.ErrorCode() {
		case "UnknownOperationException", "InvalidAction", "NotImplemented", "UnsupportedOperation":
			return true
		}
	}
	var re *awshttp.ResponseError
	return errors.As(e.Err, &re) && (re.HTTPStatusCode() == 404 || re.HTTPStatusCode() == 501)
}

// shortError is an error's text cut for the status bar.
func shortError(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode() + ": " + ae.ErrorMessage()
	}
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i > 0 && len(s) > 120 {
		s = s[i+2:]
	}
	return s
}
