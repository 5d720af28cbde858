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
// because the views allocate little. A run whose live heap outgrows two
// thirds of the target (the TUI, a report, many connections with large
// bodies), or that allocates so fast that collecting near the target
// takes more than maxTargetGCShare of the CPU (-V, or a capture of many
// small messages: a 100 MB one took 60% longer), would make the collector
// run all the time: the watch then lifts the target and the collector
// paces itself as usual.
const defaultMemoryTarget = 20 << 20

// maxTargetGCShare is the share of the CPU the collector may take, over
// two watch intervals in a row, before the target is lifted. Measured (the
// runtime's estimate, idle-time marking left out): 3-6% for the text and
// NDJSON views of the big captures; 10-14% for -V (which the target made
// 30% slower), 11-17% for stats and 14-20% for 333k small packets.
const maxTargetGCShare = 0.10

// targetGCPercent is the collector's GOGC while the target holds.
const targetGCPercent = 50

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
	// Below the target the collector's own pacing still lets a small live
	// heap double: stats (3 MB live) peaked at 36 MB on a 1 GB capture and
	// 26 MB on a 100 MB one, whose run ends first. With half that growth
	// (targetGCPercent) the 1 GB run peaks at 31 MB, 5% slower; the views
	// whose heap the target holds (text, -V, NDJSON) are unchanged. An
	// explicit $GOGC is left alone.
	prevPct, setPct := 0, os.Getenv("GOGC") == ""
	if setPct {
		prevPct = debug.SetGCPercent(targetGCPercent)
	}
	restore := func() {
		debug.SetMemoryLimit(math.MaxInt64)
		if setPct {
			debug.SetGCPercent(prevPct)
		}
	}
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(memoryWatchEvery)
		defer t.Stop()
		// The collector's share leaves out its idle-time marking, which
		// takes only what nothing else wanted.
		m := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/cpu/classes/gc/total:cpu-seconds"},
			{Name: "/cpu/classes/total:cpu-seconds"}, {Name: "/cpu/classes/gc/mark/idle:cpu-seconds"}}
		metrics.Read(m)
		gc0, all0 := m[1].Value.Float64()-m[3].Value.Float64(), m[2].Value.Float64()
		busy := 0 // intervals in a row in which the collector took more than its share
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			metrics.Read(m)
			gc, all := m[1].Value.Float64()-m[3].Value.Float64(), m[2].Value.Float64()
			share := 0.0
			if all > all0 {
				share = (gc - gc0) / (all - all0)
			}
			gc0, all0 = gc, all
			if share > maxTargetGCShare {
				busy++
			} else {
				busy = 0
			}
			if m[0].Value.Uint64() > uint64(target/3*2) || busy == 2 {
				restore()
				return
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		restore()
		debug.SetMemoryLimit(prev)
	}
}
