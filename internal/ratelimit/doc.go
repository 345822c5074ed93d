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
//     show they do not; then each endpoint of that key has its own window,
//     for the Client's life. Two observations show it, each sound however
//     many other Clients use the key: a report from another endpoint that
//     arrived before this request was sent, of a window still current,
//     gave another reset or a remaining count not above this one's (a
//     shared count only falls); or the server counted fewer requests when
//     it answered this one than this Client had answers of the window
//     before sending it. Nothing else splits or merges buckets.
//  3. Window. Only explicit window information makes a window or changes
//     it: a reset together with a limit or a remaining count (the
//     rate-limit headers, a 429's details). A response with none of it (a
//     bare 429 with only Retry-After, a gateway's answer) changes no window;
//     it only ends its send's flight (rule 7), and its Hold holds that one
//     call (rule 8).
//  4. Horizon. A reset already past, or more than an hour away, is no
//     window: the first would bring back spent capacity, the second would
//     hold every call with nothing ever sent to correct it.
//  5. Same window. A report whose reset is within the tolerance of its
//     precision (a second for whole seconds, 250 ms for finer resets, and
//     never more than half the window) of the current window's is that
//     window: the lowest remaining wins (less this Client's sends since),
//     and the most precise reset (the earliest of equally precise ones).
//     One within the tolerance of the window that just ended is stale and
//     changes nothing. One with a later reset while the window is current
//     (another limit's) only lowers the room. One with a sooner reset
//     (outside the tolerance) is the server correcting the window held, an
//     odd report's: it opens the window it reports, and the odd window's
//     length is forgotten. When the window has ended, the next report opens
//     the next window as reported.
//  6. Length. A window's length is the longest time to its reset that a
//     report of that window gave, from when the report arrived. When a
//     window ends unreported the next is projected: the limit is back, and
//     the reset is the longer of the last two lengths on. Nothing else
//     carries over, so one odd report costs at most two windows.
//  7. Send. An attempt goes at once while its bucket's window has room and
//     this Client has not used its share (rule 9); each send takes one from
//     the room. Sends made before the first report are counted: those
//     the first report's count does not hold yet (its limit less its
//     remaining) are on their way and take their room. Otherwise it
//     waits for the reset and looks again: at the
//     reset at most the window's count goes, so waiters do not stampede.
//     When other Clients send on the window (the server counted more in it
//     than this Client sent, or its share is below the whole), this Client
//     keeps in flight at most its part of the room: its share (rule 9), or,
//     before it has one, its answers among the requests the server counted
//     since its first answer in the window, times the room the window had
//     before its sends in flight. So the Clients' sends in flight together
//     stay within what the server has left, and a send that would not fit
//     waits for the next answer, or the reset; a Client's first send of a
//     window fits when its quota has one (rule 9). Before two answers of
//     the window give its part, it keeps one send in flight: any answer,
//     one without window information too, ends a send's flight. Alone,
//     nothing is bounded.
//  8. Hold. A held attempt is not sent when its turn comes at or after its
//     context's deadline, leaves less than MinAttempt before it, or makes
//     its whole hold longer than MaxWait: Acquire returns a *Refusal at
//     once, without waiting. A Hold (the earliest time one call may go,
//     from its own 429's Retry-After) holds that call alone, by the same
//     rules, and never the bucket. A Retry-After in whole seconds rounds
//     up the reset of the window its 429 spent: when that reset is within
//     the second before it, the reset is the Hold, so that the retry takes
//     its turn at the reset and not after others spent the window again.
//  9. Share. Other Clients on the same key (replicas, each with its own
//     view) show in a window the server spent, or one in which it counted
//     more than this Client sent. As a window ends, its share is rebuilt
//     from what the server counted in it (its answers: a send near a
//     reset may be counted in either window, its answer says which):
//     alone, when from the window's start to the lowest remaining
//     reported the server counted only this Client's requests (two at
//     least), the whole window at once; else, for a window spent, or sent
//     on by others while the share did not hold this Client back, its
//     part of the server's count of the whole window (all of it when
//     spent, else down to the lowest remaining reported): its answers
//     less its 429s, and, held back by its share, no more than its share
//     times the part of its requests the server took; none taken, half
//     its share and at most half a send a window (for a window it did not
//     see begin, nothing is measured, but it has company until it is
//     seen alone: rule 7 bounds its sends in flight). A window left with room while the
//     share held this Client back grows the share by its part of the room
//     left (at most a quarter), so that the Clients held back together
//     take that room and no more. In each window it sends at most its
//     share of the limit, with the fraction of a send the windows before
//     left over: a share below one send a window sends once every few
//     windows, and the Clients' sends together stay within the limit.
//     Alone (within one answer, or above 90%), the share is the whole
//     window and no bound at all.
//  10. Unsent. A send counts only for an attempt that was sent: each
//     Acquire (and each Book, a send a shared account granted, counted in
//     this Client's view too) returns its Slot, and an attempt not sent or
//     that reached no server gives it back with Refund, to the window it
//     was taken from and to no later one.
//
// Cost. Before any window is reported an attempt costs one atomic add;
// while its window has room, one atomic load and one compare-and-swap (the
// room is handed out in advance, as credit), no allocation, no lock.
package ratelimit
