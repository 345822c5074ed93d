package freddy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// The account's word is checked against the server's own (the one rule of
// this file): a hold the account asks for is followed only when it ends no
// later than the server itself could end it, give or take rule 5's
// tolerance of a reset's precision (a second, at most half the window).
// What the server could do is what this Client's own responses said of the
// bucket: while the latest reset they reported has not passed, the server
// holds no send past that reset; once it has, no longer than the longest
// window they reported (the time from a response to its reset, the length
// rule 6 of internal/ratelimit keeps); and before any of them reported a
// window, no longer than the window the API reference documents (a limit
// per 60 seconds: its 429 example's retry_after), so that a Client joining
// a fleet whose window is spent follows the fleet's hold as its members do.
// A hold the rule does not believe is not followed: one attempt at a time
// goes to learn the window, paced by the Client's own view as when the
// account does not answer (so it goes while that view has room), and the
// response it brings back reports the server's window to the Client and to
// the account, which takes a reset sooner than its own as the server
// correcting it. While that attempt is out (a second at most, the same
// tolerance) the bucket's other attempts follow the hold for what is left
// of that second and ask again, so that one attempt, not one per goroutine,
// tests the hold. A corrupt or hostile account can thus hold a call no
// longer than the server could, and every Client it holds too long sends
// and reports the server's window to it. It can still pose as a busy
// fleet: a hold the rule believes is followed.
//
// Nor does the account's word alone refuse a call: a hold the call cannot
// afford (rule 8: its deadline, MinAttemptTime, its max wait) refuses it
// only when this Client has read a window of the bucket, or while another
// of its attempts is out to learn one (the same one attempt at a time, for
// at most the same second); otherwise that call is the attempt that learns
// the window, paced by the Client's own view, as if the account had not
// answered. A Client that knows nothing of the hold (the fleet learning its
// first window, say: a few milliseconds) thus sends one call it cannot
// hold, and a Client joining a spent window spends one 429 on it, not one
// per call; once it has read the window it refuses at once, without a 429,
// what it cannot wait for.
//
// The server's answer also judges the account: when the response to an
// attempt sent against a hold shows the server's window resetting sooner
// than the hold's end by more than the tolerance, the account contradicted
// the server, and that is the account failing,
// announced as a failure is (one Warn record and one Observer event; the
// Info record and event come with the first hold it can follow). Sends the
// server has left are no such proof: an honest account books the fleet's
// sends before the server counts them (in flight, or refused with a 429),
// so it is spent before the server is. A hold the server bears out (a
// Client that joined late in a window, say, and had read only its end)
// changes no trust.

// DefaultAccountTimeout bounds each call the Client makes to its
// RateLimitAccount (Reserve before an attempt, Observe after a response),
// unless the account names its own bound (RateLimitAccountTimeout). A call
// with a deadline gives its account at most half the time left, keeping the
// rest to send the attempt, less a millisecond (the runtime may end a wait
// that late), and none when that leaves nothing: that attempt is then paced
// by the Client's own view, or that response is not reported, and the
// Client's trust in the account does not change.
const DefaultAccountTimeout = 50 * time.Millisecond

// RateLimitAccountTimeout may be implemented by a RateLimitAccount to name
// the bound of each call the Client makes to it, in place of
// DefaultAccountTimeout: an account whose store needs longer (its own
// configured timeout) is then not cut short by the Client. AccountTimeout
// is asked once, in NewClient; a result <= 0 keeps DefaultAccountTimeout.
// The call's deadline bounds every account call all the same.
type RateLimitAccountTimeout interface {
	// AccountTimeout returns the bound of each call to the account.
	AccountTimeout() time.Duration
}

// RateLimitAccountObserver may be implemented by an Observer (see
// WithObserver) to hear when the Client stops trusting its RateLimitAccount
// and when it trusts it again. The Client stops on the first account call
// that fails or does not answer within its bound, or when the server's
// answer shows it had room before a wait the account asked for ended, and
// paces by its own view of the window from then on; it asks the account
// again before each attempt and trusts it again on the first Reserve answer
// it can follow. Each change is reported once,
// from the goroutine of the call that saw it, and written once to the
// Client's logger (WithLogger): a Warn record when trust is lost, an Info
// record when it is back.
type RateLimitAccountObserver interface {
	// RateLimitAccountChanged is called once on each change of trust.
	RateLimitAccountChanged(RateLimitAccountEvent)
}

// RateLimitAccountEvent is a change of the Client's trust in its
// RateLimitAccount.
type RateLimitAccountEvent struct {
	// Trusted is false when the Client stopped trusting the account (it
	// paces by its own view), true when it trusts it again.
	Trusted bool
	// Err is why the account is not trusted: its error,
	// context.DeadlineExceeded when it did not answer within the bound, or
	// an error naming how long it held sends past the server's reset;
	// nil when Trusted.
	Err error
}

// accountGate is the Client's use of a RateLimitAccount: every call
// bounded, and the Client's trust in it, which changes on the first failure
// and the first answer after it.
type accountGate struct {
	a       RateLimitAccount
	timeout time.Duration
	logger  *slog.Logger
	watcher RateLimitAccountObserver
	// distrusted is set while the account is not trusted.
	distrusted atomic.Bool
	// read holds, per RateLimitBucket, a *bucketRead: what this Client's
	// own responses said of the bucket's window.
	read sync.Map
}

// bucketRead is what a Client's own responses said of one bucket's window,
// the measure of the account's holds.
type bucketRead struct {
	// longest is the longest window reported (ns); 0 until one is.
	longest atomic.Int64
	// reset is the latest reset reported (Unix ns); 0 until one is.
	reset atomic.Int64
	// learning is when the attempt out to learn the window stops holding
	// the others back (Unix ns).
	learning atomic.Int64
	// doubted is when the hold the learning attempt was sent against
	// would have ended (Unix ns), until a response judges it; 0 when none
	// waits.
	doubted atomic.Int64
}

// documentedWindow is the window the API reference documents (its 429
// example: a limit of 100 per 60 seconds, retry_after 60): the measure of a
// hold before this Client has read a window.
const documentedWindow = 60 * time.Second

// timerGrain is how late the Go runtime may end a wait: a timer can fire
// up to a millisecond late when the thread that runs it sleeps in the
// network poller, whose timeout (epoll's) is in whole milliseconds; a 5ms
// call whose account froze returned up to 2ms past its deadline when the
// bound did not allow for it.
const timerGrain = time.Millisecond

// errNoTime is ask's answer when the call's deadline leaves the account
// less than timerGrain: no verdict on the account.
var errNoTime = errors.New("no time left to ask the account")

// learnFor is how long an attempt out to learn a bucket's window holds its
// other attempts back: rule 5's tolerance of a reset's precision.
const learnFor = time.Second

func newAccountGate(a RateLimitAccount, logger *slog.Logger, o Observer) *accountGate {
	if a == nil {
		return nil
	}
	g := &accountGate{a: a, timeout: DefaultAccountTimeout, logger: logger}
	if t, ok := a.(RateLimitAccountTimeout); ok && t.AccountTimeout() > 0 {
		g.timeout = t.AccountTimeout()
	}
	g.watcher, _ = o.(RateLimitAccountObserver)
	return g
}

// reserve asks the account for one send in b: the wait to follow, and ok
// false when the account did not answer or the attempt is the one that
// learns a window whose hold the Client does not believe (the attempt is
// then paced by the Client's own view).
func (g *accountGate) reserve(ctx context.Context, cl *call, b RateLimitBucket) (time.Duration, bool) {
	wait, err := g.ask(ctx, func(ctx context.Context) (time.Duration, error) { return g.a.Reserve(ctx, b) })
	if err == nil && wait > 0 {
		if r := g.readOf(b); !r.believes(time.Now(), wait) {
			return r.learn(wait)
		}
	}
	return max(wait, 0), g.judge(ctx, cl, err, true)
}

// observe tells the account what a response said about b's window, after
// keeping the longest window reported and judging by it the hold the
// attempt was sent against, if it was.
func (g *accountGate) observe(ctx context.Context, cl *call, b RateLimitBucket, w RateLimitWindow) {
	if err := g.readOf(b).heard(time.Now(), w); err != nil {
		g.judge(ctx, cl, err, false)
	}
	_, err := g.ask(ctx, func(ctx context.Context) (time.Duration, error) { return 0, g.a.Observe(ctx, b, w) })
	g.judge(ctx, cl, err, false)
}

func (g *accountGate) readOf(b RateLimitBucket) *bucketRead {
	v, ok := g.read.Load(b)
	if !ok {
		v, _ = g.read.LoadOrStore(b, new(bucketRead))
	}
	return v.(*bucketRead)
}

// tolerance is rule 5's tolerance of a reset's precision in a window of
// length l.
func tolerance(l time.Duration) time.Duration { return min(time.Second, l/2) }

// learnsInstead reports whether a call the account's hold of wait on b
// would refuse is instead the attempt that learns b's window (the rule at
// the head of this file): when this Client has read no window of b and no
// other attempt is out to learn one.
func (g *accountGate) learnsInstead(b RateLimitBucket, wait time.Duration) bool {
	r := g.readOf(b)
	if r.longest.Load() > 0 {
		return false
	}
	_, held := r.learn(wait)
	return !held
}

// believes reports whether a hold of wait from now ends no later than the
// server could end it (the rule at the head of this file).
func (r *bucketRead) believes(now time.Time, wait time.Duration) bool {
	return now.Add(wait).UnixNano() <= r.bound(now)
}

// bound is the latest end (Unix ns) of a hold the server could impose from
// now, its tolerance included: the reset last read while it is ahead, else
// one longest window read from now, else one documented window.
func (r *bucketRead) bound(now time.Time) int64 {
	l := time.Duration(r.longest.Load())
	if l == 0 {
		return now.Add(documentedWindow + tolerance(documentedWindow)).UnixNano()
	}
	if rst := r.reset.Load(); rst > now.UnixNano() {
		return rst + int64(tolerance(l))
	}
	return now.Add(l + tolerance(l)).UnixNano()
}

// heard records a response's window (its length, its reset), and returns
// the contradiction when it shows the server's window resetting sooner than
// the end of the hold a learning attempt was sent against, by more than the
// tolerance.
func (r *bucketRead) heard(now time.Time, w RateLimitWindow) error {
	raise(&r.longest, int64(w.Reset))
	raise(&r.reset, now.Add(w.Reset).UnixNano())
	d := r.doubted.Swap(0)
	if d == 0 {
		return nil
	}
	held := time.Duration(d - now.UnixNano())
	if held <= w.Reset+tolerance(time.Duration(r.longest.Load())) {
		return nil
	}
	return &contradiction{held: held, reset: w.Reset}
}

// raise sets v to x when x is greater.
func raise(v *atomic.Int64, x int64) {
	for {
		old := v.Load()
		if x <= old || v.CompareAndSwap(old, x) {
			return
		}
	}
}

// learn answers a hold of wait it does not believe: ok false for the one
// attempt that goes to learn the window (paced by the Client's own view),
// else the hold for what is left of that attempt's second. No change of
// trust: the server's answer judges the hold (heard).
func (r *bucketRead) learn(wait time.Duration) (time.Duration, bool) {
	for {
		now, until := time.Now().UnixNano(), r.learning.Load()
		if now < until {
			return min(wait, time.Duration(until-now), learnFor), true
		}
		if r.learning.CompareAndSwap(until, now+int64(learnFor)) {
			r.doubted.Store(now + int64(wait))
			return 0, false
		}
	}
}

// contradiction is the server's answer showing that the account held a
// send past the server's window.
type contradiction struct{ held, reset time.Duration }

func (e *contradiction) Error() string {
	return fmt.Sprintf("the account held sends for %s more; the server's window resets in %s",
		e.held.Round(time.Millisecond), e.reset.Round(time.Millisecond))
}

// ask runs f under the bound and ctx, and returns when either ends even if
// f does not: an account that ignores its context cannot hold the call. The
// account gets at most half the time left before ctx's deadline, so that a
// call whose account does not answer still has the rest to be sent, paced
// by the Client's own view: no call fails because its account is slow.
// The bound ends timerGrain before that half, the latest the runtime may
// end it; when that leaves nothing the account is not asked (errNoTime).
func (g *accountGate) ask(ctx context.Context, f func(context.Context) (time.Duration, error)) (time.Duration, error) {
	timeout := g.timeout
	if d, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(d)/2-timerGrain)
		if timeout <= 0 {
			return 0, errNoTime
		}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	type answer struct {
		d   time.Duration
		err error
	}
	done := make(chan answer, 1)
	go func() {
		d, err := f(ctx)
		done <- answer{d, err}
	}()
	select {
	case a := <-done:
		return a.d, a.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// judge records whether the account answered, announcing a change of trust
// once, and returns whether it did. Any failed call loses trust; only a
// Reserve the Client can follow (reserving) wins it back, so that an
// account whose Observe answers but whose holds cannot be followed does not
// flap. A call whose own context ended is no verdict on the account. The
// account's error is announced (logged, handed to the Observer) as cl shows
// it: scrubbed of the call's keys and credentials, which the account's own
// text may quote.
func (g *accountGate) judge(ctx context.Context, cl *call, err error, reserving bool) bool {
	if err != nil && (ctx.Err() != nil || err == errNoTime) {
		return false
	}
	if err == nil {
		if reserving && g.distrusted.CompareAndSwap(true, false) {
			g.announce(ctx, RateLimitAccountEvent{Trusted: true})
		}
		return true
	}
	if g.distrusted.CompareAndSwap(false, true) {
		g.announce(ctx, RateLimitAccountEvent{Err: cl.shown(err)})
	}
	return false
}

func (g *accountGate) announce(ctx context.Context, e RateLimitAccountEvent) {
	logAccount(ctx, g.logger, e)
	if g.watcher != nil {
		g.watcher.RateLimitAccountChanged(e)
	}
}
