package freddy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"hash/maphash"
	"iter"
	"net/http"
)

const configurationsPath = "/v1/personal-connectors/configurations"

// ConfigurationsService calls the personal connector configuration
// endpoints. Use it through Client.Configurations.
//
// Every method checks its inputs first and sends nothing when they are bad:
// a [*ParamError] (errors.Is [ErrInvalidParams]) names the field; an id that is
// empty, "." or "..", or contains "/", "?", "#" or a control character, is
// Field "id". 429 and 5xx responses and transport failures are retried under
// the Client's policy and budget. On failure a method returns the typed error
// of the last response ([*ValidationError], [*AuthenticationError],
// [*AuthorizationError], [*NotFoundError], [*ConflictError], [*RateLimitError],
// [*ServerError], or a plain [*APIError]), a [*RequestError] when no usable
// response arrived (it wraps the context's error when the context ended the
// call), or a [*DecodeError] for a 2xx body in none of the documented shapes.
// A failed write (Create, Update, SetEnabled, Test, Delete) whose server may
// have acted also matches [ErrOutcomeUnknown].
type ConfigurationsService struct {
	client *Client
}

// Create provisions a personal connector configuration: API operation
// POST /v1/personal-connectors/configurations.
//
// A missing personalConnectorId, name or credentials is a [*ParamError]. Every
// call sends an Idempotency-Key (a fresh UUIDv4 unless [WithIdempotencyKey]
// sets one), the same with the same body bytes on every attempt, so a retry
// never creates a second configuration. The errors carry the key.
func (s *ConfigurationsService) Create(ctx context.Context, params CreateConfigurationParams, opts ...RequestOption) (*Configuration, error) {
	o := op{name: "Create", method: http.MethodPost, creds: params.Credentials}
	o.opts.apply(opts)
	var err error
	o.body, err = params.body()
	o.check(err)
	o.idemKey, err = idempotencyKey(o.opts.idempotencyKey)
	o.check(err)
	return s.configuration(ctx, &o)
}

// Get returns one configuration: API operation
// GET /v1/personal-connectors/configurations/{id}. A configuration that does
// not exist is a [*NotFoundError].
func (s *ConfigurationsService) Get(ctx context.Context, id string, opts ...RequestOption) (*Configuration, error) {
	return s.onID(ctx, "Get", http.MethodGet, id, "", nil, Credentials{}, opts)
}

// List returns one page of configurations, oldest first: API operation
// GET /v1/personal-connectors/configurations. Pass the page's LastID as
// params.After for the next one, or use ListAll. A Limit outside 0..100 or an
// unknown HealthStatus is a [*ParamError].
func (s *ConfigurationsService) List(ctx context.Context, params ListConfigurationsParams, opts ...RequestOption) (*ConfigurationPage, error) {
	return s.list(ctx, params, opts, nil)
}

// list is List; arrived, if not nil, is handed a 2xx body before it is
// decoded (ListAll reads the next cursor there).
func (s *ConfigurationsService) list(ctx context.Context, params ListConfigurationsParams, opts []RequestOption, arrived func(body []byte, sc *listScan)) (*ConfigurationPage, error) {
	o := op{name: "List", method: http.MethodGet}
	o.opts.apply(opts)
	query, limit, err := params.query()
	o.query = query
	o.check(err)
	var page *ConfigurationPage
	_, err = s.client.core.do(ctx, &o, func(_ int, body []byte) (derr *DecodeError) {
		// One scan of the top level serves ListAll's next request
		// (arrived) and the decoding.
		sc := scanList(body)
		if arrived != nil {
			arrived(body, sc)
		}
		page, derr = decodeScannedList(body, sc, limit)
		return derr
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}

// ListAll iterates over every configuration matching params, page by page,
// with List: API operation GET /v1/personal-connectors/configurations. It
// asks for pages of params.Limit, or 100 when Limit is 0, and never changes
// params.
//
// The request for the next page goes out as soon as a page arrives, while
// the loop works on that page's items: at most one page ahead, so at most
// two pages are held. Once the loop is waiting for a page (it is done with
// the one before) and that page's cursor is read, the request after it goes
// out, before the page's items are decoded. Pages are fetched on
// goroutines of their own, with the same
// options (middleware, observers and WithResponseInto included; the
// Response is written when its page is handed to the loop). A panic there
// (in a Middleware, an Observer or the client's RoundTripper) is recovered
// on that goroutine and raised again, with the same value, on the loop's
// goroutine when the loop reaches that page, after the items before it, as
// it would be without prefetch; runtime.Goexit (t.FailNow) likewise ends the
// loop's goroutine. A page the loop never reaches (it broke out) drops its
// panic: without prefetch it would not have been asked for.
// params.DisablePrefetch asks for each page only after the loop took the
// last item of the one before.
//
// The context is checked before each page is sent and again before a page
// fetched ahead is handed over. An error (a bad param, a failed page, a
// context that ended) is yielded once, after every item of the pages before
// it, with a nil configuration, and ends the iteration. Iteration stops when
// a page says hasMore is false, when a page is empty, or, when the server
// does not say, when a page is shorter than the limit asked. The next cursor
// is the page's lastId, else its last item's ID; a cursor the server
// repeats ends the iteration with an error, before the repeated page's
// items, instead of looping. Breaking out of the loop cancels the page in
// flight, waits for its goroutine to end and sends no further request.
func (s *ConfigurationsService) ListAll(ctx context.Context, params ListConfigurationsParams, opts ...RequestOption) iter.Seq2[*Configuration, error] {
	return func(yield func(*Configuration, error) bool) {
		p := params
		if p.Limit == 0 {
			p.Limit = maxListLimit
		}
		// Cursors already used, as 64-bit hashes: the set grows by a few
		// bytes a page, not with the items.
		seed, seen := maphash.MakeSeed(), map[uint64]struct{}{}
		var dst *Response
		if !p.DisablePrefetch {
			dst = responseTarget(opts)
		}
		// The page fetched ahead, if any: stopped however the loop ends,
		// a break or a panic in its body included.
		var ahead *pageAhead
		defer func() { ahead.stop() }()
		// startEarly starts the page after the one the loop waits for
		// (the loop holds no page then), with that page's cursor, before
		// its items are decoded; it refuses what the loop would refuse.
		// It runs in take, or on the page's fetch while the loop is
		// blocked in take: p and seen are not changing.
		var startEarly func(cursor string) *pageAhead
		startEarly = func(cursor string) *pageAhead {
			if _, repeated := seen[maphash.String(seed, cursor)]; repeated || cursor == p.After {
				return nil
			}
			q := p
			q.After = cursor
			return s.fetchAhead(ctx, q, opts, dst, startEarly)
		}
		// take hands over the page fetched ahead; ahead becomes the page
		// after it, if its fetch started one early.
		take := func() (*ConfigurationPage, error) {
			taken := ahead
			page, err := taken.take()
			ahead = taken.next
			return page, err
		}
		// List refuses to send once the context has ended. The first page
		// too is fetched ahead, so that the second one's request goes out
		// before the first one's items are decoded.
		var page *ConfigurationPage
		var err error
		if p.DisablePrefetch {
			page, err = s.List(ctx, p, opts...)
		} else {
			ahead = s.fetchAhead(ctx, p, opts, dst, startEarly)
			page, err = take()
		}
		for {
			if err != nil {
				// Nothing in flight while the caller handles the error.
				ahead.stop()
				ahead = nil
				yield(nil, err)
				return
			}
			last := !page.HasMore || len(page.Data) == 0
			if !last {
				// A cursor seen before means a server going round in
				// circles: its page repeats items already yielded.
				h := maphash.String(seed, page.LastID)
				if _, repeated := seen[h]; repeated || page.LastID == p.After {
					ahead.stop()
					ahead = nil
					yield(nil, &DecodeError{Operation: "List", StatusCode: http.StatusOK, Reason: "response repeats a cursor (lastId) already sent; stopping instead of looping"})
					return
				}
				seen[h] = struct{}{}
				p.After = page.LastID
			}
			if ahead != nil && (last || ahead.after != p.After) {
				// Started early on a cursor the decoded page does not
				// confirm; listCursor and decodeList read the same
				// fields, so this is not expected.
				ahead.stop()
				ahead = nil
			}
			if !last && ahead == nil && !p.DisablePrefetch {
				ahead = s.fetchAhead(ctx, p, opts, dst, startEarly)
			}
			for i, c := range page.Data {
				// Taken items are the loop's: the page no longer holds them.
				page.Data[i] = nil
				if !yield(c, nil) {
					return
				}
			}
			if last {
				return
			}
			if ahead == nil {
				page, err = s.List(ctx, p, opts...)
				continue
			}
			page, err = take()
			if err == nil && ctx.Err() != nil {
				// The context ended while the page was fetched ahead:
				// refused as a page sent now would be.
				page, err = s.List(ctx, p, opts...)
			}
		}
	}
}

// Update changes the fields set in params and leaves the others: API
// operation PATCH /v1/personal-connectors/configurations/{id}. Configuration
// and Metadata are merged by the server into the stored ones; [Credentials]
// replaces the stored credentials. Params with nothing set, or an empty Name,
// are a [*ParamError]; credentials the server cannot validate are a
// *ValidationError.
func (s *ConfigurationsService) Update(ctx context.Context, id string, params UpdateConfigurationParams, opts ...RequestOption) (*Configuration, error) {
	o := op{name: "Update", method: http.MethodPatch, id: id, creds: params.Credentials}
	o.opts.apply(opts)
	o.check(validID(id))
	var err error
	o.body, err = params.body()
	o.check(err)
	return s.configuration(ctx, &o)
}

// SetEnabled enables or disables a configuration: API operation
// POST /v1/personal-connectors/configurations/{id}/toggle with
// {"enabled": enabled}. It returns the configuration as stored after the
// change.
func (s *ConfigurationsService) SetEnabled(ctx context.Context, id string, enabled bool, opts ...RequestOption) (*Configuration, error) {
	body := []byte(`{"enabled":false}`)
	if enabled {
		body = []byte(`{"enabled":true}`)
	}
	return s.onID(ctx, "SetEnabled", http.MethodPost, id, "/toggle", body, Credentials{}, opts)
}

// Test runs a health check of a configuration: API operation
// POST /v1/personal-connectors/configurations/{id}/test. An unhealthy
// configuration is a TestResult with Status HealthStatusUnhealthy, not an
// error. The server also records the result in the configuration's
// HealthStatus, LastSyncAt and LastError.
func (s *ConfigurationsService) Test(ctx context.Context, id string, opts ...RequestOption) (*TestResult, error) {
	o := op{name: "Test", method: http.MethodPost, id: id, action: "/test"}
	o.opts.apply(opts)
	o.check(validID(id))
	var res *TestResult
	_, err := s.client.core.do(ctx, &o, func(_ int, body []byte) (derr *DecodeError) {
		res, derr = decodeTestResult(body)
		return derr
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// Delete removes a configuration: API operation
// DELETE /v1/personal-connectors/configurations/{id}. It succeeds on 200
// ({"deleted": true}, bare or in the envelope) and on an empty 204; any
// other 2xx (an error body, a body that does not say "deleted": true, an
// empty 200, a 202) is a [*DecodeError] naming why. A configuration
// that does not exist is a [*NotFoundError], with one exception: a 404 that
// answers a retry after an attempt whose request went out but whose
// response was lost (the connection dropped or timed out) returns nil. That
// attempt most likely deleted it; either way the configuration is gone,
// which is what Delete promises. An attempt that never obtained a
// connection (a dial that failed or timed out, a failed TLS handshake, a
// Proxy error, a middleware that did not call next) does not count.
func (s *ConfigurationsService) Delete(ctx context.Context, id string, opts ...RequestOption) error {
	o := op{name: "Delete", method: http.MethodDelete, id: id, goneAfterLoss: true}
	o.opts.apply(opts)
	o.check(validID(id))
	_, err := s.client.core.do(ctx, &o, func(status int, body []byte) *DecodeError {
		return decodeDeleted(status, body)
	})
	return err
}

// onID runs an operation on one configuration that answers with the
// configuration.
func (s *ConfigurationsService) onID(ctx context.Context, name, method, id, action string, body []byte, creds Credentials, opts []RequestOption) (*Configuration, error) {
	o := op{name: name, method: method, id: id, action: action, body: body, creds: creds}
	o.opts.apply(opts)
	o.check(validID(id))
	return s.configuration(ctx, &o)
}

// configuration runs o and decodes the configuration it answers with.
func (s *ConfigurationsService) configuration(ctx context.Context, o *op) (*Configuration, error) {
	var out *Configuration
	_, err := s.client.core.do(ctx, o, func(_ int, body []byte) (derr *DecodeError) {
		out, derr = decodeConfiguration(body)
		return derr
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// idempotencyKey returns the caller's key, checked, or a fresh one.
func idempotencyKey(key string) (string, error) {
	if key == "" {
		return newIdempotencyKey(), nil
	}
	if !headerSafe(key) || len(key) > 255 {
		return "", &ParamError{Field: "Idempotency-Key", Reason: "must be 1 to 255 visible ASCII characters"}
	}
	return key, nil
}

// newIdempotencyKey returns a random RFC 4122 version 4 UUID.
func newIdempotencyKey() string {
	var u [16]byte
	_, _ = rand.Read(u[:]) // crypto/rand.Read never fails (Go 1.24+).
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}
