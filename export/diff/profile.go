// Package diff compares two RTMP connections — a working and a failing
// client, ffmpeg and another encoder — field by field: what connect
// carried and what the server answered, the command sequence and its
// replies, chunk sizes and acknowledgement windows, the Enhanced RTMP
// capabilities offered and accepted, the codecs and their configurations,
// and the timing. A Profiler builds each connection's Profile from the
// session records (decoded and redacted once, as every view has them);
// Compare lines two profiles up, differences first.
package diff

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rtmpscope/rtmpscope/dissect/amf"
	"github.com/rtmpscope/rtmpscope/dissect/command"
	"github.com/rtmpscope/rtmpscope/dissect/media"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/export/story"
)

// Sections of a profile, in the order they are shown.
const (
	SectionConnect  = "connect"
	SectionCommands = "commands"
	SectionControl  = "chunking and windows"
	SectionERTMP    = "Enhanced RTMP"
	SectionCodecs   = "codecs"
	SectionTiming   = "timing"
)

var sectionOrder = []string{SectionConnect, SectionCommands, SectionControl, SectionERTMP, SectionCodecs, SectionTiming}

// maxFields bounds the fields of one profile (a connect object with
// thousands of properties is cut).
const maxFields = 512

// maxConns bounds the connections a Profiler follows.
const maxConns = 256

// Field is one fact about a connection.
type Field struct {
	Section string `json:"section"`
	Name    string `json:"name"`
	Value   string `json:"value"`
}

// Profile is what one connection did, as comparable facts.
type Profile struct {
	Conn   string `json:"conn"`
	Source string `json:"source,omitempty"` // the capture file
	Client string `json:"client"`
	Server string `json:"server"`
	Role   string `json:"role"`
	// Fields in section order; within a section in the order found.
	Fields []Field `json:"fields"`
}

// Get returns the value of a field and whether the profile has it.
func (p *Profile) Get(section, name string) (string, bool) {
	for _, f := range p.Fields {
		if f.Section == section && f.Name == name {
			return f.Value, true
		}
	}
	return "", false
}

// Profiler builds a Profile for every RTMP connection of a capture.
type Profiler struct {
	stories *story.Builder
	conns   map[event.ConnID]*profAcc
	done    []*Profile
}

type profAcc struct {
	p        Profile
	seen     map[string]bool
	first    time.Time
	hsRTT    float64
	hasRTT   bool
	controls [2][]string // set chunk size, window, bandwidth per direction, in order
	codecs   map[string]string
	media    [2]*rate // per direction: coded frames for the frame rate and bitrate
}

type rate struct {
	frames  [2]int64 // audio, video
	bytes   [2]int64
	firstTS [2]uint32
	lastTS  [2]uint32
	haveTS  [2]bool
}

// NewProfiler returns a Profiler.
func NewProfiler() *Profiler {
	return &Profiler{stories: story.New(story.Options{}), conns: map[event.ConnID]*profAcc{}}
}

// Add feeds one record.
func (pr *Profiler) Add(r *session.Record) {
	st := pr.stories.Add(r)
	a := pr.conns[r.ConnID]
	if a == nil {
		if len(pr.conns) >= maxConns || r.Kind != event.KindConn || r.Conn == nil || r.Conn.Closed || !r.Conn.Info.Variant.IsRTMP() {
			return
		}
		a = &profAcc{seen: map[string]bool{}, codecs: map[string]string{}, first: r.Time}
		a.p.Conn, a.p.Client, a.p.Server = r.ConnID.String(), r.Conn.Info.Client.String(), r.Conn.Info.Server.String()
		pr.conns[r.ConnID] = a
	}
	switch r.Kind {
	case event.KindHandshake:
		if h := r.Handshake; h != nil {
			a.add(SectionConnect, "handshake", handshakeText(h))
			if h.RTT > 0 {
				a.hsRTT, a.hasRTT = float64(h.RTT.Microseconds())/1000, true
			}
		}
	case event.KindMessage:
		a.message(r)
	case event.KindConn:
		if r.Conn.Closed {
			delete(pr.conns, r.ConnID)
			if st == nil {
				return
			}
			a.finish(r, st)
			pr.done = append(pr.done, &a.p)
		}
	}
}

// Profiles returns the profiles of the connections that closed, in the
// order they closed.
func (pr *Profiler) Profiles() []*Profile { return pr.done }

func (a *profAcc) add(section, name, value string) {
	key := section + "\x00" + name
	if a.seen[key] || len(a.p.Fields) >= maxFields {
		return
	}
	a.seen[key] = true
	a.p.Fields = append(a.p.Fields, Field{section, name, value})
}

func (a *profAcc) message(r *session.Record) {
	m := r.Message
	if c := m.Control; c != nil {
		var v string
		switch c.Type {
		case event.TypeSetChunkSize:
			v = "chunk size " + strconv.FormatUint(uint64(c.Value), 10)
		case event.TypeWindowAckSize:
			v = "window " + strconv.FormatUint(uint64(c.Value), 10)
		case event.TypeSetPeerBandwidth:
			v = fmt.Sprintf("peer bandwidth %d %s", c.Value, event.LimitName(c.LimitType))
		}
		if v != "" && len(a.controls[m.Dir&1]) < 16 {
			a.controls[m.Dir&1] = append(a.controls[m.Dir&1], v)
		}
		return
	}
	if c := r.Body.Command; c != nil {
		a.command(m.Dir, c)
		return
	}
	if d := r.Body.Data; d != nil {
		if meta, ok := d.Metadata(); ok {
			a.objectFields(SectionCodecs, "onMetaData "+m.Dir.String(), meta)
		}
		return
	}
	switch m.TypeID {
	case event.TypeAudio, event.TypeVideo:
		a.media1(r, m.Dir, m.Timestamp, int(m.Length), r.Body.Audio, r.Body.Video)
	}
}

// command records what connect carried, what the server answered, and the
// arguments of publish and play.
func (a *profAcc) command(dir event.Dir, c *command.Command) {
	switch {
	case c.Name == "connect":
		a.objectFields(SectionConnect, "connect", c.CommandObject)
		for i, arg := range c.Args {
			a.add(SectionConnect, fmt.Sprintf("connect argument %d", i+1), valueText(arg))
		}
	case c.Name == "_result" || c.Name == "_error":
		if o := c.CommandObject.Resolve(); o.Kind == amf.KindObject && !a.seen[SectionConnect+"\x00server properties"] {
			a.seen[SectionConnect+"\x00server properties"] = true
			a.objectFields(SectionConnect, "server", o)
			if len(c.Args) > 0 {
				a.objectFields(SectionConnect, "server info", c.Args[0])
			}
		}
	case c.Name == "publish" || c.Name == "play" || c.Name == "play2":
		var args []string
		for _, v := range c.Args {
			args = append(args, valueText(v))
		}
		a.add(SectionCommands, c.Name+" arguments", strings.Join(args, ", "))
	}
}

// objectFields adds each property of an AMF object as "prefix.key".
func (a *profAcc) objectFields(section, prefix string, v amf.Value) {
	v = v.Resolve()
	if v.Kind != amf.KindObject && v.Kind != amf.KindECMAArray {
		return
	}
	for _, p := range v.Props {
		a.add(section, prefix+"."+p.Key, valueText(p.Value))
	}
}

func valueText(v amf.Value) string {
	v = v.Resolve()
	switch v.Kind {
	case amf.KindString:
		return strconv.Quote(v.Str)
	case amf.KindNumber:
		return strconv.FormatFloat(v.Num, 'f', -1, 64)
	}
	return v.Summary(120)
}

func handshakeText(h *event.Handshake) string {
	switch {
	case h.Encrypted:
		return "RTMPE (encrypted)"
	case h.Digest:
		return fmt.Sprintf("digest (C1 %s, S1 %s)", scheme(h.C1.Scheme), scheme(h.S1.Scheme))
	}
	return "simple"
}

func scheme(s int) string {
	if s < 0 {
		return "no digest"
	}
	return fmt.Sprintf("scheme %d", s)
}

func (a *profAcc) media1(r *session.Record, dir event.Dir, ts uint32, size int, au *media.Audio, v *media.Video) {
	rt := a.media[dir&1]
	if rt == nil {
		rt = &rate{}
		a.media[dir&1] = rt
	}
	kind := 0
	coded := false
	switch {
	case v != nil:
		kind = 1
		if v.IsSequenceHeader() {
			a.codec(dir, "video", v.Summary())
		} else if v.Command == nil && (v.PacketType == media.VideoCodedFrames || v.PacketType == media.VideoCodedFramesX) {
			coded = true
			if v.Multitrack == nil {
				a.codecOnce(dir, "video", v.Codec+" "+frameDims(v))
			}
		}
	case au != nil && !au.Silence:
		if (au.Enhanced || au.SoundFormat == media.SoundAAC) && au.PacketType == media.AudioSequenceStart {
			a.codec(dir, "audio", au.Summary())
		} else if au.PacketType == media.AudioCodedFrames {
			coded = true
			desc := au.Codec
			if au.SampleRate > 0 {
				desc += fmt.Sprintf(" %d Hz %d ch", au.SampleRate, au.Channels)
			}
			a.codecOnce(dir, "audio", desc)
		}
	}
	if !coded {
		return
	}
	rt.frames[kind]++
	rt.bytes[kind] += int64(size)
	if !rt.haveTS[kind] {
		rt.firstTS[kind], rt.haveTS[kind] = ts, true
	}
	rt.lastTS[kind] = ts
}

func frameDims(v *media.Video) string {
	if w, h := v.Dimensions(); w > 0 {
		return fmt.Sprintf("%dx%d", w, h)
	}
	return ""
}

// codec records a sequence header's summary (the configuration).
func (a *profAcc) codec(dir event.Dir, kind, summary string) {
	k := dir.String() + " " + kind + " configuration"
	if _, ok := a.codecs[k]; !ok {
		a.codecs[k] = summary
	}
}

// codecOnce records the first coded frame of a kind without a
// configuration record (legacy codecs) — the frame's own summary.
func (a *profAcc) codecOnce(dir event.Dir, kind, summary string) {
	k := dir.String() + " " + kind + " codec"
	if _, ok := a.codecs[k]; !ok {
		a.codecs[k] = strings.TrimSpace(summary)
	}
}

// finish adds what is known when the connection closes.
func (a *profAcc) finish(r *session.Record, st *story.Story) {
	a.p.Role = st.Role
	a.add(SectionCommands, "sequence", commandNames(st))
	a.add(SectionCommands, "replies", replies(st))
	a.add(SectionCommands, "verdict", st.Verdict.Text)
	by := st.Close.By
	if by == "" {
		by = "nobody"
	}
	a.add(SectionCommands, "closed by", by+" ("+st.Close.How+")")
	a.add(SectionCommands, "last message", st.Close.After)
	for d, name := range []string{"client", "server"} {
		v := strings.Join(a.controls[d], ", ")
		if v == "" {
			v = "none"
		}
		a.add(SectionControl, name+" sends", v)
	}
	c := r.Conn
	for d, name := range []string{"client", "server"} {
		ak := c.Acks[1-d] // the acknowledgements this side sent, of the other's bytes
		a.add(SectionControl, name+" acknowledgements", fmt.Sprintf("%d sent", ak.Acks))
	}
	if s := r.Session; s != nil {
		for d, name := range []string{"client offered", "server accepted"} {
			caps := s.Caps[d]
			a.add(SectionERTMP, name+" fourCcList", strings.Join(caps.FourCCList, ", "))
			a.add(SectionERTMP, name+" videoFourCcInfoMap", fourCCInfo(caps.VideoFourCCInfoMap))
			a.add(SectionERTMP, name+" audioFourCcInfoMap", fourCCInfo(caps.AudioFourCCInfoMap))
			a.add(SectionERTMP, name+" capsEx", capsEx(caps.CapsEx))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(a.codecs)) {
		a.add(SectionCodecs, k, a.codecs[k])
	}
	for d, rt := range a.media {
		if rt == nil {
			continue
		}
		dir := event.Dir(d).String()
		for k, kind := range []string{"audio", "video"} {
			if rt.frames[k] < 2 {
				continue
			}
			span := int64(int32(rt.lastTS[k] - rt.firstTS[k]))
			if span <= 0 {
				continue
			}
			a.add(SectionTiming, dir+" "+kind+" frame rate", fmt.Sprintf("%.2f/s", float64(rt.frames[k]-1)*1000/float64(span)))
			a.add(SectionTiming, dir+" "+kind+" bitrate", fmt.Sprintf("%.0f kbit/s", float64(rt.bytes[k])*8/float64(span)))
		}
	}
	if a.hasRTT {
		a.add(SectionTiming, "handshake RTT", story.FormatMS(a.hsRTT))
	}
	for _, s := range st.Exchange {
		if s.LatencyMS != nil {
			a.add(SectionTiming, s.Request+" → "+s.Name, story.FormatMS(*s.LatencyMS))
		}
	}
	if m := st.Media; m != nil {
		if m.FirstFrameMS != nil {
			a.add(SectionTiming, "first frame after "+m.Command, story.FormatMS(*m.FirstFrameMS))
		}
		if m.FirstKeyframeMS != nil {
			a.add(SectionTiming, "first keyframe after "+m.Command, story.FormatMS(*m.FirstKeyframeMS))
		}
		a.add(SectionTiming, "media duration", fmt.Sprintf("%.1f s", float64(m.DurationMS)/1000))
	}
	a.add(SectionTiming, "connection duration", fmt.Sprintf("%.1f s", c.Last.Sub(a.first).Seconds()))
	// Fields in section order, stable within a section.
	slices.SortStableFunc(a.p.Fields, func(x, y Field) int {
		return slices.Index(sectionOrder, x.Section) - slices.Index(sectionOrder, y.Section)
	})
}

func commandNames(st *story.Story) string {
	var out []string
	for _, s := range st.Exchange {
		out = append(out, s.Name)
	}
	if st.ExchangeMore > 0 {
		out = append(out, fmt.Sprintf("… %d more", st.ExchangeMore))
	}
	return strings.Join(out, " → ")
}

func replies(st *story.Story) string {
	var out []string
	for _, s := range st.Exchange {
		if s.Code != "" {
			out = append(out, s.Name+" "+s.Code)
		}
	}
	if len(out) == 0 {
		return "none with a code"
	}
	return strings.Join(out, ", ")
}

func fourCCInfo(l []command.FourCCInfo) string {
	var out []string
	for _, f := range l {
		out = append(out, fmt.Sprintf("%s: %s", f.FourCC, strings.Join(f.Names(), "+")))
	}
	return strings.Join(out, ", ")
}

func capsEx(v *float64) string {
	if v == nil {
		return ""
	}
	names := command.Connect{CapsEx: v}.CapsExNames()
	return fmt.Sprintf("%v (%s)", *v, strings.Join(names, ", "))
}
