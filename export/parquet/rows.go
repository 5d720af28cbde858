package parquet

import (
	"time"
)

// The row types below are the Parquet schema, version SchemaVersion
// (docs/parquet-schema.md). Each kind of event has its own files and its
// own row type. Columns named as in the JSON export (docs/json-schema.md)
// mean what they mean there; nested JSON objects that have no flat columns
// are kept whole as JSON text columns (logical type JSON); every field of
// an event that has no column of its own lands in the row's extra column,
// so a newer JSON export loses nothing in an older Parquet schema.
//
// Integers are signed (Spark and ClickHouse read unsigned columns
// awkwardly); times are TIMESTAMP(MICROS, UTC), the finest precision Spark
// reads. A column is optional (NULL) where the JSON field may be absent;
// otherwise an absent field reads as its zero value.

// SchemaVersion is the version of the Parquet schema: the row types of
// this file. It is written in every row (column schema) and in each file's
// key-value metadata (rtmpscope.parquet_schema). Adding a column keeps the
// version; renaming, removing or retyping one makes a new version.
const SchemaVersion = 1

// ConnRow is one conn event: a connection opened or closed.
type ConnRow struct {
	Schema      int32     `parquet:"schema"`
	Source      string    `parquet:"source,dict"`
	Conn        string    `parquet:"conn,dict"`
	Time        time.Time `parquet:"time,timestamp(microsecond)"`
	Client      string    `parquet:"client"`
	Server      string    `parquet:"server,dict"`
	State       string    `parquet:"state,dict"`
	Oriented    string    `parquet:"oriented,dict"`
	Swapped     bool      `parquet:"swapped"`
	Transport   string    `parquet:"transport,dict"`
	Variant     string    `parquet:"variant,dict"`
	RTMPFamily  bool      `parquet:"rtmp_family"`
	Layers      []string  `parquet:"layers,list"`
	Rule        string    `parquet:"rule,dict"`
	Why         string    `parquet:"why,dict"`
	UID         string    `parquet:"uid"`
	CommunityID string    `parquet:"community_id"`
	FirstFrame  int64     `parquet:"first_frame"`
	// The totals of a closed connection (NULL on open).
	BytesC2S    *int64     `parquet:"bytes_c2s,optional"`
	BytesS2C    *int64     `parquet:"bytes_s2c,optional"`
	Packets     *int64     `parquet:"packets,optional"`
	PacketsC2S  *int64     `parquet:"packets_c2s,optional"`
	PacketsS2C  *int64     `parquet:"packets_s2c,optional"`
	Gaps        *int64     `parquet:"gaps,optional"`
	GapBytes    *int64     `parquet:"gap_bytes,optional"`
	RTMP        *bool      `parquet:"rtmp,optional"`
	MidStream   bool       `parquet:"mid_stream"`
	End         *string    `parquet:"end,optional,dict"`
	LastTime    *time.Time `parquet:"last_time,optional,timestamp(microsecond)"`
	LastFrame   *int64     `parquet:"last_frame,optional"`
	MessagesC2S *int64     `parquet:"messages_c2s,optional"`
	MessagesS2C *int64     `parquet:"messages_s2c,optional"`
	Accounting  *string    `parquet:"accounting,optional,json"`
	Acks        *string    `parquet:"acks,optional,json"`
	// The session object's most asked-for fields, and the object whole.
	App         *string `parquet:"app,optional,dict"`
	TCURL       *string `parquet:"tc_url,optional"`
	FlashVer    *string `parquet:"flash_ver,optional,dict"`
	ConnectCode *string `parquet:"connect_code,optional,dict"`
	Session     *string `parquet:"session,optional,json"`
	TLS         *string `parquet:"tls,optional,json"` // RTMPS/RTMPTS connections
	// The connection's story (closed RTMP-family connections, export/story):
	// its role, the verdict flattened, and the story whole.
	StoryRole    *string `parquet:"story_role,optional,dict"`
	StoryOK      *bool   `parquet:"story_ok,optional"`
	StoryProblem *string `parquet:"story_problem,optional,dict"`
	Story        *string `parquet:"story,optional,json"`
	Extra        *string `parquet:"extra,optional,json"`
}

// HandshakeRow is one handshake event.
type HandshakeRow struct {
	Schema        int32     `parquet:"schema"`
	Source        string    `parquet:"source,dict"`
	Conn          string    `parquet:"conn,dict"`
	Dir           string    `parquet:"dir,dict"`
	Time          time.Time `parquet:"time,timestamp(microsecond)"`
	C0            int32     `parquet:"c0"`
	S0            int32     `parquet:"s0"`
	Encrypted     bool      `parquet:"encrypted"`
	Digest        bool      `parquet:"digest"`
	Complete      bool      `parquet:"complete"`
	ServerDelayMS float64   `parquet:"server_delay_ms"`
	ClientDelayMS float64   `parquet:"client_delay_ms"`
	RTTMS         float64   `parquet:"rtt_ms"`
	C1            *string   `parquet:"c1,optional,json"`
	S1            *string   `parquet:"s1,optional,json"`
	C2            *string   `parquet:"c2,optional,json"`
	S2            *string   `parquet:"s2,optional,json"`
	RTMFP         *string   `parquet:"rtmfp,optional,json"`
	Extra         *string   `parquet:"extra,optional,json"`
}

// MessageRow is one message event: a complete RTMP message.
type MessageRow struct {
	Schema     int32     `parquet:"schema"`
	Source     string    `parquet:"source,dict"`
	Conn       string    `parquet:"conn,dict"`
	Dir        string    `parquet:"dir,dict"`
	Time       time.Time `parquet:"time,timestamp(microsecond)"`
	Frame      int64     `parquet:"frame"`
	FirstFrame int64     `parquet:"first_frame"` // frames[0]
	LastFrame  int64     `parquet:"last_frame"`  // frames[1]
	Offset     int64     `parquet:"offset"`
	CSID       int64     `parquet:"csid"`
	MSID       int64     `parquet:"msid"`
	Timestamp  int64     `parquet:"timestamp"`
	TypeID     int32     `parquet:"type_id"`
	Type       string    `parquet:"type,dict"`
	TypeName   string    `parquet:"type_name,dict"`
	Length     int64     `parquet:"length"`
	Chunks     int64     `parquet:"chunks"`
	// ts: how the timestamp was derived from the first chunk's header.
	TSFmt         int32    `parquet:"ts_fmt"`
	TSField       int64    `parquet:"ts_field"`
	TSDelta       int64    `parquet:"ts_delta"`
	TSExtended    bool     `parquet:"ts_extended"`
	TSInferred    bool     `parquet:"ts_inferred"`
	Summary       string   `parquet:"summary"`
	Inferred      bool     `parquet:"inferred"`
	Confidence    *float64 `parquet:"confidence,optional"`
	InferNote     *string  `parquet:"infer_note,optional"`
	BodyTruncated bool     `parquet:"body_truncated"`
	BodyError     *string  `parquet:"body_error,optional"`
	// Flat columns of the body for the common questions: the command's
	// name, the data message's handler (the inner one of @setDataFrame),
	// the audio or video codec id and the keyframe flag.
	CommandName *string `parquet:"command_name,optional,dict"`
	DataHandler *string `parquet:"data_handler,optional,dict"`
	Codec       *string `parquet:"codec,optional,dict"`
	Keyframe    *bool   `parquet:"keyframe,optional"`
	// Body is the body object (the JSON member named as type), whole.
	Body    *string `parquet:"body,optional,json"`
	Payload *string `parquet:"payload,optional"`
	// pair: the request/response pairing.
	PairRole      *string  `parquet:"pair_role,optional,dict"`
	PairRequest   *string  `parquet:"pair_request,optional,dict"`
	PairFrame     *int64   `parquet:"pair_frame,optional"`
	PairLatencyMS *float64 `parquet:"pair_latency_ms,optional"`
	Extra         *string  `parquet:"extra,optional,json"`
}

// DiagnosticRow is one diagnostic event.
type DiagnosticRow struct {
	Schema     int32     `parquet:"schema"`
	Source     string    `parquet:"source,dict"`
	Conn       string    `parquet:"conn,dict"`
	Dir        *string   `parquet:"dir,optional,dict"`
	Time       time.Time `parquet:"time,timestamp(microsecond)"`
	Severity   string    `parquet:"severity,dict"`
	Code       string    `parquet:"code,dict"`
	Text       string    `parquet:"text"`
	Offset     int64     `parquet:"offset"`
	Length     int64     `parquet:"length"`
	FirstFrame int64     `parquet:"first_frame"`
	LastFrame  int64     `parquet:"last_frame"`
	CSID       int64     `parquet:"csid"`
	Extra      *string   `parquet:"extra,optional,json"`
}

// GapRow is one gap event: bytes missing from a direction.
type GapRow struct {
	Schema int32     `parquet:"schema"`
	Source string    `parquet:"source,dict"`
	Conn   string    `parquet:"conn,dict"`
	Dir    *string   `parquet:"dir,optional,dict"`
	Time   time.Time `parquet:"time,timestamp(microsecond)"`
	Bytes  int64     `parquet:"bytes"`
	Offset int64     `parquet:"offset"`
	Reason string    `parquet:"reason,dict"`
	Frame  int64     `parquet:"frame"`
	Action *string   `parquet:"action,optional"`
	Extra  *string   `parquet:"extra,optional,json"`
}

// StreamRow is one stream's statistics (the stream object of `rtmpscope
// stats -T ndjson`), with the figures of each track flattened.
type StreamRow struct {
	Schema int32     `parquet:"schema"`
	Source string    `parquet:"source,dict"`
	Conn   string    `parquet:"conn,dict"`
	Dir    string    `parquet:"dir,dict"`
	Time   time.Time `parquet:"time,timestamp(microsecond)"`
	MSID   int64     `parquet:"msid"`
	// Track is the Enhanced RTMP track id of a multitrack stream's track
	// (each track is a stream of its own); 0 otherwise.
	Track  int64      `parquet:"track"`
	Role   string     `parquet:"role,dict"`
	Client *string    `parquet:"client,optional"`
	Server *string    `parquet:"server,optional,dict"`
	Name   *string    `parquet:"name,optional"`
	First  *time.Time `parquet:"first,optional,timestamp(microsecond)"`
	Last   *time.Time `parquet:"last,optional,timestamp(microsecond)"`

	VideoCodec      *string  `parquet:"video_codec,optional,dict"`
	VideoProfile    *string  `parquet:"video_profile,optional,dict"`
	VideoLevel      *string  `parquet:"video_level,optional,dict"`
	VideoWidth      *int64   `parquet:"video_width,optional"`
	VideoHeight     *int64   `parquet:"video_height,optional"`
	VideoMessages   *int64   `parquet:"video_messages,optional"`
	VideoFrames     *int64   `parquet:"video_frames,optional"`
	VideoKeyframes  *int64   `parquet:"video_keyframes,optional"`
	VideoBytes      *int64   `parquet:"video_bytes,optional"`
	VideoFrameRate  *float64 `parquet:"video_frame_rate,optional"`
	VideoBitrate    *float64 `parquet:"video_bitrate_avg_bps,optional"`
	VideoMediaMS    *int64   `parquet:"video_media_ms,optional"`
	VideoRTF        *float64 `parquet:"video_realtime_factor,optional"`
	VideoGOPFrames  *float64 `parquet:"video_gop_frames_avg,optional"`
	VideoGOPMS      *float64 `parquet:"video_gop_ms_avg,optional"`
	VideoDurationMS *int64   `parquet:"video_duration_ms,optional"`
	VideoJumps      *int64   `parquet:"video_timestamp_jumps,optional"`
	VideoBackwards  *int64   `parquet:"video_timestamps_backwards,optional"`

	AudioCodec      *string  `parquet:"audio_codec,optional,dict"`
	AudioSampleRate *int64   `parquet:"audio_sample_rate,optional"`
	AudioChannels   *int64   `parquet:"audio_channels,optional"`
	AudioMessages   *int64   `parquet:"audio_messages,optional"`
	AudioFrames     *int64   `parquet:"audio_frames,optional"`
	AudioBytes      *int64   `parquet:"audio_bytes,optional"`
	AudioFrameRate  *float64 `parquet:"audio_frame_rate,optional"`
	AudioBitrate    *float64 `parquet:"audio_bitrate_avg_bps,optional"`
	AudioMediaMS    *int64   `parquet:"audio_media_ms,optional"`
	AudioRTF        *float64 `parquet:"audio_realtime_factor,optional"`
	AudioDurationMS *int64   `parquet:"audio_duration_ms,optional"`
	AudioJumps      *int64   `parquet:"audio_timestamp_jumps,optional"`
	AudioBackwards  *int64   `parquet:"audio_timestamps_backwards,optional"`

	DriftSamples *int64   `parquet:"av_drift_samples,optional"`
	DriftAvgMS   *float64 `parquet:"av_drift_avg_ms,optional"`
	DriftMinMS   *int64   `parquet:"av_drift_min_ms,optional"`
	DriftMaxMS   *int64   `parquet:"av_drift_max_ms,optional"`
	DriftLastMS  *int64   `parquet:"av_drift_last_ms,optional"`

	EmptyMessages   int64 `parquet:"empty_messages"`
	DroppedMessages int64 `parquet:"dropped_messages"`
	// The track objects whole (bitrate series, GOP ranges, events, the
	// decoded configuration).
	Video *string `parquet:"video,optional,json"`
	Audio *string `parquet:"audio,optional,json"`
	Extra *string `parquet:"extra,optional,json"`
}
