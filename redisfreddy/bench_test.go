package redisfreddy

import (
	"context"
	"testing"
	"time"

	"github.com/aitronos/freddy-go"
	"github.com/aitronos/freddy-go/freddytest"
)

// The cost of the shared account per attempt: one Reserve (before each
// attempt) and one Observe (after each response), each one Redis round trip,
// against the Redis TestMain uses; and a Create with and without it against
// freddytest over loopback.
//
//	go test -C redisfreddy -run '^$' -bench . -benchmem .

func BenchmarkReserve(b *testing.B) {
	a := newAccount(shared.client(b), fleetKey(b), WithTimeout(time.Second))
	ctx := context.Background()
	if err := a.Observe(ctx, bucket, windowOf(1_000_000_000, 1_000_000_000, time.Hour)); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if wait, err := a.Reserve(ctx, bucket); err != nil || wait != 0 {
			b.Fatal(wait, err)
		}
	}
}

// BenchmarkObserve: a response that lowers the window's count (sent: one
// round trip) and one that changes nothing (skipped: no round trip).
func BenchmarkObserve(b *testing.B) {
	b.Run("sent", func(b *testing.B) {
		a := newAccount(shared.client(b), fleetKey(b), WithTimeout(time.Second))
		ctx := context.Background()
		remaining := 1_000_000_000
		for b.Loop() {
			remaining--
			if err := a.Observe(ctx, bucket, windowOf(1_000_000_000, remaining, time.Hour)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("skipped", func(b *testing.B) {
		a := newAccount(shared.client(b), fleetKey(b), WithTimeout(time.Second))
		ctx := context.Background()
		if err := a.Observe(ctx, bucket, windowOf(100, 50, time.Hour)); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if err := a.Observe(ctx, bucket, windowOf(100, 50, time.Hour)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkCreate(b *testing.B) {
	for _, tc := range []struct {
		name string
		opts func(b *testing.B) []freddy.Option
	}{
		{"own view", func(*testing.B) []freddy.Option { return nil }},
		{"shared Redis", func(b *testing.B) []freddy.Option {
			return []freddy.Option{WithSharedRateLimit(shared.client(b), fleetKey(b), WithTimeout(time.Second))}
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			srv := freddytest.NewServer(freddytest.WithRequestLog(0))
			defer srv.Close()
			c, err := srv.Client(tc.opts(b)...)
			if err != nil {
				b.Fatal(err)
			}
			defer c.CloseIdleConnections()
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Configurations.Create(ctx, params()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPing is the bare round trip to the same Redis, for scale.
func BenchmarkPing(b *testing.B) {
	rdb := shared.client(b)
	ctx := context.Background()
	for b.Loop() {
		if err := rdb.Ping(ctx).Err(); err != nil {
			b.Fatal(err)
		}
	}
}
