package diff

import (
	"testing"

	"github.com/rtmpscope/rtmpscope/internal/recfuzz"
)

// FuzzDiff profiles arbitrary messages and compares the profile with
// itself: no panic, and nothing differs.
func FuzzDiff(f *testing.F) {
	recfuzz.Seed(f, "publish.pcap", "ertmp.pcap")
	f.Fuzz(func(t *testing.T, data []byte) {
		pr := NewProfiler()
		for _, r := range recfuzz.Records(data, 1) {
			pr.Add(&r)
		}
		ps := pr.Profiles()
		if len(ps) != 1 {
			t.Fatalf("%d profiles", len(ps))
		}
		if r := Compare(ps[0], ps[0]); len(r.Differences) != 0 {
			t.Fatalf("a profile differs from itself: %+v", r.Differences)
		}
	})
}
