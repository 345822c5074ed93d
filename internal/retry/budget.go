package retry

import "sync/atomic"

// Budget is a client-wide token bucket in the style of the AWS SDK's standard
// retryer: a retry takes Cost tokens, a call that succeeds on its first
// attempt puts one token back, and a call that succeeds after retrying puts
// back what it took. An empty bucket means no retry, so a fleet of goroutines
// sharing one client stops multiplying its load during an outage and recovers
// as successes return. A nil *Budget never refuses. It is lock-free: every
// successful call touches it.
type Budget struct {
	tokens   atomic.Int64
	capacity int64
	cost     int64
}

// NewBudget returns a full bucket. It returns nil (unlimited) when capacity
// or cost is not positive.
func NewBudget(capacity, cost int) *Budget {
	if capacity <= 0 || cost <= 0 {
		return nil
	}
	b := &Budget{capacity: int64(capacity), cost: int64(cost)}
	b.tokens.Store(int64(capacity))
	return b
}

// Take removes one retry's cost and reports whether the bucket held it.
func (b *Budget) Take() bool {
	if b == nil {
		return true
	}
	for {
		t := b.tokens.Load()
		if t < b.cost {
			return false
		}
		if b.tokens.CompareAndSwap(t, t-b.cost) {
			return true
		}
	}
}

// Refund puts back the cost of one retry that was granted but never sent:
// its wait was abandoned because the caller's context ended.
func (b *Budget) Refund() {
	if b != nil {
		b.add(b.cost)
	}
}

// Success refunds a call that succeeded after the given number of retries
// that each took a token cost.
func (b *Budget) Success(retries int) {
	switch {
	case b == nil:
	case retries == 0:
		b.add(1)
	default:
		b.add(int64(retries) * b.cost)
	}
}

// add puts n tokens back, up to capacity. A full bucket, the common case,
// costs one load.
func (b *Budget) add(n int64) {
	for {
		t := b.tokens.Load()
		if t >= b.capacity {
			return
		}
		if b.tokens.CompareAndSwap(t, min(b.capacity, t+n)) {
			return
		}
	}
}

// Tokens returns the tokens left, for tests and diagnostics; -1 for a nil
// (unlimited) budget.
func (b *Budget) Tokens() int {
	if b == nil {
		return -1
	}
	return int(b.tokens.Load())
}
