package freddytest

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/aitronos/freddy-go/internal/redact"
)

// maxRetired bounds how many credential sets a Server remembers after it
// stopped holding them (a configuration deleted, its credentials replaced
// by an update, or forgotten by Reset): enough for any test's log, and a
// long-running emulator's heap stays flat.
const maxRetired = 4096

// held is every credential value a Server holds or has held, for the
// control API's listing: a later request may echo a credential stored by an
// earlier one (a header, a description), and only the store proves it is
// one. It is guarded by Server.mu and survives Reset.
type held struct {
	retired []map[string]any // a ring of at most maxRetired
	next    int              // where the next one goes once the ring is full
	// scrubber is built from the keys, the stored and the retired
	// credentials when the listing needs it; nil after any of them changed.
	scrubber *redact.Scrubber
}

// retire remembers creds, no longer stored.
func (h *held) retire(creds map[string]any) {
	if len(creds) == 0 {
		return
	}
	h.scrubber = nil
	if len(h.retired) < maxRetired {
		h.retired = append(h.retired, creds)
		return
	}
	h.retired[h.next] = creds
	h.next = (h.next + 1) % maxRetired
}

// stored is called when a configuration's credentials are stored.
func (h *held) stored() { h.scrubber = nil }

// heldScrubber returns a Scrubber of the server's API keys and every
// credential it stores or has retired. s.mu must be held.
func (s *Server) heldScrubber() *redact.Scrubber {
	if s.held.scrubber != nil {
		return s.held.scrubber
	}
	secrets := map[string]any{}
	for i, k := range s.cfg.apiKeys {
		secrets["key"+strconv.Itoa(i)] = k
	}
	creds := make([]any, 0, len(s.records)+len(s.held.retired))
	for _, rec := range s.records {
		creds = append(creds, rec.credentials)
	}
	for _, c := range s.held.retired {
		creds = append(creds, c)
	}
	secrets["held"] = creds
	s.held.scrubber = redact.New("", secrets)
	return s.held.scrubber
}

// scrubbed returns o, as the control API lists it, scrubbed by held of the
// credentials the server holds. Every string in it is scrubbed, at any
// depth, by going through its JSON form: a name, a description, a
// configuration value or an ID (a personalConnectorId is the caller's
// text) may quote a credential, and a field added later is scrubbed
// without anyone listing it here. Text that holds no secret stays as it
// was. If o cannot make the trip (it holds only decoded JSON, so it
// should not happen), only its ID is listed, scrubbed: never the rest
// unscrubbed.
func (o camelObject) scrubbed(held *redact.Scrubber) camelObject {
	var tree any
	var out camelObject
	if decodeNumbers(o, &tree) != nil || decodeNumbers(held.Value(tree), &out) != nil {
		return camelObject{ID: held.String(o.ID), Object: o.Object, Credentials: redact.Marker}
	}
	return out
}

// decodeNumbers encodes v as JSON and decodes it into out, numbers as
// json.Number so that none is rounded on the way.
func decodeNumbers(v, out any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(out)
}
