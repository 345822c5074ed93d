package redisfreddy

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// guard bounds every Redis call and, once calls have failed with no answer
// in between for tripSpan, keeps the account from asking Redis for a
// cooldown; then lets one call probe it (a failed probe starts the next
// cooldown). A Client whose Redis is frozen thus spends a few bounds per
// cooldown, not one per attempt, while a stall on a loaded machine (every
// call out at that moment late at once) costs only those calls.
type guard struct {
	cooldown time.Duration
	clock    func() time.Time

	mu sync.Mutex
	// openUntil is the end of the cooldown; zero while Redis answers.
	openUntil time.Time
	// probing is set while the one call after a cooldown is out.
	probing bool
	// failingSince is when the calls started failing; zero after an
	// answer.
	failingSince time.Time
}

// tripSpan is how long calls must have failed, with no answer in between,
// to start a cooldown.
const tripSpan = 100 * time.Millisecond

// result is what one Redis call returned.
type result[T any] struct {
	v   T
	err error
}

// do runs fn under g with a context bounded by timeout and ctx. It returns as soon as
// either ends, even when fn does not return (a redis client whose context
// does not bound its reads): fn's goroutine then ends with the redis client's
// own read timeout. Errors wrap ErrUnavailable.
func do[T any](g *guard, ctx context.Context, timeout time.Duration, fn func(context.Context) (T, error)) (T, error) {
	var zero T
	probe, err := g.enter()
	if err != nil {
		return zero, err
	}
	if err := ctx.Err(); err != nil {
		g.settle(probe, gaveUp)
		return zero, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ch := make(chan result[T], 1)
	go func() {
		// A panicking redis client (a typed-nil one, say) is a failed
		// call, not the end of the process: this goroutine is ours, and
		// no caller could recover it.
		defer func() {
			if p := recover(); p != nil {
				ch <- result[T]{err: fmt.Errorf("the redis client panicked: %v", p)}
			}
		}()
		v, err := fn(cctx)
		ch <- result[T]{v, err}
	}()
	var r result[T]
	select {
	case r = <-ch:
	case <-cctx.Done():
		r.err = fmt.Errorf("no answer within %s: %w", timeout, cctx.Err())
	}
	switch {
	case r.err == nil:
		g.settle(probe, answered)
		return r.v, nil
	case errors.Is(ctx.Err(), context.Canceled):
		// The caller giving up says nothing about Redis. A deadline does:
		// Redis did not answer in the time it had (the Client's bound on
		// the account is this bound, so the two end together).
		g.settle(probe, gaveUp)
	default:
		g.settle(probe, failed)
	}
	return zero, fmt.Errorf("%w: %w", ErrUnavailable, r.err)
}

// enter admits a call: always while Redis answers, never during the
// cooldown, and one probe after it. probe reports that this call is the
// probe.
func (g *guard) enter() (probe bool, err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.openUntil.IsZero() {
		return false, nil
	}
	if left := g.openUntil.Sub(g.clock()); left > 0 || g.probing {
		return false, fmt.Errorf("%w: a call failed; asking again in %s", ErrUnavailable, max(left, 0))
	}
	g.probing = true
	return true, nil
}

// outcome is what one call says about Redis.
type outcome int

const (
	answered outcome = iota // Redis answered: close the guard
	failed                  // Redis failed or did not answer: open it for the cooldown
	gaveUp                  // the caller gave up first: nothing learnt
)

// settle records a call's outcome and frees the probe.
func (g *guard) settle(probe bool, o outcome) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if probe {
		g.probing = false
	}
	switch o {
	case answered:
		g.openUntil, g.failingSince = time.Time{}, time.Time{}
	case failed:
		now := g.clock()
		if g.failingSince.IsZero() {
			g.failingSince = now
		}
		if probe || now.Sub(g.failingSince) >= tripSpan {
			g.openUntil, g.failingSince = now.Add(g.cooldown), time.Time{}
		}
	}
}
