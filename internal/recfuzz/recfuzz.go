// Package recfuzz turns fuzzer bytes into the session records of one
// connection, so that the sinks that read records (the story, relay
// latency, the connection diff) can be fuzzed with whatever message bodies
// the decoders make of them, and seeds them with the messages of real
// captures.
package recfuzz

import (
	"encoding/binary"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/rtmpscope/rtmpscope/dissect/decode"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

// Records decodes data as one connection's messages, each
// [dir<<7 | msid<<5 | type][2-byte length][4-byte timestamp][body], every
// body decoded as the session layer does, between a conn-open and a
// conn-closed record of connection conn.
func Records(data []byte, conn event.ConnID) []session.Record {
	t0 := time.Unix(1700000000, 0)
	info := event.ConnInfo{Client: netip.MustParseAddrPort("10.0.0.1:5000"), Server: netip.MustParseAddrPort("10.0.0.2:1935"), Variant: event.VariantRTMP}
	out := []session.Record{{Event: event.Event{Kind: event.KindConn, ConnID: conn, Time: t0, Conn: &event.ConnEvent{Info: info}}}}
	frame := uint64(1)
	for len(data) >= 7 {
		typ, n, ts := data[0], int(binary.BigEndian.Uint16(data[1:3])), binary.BigEndian.Uint32(data[3:7])
		data = data[7:]
		n = min(n, len(data))
		body := data[:n]
		data = data[n:]
		dir := event.Dir(typ >> 7)
		m := &event.Message{Dir: dir, MSID: uint32(typ>>5) & 3, TypeID: event.MsgType(typ & 0x1f), Timestamp: ts,
			Length: uint32(len(body)), Body: body, Frame: frame, Time: t0.Add(time.Duration(frame) * time.Millisecond)}
		frame++
		out = append(out, session.Record{Event: event.Event{Kind: event.KindMessage, ConnID: conn, Dir: dir, HasDir: true, Time: m.Time, Message: m}, Body: decode.Message(m)})
	}
	end := t0.Add(time.Duration(frame+1000) * time.Millisecond)
	closed := &event.ConnEvent{Closed: true, Info: info, Last: end, Stats: &event.FlowStats{End: event.EndFIN}}
	closed.Acks[event.S2C] = event.AckStats{Window: 100, Acks: 1, LastAck: 1}
	closed.Bytes[event.S2C] = 1000
	return append(out, session.Record{Event: event.Event{Kind: event.KindConn, ConnID: conn, Time: end, Conn: closed}, Session: &session.State{}})
}

// Seed adds, per capture, its messages (bodies up to 2000 bytes, about
// 20 KB in all) in Records' form.
func Seed(f *testing.F, captures ...string) {
	for _, name := range captures {
		var seed []byte
		for _, r := range capturetest.Records(f, filepath.Join(capturetest.Pcaps(), name), pipeline.Config{}) {
			m := r.Message
			if m == nil || len(m.Body) > 2000 || len(seed) > 20000 {
				continue
			}
			seed = append(seed, byte(m.Dir)<<7|byte(m.MSID&3)<<5|byte(m.TypeID&0x1f))
			seed = binary.BigEndian.AppendUint16(seed, uint16(len(m.Body)))
			seed = binary.BigEndian.AppendUint32(seed, m.Timestamp)
			seed = append(seed, m.Body...)
		}
		f.Add(seed)
	}
}
