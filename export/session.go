package export

import (
	"fmt"

	"github.com/rtmpscope/rtmpscope/dissect/command"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
)

// The JSON shapes of what the session layer adds: a message's "pair" and a
// closed connection's "session" (docs/json-schema.md).

// pairJSON is a message's "pair". A request's record is written before its
// response exists, so a request has only role and request; a response
// names the request's frame, offset and direction and the latency.
type pairJSON struct {
	Role      string   `json:"role"`
	Request   string   `json:"request"`
	Frame     *uint64  `json:"frame,omitempty"`
	Offset    *int64   `json:"offset,omitempty"`
	Dir       string   `json:"dir,omitempty"`
	LatencyMS *float64 `json:"latency_ms,omitempty"`
}

func pairToJSON(p *session.Pair) *pairJSON {
	if p == nil {
		return nil
	}
	j := &pairJSON{Role: p.Role, Request: p.Request}
	if p.Role == session.RoleResponse {
		frame, off := p.Frame, p.Offset
		ms := latencyMS(p)
		j.Frame, j.Offset, j.Dir, j.LatencyMS = &frame, &off, p.Dir.String(), &ms
	}
	return j
}

// latencyMS is a pair's latency in milliseconds, to the microsecond
// (capture timestamps are microseconds in classic pcap).
func latencyMS(p *session.Pair) float64 {
	return float64(p.Latency.Microseconds()) / 1000
}

// sessionJSON is a closed connection's "session".
type sessionJSON struct {
	App                  string        `json:"app,omitempty"`
	TcURL                string        `json:"tc_url,omitempty"`
	FlashVer             string        `json:"flash_ver,omitempty"`
	SwfURL               string        `json:"swf_url,omitempty"`
	PageURL              string        `json:"page_url,omitempty"`
	ObjectEncoding       *float64      `json:"object_encoding,omitempty"`
	ServerObjectEncoding *float64      `json:"server_object_encoding,omitempty"`
	FMSVer               string        `json:"fms_ver,omitempty"`
	ConnectCode          string        `json:"connect_code,omitempty"`
	Streams              []streamJSON  `json:"streams"`
	Caps                 capsByDirJSON `json:"caps"`
	Unanswered           int           `json:"unanswered"`
	Failed               int           `json:"failed"`
}

type streamJSON struct {
	MSID   uint32 `json:"msid"`
	Name   string `json:"name,omitempty"`
	Action string `json:"action,omitempty"` // "publish" or "play"
	Status string `json:"status"`
	Code   string `json:"code,omitempty"`
}

type capsByDirJSON struct {
	C2S *capsJSON `json:"c2s,omitempty"`
	S2C *capsJSON `json:"s2c,omitempty"`
}

// capsJSON is one side's capabilities: the legacy connect numbers with
// their decoded names, and the Enhanced RTMP fields.
type capsJSON struct {
	Capabilities       *float64     `json:"capabilities,omitempty"`
	AudioCodecs        *float64     `json:"audio_codecs,omitempty"`
	VideoCodecs        *float64     `json:"video_codecs,omitempty"`
	VideoFunction      *float64     `json:"video_function,omitempty"`
	FourCCList         []string     `json:"fourcc_list,omitempty"`
	VideoFourCCInfoMap []fourCCJSON `json:"video_fourcc_info_map,omitempty"`
	AudioFourCCInfoMap []fourCCJSON `json:"audio_fourcc_info_map,omitempty"`
	CapsEx             *float64     `json:"caps_ex,omitempty"`
	CapsExNames        []string     `json:"caps_ex_names,omitempty"`
}

// fourCCJSON is one videoFourCcInfoMap/audioFourCcInfoMap entry; a list
// rather than an object keeps the order the peer sent.
type fourCCJSON struct {
	FourCC string   `json:"fourcc"`
	Mask   float64  `json:"mask"`
	Names  []string `json:"names,omitempty"` // CanDecode, CanEncode, CanForward
}

func sessionToJSON(s *session.State) *sessionJSON {
	if s == nil {
		return nil
	}
	j := &sessionJSON{
		App: s.App, TcURL: s.TcURL, FlashVer: s.FlashVer, SwfURL: s.SwfURL, PageURL: s.PageURL,
		ObjectEncoding: s.ObjectEncoding, ServerObjectEncoding: s.ServerObjectEncoding,
		FMSVer: s.FMSVer, ConnectCode: s.ConnectCode,
		Streams:    make([]streamJSON, 0, len(s.Streams)),
		Caps:       capsByDirJSON{C2S: capsToJSON(s.Caps[event.C2S]), S2C: capsToJSON(s.Caps[event.S2C])},
		Unanswered: s.Unanswered, Failed: s.Failed,
	}
	for _, st := range s.Streams {
		j.Streams = append(j.Streams, streamJSON{MSID: st.MSID, Name: st.Name, Action: st.Action, Status: st.Status, Code: st.Code})
	}
	return j
}

func capsToJSON(c session.Caps) *capsJSON {
	if c.Empty() {
		return nil
	}
	j := &capsJSON{
		Capabilities: c.Capabilities, AudioCodecs: c.AudioCodecs, VideoCodecs: c.VideoCodecs,
		VideoFunction: c.VideoFunction, FourCCList: c.FourCCList, CapsEx: c.CapsEx,
		VideoFourCCInfoMap: fourCCsToJSON(c.VideoFourCCInfoMap), AudioFourCCInfoMap: fourCCsToJSON(c.AudioFourCCInfoMap),
	}
	if c.CapsEx != nil {
		j.CapsExNames = command.Connect{CapsEx: c.CapsEx}.CapsExNames()
	}
	return j
}

func fourCCsToJSON(l []command.FourCCInfo) []fourCCJSON {
	if l == nil {
		return nil
	}
	out := make([]fourCCJSON, len(l))
	for i, f := range l {
		out[i] = fourCCJSON{FourCC: f.FourCC, Mask: f.Mask, Names: f.Names()}
	}
	return out
}

// pairSuffix is what the text view appends to a response's summary:
// " (12.3 ms after frame 14)". Sub-millisecond latencies (loopback) keep
// their microseconds.
func pairSuffix(p *session.Pair) string {
	ms := latencyMS(p)
	if ms < 1 {
		return fmt.Sprintf(" (%.3f ms after frame %d)", ms, p.Frame)
	}
	return fmt.Sprintf(" (%.1f ms after frame %d)", ms, p.Frame)
}
