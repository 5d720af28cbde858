package export

import (
	"encoding/json"
	"time"

	"github.com/rtmpscope/rtmpscope/dissect"
)

// SchemaVersion is the version of the JSON event schema (docs/json-schema.md).
const SchemaVersion = 1

// connJSON is the "conn" event of the NDJSON export (DESIGN.md §3): the
// core fields first, then what the connection listing adds.
type connJSON struct {
	Kind       string    `json:"kind"`
	Conn       string    `json:"conn"`
	Time       string    `json:"time"`
	Client     string    `json:"client"`
	Server     string    `json:"server"`
	BytesC2S   int64     `json:"bytes_c2s"`
	BytesS2C   int64     `json:"bytes_s2c"`
	Packets    uint64    `json:"packets"`
	Gaps       int       `json:"gaps"`
	RTMP       bool      `json:"rtmp"`
	Variant    string    `json:"variant,omitempty"`
	Rule       string    `json:"rule,omitempty"`
	Why        string    `json:"why"`
	PacketsC2S uint64    `json:"packets_c2s"`
	PacketsS2C uint64    `json:"packets_s2c"`
	GapBytes   int64     `json:"gap_bytes"`
	MidStream  bool      `json:"mid_stream"`
	Oriented   string    `json:"oriented"`
	End        string    `json:"end"`
	LastTime   string    `json:"last_time"`
	Frames     [2]uint64 `json:"frames"`
}

// FormatTime is how every exported capture time is written: RFC 3339 with
// nanoseconds, in UTC.
func FormatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// MarshalConn encodes a connection record as a "conn" event.
func MarshalConn(r ConnRecord) ([]byte, error) {
	return json.Marshal(connJSON{
		Kind: "conn", Conn: dissect.ConnName(r.ID), Time: FormatTime(r.First),
		Client: r.Client, Server: r.Server,
		BytesC2S: r.Bytes[0], BytesS2C: r.Bytes[1], Packets: r.Packets[0] + r.Packets[1],
		Gaps: r.Gaps, RTMP: r.Detect.RTMP, Variant: r.Detect.Variant, Rule: string(r.Detect.Rule), Why: r.Detect.Why,
		PacketsC2S: r.Packets[0], PacketsS2C: r.Packets[1], GapBytes: r.GapBytes, MidStream: r.MidStream,
		Oriented: r.Oriented, End: r.End, LastTime: FormatTime(r.Last), Frames: [2]uint64{r.FirstFrame, r.LastFrame},
	})
}
