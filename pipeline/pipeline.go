// Package pipeline is the one place that wires a packet source to the sinks:
// source → flow router (TCP reassembly, UDP flows, sniffing) → protocol
// handlers → session layer (decode once, redact once, pair, state) → every
// Sink. Commands build a Config and their sinks and call Run; tests use
// the same path through internal/capturetest.
package pipeline

import (
	"context"
	"errors"

	"github.com/rtmpscope/rtmpscope/capture"
	"github.com/rtmpscope/rtmpscope/dissect"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
	"github.com/rtmpscope/rtmpscope/reassembly"
)

// Sink consumes the session layer's records, in order. Record is called
// from the pipeline's goroutine; the record and what it points to belong
// to the sink afterwards. An error from Record stops the run (nothing more
// is read) and is returned by Run; Close is called once at the end in every
// case, and its error is returned too.
type Sink interface {
	Record(r *session.Record) error
	Close() error
}

// Config is everything a run needs besides its source and sinks. Zero
// values take the documented defaults of each layer.
type Config struct {
	Flow       flow.Options       // router: RTMP ports, sniff buffer, UDP flow limits, CountOnly
	Reassembly reassembly.Options // TCP: page limits, connection limit, reorder window, idle timeout
	Dissect    dissect.Options    // RTMP: body budget, chunk streams, hunt window, ...
	Session    session.Options    // redaction, request table, diagnostics caps
	Keys       Keys               // secrets of the encrypted variants
	Count      uint64             // stop after this many packets (-c)
	// Tap sees every packet first; false leaves it out (capture filter on
	// a file, the -w writer).
	Tap func(capture.Packet) bool
	// AsyncSinks runs the sinks on a goroutine of their own, fed records
	// in batches through a bounded queue, so that encoding and writing
	// (most of the work of text and NDJSON output) overlap with reading
	// and dissecting on a second core. Only for sinks that do not call
	// the Tracker: it belongs to the pipeline's goroutine.
	AsyncSinks bool
	// RecycleBodies gives each message body back to the dissector once
	// every sink has returned from Record (dissect.BodyPool): only for
	// sinks that keep nothing of a record after Record returns (the text
	// and NDJSON views; not the TUI, stats or extract).
	RecycleBodies bool
	// Progress, when set, gets the run's counters about once a second, on
	// the pipeline's goroutine (flow.RunOptions.Progress).
	Progress func(flow.Summary)
}

// Pipeline is one run's wiring. Make it with New, hand its Tracker to the
// sinks that look up live session state, then Run it once.
type Pipeline struct {
	cfg     Config
	tracker *session.Tracker
	sinks   []Sink
	err     error // the first sink error (synchronous sinks)
	async   *asyncSinks
}

// New wires a pipeline for cfg.
func New(cfg Config) *Pipeline {
	p := &Pipeline{cfg: cfg}
	p.tracker = session.New(cfg.Session, p.deliver)
	return p
}

// Tracker is the session layer of this pipeline, for sinks that show the
// state of connections still open (stats, extract, the TUI).
func (p *Pipeline) Tracker() *session.Tracker { return p.tracker }

// RecycleBodies turns Config.RecycleBodies on, for a command that knows
// its sinks only after New.
func (p *Pipeline) RecycleBodies() { p.cfg.RecycleBodies = true }

// Receiver is the pipeline's entry point for events: the session layer.
// Tests and replays that make events themselves feed it.
func (p *Pipeline) Receiver() event.Receiver { return p.tracker }

func (p *Pipeline) deliver(r session.Record) {
	if p.async != nil {
		p.async.add(r)
		return
	}
	p.deliverNow(r)
}

// deliverNow hands r to the sinks on the caller's goroutine. It is apart
// from deliver because a sink may keep the pointer it is given, so r
// escapes to the heap here: in deliver that allocation was paid for every
// record, asynchronous ones too.
func (p *Pipeline) deliverNow(r session.Record) {
	if p.err != nil {
		return
	}
	for _, s := range p.sinks {
		if err := s.Record(&r); err != nil {
			p.err = err
			return
		}
	}
	recycle(p.cfg.Dissect.Bodies, &r)
}

// recycle gives a delivered record's body and chunk list back to the
// pool, if there is one (Config.RecycleBodies).
func recycle(pool *dissect.BodyPool, r *session.Record) {
	if pool != nil && r.Event.Message != nil {
		pool.Put(r.Event.Message.Body)
		pool.PutChunks(r.Event.Message.Chunks)
		r.Event.Message.Body, r.Event.Message.Chunks = nil, nil
	}
}

// Run reads src to its end (or Count packets, or until ctx is done or a
// sink fails), flushes every flow and every sink, and returns what the
// run saw. The error is the first sink error, else the source's (a
// truncated file: everything before the cut was delivered), else the
// first Close error.
func (p *Pipeline) Run(ctx context.Context, src capture.Source, sinks ...Sink) (flow.Summary, error) {
	p.sinks = sinks
	if p.cfg.RecycleBodies && p.cfg.Dissect.Bodies == nil {
		p.cfg.Dissect.Bodies = dissect.NewBodyPool()
	}
	stop := func() bool { return p.err != nil }
	if p.cfg.AsyncSinks {
		p.async = startAsync(sinks, p.cfg.Dissect.Bodies)
		stop = p.async.failed
	}
	sum, err := flow.Run(ctx, src, p.tracker, Protocols(&p.cfg), flow.RunOptions{
		Options: p.cfg.Flow, Reassembly: p.cfg.Reassembly, Count: p.cfg.Count, Tap: p.cfg.Tap,
		Stop: stop, Progress: p.cfg.Progress,
	})
	if p.async != nil {
		p.err = p.async.finish()
		p.async = nil
	}
	if p.err != nil {
		err = p.err
	}
	for _, s := range sinks {
		if cerr := s.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return sum, err
}

// RunFile is Run on a saved capture (pcap, pcapng, gzip, "-" for stdin).
func RunFile(ctx context.Context, path string, cfg Config, sinks ...Sink) (flow.Summary, error) {
	src, err := capture.OpenFile(path)
	if err != nil {
		return flow.Summary{}, err
	}
	defer src.Close()
	return New(cfg).Run(ctx, src, sinks...)
}

// funcSink is a Sink made of two functions.
type funcSink struct {
	record func(*session.Record) error
	close  func() error
}

func (f funcSink) Record(r *session.Record) error { return f.record(r) }
func (f funcSink) Close() error                   { return f.close() }

// NewSink makes a Sink of a record function and a close function (either
// may be nil).
func NewSink(record func(*session.Record) error, close func() error) Sink {
	if record == nil {
		record = func(*session.Record) error { return nil }
	}
	if close == nil {
		close = func() error { return nil }
	}
	return funcSink{record, close}
}
