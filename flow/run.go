package flow

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/rtmpscope/rtmpscope/capture"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/reassembly"
)

// RunOptions say how to drive a capture through the router.
type RunOptions struct {
	Options
	// Reassembly bounds the TCP reassembler (its ServerPorts default to
	// Options.Ports).
	Reassembly reassembly.Options
	// Count stops after this many packets when > 0 (tcpdump's -c).
	Count uint64
	// Tap sees every packet before it is decoded, in capture order; it
	// returns false to leave the packet out of the analysis (a capture
	// filter applied to a file). It may keep a copy (the -w writer).
	Tap func(p capture.Packet) bool
	// Stop, when it returns true, ends the run early (a sink failed).
	Stop func() bool
	// Progress, when set, is called on Run's goroutine about once a second
	// (wall clock) with the counters so far: --metrics serves the refused
	// connections and flows from it while a capture runs.
	Progress func(Summary)
}

// progressEvery is how often Run calls RunOptions.Progress.
const progressEvery = time.Second

// progress calls opts.Progress when progressEvery has passed since *last.
func progress(opts *RunOptions, last *time.Time, capStats capture.Stats, filtered uint64, a *reassembly.Assembler, r *Router) {
	if opts.Progress == nil {
		return
	}
	if now := time.Now(); now.Sub(*last) >= progressEvery {
		*last = now
		opts.Progress(Summary{Capture: capStats, Assembly: a.Stats(), Router: r.Stats(), Filtered: filtered})
	}
}

// Summary is what a run saw, for the user and the tests.
type Summary struct {
	Capture  capture.Stats
	Assembly reassembly.Stats
	Router   Stats
	Filtered uint64 // packets the Tap left out
}

// Run reads src until it ends, Count packets were read, ctx is done or
// Stop says so; then it flushes every flow so that nothing buffered is
// lost. TCP segments go through reassembly, UDP datagrams straight to the
// router; every event goes to out. The error is that of the source (a
// truncated file, a failing interface), after everything before it was
// delivered; io.EOF is not an error.
func Run(ctx context.Context, src capture.Source, out event.Receiver, protos []Protocol, opts RunOptions) (Summary, error) {
	var (
		dec capture.Decoder
		seg capture.Segment
		sum Summary
		err error
	)
	r := New(out, protos, opts.Options)
	ropts := opts.Reassembly
	if ropts.ServerPorts == nil {
		ropts.ServerPorts = r.opts.Ports
	}
	a := reassembly.NewAssembler(r, ropts)
	if _, live := src.(capture.LiveSource); !live {
		err = runPrefetched(ctx, src, r, a, opts, &sum)
		a.Finish()
		r.Finish()
		sum.Assembly = a.Stats()
		sum.Router = r.Stats()
		return sum, err
	}
	var last time.Time
	for {
		if ctx.Err() != nil || (opts.Stop != nil && opts.Stop()) {
			break
		}
		progress(&opts, &last, dec.Stats, sum.Filtered, a, r)
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
		dispatch(a, r, p, dec.Decode(p, &seg), &seg)
	}
	a.Finish()
	r.Finish()
	emitLiveLoss(src, out, dec.Stats.Packets+sum.Filtered)
	sum.Capture = dec.Stats
	sum.Assembly = a.Stats()
	sum.Router = r.Stats()
	return sum, err
}

// ProcessFile runs a saved capture (pcap, pcapng, gzip, "-" for stdin)
// through the router: the one-call form tests use.
func ProcessFile(path string, out event.Receiver, protos []Protocol, opts RunOptions) (Summary, error) {
	src, err := capture.OpenFile(path)
	if err != nil {
		return Summary{}, err
	}
	defer src.Close()
	return Run(context.Background(), src, out, protos, opts)
}

// runPrefetched is Run's loop for a saved capture: the prefetcher reads
// and decodes (prefetch.go), this goroutine reassembles and dissects.
func runPrefetched(ctx context.Context, src capture.Source, r *Router, a *reassembly.Assembler, opts RunOptions, sum *Summary) error {
	// A count-only run (conns) does little besides reassembly: the
	// consumer then decodes too, so that the reader is not the only one
	// busy (conns on 390k packets: 0.12 s -> 0.09 s).
	decodeHere := opts.CountOnly
	var dec capture.Decoder
	f := startPrefetch(ctx, src, opts.Count, opts.Tap, !decodeHere)
	var err error
	var last time.Time
	for {
		b := f.next()
		if b == nil {
			break
		}
		// The decoder's counts belong to the prefetcher until it is
		// closed: the packets so far are those handed over.
		progress(&opts, &last, capture.Stats{}, 0, a, r)
		stopped := false
		for i := range b.pkts {
			if opts.Stop != nil && opts.Stop() {
				stopped = true
				break
			}
			x := &b.pkts[i]
			if decodeHere {
				decodeSlot(&dec, x)
			}
			dispatch(a, r, x.p, x.outcome, &x.seg)
		}
		err = b.err
		f.release(b)
		if stopped || err != nil {
			break
		}
	}
	f.close()
	sum.Capture = f.dec.Stats
	if decodeHere {
		sum.Capture = dec.Stats
	}
	sum.Filtered = f.filtered
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		err = nil
	}
	return sourceErr(err)
}

// dispatch hands one decoded packet on: a TCP segment to reassembly, a UDP
// datagram to the router's flow table; other outcomes are only counted.
func dispatch(a *reassembly.Assembler, r *Router, p capture.Packet, o capture.Outcome, seg *capture.Segment) {
	switch o {
	case capture.OutcomeTCP:
		a.Add(p, seg)
	case capture.OutcomeUDP:
		r.UDPInside(seg.Src, seg.Dst, seg.UDP, event.FrameRef{Len: len(seg.UDP), Frame: p.Frame, Time: p.Info.Timestamp}, seg.Encap)
	}
}
