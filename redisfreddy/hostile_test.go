package redisfreddy

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aitronos/freddy-go"
	"github.com/aitronos/freddy-go/freddytest"
)

// The account against a hash the scripts did not write as it is (a
// corrupted or hostile Redis): written here with HSET, read by the scripts
// on a real redis-server.

// us is t as the hash's microseconds.
func us(t time.Time) string { return strconv.FormatInt(t.UnixMicro(), 10) }

func usd(d time.Duration) string { return strconv.FormatInt(d.Microseconds(), 10) }

// write replaces the bucket's hash with fields.
func (c *clocked) write(fields ...string) {
	c.t.Helper()
	ctx := context.Background()
	key := c.key(bucket)
	require.NoError(c.t, c.rdb.Del(ctx, key).Err())
	args := make([]any, len(fields))
	for i, f := range fields {
		args[i] = f
	}
	require.NoError(c.t, c.rdb.HSet(ctx, key, args...).Err())
}

// hostile is a hash the scripts could have written, but for its reset and
// length: a window of 100 spent until 50 minutes from now.
func (c *clocked) hostile(extra ...string) {
	c.write(append([]string{"lim", "100", "len", usd(50 * time.Minute), "rst", us(c.now.Add(49*time.Minute + 58*time.Second)),
		"av", "0", "prj", "0", "prv", "0"}, extra...)...)
}

// A hash the rules did not write is no account (doc.go): whatever is wrong
// with it, the scripts forget it, so the first Reserve grants and the next
// response makes the window (rules 6 and 1).
func TestAHashTheRulesDidNotWriteIsForgotten(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fields func(c *clocked) []string
	}{
		{"a limit that is not a number", func(c *clocked) []string {
			return []string{"lim", "many", "len", usd(time.Second), "rst", us(c.now.Add(time.Second)), "av", "0", "prj", "0", "prv", "0"}
		}},
		{"sends left that are not a number", func(c *clocked) []string {
			return []string{"lim", "100", "len", usd(time.Second), "rst", us(c.now.Add(time.Second)), "av", "nan", "prj", "0", "prv", "0"}
		}},
		{"sends left above the limit", func(c *clocked) []string {
			return []string{"lim", "100", "len", usd(time.Second), "rst", us(c.now.Add(time.Second)), "av", "101", "prj", "0", "prv", "0"}
		}},
		{"sends left below zero", func(c *clocked) []string {
			return []string{"lim", "100", "len", usd(time.Second), "rst", us(c.now.Add(time.Second)), "av", "-5", "prj", "0", "prv", "0"}
		}},
		{"a reset further than the window's length", func(c *clocked) []string {
			return []string{"lim", "100", "len", usd(time.Second), "rst", us(c.now.Add(50 * time.Minute)), "av", "0", "prj", "0", "prv", "0"}
		}},
		{"a reset past the window's length and its tolerance (half the window)", func(c *clocked) []string {
			return []string{"lim", "100", "len", usd(time.Second), "rst", us(c.now.Add(1501 * time.Millisecond)), "av", "0", "prj", "0", "prv", "0"}
		}},
		{"a learning hold longer than a second", func(c *clocked) []string {
			return []string{"pre", "1", "lrn", us(c.now.Add(time.Second + time.Microsecond))}
		}},
		{"a learning hold that is not a number", func(c *clocked) []string {
			return []string{"pre", "1", "lrn", "soon"}
		}},
		{"a window longer than an hour", func(c *clocked) []string {
			return []string{"lim", "100", "len", usd(2 * time.Hour), "rst", us(c.now.Add(time.Hour)), "av", "0", "prj", "0", "prv", "0"}
		}},
		{"a reset that is not whole", func(c *clocked) []string {
			return []string{"lim", "100", "len", usd(time.Second), "rst", us(c.now) + ".5", "av", "0", "prj", "0", "prv", "0"}
		}},
		{"an infinite reset", func(c *clocked) []string {
			return []string{"lim", "100", "len", usd(time.Second), "rst", "-inf", "av", "0", "prj", "0", "prv", "0"}
		}},
		{"a window in part", func(c *clocked) []string {
			return []string{"rst", us(c.now.Add(time.Second)), "av", "0"}
		}},
		{"a window before after its reset", func(c *clocked) []string {
			return []string{"lim", "100", "len", usd(time.Second), "rst", us(c.now.Add(time.Second)), "av", "0", "prj", "0", "prv", us(c.now.Add(2 * time.Second))}
		}},
		{"a projection flag that is neither", func(c *clocked) []string {
			return []string{"lim", "100", "len", usd(time.Second), "rst", us(c.now.Add(time.Second)), "av", "0", "prj", "yes", "prv", "0"}
		}},
		{"a count before any window that is not a number", func(c *clocked) []string {
			return []string{"pre", "lots"}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClocked(t)
			c.write(tc.fields(c)...)
			wait, err := c.Reserve(context.Background(), bucket)
			require.NoError(t, err)
			assert.Zero(t, wait, "one send learns the window")
			c.observe(100, 90, time.Second)
			n, wait := c.grants()
			assert.Equal(t, 90, n, "the window as the response said")
			assert.Equal(t, time.Second, wait)
		})
	}
	t.Run("a key that is not a hash", func(t *testing.T) {
		c := newClocked(t)
		require.NoError(t, c.rdb.Set(context.Background(), c.key(bucket), "garbage", 0).Err())
		wait, err := c.Reserve(context.Background(), bucket)
		require.NoError(t, err)
		assert.Zero(t, wait)
		c.observe(100, 90, time.Second)
		n, _ := c.grants()
		assert.Equal(t, 90, n)
	})
}

// A response whose reset is sooner than the account's (beyond a second,
// and beyond half the window) is the server correcting it: the account
// takes the window as reported, its length forgotten, so that a hash
// holding the fleet for 50 minutes is repaired by the first response one
// Client sends (the core sends it: accountgate.go), whatever the hash says
// of the window before.
func TestAResetSoonerThanTheAccountsCorrectsIt(t *testing.T) {
	for _, tc := range []struct {
		name  string
		extra func(c *clocked) []string
		// left is what the account grants after the correction: the
		// window as reported, or for a projected window the lower of its
		// sends left and the remaining count (rule 5).
		left int
	}{
		{"a window", func(*clocked) []string { return nil }, 40},
		{"a projected window", func(*clocked) []string { return []string{"prj", "1"} }, 0},
		{"a window before it in the future", func(c *clocked) []string { return []string{"prv", us(c.now.Add(49 * time.Minute))} }, 40},
		{"a window before it just ahead", func(c *clocked) []string { return []string{"prv", us(c.now.Add(10 * time.Second))} }, 40},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClocked(t)
			c.hostile(tc.extra(c)...)
			wait, err := c.Reserve(context.Background(), bucket)
			require.NoError(t, err)
			require.Equal(t, 49*time.Minute+58*time.Second, wait, "the hash holds the fleet")
			c.observe(100, 40, 30*time.Second)
			n, wait := c.grants()
			assert.Equal(t, tc.left, n)
			assert.Equal(t, 30*time.Second, wait, "until the server's reset")
			// The length is the server's too: the next window, projected,
			// is 30s, not 50 minutes.
			c.advance(30 * time.Second)
			n, wait = c.grants()
			assert.Equal(t, 100, n)
			assert.Equal(t, 30*time.Second, wait)
		})
	}
}

// Within a second of the account's reset a response is the same window: a
// reset a little sooner (a response that came faster) lowers the reset and
// the sends left, and brings back none (rule 2).
func TestAResetALittleSoonerIsTheSameWindow(t *testing.T) {
	c := newClocked(t)
	c.observe(100, 50, 10*time.Second)
	c.observe(100, 60, 10*time.Second-900*time.Millisecond)
	n, wait := c.grants()
	assert.Equal(t, 50, n)
	assert.Equal(t, 10*time.Second-900*time.Millisecond, wait)
}

// A hash rewritten to hold the fleet for 50 minutes holds no call: the
// Client checks the account's hold against the window it read (or, having
// read none, cannot check it), sends, and its response repairs the account
// for the fleet, which then shares the window again. The server's answer
// contradicted the account: the Client says once that it stopped trusting
// it, and once, at its first hold it can follow, that it trusts it again.
// The other Client, which met only the repaired account, says nothing.
func TestAHostileHashHoldsNoCall(t *testing.T) {
	for _, tc := range []struct {
		name string
		// read is whether the Client that meets the hash has read the
		// window.
		read bool
	}{
		{"a Client that read the window", true},
		{"a Client that read none", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const limit, window = 10, time.Minute
			srv := freddytest.NewServer(freddytest.WithRateLimit(limit, window))
			defer srv.Close()
			rdb := shared.client(t)
			ctx := context.Background()
			key := fleetKey(t)
			ws := []*accountWatch{{}, {}}
			cs := []*freddy.Client{
				fleet(t, srv, rdb, key, 1, freddy.WithObserver(ws[0]))[0],
				fleet(t, srv, rdb, key, 1, freddy.WithObserver(ws[1]))[0],
			}
			// The bucket's hash, named by a Client of another fleet (the
			// same API key) when the Client must not have read a window.
			learner, learnerKey := cs[0], key
			if !tc.read {
				learnerKey = fleetKey(t) + "-other"
				learner = fleet(t, srv, rdb, learnerKey, 1)[0]
			}
			_, err := learner.Configurations.Create(ctx, params())
			require.NoError(t, err)
			sent := len(srv.Requests())
			keys, err := rdb.Keys(ctx, "freddy:{*").Result()
			require.NoError(t, err)
			hash := ""
			for _, k := range keys {
				if suffix, ok := strings.CutPrefix(k, "freddy:{"+learnerKey+"}:"); ok {
					hash = "freddy:{" + key + "}:" + suffix
				}
			}
			require.NotEmpty(t, hash, "the bucket's hash in %v", keys)
			now, err := rdb.Time(ctx).Result()
			require.NoError(t, err)
			require.NoError(t, rdb.HSet(ctx, hash, "lim", limit, "len", usd(50*time.Minute),
				"rst", us(now.Add(49*time.Minute+58*time.Second)), "av", 0, "prj", 0, "prv", 0).Err())

			// The call goes: it is not held for the hash's 49m58s, nor
			// refused for it.
			callCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
			_, err = cs[0].Configurations.Create(callCtx, params())
			cancel()
			require.NoError(t, err, "the call goes")
			sent++
			assert.Len(t, srv.Requests(), sent)

			// Its response repaired the account: the server's reset and
			// the sends it has left.
			now, err = rdb.Time(ctx).Result()
			require.NoError(t, err)
			h, err := rdb.HGetAll(ctx, hash).Result()
			require.NoError(t, err)
			rst, _ := strconv.ParseInt(h["rst"], 10, 64)
			assert.LessOrEqual(t, time.UnixMicro(rst).Sub(now), window, "the server's reset: %v", h)
			assert.Equal(t, strconv.Itoa(limit-sent), h["av"], "the sends the server has left: %v", h)
			requireTrust(t, ws[0], false)

			// The fleet shares the window again: the other Client is
			// granted the rest of it, then held by the account, not sent.
			for range limit - sent {
				_, err = cs[1].Configurations.Create(ctx, params())
				require.NoError(t, err)
			}
			callCtx, cancel = context.WithTimeout(ctx, 2*time.Second)
			_, err = cs[1].Configurations.Create(callCtx, params())
			cancel()
			var rl *freddy.RateLimitError
			require.ErrorAs(t, err, &rl)
			assert.Zero(t, rl.StatusCode, "held by the account, not sent: %v", err)
			assert.LessOrEqual(t, rl.RetryAfter, window)
			assert.Len(t, srv.Requests(), limit)
			requireTrust(t, ws[1])

			// The Client that stopped trusting the account trusts it again
			// on its first hold it can follow.
			callCtx, cancel = context.WithTimeout(ctx, 2*time.Second)
			_, err = cs[0].Configurations.Create(callCtx, params())
			cancel()
			require.ErrorAs(t, err, &rl)
			assert.Zero(t, rl.StatusCode, "held by the account, not sent: %v", err)
			requireTrust(t, ws[0], false, true)
		})
	}
}

// requireTrust checks the changes of trust w heard.
func requireTrust(t *testing.T, w *accountWatch, trusted ...bool) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	var got []bool
	for _, e := range w.events {
		got = append(got, e.Trusted)
	}
	require.Equal(t, trusted, got, "%v", w.events)
}

// A writer can pose as a busy fleet (doc.go): a hash rewritten as these
// scripts could have written it (no sends left, the reset one window of the
// server's away) holds the fleet, silently, though the server has room:
// the Client's call is held, not sent, and no change of trust is
// announced. Only keeping Redis's keys to the fleet prevents it.
func TestAWriterCanPoseAsABusyFleet(t *testing.T) {
	const limit, window = 10, time.Minute
	srv := freddytest.NewServer(freddytest.WithRateLimit(limit, window))
	defer srv.Close()
	rdb := shared.client(t)
	ctx := context.Background()
	key := fleetKey(t)
	w := &accountWatch{}
	c := fleet(t, srv, rdb, key, 1, freddy.WithObserver(w))[0]
	_, err := c.Configurations.Create(ctx, params())
	require.NoError(t, err)
	keys, err := rdb.Keys(ctx, "freddy:{"+key+"}:*").Result()
	require.NoError(t, err)
	require.Len(t, keys, 1)
	h, err := rdb.HGetAll(ctx, keys[0]).Result()
	require.NoError(t, err)
	require.NoError(t, rdb.HSet(ctx, keys[0], "av", 0).Err(), "the window as a fleet that spent it: %v", h)

	callCtx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	_, err = c.Configurations.Create(callCtx, params())
	cancel()
	var rl *freddy.RateLimitError
	require.ErrorAs(t, err, &rl)
	assert.Zero(t, rl.StatusCode, "held by the account, not sent: %v", err)
	assert.Len(t, srv.Requests(), 1, "the server had %d sends left", limit-1)
	requireTrust(t, w)
}

// A hash written with no sends left and a reset within the tolerance past
// the server's (a bad write the scripts cannot tell from a fleet's) is not
// repaired by the server's answer: the answer puts the account on the
// server's reset, with the hash's sends left (rule 2), so one window of the
// server's is lost, no more (doc.go, "A hash the rules did not write").
func TestABadWriteWithinTheToleranceCostsOneWindow(t *testing.T) {
	c := newClocked(t)
	c.write("lim", "100", "len", usd(time.Second), "rst", us(c.now.Add(1400*time.Millisecond)), "av", "0", "prj", "0", "prv", "0")
	c.observe(100, 96, time.Second)
	n, wait := c.grants()
	assert.Zero(t, n, "the hash's sends left")
	assert.Equal(t, time.Second, wait, "until the server's reset")
	c.advance(time.Second)
	n, _ = c.grants()
	assert.Equal(t, 100, n, "the next window is the server's whole limit")
}
