// Package ratelimit is the SDK's model of the server's rate limits: what the
// responses said, and when the next attempt may be sent. It knows nothing of
// HTTP, retries or errors: the freddy package reads the headers (its one
// parser), hands each response's figures to Pacer.Observe, and asks
// Pacer.Acquire before each attempt.
//
// The rules, one per decision (each has its test in ratelimit_test.go, named
// after it):
//
//  1. Bucket. A bucket is (API key, endpoint): the key is known by a hash
//     of it (KeyOf), never by the key. Each bucket has at most one current
//     window.
//  2. Sharing. The endpoints of one key share one window until the headers
//     show they do not: a response on endpoint B, sent after a response on
//     endpoint A of the same key arrived and while A's window was current,
//     that reports another reset, or at least as many requests remaining
//     as A's did (a shared count only falls). From then on each endpoint of
//     that key has its own window. Nothing else splits or merges buckets.
//  3. Window. Only explicit window information makes a window or changes
//     it: a reset together with a limit or a remaining count (the
//     rate-limit headers, a 429's details). A response with none of it (a
//     bare 429 with only Retry-After, a gateway's answer) changes nothing
//     here; its Hold holds that one call (rule 8).
//  4. Horizon. A reset already past, or more than an hour away, is no
//     window: the first would bring back spent capacity, the second would
//     hold every call with nothing ever sent to correct it.
//  5. Same window. A report whose reset is within the tolerance of its
//     precision (a second for whole seconds, 250 ms for finer resets, and
//     never more than half the window) of the current window's is that
//     window: the lowest remaining wins (less this Client's sends since),
//     and the most precise reset (the earliest of equally precise ones).
//     One of the window that just ended is stale and changes nothing. Any
//     other report with a later reset opens a new window, as reported.
//  6. Length. A window's length is the longest time to its reset that a
//     report of that window gave. It is kept for that window only: it
//     projects the next window when the current one ends unreported (the
//     limit is back, the reset one length on), and nothing else carries
//     over, so one odd report costs at most one window.
//  7. Send. An attempt goes at once while its bucket's window has room and
//     this Client has not used its share (rule 9); each send takes one from
//     the room. Once half the window is spent, sends are spaced at four
//     times the window's average rate. Otherwise it waits for the reset (or
//     its spaced turn) and looks again: at the reset at most the window's
//     count goes, so waiters do not stampede.
//  8. Hold. A held attempt is not sent when its turn comes at or after its
//     context's deadline, leaves less than MinAttempt before it, or makes
//     its whole hold longer than MaxWait: Acquire returns a *Refusal at
//     once, without waiting. A Hold (the earliest time one call may go,
//     from its own 429's Retry-After) holds that call alone, by the same
//     rules, and never the bucket.
//  9. Share. Other Clients on the same key (replicas) show in the headers
//     as the remaining count falling faster than this Client's own
//     responses account for. This Client's share of a window is the part
//     of the requests counted so far that were its own; it sends at most
//     that share of the window's limit, carried to the next window until
//     that window's first report. Alone, the share is the whole window.
//
// Cost. Before any window is reported an attempt costs one atomic load;
// while its window has room, one atomic load and one compare-and-swap, no
// allocation, no lock.
package ratelimit
