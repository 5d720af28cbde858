package story

import (
	"testing"

	"github.com/rtmpscope/rtmpscope/internal/recfuzz"
)

// FuzzStory feeds arbitrary messages to the Builder: it must not panic,
// it tells one story per connection, and the story has its lines and a
// verdict. The seeds are the messages of real captures.
func FuzzStory(f *testing.F) {
	recfuzz.Seed(f, "reject.pcap", "ertmp-multitrack.pcap")
	f.Fuzz(func(t *testing.T, data []byte) {
		b := New(Options{MaxSteps: 8})
		n := 0
		for _, r := range recfuzz.Records(data, 1) {
			if s := b.Add(&r); s != nil {
				n++
				if len(s.Lines()) < 3 || s.Verdict.Text == "" {
					t.Fatalf("story %+v", s)
				}
			}
		}
		if n != 1 {
			t.Fatalf("%d stories for one connection", n)
		}
	})
}
