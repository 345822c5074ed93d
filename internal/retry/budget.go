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

// Refund puts back the cost of one retry that was granted but never sent:
// its wait was abandoned because the caller's context ended.
func (b *Budget) Refund() { b.add(b.costOf(1)) }

// Success refunds a call that succeeded after the given number of retries
// that each took a token cost.
func (b *Budget) Success(retries int) {
	if retries == 0 {
		b.add(1)
		return
	}
	b.add(b.costOf(retries))
}

func (b *Budget) costOf(retries int) int {
	if b == nil {
		return 0
	}
	return retries * b.cost
}

func (b *Budget) add(n int) {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.tokens = min(b.capacity, b.tokens+n)
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
