package dissect

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
)

// A recorded connection: every call reassembly made, with copies of the
// bytes, so that tests can replay a real capture with other splits, drop
// parts of it, or fuzz from it.
type recCall struct {
	dir  event.Dir
	off  int64
	data []byte
	refs []event.FrameRef
	gap  *flow.Gap
}

type recConn struct {
	info  event.ConnInfo
	calls []recCall
	last  time.Time
}

type recorder struct{ conns []*recConn }

// protocol records every connection the router gives RTMP.
func (r *recorder) protocol() flow.Protocol {
	p := Protocol(Options{})
	p.Stream = func(ctx *flow.Context) flow.StreamHandler {
		c := &recConn{info: *ctx.Info}
		r.conns = append(r.conns, c)
		return c
	}
	return p
}

func (c *recConn) Data(dir event.Dir, off int64, data []byte, refs []event.FrameRef) {
	c.calls = append(c.calls, recCall{dir: dir, off: off, data: append([]byte(nil), data...), refs: append([]event.FrameRef(nil), refs...)})
}

func (c *recConn) Gap(dir event.Dir, g flow.Gap) {
	c.calls = append(c.calls, recCall{dir: dir, gap: &g})
}

func (c *recConn) Close(ev *event.ConnEvent) { c.last = ev.Last }

// stream returns the concatenated bytes of one direction (assumes no gaps).
func (c *recConn) stream(dir event.Dir) []byte {
	var b []byte
	for _, k := range c.calls {
		if k.gap == nil && k.dir == dir {
			b = append(b, k.data...)
		}
	}
	return b
}

// recordCapture records the calls of every connection of a capture.
func recordCapture(t testing.TB, name string) []*recConn {
	t.Helper()
	path := filepath.Join(pcapDir, name)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("capture %s not present", name)
	}
	r := &recorder{}
	if _, err := flow.ProcessFile(path, event.ReceiverFunc(func(event.Event) {}), []flow.Protocol{r.protocol()}, flow.RunOptions{}); err != nil {
		t.Fatal(err)
	}
	return r.conns
}

// refsFor trims refs to the byte range [off, off+n).
func refsFor(refs []event.FrameRef, off int64, n int) []event.FrameRef {
	var out []event.FrameRef
	end := off + int64(n)
	for _, r := range refs {
		rs, re := r.Offset, r.Offset+int64(r.Len)
		if re <= off || rs >= end {
			continue
		}
		if rs < off {
			rs = off
		}
		if re > end {
			re = end
		}
		out = append(out, event.FrameRef{Offset: rs, Len: int(re - rs), Frame: r.Frame, Time: r.Time})
	}
	return out
}

// replay drives a Conn with the recorded calls, each Data call cut into
// pieces by split (which returns the length of the next piece, given what
// is left).
func (c *recConn) replay(sink event.Receiver, opts Options, split func(left int) int) *testConn {
	conn := newTestConn(c.info, sink, opts)
	for _, k := range c.calls {
		if k.gap != nil {
			conn.Gap(k.dir, *k.gap)
			continue
		}
		data, off := k.data, k.off
		for len(data) > 0 {
			n := len(data)
			if split != nil {
				n = max(1, min(split(len(data)), len(data)))
			}
			conn.Data(k.dir, off, data[:n], refsFor(k.refs, off, n))
			data, off = data[n:], off+int64(n)
		}
	}
	conn.Close(&event.ConnEvent{Closed: true, Last: c.last})
	return conn
}
