package export

import (
	"encoding/base64"
	"encoding/hex"
	"strconv"

	"github.com/rtmpscope/rtmpscope/dissect/decode"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
)

// appendMessageEvent appends the NDJSON form of a message event: the same
// bytes json.Marshal(messageToJSON(...)) writes, field for field in the
// order of messageJSON's declaration, without reflection. Message events
// are nearly every line of an export, so this is the hot path of -T ndjson
// (issue #17); a field added to messageJSON must be added here too, and
// TestAppendEventMatchesReflection fails until it is.
func appendMessageEvent(b []byte, r *session.Record, opts EventOptions) ([]byte, error) {
	ev, m, body := &r.Event, r.Event.Message, &r.Body
	b = appendHead(b, ev)
	b = append(b, `,"frame":`...)
	b = strconv.AppendUint(b, m.Frame, 10)
	b = append(b, `,"frames":[`...)
	b = strconv.AppendUint(b, m.Frames[0], 10)
	b = append(b, ',')
	b = strconv.AppendUint(b, m.Frames[1], 10)
	b = append(b, `],"offset":`...)
	b = strconv.AppendInt(b, m.Offset, 10)
	b = append(b, `,"csid":`...)
	b = strconv.AppendUint(b, uint64(m.CSID), 10)
	b = append(b, `,"msid":`...)
	b = strconv.AppendUint(b, uint64(m.MSID), 10)
	b = append(b, `,"timestamp":`...)
	b = strconv.AppendUint(b, uint64(m.Timestamp), 10)
	b = append(b, `,"type_id":`...)
	b = strconv.AppendUint(b, uint64(m.TypeID), 10)
	b = append(b, `,"type":`...)
	b = appendJSONString(b, m.TypeID.Key())
	b = append(b, `,"type_name":`...)
	b = appendJSONString(b, m.TypeID.Name())
	b = append(b, `,"length":`...)
	b = strconv.AppendUint(b, uint64(m.Length), 10)
	b = append(b, `,"chunks":`...)
	b = strconv.AppendInt(b, int64(m.ChunkCount), 10)
	b = append(b, `,"ts":{"fmt":`...)
	b = strconv.AppendUint(b, uint64(m.TS.Fmt), 10)
	b = append(b, `,"field":`...)
	b = strconv.AppendUint(b, uint64(m.TS.Field), 10)
	b = append(b, `,"delta":`...)
	b = strconv.AppendUint(b, uint64(m.TS.Delta), 10)
	b = append(b, `,"extended":`...)
	b = strconv.AppendBool(b, m.TS.Extended)
	if m.TS.Inferred {
		b = append(b, `,"inferred":true`...)
	}
	b = append(b, `},"summary":`...)
	b = appendJSONString(b, decode.Summary(m, *body))
	if m.Inferred {
		b = append(b, `,"inferred":true`...)
		if m.Confidence != 0 {
			b = append(b, `,"confidence":`...)
			b = appendJSONFloat(b, m.Confidence)
		}
	}
	if m.InferNote != "" {
		b = append(b, `,"infer_note":`...)
		b = appendJSONString(b, m.InferNote)
	}
	if m.BodyTruncated {
		b = append(b, `,"body_truncated":true`...)
	}
	if c := m.Control; c != nil {
		limit := ""
		if c.Type == event.TypeSetPeerBandwidth {
			limit = event.LimitName(c.LimitType)
		}
		b = append(b, `,"control":{"type":`...)
		b = appendJSONString(b, c.Type.Name())
		b = append(b, ',')
		b = appendControlValue(b, c.Value, limit, c.Malformed)
		key := ""
		switch c.Type {
		case event.TypeSetChunkSize:
			key = `,"set_chunk_size":{`
		case event.TypeAbort:
			key = `,"abort":{`
		case event.TypeAck:
			key = `,"acknowledgement":{`
		case event.TypeWindowAckSize:
			key = `,"window_ack_size":{`
		case event.TypeSetPeerBandwidth:
			key = `,"set_peer_bandwidth":{`
		}
		if key != "" {
			b = append(b, key...)
			b = appendControlValue(b, c.Value, limit, c.Malformed)
		}
	}
	if u := m.UserControl; u != nil {
		b = append(b, `,"user_control":{"event":`...)
		b = strconv.AppendUint(b, uint64(u.Event), 10)
		b = append(b, `,"name":`...)
		b = appendJSONString(b, u.EventName)
		if u.StreamID != 0 {
			b = append(b, `,"stream_id":`...)
			b = strconv.AppendUint(b, uint64(u.StreamID), 10)
		}
		if u.BufferMS != 0 {
			b = append(b, `,"buffer_ms":`...)
			b = strconv.AppendUint(b, uint64(u.BufferMS), 10)
		}
		if u.Timestamp != 0 {
			b = append(b, `,"timestamp":`...)
			b = strconv.AppendUint(b, uint64(u.Timestamp), 10)
		}
		if len(u.Data) > 0 {
			b = append(b, `,"data":"`...)
			b = hex.AppendEncode(b, u.Data)
			b = append(b, '"')
		}
		if u.Malformed {
			b = append(b, `,"malformed":true`...)
		}
		b = append(b, '}')
	}
	var err error
	switch {
	case body.Command != nil:
		if raw, merr := body.Command.MarshalJSON(); merr == nil && len(raw) > 0 {
			b = append(b, `,"command":`...)
			b, err = appendJSONRaw(b, raw)
		}
	case body.Data != nil:
		if raw, merr := body.Data.MarshalJSON(); merr == nil && len(raw) > 0 {
			b = append(b, `,"data":`...)
			b, err = appendJSONRaw(b, raw)
		}
	case body.Shared != nil:
		b = append(b, `,"shared_object":`...)
		b, err = appendJSONValue(b, body.Shared)
	case body.Audio != nil:
		b = append(b, `,"audio":`...)
		var ok bool
		if b, ok = appendAudio(b, body.Audio); !ok {
			b, err = appendJSONValue(b, body.Audio)
		}
	case body.Video != nil:
		b = append(b, `,"video":`...)
		var ok bool
		if b, ok = appendVideo(b, body.Video); !ok {
			b, err = appendJSONValue(b, body.Video)
		}
	case body.Aggregate != nil:
		b = append(b, `,"aggregate":`...)
		b, err = appendJSONValue(b, body.Aggregate)
	}
	if err != nil {
		return nil, err
	}
	if body.Err != nil {
		b = append(b, `,"body_error":`...)
		b = appendJSONString(b, body.Err.Error())
	}
	if opts.Payload != "" && (m.TypeID == event.TypeAudio || m.TypeID == event.TypeVideo || m.TypeID == event.TypeAggregate) && len(m.Body) > 0 {
		b = append(b, `,"payload":"`...)
		if opts.Payload == "hex" {
			b = hex.AppendEncode(b, r.MaskedBody())
		} else {
			b = base64.StdEncoding.AppendEncode(b, r.MaskedBody())
		}
		b = append(b, '"')
	}
	if p := r.Pair; p != nil {
		b = append(b, `,"pair":{"role":`...)
		b = appendJSONString(b, p.Role)
		b = append(b, `,"request":`...)
		b = appendJSONString(b, p.Request)
		if p.Role == session.RoleResponse {
			b = append(b, `,"frame":`...)
			b = strconv.AppendUint(b, p.Frame, 10)
			b = append(b, `,"offset":`...)
			b = strconv.AppendInt(b, p.Offset, 10)
			if d := p.Dir.String(); d != "" {
				b = append(b, `,"dir":`...)
				b = appendJSONString(b, d)
			}
			b = append(b, `,"latency_ms":`...)
			b = appendJSONFloat(b, latencyMS(p))
		}
		b = append(b, '}')
	}
	return append(b, '}'), nil
}

// appendHead appends the opening brace and the fields every event starts
// with (eventHead).
func appendHead(b []byte, ev *event.Event) []byte {
	b = append(b, `{"schema":`...)
	b = strconv.AppendInt(b, SchemaVersion, 10)
	b = append(b, `,"kind":`...)
	b = appendJSONString(b, ev.Kind.String())
	b = append(b, `,"conn":"c`...)
	b = strconv.AppendUint(b, uint64(ev.ConnID), 10)
	b = append(b, '"')
	if ev.HasDir {
		b = append(b, `,"dir":`...)
		b = appendJSONString(b, ev.Dir.String())
	}
	b = append(b, `,"time":`...)
	return appendJSONTime(b, ev.Time)
}

// appendControlValue appends the fields of a protocol control value and
// closes its object.
func appendControlValue(b []byte, value uint32, limit string, malformed bool) []byte {
	b = append(b, `"value":`...)
	b = strconv.AppendUint(b, uint64(value), 10)
	if limit != "" {
		b = append(b, `,"limit_type":`...)
		b = appendJSONString(b, limit)
	}
	if malformed {
		b = append(b, `,"malformed":true`...)
	}
	return append(b, '}')
}
