package pipeline

import (
	"sync"
	"sync/atomic"

	"github.com/rtmpscope/rtmpscope/dissect"
	"github.com/rtmpscope/rtmpscope/dissect/session"
)

// asyncBatch is how many records travel together: one channel operation
// per batch instead of per record.
const asyncBatch = 256

// asyncBatchBytes ends a batch early when the message bodies it holds
// reach this many bytes: a batch of 256 video frames of a 20 Mbit/s
// stream would otherwise hold 20 MB. With asyncDepth it keeps the bodies
// in flight near 1 MiB, so peak memory does not grow with the capture.
const asyncBatchBytes = 256 << 10

// asyncDepth is how many batches may wait for the sinks: it bounds the
// memory the queue holds (asyncDepth batches of at most asyncBatch records
// or asyncBatchBytes of bodies) and lets the reader run ahead of a slow
// sink by that much before it waits.
const asyncDepth = 4

// asyncSinks feeds the sinks from a goroutine of their own (Config.AsyncSinks).
type asyncSinks struct {
	sinks []Sink
	batch []session.Record
	bytes int // body bytes in batch
	queue chan []session.Record
	// free holds handled batches for reuse, when the sinks keep no
	// record (bodies != nil: RecycleBodies says so). Allocating a new
	// 256-record batch per 256 KiB of bodies was a tenth of the dissecting
	// goroutine's time on a standard-MTU capture.
	free   chan []session.Record
	done   sync.WaitGroup
	bad    atomic.Bool // a sink failed: the reader stops
	bodies *dissect.BodyPool
	err    error // the first sink error, read after done
	par    ParallelSink
	preps  []any    // encodeBatch's, reused
	outs   [][]byte // encodeBatch's, reused
}

func startAsync(sinks []Sink, bodies *dissect.BodyPool) *asyncSinks {
	a := &asyncSinks{sinks: sinks, bodies: bodies, queue: make(chan []session.Record, asyncDepth), par: parallelSink(sinks)}
	a.batch = make([]session.Record, 0, asyncBatch)
	if bodies != nil {
		// Room for every batch there can be (asyncDepth queued, one being
		// handled, one being filled, one spare for the moment both ends
		// swap): with less, a burst after the sinks stalled dropped a
		// returned batch and the next stall allocated one again (96 per
		// GB of -V).
		a.free = make(chan []session.Record, asyncDepth+3)
	}
	a.done.Add(1)
	go a.run()
	return a
}

// add queues one record; it blocks when the sinks are asyncDepth batches
// behind.
func (a *asyncSinks) add(r session.Record) {
	a.batch = append(a.batch, r)
	if r.Event.Message != nil {
		a.bytes += len(r.Event.Message.Body)
	}
	if len(a.batch) == asyncBatch || a.bytes >= asyncBatchBytes {
		a.flush()
	}
}

func (a *asyncSinks) flush() {
	if len(a.batch) == 0 {
		return
	}
	a.queue <- a.batch
	a.bytes = 0
	// A new batch, unless the sinks keep no record: then a handled one.
	// (A sink that keeps records may point into its batch.) A reused
	// batch's stale records are overwritten, not cleared: what they point
	// to is bounded by the few batches in existence.
	select {
	case b := <-a.free:
		a.batch = b[:0]
	default:
		a.batch = make([]session.Record, 0, asyncBatch)
	}
}

func (a *asyncSinks) run() {
	defer a.done.Done()
	for batch := range a.queue {
		if a.err == nil && a.par != nil {
			if err := a.encodeBatch(a.par, batch); err != nil {
				a.err = err
				a.bad.Store(true)
			}
		} else if a.err == nil {
			for i := range batch {
				if err := a.deliver(&batch[i]); err != nil {
					a.err = err
					a.bad.Store(true)
					break
				}
				recycle(a.bodies, &batch[i])
			}
		}
		if a.free != nil {
			select {
			case a.free <- batch:
			default:
			}
		}
	}
}

func (a *asyncSinks) deliver(r *session.Record) error {
	for _, s := range a.sinks {
		if err := s.Record(r); err != nil {
			return err
		}
	}
	return nil
}

// failed reports whether a sink has failed (the reader's Stop).
func (a *asyncSinks) failed() bool { return a.bad.Load() }

// finish delivers what is queued, waits for the sinks and returns the
// first sink error.
func (a *asyncSinks) finish() error {
	a.flush()
	close(a.queue)
	a.done.Wait()
	return a.err
}
