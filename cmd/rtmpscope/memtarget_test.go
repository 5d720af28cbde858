package main

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// currentLimit reads the runtime's soft memory limit without changing it.
func currentLimit() int64 { return debug.SetMemoryLimit(-1) }

// The target is the runtime's limit while the live heap is small, is
// lifted once more than two thirds of it is live, and is undone at the
// end; an explicit limit or $GOMEMLIMIT leaves the runtime alone.
func TestMemoryTarget(t *testing.T) {
	before := currentLimit()
	defer debug.SetMemoryLimit(before)

	runtime.GC()
	stop := startMemoryTarget(512<<20, false)
	time.Sleep(4 * memoryWatchEvery)
	if got := currentLimit(); got != 512<<20 {
		t.Errorf("limit %d while little is live, want the target", got)
	}
	if os.Getenv("GOGC") == "" {
		if got := currentGCPercent(); got != targetGCPercent {
			t.Errorf("GOGC %d while the target holds, want %d", got, targetGCPercent)
		}
	}
	stop()
	if got := currentLimit(); got != before {
		t.Errorf("limit %d after the run, want %d back", got, before)
	}
	if got := currentGCPercent(); os.Getenv("GOGC") == "" && got != 100 {
		t.Errorf("GOGC %d after the run, want 100 back", got)
	}

	// A live heap beyond two thirds of a small target lifts it.
	stop = startMemoryTarget(12<<20, false)
	live := make([][]byte, 0, 16)
	for range 12 {
		live = append(live, make([]byte, 1<<20))
	}
	runtime.GC()
	deadline := time.Now().Add(2 * time.Second)
	for currentLimit() != math.MaxInt64 && time.Now().Before(deadline) {
		time.Sleep(memoryWatchEvery)
	}
	if got := currentLimit(); got != math.MaxInt64 {
		t.Errorf("limit %d with %d MiB live, want it lifted", got, len(live))
	}
	if got := currentGCPercent(); os.Getenv("GOGC") == "" && got != 100 {
		t.Errorf("GOGC %d once the target is lifted, want 100 back", got)
	}
	stop()
	runtime.KeepAlive(live)

	// Allocating fast near the target lifts it too: the collector would
	// take more than its share of the CPU.
	stop = startMemoryTarget(16<<20, false)
	var sink []byte
	deadline = time.Now().Add(2 * time.Second)
	for currentLimit() != math.MaxInt64 && time.Now().Before(deadline) {
		for range 1000 {
			sink = make([]byte, 64<<10)
		}
	}
	if got := currentLimit(); got != math.MaxInt64 {
		t.Errorf("limit %d while allocating fast, want it lifted", got)
	}
	stop()
	runtime.KeepAlive(sink)

	if startMemoryTarget(512<<20, true)(); currentLimit() != before {
		t.Error("an explicit --memory-limit was replaced by the target")
	}
	t.Setenv("GOMEMLIMIT", "1GiB")
	if startMemoryTarget(512<<20, false)(); currentLimit() != before {
		t.Error("$GOMEMLIMIT was replaced by the target")
	}
}

// currentGCPercent reads GOGC without changing it.
func currentGCPercent() int {
	p := debug.SetGCPercent(-1)
	debug.SetGCPercent(p)
	return p
}
