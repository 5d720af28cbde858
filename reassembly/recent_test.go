package reassembly

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestRecentStableEqualsCopied drives recent with random runs of
// segments, stable (kept as references) and not (copied at once), with
// resets and retransmission lookups between them, and checks every lookup
// against the stream itself: the bytes remembered are the last
// recentSize of the contiguous stream, returned up to the ring's wrap,
// whichever way they arrived.
func TestRecentStableEqualsCopied(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 200; round++ {
		var r recent
		var stream []byte // the contiguous stream since the last reset
		var base int64    // its offset
		off := int64(rng.IntN(5000))
		base = off
		for step := 0; step < 300; step++ {
			switch k := rng.IntN(10); {
			case k == 0: // a jump: the next add forgets what was remembered
				off += int64(1 + rng.IntN(3000))
			case k < 3:
				from := r.end - int64(rng.IntN(2*recentSize+10))
				to := from + int64(1+rng.IntN(3000))
				got, gotOff, _ := r.get(from, to)
				lo, hi := max(from, r.end-r.size, base), min(to, r.end)
				if lo >= hi {
					if len(got) != 0 {
						t.Fatalf("round %d: get(%d,%d) = %d bytes, want none", round, from, to, len(got))
					}
					continue
				}
				n := min(hi-lo, recentSize-lo%recentSize)
				want := stream[lo-base : lo-base+n]
				if gotOff != lo || !bytes.Equal(got, want) {
					t.Fatalf("round %d: get(%d,%d) = %d bytes at %d, want %d at %d", round, from, to, len(got), gotOff, len(want), lo)
				}
			default:
				n := 1 + rng.IntN(1600)
				if rng.IntN(8) == 0 {
					n = 1 + rng.IntN(70000)
				}
				data := make([]byte, n)
				for i := range data {
					data[i] = byte(rng.Uint32())
				}
				if off != base+int64(len(stream)) {
					stream, base = nil, off
				}
				stable := rng.IntN(3) != 0
				r.add(off, data, []FrameRef{{Offset: off, Len: n, Frame: uint64(step)}}, stable)
				stream = append(stream, data...)
				if !stable {
					// The caller's buffer is reused: a copy was taken.
					for i := range data {
						data[i] = 0xEE
					}
				}
				off += int64(n)
			}
		}
	}
}
