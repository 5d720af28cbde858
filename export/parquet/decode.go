package parquet

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// This file turns one event of the JSON export into its row. It is the only
// way rows are made: the local pipeline's records are marshalled with
// export.MarshalEvent first, so a row is the same whether it came from a
// record or from an NDJSON line shipped by an agent.

// fields is one JSON object whose members are taken one by one; what is
// left at the end is the row's extra column. The first error is kept.
type fields struct {
	m   map[string]json.RawMessage
	err error
}

func (f *fields) fail(key string, err error) {
	if f.err == nil {
		f.err = fmt.Errorf("field %q: %w", key, err)
	}
}

// take removes and returns a member; nil when absent or null.
func (f *fields) take(key string) json.RawMessage {
	v, ok := f.m[key]
	if !ok {
		return nil
	}
	delete(f.m, key)
	if string(v) == "null" {
		return nil
	}
	return v
}

func decodeInto[T any](f *fields, key string, raw json.RawMessage) *T {
	if raw == nil {
		return nil
	}
	var v T
	if scalar(raw, &v) {
		return &v
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		f.fail(key, err)
		return nil
	}
	return &v
}

func opt[T any](f *fields, key string) *T { return decodeInto[T](f, key, f.take(key)) }

func val[T any](f *fields, key string) T {
	if p := opt[T](f, key); p != nil {
		return *p
	}
	var zero T
	return zero
}

func (f *fields) str(key string) string      { return val[string](f, key) }
func (f *fields) strp(key string) *string    { return opt[string](f, key) }
func (f *fields) i64(key string) int64       { return val[int64](f, key) }
func (f *fields) i64p(key string) *int64     { return opt[int64](f, key) }
func (f *fields) i32(key string) int32       { return val[int32](f, key) }
func (f *fields) f64(key string) float64     { return val[float64](f, key) }
func (f *fields) f64p(key string) *float64   { return opt[float64](f, key) }
func (f *fields) boolean(key string) bool    { return val[bool](f, key) }
func (f *fields) boolp(key string) *bool     { return opt[bool](f, key) }
func (f *fields) strs(key string) []string   { return val[[]string](f, key) }
func (f *fields) pair64(key string) [2]int64 { return val[[2]int64](f, key) }

// raw removes a member and returns it as JSON text (NULL when absent).
func (f *fields) raw(key string) (*string, json.RawMessage) {
	v := f.take(key)
	if v == nil {
		return nil, nil
	}
	s := string(v)
	return &s, v
}

func (f *fields) time(key string) time.Time {
	if t := f.timep(key); t != nil {
		return *t
	}
	return time.Time{}
}

func (f *fields) timep(key string) *time.Time {
	s := f.strp(key)
	if s == nil {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, *s)
	if err != nil {
		f.fail(key, err)
		return nil
	}
	t = t.UTC()
	return &t
}

// extra is what no column took, as one JSON object (NULL when nothing).
func (f *fields) extra() *string {
	if len(f.m) == 0 {
		return nil
	}
	b, err := json.Marshal(f.m) // members sorted by name: the same text every time
	if err != nil {
		f.fail("extra", err)
		return nil
	}
	s := string(b)
	return &s
}

// sub reads a member of a nested object without taking it (the object is
// also kept whole in a JSON column).
func sub[T any](f *fields, key string, raw json.RawMessage) *T { return decodeInto[T](f, key, raw) }

// head is what every event has.
type head struct {
	kind, conn string
	dir        *string
	time       time.Time
}

// parseLine splits an event into its head and its other members.
func parseLine(line []byte) (head, *fields, error) {
	m, err := members(bytes.TrimSpace(line))
	if err != nil {
		return head{}, nil, err
	}
	f := &fields{m: m}
	if v := f.i64("schema"); v != 1 {
		return head{}, nil, fmt.Errorf("JSON schema %d: this Parquet schema reads JSON schema 1", v)
	}
	h := head{kind: f.str("kind"), conn: f.str("conn"), dir: f.strp("dir"), time: f.time("time")}
	if f.err != nil {
		return head{}, nil, f.err
	}
	if h.kind == "" {
		return head{}, nil, fmt.Errorf("no kind")
	}
	return h, f, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func connRow(h head, f *fields, source string) ConnRow {
	r := ConnRow{Schema: SchemaVersion, Source: source, Conn: h.conn, Time: h.time,
		Client: f.str("client"), Server: f.str("server"), State: f.str("state"), Oriented: f.str("oriented"),
		Swapped: f.boolean("swapped"), Transport: f.str("transport"), Variant: f.str("variant"),
		RTMPFamily: f.boolean("rtmp_family"), Layers: f.strs("layers"), Rule: f.str("rule"), Why: f.str("why"),
		UID: f.str("uid"), CommunityID: f.str("community_id"), FirstFrame: f.i64("first_frame"),
		BytesC2S: f.i64p("bytes_c2s"), BytesS2C: f.i64p("bytes_s2c"), Packets: f.i64p("packets"),
		PacketsC2S: f.i64p("packets_c2s"), PacketsS2C: f.i64p("packets_s2c"), Gaps: f.i64p("gaps"),
		GapBytes: f.i64p("gap_bytes"), RTMP: f.boolp("rtmp"), MidStream: f.boolean("mid_stream"),
		End: f.strp("end"), LastTime: f.timep("last_time"), LastFrame: f.i64p("last_frame"),
	}
	if m := opt[[2]int64](f, "messages"); m != nil {
		r.MessagesC2S, r.MessagesS2C = &m[0], &m[1]
	}
	r.Accounting, _ = f.raw("accounting")
	r.Acks, _ = f.raw("acks")
	r.TLS, _ = f.raw("tls")
	var sess json.RawMessage
	r.Session, sess = f.raw("session")
	if s := sub[struct {
		App         *string `json:"app"`
		TCURL       *string `json:"tc_url"`
		FlashVer    *string `json:"flash_ver"`
		ConnectCode *string `json:"connect_code"`
	}](f, "session", sess); s != nil {
		r.App, r.TCURL, r.FlashVer, r.ConnectCode = s.App, s.TCURL, s.FlashVer, s.ConnectCode
	}
	var story json.RawMessage
	r.Story, story = f.raw("story")
	if st := sub[struct {
		Role    *string `json:"role"`
		Verdict *struct {
			OK      *bool   `json:"ok"`
			Problem *string `json:"problem"`
		} `json:"verdict"`
	}](f, "story", story); st != nil {
		r.StoryRole = st.Role
		if st.Verdict != nil {
			r.StoryOK, r.StoryProblem = st.Verdict.OK, st.Verdict.Problem
		}
	}
	r.Extra = f.extra()
	return r
}

func handshakeRow(h head, f *fields, source string) HandshakeRow {
	r := HandshakeRow{Schema: SchemaVersion, Source: source, Conn: h.conn, Dir: deref(h.dir), Time: h.time,
		C0: f.i32("c0"), S0: f.i32("s0"), Encrypted: f.boolean("encrypted"), Digest: f.boolean("digest"),
		Complete: f.boolean("complete"), ServerDelayMS: f.f64("server_delay_ms"),
		ClientDelayMS: f.f64("client_delay_ms"), RTTMS: f.f64("rtt_ms")}
	r.C1, _ = f.raw("c1")
	r.S1, _ = f.raw("s1")
	r.C2, _ = f.raw("c2")
	r.S2, _ = f.raw("s2")
	r.RTMFP, _ = f.raw("rtmfp")
	r.Extra = f.extra()
	return r
}

func messageRow(h head, f *fields, source string) MessageRow {
	frames := f.pair64("frames")
	r := MessageRow{Schema: SchemaVersion, Source: source, Conn: h.conn, Dir: deref(h.dir), Time: h.time,
		Frame: f.i64("frame"), FirstFrame: frames[0], LastFrame: frames[1], Offset: f.i64("offset"),
		CSID: f.i64("csid"), MSID: f.i64("msid"), Timestamp: f.i64("timestamp"), TypeID: f.i32("type_id"),
		Type: f.str("type"), TypeName: f.str("type_name"), Length: f.i64("length"), Chunks: f.i64("chunks"),
		Summary: f.str("summary"), Inferred: f.boolean("inferred"), Confidence: f.f64p("confidence"),
		InferNote: f.strp("infer_note"), BodyTruncated: f.boolean("body_truncated"),
		BodyError: f.strp("body_error"), Payload: f.strp("payload")}
	if ts := opt[struct {
		Fmt      int32 `json:"fmt"`
		Field    int64 `json:"field"`
		Delta    int64 `json:"delta"`
		Extended bool  `json:"extended"`
		Inferred bool  `json:"inferred"`
	}](f, "ts"); ts != nil {
		r.TSFmt, r.TSField, r.TSDelta, r.TSExtended, r.TSInferred = ts.Fmt, ts.Field, ts.Delta, ts.Extended, ts.Inferred
	}
	if p := opt[struct {
		Role      *string  `json:"role"`
		Request   *string  `json:"request"`
		Frame     *int64   `json:"frame"`
		LatencyMS *float64 `json:"latency_ms"`
	}](f, "pair"); p != nil {
		r.PairRole, r.PairRequest, r.PairFrame, r.PairLatencyMS = p.Role, p.Request, p.Frame, p.LatencyMS
	}
	var body json.RawMessage
	if r.Type != "" {
		r.Body, body = f.raw(r.Type)
	}
	switch r.Type {
	case "command":
		if c := sub[struct {
			Name *string `json:"name"`
		}](f, r.Type, body); c != nil {
			r.CommandName = c.Name
		}
	case "data":
		if d := sub[struct {
			Handler *string `json:"handler"`
			Inner   *string `json:"inner"`
		}](f, r.Type, body); d != nil {
			r.DataHandler = d.Handler
			if d.Inner != nil {
				r.DataHandler = d.Inner
			}
		}
	case "audio", "video":
		if m := sub[struct {
			Codec    *string `json:"codec"`
			Keyframe bool    `json:"keyframe"`
		}](f, r.Type, body); m != nil {
			r.Codec = m.Codec
			if r.Type == "video" {
				r.Keyframe = &m.Keyframe
			}
		}
	}
	// Protocol control messages carry their value twice, under "control"
	// and under the type's own name (the body column): the first says
	// nothing more.
	if c, ok := f.m["control"]; ok && body != nil && controlSame(c, body) {
		delete(f.m, "control")
	}
	r.Extra = f.extra()
	return r
}

// controlSame reports whether a protocol control message's "control" member
// says what its body member says (value, limit type, malformed).
func controlSame(control, body json.RawMessage) bool {
	type v struct {
		Value     int64  `json:"value"`
		LimitType string `json:"limit_type"`
		Malformed bool   `json:"malformed"`
	}
	var a, b v
	return json.Unmarshal(control, &a) == nil && json.Unmarshal(body, &b) == nil && a == b
}

func diagnosticRow(h head, f *fields, source string) DiagnosticRow {
	frames := f.pair64("frames")
	return DiagnosticRow{Schema: SchemaVersion, Source: source, Conn: h.conn, Dir: h.dir, Time: h.time,
		Severity: f.str("severity"), Code: f.str("code"), Text: f.str("text"), Offset: f.i64("offset"),
		Length: f.i64("length"), FirstFrame: frames[0], LastFrame: frames[1], CSID: f.i64("csid"),
		Extra: f.extra()}
}

func gapRow(h head, f *fields, source string) GapRow {
	return GapRow{Schema: SchemaVersion, Source: source, Conn: h.conn, Dir: h.dir, Time: h.time,
		Bytes: f.i64("bytes"), Offset: f.i64("offset"), Reason: f.str("reason"), Frame: f.i64("frame"),
		Action: f.strp("action"), Extra: f.extra()}
}

// trackJSON is the part of a stream's video or audio object that has flat
// columns.
type trackJSON struct {
	Format struct {
		Codec      *string `json:"codec"`
		Profile    *string `json:"profile"`
		Level      *string `json:"level"`
		Width      *int64  `json:"width"`
		Height     *int64  `json:"height"`
		SampleRate *int64  `json:"sample_rate"`
		Channels   *int64  `json:"channels"`
	} `json:"format"`
	Codec      *string  `json:"codec"`
	Messages   *int64   `json:"messages"`
	Frames     *int64   `json:"frames"`
	Keyframes  *int64   `json:"keyframes"`
	Bytes      *int64   `json:"bytes"`
	FrameRate  *float64 `json:"frame_rate"`
	Bitrate    *float64 `json:"bitrate_avg_bps"`
	MediaMS    *int64   `json:"media_ms"`
	RTF        *float64 `json:"realtime_factor"`
	GOPFrames  *float64 `json:"gop_frames_avg"`
	GOPMS      *float64 `json:"gop_ms_avg"`
	DurationMS *int64   `json:"duration_ms"`
	Jumps      *int64   `json:"timestamp_jumps"`
	Backwards  *int64   `json:"timestamps_backwards"`
}

func (t *trackJSON) codec() *string {
	if t.Format.Codec != nil {
		return t.Format.Codec
	}
	return t.Codec
}

func streamRow(h head, f *fields, source string) StreamRow {
	r := StreamRow{Schema: SchemaVersion, Source: source, Conn: h.conn, Dir: deref(h.dir), Time: h.time,
		MSID: f.i64("msid"), Track: f.i64("track"), Role: f.str("role"), Client: f.strp("client"), Server: f.strp("server"),
		Name: f.strp("name"), First: f.timep("first"), Last: f.timep("last"),
		EmptyMessages: f.i64("empty_messages"), DroppedMessages: f.i64("dropped_messages")}
	var raw json.RawMessage
	r.Video, raw = f.raw("video")
	if v := sub[trackJSON](f, "video", raw); v != nil {
		r.VideoCodec, r.VideoProfile, r.VideoLevel = v.codec(), v.Format.Profile, v.Format.Level
		r.VideoWidth, r.VideoHeight = v.Format.Width, v.Format.Height
		r.VideoMessages, r.VideoFrames, r.VideoKeyframes, r.VideoBytes = v.Messages, v.Frames, v.Keyframes, v.Bytes
		r.VideoFrameRate, r.VideoBitrate, r.VideoGOPFrames, r.VideoGOPMS = v.FrameRate, v.Bitrate, v.GOPFrames, v.GOPMS
		r.VideoDurationMS, r.VideoJumps, r.VideoBackwards = v.DurationMS, v.Jumps, v.Backwards
		r.VideoMediaMS, r.VideoRTF = v.MediaMS, v.RTF
	}
	r.Audio, raw = f.raw("audio")
	if a := sub[trackJSON](f, "audio", raw); a != nil {
		r.AudioCodec, r.AudioSampleRate, r.AudioChannels = a.codec(), a.Format.SampleRate, a.Format.Channels
		r.AudioMessages, r.AudioFrames, r.AudioBytes = a.Messages, a.Frames, a.Bytes
		r.AudioFrameRate, r.AudioBitrate = a.FrameRate, a.Bitrate
		r.AudioDurationMS, r.AudioJumps, r.AudioBackwards = a.DurationMS, a.Jumps, a.Backwards
		r.AudioMediaMS, r.AudioRTF = a.MediaMS, a.RTF
	}
	if d := opt[struct {
		Samples *int64   `json:"samples"`
		AvgMS   *float64 `json:"avg_ms"`
		MinMS   *int64   `json:"min_ms"`
		MaxMS   *int64   `json:"max_ms"`
		LastMS  *int64   `json:"last_ms"`
	}](f, "av_drift"); d != nil {
		r.DriftSamples, r.DriftAvgMS, r.DriftMinMS, r.DriftMaxMS, r.DriftLastMS = d.Samples, d.AvgMS, d.MinMS, d.MaxMS, d.LastMS
	}
	r.Extra = f.extra()
	return r
}
