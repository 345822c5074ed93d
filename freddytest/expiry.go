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
	// Go maps keep the room of deleted entries: under this churn (one
	// record in, one out) the table grows though its size does not, so it
	// is rebuilt once as many records have expired as it holds.
	s.expired += n
	if s.expired > len(s.replays)+1024 {
		fresh := make(map[replayKey]replay, len(s.replays))
		for k, v := range s.replays {
			fresh[k] = v
		}
		s.replays, s.expired = fresh, 0
	}
	// Reslicing keeps the dead front until append next grows the array,
	// which copies only the live part: memory stays within twice the live
	// records. Clearing lets the keys' strings go at once.
	clear(s.expiries[:n])
	s.expiries = s.expiries[n:]
}
