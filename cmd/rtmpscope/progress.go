package main

import (
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/term"

	"github.com/rtmpscope/rtmpscope/capture"
)

// counters are what the progress line shows besides the bytes read; the
// pipeline goroutine increments them, the progress goroutine reads them.
type counters struct {
	packets  atomic.Uint64
	bytes    atomic.Uint64 // captured bytes of those packets (live status)
	messages atomic.Uint64
}

// isTerminal reports whether w is a terminal (stdout or stderr of a person).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progressInterval is how often the progress line is redrawn.
const progressInterval = 250 * time.Millisecond

// startProgress draws a progress line on stderr while a file is read:
// bytes and percent, packets, messages, rate and time left. It draws only
// when stderr is a terminal and stdout is not (when the output itself is on
// the terminal, the output is the progress), and never for live captures or
// pipes, whose size is unknown. The returned stop erases the line.
func startProgress(stdout, stderr io.Writer, file *capture.SequenceSource, c *counters) (stop func()) {
	if file == nil || !isTerminal(stderr) || isTerminal(stdout) {
		return func() {}
	}
	if _, size := file.Progress(); size <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(finished)
		t := time.NewTicker(progressInterval)
		defer t.Stop()
		drawn := false
		for {
			select {
			case <-done:
				if drawn {
					fmt.Fprint(stderr, "\r\x1b[K")
				}
				return
			case <-t.C:
				read, size := file.Progress()
				fmt.Fprint(stderr, "\r\x1b[K"+progressLine(read, size, c.packets.Load(), c.messages.Load(), time.Since(start)))
				drawn = true
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// progressLine formats one progress report, e.g.
// "read 412 MB of 1.0 GB (41%)  1,234,567 packets  98,765 messages  310 MB/s  2s left".
func progressLine(read, size int64, packets, messages uint64, elapsed time.Duration) string {
	pct := float64(read) * 100 / float64(size)
	s := fmt.Sprintf("read %s of %s (%.0f%%)  %s packets", humanBytes(read), humanBytes(size), pct, groupDigits(packets))
	if messages > 0 {
		s += "  " + groupDigits(messages) + " messages"
	}
	if sec := elapsed.Seconds(); sec > 0 && read > 0 {
		rate := float64(read) / sec
		left := time.Duration(float64(size-read) / rate * float64(time.Second))
		s += fmt.Sprintf("  %s/s  %s left", humanBytes(int64(rate)), left.Round(time.Second))
	}
	return s
}

// humanBytes is n in B, kB, MB or GB (decimal, as ls -h --si and tshark do).
func humanBytes(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.1f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.0f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.0f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d B", n)
}

// groupDigits writes n with thousands separators: 1234567 → "1,234,567".
func groupDigits(n uint64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
