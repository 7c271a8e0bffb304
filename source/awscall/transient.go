package awscall

import (
	"errors"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// Transient says whether err is worth the caller retrying after the SDK's
// own retries gave up: throttling and server faults (HTTP 5xx), which
// pass, unlike a refusal.
func Transient(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded",
			"SlowDown", "ServiceUnavailableException", "ServiceUnavailable", "InternalFailure",
			"InternalServerError", "InternalServerException", "InternalError":
			return true
		}
	}
	var re *awshttp.ResponseError
	return errors.As(err, &re) && (re.HTTPStatusCode() >= 500 || re.HTTPStatusCode() == 429)
}
