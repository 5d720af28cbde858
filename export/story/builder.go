package story

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rtmpscope/rtmpscope/dissect/command"
	"github.com/rtmpscope/rtmpscope/dissect/media"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
)

// Defaults for Options.
const (
	DefaultMaxSteps = 24
	// DefaultKeyframeGap is the media time without a keyframe that a
	// verdict reports (encoders default to 2 to 10 s GOPs).
	DefaultKeyframeGap = 10 * time.Second
	// maxTracked bounds the media streams (direction, message stream,
	// type, track) followed per connection.
	maxTracked = 32
	// maxCodecs bounds Story.Codecs.
	maxCodecs = 8
	// stallQuiet is how long a direction must have been silent before the
	// end for unacknowledged bytes to read as a stall.
	stallQuiet = time.Second
	// noKeyMinMS is how much video without any keyframe is a problem.
	noKeyMinMS = 1000
)

// Options bound and tune a Builder.
type Options struct {
	// MaxSteps bounds Story.Exchange (DefaultMaxSteps when 0).
	MaxSteps int
	// KeyframeGap is the media time without a keyframe reported as a
	// problem (DefaultKeyframeGap when 0).
	KeyframeGap time.Duration
}

// Builder follows the records of every open connection and tells each
// one's story when it closes. It is not safe for concurrent use.
type Builder struct {
	opts  Options
	conns map[event.ConnID]*acc
}

// New returns a Builder.
func New(opts Options) *Builder {
	if opts.MaxSteps <= 0 {
		opts.MaxSteps = DefaultMaxSteps
	}
	if opts.KeyframeGap <= 0 {
		opts.KeyframeGap = DefaultKeyframeGap
	}
	return &Builder{opts: opts, conns: map[event.ConnID]*acc{}}
}

// trackKey is one media stream of a connection.
type trackKey struct {
	dir   event.Dir
	msid  uint32
	video bool
	track uint8
}

// trackAcc follows one media stream's timestamps and keyframes.
type trackAcc struct {
	key      trackKey
	last     uint32
	seen     bool
	back     int64
	backFrom uint32
	backTo   uint32
	backAt   uint64 // frame of the first step backwards
	// Keyframes (video coded frames only).
	frames   int64
	keys     int64
	reserved int64 // frames whose frame type is 0 (reserved)
	// stretchMS is the media time since the last keyframe (or the first
	// frame): the sum of the steps between frames, leaving out steps
	// backwards or beyond media.DefaultJumpThreshold (a timestamp jump is
	// not time without a keyframe).
	stretchMS    int64
	lastVideo    uint32
	maxStretchMS int64
	stretchAt    uint64 // frame that ended the longest stretch
	firstFrameAt uint64
}

// acc is what the Builder keeps for one open connection.
type acc struct {
	steps []Step
	more  int
	// The first publish or play and what media followed it.
	cmd                 string
	cmdTime             time.Time
	cmdDir              event.Dir
	firstMedia, firstKF time.Time
	mediaTS             [2]uint32
	haveTS              bool
	media               [2]int64 // media messages per direction
	codecs              []string
	// codecKeys[i] is what codecs[i] describes, and whether it came from
	// a configuration. A slice searched in order: at most maxCodecs
	// entries, and a map's hashing was most of the cost of a media message.
	codecKeys []codecEntry
	// tracks are searched in order too (at most maxTracked, usually two).
	tracks []*trackAcc
	// Connect and its reply.
	connect      *Step
	connectTime  time.Time
	connectReply *Step
	connectInfo  command.Info
	// refused is the first failing status of a publish or play.
	refused     *Step
	refusedInfo command.Info
	refusedCmd  string
	// pending are the required requests not answered yet, by frame.
	pending map[uint64]Step
	// The last message, and each direction's last message time.
	last     string
	lastTime time.Time
	lastDir  [2]time.Time
}

// Add feeds one record. On the record that closes a connection of the
// RTMP family it returns that connection's story (and forgets it);
// otherwise nil.
func (b *Builder) Add(r *session.Record) *Story {
	if b == nil {
		return nil
	}
	a := b.conns[r.ConnID]
	if a == nil {
		if r.Kind == event.KindConn && r.Conn != nil && r.Conn.Closed && !r.Conn.Info.Variant.IsRTMP() {
			return nil
		}
		a = &acc{pending: map[uint64]Step{}}
		b.conns[r.ConnID] = a
	}
	switch r.Kind {
	case event.KindMessage:
		b.message(a, r)
	case event.KindConn:
		if r.Conn != nil && r.Conn.Closed {
			delete(b.conns, r.ConnID)
			if !r.Conn.Info.Variant.IsRTMP() || (a.last == "" && carrier(&r.Conn.Info)) {
				return nil
			}
			return b.tell(a, r.Conn, r.Session, r.Conn.Last)
		}
	}
	return nil
}

// Snapshot is the story so far of an open connection (for live views),
// told as if it ended at `at`; nil when the connection is unknown. state
// is its session state (session.Tracker.State) or nil.
func (b *Builder) Snapshot(id event.ConnID, state *session.State, at time.Time) *Story {
	a := b.conns[id]
	if a == nil {
		return nil
	}
	return b.tell(a, nil, state, at)
}

func (b *Builder) message(a *acc, r *session.Record) {
	m := r.Message
	a.lastTime = r.Time
	a.lastDir[m.Dir&1] = r.Time
	if c := r.Body.Command; c != nil {
		b.command(a, r, c) // names the message for Close.After too
		return
	}
	a.last = describe(m.TypeID)
	switch m.TypeID {
	case event.TypeAudio, event.TypeVideo:
		b.media(a, r, m.Dir, m.MSID, m.Timestamp, r.Body.Audio, r.Body.Video, m.Length)
	case event.TypeAggregate:
		for i := range r.Body.Aggregate {
			s := &r.Body.Aggregate[i]
			if s.Audio != nil || s.Video != nil {
				b.media(a, r, m.Dir, m.MSID, s.Timestamp, s.Audio, s.Video, uint32(s.Size))
			}
		}
	}
}

func (b *Builder) command(a *acc, r *session.Record, c *command.Command) {
	m := r.Message
	st := Step{Dir: m.Dir.String(), Name: c.Name, Frame: m.Frame}
	var info command.Info
	if res, ok := c.Result(); ok {
		info = res.Info
	} else if inf, ok := c.Status(); ok {
		info = inf
	}
	st.Code = info.Code
	// The message's name for Close.After, from the information object
	// already looked up (Result and Status never both apply).
	a.last = c.Name
	if info.Code != "" {
		a.last += " " + info.Code
	}
	if p := r.Pair; p != nil && p.Role == session.RoleResponse {
		ms := float64(p.Latency.Microseconds()) / 1000
		st.LatencyMS, st.Request = &ms, p.Request
		delete(a.pending, p.Frame)
		switch p.Request {
		case "connect":
			if a.connectReply == nil {
				s := st
				a.connectReply, a.connectInfo = &s, info
			}
		case "publish", "play", "play2":
			if a.refused == nil && (c.Name == "_error" || info.Failed()) {
				s := st
				a.refused, a.refusedInfo, a.refusedCmd = &s, info, p.Request
			}
		}
	} else if c.Name == "onStatus" && info.Failed() && a.refused == nil && a.cmd != "" {
		// A failing status on a stream after publish/play, not paired
		// (a second onStatus, or a server that answers late).
		s := st
		a.refused, a.refusedInfo, a.refusedCmd = &s, info, a.cmd
	}
	switch c.Name {
	case "connect":
		if a.connect == nil {
			s := st
			a.connect, a.connectTime = &s, r.Time
		}
	case "publish", "play", "play2":
		if a.cmd == "" {
			a.cmd, a.cmdTime, a.cmdDir = strings.TrimSuffix(c.Name, "2"), r.Time, m.Dir
		}
	}
	switch c.Name {
	case "connect", "createStream", "publish", "play", "play2":
		if len(a.pending) < b.opts.MaxSteps {
			a.pending[m.Frame] = st
		}
	}
	if len(a.steps) < b.opts.MaxSteps {
		a.steps = append(a.steps, st)
	} else {
		a.more++
	}
}

func (b *Builder) media(a *acc, r *session.Record, dir event.Dir, msid, ts uint32, au *media.Audio, v *media.Video, size uint32) {
	if size == 0 || (au != nil && au.Silence) {
		return // nginx's empty audio message to new players carries nothing
	}
	a.media[dir&1]++
	if a.cmd != "" && dir == mediaDir(a.cmd) {
		if a.firstMedia.IsZero() {
			a.firstMedia = r.Time
		}
		if a.firstKF.IsZero() && v != nil && v.Keyframe() && !v.IsSequenceHeader() && v.Command == nil {
			a.firstKF = r.Time
		}
		if !a.haveTS {
			a.mediaTS = [2]uint32{ts, ts}
			a.haveTS = true
		}
		a.mediaTS[1] = ts
	}
	switch {
	case v != nil:
		b.video(a, r, dir, msid, ts, v)
	case au != nil:
		b.audio(a, dir, msid, ts, au, r.Message.Frame)
	}
}

// carrier reports whether a connection only carries a tunnel whose RTMP
// session is a logical connection of its own (the HTTP requests of RTMPT).
func carrier(in *event.ConnInfo) bool {
	switch in.Variant {
	case event.VariantRTMPT, event.VariantRTMPTE, event.VariantRTMPTS:
		return in.Transport != event.TransportHTTPTunnel
	}
	return false
}

// mediaDir is the direction media flows for a publish or a play.
func mediaDir(cmd string) event.Dir {
	if cmd == "publish" {
		return event.C2S
	}
	return event.S2C
}

// track finds or starts the accumulator of a media stream; nil when
// maxTracked are followed already.
func (a *acc) track(k trackKey) *trackAcc {
	for _, t := range a.tracks {
		if t.key == k {
			return t
		}
	}
	if len(a.tracks) >= maxTracked {
		return nil
	}
	t := &trackAcc{key: k}
	a.tracks = append(a.tracks, t)
	return t
}

func (b *Builder) video(a *acc, r *session.Record, dir event.Dir, msid, ts uint32, v *media.Video) {
	if v.Command != nil {
		return
	}
	frame := r.Message.Frame
	if v.Multitrack == nil {
		a.videoPart(v, dir, msid, ts, frame, 0, false, &v.VideoPayload, v.IsSequenceHeader())
		return
	}
	for i := range v.Tracks {
		t := &v.Tracks[i]
		a.videoPart(v, dir, msid, ts, frame, t.TrackID, true, &t.VideoPayload, t.PacketType == media.VideoSequenceStart)
	}
}

// videoPart follows one video payload: the message's own, or one track of
// a multitrack message.
func (a *acc) videoPart(v *media.Video, dir event.Dir, msid, ts uint32, frame uint64, id uint8, multi bool, p *media.VideoPayload, cfg bool) {
	ck := codecKey{dir: dir, video: true, multi: multi, track: id}
	if i, ok := a.codecSlot(ck, cfg); ok {
		// Described only when recorded: the codec is known after the
		// first message of a stream, and building the text was most of
		// a media message's cost.
		name := v.Codec
		if multi {
			name = p.FourCC.CodecName()
		}
		a.setCodec(i, ck, cfg, name+videoConfig(p))
	}
	if cfg || (p.PacketType != media.VideoCodedFrames && p.PacketType != media.VideoCodedFramesX) {
		return
	}
	t := a.track(trackKey{dir, msid, true, id})
	if t == nil {
		return
	}
	t.step(ts, frame)
	if t.frames == 0 {
		t.firstFrameAt = frame
	} else if d := int64(int32(ts - t.lastVideo)); d >= 0 && d <= media.DefaultJumpThreshold {
		t.stretchMS += d
	}
	t.lastVideo = ts
	t.frames++
	if v.FrameType == 0 {
		t.reserved++
	}
	if v.Keyframe() {
		if t.stretchMS > t.maxStretchMS {
			t.maxStretchMS, t.stretchAt = t.stretchMS, frame
		}
		t.keys++
		t.stretchMS = 0
	}
}

func (b *Builder) audio(a *acc, dir event.Dir, msid, ts uint32, au *media.Audio, frame uint64) {
	if au.Multitrack == nil {
		a.audioPart(au, dir, msid, ts, frame, 0, false, &au.AudioPayload)
		return
	}
	for i := range au.Tracks {
		a.audioPart(au, dir, msid, ts, frame, au.Tracks[i].TrackID, true, &au.Tracks[i].AudioPayload)
	}
}

// audioPart follows one audio payload: the message's own, or one track of
// a multitrack message.
func (a *acc) audioPart(au *media.Audio, dir event.Dir, msid, ts uint32, frame uint64, id uint8, multi bool, p *media.AudioPayload) {
	cfg := p.PacketType == media.AudioSequenceStart && (au.Enhanced || au.SoundFormat == media.SoundAAC)
	ck := codecKey{dir: dir, multi: multi, track: id}
	if i, ok := a.codecSlot(ck, cfg); ok {
		name := au.Codec
		if multi {
			name = p.FourCC.CodecName()
		}
		a.setCodec(i, ck, cfg, name+audioConfig(au, p))
	}
	if cfg {
		return
	}
	if t := a.track(trackKey{dir, msid, false, id}); t != nil {
		t.step(ts, frame)
	}
}

// step follows the timestamps of a media stream (coded frames only:
// sequence headers sit at 0 before the first frame in some streams).
func (t *trackAcc) step(ts uint32, frame uint64) {
	if t.seen && int32(ts-t.last) < 0 {
		if t.back == 0 {
			t.backFrom, t.backTo, t.backAt = t.last, ts, frame
		}
		t.back++
	}
	t.seen, t.last = true, ts
}

// codecKey is what one entry of Story.Codecs describes: a direction's
// audio or video, or one track of it in multitrack messages.
type codecKey struct {
	dir   event.Dir
	video bool
	multi bool
	track uint8
}

// kind is the entry's first words: "video", "audio #1".
func (k codecKey) kind() string {
	kind := "audio"
	if k.video {
		kind = "video"
	}
	if k.multi {
		kind += " #" + strconv.Itoa(int(k.track))
	}
	return kind
}

type codecEntry struct {
	key codecKey
	cfg bool // the entry came from a configuration
}

// codecSlot says whether a description of k is to be recorded, once per
// direction, type and track (a configuration replaces what coded frames
// said), and where: its index in codecs, or -1 for a new entry.
func (a *acc) codecSlot(k codecKey, cfg bool) (int, bool) {
	for i := range a.codecKeys {
		if e := &a.codecKeys[i]; e.key == k {
			if e.cfg || !cfg {
				return 0, false
			}
			return i, true
		}
	}
	if len(a.codecs) >= maxCodecs {
		return 0, false
	}
	return -1, true
}

// setCodec records desc at the slot codecSlot gave.
func (a *acc) setCodec(i int, k codecKey, cfg bool, desc string) {
	text := k.kind() + " " + desc
	if i < 0 {
		a.codecKeys = append(a.codecKeys, codecEntry{key: k, cfg: cfg})
		a.codecs = append(a.codecs, text)
		return
	}
	a.codecs[i], a.codecKeys[i].cfg = text, cfg
}

func videoConfig(p *media.VideoPayload) string {
	switch {
	case p.AVC != nil:
		return " " + p.AVC.Summary()
	case p.HEVC != nil:
		return " " + p.HEVC.Summary()
	case p.AV1 != nil:
		return " " + p.AV1.Summary()
	case p.VP != nil:
		return " " + p.VP.Summary()
	case p.VVC != nil:
		return " " + p.VVC.Summary()
	}
	if w, h := p.Dimensions(); w > 0 {
		return fmt.Sprintf(" %dx%d", w, h)
	}
	return ""
}

func audioConfig(a *media.Audio, p *media.AudioPayload) string {
	switch {
	case p.AAC != nil:
		return " " + p.AAC.Summary()
	case p.Opus != nil:
		return " " + p.Opus.Summary()
	case p.FLAC != nil:
		return " " + p.FLAC.Summary()
	case p.MP3 != nil:
		return " " + p.MP3.Summary()
	}
	if a.SampleRate > 0 && a.Multitrack == nil {
		return fmt.Sprintf(" %d Hz %d ch", a.SampleRate, a.Channels)
	}
	return ""
}

// describe names a message other than a command for Close.After.
func describe(t event.MsgType) string {
	switch t {
	case event.TypeAudio:
		return "audio"
	case event.TypeVideo:
		return "video"
	case event.TypeAggregate:
		return "aggregate"
	}
	return t.Name()
}

// tell makes the story. c is the conn-closed event (nil for a snapshot).
func (b *Builder) tell(a *acc, c *event.ConnEvent, state *session.State, end time.Time) *Story {
	s := &Story{Role: RoleOther, Exchange: append([]Step{}, a.steps...), ExchangeMore: a.more,
		Codecs: append([]string(nil), a.codecs...)}
	if state != nil {
		s.App = state.App
		for _, st := range state.Streams {
			if st.Name != "" && len(s.Streams) < maxCodecs {
				n := st.Name
				if s.App != "" {
					n = s.App + "/" + n
				}
				if !slices.Contains(s.Streams, n) {
					s.Streams = append(s.Streams, n)
				}
			}
		}
	}
	switch {
	case a.cmd == "publish":
		s.Role = RolePublisher
	case a.cmd == "play":
		s.Role = RolePlayer
	case a.media[event.C2S] > 0 && a.media[event.C2S] >= a.media[event.S2C]:
		s.Role, s.RoleInferred = RolePublisher, true
	case a.media[event.S2C] > 0:
		s.Role, s.RoleInferred = RolePlayer, true
	}
	if a.cmd != "" {
		ms := &MediaStart{Command: a.cmd}
		if !a.firstMedia.IsZero() {
			f := msSince(a.cmdTime, a.firstMedia)
			ms.FirstFrameMS = &f
			ms.DurationMS = int64(int32(a.mediaTS[1] - a.mediaTS[0]))
		}
		if !a.firstKF.IsZero() {
			k := msSince(a.cmdTime, a.firstKF)
			ms.FirstKeyframeMS = &k
		}
		s.Media = ms
	}
	s.Close = closeOf(a, c, end)
	s.Verdict = b.verdict(a, s, c, state, end)
	return s
}

func msSince(from, to time.Time) float64 {
	return float64(to.Sub(from).Microseconds()) / 1000
}

func closeOf(a *acc, c *event.ConnEvent, end time.Time) Close {
	cl := Close{How: "open"}
	if c != nil && c.Stats != nil {
		cl.How = c.Stats.End.String()
		c2s, s2c := c.Stats.Dir[event.C2S].CloseFrame, c.Stats.Dir[event.S2C].CloseFrame
		switch {
		case c2s != 0 && (s2c == 0 || c2s < s2c):
			cl.By = "client"
		case s2c != 0:
			cl.By = "server"
		}
	}
	if a.last != "" && !a.lastTime.IsZero() {
		cl.After, cl.AfterMS = a.last, msSince(a.lastTime, end)
		if cl.AfterMS < 0 {
			cl.AfterMS = 0
		}
	}
	return cl
}

// verdict judges the connection: the first failure found, in the order a
// session goes (connect, then publish/play, then the media), else ok.
func (b *Builder) verdict(a *acc, s *Story, c *event.ConnEvent, state *session.State, end time.Time) Verdict {
	if r := a.connectReply; r != nil && (r.Name == "_error" || a.connectInfo.Failed()) {
		code := a.connectInfo.Code
		if code == "" {
			code = r.Name
		}
		return Verdict{Problem: ProblemConnectRejected, Text: "connect rejected: " + code,
			Evidence: evidence(*r, a.connectInfo), Frame: r.Frame}
	}
	if a.connect != nil && a.connectReply == nil && c != nil {
		ev := fmt.Sprintf("no reply to connect in frame %d; the connection ended %s later", a.connect.Frame,
			FormatMS(msSince(a.connectTime, end)))
		if s.Close.By != "" {
			ev += fmt.Sprintf(", closed by the %s (%s)", s.Close.By, strings.ToUpper(s.Close.How))
		}
		return Verdict{Problem: ProblemConnectUnanswered, Text: "connect never answered", Evidence: ev, Frame: a.connect.Frame}
	}
	if r := a.refused; r != nil {
		p := ProblemPlayRefused
		if a.refusedCmd == "publish" {
			p = ProblemPublishRefused
		}
		code := a.refusedInfo.Code
		if code == "" {
			code = r.Name
		}
		return Verdict{Problem: p, Text: a.refusedCmd + " refused: " + code, Evidence: evidence(*r, a.refusedInfo), Frame: r.Frame}
	}
	if c != nil && len(a.pending) > 0 {
		frames := slices.Sorted(maps.Keys(a.pending))
		first := a.pending[frames[0]]
		var names []string
		for _, f := range frames {
			names = append(names, fmt.Sprintf("%s (frame %d)", a.pending[f].Name, f))
		}
		return Verdict{Problem: ProblemUnanswered, Text: first.Name + " never answered",
			Evidence: "no reply to " + strings.Join(names, ", "), Frame: first.Frame}
	}
	if c != nil {
		if v, ok := stall(a, c, end); ok {
			return v
		}
	}
	if v, ok := b.keyframes(a); ok {
		return v
	}
	if v, ok := backwards(a); ok {
		return v
	}
	if c != nil && a.last == "" && (c.Account[0].Encrypted > 0 || c.Account[1].Encrypted > 0) {
		return Verdict{Unknown: true, Text: "encrypted, and no keys for it: nothing to tell",
			Evidence: fmt.Sprintf("%d and %d bytes could not be decrypted", c.Account[0].Encrypted, c.Account[1].Encrypted)}
	}
	if c != nil && a.last == "" {
		return Verdict{Problem: ProblemNoSession, Text: "no RTMP message exchanged",
			Evidence: fmt.Sprintf("%d bytes from the client, %d from the server", c.Bytes[event.C2S], c.Bytes[event.S2C])}
	}
	return Verdict{OK: true, Text: okText(a, s, state)}
}

func evidence(st Step, inf command.Info) string {
	e := fmt.Sprintf("%s in frame %d", st.Name, st.Frame)
	if inf.Description != "" {
		e += ": " + inf.Description
	}
	return e
}

// stall finds a direction whose sender went quiet with a window's worth of
// bytes unacknowledged: it waited for an acknowledgement that never came.
func stall(a *acc, c *event.ConnEvent, end time.Time) (Verdict, bool) {
	for d := event.C2S; d <= event.S2C; d++ {
		ak := c.Acks[d]
		if ak.Window == 0 || a.lastDir[d].IsZero() {
			continue
		}
		unacked := c.Bytes[d] - int64(ak.LastAck)
		quiet := end.Sub(a.lastDir[d])
		if unacked < int64(ak.Window) || quiet < stallQuiet {
			continue
		}
		who, peer := "server", "client"
		if d == event.C2S {
			who, peer = "client", "server"
		}
		return Verdict{Problem: ProblemAckStall,
			Text: fmt.Sprintf("the %s stalled on the acknowledgement window", who),
			Evidence: fmt.Sprintf("%d bytes sent past the %s's last acknowledgement (%s, window %d), then nothing for %.1f s",
				unacked, peer, plural(int64(ak.Acks), "acknowledgement"), ak.Window, quiet.Seconds())}, true
	}
	return Verdict{}, false
}

func (b *Builder) keyframes(a *acc) (Verdict, bool) {
	for _, t := range sortedTracks(a) {
		k := t.key
		if !k.video || t.frames == 0 {
			continue
		}
		open := t.stretchMS
		if t.keys == 0 && open >= noKeyMinMS {
			e := fmt.Sprintf("%d video frames on %s stream %d from frame %d, none marked a keyframe: players waiting for one cannot start",
				t.frames, k.dir, k.msid, t.firstFrameAt)
			if t.reserved > 0 {
				e += fmt.Sprintf("; %d have frame type 0 (reserved)", t.reserved)
			}
			return Verdict{Problem: ProblemNoKeyframe,
				Text:     fmt.Sprintf("no keyframe in %.1f s of video", float64(open)/1000),
				Evidence: e, Frame: t.firstFrameAt}, true
		}
		gap, at := t.maxStretchMS, t.stretchAt
		if open > gap {
			gap, at = open, 0
		}
		if t.keys > 0 && gap >= b.opts.KeyframeGap.Milliseconds() {
			e := fmt.Sprintf("%s stream %d: %s in %d video frames", k.dir, k.msid, plural(t.keys, "keyframe"), t.frames)
			if at != 0 {
				e += fmt.Sprintf("; the gap ends in frame %d", at)
			}
			return Verdict{Problem: ProblemNoKeyframe, Text: fmt.Sprintf("no keyframe for %.1f s", float64(gap)/1000),
				Evidence: e, Frame: at}, true
		}
	}
	return Verdict{}, false
}

func backwards(a *acc) (Verdict, bool) {
	for _, t := range sortedTracks(a) {
		k := t.key
		if t.back == 0 {
			continue
		}
		kind := "audio"
		if k.video {
			kind = "video"
		}
		return Verdict{Problem: ProblemBackwards,
			Text:     fmt.Sprintf("%s timestamps went backwards %s", kind, plural(t.back, "time")),
			Evidence: fmt.Sprintf("first in frame %d: %d → %d ms on %s stream %d", t.backAt, t.backFrom, t.backTo, k.dir, k.msid),
			Frame:    t.backAt}, true
	}
	return Verdict{}, false
}

func sortedTracks(a *acc) []*trackAcc {
	ts := slices.Clone(a.tracks)
	slices.SortFunc(ts, func(tx, ty *trackAcc) int {
		x, y := tx.key, ty.key
		switch {
		case x.dir != y.dir:
			return int(x.dir) - int(y.dir)
		case x.msid != y.msid:
			return int(x.msid) - int(y.msid)
		case x.video != y.video:
			if x.video {
				return -1
			}
			return 1
		}
		return int(x.track) - int(y.track)
	})
	return ts
}

func okText(a *acc, s *Story, state *session.State) string {
	name := ""
	if len(s.Streams) > 0 {
		name = " " + s.Streams[0]
	}
	dur := ""
	if s.Media != nil && s.Media.FirstFrameMS != nil {
		dur = fmt.Sprintf(" (%.1f s of media)", float64(s.Media.DurationMS)/1000)
	}
	switch {
	case a.cmd == "publish" && a.firstMedia.IsZero():
		return "published" + name + ", no media sent"
	case a.cmd == "publish":
		return "published" + name + dur
	case a.cmd == "play" && a.firstMedia.IsZero():
		return "played" + name + ", no media received"
	case a.cmd == "play":
		return "played" + name + dur
	case s.RoleInferred:
		return "media only: the capture began mid-connection"
	case a.connectReply != nil:
		return "connected, nothing published or played"
	case a.connect == nil && len(a.steps) == 0:
		return "no RTMP command seen"
	}
	return "no stream published or played"
}

func plural(n int64, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
