package redact

import (
	"math/bits"
	"unicode/utf8"
)

// This file is the scan behind Scrubber.String and Bytes: cover finds the
// bytes that belong to a secret (read raw by scan, and decoded: view.go),
// rebuild writes the text with Markers.

// bytestring lets one scan serve String and Bytes without copying either.
type bytestring interface{ ~string | ~[]byte }

// cover marks every byte of t that a secret is read from: read raw (scan),
// or as a consumer decodes it (view.go), whose matches mark the escapes and
// runes they were read from. It returns nil, having allocated nothing, when
// t holds no secret and neither escapes nor non-ASCII bytes.
func cover[T bytestring](s *Scrubber, t T) []bool {
	cov := scan(s, t)
	v, from, ok := view(t)
	if !ok {
		return cov
	}
	vcov := scan(s, v)
	for j := 0; j < len(vcov); j++ {
		if !vcov[j] {
			continue
		}
		if cov == nil {
			cov = make([]bool, len(t))
		}
		k := j + 1
		for k < len(v) && (vcov[k] || from[k] == from[k-1]) {
			k++
		}
		to := len(t)
		if k < len(v) {
			to = int(from[k])
		}
		for i := int(from[j]); i < to; i++ {
			cov[i] = true
		}
		j = k - 1
	}
	return cov
}

// scan marks every byte of t inside a secret window, and every occurrence of
// a short secret that stands alone (no ASCII letter or digit on either side; a neighbour already marked
// counts as a boundary, since it becomes a Marker). It returns nil, having
// allocated nothing, when t holds none.
func scan[T bytestring](s *Scrubber, t T) []bool {
	var cov []bool
	mark := func(from, to int) {
		if cov == nil {
			cov = make([]bool, len(t))
		}
		for i := from; i < to; i++ {
			cov[i] = true
		}
	}
	var short [][2]int // occurrences of short secrets, boundaries not yet judged
	var w uint64       // t[i-7..i] little-endian: the newest byte is the top one
	for i := 0; i < len(t); i++ {
		w = w>>8 | uint64(fold(t[i]))<<56
		if i >= MinSecretLen-1 && s.short != nil && s.shortF.has(w>>32) {
			from := i - (MinSecretLen - 1)
			for _, v := range s.short[uint32(w>>32)] {
				if hasAt(t, from, v) {
					short = append(short, [2]int{from, from + len(v)})
				}
			}
		}
		if i >= Window-1 && s.long != nil && s.longF.has(w) {
			if _, ok := s.long[w]; ok {
				mark(i-(Window-1), i+1)
			}
		}
	}
	if len(short) == 0 {
		return cov
	}
	// A short occurrence counts once both its neighbours are boundaries;
	// marking one can make its neighbour's count, so sweep both ways until
	// nothing changes (a few sweeps, bounded so a crafted text stays linear).
	bounded := func(i int) bool { return i < 0 || i >= len(t) || !alnum(t[i]) || (cov != nil && cov[i]) }
	done := make([]bool, len(short))
	for range 4 {
		changed := false
		sweep := func(k int) {
			if o := short[k]; !done[k] && bounded(o[0]-1) && bounded(o[1]) {
				mark(o[0], o[1])
				done[k], changed = true, true
			}
		}
		for k := range short {
			sweep(k)
		}
		for k := len(short) - 1; k >= 0; k-- {
			sweep(k)
		}
		if !changed {
			break
		}
	}
	return cov
}

// rebuild writes t with each maximal covered run, widened to whole runes,
// as one Marker.
func rebuild[T bytestring](s *Scrubber, t T, cov []bool) []byte {
	b := builder{s: s, out: make([]byte, 0, len(t)+len(Marker))}
	prev := 0          // end of the text already handed to b
	from, to := -1, -1 // the run waiting to be written
	flush := func() {
		if from < 0 {
			return
		}
		for i := prev; i < from; i++ {
			b.byte(t[i])
		}
		b.marker()
		prev = to
	}
	for i := 0; i < len(t); {
		if !cov[i] {
			i++
			continue
		}
		a := i
		for i < len(t) && cov[i] {
			i++
		}
		a, z := runeStart(t, a), runeEnd(t, i)
		if from >= 0 && a <= to {
			to = max(to, z)
			continue
		}
		flush()
		from, to = a, z
	}
	flush()
	for i := prev; i < len(t); i++ {
		b.byte(t[i])
	}
	return b.out
}

// builder appends text and Markers and keeps the output free of the one kind
// of window the first scan cannot see: one that straddles a Marker and the
// bytes next to it (a secret holding "**" or "RED" could match there). Text
// between Markers is a piece of the input that held no match, so only the
// Window-1 bytes either side of a Marker need checking, and a match there
// only ever removes bytes: the output stays linear in the input, unlike
// rescanning until nothing changes.
type builder struct {
	s     *Scrubber
	out   []byte
	marks []int // start of every Marker in out, ascending
	skip  int   // continuation bytes to drop after a cut inside a rune
}

// byte appends one byte of unmatched text and drops what it completes if it
// ends a match that reaches back into the last Marker.
func (b *builder) byte(c byte) {
	if b.skip > 0 {
		if !utf8.RuneStart(c) {
			b.skip--
			return
		}
		b.skip = 0
	}
	b.out = append(b.out, c)
	if len(b.marks) == 0 {
		return
	}
	end := b.marks[len(b.marks)-1] + len(Marker)
	if len(b.out)-end < Window && b.s.matchEnding(b.out, len(b.out), end) >= 0 {
		// The match starts inside the Marker, which already stands for
		// it: drop the text, and the rest of a rune cut in half.
		b.out = b.out[:end]
		b.skip = utf8.UTFMax - 1
	}
}

// marker appends a Marker, merging it with one it touches, and widens it
// backwards while a match ends inside it and starts before it.
func (b *builder) marker() {
	b.skip = 0
	if n := len(b.marks); n > 0 && b.marks[n-1]+len(Marker) == len(b.out) {
		return
	}
	b.marks = append(b.marks, len(b.out))
	b.out = append(b.out, Marker...)
	for {
		m := b.marks[len(b.marks)-1]
		from := -1
		// Matches ending in the Marker's last bytes start inside it and
		// reveal nothing.
		for q := m + 1; q < m+Window; q++ {
			if p := b.s.matchEnding(b.out, q, m); p >= 0 && (from < 0 || p < from) {
				from = p
			}
		}
		if from < 0 {
			return
		}
		b.marks = b.marks[:len(b.marks)-1]
		from = runeStart(b.out, from)
		if n := len(b.marks); n > 0 && from <= b.marks[n-1]+len(Marker) {
			// It reaches the previous Marker: that one now stands for
			// everything up to here, and what precedes it was checked
			// when it was written.
			b.out = b.out[:b.marks[n-1]+len(Marker)]
			return
		}
		b.out = append(b.out[:from], Marker...)
		b.marks = append(b.marks, from)
	}
}

// matchEnding returns the earliest start before limit of a secret window or
// short secret that ends at out[q-1], or -1.
func (s *Scrubber) matchEnding(out []byte, q, limit int) int {
	if q >= Window && q-Window < limit && s.long != nil {
		if _, ok := s.long[le64(out[q-Window:])]; ok {
			return q - Window
		}
	}
	for n := Window - 1; n >= MinSecretLen; n-- {
		p := q - n
		if p < 0 || p >= limit {
			continue
		}
		for _, v := range s.short[le32(out[p:])] {
			if len(v) == n && hasAt(out, p, v) {
				return p
			}
		}
	}
	return -1
}

// runeStart moves i back to the start of the rune it is in; at most
// UTFMax-1 bytes, so invalid input cannot widen a cut without bound.
func runeStart[T bytestring](t T, i int) int {
	for k := 1; k < utf8.UTFMax && i > 0 && i < len(t) && !utf8.RuneStart(t[i]); k++ {
		i--
	}
	return i
}

// runeEnd moves i forward past the continuation bytes of the rune before it.
func runeEnd[T bytestring](t T, i int) int {
	for k := 1; k < utf8.UTFMax && i < len(t) && !utf8.RuneStart(t[i]); k++ {
		i++
	}
	return i
}

func alnum(c byte) bool {
	c = fold(c)
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
}

// hasAt reports whether t holds v at i, ASCII letters in any case; v is
// already folded.
func hasAt[T bytestring](t T, i int, v string) bool {
	if i+len(v) > len(t) {
		return false
	}
	for j := 0; j < len(v); j++ {
		if fold(t[i+j]) != v[j] {
			return false
		}
	}
	return true
}

// fold lowers an ASCII letter. Matching ignores ASCII case so that an echo
// whose case changed on the way (an HTTP header name, canonicalized; hex
// escapes written in the other case) is still found.
func fold(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// foldString lowers the ASCII letters of v, leaving every other byte.
func foldString(v string) string {
	b := []byte(v)
	for i, c := range b {
		b[i] = fold(c)
	}
	return string(b)
}

// le64 and le32 read 4 or 8 bytes little-endian, folded.
func le64[T bytestring](b T) uint64 {
	_ = b[7]
	return uint64(fold(b[0])) | uint64(fold(b[1]))<<8 | uint64(fold(b[2]))<<16 | uint64(fold(b[3]))<<24 |
		uint64(fold(b[4]))<<32 | uint64(fold(b[5]))<<40 | uint64(fold(b[6]))<<48 | uint64(fold(b[7]))<<56
}

func le32[T bytestring](b T) uint32 {
	_ = b[3]
	return uint32(fold(b[0])) | uint32(fold(b[1]))<<8 | uint32(fold(b[2]))<<16 | uint32(fold(b[3]))<<24
}

func contains(list []string, v string) bool {
	for _, e := range list {
		if e == v {
			return true
		}
	}
	return false
}

// filter is a one-hash Bloom filter sized at 32 bits per key, so clean text
// reaches the map on about 3% of positions.
type filter struct {
	bits  []uint64
	shift uint
}

func newFilter(keys int) filter {
	size := 64
	for size < 32*keys {
		size <<= 1
	}
	return filter{bits: make([]uint64, size/64), shift: uint(64 - bits.TrailingZeros(uint(size)))}
}

func (f *filter) slot(k uint64) uint64 { return (k * 0x9E3779B97F4A7C15) >> f.shift }

func (f *filter) add(k uint64) {
	h := f.slot(k)
	f.bits[h/64] |= 1 << (h % 64)
}

func (f *filter) has(k uint64) bool {
	h := f.slot(k)
	return f.bits[h/64]&(1<<(h%64)) != 0
}
