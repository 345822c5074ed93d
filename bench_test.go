package freddy

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"testing"
	"time"
)

// BenchmarkCreate compares Configurations.Create with the same POST written
// by hand with net/http and encoding/json, against one loopback server
// answering the documented 200 body, serially and 16-way parallel.
// scripts/bench.sh runs it in rounds and prints the SDK/hand-written ratios.
func BenchmarkCreate(b *testing.B) {
	body := fixture(b, "create_200.json")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	defer srv.Close()

	client, err := NewClient(WithAPIKey(testAPIKey), WithBaseURL(srv.URL))
	if err != nil {
		b.Fatal(err)
	}
	defer client.CloseIdleConnections()
	hand := newHandWritten(srv.URL, testAPIKey)
	defer hand.hc.CloseIdleConnections()

	params := validParams()
	// The hand-written client's body is a plain struct, built once like the
	// SDK's params.
	handParams := handBody{params.PersonalConnectorID, params.Name, params.Configuration, bearer{"bearer", testCredential}}
	sdk := func(ctx context.Context) error {
		_, err := client.Configurations.Create(ctx, params)
		return err
	}
	nethttp := func(ctx context.Context) error {
		_, err := hand.create(ctx, handParams)
		return err
	}
	for _, mode := range []string{"serial", "parallel16"} {
		sides := []struct {
			name string
			fn   func(context.Context) error
		}{{"sdk", sdk}, {"nethttp", nethttp}}
		if benchReversed() {
			sides[0], sides[1] = sides[1], sides[0]
		}
		for _, side := range sides {
			b.Run(mode+"/"+side.name, func(b *testing.B) {
				ctx := context.Background()
				b.ReportAllocs()
				if mode == "serial" {
					for b.Loop() {
						if err := side.fn(ctx); err != nil {
							b.Fatal(err)
						}
					}
					return
				}
				b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0)))
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := side.fn(ctx); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		}
	}
}

// benchReversed reports whether this round runs the hand-written side
// first: whichever side runs second runs a little faster on a shared
// machine, so scripts/bench.sh alternates the order from round to round.
func benchReversed() bool { return os.Getenv("FREDDY_BENCH_REVERSE") == "1" }

// handWritten is the lean baseline: what a careful developer writes without
// the SDK. It sends the SDK's headers (the same User-Agent, a UUIDv4
// Idempotency-Key), encodes a plain struct, decodes into a plain struct
// straight from the body, and uses a pooled transport sized like the SDK's
// with the same 30 s timeout, so that only the SDK's own work differs.
type handWritten struct {
	hc  *http.Client
	url string
	key string
	ua  string
}

func newHandWritten(base, key string) *handWritten {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = DefaultMaxConnsPerHost
	ua := "freddy-go/" + Version + " (" + runtime.Version() + "; " + runtime.GOOS + "/" + runtime.GOARCH + ")"
	return &handWritten{hc: &http.Client{Transport: tr, Timeout: 30 * time.Second}, url: base + configurationsPath, key: key, ua: ua}
}

// createdItem is the Create page's data object as a hand-written client
// would declare it.
type createdItem struct {
	ID                  string         `json:"id"`
	Object              string         `json:"object"`
	UserID              string         `json:"userId"`
	APIKeyID            *string        `json:"apiKeyId"`
	OrganizationID      string         `json:"organization_id"`
	PersonalConnectorID string         `json:"personalConnectorId"`
	Name                string         `json:"name"`
	Configuration       map[string]any `json:"configuration"`
	Credentials         string         `json:"credentials"`
	Enabled             bool           `json:"enabled"`
	HealthStatus        string         `json:"healthStatus"`
	LastSyncAt          *time.Time     `json:"lastSyncAt"`
	LastError           *string        `json:"lastError"`
	Description         *string        `json:"description"`
	Metadata            map[string]any `json:"metadata"`
	CreatedAt           time.Time      `json:"created_at"`
	UpdatedAt           time.Time      `json:"updated_at"`
}

// handBody is what the hand-written client sends: the wire body with the
// real credentials.
type handBody struct {
	PersonalConnectorID string         `json:"personalConnectorId"`
	Name                string         `json:"name"`
	Configuration       map[string]any `json:"configuration,omitempty"`
	Credentials         bearer         `json:"credentials"`
}

// bearer is the documented bearer credentials object.
type bearer struct {
	Type  string `json:"type"`
	Token string `json:"token"`
}

func (h *handWritten) create(ctx context.Context, p handBody) (*createdItem, error) {
	payload, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	req.Header = http.Header{
		"X-Api-Key":       {h.key},
		"Content-Type":    {"application/json"},
		"Accept":          {"application/json"},
		"User-Agent":      {h.ua},
		"Idempotency-Key": {uuid4()},
	}
	resp, err := h.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var env struct {
		Success bool        `json:"success"`
		Data    createdItem `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, err
	}
	return &env.Data, nil
}

// uuid4 is a random RFC 4122 version 4 UUID, as a careful user would make it
// without a dependency.
func uuid4() string {
	var u [16]byte
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	var b [36]byte
	hex.Encode(b[:], u[:4])
	b[8] = '-'
	hex.Encode(b[9:], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}
