package export

import (
	"encoding/json"
	"net/netip"
	"testing"
	"time"

	"github.com/rtmpscope/rtmpscope/dissect/decode"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
)

var t0 = time.Date(2026, 11, 21, 0, 26, 59, 704900000, time.UTC)

// kindOf is a JSON value's type as the schema names it.
func kindOf(v any) string {
	switch x := v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case float64:
		if x == float64(int64(x)) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case nil:
		return "null"
	}
	return "?"
}

// marshal encodes r and decodes the line back into a map.
func marshal(t *testing.T, r session.Record) map[string]any {
	t.Helper()
	line, err := MarshalEvent(r, EventOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(line, &m); err != nil {
		t.Fatalf("%v\n%s", err, line)
	}
	return m
}

// want checks that each field is present with the JSON type given.
func want(t *testing.T, m map[string]any, fields map[string]string) {
	t.Helper()
	for k, typ := range fields {
		v, ok := m[k]
		if !ok {
			t.Errorf("%s: missing %q in %v", m["kind"], k, m)
			continue
		}
		if got := kindOf(v); got != typ && !(typ == "number" && got == "integer") {
			t.Errorf("%s: %q is %s (%v), want %s", m["kind"], k, got, v, typ)
		}
	}
}

var coreHead = map[string]string{"schema": "integer", "kind": "string", "conn": "string", "time": "string"}

func TestMarshalEventMessage(t *testing.T) {
	// connect('live') as ffmpeg sends it, cut to the command name and
	// transaction id: AMF0 string "connect", number 1, null.
	body := []byte{2, 0, 7, 'c', 'o', 'n', 'n', 'e', 'c', 't', 0, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 5}
	m := &event.Message{Dir: event.C2S, Time: t0, Frame: 12, Frames: [2]uint64{11, 12}, Offset: 3073,
		CSID: 3, TypeID: 20, Length: uint32(len(body)), ChunkCount: 1, Body: body}
	r := session.Record{Event: event.Event{Kind: event.KindMessage, ConnID: 1, Dir: event.C2S, HasDir: true, Time: t0, Message: m}}
	r.Body = decode.Message(m)
	j := marshal(t, r)
	want(t, j, coreHead)
	want(t, j, map[string]string{"dir": "string", "frame": "integer", "frames": "array", "offset": "integer", "csid": "integer",
		"msid": "integer", "timestamp": "integer", "type_id": "integer", "type": "string", "type_name": "string",
		"length": "integer", "chunks": "integer", "ts": "object", "summary": "string", "command": "object"})
	if j["kind"] != "message" || j["dir"] != "c2s" || j["type"] != "command" || j["type_name"] != "AMF0 Command" || j["time"] != "2026-11-21T00:26:59.7049Z" {
		t.Errorf("head: %v", j)
	}
	if c := j["command"].(map[string]any); c["name"] != "connect" || c["txid"] != 1.0 {
		t.Errorf("command: %v", c)
	}
}

func TestMarshalEventControl(t *testing.T) {
	m := &event.Message{Dir: event.S2C, Time: t0, CSID: 2, TypeID: 1, Length: 4,
		Control: &event.Control{Type: event.TypeSetChunkSize, Value: 4096}}
	j := marshal(t, session.Record{Event: event.Event{Kind: event.KindMessage, ConnID: 1, Dir: event.S2C, HasDir: true, Time: t0, Message: m}})
	want(t, j, map[string]string{"control": "object", "set_chunk_size": "object"})
	if j["type"] != "set_chunk_size" || j["set_chunk_size"].(map[string]any)["value"] != 4096.0 {
		t.Errorf("control: %v", j)
	}
}

func TestMarshalEventDiagnostic(t *testing.T) {
	d := &event.Diagnostic{Severity: event.Warn, Code: "ts.backwards", Text: "went back", Offset: 100, Frames: [2]uint64{5, 6}}
	j := marshal(t, session.Record{Event: event.Event{Kind: event.KindDiagnostic, ConnID: 2, Dir: event.S2C, HasDir: true, Time: t0, Diag: d}})
	want(t, j, coreHead)
	want(t, j, map[string]string{"dir": "string", "severity": "string", "code": "string", "text": "string", "offset": "integer", "frames": "array"})
	if j["severity"] != "warn" || j["dir"] != "s2c" {
		t.Errorf("diagnostic: %v", j)
	}
}

func TestMarshalEventGap(t *testing.T) {
	g := &event.GapEvent{Offset: 5000, Bytes: -1, Reason: event.GapMidStream, Frame: 1}
	j := marshal(t, session.Record{Event: event.Event{Kind: event.KindGap, ConnID: 1, HasDir: true, Time: t0, Gap: g}})
	want(t, j, coreHead)
	want(t, j, map[string]string{"dir": "string", "bytes": "integer", "offset": "integer", "reason": "string", "frame": "integer"})
	if j["bytes"] != -1.0 {
		t.Errorf("gap: %v", j)
	}
}

func TestMarshalEventHandshake(t *testing.T) {
	h := &event.Handshake{C0: 3, S0: 3, C1: event.HandshakeHalf{Present: true, Scheme: -1, Time0: t0, Time1: t0},
		S1: event.HandshakeHalf{Scheme: -1}, RTT: 614 * time.Microsecond}
	j := marshal(t, session.Record{Event: event.Event{Kind: event.KindHandshake, ConnID: 1, HasDir: true, Time: t0, Handshake: h}})
	want(t, j, coreHead)
	want(t, j, map[string]string{"c0": "integer", "s0": "integer", "digest": "boolean", "c1": "object", "s2": "object", "rtt_ms": "number"})
	if j["rtt_ms"] != 0.614 {
		t.Errorf("rtt_ms %v", j["rtt_ms"])
	}
}

func TestMarshalEventConn(t *testing.T) {
	open := &event.ConnEvent{Info: event.ConnInfo{Client: netip.MustParseAddrPort("127.0.0.1:39084"), Server: netip.MustParseAddrPort("127.0.0.1:1935"), Orientation: event.OrientSYN}}
	j := marshal(t, session.Record{Event: event.Event{Kind: event.KindConn, ConnID: 1, Time: t0, Conn: open}})
	want(t, j, coreHead)
	want(t, j, map[string]string{"client": "string", "server": "string", "state": "string"})
	if _, ok := j["dir"]; ok || j["state"] != "open" {
		t.Errorf("open conn: %v", j)
	}
	if _, ok := j["bytes_c2s"]; ok {
		t.Errorf("open conn has totals: %v", j)
	}
	closed := *open
	closed.Closed, closed.RTMP, closed.Info.Variant, closed.Last = true, true, event.VariantRTMP, t0
	closed.Bytes = [2]int64{160150, 3602}
	j = marshal(t, session.Record{Event: event.Event{Kind: event.KindConn, ConnID: 1, Time: t0, Conn: &closed}})
	want(t, j, map[string]string{"bytes_c2s": "integer", "bytes_s2c": "integer", "rtmp": "boolean", "variant": "string",
		"messages": "array", "accounting": "array", "last_time": "string"})
	if j["state"] != "closed" {
		t.Errorf("closed conn: %v", j)
	}
}

func TestMessageTypes(t *testing.T) {
	seen := map[string]bool{}
	for id := 0; id < 256; id++ {
		seen[event.MsgType(id).Key()] = true
	}
	for _, n := range event.MsgTypeKeys() {
		if !seen[n] {
			t.Errorf("MessageTypes lists %q, which no id maps to", n)
		}
		delete(seen, n)
	}
	if len(seen) > 0 {
		t.Errorf("ids map to names MessageTypes lacks: %v", seen)
	}
}
