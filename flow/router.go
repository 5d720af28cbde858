package flow

import (
	"slices"
	"time"

	"github.com/rtmpscope/rtmpscope/event"
)

// Options configure the router. Zero values take the defaults.
type Options struct {
	// Ports are the server ports on which RTMP is expected without seeing
	// its handshake (a mid-stream capture). Default: 1935.
	Ports []uint16
	// SniffBytes is how many bytes of each direction the router holds
	// while it decides what a flow carries; when a direction reaches it the
	// decision is made with what is there. Default 64 KiB (mid-stream RTMP
	// is recognised by recovering chunk headers, which needs some bytes).
	SniffBytes int
	// SniffDatagrams is how many datagrams of each direction of a UDP flow
	// are held while deciding. Default 8.
	SniffDatagrams int
	// CountOnly decides and counts every flow but makes no protocol
	// handlers: the conns command, which needs the decision, not the
	// messages.
	CountOnly bool
	// UDPIdle closes a UDP flow with no datagram for this long in capture
	// time. Default 2 minutes.
	UDPIdle time.Duration
	// MaxUDPFlows is the most UDP flows followed at once; datagrams of
	// further flows are counted and not analyzed. Default 10000.
	MaxUDPFlows int
}

func (o *Options) fill() {
	if o.Ports == nil {
		o.Ports = []uint16{1935}
	}
	if o.SniffBytes <= 0 {
		o.SniffBytes = 64 << 10
	}
	if o.SniffDatagrams <= 0 {
		o.SniffDatagrams = 8
	}
	if o.UDPIdle <= 0 {
		o.UDPIdle = 2 * time.Minute
	}
	if o.MaxUDPFlows <= 0 {
		o.MaxUDPFlows = 10000
	}
}

// Stats counts the router's decisions.
type Stats struct {
	Flows        uint64            // transport flows seen (TCP connections and UDP flows)
	ByVariant    map[string]uint64 // decided flows by variant name ("other" included)
	OtherPackets uint64            // packets of flows that carry none of the registered protocols
	OtherBytes   int64             // their payload bytes
	UDPRefused   uint64            // UDP flows not followed because of MaxUDPFlows
	UDPPktsRef   uint64            // datagrams of refused UDP flows
	Logical      uint64            // logical connections opened by handlers (RTMPT sessions)
}

// Router decides what each flow carries and runs its protocol handler.
// It is not safe for concurrent use: the pipeline calls it from one
// goroutine, in capture order.
type Router struct {
	opts    Options
	protos  []Protocol
	out     event.Receiver
	nextID  uint64
	values  map[string]any // Context.Shared
	ends    []func()       // Context.AtEnd, in order
	endKeys map[string]bool
	udp     udpTable
	stats   Stats
}

// New returns a router that emits every event to out. protos are tried in
// order; the first whose sniffer says Yes wins.
func New(out event.Receiver, protos []Protocol, opts Options) *Router {
	opts.fill()
	r := &Router{opts: opts, protos: protos, out: out, values: map[string]any{}, endKeys: map[string]bool{}}
	r.stats.ByVariant = map[string]uint64{}
	r.udp.init(r)
	return r
}

// Stats returns the router's counters.
func (r *Router) Stats() Stats { return r.stats }

func (r *Router) protocol(name string) *Protocol {
	for i := range r.protos {
		if r.protos[i].Name == name {
			return &r.protos[i]
		}
	}
	return nil
}

func (r *Router) shared(key string, mk func() any) any {
	v, ok := r.values[key]
	if !ok {
		v = mk()
		r.values[key] = v
	}
	return v
}

// newID gives the next connection id, in order of first packet across
// every transport.
func (r *Router) newID() event.ConnID {
	r.nextID++
	return event.ConnID(r.nextID)
}

// identify fills the ids that follow from the 5-tuple and first packet.
func identify(info *event.ConnInfo) {
	info.CommunityID = event.CommunityID(info.Transport, info.Client, info.Server)
	info.UID = event.UID(info)
}

// decide runs the sniffers of the head's transport. It returns NeedMore
// while some sniffer needs more bytes and more can come; otherwise the
// winning protocol (nil for "other") and its verdict.
func (r *Router) decide(h *Head) (*Protocol, Verdict) {
	var weak *Protocol
	var weakV Verdict
	need := false
	for i := range r.protos {
		p := &r.protos[i]
		if p.Transport != h.Transport || p.Sniff == nil {
			continue
		}
		v := p.Sniff(h)
		switch v.Decision {
		case Yes:
			return p, v
		case NeedMore:
			need = true
		case Weak:
			if weak == nil {
				weak, weakV = p, v
			}
		}
	}
	if need && !h.Final {
		return nil, Verdict{Decision: NeedMore}
	}
	if weak != nil {
		return weak, weakV
	}
	return nil, otherVerdict(h)
}

func otherVerdict(h *Head) Verdict {
	v := Verdict{Decision: No, Variant: event.VariantOther, Rule: "none"}
	empty := len(h.Data[0]) == 0 && len(h.Data[1]) == 0 && len(h.Datagrams[0]) == 0 && len(h.Datagrams[1]) == 0
	switch {
	case empty:
		v.Rule, v.Evidence = "no-payload", "no payload in either direction"
	case h.Transport == event.TransportUDP:
		v.Evidence = "no RTMFP handshake in the first datagrams"
	default:
		v.Evidence = "no RTMP handshake, RTMPT request or TLS hello, and not an RTMP port"
		if slices.Contains(h.Ports, h.Server.Port()) {
			v.Evidence = "RTMP port, but the first bytes are not RTMP"
		}
	}
	return v
}

func (r *Router) count(v event.Variant) {
	r.stats.ByVariant[v.String()]++
}

// makeStream makes the stream handler of p for ctx, or a counter when the
// router only counts.
func (r *Router) makeStream(p *Protocol, ctx *Context) StreamHandler {
	if r.opts.CountOnly && !p.Facts || p.Stream == nil {
		return nil
	}
	return p.Stream(ctx)
}

func (r *Router) openLogical(info event.ConnInfo) *Context {
	info.ID = r.newID()
	identify(&info)
	r.stats.Logical++
	r.count(info.Variant)
	return &Context{Info: &info, r: r, out: r.out, openPending: true}
}

func (r *Router) finishLogical(ctx *Context, ev *event.ConnEvent) {
	ctx.flushOpen()
	ev.Closed = true
	ev.Info = *ctx.Info
	t := ev.Last
	if t.IsZero() {
		t = ctx.Info.FirstSeen
	}
	ctx.Emit(event.Event{Kind: event.KindConn, Time: t, Conn: ev})
}

func (r *Router) atEnd(key string, f func()) {
	if r.endKeys[key] {
		return
	}
	r.endKeys[key] = true
	r.ends = append(r.ends, f)
}

// Finish ends the run: it closes every UDP flow still open and then runs
// the AtEnd functions. TCP connections are closed by the reassembler's
// Finish, which the caller runs first.
func (r *Router) Finish() {
	r.FinishUDP()
	for _, f := range r.ends {
		f()
	}
	r.ends = nil
}
