// Package redisfreddy shares one account of the Freddy API's rate-limit
// windows between every Client of a fleet, in Redis. It is a module of its
// own so that the SDK itself keeps no dependency on a Redis client. One
// option turns it on, with the same Redis and the same key in every replica:
//
//	client, err := freddy.NewClient(redisfreddy.WithSharedRateLimit(rdb, "billing-sync"))
//
// The Client reads every response's rate-limit headers (the SDK's one parser;
// this package never parses a header) and tells the account what they said
// (freddy.RateLimitAccount.Observe); before each attempt, first and retries,
// it asks the account for one send (Reserve). Each of the two is at most one
// Redis round trip: a Lua script run by EVALSHA (EVAL when the script is not
// cached), atomic, with the time taken from Redis TIME so that the replicas'
// clocks need not agree.
//
// # The account
//
// One Redis hash per bucket (API key hash and endpoint, see
// freddy.RateLimitBucket) holds the window's limit, its length, its reset
// (on Redis's clock), the sends left, and the reset of the window before.
// A response's reset is a duration; the script adds it to Redis's time when
// the observation arrives, which is after the server made the response, so a
// reset is never earlier than the server's. The rules:
//
//  1. A window is known only from what a response said (one with no reset
//     ahead or no limit says nothing). The first response the account hears
//     of makes the window: its reset, its limit, its reset as the window's
//     length, and as the sends left the lower of its remaining count and
//     the limit less the sends booked while no window was known (the server
//     may not have counted them all yet).
//  2. Within a window, a response can only lower the sends left: they are
//     the lowest remaining count the server reported less the sends booked
//     since (kept as: sends left = min(sends left, remaining)). A response
//     that the fleet's own in-flight sends have not reached yet can
//     therefore not bring capacity back. The earliest reset reported wins
//     (every one is late by its own round trip), and the window's length is
//     the longest reset reported in it.
//  3. A new window when the reset moves on: a response whose reset is more
//     than half a window after the current one starts a new window with the
//     remaining count it reports (while the current window is projected, it
//     is that window's first response: rule 5). A response whose reset is
//     within the tolerance of a reset's precision (a second, at most half a
//     window) of an ended window's reset is a late answer from that window
//     and changes nothing; nor does one that arrives after the current
//     window's reset and does not move it on. A response whose reset is
//     sooner than the current window's by more than that tolerance is the
//     server correcting the window held (the core's rule 5 too): the window
//     is the one it reports, its reset, limit, remaining count and length
//     (the longer one held is forgotten); in a projected window the sends
//     left stay the lower of the two, as rule 5 says.
//  4. Reserve grants a send while the window has sends left, and books it.
//     At a window's start the whole window may go at once. When none are
//     left it returns the time until the reset, and grants nothing.
//  5. When the reset passes unseen (no response from the next window yet),
//     the next window is projected: the whole limit, ending one window
//     length after now. A server with aligned windows started the next one
//     at the reset, before now, so the projection ends after it; a server
//     that starts a window at the first request after the last one ended
//     starts it when this send arrives, one trip after now. The first
//     response from the window replaces the projected reset with the real
//     one (earlier or later) and, by rule 2, lowers the sends left; a
//     projection is thus only trusted for the one round trip before a
//     response, unless no response carries the headers.
//  6. Before any window is known, one send learns it: the first Reserve
//     is granted and marks the hash for a second; until a response makes
//     the window (rule 1) or that second ends, every other Reserve answers
//     a wait of 20ms (less when the second ends sooner) and the Client asks
//     again, so that a cold fleet sends no more than the server said
//     remains. A second that ends with no window known (no response
//     carried the headers, or the send failed) is not renewed: sends are
//     then granted and counted (rule 1 subtracts them) until the hash
//     expires (five seconds without a Reserve).
//
// A hash not written for a while (two windows and a minute) expires.
//
// # A hash the rules did not write
//
// The scripts trust a hash only as far as these rules could have written
// it: every field a whole number, a limit of at least one, sends left from
// none to the limit, a length of at most an hour (the core's horizon), a
// reset no further ahead than the length and rule 5's tolerance (a second,
// at most half the length), the window before not after it, a window's
// four fields all there or none, and a learning mark (rule 6) at most a
// second ahead. Any other
// hash (a corrupted one, one rewritten by hand, a key of another type) is
// no account: the script deletes it and goes on as if no window were known
// (rule 6 grants, rule 1 makes the window from the next response). That
// is Redis answering, not failing: nothing is logged for it.
//
// A hash that passes can still lie: a window of 50 minutes spent, say.
// The Client follows a hold only as far as the server itself could hold a
// send (the core's accountgate.go): to the reset its own responses last
// reported while that reset is ahead, else for the longest window they
// reported, else (none read yet) for the documented window of 60 seconds;
// each give or take rule 5's tolerance (a second, at most half the
// window). A longer hold is not followed; one attempt at a time is paced by
// the Client's own view instead and sent while the server's window has
// room, and its response, sooner than the account's reset, corrects the
// account for every Client (rule 3). That response also judges the
// account: a reset sooner than the hold's end (beyond the tolerance) means
// the account contradicted the server, which the Client counts as the
// account failing (the one Warn record and Observer event of an outage;
// the Info record and event come with the first hold it can follow). Sends
// the server still has do not: the account books the fleet's sends before
// the server counts them. A hold the server bears out changes no trust.
//
// What one bad write can cost is thus bounded. A Client under load (its
// last read window ahead) believes a hold only to the tolerance past the
// server's reset; past it, its learning attempt goes at that reset and the
// response puts the account on the server's next window with the hash's
// sends left (rule 2: none, if the writer wrote none), so the fleet loses
// at most that one window of the server's (and the tolerance). An idle
// Client is held at most the longest window it read and the tolerance, one
// that read none at most 61 seconds. Within that bound a hash's writer can
// pose as a busy fleet: a writer who keeps rewriting the hash as these
// scripts could have (no sends left, the reset one window away) keeps the
// fleet waiting, silently, as a fleet that spends every window would. Let
// no one but the fleet write its keys (Redis ACLs).
//
// Each script's reply also says what the window is now. An Observe that the
// last reply shows would change nothing (the same window and limit, a reset
// no earlier and no longer, at least as many remaining as the sends left) is
// not sent: within a window that is most responses, so an attempt usually
// costs one round trip, its Reserve.
//
// # Keys
//
// Each bucket is one hash, named freddy:{key}:, the bucket's key hash, then
// its endpoint: the key given to WithSharedRateLimit in braces, so that every
// hash of one fleet is in one Redis Cluster slot. No Redis key or value
// holds the API key or any part of it (the bucket's Key is a hash of it),
// unless the fleet key given to WithSharedRateLimit does: that key is a
// name the caller chooses and is written as given, so it must hold no
// secret.
//
// # Topologies
//
// rdb may be any redis.UniversalClient: a single node (redis.NewClient), a
// Cluster (redis.NewClusterClient) or a master behind Sentinel
// (redis.NewFailoverClient). Each script names one key, so it runs on the
// node that owns that key's slot. The module's tests run the same checks on
// all three, each a real redis-server the tests start: a three-node Cluster
// with fleets on different masters, and a master watched by one Sentinel. A
// Sentinel failover is not tested.
//
// # Redis unavailable
//
// Redis is not on the path of correctness: the server enforces its limit
// anyway, and a Client whose account does not answer paces that attempt by
// its own view of the headers. Every call to Redis is bounded by
// WithTimeout (50ms by default) and by the caller's deadline, whatever the
// redis client's own timeouts. A call that fails or times out returns an
// error wrapping ErrUnavailable, and the Client paces that attempt by its own
// view. Once calls have failed for 100ms with no answer in between, the
// account answers ErrUnavailable at once, without asking Redis, for
// WithCooldown (250ms by default); then one call tries Redis again, and the
// account recovers when it answers. A stall (a pause on a loaded machine
// that makes every call out at that moment late) thus costs only those
// attempts, and a frozen Redis a few bounds per cooldown. Set ContextTimeoutEnabled in the redis
// client's options so that a call given up on also stops waiting inside the
// redis client.
package redisfreddy
