package awscall

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/smithy-go"
)

// Login is the advice for missing, expired or rejected credentials: the SSO
// login for an SSO profile, fresh credentials for a named one, else
// fallback, which each service words for what it can do without a profile.
func Login(profile string, sso bool, fallback string) string {
	p := profile
	if p == "" {
		p = "default"
	}
	if sso {
		return fmt.Sprintf("run `aws sso login --profile %s` and start flowtail again", p)
	}
	if profile != "" {
		return fmt.Sprintf("refresh the credentials of profile %q (or pick another with --profile) and start flowtail again", p)
	}
	return fallback
}

// CredentialProblem says what is wrong when err is a credentials failure
// (none found, expired, rejected), in words Login's advice can follow; ""
// for any other error.
func CredentialProblem(err error) string {
	if err == nil {
		return ""
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch code := ae.ErrorCode(); code {
		case "ExpiredTokenException", "ExpiredToken", "RequestExpired", "TokenRefreshRequired":
			return fmt.Sprintf("the AWS credentials have expired (%s)", code)
		case "UnrecognizedClientException", "InvalidClientTokenId", "InvalidSignatureException", "SignatureDoesNotMatch", "MissingAuthenticationTokenException", "IncompleteSignature":
			return fmt.Sprintf("the AWS credentials were rejected (%s)", code)
		}
		return ""
	}
	msg := err.Error()
	if strings.Contains(msg, "get identity:") || strings.Contains(msg, "failed to retrieve credentials") || strings.Contains(msg, "failed to refresh cached credentials") {
		if strings.Contains(msg, "expired") || strings.Contains(msg, "SSO") || strings.Contains(msg, "sso") {
			return "the AWS login has expired"
		}
		return "no usable AWS credentials"
	}
	return ""
}

// CredentialError is a call that failed for want of usable credentials.
// Its text gives general advice; a caller that knows the profile words it
// with Login.
type CredentialError struct {
	Problem string // what CredentialProblem says
	Err     error
}

// GeneralLogin is the advice when nothing is known of the profile.
const GeneralLogin = "get fresh credentials (`aws sso login --profile NAME` then --profile NAME, `aws configure`, or new AWS_* environment variables) and start flowtail again"

func (e *CredentialError) Error() string { return e.Problem + ": " + GeneralLogin }

func (e *CredentialError) Unwrap() error { return e.Err }

// AsCredentialError is err as a *CredentialError when it is a credentials
// failure, else err.
func AsCredentialError(err error) error {
	if p := CredentialProblem(err); p != "" {
		return &CredentialError{Problem: p, Err: err}
	}
	return err
}
