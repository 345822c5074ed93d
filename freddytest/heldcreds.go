package freddytest

import (
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
// credentials the server holds: a name, a description or a configuration
// value may quote one.
func (o camelObject) scrubbed(held *redact.Scrubber) camelObject {
	str := func(p *string) *string {
		if p == nil {
			return nil
		}
		v := held.String(*p)
		return &v
	}
	obj := func(m map[string]any) map[string]any {
		v, _ := held.Value(m).(map[string]any)
		return v
	}
	o.Name, o.Description, o.LastError = held.String(o.Name), str(o.Description), str(o.LastError)
	o.Configuration, o.Metadata = obj(o.Configuration), obj(o.Metadata)
	return o
}
