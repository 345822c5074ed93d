package freddytest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strings"
)

// idMinter makes configuration IDs "pconf_" + 16 hex digits: 8 of a tag,
// 8 of the creation number. The tag is a MAC of the number under a key
// made at NewServer and Reset, so the server can read the number back out
// of any ID it made, deleted ones included, and tell it from an ID it never
// made, while storing nothing per ID.
type idMinter struct {
	key  []byte
	last uint32
}

func newIDMinter() idMinter {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return idMinter{key: key}
}

// next returns a new ID and its creation number, from 1.
func (m *idMinter) next() (string, int) {
	m.last++
	return m.format(m.last), int(m.last)
}

func (m *idMinter) format(n uint32) string {
	var b [8]byte
	copy(b[:4], m.tag(n))
	binary.BigEndian.PutUint32(b[4:], n)
	return "pconf_" + hex.EncodeToString(b[:])
}

func (m *idMinter) tag(n uint32) []byte {
	mac := hmac.New(sha256.New, m.key)
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], n)
	mac.Write(b[:])
	return mac.Sum(nil)[:4]
}

// seq returns the creation number of an ID this minter made.
func (m *idMinter) seq(id string) (int, bool) {
	raw, ok := strings.CutPrefix(id, "pconf_")
	if !ok || len(raw) != 16 {
		return 0, false
	}
	b, err := hex.DecodeString(raw)
	if err != nil {
		return 0, false
	}
	n := binary.BigEndian.Uint32(b[4:])
	if n == 0 || n > m.last || !hmac.Equal(b[:4], m.tag(n)) {
		return 0, false
	}
	return int(n), true
}
