package pipeline

import (
	"sync"

	"github.com/rtmpscope/rtmpscope/dissect/session"
)

// ParallelSink is a Sink whose work on a record splits into three steps,
// so that the middle one, the costly one (building and formatting a -V
// tree), can run on several goroutines at once. With Config.AsyncSinks the
// pipeline calls, for each batch of records: Prepare on every record in
// order, then Encode on the records in parallel, then Write on the results
// in order; Record is not called. Without AsyncSinks only Record is
// called, and it must do all three.
type ParallelSink interface {
	Sink
	// Prepare sees every record, in order, on one goroutine: the place
	// for state (times relative to the first record, a display filter,
	// stories). What it returns is handed to Encode; nil skips the record.
	Prepare(r *session.Record) any
	// Encode appends what the sink writes for r to dst. It runs on
	// several goroutines at once, for different records, so it reads the
	// record and prep and writes nothing shared.
	Encode(dst []byte, r *session.Record, prep any) ([]byte, error)
	// Write writes one Encode result, in record order.
	Write(b []byte) error
}

// encodeBatch runs ps over a batch: Prepare in order (with the other
// sinks' Record), Encode on two goroutines, Write in order.
func (a *asyncSinks) encodeBatch(ps ParallelSink, batch []session.Record) error {
	n := len(batch)
	if cap(a.preps) < n {
		a.preps, a.outs = make([]any, n), make([][]byte, n)
	}
	preps, outs := a.preps[:n], a.outs[:n]
	for i := range batch {
		for _, s := range a.sinks {
			if s == Sink(ps) {
				continue
			}
			if err := s.Record(&batch[i]); err != nil {
				return err
			}
		}
		preps[i] = ps.Prepare(&batch[i])
	}
	errs := [2]error{}
	encode := func(part, from, to int) {
		for i := from; i < to; i++ {
			if preps[i] == nil {
				outs[i] = outs[i][:0]
				continue
			}
			var err error
			if outs[i], err = ps.Encode(outs[i][:0], &batch[i], preps[i]); err != nil {
				errs[part] = err
				return
			}
		}
	}
	var wg sync.WaitGroup
	half := n / 2
	wg.Add(1)
	go func() {
		defer wg.Done()
		encode(1, half, n)
	}()
	encode(0, 0, half)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	for i := range batch {
		if len(outs[i]) > 0 {
			if err := ps.Write(outs[i]); err != nil {
				return err
			}
		}
		preps[i] = nil
		recycle(a.bodies, &batch[i])
	}
	return nil
}

// parallelSink returns the one ParallelSink among sinks, if there is
// exactly one.
func parallelSink(sinks []Sink) ParallelSink {
	var found ParallelSink
	for _, s := range sinks {
		if ps, ok := s.(ParallelSink); ok {
			if found != nil {
				return nil
			}
			found = ps
		}
	}
	return found
}
