package redisfreddy

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/aitronos/freddy-go"
)

// Defaults of the options.
const (
	DefaultTimeout  = 50 * time.Millisecond
	DefaultCooldown = 250 * time.Millisecond
)

// ErrUnavailable is wrapped by every error the account returns because Redis
// did not answer in time or answered with an error, and by those it returns
// without asking Redis during a cooldown.
var ErrUnavailable = errors.New("redis unavailable")

// Option configures WithSharedRateLimit.
type Option func(*account)

// WithTimeout bounds each Redis call the account makes (one per attempt, and
// one for a response that may change the window); the caller's deadline
// bounds it too. The Client bounds each call to its account by the same d
// (the account names it through freddy.RateLimitAccountTimeout), so a Redis
// that answers within d stays trusted. d <= 0 keeps DefaultTimeout.
func WithTimeout(d time.Duration) Option {
	return func(a *account) {
		if d > 0 {
			a.timeout = d
		}
	}
}

// WithCooldown sets how long, once Redis calls have failed for 100ms with no
// answer in between, the account answers ErrUnavailable without asking
// Redis, before one call tries it again. d <= 0 keeps DefaultCooldown.
func WithCooldown(d time.Duration) Option {
	return func(a *account) {
		if d > 0 {
			a.guard.cooldown = d
		}
	}
}

// WithSharedRateLimit makes the Client keep its account of the server's
// rate-limit windows in Redis, shared with every Client built with the same
// Redis and key (see the package documentation for the rules). key names
// the fleet; it should not hold a secret. A nil rdb or an empty key gives an
// account whose every call fails with an error saying so, so that the Client
// paces by its own view and logs why.
func WithSharedRateLimit(rdb redis.UniversalClient, key string, opts ...Option) freddy.Option {
	return freddy.WithRateLimitAccount(newAccount(rdb, key, opts...))
}

// account is the freddy.RateLimitAccount on Redis.
type account struct {
	rdb     redis.UniversalClient
	prefix  string
	timeout time.Duration
	guard   guard
	// bad is the reason the account cannot work (bad arguments).
	bad error
	// seen is what Redis last said of each bucket, so that Observe can
	// skip what would change nothing.
	seen seenSet
	// now, when set (tests), replaces Redis TIME in the scripts.
	now func() time.Time
}

func newAccount(rdb redis.UniversalClient, key string, opts ...Option) *account {
	a := &account{rdb: rdb, prefix: "freddy:{" + key + "}:", timeout: DefaultTimeout,
		guard: guard{cooldown: DefaultCooldown, clock: time.Now}}
	for _, o := range opts {
		if o != nil {
			o(a)
		}
	}
	switch {
	case rdb == nil || isNilPointer(rdb):
		a.bad = errors.New("redisfreddy: WithSharedRateLimit: the redis client is nil")
	case key == "":
		a.bad = errors.New("redisfreddy: WithSharedRateLimit: the key is empty")
	}
	return a
}

// isNilPointer reports a typed nil in the interface (a *redis.Client
// constructor that returned nil), which == nil does not catch.
func isNilPointer(rdb redis.UniversalClient) bool {
	v := reflect.ValueOf(rdb)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// AccountTimeout is the bound the Client puts on each call to the account:
// the account's own (WithTimeout), so that the two never disagree.
func (a *account) AccountTimeout() time.Duration { return a.timeout }

// key is the Redis key of bucket b's hash.
func (a *account) key(b freddy.RateLimitBucket) string {
	return a.prefix + b.Key + ":" + b.Endpoint
}

// clockArg is the scripts' ARGV[1]: empty for Redis TIME.
func (a *account) clockArg() string {
	if a.now == nil {
		return ""
	}
	return strconv.FormatInt(a.now().UnixMicro(), 10)
}

// Reserve books one send in b's window in one round trip. It returns 0 when
// the send may go, or the time until the window's reset; an error wrapping
// ErrUnavailable when Redis cannot answer within the bound.
func (a *account) Reserve(ctx context.Context, b freddy.RateLimitBucket) (time.Duration, error) {
	reply, err := a.run(ctx, "reserve", reserveScript, a.key(b), a.clockArg())
	if err != nil {
		return 0, err
	}
	return micros(reply[0]), nil
}

// Observe records what one response said about b's window, in one round
// trip, unless what Redis last said of the window shows it would change
// nothing. A window with no reset ahead says nothing about the future and is
// not sent. It returns an error wrapping ErrUnavailable when Redis cannot
// answer within the bound.
func (a *account) Observe(ctx context.Context, b freddy.RateLimitBucket, w freddy.RateLimitWindow) error {
	if w.Reset <= 0 || w.Limit <= 0 {
		return nil
	}
	key := a.key(b)
	if s, ok := a.seen.get(key); ok && a.now == nil && s.idle(time.Now(), w) {
		return nil
	}
	_, err := a.run(ctx, "observe", observeScript, key, a.clockArg(),
		strconv.Itoa(w.Limit), strconv.Itoa(max(0, w.Remaining)), strconv.FormatInt(w.Reset.Microseconds(), 10))
	return err
}

// run runs script on the hash key through the guard, and keeps what its
// reply says of the window.
func (a *account) run(ctx context.Context, what string, script *redis.Script, key string, args ...any) ([]int64, error) {
	if a.bad != nil {
		return nil, a.bad
	}
	reply, err := do(&a.guard, ctx, a.timeout, func(ctx context.Context) ([]int64, error) {
		r, err := script.Run(ctx, a.rdb, []string{key}, args...).Int64Slice()
		if err == nil && len(r) == 0 {
			err = errors.New("empty reply")
		}
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("redisfreddy: %s: %w", what, err)
	}
	a.seen.put(key, reply, time.Now())
	return reply, nil
}

var _ freddy.RateLimitAccount = (*account)(nil)
