package main

import (
	"math"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// The memory target (--memory-target) keeps a streaming run's memory flat.
// The views keep a bounded live heap (about 10 MB: flows, partial bodies,
// a few batches in flight), but with the collector's default pacing the
// heap grows to twice that before it settles, and a short capture ends
// before it gets there: a 100 MB capture peaked at 33 MB and a 1 GB one at
// 49 MB. Holding the runtime near the target from the start makes both
// peak alike (34 and 37 MB, docs/performance.md) at no measurable cost,
// because the views allocate little. A run whose live heap outgrows half
// the target (the TUI, a report, many connections with large bodies)
// would make the collector run all the time near it: the watch then lifts
// the target and the collector paces itself as usual.
const defaultMemoryTarget = 20 << 20

// memoryWatchEvery is how often the live heap is compared with the target.
const memoryWatchEvery = 50 * time.Millisecond

// startMemoryTarget sets the runtime's soft memory limit to target and
// watches the live heap; it returns the function that ends the watch and
// restores the limit. An explicit limit ($GOMEMLIMIT, --memory-limit) or a
// target of 0 leaves the runtime alone.
func startMemoryTarget(target int64, explicit bool) (stop func()) {
	if target <= 0 || explicit || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	prev := debug.SetMemoryLimit(target)
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(memoryWatchEvery)
		defer t.Stop()
		live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			metrics.Read(live)
			if live[0].Value.Kind() == metrics.KindUint64 && live[0].Value.Uint64() > uint64(target/3*2) {
				debug.SetMemoryLimit(math.MaxInt64)
				return
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		debug.SetMemoryLimit(prev)
	}
}
