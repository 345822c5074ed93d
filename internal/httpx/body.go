package httpx

import (
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/aitronos/freddy-go/internal/retry"
)

// BodyTooLargeError is a response over the read limit. It is permanent: the
// same server will send the same body.
type BodyTooLargeError struct{ Limit int64 }

// Error names the limit in MiB.
func (e *BodyTooLargeError) Error() string {
	return "response body exceeds the " + strconv.FormatInt(e.Limit>>20, 10) + " MiB limit"
}

// ReadBody reads r into buf up to limit bytes and closes r. Over the limit it
// stops reading, so the connection is closed rather than drained for reuse.
// size is the Content-Length, -1 when unknown.
func ReadBody(r io.ReadCloser, buf []byte, size, limit int64) ([]byte, error) {
	defer r.Close()
	if size > limit {
		return buf[:0], &retry.Permanent{Err: &BodyTooLargeError{limit}}
	}
	if size >= 0 {
		// One extra byte lets the loop see EOF without growing again.
		buf = slices.Grow(buf, int(size)+1)
	}
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, max(512, len(buf)))
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return buf[:0], &retry.Permanent{Err: &BodyTooLargeError{limit}}
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf[:0], fmt.Errorf("reading response body: %w", err)
		}
	}
}
