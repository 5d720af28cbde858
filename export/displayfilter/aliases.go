package displayfilter

import (
	"net/netip"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rtmpscope/rtmpscope/dissect/amf"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
)

// An alias is a tshark field name that means the same thing here, so that
// what a Wireshark user types first works: rtmpt.header.typeid == 0x14,
// tcp.port == 1935, amf.string contains "live". Their values are those
// tshark shows for the frame of the message (the frame its last byte
// arrived in): numbers, strings, addresses as strings. A multi-valued alias
// (amf.string, tcp.port, ip.addr) matches as in tshark: == and the other
// comparisons when any value does, != when none does.
type alias struct {
	kind  valueKind
	multi bool
	// conns: the value needs the connection's addresses (see connTable).
	conns bool
	get   getter
}

// aliasSep joins the parts of an alias's name in the identifier expr reads
// ("rtmpt.header.typeid" → "rtmpt__header__typeid"); translate does the
// rewriting and error messages map back.
const aliasSep = "__"

var aliases = map[string]alias{
	// The header fields are those on the wire, as in tshark: the type id
	// and body size come in fmt 0 and 1 headers, the stream id in fmt 0
	// only (the message's own values are type_id, length and msid).
	"rtmpt.header.typeid":    {kind: kindNumber, get: headerField(1, func(m *event.Message) any { return int(m.TypeID) })},
	"rtmpt.header.csid":      {kind: kindNumber, get: headerField(3, func(m *event.Message) any { return m.CSID })},
	"rtmpt.header.streamid":  {kind: kindNumber, get: headerField(0, func(m *event.Message) any { return m.MSID })},
	"rtmpt.header.timestamp": {kind: kindNumber, get: headerField(3, func(m *event.Message) any { return m.Timestamp })},
	"rtmpt.header.bodysize":  {kind: kindNumber, get: headerField(1, func(m *event.Message) any { return m.Length })},
	"amf.string":             {kind: kindString, multi: true, get: amfValues(true)},
	"amf.number":             {kind: kindNumber, multi: true, get: amfValues(false)},
	"frame.number":           {kind: kindNumber, get: frameNumber},
	"frame.time_relative":    {kind: kindNumber, get: timeRelative},
	"tcp.port":               {kind: kindNumber, multi: true, conns: true, get: ports(true, true)},
	"tcp.srcport":            {kind: kindNumber, conns: true, get: ports(true, false)},
	"tcp.dstport":            {kind: kindNumber, conns: true, get: ports(false, true)},
	"ip.addr":                {kind: kindString, multi: true, conns: true, get: addrs(true, true, false)},
	"ip.src":                 {kind: kindString, conns: true, get: addrs(true, false, false)},
	"ip.dst":                 {kind: kindString, conns: true, get: addrs(false, true, false)},
	"ipv6.addr":              {kind: kindString, multi: true, conns: true, get: addrs(true, true, true)},
	"ipv6.src":               {kind: kindString, conns: true, get: addrs(true, false, true)},
	"ipv6.dst":               {kind: kindString, conns: true, get: addrs(false, true, true)},
}

// Aliases lists the tshark field names a filter may use, sorted.
func Aliases() []string {
	out := make([]string, 0, len(aliases))
	for n := range aliases {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func init() {
	for name, a := range aliases {
		fields[aliasIdentOf(name)] = a.get
	}
}

// aliasIdentOf is the identifier an alias is read under.
func aliasIdentOf(name string) string { return strings.ReplaceAll(name, ".", aliasSep) }

// aliasIdent returns the identifier of word when it is an alias.
func aliasIdent(word string) (string, bool) {
	if _, ok := aliases[word]; !ok {
		return "", false
	}
	return aliasIdentOf(word), true
}

// aliasByIdent returns the alias read under an identifier.
func aliasByIdent(id string) (string, alias, bool) {
	if !strings.Contains(id, aliasSep) {
		return "", alias{}, false
	}
	name := strings.ReplaceAll(id, aliasSep, ".")
	a, ok := aliases[name]
	return name, a, ok
}

// headerField is a message header field that is on the wire in chunk
// headers of fmt up to maxFmt (the fmt of the message's first chunk).
func headerField(maxFmt uint8, f func(*event.Message) any) getter {
	return func(r *session.Record, _ *eventJSON) any {
		if r.Message == nil || r.Message.TS.Fmt > maxFmt {
			return nil
		}
		return f(r.Message)
	}
}

// frameNumber is tshark's frame number of the event: the frame that
// completed a message, the first frame after a gap, the last frame of a
// diagnostic, a connection's first frame (open) or last frame (close).
func frameNumber(r *session.Record, _ *eventJSON) any {
	switch {
	case r.Message != nil:
		return r.Message.Frame
	case r.Gap != nil:
		return r.Gap.Frame
	case r.Diag != nil && r.Diag.Frames[1] != 0:
		return r.Diag.Frames[1]
	case r.Conn != nil && r.Conn.Closed && r.Conn.Stats != nil:
		return r.Conn.Stats.LastFrame
	case r.Conn != nil:
		return r.Conn.Info.Frame
	}
	return nil
}

// timeRelative is seconds since the capture's first event (frame.time_relative).
func timeRelative(r *session.Record, ev *eventJSON) any {
	if ev.ctx == nil || r.Time.IsZero() {
		return nil
	}
	return r.Time.Sub(ev.ctx.timeBase(r.Time)).Seconds()
}

// amfValues lists the AMF strings (property names included, as tshark's
// amf.string has them) or numbers of a command or data message, in wire
// order; nil when there are none.
func amfValues(strs bool) getter {
	return func(r *session.Record, _ *eventJSON) any {
		if r.Message == nil {
			return nil
		}
		var vals []amf.Value
		switch {
		case r.Body.Command != nil:
			vals = r.Body.Command.Values
		case r.Body.Data != nil:
			vals = r.Body.Data.Values
		default:
			return nil
		}
		var out []any
		for i := range vals {
			out = walkAMF(&vals[i], strs, out, 0)
		}
		if len(out) == 0 {
			return nil
		}
		return out
	}
}

func walkAMF(v *amf.Value, strs bool, out []any, depth int) []any {
	if depth > 64 {
		return out
	}
	switch v.Kind {
	case amf.KindString:
		if strs {
			out = append(out, v.Str)
		}
	case amf.KindNumber:
		if !strs {
			out = append(out, v.Num)
		}
	}
	for i := range v.Props {
		if strs && v.Props[i].Key != "" {
			out = append(out, v.Props[i].Key)
		}
		out = walkAMF(&v.Props[i].Value, strs, out, depth+1)
	}
	for i := range v.Elems {
		out = walkAMF(&v.Elems[i], strs, out, depth+1)
	}
	return out
}

// ports are the TCP ports of the event's connection: the sender's
// (tcp.srcport), the receiver's (tcp.dstport), or both (tcp.port). A
// connection event counts as sent by the client.
func ports(src, dst bool) getter {
	return func(r *session.Record, ev *eventJSON) any {
		s, d, ok := endpoints(r, ev)
		if !ok || !tcpLike(ev, r) {
			return nil
		}
		switch {
		case src && dst:
			return []any{int(s.Port()), int(d.Port())}
		case src:
			return int(s.Port())
		default:
			return int(d.Port())
		}
	}
}

// addrs are the IP addresses of the event's connection, as strings in
// their canonical form; v6 selects IPv6 addresses (ipv6.*) rather than
// IPv4 (ip.*).
func addrs(src, dst, v6 bool) getter {
	return func(r *session.Record, ev *eventJSON) any {
		s, d, ok := endpoints(r, ev)
		if !ok {
			return nil
		}
		sa, da := s.Addr().Unmap(), d.Addr().Unmap()
		if sa.Is6() != v6 {
			return nil
		}
		switch {
		case src && dst:
			return []any{sa.String(), da.String()}
		case src:
			return sa.String()
		default:
			return da.String()
		}
	}
}

func tcpLike(ev *eventJSON, r *session.Record) bool {
	c := ev.ctx.conn(r)
	return c != nil && c.transport != event.TransportUDP
}

// endpoints are the sender and receiver of the event, from its
// connection's addresses.
func endpoints(r *session.Record, ev *eventJSON) (src, dst netip.AddrPort, ok bool) {
	if ev.ctx == nil {
		return src, dst, false
	}
	c := ev.ctx.conn(r)
	if c == nil {
		return src, dst, false
	}
	if r.HasDir && r.Dir == event.S2C {
		return c.server, c.client, true
	}
	return c.client, c.server, true
}

// maxConns bounds the connection table: past it, closed connections are
// forgotten (their events have been seen).
const maxConns = 1 << 16

// filterContext is what a filter keeps across records: the addresses of
// each connection (the message events name only their connection) and the
// time of the first event. It is filled by Match from the records it sees,
// in order; a filter that reads neither keeps nothing.
type filterContext struct {
	mu     sync.Mutex
	conns  map[event.ConnID]*connAddrs
	closed int
	base   time.Time
}

type connAddrs struct {
	client, server netip.AddrPort
	transport      event.Transport
	closed         bool
}

// learn notes a connection event's addresses.
func (c *filterContext) learn(r *session.Record) {
	if r.Conn == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conns == nil {
		c.conns = map[event.ConnID]*connAddrs{}
	}
	a := c.conns[r.ConnID]
	if a == nil {
		a = &connAddrs{}
		c.conns[r.ConnID] = a
	}
	a.client, a.server, a.transport = r.Conn.Info.Client, r.Conn.Info.Server, r.Conn.Info.Transport
	if r.Conn.Closed && !a.closed {
		a.closed = true
		c.closed++
	}
	if len(c.conns) > maxConns && c.closed > 0 {
		for id, x := range c.conns {
			if x.closed && id != r.ConnID {
				delete(c.conns, id)
				c.closed--
			}
		}
	}
}

func (c *filterContext) conn(r *session.Record) *connAddrs {
	if r.Conn != nil {
		return &connAddrs{client: r.Conn.Info.Client, server: r.Conn.Info.Server, transport: r.Conn.Info.Transport}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.conns[r.ConnID]
}

// timeBase is the time of the first event seen (or set with SetTimeBase).
func (c *filterContext) timeBase(t time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.base.IsZero() {
		c.base = t
	}
	return c.base
}
