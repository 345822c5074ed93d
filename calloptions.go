package freddy

import (
	"errors"
	"reflect"
	"strings"
	"time"

	"github.com/aitronos/freddy-go/internal/retry"
)

// overrides are the client settings one call may change. The call still
// uses the client's pool, budget and transport.
type overrides struct {
	maxRetries    int
	maxRetriesSet bool
	// timeout and maxRetryWait are zero when not overridden.
	timeout      time.Duration
	maxRetryWait time.Duration
	// apiKey is the X-API-Key value of this call; nil keeps the client's.
	apiKey []string
	// middleware runs after the client's, around each attempt.
	middleware []Middleware
	// pacing is WithRateLimitPacing given to the call, when pacingSet.
	pacing, pacingSet bool
}

// apply runs opts for one call. The first error is kept, as a *ParamError,
// for the call to return before it sends; the options after it still run,
// so that the refusal is scrubbed of a per-call key given after the option
// that failed, as it is of one given before. A Response asked for is reset at
// once, so that a call refused before sending still writes it, as
// WithResponseInto promises.
func (c *requestConfig) apply(opts []RequestOption) {
	if len(opts) == 0 {
		return
	}
	// The options see a copy, written back: c itself is never handed to
	// them, so that a call's requestConfig (and the op holding it) stays
	// off the heap.
	*c = applied(*c, opts)
}

func applied(rc requestConfig, opts []RequestOption) requestConfig {
	c := &rc
	target := config{call: c}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		err := opt(&target)
		switch {
		case c.err != nil:
			// The first error stands.
		case err != nil:
			c.err = asParamError(err)
		case !untouched(&target, c):
			// An option that wrote a client setting would be ignored:
			// refused instead, whether or not it was marked clientOnly.
			c.err = &ParamError{Field: "option", Reason: "configures the Client and cannot be given to one call; pass it to NewClient"}
		}
	}
	if c.responseInto != nil {
		*c.responseInto = Response{}
	}
	return rc
}

// untouched reports whether an option given to one call left every client
// setting alone, so that an option that forgot to say it is client-only is
// refused rather than silently ignored. It runs only for calls with options.
func untouched(target *config, call *requestConfig) bool {
	return reflect.DeepEqual(*target, config{call: call})
}

// asParamError turns an option's error into the *ParamError a call returns:
// nothing was sent, and the option is named.
func asParamError(err error) error {
	var pe *ParamError
	if errors.As(err, &pe) {
		return err
	}
	return &ParamError{Field: "option", Reason: strings.TrimPrefix(err.Error(), "freddy: ")}
}

// clientOnly marks an option that configures what a Client holds (its pool,
// its logger, its budget): given to one call it is refused, not ignored.
func clientOnly(name string, set func(*config) error) Option {
	return func(c *config) error {
		if c.call != nil {
			return &ParamError{Field: "option " + name, Reason: "configures the Client and cannot be given to one call; pass it to NewClient"}
		}
		return set(c)
	}
}

// callOnly marks an option about one call: NewClient refuses it.
func callOnly(name string, set func(*requestConfig)) Option {
	return func(c *config) error {
		if c.call == nil {
			return errors.New("freddy: " + name + " configures one call; pass it to the method, not to NewClient")
		}
		set(c.call)
		return nil
	}
}

// setAPIKey checks a per-call key as NewClient checks the client's. The
// error never shows the key.
func (c *requestConfig) setAPIKey(key string) error {
	if !headerSafe(key) {
		return &ParamError{Field: "option WithAPIKey", Reason: "must be a non-empty key of visible ASCII characters (check for a trailing newline or space)"}
	}
	c.apiKey = []string{key}
	return nil
}

// policyFor returns the retry policy of one call: the client's, or a copy
// with the call's overrides sharing the client's budget. It refuses a max
// retry wait below the client's backoff min, as NewClient does.
func (c *core) policyFor(o *overrides) (*retry.Policy, error) {
	if !o.maxRetriesSet && o.timeout == 0 && o.maxRetryWait == 0 && (!o.pacingSet || o.pacing == c.policy.Paced) {
		return c.policy, nil
	}
	p := *c.policy
	if o.pacingSet {
		// One decision for the call: the policy's (how a 429 waits) is
		// the one beforeAttempt asks.
		p.Paced = o.pacing
	}
	if o.maxRetriesSet {
		p.MaxRetries = o.maxRetries
	}
	if o.maxRetryWait != 0 {
		if o.maxRetryWait < p.WaitMin {
			return nil, &ParamError{Field: "option WithMaxRetryWait", Reason: "is below the client's WithRetryWait min " + p.WaitMin.String() + ": no wait could be both"}
		}
		p.MaxWait = o.maxRetryWait
	}
	if o.timeout != 0 {
		p.MinAttempt = min(MinAttemptTime, o.timeout)
	}
	return &p, nil
}

// apiKeyOf is the X-API-Key value a call sends.
func (c *core) apiKeyOf(o *overrides) []string {
	if o.apiKey != nil {
		return o.apiKey
	}
	return c.apiKey()
}
