package redact

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// markText is about 1 MiB of combining marks, the costliest text for the
// view: runs of random marks of mixed classes (each run past maxMarks) on
// a few base letters, as a hostile 502 body might be.
func markText() string {
	r := rand.New(rand.NewPCG(5, 8))
	marks := []rune("\u0300\u0301\u0302\u0303\u0308\u030A\u0323\u0327\u0328\u0331\u0345\u05B0\u05B8\u0610\u0670\u093C\u094D\u0E38\u0F71\u302A\u1DCE")
	var b strings.Builder
	for b.Len() < 1<<20 {
		b.WriteByte("aeiouAEIOU"[r.IntN(10)])
		for range r.IntN(80) {
			b.WriteRune(marks[r.IntN(len(marks))])
		}
	}
	return b.String()
}

// BenchmarkScrubCombiningMarks: 1 MiB of combining marks and no secret;
// compare with BenchmarkScrubPlainMiB, 1 MiB of ASCII.
func BenchmarkScrubCombiningMarks(b *testing.B) {
	benchMiB(b, markText())
}

// BenchmarkScrubPlainMiB: 1 MiB of ASCII words and no secret.
func BenchmarkScrubPlainMiB(b *testing.B) {
	benchMiB(b, strings.Repeat(benchText(), 1024))
}

func benchMiB(b *testing.B, text string) {
	s := benchScrubber()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		_ = s.String(text)
	}
}

// BenchmarkScrubOneLongMarkRun: one base letter and 1 MiB of marks after
// it, which composes with some of them: the work stays linear.
func BenchmarkScrubOneLongMarkRun(b *testing.B) {
	benchMiB(b, "a"+strings.Repeat("\u0323\u0302\u0301\u0300\u0308\u05B0", 1<<20/12))
}

// BenchmarkScrubMarksInReverseOrder: runs of marks whose classes fall, so
// each mark is put in canonical order past every mark of its run, and
// marks above U+3100 (musical symbols, Adlam), whose class is searched.
func BenchmarkScrubMarksInReverseOrder(b *testing.B) {
	run := "\U0001D16D\U0001E944\u0345\u0315\u031B\u0300\u0316\u0328\u0327\u0321\u0334\u05B0\u05B1\u05BB\u05BC\u05BD\u05BF\u05C1\u0670"
	var sb strings.Builder
	for sb.Len() < 1<<20 {
		sb.WriteString("o" + strings.Repeat(run, 3))
	}
	benchMiB(b, sb.String())
}
