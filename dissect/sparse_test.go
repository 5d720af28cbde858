package dissect_test

import (
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/rtmpscope/rtmpscope/dissect"
	"github.com/rtmpscope/rtmpscope/dissect/media"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

// videoBodies are the distinct video message bodies of the committed
// captures (legacy AVC, Enhanced RTMP HEVC, AV1, VVC, multitrack, ...).
var videoBodies = sync.OnceValue(func() [][]byte {
	pcaps, _ := filepath.Glob(filepath.Join(capturetest.Pcaps(), "*.pcap*"))
	seen := map[string]bool{}
	var out [][]byte
	for _, path := range pcaps {
		// Truncated and malformed captures too: their error is theirs.
		capturetest.Run(path, event.ReceiverFunc(func(ev event.Event) {
			m := ev.Message
			if m == nil || m.TypeID != event.TypeVideo || len(m.Body) == 0 || seen[string(m.Body)] {
				return
			}
			seen[string(m.Body)] = true
			out = append(out, m.Body)
		}), pipeline.Config{})
	}
	return out
})

// checkSparse decodes body whole and sparse (cut into pieces, the
// buffer's other bytes set to fill) and reports a difference.
func checkSparse(t *testing.T, body []byte, pieces []int, fill byte) bool {
	t.Helper()
	sparse, took := dissect.SparseBody(body, pieces, fill)
	var want, got media.Video
	wantErr := want.Unmarshal(body)
	gotErr := got.Unmarshal(sparse)
	// Data points into each decode's own buffer: compare where it lies.
	want.Data, got.Data = nil, nil
	for i := range want.Tracks {
		want.Tracks[i].Data = nil
	}
	for i := range got.Tracks {
		got.Tracks[i].Data = nil
	}
	if len(sparse) != len(body) || !reflect.DeepEqual(got, want) || (gotErr == nil) != (wantErr == nil) ||
		gotErr != nil && gotErr.Error() != wantErr.Error() {
		t.Errorf("%d-byte frame cut %v (sparse %v): decoded %+v (%v), whole %+v (%v)", len(body), pieces, took, got, gotErr, want, wantErr)
		return false
	}
	return took
}

// TestSparseVideo: every video frame of the committed captures, cut into
// chunks at random places (the first bytes too), decodes the same from a
// sparse body as from the whole one, whatever the buffer held before.
func TestSparseVideo(t *testing.T) {
	bodies := append(videoBodies(), enhancedVariants(videoBodies())...)
	rng := rand.New(rand.NewPCG(1, 2))
	took := 0
	for _, b := range bodies {
		for try := 0; try < 8; try++ {
			if checkSparse(t, b, randomPieces(rng, len(b)), byte(rng.IntN(256))) {
				took++
			}
		}
	}
	if took == 0 {
		t.Fatalf("no sparse assembly among %d frames", len(bodies))
	}
	t.Logf("%d frames, %d sparse assemblies", len(bodies), took)
}

// enhancedVariants rewrites the legacy AVC NALU frames among bodies as the
// Enhanced RTMP layouts the walk knows (avc1 CodedFrames; avc1, hvc1 and
// vvc1 CodedFramesX; OneTrack multitrack) and one it leaves whole
// (ManyTracks), the same units inside: the captures hold few of them, and
// no VVC frame.
func enhancedVariants(bodies [][]byte) [][]byte {
	var out [][]byte
	for _, b := range bodies {
		if len(b) < 5 || b[0]&0x80 != 0 || b[0]&15 != 7 || b[1] != 1 {
			continue
		}
		ft := b[0] & 0x70
		units := b[5:]
		out = append(out, append(append([]byte{0x80 | ft | 1, 'a', 'v', 'c', '1'}, b[2:5]...), units...))
		for _, fourcc := range []string{"avc1", "hvc1", "vvc1"} {
			out = append(out, append(append([]byte{0x80 | ft | 3}, fourcc...), units...))
		}
		// OneTrack multitrack (type 0), track id 1, both packet types;
		// and ManyTracks (type 1), which the walk must leave whole.
		out = append(out, append(append([]byte{0x80 | ft | 6, 0x01, 'h', 'v', 'c', '1', 1}, b[2:5]...), units...))
		out = append(out, append([]byte{0x80 | ft | 6, 0x03, 'v', 'v', 'c', '1', 1}, units...))
		if n := len(units); n < 1<<24 {
			out = append(out, append([]byte{0x80 | ft | 6, 0x13, 'a', 'v', 'c', '1', 1, byte(n >> 16), byte(n >> 8), byte(n)}, units...))
		}
	}
	return out
}

func randomPieces(rng *rand.Rand, n int) []int {
	var p []int
	for n > 0 {
		k := 1 + rng.IntN(min(n, []int{3, 16, 128, 4096}[rng.IntN(4)]))
		p = append(p, k)
		n -= k
	}
	return p
}

// FuzzSparseVideo: hostile frames (real ones, mutated) decode the same
// sparse as whole, however they are cut.
func FuzzSparseVideo(f *testing.F) {
	for i, b := range videoBodies() {
		if i%7 == 0 && len(b) < 64<<10 {
			f.Add(b, uint64(i), byte(0xEE))
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, seed uint64, fill byte) {
		if len(body) == 0 {
			return
		}
		checkSparse(t, body, randomPieces(rand.New(rand.NewPCG(seed, 0)), len(body)), fill)
	})
}
