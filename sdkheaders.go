package freddy

import (
	"net/http"
	"slices"

	"github.com/aitronos/freddy-go/internal/retry"
)

// HeaderChangedError is the error of an attempt whose middleware changed or
// removed a header the SDK owns (X-Api-Key, Idempotency-Key): the attempt is
// not sent and the call is not retried. A call that ends with it returns a
// *RequestError wrapping it (errors.As finds it). It names the header, never
// its value.
type HeaderChangedError struct {
	// Header is the canonical name: "X-Api-Key" or "Idempotency-Key".
	Header string
}

// Error says which SDK-owned header a middleware changed.
func (e *HeaderChangedError) Error() string {
	return "middleware changed the SDK-owned header " + e.Header + "; the attempt was not sent"
}

// sdkOwnedHeaders are the headers a middleware must leave as the SDK set
// them: the key that authenticates the call, and the key that makes a
// retried Create safe.
var sdkOwnedHeaders = [...]string{"X-Api-Key", "Idempotency-Key"}

// checkSDKHeaders returns the error of an attempt whose header sent differs
// from the SDK's own, sdk, in an SDK-owned header: a value changed, added or
// removed, or the name set again under another spelling (net/http would
// send both). The error is permanent: retrying would send it again.
func checkSDKHeaders(sdk, sent http.Header) error {
	for _, name := range sdkOwnedHeaders {
		if !slices.Equal(sdk[name], sent[name]) {
			return &retry.Permanent{Err: &HeaderChangedError{Header: name}}
		}
	}
	for k := range sent {
		if c := underscoreAsDash(k); c != k && slices.Contains(sdkOwnedHeaders[:], c) {
			return &retry.Permanent{Err: &HeaderChangedError{Header: c}}
		}
	}
	return nil
}
