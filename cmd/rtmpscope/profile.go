package main

import (
	"fmt"
	"os"
	"runtime/pprof"
	"runtime/trace"
)

// startProfile writes a CPU profile of the whole run to the file named by
// RTMPSCOPE_CPUPROFILE, an allocation profile (what was allocated, by
// whom, over the whole run) to the file named by RTMPSCOPE_MEMPROFILE, and
// an execution trace (which goroutine ran, waited for which, or waited for
// a core) to the file named by RTMPSCOPE_TRACE, when they are set: how the
// per-stage figures in docs/performance.md were found. It returns the
// function that ends them.
func startProfile() func() {
	stopCPU := func() {}
	if path := os.Getenv("RTMPSCOPE_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err != nil {
			fmt.Fprintln(os.Stderr, "rtmpscope: RTMPSCOPE_CPUPROFILE:", err)
		} else if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "rtmpscope: RTMPSCOPE_CPUPROFILE:", err)
			f.Close()
		} else {
			stopCPU = func() {
				pprof.StopCPUProfile()
				f.Close()
			}
		}
	}
	stopTrace := func() {}
	if path := os.Getenv("RTMPSCOPE_TRACE"); path != "" {
		if f, err := os.Create(path); err != nil {
			fmt.Fprintln(os.Stderr, "rtmpscope: RTMPSCOPE_TRACE:", err)
		} else if err := trace.Start(f); err != nil {
			fmt.Fprintln(os.Stderr, "rtmpscope: RTMPSCOPE_TRACE:", err)
			f.Close()
		} else {
			stopTrace = func() {
				trace.Stop()
				f.Close()
			}
		}
	}
	memPath := os.Getenv("RTMPSCOPE_MEMPROFILE")
	return func() {
		stopCPU()
		stopTrace()
		if memPath == "" {
			return
		}
		f, err := os.Create(memPath)
		if err == nil {
			err = pprof.Lookup("allocs").WriteTo(f, 0)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "rtmpscope: RTMPSCOPE_MEMPROFILE:", err)
		}
	}
}
