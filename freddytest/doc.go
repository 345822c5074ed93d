// Package freddytest is an in-memory Freddy API for tests: it serves the
// personal connector configuration endpoints over a loopback socket, in the
// manner of net/http/httptest, faithful to the API reference pages, and can
// inject the failures a real network produces. The SDK's own tests use it;
// so can programs written against the SDK. The freddy-emulator command
// serves the same server for tests in other languages.
//
// # Use
//
// Start a server per test, get a client for it, and look at what the server
// received and stored:
//
//	func TestCreate(t *testing.T) {
//		params := freddy.CreateConfigurationParams{
//			PersonalConnectorID: "pcon_github",
//			Name:                "My GitHub Account",
//			Credentials:         freddy.BearerCredentials("ghp_test"),
//		}
//		tests := []struct {
//			name   string
//			faults []freddytest.Fault
//			stored int
//		}{
//			{"plain", nil, 1},
//			{"retried after two 500s", freddytest.Repeat(freddytest.Fault{Kind: freddytest.FaultServerError}, 2), 1},
//			{"response lost", []freddytest.Fault{{Kind: freddytest.FaultDropAfterCommit}}, 1},
//		}
//		for _, tt := range tests {
//			t.Run(tt.name, func(t *testing.T) {
//				srv := freddytest.Start(t) // closed when the test ends
//				srv.Inject(tt.faults...)
//				client, err := srv.Client()
//				if err != nil {
//					t.Fatal(err)
//				}
//				_, err = client.Configurations.Create(context.Background(), params)
//				if err != nil || len(srv.Configurations()) != tt.stored {
//					t.Fatalf("err %v, stored %d", err, len(srv.Configurations()))
//				}
//			})
//		}
//	}
//
// Requests returns the last requests (1,000 unless WithRequestLog says)
// with their headers and body; DroppedRequests counts the older ones;
// Configurations and Configuration return what is stored; Reset forgets
// everything between subtests sharing one server. StartTLS serves HTTPS
// with HTTP/2 instead, and its Client trusts the self-signed certificate.
//
// # Memory
//
// A server's memory is bounded on a long run: the request log keeps its
// last N requests, a logged body holds at most 1 MiB, an idempotency record
// is forgotten DefaultIdempotencyWindow (24 h) after its Create by the
// server's clock (WithIdempotencyWindow, WithClock), and a deleted
// configuration leaves nothing behind (its ID carries its creation number,
// so a cursor naming it still pages on). What stays is the configurations
// you keep.
//
// # Endpoints
//
// Paths are under /v1/personal-connectors/configurations:
//
//	POST   /             create          200 {"success":true,"data":{…}}
//	GET    /             list            200 {"object":"list","data":[…],"firstId","lastId","hasMore"}
//	GET    /{id}         retrieve        200 the object
//	PATCH  /{id}         update          200 the object
//	POST   /{id}/toggle  enable, disable 200 the object
//	POST   /{id}/test    health check    200 {"status","message","details","testedAt"}
//	DELETE /{id}         delete          200 {"id","object":"personal_connector.configuration","deleted":true}
//
// A request meets, in order: the next injected fault, if any; the API key
// (401); the rate limit (429); the route and method (404, 405); the 1 MiB
// body limit (400); then the endpoint, where an unknown configuration ID is
// a 404 and a bad body or query a 400.
//
// As on the reference pages, Create answers in the envelope with
// organization_id, created_at and updated_at in snake_case and every other
// field camelCase; the other endpoints answer bare objects, camelCase
// throughout (organizationId, createdAt, updatedAt). Credentials are always
// "***REDACTED***". List takes personalConnectorId, enabled (true/false),
// healthStatus (healthy/unhealthy/unknown), limit (1 to 100, default 20)
// and after (the ID of the last item already seen, even one deleted since),
// and pages in creation order, oldest first.
//
// Errors use the Create page's envelope
// {"success":false,"error":{"code","message","system_message","type","status","trace_id","timestamp"[,"details"]}},
// with trace_id equal to the X-Request-Id header: 400 VALIDATION_ERROR with
// details.fields naming each bad field or query parameter (the whole body is
// "body"; bodies over 1 MiB are refused so), 401 UNAUTHORIZED, 403
// FORBIDDEN (WithForbiddenConnectors), 404 NOT_FOUND for unknown paths, 405
// METHOD_NOT_ALLOWED with Allow, 409 IDEMPOTENCY_KEY_REUSED, 429
// RATE_LIMIT_EXCEEDED (WithRateLimit) and 500 INTERNAL_SERVER_ERROR. Two
// errors use the older pages' short body {"error":{"type","message","code"}}:
// an unknown or deleted configuration ID (404 configuration_not_found) and
// refused credentials on update (400 invalid_credentials).
//
// Every response carries X-Request-Id (req_ and 16 hex digits),
// Freddy-Api-Version, Freddy-Processing-Ms, and both rate-limit header
// families: X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset (Unix
// seconds) and x-ratelimit-limit-requests, x-ratelimit-remaining-requests,
// x-ratelimit-reset-requests (a duration to the millisecond, rounded up,
// such as "59.5s"; X-RateLimit-Reset and Retry-After round up to whole
// seconds). The limit is
// DefaultRateLimit unless WithRateLimit sets one.
//
// Create honours Idempotency-Key per API key: after a successful create, the
// same body again gets the first response byte for byte with
// Idempotent-Replayed: true, another body gets 409, and concurrent requests
// with one key create once. A refused create records nothing, so it can be
// corrected and sent with the same key. Records expire after the
// idempotency window. The API reference does not document the header:
// WithoutIdempotency makes the server ignore it.
//
// # Faults
//
// Inject queues faults. A plain Fault{Kind: …} goes to the next request,
// before authentication, whatever its path; one with Method, Path (a route
// template: "/", "/{id}", "/{id}/toggle", "/{id}/test"), Skip or Count waits
// for the requests it names, and Delay holds it back. Faults count requests
// as the server receives them: net/http resends a GET that failed on a
// reused connection, and the resend takes a fault too (see Inject).
//
//   - FaultServerError: the documented 500 envelope.
//   - FaultBadGatewayHTML: a proxy's text/html 502 page.
//   - FaultRateLimit: the documented 429 with Fault.RetryAfter.
//   - FaultDrop: the connection closed without an answer.
//   - FaultDropAfterCommit: the request takes effect, the answer is lost.
//   - FaultStall: no answer until the client gives up, Close, or Fault.Stall.
//   - FaultStallBody: part of a 200 body, then the same stall.
//   - FaultTruncate: part of a 200 body, shorter than its Content-Length.
//   - FaultDelay: the normal answer, Fault.Delay late.
//   - FaultGatewayRateLimit: a gateway's bare 429, Retry-After and nothing
//     about the window.
//
// # Rate limits
//
// A freddy.Client paces itself by the rate-limit headers of the responses
// it gets (freddy.WithRateLimitPacing), and what it learnt outlives a
// test's faults: Reset and ClearFaults change the server, not a Client's
// view of the window.
//
//   - A FaultRateLimit's headers say the window is spent until its
//     RetryAfter. The Client that got it holds its later calls, of every
//     operation, until then, and refuses at once, unsent, those whose wait
//     would exceed their max retry wait (a *freddy.RateLimitError with
//     StatusCode 0), whatever the server's own window says.
//   - WithClock drives the windows and the resets the headers report: a
//     clock that stands still keeps a spent window spent, and one moved on
//     or back makes the server's windows and the Client's view disagree.
//
// To keep a test from holding the next one, give each test its own Client
// (Server.Client), turn pacing off for a Client or for one call
// (freddy.WithRateLimitPacing(false): the call is sent at once, and a 429
// waits its Retry-After), or inject FaultGatewayRateLimit, a 429 that says
// nothing about the window: it holds the call that got it alone, and the
// Client's view keeps its window and reset (the send counts as one, as
// every send does). See the RateLimits example.
//
// # Control API
//
// WithControlAPI serves the same controls over HTTP under /_freddytest/,
// for tests that cannot call these methods: freddy-emulator -control. See
// WithControlAPI for the endpoints, what each answers, and the fields of a
// listed request; examples/python-emulator in the repository is a Python
// fixture for it with the standard library only.
//
// # Health checks
//
// A health check is healthy unless made otherwise, in one of two ways:
//
//   - SetHealth(id, freddy.HealthStatusUnhealthy, "…") from the test, for
//     the next checks of that configuration;
//   - credentials holding a string value that contains "invalid", in any
//     case, at create time, e.g. {"token":"ghp_INVALIDTOKEN"}: the only
//     way open to clients of freddy-emulator.
//     The same value in an update's credentials is refused with 400
//     invalid_credentials, as the reference page shows.
//
// Either way the check still answers 200, with "status":"unhealthy", and
// stores healthStatus, lastSyncAt and lastError.
package freddytest
