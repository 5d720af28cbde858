package export

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"

	"github.com/rtmpscope/rtmpscope/dissect/decode"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/export/story"
)

// EventOptions say what goes into exported events beyond the core fields.
type EventOptions struct {
	// Payload is "", "hex" or "base64": how to include media payload
	// bytes (audio, video, aggregate bodies); omitted when "".
	Payload string
	// Stories, when set, is fed every event and a connection's story goes
	// into its conn-closed event ("story", export/storyjson.go). The
	// caller keeps one Builder per run and passes every record in order.
	Stories *story.Builder
}

// The JSON shapes below are the NDJSON export (docs/json-schema.md). The
// core names of DESIGN.md §3 never change meaning; fields may be added.

type eventHead struct {
	Schema int    `json:"schema,omitempty"`
	Kind   string `json:"kind"`
	Conn   string `json:"conn"`
	Dir    string `json:"dir,omitempty"`
	Time   string `json:"time"`
}

type tsJSON struct {
	Fmt      uint8  `json:"fmt"`
	Field    uint32 `json:"field"`
	Delta    uint32 `json:"delta"`
	Extended bool   `json:"extended"`
	Inferred bool   `json:"inferred,omitempty"`
}

type controlJSON struct {
	Type      string `json:"type"`
	Value     uint32 `json:"value"`
	LimitType string `json:"limit_type,omitempty"`
	Malformed bool   `json:"malformed,omitempty"`
}

// controlValueJSON is a protocol control body under its own type's key.
type controlValueJSON struct {
	Value     uint32 `json:"value"`
	LimitType string `json:"limit_type,omitempty"`
	Malformed bool   `json:"malformed,omitempty"`
}

type userControlJSON struct {
	Event     uint16 `json:"event"`
	Name      string `json:"name"`
	StreamID  uint32 `json:"stream_id,omitempty"`
	BufferMS  uint32 `json:"buffer_ms,omitempty"`
	Timestamp uint32 `json:"timestamp,omitempty"`
	Data      string `json:"data,omitempty"` // hex
	Malformed bool   `json:"malformed,omitempty"`
}

type messageJSON struct {
	eventHead
	Frame      uint64        `json:"frame"`
	Frames     [2]uint64     `json:"frames"`
	Offset     int64         `json:"offset"`
	CSID       uint32        `json:"csid"`
	MSID       uint32        `json:"msid"`
	Timestamp  uint32        `json:"timestamp"`
	TypeID     event.MsgType `json:"type_id"`
	Type       string        `json:"type"`      // MessageType: the body object's key
	TypeName   string        `json:"type_name"` // the human name, as tshark has it
	Length     uint32        `json:"length"`
	Chunks     int           `json:"chunks"`
	TS         tsJSON        `json:"ts"`
	Summary    string        `json:"summary"`
	Inferred   bool          `json:"inferred,omitempty"`
	Confidence float64       `json:"confidence,omitempty"`
	InferNote  string        `json:"infer_note,omitempty"`
	Truncated  bool          `json:"body_truncated,omitempty"`
	Control    *controlJSON  `json:"control,omitempty"`
	// The protocol control body again under its type's key, so that
	// type == "set_chunk_size" pairs with set_chunk_size.value.
	SetChunkSize     *controlValueJSON `json:"set_chunk_size,omitempty"`
	Abort            *controlValueJSON `json:"abort,omitempty"`
	Acknowledgement  *controlValueJSON `json:"acknowledgement,omitempty"`
	WindowAckSize    *controlValueJSON `json:"window_ack_size,omitempty"`
	SetPeerBandwidth *controlValueJSON `json:"set_peer_bandwidth,omitempty"`
	UserCtl          *userControlJSON  `json:"user_control,omitempty"`
	Command          json.RawMessage   `json:"command,omitempty"`
	Data             json.RawMessage   `json:"data,omitempty"`
	Shared           any               `json:"shared_object,omitempty"`
	Audio            any               `json:"audio,omitempty"`
	Video            any               `json:"video,omitempty"`
	Aggregate        any               `json:"aggregate,omitempty"`
	BodyError        string            `json:"body_error,omitempty"`
	Payload          string            `json:"payload,omitempty"`
	Pair             *pairJSON         `json:"pair,omitempty"` // export/session.go
}

type diagJSON struct {
	eventHead
	Severity string    `json:"severity"`
	Code     string    `json:"code"`
	Text     string    `json:"text"`
	Offset   int64     `json:"offset"`
	Length   int64     `json:"length,omitempty"`
	Frames   [2]uint64 `json:"frames"`
	CSID     uint32    `json:"csid,omitempty"`
}

type gapJSON struct {
	eventHead
	Bytes  int64  `json:"bytes"`
	Offset int64  `json:"offset"`
	Reason string `json:"reason"`
	Frame  uint64 `json:"frame"`
	Action string `json:"action,omitempty"`
}

type connEventJSON struct {
	eventHead
	Client      string   `json:"client"`
	Server      string   `json:"server"`
	State       string   `json:"state"` // "open" or "closed"
	Oriented    string   `json:"oriented"`
	Swapped     bool     `json:"swapped,omitempty"`
	Transport   string   `json:"transport"`
	Variant     string   `json:"variant"`
	RTMPFamily  bool     `json:"rtmp_family"`
	Layers      []string `json:"layers,omitempty"`
	Outer       []string `json:"outer,omitempty"`
	Rule        string   `json:"rule,omitempty"`
	Why         string   `json:"why,omitempty"`
	UID         string   `json:"uid"`
	CommunityID string   `json:"community_id,omitempty"`
	FirstFrame  uint64   `json:"first_frame"`
	// The rest is set on close.
	BytesC2S   *int64             `json:"bytes_c2s,omitempty"`
	BytesS2C   *int64             `json:"bytes_s2c,omitempty"`
	Packets    *uint64            `json:"packets,omitempty"`
	PacketsC2S *uint64            `json:"packets_c2s,omitempty"`
	PacketsS2C *uint64            `json:"packets_s2c,omitempty"`
	Gaps       *int               `json:"gaps,omitempty"`
	GapBytes   *int64             `json:"gap_bytes,omitempty"`
	RTMP       *bool              `json:"rtmp,omitempty"`
	MidStream  bool               `json:"mid_stream,omitempty"`
	End        string             `json:"end,omitempty"`
	LastTime   string             `json:"last_time,omitempty"`
	LastFrame  uint64             `json:"last_frame,omitempty"`
	Messages   *[2]int            `json:"messages,omitempty"`
	Accounting *[2]accountingJSON `json:"accounting,omitempty"`
	// Acks[d] is the acknowledgement of direction d's bytes by the other
	// side: the window d's sender announced and what the receiver did.
	Acks *[2]ackJSON `json:"acks,omitempty"`
	// Session is the conversation's state on close (export/session.go).
	Session *sessionJSON `json:"session,omitempty"`
	// TLS is the connection's TLS session, open and close (connjson.go).
	TLS *tlsJSON `json:"tls,omitempty"`
}

type ackJSON struct {
	Window     uint32 `json:"window"`
	Acks       int    `json:"acks"`
	LastAck    uint32 `json:"last_ack"`
	MaxUnacked int64  `json:"max_unacked"`
}

// MarshalEvent encodes one dissector event as a line of the NDJSON export.
func MarshalEvent(r session.Record, opts EventOptions) ([]byte, error) {
	return AppendEvent(nil, &r, opts)
}

// AppendEvent appends the NDJSON encoding of r (without the newline) to
// dst: MarshalEvent into a buffer the caller reuses. Message events are
// encoded by hand (jsonmessage.go), the rare kinds by encoding/json.
func AppendEvent(dst []byte, r *session.Record, opts EventOptions) ([]byte, error) {
	if st := opts.Stories.Add(r); st != nil {
		return appendWithStory(dst, r, opts, st)
	}
	if r.Event.Kind == event.KindMessage {
		return appendMessageEvent(dst, r, opts)
	}
	raw, err := marshalEventReflect(r, opts)
	if err != nil {
		return dst, err
	}
	return append(dst, raw...), nil
}

// marshalEventReflect is the encoding/json form of every event kind: the
// reference the hand-written encoder is held to.
func marshalEventReflect(r *session.Record, opts EventOptions) ([]byte, error) {
	ev, body := r.Event, r.Body
	head := eventHead{Schema: SchemaVersion, Kind: ev.Kind.String(), Conn: ev.ConnID.String(), Time: FormatTime(ev.Time)}
	if ev.HasDir {
		head.Dir = ev.Dir.String()
	}
	switch ev.Kind {
	case event.KindMessage:
		j := messageToJSON(head, ev.Message, body, opts)
		if j.Payload != "" && len(r.Secrets) > 0 {
			// The payload dump masks what the redactor masked
			// (an aggregate's onMetaData).
			m := *ev.Message
			m.Body = r.MaskedBody()
			j.Payload = messageToJSON(head, &m, body, opts).Payload
		}
		j.Pair = pairToJSON(r.Pair)
		return json.Marshal(j)
	case event.KindDiagnostic:
		d := ev.Diag
		return json.Marshal(diagJSON{head, d.Severity.String(), d.Code, d.Text, d.Offset, d.Length, d.Frames, d.CSID})
	case event.KindGap:
		g := ev.Gap
		return json.Marshal(gapJSON{head, g.Bytes, g.Offset, g.Reason.String(), g.Frame, g.Action})
	case event.KindHandshake:
		return json.Marshal(handshakeToJSON(head, ev.Handshake))
	case event.KindConn:
		j := connToJSON(head, ev.Conn)
		j.Session = sessionToJSON(r.Session)
		j.TLS = tlsToJSON(ev.Conn.TLS)
		return json.Marshal(j)
	}
	return json.Marshal(head)
}

func connToJSON(head eventHead, c *event.ConnEvent) connEventJSON {
	in := &c.Info
	j := connEventJSON{eventHead: head, Client: in.Client.String(), Server: in.Server.String(), State: "open",
		Oriented: in.Orientation.String(), Swapped: in.Orientation == event.OrientHandshake,
		Transport: in.Transport.String(), Variant: in.Variant.String(), RTMPFamily: in.Variant.IsRTMP(),
		Layers: in.Layers, Outer: in.Outer, Rule: in.Rule, Why: in.Evidence, UID: in.UID, CommunityID: in.CommunityID, FirstFrame: in.Frame}
	if !c.Closed {
		return j
	}
	j.State = "closed"
	b0, b1 := c.Bytes[0], c.Bytes[1]
	j.BytesC2S, j.BytesS2C = &b0, &b1
	rtmp := c.RTMP
	j.RTMP, j.MidStream = &rtmp, c.MidStream
	j.LastTime = FormatTime(c.Last)
	msgs := c.Messages
	acc := [2]accountingJSON{accountingToJSON(c.Account[0]), accountingToJSON(c.Account[1])}
	j.Messages, j.Accounting = &msgs, &acc
	var acks [2]ackJSON
	for d, a := range c.Acks {
		acks[d] = ackJSON{a.Window, a.Acks, a.LastAck, a.MaxUnacked}
	}
	j.Acks = &acks
	if st := c.Stats; st != nil {
		p0, p1 := st.Dir[0].Packets, st.Dir[1].Packets
		p := p0 + p1
		g := st.Dir[0].Gaps + st.Dir[1].Gaps
		gb := st.Dir[0].GapBytes + st.Dir[1].GapBytes
		j.Packets, j.PacketsC2S, j.PacketsS2C, j.Gaps, j.GapBytes = &p, &p0, &p1, &g, &gb
		j.End, j.LastFrame = st.End.String(), st.LastFrame
	}
	return j
}

func messageToJSON(head eventHead, m *event.Message, b decode.Body, opts EventOptions) messageJSON {
	j := messageJSON{
		eventHead: head, Frame: m.Frame, Frames: m.Frames, Offset: m.Offset, CSID: m.CSID, MSID: m.MSID,
		Timestamp: m.Timestamp, TypeID: m.TypeID, Type: m.TypeID.Key(), TypeName: m.TypeID.Name(),
		Length: m.Length, Chunks: m.ChunkCount,
		TS:      tsJSON{m.TS.Fmt, m.TS.Field, m.TS.Delta, m.TS.Extended, m.TS.Inferred},
		Summary: decode.Summary(m, b), Inferred: m.Inferred, InferNote: m.InferNote, Truncated: m.BodyTruncated,
	}
	if m.Inferred {
		j.Confidence = m.Confidence
	}
	if c := m.Control; c != nil {
		j.Control = &controlJSON{Type: c.Type.Name(), Value: c.Value, Malformed: c.Malformed}
		if c.Type == event.TypeSetPeerBandwidth {
			j.Control.LimitType = event.LimitName(c.LimitType)
		}
		v := &controlValueJSON{Value: c.Value, LimitType: j.Control.LimitType, Malformed: c.Malformed}
		switch c.Type {
		case event.TypeSetChunkSize:
			j.SetChunkSize = v
		case event.TypeAbort:
			j.Abort = v
		case event.TypeAck:
			j.Acknowledgement = v
		case event.TypeWindowAckSize:
			j.WindowAckSize = v
		case event.TypeSetPeerBandwidth:
			j.SetPeerBandwidth = v
		}
	}
	if u := m.UserControl; u != nil {
		j.UserCtl = &userControlJSON{Event: u.Event, Name: u.EventName, StreamID: u.StreamID, BufferMS: u.BufferMS, Timestamp: u.Timestamp, Malformed: u.Malformed}
		if len(u.Data) > 0 {
			j.UserCtl.Data = hex.EncodeToString(u.Data)
		}
	}
	switch {
	case b.Command != nil:
		if raw, err := b.Command.MarshalJSON(); err == nil {
			j.Command = raw
		}
	case b.Data != nil:
		if raw, err := b.Data.MarshalJSON(); err == nil {
			j.Data = raw
		}
	case b.Shared != nil:
		j.Shared = b.Shared
	case b.Audio != nil:
		j.Audio = b.Audio
	case b.Video != nil:
		j.Video = b.Video
	case b.Aggregate != nil:
		j.Aggregate = b.Aggregate
	}
	if b.Err != nil {
		j.BodyError = b.Err.Error()
	}
	if opts.Payload != "" && (m.TypeID == event.TypeAudio || m.TypeID == event.TypeVideo || m.TypeID == event.TypeAggregate) {
		if opts.Payload == "hex" {
			j.Payload = hex.EncodeToString(m.Body)
		} else {
			j.Payload = base64.StdEncoding.EncodeToString(m.Body)
		}
	}
	return j
}
