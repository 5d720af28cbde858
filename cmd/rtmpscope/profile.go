package main

import (
	"fmt"
	"io"
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
	stopCPU := startRecording("RTMPSCOPE_CPUPROFILE", pprof.StartCPUProfile, pprof.StopCPUProfile)
	stopTrace := startRecording("RTMPSCOPE_TRACE", trace.Start, trace.Stop)
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

// startRecording starts a recording (a CPU profile, an execution trace)
// into the file named by the environment variable env, when it is set, and
// returns what ends it and closes the file.
func startRecording(env string, start func(io.Writer) error, stop func()) func() {
	path := os.Getenv(env)
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		if err = start(f); err != nil {
			f.Close()
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "rtmpscope: %s: %v\n", env, err)
		return func() {}
	}
	return func() {
		stop()
		f.Close()
	}
}
