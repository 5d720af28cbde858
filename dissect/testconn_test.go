package dissect

import (
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
)

// newTestConn makes a Conn for a connection that reassembly described,
// outside a router: the unit tests drive the RTMP handler directly.
func newTestConn(info event.ConnInfo, sink event.Receiver, opts Options) *testConn {
	info.Layers = []string{"tcp", "rtmp"}
	ctx := flow.NewContext(&info, sink)
	return &testConn{NewConn(ctx, opts), ctx}
}

// testConn is a Conn that, like the router around it, emits the
// conn-closed event its Close filled.
type testConn struct {
	*Conn
	ctx *flow.Context
}

func (c *testConn) Close(ev *event.ConnEvent) {
	c.Conn.Close(ev)
	ev.Closed = true
	ev.Info = *c.ctx.Info
	c.ctx.Emit(event.Event{Kind: event.KindConn, Time: ev.Last, Conn: ev})
}
