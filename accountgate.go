package freddy

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// DefaultAccountTimeout bounds each call the Client makes to its
// RateLimitAccount (Reserve before an attempt, Observe after a response),
// unless the account names its own bound (RateLimitAccountTimeout). A call
// with a deadline gives its account at most half the time left, keeping the
// rest to send the attempt.
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
// that fails or does not answer within its bound, and paces by its own view
// of the window from then on; it asks the account again before each attempt
// and trusts it again on the first answer. Each change is reported once,
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
	// Err is why the account is not trusted: its error, or
	// context.DeadlineExceeded when it did not answer within the bound;
	// nil when Trusted.
	Err error
}

// accountGate is the Client's use of a RateLimitAccount: every call
// bounded, and the Client's trust in it, which changes on the first failure
// and the first answer after it.
type accountGate struct {
	a       RateLimitAccount
	bound   time.Duration
	logger  *slog.Logger
	watcher RateLimitAccountObserver
	// distrusted is set while the account is not trusted.
	distrusted atomic.Bool
}

func newAccountGate(a RateLimitAccount, logger *slog.Logger, o Observer) *accountGate {
	if a == nil {
		return nil
	}
	g := &accountGate{a: a, bound: DefaultAccountTimeout, logger: logger}
	if t, ok := a.(RateLimitAccountTimeout); ok && t.AccountTimeout() > 0 {
		g.bound = t.AccountTimeout()
	}
	g.watcher, _ = o.(RateLimitAccountObserver)
	return g
}

// reserve asks the account for one send in b: the wait it asked for, and ok
// false when it did not answer (the attempt is then paced by the Client's
// own view).
func (g *accountGate) reserve(ctx context.Context, cl *call, b RateLimitBucket) (time.Duration, bool) {
	wait, err := g.ask(ctx, func(ctx context.Context) (time.Duration, error) { return g.a.Reserve(ctx, b) })
	if err == nil && wait < 0 {
		wait = 0
	}
	return wait, g.judge(ctx, cl, err)
}

// observe tells the account what a response said about b's window.
func (g *accountGate) observe(ctx context.Context, cl *call, b RateLimitBucket, w RateLimitWindow) {
	_, err := g.ask(ctx, func(ctx context.Context) (time.Duration, error) { return 0, g.a.Observe(ctx, b, w) })
	g.judge(ctx, cl, err)
}

// ask runs f under the bound and ctx, and returns when either ends even if
// f does not: an account that ignores its context cannot hold the call. The
// account gets at most half the time left before ctx's deadline, so that a
// call whose account does not answer still has the rest to be sent, paced
// by the Client's own view: no call fails because its account is slow.
func (g *accountGate) ask(ctx context.Context, f func(context.Context) (time.Duration, error)) (time.Duration, error) {
	bound := g.bound
	if d, ok := ctx.Deadline(); ok {
		bound = min(bound, time.Until(d)/2)
	}
	ctx, cancel := context.WithTimeout(ctx, bound)
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
// once, and returns whether it did. A call whose own context ended is no
// verdict on the account. The account's error is announced (logged, handed
// to the Observer) as cl shows it: scrubbed of the call's keys and
// credentials, which the account's own text may quote.
func (g *accountGate) judge(ctx context.Context, cl *call, err error) bool {
	if err != nil && ctx.Err() != nil {
		return false
	}
	if err == nil {
		if g.distrusted.CompareAndSwap(true, false) {
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
