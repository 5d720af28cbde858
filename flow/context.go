package flow

import (
	"slices"

	"github.com/rtmpscope/rtmpscope/event"
)

// Context is what a handler knows of its connection and how it reaches the
// rest of the pipeline. A handler of an inner layer gets the Context of the
// connection it belongs to.
type Context struct {
	// Info is the connection's identity as the router decided it. Outer
	// handlers may append to Info.Layers before making an inner handler.
	Info *event.ConnInfo
	// OnOpen, when a handler sets it, adds that layer's facts to the
	// conn-open event as it is emitted (TLS: the session's handshake).
	OnOpen func(*event.ConnEvent)
	r      *Router
	out    event.Receiver
	// openPending is true until the conn-open event is emitted. A TCP
	// flow's is emitted once its handler is made (with the layers its
	// constructor added), unless the handler holds it (HoldOpen); a held
	// one and a logical connection's wait until an inner handler is made
	// (Inner), or for the connection's first other event, or its close,
	// so that they carry the variant and layers the handlers decided on
	// the way: TLS learns that it carries RTMPT only when it decrypts, an
	// RTMPT session that it carries RTMPE only at its first byte. Open and
	// close then agree.
	openPending bool
	hold        bool
}

// HoldOpen keeps the conn-open event back until the handler makes its
// inner handler (Inner), emits an event, or the connection closes: for a
// layer that learns what it carries only later, as TLS does when it
// decrypts the first application data. The handler sets Info.Variant
// before it calls Inner.
func (c *Context) HoldOpen() { c.hold = true }

// settle emits the conn-open event of a flow whose handler was just made,
// unless the handler holds it.
func (c *Context) settle() {
	if !c.hold {
		c.flushOpen()
	}
}

// ID returns the connection's id.
func (c *Context) ID() event.ConnID { return c.Info.ID }

// Emit passes an event of this connection on (its ConnID is set here).
func (c *Context) Emit(ev event.Event) {
	if c.openPending {
		c.emitOpen()
	}
	ev.ConnID = c.Info.ID
	c.out.Emit(ev)
}

// emitOpen emits the conn-open event with what is known now.
func (c *Context) emitOpen() {
	c.openPending = false
	ce := &event.ConnEvent{Info: *c.Info}
	ce.Info.Layers = slices.Clone(c.Info.Layers) // inner layers may still be appended
	if c.OnOpen != nil {
		c.OnOpen(ce)
	}
	c.out.Emit(event.Event{Kind: event.KindConn, ConnID: c.Info.ID, Time: c.Info.FirstSeen, Conn: ce})
}

// flushOpen emits the conn-open event if nothing has yet: the connection
// is closing without any other event.
func (c *Context) flushOpen() {
	if c != nil && c.openPending {
		c.emitOpen()
	}
}

// Diag emits a diagnostic of this connection.
func (c *Context) Diag(dir event.Dir, hasDir bool, at event.FrameRef, d *event.Diagnostic) {
	c.Emit(event.Event{Kind: event.KindDiagnostic, Dir: dir, HasDir: hasDir, Time: at.Time, Diag: d})
}

// Inner makes the handler of a registered stream protocol (by Protocol.Name,
// e.g. "rtmp") for the bytes this layer peels, on the same connection, and
// records the layer in Info.Layers. It returns nil for an unknown name.
func (c *Context) Inner(name string) StreamHandler {
	if c.r == nil {
		return nil
	}
	p := c.r.protocol(name)
	if p == nil || p.Stream == nil {
		return nil
	}
	c.Info.Layers = append(c.Info.Layers, name)
	h := c.r.makeStream(p, c)
	// The inner handler's constructor has added its own inner layers: the
	// stack is settled, a held open event can go.
	c.flushOpen()
	return h
}

// Open starts a logical connection that is not one transport flow: an
// RTMPT session joined from the HTTP requests of one or many TCP
// connections. The router gives it the next id, a uid and a Community ID
// (from info's endpoints and transport), emits its conn-open event (with
// the connection's first other event, as for a TCP flow), and returns
// its Context; the caller makes its inner handler with Inner and
// ends it with Finish.
func (c *Context) Open(info event.ConnInfo) *Context {
	if c.r == nil {
		return NewContext(&info, c.out)
	}
	return c.r.openLogical(info)
}

// Finish ends a logical connection made by Open: the caller has already
// called its inner handler's Close(ev); Finish completes ev's identity and
// emits the conn-closed event.
func (c *Context) Finish(ev *event.ConnEvent) {
	if c.r == nil {
		return
	}
	c.r.finishLogical(c, ev)
}

// Shared returns the value kept under key for the whole run, making it
// with mk the first time: state that spans flows, such as the RTMPT
// sessions that several TCP connections join. Keys are namespaced by the
// protocol that uses them ("rtmpt/sessions").
func (c *Context) Shared(key string, mk func() any) any {
	if c.r == nil {
		return mk()
	}
	return c.r.shared(key, mk)
}

// AtEnd registers f to run once when the run ends, after every transport
// flow has closed, in registration order; a key registers at most once.
// Handlers whose state spans flows (RTMPT sessions) finish it there.
func (c *Context) AtEnd(key string, f func()) {
	if c.r == nil {
		return
	}
	c.r.atEnd(key, f)
}

// NewContext makes a Context outside a router, for handlers run on their
// own: sniffers that trial-parse a flow's first bytes, tests and fuzzers.
// Its Inner, Open and Shared are inert (nil, a detached Context, a fresh
// value).
func NewContext(info *event.ConnInfo, out event.Receiver) *Context {
	if out == nil {
		out = event.ReceiverFunc(func(event.Event) {})
	}
	return &Context{Info: info, out: out}
}
