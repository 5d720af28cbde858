// Package flowtape records the byte stream the flow router hands to a
// protocol handler, for the tests of handler packages that cannot import
// the pipeline (it imports them): what the router delivered, call by call,
// ready to be replayed into a handler in other pieces or mutated by a fuzz
// target.
package flowtape

import (
	"context"
	"testing"

	"github.com/rtmpscope/rtmpscope/capture"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
)

// Call is one Data call of a TCP connection, as the router made it.
type Call struct {
	Dir   event.Dir
	Data  []byte
	Frame uint64 // the frame of the call's first byte
}

// Tape is a flow.StreamHandler that keeps every Data call.
type Tape struct{ Calls []Call }

// Data implements flow.StreamHandler.
func (t *Tape) Data(dir event.Dir, off int64, data []byte, refs []event.FrameRef) {
	var fr uint64
	if len(refs) > 0 {
		fr = refs[0].Frame
	}
	t.Calls = append(t.Calls, Call{dir, append([]byte(nil), data...), fr})
}

// Gap implements flow.StreamHandler.
func (t *Tape) Gap(event.Dir, flow.Gap) {}

// Close implements flow.StreamHandler.
func (t *Tape) Close(*event.ConnEvent) {}

// Stream is one direction's bytes, all calls joined.
func (t *Tape) Stream(d event.Dir) []byte {
	var b []byte
	for _, c := range t.Calls {
		if c.Dir == d {
			b = append(b, c.Data...)
		}
	}
	return b
}

// Record runs the capture at path through the router with one protocol,
// recognised by sniff as variant, and returns the Data calls of the first
// connection it took (nil when none).
func Record(tb testing.TB, path string, variant event.Variant, sniff func(*flow.Head) flow.Verdict) *Tape {
	tb.Helper()
	src, err := capture.OpenFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer src.Close()
	var tp *Tape
	p := flow.Protocol{Name: "tape", Transport: event.TransportTCP,
		Sniff: func(h *flow.Head) flow.Verdict {
			if v := sniff(h); v.Decision != flow.Yes {
				return v
			}
			return flow.Verdict{Decision: flow.Yes, Variant: variant}
		},
		Stream: func(*flow.Context) flow.StreamHandler {
			if tp == nil {
				tp = &Tape{}
				return tp
			}
			return nil
		}}
	if _, err := flow.Run(context.Background(), src, event.ReceiverFunc(func(event.Event) {}), []flow.Protocol{p}, flow.RunOptions{}); err != nil {
		tb.Fatal(err)
	}
	return tp
}
