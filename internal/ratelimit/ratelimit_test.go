package ratelimit

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// Each test is named after the rule of doc.go it checks, and runs in a
// synctest bubble: time is fake and exact.

const key = "k"

var roomy = Limits{MaxWait: time.Minute, MinAttempt: 250 * time.Millisecond}

// report is a report of limit 10 with remaining left and the reset d from
// now, sent a millisecond ago.
func report(left int, d time.Duration) Report {
	now := time.Now()
	return Report{Limit: 10, Remaining: left, HasRemaining: true, Reset: now.Add(d), Prec: Fine, Sent: now.Add(-time.Millisecond)}
}

// acquireAt returns how long Acquire held, and its error.
func acquireAt(p *Pacer, endpoint string, lim Limits) (time.Duration, error) {
	start := time.Now()
	_, err := p.Acquire(context.Background(), key, endpoint, time.Time{}, lim)
	return time.Since(start), err
}

func mustView(t *testing.T, p *Pacer, k string) (int, int, time.Time) {
	t.Helper()
	l, r, reset, ok := p.View(k)
	if !ok {
		t.Fatal("no view")
	}
	return l, r, reset
}

func TestRule1BucketKeyIsAHash(t *testing.T) {
	secret := "fk_live_SECRETKEY_0123456789"
	h := KeyOf(secret)
	if h == KeyOf("fk_live_SECRETKEY_0123456788") || h != KeyOf(secret) {
		t.Fatal("a key's identity must be its own and stable")
	}
	for i := 0; i+4 <= len(secret); i++ {
		if strings.Contains(h, secret[i:i+4]) {
			t.Fatalf("the hash holds part of the key: %q", secret[i:i+4])
		}
	}
	synctest.Test(t, func(t *testing.T) {
		p := New(h)
		p.Observe("other", "Create", report(0, time.Minute))
		if d, err := acquireAt(p, "Create", roomy); err != nil || d != 0 {
			t.Fatalf("another key's spent window held this key: %v %v", d, err)
		}
		if _, err := p.Acquire(context.Background(), "other", "Create", time.Time{}, Limits{MaxWait: time.Second}); err == nil {
			t.Fatal("the other key's window is its own")
		}
	})
}

func TestRule2SharingSplitsWhenAnotherEndpointsCountDoesNotFall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(key)
		p.Observe(key, "Create", report(4, 10*time.Second))
		time.Sleep(2 * time.Millisecond)
		p.Observe(key, "List", report(4, 10*time.Second))
		if !p.Split(key) {
			t.Fatal("a List sent after the Create's answer reported as many left: its own window")
		}
		for range 3 {
			if d, err := acquireAt(p, "Create", roomy); err != nil || d != 0 {
				t.Fatal("the Create window had room")
			}
		}
	})
}

func TestRule2SharingSplitsWhenFewerCountedThanAnswered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(key)
		for i := range 5 {
			p.Observe(key, []string{"Create", "List"}[i%2], report(9-i, 10*time.Second))
			time.Sleep(2 * time.Millisecond)
		}
		if p.Split(key) {
			t.Fatal("a count falling by one an answer is a shared window")
		}
		// Three answers of Create so far; a Create counted third sent after
		// five answers: its count is not shared with List's.
		p.Observe(key, "Create", report(7, 10*time.Second))
		if !p.Split(key) {
			t.Fatal("the server counted 3 where this Client had 5 answers: not one window")
		}
	})
}

func TestRule2SharingKeptWithOtherClients(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(key)
		left := 100
		for i := range 40 {
			left -= 3 // two other Clients' requests between each of ours
			p.Observe(key, []string{"Create", "List", "Get"}[i%3], Report{Limit: 200, Remaining: left, HasRemaining: true,
				Reset: time.Now().Add(10 * time.Second), Prec: Fine, Sent: time.Now().Add(-time.Millisecond)})
			time.Sleep(2 * time.Millisecond)
		}
		if p.Split(key) {
			t.Fatal("one window shared by several Clients must stay one")
		}
	})
}

func TestRule3OnlyExplicitWindowInformation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(key)
		p.Observe(key, "Create", Report{Reset: time.Now().Add(30 * time.Minute), Prec: Asked})
		if _, _, _, ok := p.View(key); ok {
			t.Fatal("a reset alone, with no limit or remaining, made a window")
		}
		p.Observe(key, "Create", Report{Limit: 5, Remaining: 0, HasRemaining: true})
		if _, _, _, ok := p.View(key); ok {
			t.Fatal("counts without a reset made a window")
		}
	})
}

func TestRule4Horizon(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(key)
		p.Observe(key, "Create", report(0, time.Hour+time.Second))
		p.Observe(key, "Create", report(0, -time.Second))
		if d, err := acquireAt(p, "Create", roomy); err != nil || d != 0 {
			t.Fatal("a reset beyond the hour or in the past held a call")
		}
		p.Observe(key, "Create", report(0, time.Hour))
		if _, err := acquireAt(p, "Create", roomy); err == nil {
			t.Fatal("a reset within the hour is believed")
		}
	})
}

func TestRule5SameWindowMerges(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(key)
		now := time.Now()
		p.Observe(key, "Create", Report{Limit: 10, Remaining: 6, HasRemaining: true, Reset: now.Add(2 * time.Second), Prec: WholeSeconds})
		p.Observe(key, "Create", Report{Limit: 10, Remaining: 8, HasRemaining: true, Reset: now.Add(1300 * time.Millisecond), Prec: Fine})
		if _, left, reset := mustView(t, p, key); left != 6 || !reset.Equal(now.Add(1300*time.Millisecond)) {
			t.Fatalf("lowest remaining and the precise reset: got %d %v", left, reset.Sub(now))
		}
		p.Observe(key, "Create", Report{Limit: 10, Remaining: 5, HasRemaining: true, Reset: now.Add(1200 * time.Millisecond), Prec: Fine})
		if _, left, reset := mustView(t, p, key); left != 5 || !reset.Equal(now.Add(1200*time.Millisecond)) {
			t.Fatal("the earliest of equally precise resets")
		}
		p.Observe(key, "Create", Report{Limit: 10, Remaining: 2, HasRemaining: true, Reset: now.Add(30 * time.Second), Prec: Fine})
		if _, left, reset := mustView(t, p, key); left != 2 || !reset.Equal(now.Add(1200*time.Millisecond)) {
			t.Fatal("a later reset while current only lowers the room")
		}
	})
}

func TestRule5StaleReportOfTheEndedWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(key)
		p.Observe(key, "Create", report(0, time.Second))
		time.Sleep(time.Second)
		p.Observe(key, "Create", report(3, 900*time.Millisecond))
		time.Sleep(100 * time.Millisecond)
		// Late answers of the window that ended at 1.9s arrive at 2.0s.
		time.Sleep(900 * time.Millisecond)
		p.Observe(key, "Create", report(9, 5*time.Millisecond))
		if _, left, _ := mustView(t, p, key); left != 10 {
			t.Fatalf("a stale report changed the projected window: %d", left)
		}
	})
}

// One report of a far reset (under the horizon) after a window ended opens
// a window that would hold every send for 30 minutes; the next report of
// the server's real, sooner reset replaces it, and the odd length projects
// nothing.
func TestRule5ASoonerResetReplacesAnOddWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(key)
		p.Observe(key, "Create", report(5, 200*time.Millisecond))
		time.Sleep(300 * time.Millisecond)
		p.Observe(key, "Create", report(1, 30*time.Minute))
		if d, err := acquireAt(p, "Create", roomy); err != nil || d != 0 {
			t.Fatalf("the odd window's one send: %v %v", d, err)
		}
		p.Observe(key, "Create", report(4, 200*time.Millisecond))
		for range 4 {
			if d, err := acquireAt(p, "Create", roomy); err != nil || d != 0 {
				t.Fatalf("the server's window has room: sent at once, got %v %v", d, err)
			}
		}
		if d, _ := acquireAt(p, "Create", roomy); d != 200*time.Millisecond {
			t.Fatalf("spent: held until the server's reset, got %v", d)
		}
		time.Sleep(200 * time.Millisecond)
		_, _, reset := mustView(t, p, key)
		if d := time.Until(reset); d > 200*time.Millisecond {
			t.Fatalf("the projected window is %v long: the odd report's length carried over", d)
		}
	})
}

func TestRule6LengthIsThisWindowsOnly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(key)
		// 100ms windows, then one report of a 30s reset (another limit's),
		// then the 100ms windows again.
		p.Observe(key, "Create", report(5, 100*time.Millisecond))
		time.Sleep(100 * time.Millisecond)
		p.Observe(key, "Create", report(0, 30*time.Second))
		time.Sleep(30 * time.Second)
		for range 3 {
			p.Observe(key, "Create", report(4, 100*time.Millisecond))
			time.Sleep(100 * time.Millisecond)
		}
		_, _, reset := mustView(t, p, key)
		if d := time.Until(reset); d > 100*time.Millisecond {
			t.Fatalf("the projected window is %v long: one odd report changed the length for good", d)
		}
	})
}

func TestRule7SendAtOnceWhileRoomThenAtTheReset(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(key)
		p.Observe(key, "Create", report(3, time.Second))
		for range 3 {
			if d, err := acquireAt(p, "Create", roomy); err != nil || d != 0 {
				t.Fatal("room: at once")
			}
		}
		if d, err := acquireAt(p, "Create", roomy); err != nil || d != time.Second {
			t.Fatalf("spent: at the reset, got %v %v", d, err)
		}
		for range 9 {
			if d, _ := acquireAt(p, "Create", roomy); d != 0 {
				t.Fatal("the projected window's room")
			}
		}
		if d, _ := acquireAt(p, "Create", roomy); d != time.Second {
			t.Fatal("at most the window's count per window")
		}
	})
}

func TestRule8HoldRefusedByDeadlineMinAttemptAndMaxWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(key)
		p.Observe(key, "Create", report(0, time.Second))
		for _, tc := range []struct {
			deadline time.Duration
			maxWait  time.Duration
			why      string
		}{
			{time.Second, time.Minute, "after the context deadline"},
			{time.Second + 100*time.Millisecond, time.Minute, "leaves less than 250ms"},
			{time.Minute, 500 * time.Millisecond, "max retry wait 500ms"},
		} {
			ctx, cancel := context.WithTimeout(context.Background(), tc.deadline)
			start := time.Now()
			_, err := p.Acquire(ctx, key, "Create", time.Time{}, Limits{MaxWait: tc.maxWait, MinAttempt: 250 * time.Millisecond})
			cancel()
			var r *Refusal
			if !errors.As(err, &r) || !strings.Contains(r.Why, tc.why) || r.Wait != time.Second || time.Since(start) != 0 {
				t.Fatalf("%s: got %v after %v", tc.why, err, time.Since(start))
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second+250*time.Millisecond)
		defer cancel()
		start := time.Now()
		if _, err := p.Acquire(ctx, key, "Create", time.Time{}, roomy); err != nil || time.Since(start) != time.Second {
			t.Fatal("a turn leaving MinAttempt is waited for")
		}
	})
}

func TestRule8HoldIsTheCallsAlone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(key)
		start := time.Now()
		if _, err := p.Acquire(context.Background(), key, "Create", start.Add(2*time.Second), roomy); err != nil || time.Since(start) != 2*time.Second {
			t.Fatal("the call is held to its Hold")
		}
		if d, err := acquireAt(p, "Create", roomy); err != nil || d != 0 {
			t.Fatal("another call is not")
		}
	})
}

func TestRule8HoldIsTheResetItsRetryAfterRounds(t *testing.T) {
	now := time.Now()
	spent := Report{Limit: 10, HasRemaining: true, Refused: true, Reset: now.Add(850 * time.Millisecond), Prec: Fine}
	if h := HoldOf(spent, time.Second, now); !h.Equal(spent.Reset) {
		t.Fatalf("Retry-After 1 (whole seconds) rounds up a reset 850ms away: held to the reset, got %v", h.Sub(now))
	}
	far := spent
	far.Reset = now.Add(200 * time.Millisecond)
	if h := HoldOf(far, 5*time.Second, now); !h.Equal(now.Add(5 * time.Second)) {
		t.Fatal("a Retry-After longer than the reset's second is the server's word")
	}
	bare := Report{}
	if h := HoldOf(bare, time.Second, now); !h.Equal(now.Add(time.Second)) {
		t.Fatal("a bare 429 (no window) holds its call for its Retry-After")
	}
	notRefused := spent
	notRefused.Refused = false
	if h := HoldOf(notRefused, time.Second, now); !h.Equal(now.Add(time.Second)) {
		t.Fatal("a 429 from another limit (requests remain in this window) holds its call for its Retry-After")
	}
	if h := HoldOf(spent, 0, now); !h.IsZero() {
		t.Fatal("no Retry-After, no Hold")
	}
}

// sendsAfter is how many sends go at once in the window after one of 10
// whose first answer said 9 left: this Client sends one for each further
// answer, which say left in turn, a millisecond apart.
func sendsAfter(t *testing.T, left ...int) int {
	t.Helper()
	p := New(key)
	p.Observe(key, "Create", report(9, time.Second))
	for range left {
		if _, err := acquireAt(p, "Create", roomy); err != nil {
			t.Fatal(err)
		}
	}
	for i, l := range left {
		time.Sleep(time.Millisecond)
		p.Observe(key, "Create", report(l, time.Second-time.Duration(i+1)*time.Millisecond))
	}
	time.Sleep(time.Second)
	sent := 0
	for {
		if d, err := acquireAt(p, "Create", Limits{MaxWait: 100 * time.Millisecond}); d != 0 || err != nil || sent > 10 {
			return sent
		}
		sent++
	}
}

func TestRule9ShareFromASpentWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// A window of 10 another Client shares: this Client's answers say
		// 9, 6, 4 and 2 left, then 0 (spent): it took 5 of 10.
		if sent := sendsAfter(t, 6, 4, 2, 0); sent != 5 {
			t.Fatalf("its share of the next window: %d of 10, want 5 (5 answers of 10)", sent)
		}
	})
}

func TestRule9ShareFromAWindowOthersSentOn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// This Client's answers say 9, 6 and 2 left. The server counted 7
		// since its first answer, 2 of them this Client's, and the window
		// ended with 2 left: it took 3 of the 8 counted since it came.
		if sent := sendsAfter(t, 6, 2); sent != 3 {
			t.Fatalf("its share of the next window: %d of 10, want 3 (3 answers of 8 counted)", sent)
		}
	})
}

func TestRule9ShareGrowsByItsPartOfTheRoomLeft(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(key)
		r := func(left int) Report {
			now := time.Now()
			return Report{Limit: 100, Remaining: left, HasRemaining: true, Reset: now.Add(time.Second - time.Millisecond), Prec: Fine, Sent: now.Add(-time.Millisecond)}
		}
		// A spent window of 100 in which this Client took 51: its share.
		p.Observe(key, "Create", r(99))
		for range 49 {
			if _, err := acquireAt(p, "Create", roomy); err != nil {
				t.Fatal(err)
			}
		}
		for left := 97; left >= -1; left -= 2 {
			p.Observe(key, "Create", r(max(0, left)))
		}
		time.Sleep(time.Second)
		burst := func() int {
			n := 0
			for ; n <= 100; n++ {
				if d, err := acquireAt(p, "Create", Limits{MaxWait: 100 * time.Millisecond}); d != 0 || err != nil {
					break
				}
			}
			return n
		}
		if n := burst(); n != 51 {
			t.Fatalf("its share of the next window: %d, want 51", n)
		}
		// That window ends with 10 left while the share held it back: it
		// grows by its part of the 10, to 56 (by a quarter it would be 63,
		// more than the room others held back left).
		p.Observe(key, "Create", r(10))
		if _, err := acquireAt(p, "Create", Limits{MaxWait: 100 * time.Millisecond}); err == nil {
			t.Fatal("held back by its share")
		}
		time.Sleep(time.Second)
		if n := burst(); n != 56 {
			t.Fatalf("the share grown: %d, want 56", n)
		}
	})
}

func TestRule9AloneIsTheWholeWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(key)
		p.Observe(key, "Create", report(9, time.Second))
		for left := 8; left >= 0; left-- {
			if _, err := acquireAt(p, "Create", roomy); err != nil {
				t.Fatal(err)
			}
			p.Observe(key, "Create", report(left, time.Second))
		}
		time.Sleep(time.Second)
		for i := range 10 {
			if d, _ := acquireAt(p, "Create", roomy); d != 0 {
				t.Fatalf("alone, the whole window: held at send %d", i+1)
			}
		}
	})
}

// TestCostWhileRoom: an attempt while the window has room allocates
// nothing.
func TestCostWhileRoom(t *testing.T) {
	p := New(key)
	p.Observe(key, "Create", Report{Limit: 1 << 30, Remaining: 1 << 30, HasRemaining: true, Reset: time.Now().Add(time.Minute), Prec: Fine})
	ctx := context.Background()
	if a := testing.AllocsPerRun(1000, func() { _, _ = p.Acquire(ctx, key, "Create", time.Time{}, roomy) }); a != 0 {
		t.Fatalf("%v allocations", a)
	}
}

// heldAcquire starts an Acquire that must wait (why says for what) and
// returns the channel its hold arrives on.
func heldAcquire(t *testing.T, p *Pacer, why string) chan time.Duration {
	t.Helper()
	done := make(chan time.Duration, 1)
	go func() {
		d, _ := acquireAt(p, "Create", roomy)
		done <- d
	}()
	synctest.Wait()
	select {
	case <-done:
		t.Fatal(why)
	default:
	}
	return done
}

func TestRule7InFlightBoundWhenOthersSend(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(key)
		if _, err := acquireAt(p, "Create", roomy); err != nil {
			t.Fatal(err)
		}
		p.Observe(key, "Create", report(9, time.Second))
		if _, err := acquireAt(p, "Create", roomy); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
		// Its second answer: the server counted 3 since its first, one of
		// them this Client's. Its part is a third: of the 6 left, 2 may be
		// in flight.
		p.Observe(key, "Create", report(6, time.Second-time.Millisecond))
		for range 2 {
			if d, _ := acquireAt(p, "Create", roomy); d != 0 {
				t.Fatal("its part of the room goes at once")
			}
		}
		done := heldAcquire(t, p, "a send beyond its part of the room waits")
		// An answer: 4 counted since its first answer, 2 of them this
		// Client's; one send in flight of the half of 5 it may have.
		p.Observe(key, "Create", report(5, time.Second-2*time.Millisecond))
		if d := <-done; d != 0 {
			t.Fatalf("the answer lets the next go at once: %v", d)
		}
		if d, _ := acquireAt(p, "Create", roomy); d != time.Second-2*time.Millisecond {
			t.Fatalf("two in flight, half of 4 left: at the reset, got %v", d)
		}
	})
}

func TestRule7InFlightBoundLeavesOneSendAWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(key)
		// A spent window in which this Client took 2 of 10: a share of a
		// fifth.
		p.Observe(key, "Create", report(9, time.Second))
		if _, err := acquireAt(p, "Create", roomy); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
		p.Observe(key, "Create", report(0, time.Second-time.Millisecond))
		time.Sleep(time.Second)
		// The next window first reported with 3 left: a fifth of 3 is no
		// whole send, but the window's first send goes.
		p.Observe(key, "Create", report(3, 500*time.Millisecond))
		if d, err := acquireAt(p, "Create", roomy); err != nil || d != 0 {
			t.Fatalf("the window's first send goes at once: %v %v", d, err)
		}
		if d, _ := acquireAt(p, "Create", roomy); d != 500*time.Millisecond {
			t.Fatalf("the next waits for the reset: %v", d)
		}
	})
}

func TestRule10UnsentRefundGivesTheSendBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(key)
		p.Observe(key, "Create", report(2, 10*time.Second))
		var slots []Slot
		for range 2 {
			s, err := p.Acquire(context.Background(), key, "Create", time.Time{}, roomy)
			if err != nil {
				t.Fatal(err)
			}
			slots = append(slots, s)
		}
		if _, r, _ := mustView(t, p, key); r != 0 {
			t.Fatalf("remaining %d after two sends, want 0", r)
		}
		p.Refund(slots[0])
		if _, r, _ := mustView(t, p, key); r != 1 {
			t.Fatalf("remaining %d after a refund, want 1", r)
		}
		if d, err := acquireAt(p, "Create", roomy); err != nil || d != 0 {
			t.Fatalf("the send given back was not there: held %v, %v", d, err)
		}
		p.Refund(Slot{}) // the zero Slot took nothing
		if _, r, _ := mustView(t, p, key); r != 0 {
			t.Fatalf("remaining %d, want 0", r)
		}
	})
}

func TestRule10UnsentRefundOfAnEndedWindowIsGone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(key)
		p.Observe(key, "Create", report(1, time.Second))
		s, err := p.Acquire(context.Background(), key, "Create", time.Time{}, roomy)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		p.Observe(key, "Create", report(1, time.Second))
		p.Refund(s)
		if _, r, _ := mustView(t, p, key); r != 1 {
			t.Fatalf("remaining %d: a refund reached a later window", r)
		}
	})
}

func TestRule10UnsentBeforeTheFirstReport(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(key)
		var s Slot
		for range 2 {
			var err error
			if s, err = p.Acquire(context.Background(), key, "Create", time.Time{}, roomy); err != nil {
				t.Fatal(err)
			}
		}
		p.Refund(s)
		// One send, the one reported: nothing in flight, the first report's
		// remaining count is the room.
		p.Observe(key, "Create", report(3, 10*time.Second))
		if _, r, _ := mustView(t, p, key); r != 3 {
			t.Fatalf("remaining %d, want 3: the unsent send still counted as in flight", r)
		}
	})
}

// A burst before the first report: of this Client's sends, those the
// server's count already holds (limit - remaining) are not in flight; the
// rest are, and take their room. The burst and the room after it add up to
// the window, neither more nor less.
func TestRule7FirstWindowInFlightIsWhatTheServerHasNotCounted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(key)
		for range 8 {
			if _, err := p.Acquire(context.Background(), key, "Create", time.Time{}, roomy); err != nil {
				t.Fatal(err)
			}
		}
		// The first answer: the server counted 3 of the 8 (remaining 7 of
		// 10); 5 are on their way, so 2 more may go.
		p.Observe(key, "Create", report(7, 10*time.Second))
		if _, r, _ := mustView(t, p, key); r != 2 {
			t.Fatalf("remaining %d, want 2: 10 in the window in all", r)
		}
	})
}

func TestRule10BookCountsAnAccountsSend(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(key)
		p.Observe(key, "Create", report(2, 10*time.Second))
		var last Slot
		for range 3 {
			last = p.Book(key, "Create")
		}
		if _, r, _ := mustView(t, p, key); r != 0 {
			t.Fatalf("remaining %d after three booked sends, want 0", r)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		var refused *Refusal
		if _, err := p.Acquire(ctx, key, "Create", time.Time{}, roomy); !errors.As(err, &refused) {
			t.Fatalf("the booked sends left room in the view: %v", err)
		}
		// The third booking found no room: giving it back adds none.
		p.Refund(last)
		if _, r, _ := mustView(t, p, key); r != 0 {
			t.Fatalf("remaining %d, want 0", r)
		}
	})
}

// answered sends one request for each left and reports them (see
// reported).
func answered(t *testing.T, p *Pacer, limit int, reset time.Duration, refused bool, left ...int) {
	t.Helper()
	for range left {
		if _, err := acquireAt(p, "Create", roomy); err != nil {
			t.Fatal(err)
		}
	}
	reported(p, limit, reset, refused, left...)
}

// reported reports answers saying left in turn, a millisecond apart, in a
// window of limit ending reset from the first; refused marks them 429s.
func reported(p *Pacer, limit int, reset time.Duration, refused bool, left ...int) {
	start := time.Now()
	for _, l := range left {
		time.Sleep(time.Millisecond)
		now := time.Now()
		p.Observe(key, "Create", Report{Limit: limit, Remaining: l, HasRemaining: true, Reset: start.Add(reset),
			Prec: Fine, Sent: now.Add(-time.Millisecond), Refused: refused})
	}
}

// afterWindow is a Pacer at the start of the window after one of 10 whose
// first answer said first left, and whose further answers, one for each
// further send, said left.
func afterWindow(t *testing.T, first int, left ...int) *Pacer {
	t.Helper()
	p := New(key)
	p.Observe(key, "Create", report(first, time.Second))
	answered(t, p, 10, time.Second-time.Millisecond, false, left...)
	time.Sleep(time.Second)
	return p
}

// burst is how many sends go at once, each held at most 100ms.
func burst(p *Pacer, most int) int {
	n := 0
	for ; n < most; n++ {
		if d, err := acquireAt(p, "Create", Limits{MaxWait: 100 * time.Millisecond}); d != 0 || err != nil {
			break
		}
	}
	return n
}

func TestRule9ShareRebuiltAloneWhenTheServerCountedOnlyThisClient(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// A spent window of 10 in which this Client took 5: a share of a
		// half.
		p := afterWindow(t, 9, 6, 4, 2, 0)
		if n := burst(p, 20); n != 5 {
			t.Fatalf("its share of the next window: %d of 10, want 5", n)
		}
		// The others stopped: the server counted only this Client's five
		// requests. The share is the whole window at once, not a quarter
		// more.
		reported(p, 10, time.Second-10*time.Millisecond, false, 9, 8, 7, 6, 5)
		time.Sleep(time.Second)
		if n := burst(p, 20); n != 10 {
			t.Fatalf("alone, the whole window at once: %d of 10 went", n)
		}
	})
}

func TestRule9ShareBelowOneSendAWindowAccrues(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// A spent window of 10 in which this Client took 2: a share of a
		// fifth, two sends a window.
		p := afterWindow(t, 9, 0)
		// Both its sends of the next window refused: none taken, half a
		// send a window.
		answered(t, p, 10, time.Second-5*time.Millisecond, true, 0, 0)
		var sent []int
		for range 4 {
			time.Sleep(time.Second)
			sent = append(sent, burst(p, 5))
		}
		if want := []int{0, 1, 0, 1}; !slices.Equal(sent, want) {
			t.Fatalf("sends in the next four windows: %v, want %v (half a send a window, not one)", sent, want)
		}
	})
}

func TestRule9ShareIsItsPartOfTheWholeWindowsCount(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// It came to a window of 10 that others had counted 5 in, and took
		// 3 of it before it was spent: 3 of the 10 counted.
		p := afterWindow(t, 4, 2, 0)
		if n := burst(p, 10); n != 3 {
			t.Fatalf("its share of the next window: %d of 10, want 3 (3 answers of 10 counted)", n)
		}
	})
}

func TestRule7OneInFlightAfterComingToAWindowOthersSpent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(key)
		// Its first send came to a window of 10 others had spent: a 429
		// that measures no share, but tells it has company.
		if _, err := acquireAt(p, "Create", roomy); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		p.Observe(key, "Create", Report{Limit: 10, Remaining: 0, HasRemaining: true, Reset: now.Add(500 * time.Millisecond),
			Prec: Fine, Sent: now.Add(-time.Millisecond), Refused: true})
		time.Sleep(500 * time.Millisecond)
		if d, err := acquireAt(p, "Create", roomy); err != nil || d != 0 {
			t.Fatalf("the window's first send goes at once: %v %v", d, err)
		}
		second := heldAcquire(t, p, "a second send waits for the first's answer")
		// An answer without window information still ends its send's
		// flight.
		p.Observe(key, "Create", Report{})
		if d := <-second; d != 0 {
			t.Fatalf("the answer lets the next go at once: %v", d)
		}
		third := heldAcquire(t, p, "a third send waits for the second's answer")
		p.Observe(key, "Create", report(8, time.Second))
		if d := <-third; d != 0 {
			t.Fatalf("the answer lets the next go at once: %v", d)
		}
	})
}
