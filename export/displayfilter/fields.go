package displayfilter

import (
	"encoding/json"

	"github.com/rtmpscope/rtmpscope/dissect/decode"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/export"
)

// getter returns one top-level name's value for a record: what the JSON
// export has under that name, decoded as encoding/json decodes into any
// (objects are map[string]any, arrays []any; numbers may be any numeric
// type), or nil when the record has no such field.
type getter func(r *session.Record, ev *eventJSON) any

// Names lists every top-level name a filter may use: the JSON export's
// names for every event kind, plus "diagnostic". A name outside this list
// is a SyntaxError, so a typo does not silently match nothing.
func Names() []string {
	out := make([]string, 0, len(fields))
	for name := range fields {
		out = append(out, name)
	}
	return out
}

// fields maps each name to its getter. Names without a fast path read the
// event's JSON form (fromJSON); the fast paths exist for the core fields
// and body objects that filters use on every record, and a test checks
// each against the JSON export on every committed capture.
var fields = map[string]getter{
	// every event
	"schema": func(*session.Record, *eventJSON) any { return export.SchemaVersion },
	"kind":   func(r *session.Record, _ *eventJSON) any { return r.Kind.String() },
	"conn":   func(r *session.Record, _ *eventJSON) any { return r.ConnID },
	"dir": func(r *session.Record, _ *eventJSON) any {
		if !r.HasDir {
			return nil
		}
		return r.Dir.String()
	},
	"time": func(r *session.Record, _ *eventJSON) any { return export.FormatTime(r.Time) },

	// messages (and the fields other kinds share with them)
	"frame": func(r *session.Record, ev *eventJSON) any {
		switch {
		case r.Message != nil:
			return r.Message.Frame
		case r.Gap != nil:
			return r.Gap.Frame
		}
		return ev.get(r, "frame")
	},
	"frames": func(r *session.Record, ev *eventJSON) any {
		switch {
		case r.Message != nil:
			return []any{r.Message.Frames[0], r.Message.Frames[1]}
		case r.Diag != nil:
			return []any{r.Diag.Frames[0], r.Diag.Frames[1]}
		}
		return ev.get(r, "frames")
	},
	"offset": func(r *session.Record, ev *eventJSON) any {
		switch {
		case r.Message != nil:
			return r.Message.Offset
		case r.Diag != nil:
			return r.Diag.Offset
		case r.Gap != nil:
			return r.Gap.Offset
		}
		return ev.get(r, "offset")
	},
	"csid": func(r *session.Record, ev *eventJSON) any {
		if r.Message != nil {
			return r.Message.CSID
		}
		return ev.get(r, "csid")
	},
	"msid":      messageField(func(m *event.Message) any { return m.MSID }),
	"timestamp": messageField(func(m *event.Message) any { return m.Timestamp }),
	"type_id":   messageField(func(m *event.Message) any { return int(m.TypeID) }),
	"type":      messageField(func(m *event.Message) any { return event.MsgType(m.TypeID).Key() }),
	"type_name": messageField(func(m *event.Message) any { return m.TypeID.Name() }),
	"length": func(r *session.Record, ev *eventJSON) any {
		if r.Message != nil {
			return r.Message.Length
		}
		return ev.get(r, "length")
	},
	"chunks":         messageField(func(m *event.Message) any { return m.ChunkCount }),
	"ts":             fromJSON("ts"),
	"summary":        func(r *session.Record, ev *eventJSON) any { return summary(r) },
	"inferred":       fromJSON("inferred"),
	"confidence":     fromJSON("confidence"),
	"infer_note":     fromJSON("infer_note"),
	"body_truncated": fromJSON("body_truncated"),
	"body_error":     fromJSON("body_error"),
	"pair":           fromJSON("pair"),

	// message bodies: nil without a look at the JSON when the record has none
	"command":       bodyField(func(b *decode.Body) any { return ptrOrNil(b.Command) }),
	"data":          bodyField(func(b *decode.Body) any { return ptrOrNil(b.Data) }),
	"shared_object": bodyField(func(b *decode.Body) any { return ptrOrNil(b.Shared) }),
	"audio": func(r *session.Record, _ *eventJSON) any {
		if r.Message == nil || r.Body.Audio == nil {
			return nil
		}
		return audioValue(r.Body.Audio)
	},
	"video": func(r *session.Record, _ *eventJSON) any {
		if r.Message == nil || r.Body.Video == nil {
			return nil
		}
		return videoValue(r.Body.Video)
	},
	"aggregate": bodyField(func(b *decode.Body) any {
		if b.Aggregate == nil {
			return nil
		}
		return b.Aggregate
	}),
	"control":            controlField("control"),
	"set_chunk_size":     controlField("set_chunk_size"),
	"abort":              controlField("abort"),
	"acknowledgement":    controlField("acknowledgement"),
	"window_ack_size":    controlField("window_ack_size"),
	"set_peer_bandwidth": controlField("set_peer_bandwidth"),
	"user_control": func(r *session.Record, ev *eventJSON) any {
		if r.Message == nil || r.Message.UserControl == nil {
			return nil
		}
		return ev.get(r, "user_control")
	},

	// diagnostics
	"severity": func(r *session.Record, ev *eventJSON) any {
		if r.Diag == nil {
			return nil
		}
		return r.Diag.Severity.String()
	},
	"code": func(r *session.Record, ev *eventJSON) any {
		if r.Diag == nil {
			return nil
		}
		return r.Diag.Code
	},
	"text": func(r *session.Record, ev *eventJSON) any {
		if r.Diag == nil {
			return nil
		}
		return r.Diag.Text
	},
	// diagnostic is the whole diagnostic event, so diagnostic.severity
	// reads the same as severity but is nil on every other kind.
	"diagnostic": func(r *session.Record, ev *eventJSON) any {
		if r.Diag == nil {
			return nil
		}
		return ev.all(r)
	},

	// gaps
	"bytes": func(r *session.Record, ev *eventJSON) any {
		if r.Gap == nil {
			return nil
		}
		return r.Gap.Bytes
	},
	"reason": fromJSON("reason"),
	"action": fromJSON("action"),

	// connections
	"client": func(r *session.Record, ev *eventJSON) any {
		if r.Conn == nil {
			return nil
		}
		return r.Conn.Info.Client.String()
	},
	"server": func(r *session.Record, ev *eventJSON) any {
		if r.Conn == nil {
			return nil
		}
		return r.Conn.Info.Server.String()
	},
	"state":        fromJSON("state"),
	"oriented":     fromJSON("oriented"),
	"swapped":      fromJSON("swapped"),
	"bytes_c2s":    fromJSON("bytes_c2s"),
	"bytes_s2c":    fromJSON("bytes_s2c"),
	"packets":      fromJSON("packets"),
	"gaps":         fromJSON("gaps"),
	"rtmp":         fromJSON("rtmp"),
	"variant":      fromJSON("variant"),
	"transport":    fromJSON("transport"),
	"rtmp_family":  fromJSON("rtmp_family"),
	"layers":       fromJSON("layers"),
	"rule":         fromJSON("rule"),
	"why":          fromJSON("why"),
	"uid":          fromJSON("uid"),
	"community_id": fromJSON("community_id"),
	"first_frame":  fromJSON("first_frame"),
	"packets_c2s":  fromJSON("packets_c2s"),
	"packets_s2c":  fromJSON("packets_s2c"),
	"gap_bytes":    fromJSON("gap_bytes"),
	"end":          fromJSON("end"),
	"last_frame":   fromJSON("last_frame"),
	"mid_stream":   fromJSON("mid_stream"),
	"last_time":    fromJSON("last_time"),
	"messages":     fromJSON("messages"),
	"accounting":   fromJSON("accounting"),
	"acks":         fromJSON("acks"),
	"session":      fromJSON("session"),
	"tls":          fromJSON("tls"),

	// handshakes
	"c0":              fromJSON("c0"),
	"s0":              fromJSON("s0"),
	"encrypted":       fromJSON("encrypted"),
	"digest":          fromJSON("digest"),
	"complete":        fromJSON("complete"),
	"c1":              fromJSON("c1"),
	"s1":              fromJSON("s1"),
	"c2":              fromJSON("c2"),
	"s2":              fromJSON("s2"),
	"server_delay_ms": fromJSON("server_delay_ms"),
	"client_delay_ms": fromJSON("client_delay_ms"),
	"rtt_ms":          fromJSON("rtt_ms"),
	"rtmfp":           fromJSON("rtmfp"),
}

// messageField reads a message field; nil on other kinds.
func messageField(f func(*event.Message) any) getter {
	return func(r *session.Record, _ *eventJSON) any {
		if r.Message == nil {
			return nil
		}
		return f(r.Message)
	}
}

// fromJSON reads name from the event's JSON form.
func fromJSON(name string) getter {
	return func(r *session.Record, ev *eventJSON) any { return ev.get(r, name) }
}

// bodyField is a decoded body object: present tells, without encoding
// anything, whether the record has one; only then is it turned into its
// JSON shape, on its own rather than with the whole event.
func bodyField(present func(*decode.Body) any) getter {
	return func(r *session.Record, _ *eventJSON) any {
		if r.Message == nil {
			return nil
		}
		v := present(&r.Body)
		if v == nil {
			return nil
		}
		return toJSONValue(v)
	}
}

// controlField is a protocol control body, under "control" or its type's key.
func controlField(name string) getter {
	return func(r *session.Record, ev *eventJSON) any {
		if r.Message == nil || r.Message.Control == nil {
			return nil
		}
		return ev.get(r, name)
	}
}

func summary(r *session.Record) any {
	if r.Message == nil {
		return nil
	}
	return decode.Summary(r.Message, r.Body)
}

// ptrOrNil turns a typed nil pointer into an untyped nil.
func ptrOrNil[T any](p *T) any {
	if p == nil {
		return nil
	}
	return p
}

// toJSONValue is v as encoding/json would decode its encoding into any.
func toJSONValue(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return nil
	}
	return out
}

// eventJSON is a record's whole JSON event, decoded at most once per Match
// and only when a getter asks for it.
type eventJSON struct {
	m    map[string]any
	done bool
	// ctx is the filter's memory across records (aliases.go).
	ctx *filterContext
}

func (e *eventJSON) all(r *session.Record) map[string]any {
	if !e.done {
		e.done = true
		e.m = nil
		if b, err := export.MarshalEvent(*r, export.EventOptions{}); err == nil {
			_ = json.Unmarshal(b, &e.m)
		}
	}
	return e.m
}

func (e *eventJSON) get(r *session.Record, name string) any {
	v, ok := e.all(r)[name]
	if !ok {
		return nil
	}
	return v
}
