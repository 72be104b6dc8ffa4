package awssim

import (
	"fmt"
	"net/http"
)

// apiError is an error answer of a simulated service, independent of the
// protocol that writes it.
type apiError struct {
	status int
	// code is the awsQuery error code, the one the SDK reports as
	// ErrorCode() (e.g. "Throttling", "InvalidParameterValue").
	code string
	// shape is the Smithy shape ID of the error that RPCv2 CBOR sends as
	// __type (e.g. "com.amazonaws.cloudwatch#InvalidParameterValueException").
	shape    string
	message  string
	receiver bool // the fault is the server's, not the caller's
}

// Error implements error.
func (e *apiError) Error() string { return e.code + ": " + e.message }

// fault returns the awsQuery fault: "Sender" or "Receiver".
func (e *apiError) fault() string {
	if e.receiver {
		return "Receiver"
	}
	return "Sender"
}

// cwShape returns the shape ID of a CloudWatch modeled error.
func cwShape(name string) string { return "com.amazonaws.cloudwatch#" + name }

// errThrottling is CloudWatch's answer to a request above the rate quota.
func errThrottling() *apiError {
	return &apiError{
		status:  http.StatusBadRequest,
		code:    "Throttling",
		shape:   "com.amazon.coral.availability#ThrottlingException",
		message: "Rate exceeded",
	}
}

// errInternalFailure is an injected 500.
func errInternalFailure() *apiError {
	return &apiError{
		status:   http.StatusInternalServerError,
		code:     "InternalFailure",
		shape:    "com.amazon.coral.service#InternalFailure",
		message:  "The request processing has failed because of an unknown error, exception or failure.",
		receiver: true,
	}
}

// errServiceUnavailable is an injected 503.
func errServiceUnavailable() *apiError {
	return &apiError{
		status:   http.StatusServiceUnavailable,
		code:     "ServiceUnavailable",
		shape:    "com.amazon.coral.availability#ServiceUnavailableException",
		message:  "The request has failed due to a temporary failure of the server.",
		receiver: true,
	}
}

// errValidation is CloudWatch's ValidationError.
func errValidation(msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "ValidationError", shape: cwShape("ValidationException"), message: msg}
}

// errInvalidParameter is InvalidParameterValue; shape is the CloudWatch
// shape (RDS and STS errors are written as XML, which ignores it).
func errInvalidParameter(msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "InvalidParameterValue", shape: cwShape("InvalidParameterValueException"), message: msg}
}

// errMissingParameter is CloudWatch's MissingParameter.
func errMissingParameter(name string) *apiError {
	return &apiError{
		status:  http.StatusBadRequest,
		code:    "MissingParameter",
		shape:   cwShape("MissingRequiredParameterException"),
		message: fmt.Sprintf("The parameter %s is required.", name),
	}
}

// errInvalidNextToken is CloudWatch's answer to a NextToken it did not
// issue for this request.
func errInvalidNextToken() *apiError {
	return &apiError{status: http.StatusBadRequest, code: "InvalidNextToken", shape: cwShape("InvalidNextToken"), message: "The NextToken is not valid for this request."}
}

// errSerialization answers a body that does not decode.
func errSerialization(err error) *apiError {
	return &apiError{
		status:  http.StatusBadRequest,
		code:    "SerializationException",
		shape:   "com.amazon.coral.service#SerializationException",
		message: err.Error(),
	}
}

// errUnknownOperation answers an operation the simulator does not serve.
func errUnknownOperation(op string) *apiError {
	return &apiError{
		status:  http.StatusBadRequest,
		code:    "InvalidAction",
		shape:   "com.amazon.coral.service#UnknownOperationException",
		message: fmt.Sprintf("The action %s is not valid for this web service.", op),
	}
}
