package flow

import (
	"context"
	"io"
	"sync/atomic"
	"testing"

	"github.com/rtmpscope/rtmpscope/capture"
)

// releasingSource hands out stable packets and checks the prefetcher's
// releases against what its consumer has finished. Its marks are all the
// zero Mark (the type is capture's); it matches each Release to the Mark
// taken in the same turn, since marks must come back in order.
type releasingSource struct {
	t        *testing.T
	total    int
	data     []byte
	handed   int
	marks    []int         // packets handed out at each Mark not yet released
	finished *atomic.Int64 // packets the consumer is done with
	declared bool          // the first Release came before any packet
	releases int
}

func (s *releasingSource) Next() (capture.Packet, error) {
	if s.handed == s.total {
		return capture.Packet{}, io.EOF
	}
	s.handed++
	return capture.Packet{Frame: uint64(s.handed), Data: s.data, Stable: true}, nil
}

func (s *releasingSource) Close() error { return nil }

func (s *releasingSource) Mark() capture.Mark {
	s.marks = append(s.marks, s.handed)
	return capture.Mark{}
}

func (s *releasingSource) Release(capture.Mark) {
	if s.handed == 0 && len(s.marks) == 0 && !s.declared {
		s.declared = true
		return
	}
	if len(s.marks) == 0 {
		s.t.Error("Release without a Mark taken")
		return
	}
	upTo := s.marks[0]
	s.marks = s.marks[1:]
	if done := s.finished.Load(); int64(upTo) > done {
		s.t.Errorf("packets up to %d released while the consumer had finished %d", upTo, done)
	}
	s.releases++
}

// TestPrefetchReleases: the prefetcher says it will release before it
// reads, releases each batch's mark once the consumer is done with the
// batch (never before), in order, and bounds a batch of stable packets by
// prefetchStableBytes.
func TestPrefetchReleases(t *testing.T) {
	var finished atomic.Int64
	src := &releasingSource{t: t, total: 2000, data: make([]byte, 100<<10), finished: &finished}
	f := startPrefetch(context.Background(), src, 0, nil, false)
	n, batches := 0, 0
	for b := f.next(); b != nil; b = f.next() {
		if b.bytes > prefetchStableBytes+len(src.data) {
			t.Errorf("a batch of %d stable bytes, want at most %d and a packet", b.bytes, prefetchStableBytes)
		}
		n += len(b.pkts)
		batches++
		finished.Store(int64(n))
		f.release(b)
	}
	f.close()
	if !src.declared {
		t.Error("the prefetcher did not say it would release before reading")
	}
	if n != src.total {
		t.Fatalf("%d packets through the prefetcher, want %d", n, src.total)
	}
	// The last prefetchDepth batches are not released: the source closes.
	if src.releases < batches-prefetchDepth {
		t.Errorf("%d of %d batches released", src.releases, batches)
	}
}
