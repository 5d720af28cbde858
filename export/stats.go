package export

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rtmpscope/rtmpscope/dissect/media"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
)

// This file is the media statistics of `rtmpscope stats`: a collector that
// feeds media.Stats from session records, one accumulator per stream, and
// the text and JSON renderings of what it found.

// StreamKey identifies one media stream: a connection, a direction and a
// message stream id. A publish is a c2s stream, a play an s2c stream.
type StreamKey struct {
	Conn string // "c1"
	Dir  string // "c2s" or "s2c"
	MSID uint32
	// Track is the Enhanced RTMP track id of a multitrack message's track
	// (0 for everything else): each track is a stream of its own.
	Track uint8
}

// String is the stream's selector form, "c1/s2c/1", "c1/c2s/1/t1" for
// track 1 of a multitrack stream.
func (k StreamKey) String() string {
	s := k.Conn + "/" + k.Dir + "/" + strconv.FormatUint(uint64(k.MSID), 10)
	if k.Track != 0 {
		s += "/t" + strconv.FormatUint(uint64(k.Track), 10)
	}
	return s
}

// Role is "publish" for client-to-server media and "play" for
// server-to-client media.
func (k StreamKey) Role() string {
	if k.Dir == "s2c" {
		return "play"
	}
	return "publish"
}

// TrackFormat is the codec configuration of a track, flattened from the
// decoded sequence header (or legacy header bits) for scripts and tests.
type TrackFormat struct {
	// Codec is the machine id the message export uses for video.codec /
	// audio.codec (avc1, hvc1, mp4a, .mp3, h263...), so a stream and its
	// messages can be joined; CodecName is the readable name ("AVC").
	Codec      string       `json:"codec,omitempty"`
	CodecName  string       `json:"codec_name,omitempty"`
	FourCC     media.FourCC `json:"fourcc,omitempty"` // Enhanced RTMP only
	Profile    string       `json:"profile,omitempty"`
	Level      string       `json:"level,omitempty"`
	Width      int          `json:"width,omitempty"`
	Height     int          `json:"height,omitempty"`
	SPSFPS     float64      `json:"sps_frame_rate,omitempty"` // from the SPS timing info, if any
	SampleRate int          `json:"sample_rate,omitempty"`
	Channels   int          `json:"channels,omitempty"`
	Summary    string       `json:"summary,omitempty"`
}

// TrackStats is one track's report with its flattened format.
type TrackStats struct {
	Format TrackFormat `json:"format"`
	// Codec and CodecName repeat Format's, shadowing the accumulator's
	// readable name, so "codec" means the same in every JSON object.
	Codec     string `json:"codec,omitempty"`
	CodecName string `json:"codec_name,omitempty"`
	media.TrackReport
}

// StreamStats is everything known about one stream when it ends.
type StreamStats struct {
	StreamKey
	Client string // ip:port
	Server string
	// Name is the published or played stream name (redacted unless
	// secrets are shown); empty when unknown.
	Name  string
	First time.Time // capture time of its first media message
	Last  time.Time
	Audio *TrackStats
	Video *TrackStats
	Drift *media.DriftReport
	// Empty counts zero-length audio/video messages (not in the reports).
	Empty int64
	// Dropped counts media messages refused because the connection already
	// had MaxStreams streams (garbage message stream ids after a resync).
	Dropped int64
}

// MaxStreams bounds the streams followed per connection.
const MaxStreams = 64

// StatsCollector turns session records into per-stream statistics. It keeps
// state only for open connections: each connection's streams are reported to
// OnStream when it closes (in direction, then msid order), and Flush reports
// the rest (in connection order).
type StatsCollector struct {
	// OnStream receives each stream's statistics.
	OnStream func(StreamStats)
	// State, when set, returns the session state of a connection that is
	// still open (session.Tracker.State), to name the streams reported by
	// Flush; closed connections are named from their conn-closed record.
	State func(conn string) *session.State

	conns map[string]*statsConn
}

type statsConn struct {
	client, server string
	streams        map[StreamKey]*streamAcc
	dropped        int64
}

type streamAcc struct {
	stats        *media.Stats
	first, last  time.Time
	afmt, vfmt   TrackFormat
	aFour, vFour media.FourCC
	aKey, vKey   string // the codec ids of the last coded messages
	empty        int64
}

// Add feeds one record.
func (c *StatsCollector) Add(r session.Record) {
	if c.conns == nil {
		c.conns = map[string]*statsConn{}
	}
	sc := c.conns[r.ConnID.String()]
	if sc == nil {
		sc = &statsConn{streams: map[StreamKey]*streamAcc{}}
		c.conns[r.ConnID.String()] = sc
	}
	switch r.Kind {
	case event.KindConn:
		sc.client, sc.server = r.Conn.Info.Client.String(), r.Conn.Info.Server.String()
		if r.Conn.Closed {
			c.report(r.ConnID.String(), sc, r.Session)
			delete(c.conns, r.ConnID.String())
		}
	case event.KindMessage:
		MediaSamples(&r, func(k StreamKey, ts uint32, isVideo bool, size int, decoded any) {
			c.add(sc, k, ts, r.Time, isVideo, size, decoded)
		})
	}
}

// StatsHoldsBody reports whether StatsCollector.Add may have kept
// references into r's message body: a sequence header's decoded
// configuration (the stream report's config_detail points into the body
// it was decoded from), or an aggregate, whose sub-messages may carry one.
// A caller that gives bodies back for reuse (pipeline.Config.
// RecycleBodies) must not give such a body back; coded frames, the bulk
// of the bytes, are never held.
func StatsHoldsBody(r *session.Record) bool {
	if r.Kind != event.KindMessage || r.Message == nil {
		return false
	}
	switch r.Message.TypeID {
	case event.TypeAggregate:
		return true
	case event.TypeAudio:
		a := r.Body.Audio
		if a == nil {
			return false
		}
		if a.PacketType == media.AudioSequenceStart {
			return true
		}
		for i := range a.Tracks {
			if a.Tracks[i].PacketType == media.AudioSequenceStart {
				return true
			}
		}
	case event.TypeVideo:
		return r.Body.Video != nil && r.Body.Video.IsSequenceHeader()
	}
	return false
}

// MediaSamples is the one rule for what a record contributes to stream
// statistics, used by `stats`, extraction's accounting and the terminal
// UI's streams pane alike: an audio or video message is one sample of its
// stream (connection, direction, message stream id); each track of an
// Enhanced RTMP multitrack message is a sample of its own stream (Track,
// decoded as a single-track message: media.TrackViews); an aggregate counts
// each audio and video sub-message with its own timestamp. Sizes are the
// bytes received: a sub-message cut short by the end of its aggregate
// counts what is there, not the size its header claims. Empty messages
// are passed on (with size 0) for the caller to count apart.
func MediaSamples(r *session.Record, f func(k StreamKey, ts uint32, isVideo bool, size int, decoded any)) {
	if r.Kind != event.KindMessage {
		return
	}
	m := r.Message
	k := StreamKey{Conn: r.ConnID.String(), Dir: m.Dir.String(), MSID: m.MSID}
	switch m.TypeID {
	case event.TypeAudio, event.TypeVideo:
		if mediaTracks(k, m.Timestamp, int(m.Length), r.Body.Audio, r.Body.Video, f) {
			return
		}
		var decoded any
		if r.Body.Audio != nil {
			decoded = r.Body.Audio
		} else if r.Body.Video != nil {
			decoded = r.Body.Video
		}
		f(k, m.Timestamp, m.TypeID == event.TypeVideo, int(m.Length), decoded)
	case event.TypeAggregate:
		for i := range r.Body.Aggregate {
			s := &r.Body.Aggregate[i]
			size := receivedSize(s, len(m.Body))
			switch {
			case mediaTracks(k, s.Timestamp, size, s.Audio, s.Video, f):
			case s.Audio != nil:
				f(k, s.Timestamp, false, size, s.Audio)
			case s.Video != nil:
				f(k, s.Timestamp, true, size, s.Video)
			case s.TypeID == event.TypeAudio || s.TypeID == event.TypeVideo:
				f(k, s.Timestamp, s.TypeID == event.TypeVideo, size, nil)
			}
		}
	}
}

// receivedSize is a sub-message's body bytes as received: its claimed
// size, or what its aggregate (n bytes of body) holds when it was cut.
func receivedSize(s *media.SubMessage, n int) int {
	if s.Body != nil || s.Size <= 0 {
		return len(s.Body)
	}
	return max(0, min(s.Size, n-s.Offset-11))
}

// mediaTracks passes each track of a multitrack message as a sample of its
// own stream and reports whether the message was one. A OneTrack
// message's track is the whole message (size); a ManyTracks message's
// tracks count their sizeOf*Track bytes.
func mediaTracks(k StreamKey, ts uint32, size int, a *media.Audio, v *media.Video, f func(StreamKey, uint32, bool, int, any)) bool {
	switch {
	case v != nil && v.Multitrack != nil:
		for _, t := range v.TrackViews() {
			tk := k
			tk.Track = t.TrackID
			f(tk, ts, true, trackSize(t.Size, size), t.Video)
		}
		return true
	case a != nil && a.Multitrack != nil:
		for _, t := range a.TrackViews() {
			tk := k
			tk.Track = t.TrackID
			f(tk, ts, false, trackSize(t.Size, size), t.Audio)
		}
		return true
	}
	return false
}

func trackSize(track, message int) int {
	if track < 0 {
		return message
	}
	return track
}

func (c *StatsCollector) add(sc *statsConn, k StreamKey, ts uint32, at time.Time, isVideo bool, size int, decoded any) {
	dir := k.Dir
	acc := sc.streams[k]
	if acc == nil {
		if len(sc.streams) >= MaxStreams {
			sc.dropped++
			return
		}
		acc = &streamAcc{stats: media.NewStats(), first: at}
		sc.streams[k] = acc
	}
	acc.last = at
	if size == 0 {
		// nginx sends each new player an empty audio message: it carries
		// no codec and would read as an undecodable first message.
		acc.empty++
		return
	}
	acc.stats.Add(dir, ts, at, isVideo, size, decoded)
	switch d := decoded.(type) {
	case *media.Audio:
		if k := d.CodecKey(); k != "" && k != "silence" && k != "multitrack" {
			acc.aKey = k
		}
		if d.Enhanced && d.FourCC != "" {
			acc.aFour = d.FourCC
		} else if d.Multitrack != nil && len(d.Tracks) > 0 && d.Tracks[0].FourCC != "" {
			acc.aFour = d.Tracks[0].FourCC
		}
		if d.SampleRate > 0 && !d.Silence {
			// Effective values: the AAC config's when there is one.
			acc.afmt.SampleRate, acc.afmt.Channels = d.SampleRate, d.Channels
		}
	case *media.Video:
		if k := d.CodecKey(); k != "" && k != "command" && k != "multitrack" {
			acc.vKey = k
		}
		if d.Enhanced && d.FourCC != "" {
			acc.vFour = d.FourCC
		} else if d.Multitrack != nil && len(d.Tracks) > 0 && d.Tracks[0].FourCC != "" {
			acc.vFour = d.Tracks[0].FourCC
		}
		p := &d.VideoPayload
		if d.Multitrack != nil && len(d.Tracks) > 0 {
			p = &d.Tracks[0].VideoPayload
		}
		if w, h := p.Dimensions(); w > 0 && h > 0 {
			acc.vfmt.Width, acc.vfmt.Height = w, h
		}
	}
}

// Flush reports the streams of connections that are still open, in
// connection order.
func (c *StatsCollector) Flush() {
	ids := make([]string, 0, len(c.conns))
	for id := range c.conns {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return connLess(ids[i], ids[j]) })
	for _, id := range ids {
		var st *session.State
		if c.State != nil {
			st = c.State(id)
		}
		c.report(id, c.conns[id], st)
		delete(c.conns, id)
	}
}

// connLess orders "c2" before "c10".
func connLess(a, b string) bool {
	na, ea := strconv.ParseUint(strings.TrimPrefix(a, "c"), 10, 64)
	nb, eb := strconv.ParseUint(strings.TrimPrefix(b, "c"), 10, 64)
	if ea == nil && eb == nil {
		return na < nb
	}
	return a < b
}

func (c *StatsCollector) report(conn string, sc *statsConn, st *session.State) {
	keys := make([]StreamKey, 0, len(sc.streams))
	for k := range sc.streams {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].Dir != keys[j].Dir {
			return keys[i].Dir < keys[j].Dir
		}
		if keys[i].MSID != keys[j].MSID {
			return keys[i].MSID < keys[j].MSID
		}
		return keys[i].Track < keys[j].Track
	})
	for i, k := range keys {
		acc := sc.streams[k]
		s := StreamStats{StreamKey: k, Client: sc.client, Server: sc.server, First: acc.first, Last: acc.last}
		if i == 0 {
			s.Dropped = sc.dropped
		}
		s.Empty = acc.empty
		s.Name = st.StreamName(k.MSID)
		for _, r := range acc.stats.Report() {
			if r.Audio != nil {
				s.Audio = newTrackStats(r.Audio, trackFormat(r.Audio, acc.afmt, acc.aFour, acc.aKey))
			}
			if r.Video != nil {
				s.Video = newTrackStats(r.Video, trackFormat(r.Video, acc.vfmt, acc.vFour, acc.vKey))
			}
			s.Drift = r.Drift
		}
		if c.OnStream != nil {
			c.OnStream(s)
		}
	}
}

// trackFormat flattens the last sequence header's configuration; seen holds
// what the frames themselves said (legacy codecs without a configuration
// record, and the effective audio rate and channels).
func newTrackStats(r *media.TrackReport, f TrackFormat) *TrackStats {
	return &TrackStats{TrackReport: *r, Format: f, Codec: f.Codec, CodecName: f.CodecName}
}

func trackFormat(r *media.TrackReport, seen TrackFormat, fourcc media.FourCC, key string) TrackFormat {
	f := seen
	f.Codec, f.CodecName, f.FourCC, f.Summary = key, r.Codec, fourcc, r.Config
	switch d := r.ConfigDetail.(type) {
	case *media.AVCConfig:
		f.Summary = d.Summary()
		if d.SPS != nil {
			f.Profile, f.Level = d.SPS.ProfileName, d.SPS.LevelString()
			f.Width, f.Height, f.SPSFPS = d.SPS.Width, d.SPS.Height, d.SPS.FrameRate
		} else {
			f.Profile = media.H264ProfileName(d.Profile, d.Compatibility)
		}
	case *media.HEVCConfig:
		f.Summary = d.Summary()
		f.Profile, f.Level = d.ProfileName, media.HEVCLevelString(d.Level)
		if d.SPS != nil {
			f.Width, f.Height = d.SPS.Width, d.SPS.Height
		}
	case *media.AV1Config:
		f.Summary = d.Summary()
		f.Profile, f.Level = strconv.Itoa(int(d.SeqProfile)), strconv.Itoa(int(d.SeqLevelIdx))
		if d.SequenceHeader != nil {
			f.Width, f.Height = d.SequenceHeader.MaxFrameWidth, d.SequenceHeader.MaxFrameHeight
		}
	case *media.VPConfig:
		f.Summary = d.Summary()
		f.Profile = strconv.Itoa(int(d.Profile))
		f.Level = fmt.Sprintf("%d.%d", d.Level/10, d.Level%10)
	case *media.VVCConfig:
		f.Summary = d.Summary()
		if d.PTLPresent {
			f.Profile, f.Level = strconv.Itoa(int(d.Profile)), strconv.Itoa(int(d.Level))
			f.Width, f.Height = int(d.MaxWidth), int(d.MaxHeight)
		}
	case *media.AACConfig:
		f.Summary = d.Summary()
		f.Profile = d.ObjectTypeName
		f.SampleRate = d.SampleRate
		if d.ExtSampleRate > 0 {
			f.SampleRate = d.ExtSampleRate
		}
		if d.Channels > 0 {
			f.Channels = d.Channels
		}
	case *media.OpusHeader:
		f.Summary = d.Summary()
		f.SampleRate, f.Channels = int(d.InputSampleRate), int(d.Channels)
	case *media.FLACStreamInfo:
		f.Summary = d.Summary()
		f.SampleRate, f.Channels = int(d.SampleRate), int(d.Channels)
	}
	return f
}

// statsJSON is the -T json/ndjson shape of one stream (docs/json-schema.md):
// the core event names, then the stream's reports.
type statsJSON struct {
	eventHead
	MSID    uint32             `json:"msid"`
	Track   uint8              `json:"track,omitempty"`
	Role    string             `json:"role"`
	Client  string             `json:"client,omitempty"`
	Server  string             `json:"server,omitempty"`
	Name    string             `json:"name,omitempty"`
	First   string             `json:"first"`
	Last    string             `json:"last"`
	Video   *TrackStats        `json:"video,omitempty"`
	Audio   *TrackStats        `json:"audio,omitempty"`
	Drift   *media.DriftReport `json:"av_drift,omitempty"`
	Empty   int64              `json:"empty_messages,omitempty"`
	Dropped int64              `json:"dropped_messages,omitempty"`
}

// MarshalStats encodes one stream as a JSON object with kind "stream".
func MarshalStats(s StreamStats) ([]byte, error) {
	j := statsJSON{
		eventHead: eventHead{Schema: SchemaVersion, Kind: "stream", Conn: s.Conn, Dir: s.Dir, Time: FormatTime(s.First)},
		MSID:      s.MSID, Track: s.Track, Role: s.Role(), Client: s.Client, Server: s.Server, Name: s.Name,
		First: FormatTime(s.First), Last: FormatTime(s.Last),
		Video: s.Video, Audio: s.Audio, Drift: s.Drift, Empty: s.Empty, Dropped: s.Dropped,
	}
	return json.Marshal(j)
}

// statsKeyWidth aligns the values of the text report.
const statsKeyWidth = 16

// WriteStatsText writes one stream's block of the text report, at most 80
// columns wide. base is the capture's first packet time (times are shown
// relative to it).
func WriteStatsText(w io.Writer, s StreamStats, base time.Time) error {
	var b strings.Builder
	name := s.Name
	if name == "" {
		name = "(name unknown)"
	}
	track := ""
	if s.Track != 0 {
		track = fmt.Sprintf(" track %d", s.Track)
	}
	fmt.Fprintf(&b, "%s %s → %s  %s msid %d%s  %s %s\n", s.Conn, s.Client, s.Server, s.Dir, s.MSID, track, s.Role(), name)
	kv := func(key, format string, a ...any) {
		if key != "" {
			key += ":"
		}
		fmt.Fprintf(&b, "  %-*s %s\n", statsKeyWidth, key, fmt.Sprintf(format, a...))
	}
	kv("span", "%s – %s (capture)", relSeconds(s.First, base), relSeconds(s.Last, base))
	if s.Video != nil {
		writeTrackText(kv, "video", s.Video)
	}
	if s.Audio != nil {
		writeTrackText(kv, "audio", s.Audio)
	}
	if d := s.Drift; d != nil {
		kv("A/V drift", "avg %+.1f ms, min %+d, max %+d, last %+d (%d samples)", d.AvgMS, d.MinMS, d.MaxMS, d.LastMS, d.Samples)
	}
	if s.Empty > 0 {
		kv("empty messages", "%d (zero-length audio/video, not counted above)", s.Empty)
	}
	if s.Dropped > 0 {
		kv("not followed", "%d media messages on streams past the first %d", s.Dropped, MaxStreams)
	}
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}

func relSeconds(t, base time.Time) string {
	if base.IsZero() {
		return FormatTime(t)
	}
	return fmt.Sprintf("%.3f s", t.Sub(base).Seconds())
}

func writeTrackText(kv func(key, format string, a ...any), kind string, t *TrackStats) {
	f := &t.Format
	codec := f.CodecName
	if codec == "" {
		codec = "unknown codec"
	}
	if f.FourCC != "" {
		codec += " [" + string(f.FourCC) + "]"
	}
	desc := []string{codec}
	if f.Profile != "" {
		p := f.Profile
		if f.Level != "" {
			p += "@L" + f.Level
		}
		desc = append(desc, p)
	}
	if f.Width > 0 {
		desc = append(desc, fmt.Sprintf("%dx%d", f.Width, f.Height))
	}
	if f.SampleRate > 0 {
		desc = append(desc, fmt.Sprintf("%d Hz", f.SampleRate))
	}
	if f.Channels > 0 {
		desc = append(desc, channelsName(f.Channels))
	}
	kv(kind, "%s", clip(strings.Join(desc, " "), 80-4-statsKeyWidth))
	frames := fmt.Sprintf("%d frames", t.Frames)
	if t.Keyframes > 0 {
		frames += fmt.Sprintf(", %d key", t.Keyframes)
	}
	frames += fmt.Sprintf(", %d seq hdr, %d msgs, %s", t.SeqHeaders, t.Messages, byteSize(t.Bytes))
	if t.Undecoded > 0 {
		frames += fmt.Sprintf(", %d undecoded", t.Undecoded)
	}
	kv("  frames", "%s", frames)
	if t.FrameRate > 0 {
		rate := fmt.Sprintf("%.2f fps", t.FrameRate)
		if kind == "audio" {
			rate = fmt.Sprintf("%.2f frames/s", t.FrameRate)
		}
		kv("  rate", "%s", rate)
	}
	if t.GOPFramesAvg > 0 {
		kv("  GOP", "%.1f frames / %.0f ms avg (frames %d..%d, %d..%d ms)",
			t.GOPFramesAvg, t.GOPMSAvg, t.GOPFramesMin, t.GOPFramesMax, t.GOPMSMin, t.GOPMSMax)
	} else if t.Keyframes == 1 {
		kv("  GOP", "one keyframe (no complete GOP)")
	}
	avg := bitrate(t.BitrateAvg) + " avg"
	if t.BitrateAvg == 0 {
		avg = "no avg (< 1 s of media)"
	}
	kv("  bitrate", "%s  %s", avg, sparkline(t.Bitrate, sparkWidth))
	if len(t.Bitrate) > 0 {
		kv("", "peak %s, %d s of media per column", bitrate(maxOf(t.Bitrate)), t.BucketSeconds*bucketsPerColumn(len(t.Bitrate), sparkWidth))
	}
	if t.RealTimeFactor > 0 {
		kv("  pace", "%s", pace(t))
	}
	if kind == "video" && t.Frames > 0 {
		kv("  composition", "%d..%d ms", t.CTSMin, t.CTSMax)
	}
	kv("  timestamps", "%d..%d ms (%d ms), %d backwards, %d jumps",
		t.FirstTimestamp, t.LastTimestamp, t.DurationMS, t.Backwards, t.Jumps)
	for i, e := range t.Events {
		if i == 3 {
			kv("", "... %d more", len(t.Events)-3)
			break
		}
		kv("", "%s %d → %d (%+d ms)", e.Kind, e.From, e.To, e.DeltaMS)
	}
	if t.ConfigChangeN > 0 {
		kv("  config changes", "%d", t.ConfigChangeN)
		for i, c := range t.ConfigChanges {
			if i == 3 {
				kv("", "... %d more", len(t.ConfigChanges)-3)
				break
			}
			kv("", "at %d ms: %s", c.Timestamp, clip(c.To, 80-4-statsKeyWidth-12))
		}
	}
}

// pace says how fast the media was sent: media time over capture time.
func pace(t *TrackStats) string {
	capture := float64(t.MediaMS) / t.RealTimeFactor / 1000
	s := fmt.Sprintf("%.2f s of media in %.2f s of capture: %.2f× real time", float64(t.MediaMS)/1000, capture, t.RealTimeFactor)
	switch {
	case t.RealTimeFactor > 1.1:
		s += " (faster: a backlog or an unpaced file)"
	case t.RealTimeFactor < 0.9:
		s += " (slower: the sender cannot keep up)"
	}
	return s
}

func channelsName(n int) string {
	switch n {
	case 1:
		return "mono"
	case 2:
		return "stereo"
	}
	return fmt.Sprintf("%d ch", n)
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func byteSize(n int64) string {
	switch {
	case n >= 10<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 10<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

func bitrate(bps float64) string {
	switch {
	case bps >= 1e6:
		return fmt.Sprintf("%.2f Mbit/s", bps/1e6)
	case bps >= 1e3:
		return fmt.Sprintf("%.1f kbit/s", bps/1e3)
	}
	return fmt.Sprintf("%.0f bit/s", bps)
}

func maxOf(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = math.Max(m, x)
	}
	return m
}

// bucketsPerColumn is how many series values one sparkline column averages.
func bucketsPerColumn(n, width int) int {
	if n <= width {
		return 1
	}
	return (n + width - 1) / width
}

// sparkWidth is the sparkline's width in the text report: with the key
// column and the average it fits 80 columns.
const sparkWidth = 32

var sparkRunes = []rune("▁▂▃▄▅▆▇█")

// sparkline draws a series in at most width columns, averaging runs of
// values when there are more than width; the tallest column is the maximum.
func sparkline(v []float64, width int) string {
	if len(v) == 0 || width <= 0 {
		return ""
	}
	per := bucketsPerColumn(len(v), width)
	cols := make([]float64, 0, width)
	for i := 0; i < len(v); i += per {
		end := min(i+per, len(v))
		sum := 0.0
		for _, x := range v[i:end] {
			sum += x
		}
		cols = append(cols, sum/float64(end-i))
	}
	top := maxOf(cols)
	var b strings.Builder
	for _, x := range cols {
		i := 0
		if top > 0 && x > 0 {
			i = int(math.Round(x / top * float64(len(sparkRunes)-1)))
		}
		b.WriteRune(sparkRunes[i])
	}
	return b.String()
}

// Snapshot reports the streams of the connections still open, in
// connection order, to f, and keeps them: the periodic tables of a live
// capture (rtmpscope stats --interval). OnStream is not called.
func (c *StatsCollector) Snapshot(f func(StreamStats)) {
	ids := make([]string, 0, len(c.conns))
	for id := range c.conns {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return connLess(ids[i], ids[j]) })
	saved := c.OnStream
	c.OnStream = f
	defer func() { c.OnStream = saved }()
	for _, id := range ids {
		var st *session.State
		if c.State != nil {
			st = c.State(id)
		}
		c.report(id, c.conns[id], st)
	}
}
