package reassembly

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/rtmpscope/rtmpscope/capture"
)

// RunOptions say how to drive a capture through the assembler.
type RunOptions struct {
	Options
	// Count stops after this many packets when > 0 (tcpdump's -c).
	Count uint64
	// Tap sees every packet before it is decoded, in capture order; it
	// returns false to leave the packet out of the analysis (a display or
	// capture filter applied to a file). It may keep a copy (the -w writer).
	Tap func(p capture.Packet) bool
}

// Summary is what a run saw, for the user and the tests.
type Summary struct {
	Capture  capture.Stats
	Assembly Stats
	Filtered uint64 // packets the Tap left out
}

// Run reads src until it ends, Count packets were read or ctx is done, then
// flushes every connection so that nothing buffered is lost. The error is
// that of the source (a truncated file, a failing interface), after
// everything before it was delivered; io.EOF is not an error.
func Run(ctx context.Context, src capture.Source, f HandlerFactory, opts RunOptions) (Summary, error) {
	var (
		dec capture.Decoder
		seg capture.Segment
		sum Summary
		err error
	)
	a := NewAssembler(f, opts.Options)
	for {
		if ctx.Err() != nil {
			break
		}
		if opts.Count > 0 && dec.Stats.Packets+sum.Filtered >= opts.Count {
			break
		}
		var p capture.Packet
		p, err = src.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = nil
			}
			if errors.Is(err, capture.ErrTimeout) {
				err = nil
				a.Tick(time.Now())
				continue
			}
			break
		}
		if opts.Tap != nil && !opts.Tap(p) {
			sum.Filtered++
			continue
		}
		if dec.Decode(p, &seg) == capture.OutcomeTCP {
			a.Add(p, &seg)
		}
	}
	a.Finish()
	sum.Capture = dec.Stats
	sum.Assembly = a.Stats()
	return sum, err
}

// ProcessFile runs a saved capture (pcap, pcapng, gzip, "-" for stdin)
// through the assembler. It is the one-call form the tests use.
func ProcessFile(path string, f HandlerFactory, opts Options) (Summary, error) {
	src, err := capture.OpenFile(path)
	if err != nil {
		return Summary{}, err
	}
	defer src.Close()
	return Run(context.Background(), src, f, RunOptions{Options: opts})
}
