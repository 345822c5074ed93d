package freddytest

import "time"

// expiry is when one stored replay is forgotten.
type expiry struct {
	slot replayKey
	at   time.Time
}

// storeReplay records rep for slot until the idempotency window has passed.
// The caller holds s.mu.
func (s *Server) storeReplay(slot replayKey, rep replay, now time.Time) {
	rep.expires = now.Add(s.cfg.idempotencyWindow)
	s.replays[slot] = rep
	s.expiries = append(s.expiries, expiry{slot, rep.expires})
}

// expireReplays forgets the replays whose window has passed at now. Records
// are stored in clock order, so it stops at the first one still live; a
// clock set back (WithClock) only delays expiry. The caller holds s.mu.
func (s *Server) expireReplays(now time.Time) {
	n := 0
	for n < len(s.expiries) && !now.Before(s.expiries[n].at) {
		e := s.expiries[n]
		if rep, ok := s.replays[e.slot]; ok && rep.expires.Equal(e.at) {
			delete(s.replays, e.slot)
		}
		n++
	}
	// Reslicing keeps the dead front until append next grows the array,
	// which copies only the live part: memory stays within twice the live
	// records. Clearing lets the keys' strings go at once.
	clear(s.expiries[:n])
	s.expiries = s.expiries[n:]
}
