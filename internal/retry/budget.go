package retry

import "sync"

// Budget is a client-wide token bucket in the style of the AWS SDK's standard
// retryer: a retry takes Cost tokens, a call that succeeds on its first
// attempt puts one token back, and a call that succeeds after retrying puts
// back what it took. An empty bucket means no retry, so a fleet of goroutines
// sharing one client stops multiplying its load during an outage and recovers
// as successes return. A nil *Budget never refuses.
type Budget struct {
	mu       sync.Mutex
	tokens   int
	capacity int
	cost     int
}

// NewBudget returns a full bucket. It returns nil (unlimited) when capacity
// or cost is not positive.
func NewBudget(capacity, cost int) *Budget {
	if capacity <= 0 || cost <= 0 {
		return nil
	}
	return &Budget{tokens: capacity, capacity: capacity, cost: cost}
}

// Take removes one retry's cost and reports whether the bucket held it.
func (b *Budget) Take() bool {
	if b == nil {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tokens < b.cost {
		return false
	}
	b.tokens -= b.cost
	return true
}

// Success refunds a call that succeeded after the given number of retries
// that each took a token cost.
func (b *Budget) Success(retries int) {
	if b == nil {
		return
	}
	refund := 1
	if retries > 0 {
		refund = retries * b.cost
	}
	b.mu.Lock()
	b.tokens = min(b.capacity, b.tokens+refund)
	b.mu.Unlock()
}

// Tokens returns the tokens left, for tests and diagnostics; -1 for a nil
// (unlimited) budget.
func (b *Budget) Tokens() int {
	if b == nil {
		return -1
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.tokens
}
