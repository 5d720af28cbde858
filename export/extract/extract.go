package extract

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/rtmpscope/rtmpscope/dissect/amf"
	"github.com/rtmpscope/rtmpscope/dissect/command"
	"github.com/rtmpscope/rtmpscope/dissect/media"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/export"
	"github.com/rtmpscope/rtmpscope/export/flv"
)

// This file is `rtmpscope extract`: it writes every published or played
// stream of a capture to its own FLV file, streaming (one open file and a
// few held tags per live stream), from the session layer's records.

// TimestampMode says how FLV tag timestamps relate to the RTMP timestamps.
type TimestampMode int

const (
	// Rebase shifts timestamps so that the stream's first coded frame is
	// at 0; sequence headers and metadata sent before it are written at 0.
	// This is what `ffmpeg -i rtmp://... -c copy out.flv` writes.
	Rebase TimestampMode = iota
	// Absolute keeps the RTMP timestamps as they were on the wire (what
	// ffmpeg writes with -copyts, except that ffmpeg puts the sequence
	// headers at 0).
	Absolute
)

// StreamKey identifies the stream a file holds: a connection, a direction
// ("c2s" for a publish, "s2c" for a play) and a message stream id. It is
// the statistics' key, so a file and its stream's statistics match.
type StreamKey = export.StreamKey

// ExtractOptions configure an Extractor.
type ExtractOptions struct {
	// Dir is the output directory, created if missing; "" is the current
	// directory.
	Dir string
	// Prefix starts every file name, usually the capture's base name:
	// PREFIX-CONN-DIR-MSID.flv. Stream names (which hold stream keys) are
	// never part of a file name.
	Prefix     string
	Timestamps TimestampMode
	// Select, when set, chooses the streams to write.
	Select func(StreamKey) bool
	// ShowSecrets writes metadata strings as they were on the wire even
	// when the session layer redacted some of them.
	ShowSecrets bool
	// MaxOpenFiles bounds the files open at once (DefaultMaxOpenFiles
	// when 0): past it the least recently written is closed and reopened
	// when its stream writes again.
	MaxOpenFiles int
	// OnFile receives each file's summary after it is closed.
	OnFile func(ExtractedFile)
	// State, when set, returns the session state of an open connection
	// (session.Tracker.State), to name streams that end before their
	// connection; the others are named from the conn-closed record.
	State func(conn string) *session.State
}

// ExtractedFile describes one written file.
type ExtractedFile struct {
	Path string
	StreamKey
	// Name is the stream's publish or play name from the session state,
	// redacted unless secrets are shown; "" when unknown.
	Name       string
	Tags       int64 // every tag written
	AudioTags  int64
	VideoTags  int64
	ScriptTags int64
	// Skipped counts messages that could not become tags: empty audio or
	// video messages (nginx sends one to each new player), bodies the
	// dissector did not keep whole, AMF3 data.
	Skipped int64
	// FirstTS and LastTS are the first and last audio/video tag
	// timestamps as written; DurationMS is their difference.
	FirstTS, LastTS uint32
	DurationMS      int64
	AudioCodec      string // codec and last sequence header, e.g. "AAC LC 44100Hz stereo"
	VideoCodec      string
	Bytes           int64
	// NoVideoConfig / NoAudioConfig are set when frames of a codec that
	// needs a sequence header (AVC, HEVC, AV1, AAC, Enhanced RTMP) were
	// written but no sequence header was (a capture that began
	// mid-stream): players cannot decode those frames.
	NoVideoConfig, NoAudioConfig bool
	// MetadataRewritten is set when onMetaData's duration and filesize
	// were rewritten to what the file holds (metadata.go).
	MetadataRewritten bool
	// Players says which players can open the file (tracks.go):
	// PlayersAny, PlayersEnhanced or PlayersTracks.
	Players string
	Err     error // the first write error, if any
}

// Limits on what is held per stream before its first coded frame (rebase
// mode): past either, the timestamps are rebased on the first held tag.
const (
	maxHeldTags  = 64
	maxHeldBytes = 4 << 20
	// maxMetadata bounds the onMetaData body kept for a stream whose
	// first media message has not arrived yet.
	maxMetadata = 1 << 20
	// maxStreamsPerConn bounds per-connection state against garbage
	// message stream ids after a resynchronisation.
	maxStreamsPerConn = 64
)

// Extractor writes FLV files from session records. It is not safe for
// concurrent use.
type Extractor struct {
	opts  ExtractOptions
	conns map[string]*extConn
	err   error
	files *filePool // bounds the open files (files.go)
}

type extConn struct {
	streams map[StreamKey]*extStream
	opened  map[StreamKey]int // files opened per stream, for the -2, -3 suffixes
}

type heldTag struct {
	typ  uint8
	ts   uint32
	body []byte
}

type extStream struct {
	key      StreamKey
	skip     bool   // not selected
	meta     []byte // onMetaData tag body seen before the file was opened
	metaTS   uint32
	file     *lazyFile // opened and reopened through Extractor.files (files.go)
	w        *flv.Writer
	flags    uint8
	rebased  bool // origin is known
	origin   uint32
	held     []heldTag
	heldSize int
	info     ExtractedFile
	// needs and has track sequence headers per media type (0 audio, 1
	// video) for NoAudioConfig / NoVideoConfig.
	needs, has [2]bool
	// metaAt are the file offsets of the onMetaData fields rewritten on
	// close (metadata.go).
	metaAt []fileFields
	// enhanced and multitrack say what the file holds, for Players.
	enhanced, multitrack bool
}

// NewExtractor returns an Extractor with the given options.
func NewExtractor(opts ExtractOptions) *Extractor {
	return &Extractor{opts: opts, conns: map[string]*extConn{}, files: newFilePool(opts.MaxOpenFiles)}
}

// Err returns the first error met while writing (creating a file, a full
// disk); writing goes on with the other streams.
func (x *Extractor) Err() error { return x.err }

// Add feeds one record.
func (x *Extractor) Add(r session.Record) {
	c := x.conns[r.ConnID.String()]
	if c == nil {
		c = &extConn{streams: map[StreamKey]*extStream{}, opened: map[StreamKey]int{}}
		x.conns[r.ConnID.String()] = c
	}
	switch r.Kind {
	case event.KindConn:
		if r.Conn.Closed {
			x.closeConn(c, r.Session)
			delete(x.conns, r.ConnID.String())
		}
	case event.KindMessage:
		x.message(c, r)
	}
}

// Close closes every open file (the capture ended) and returns Err.
func (x *Extractor) Close() error {
	ids := make([]string, 0, len(x.conns))
	for id := range x.conns {
		ids = append(ids, id)
	}
	// Connection order, so the summary lines come out the same every run.
	sortConnIDs(ids)
	for _, id := range ids {
		x.closeConn(x.conns[id], x.state(id))
		delete(x.conns, id)
	}
	return x.err
}

func sortConnIDs(ids []string) {
	num := func(s string) uint64 {
		n, _ := strconv.ParseUint(strings.TrimPrefix(s, "c"), 10, 64)
		return n
	}
	for i := 1; i < len(ids); i++ {
		for j := i; j > 0 && (num(ids[j]) < num(ids[j-1]) || num(ids[j]) == num(ids[j-1]) && ids[j] < ids[j-1]); j-- {
			ids[j], ids[j-1] = ids[j-1], ids[j]
		}
	}
}

func (x *Extractor) state(conn string) *session.State {
	if x.opts.State == nil {
		return nil
	}
	return x.opts.State(conn)
}

func (x *Extractor) closeConn(c *extConn, st *session.State) {
	keys := make([]StreamKey, 0, len(c.streams))
	for k := range c.streams {
		keys = append(keys, k)
	}
	// Direction then msid, for a stable order of summaries.
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keyLess(keys[j], keys[j-1]); j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	for _, k := range keys {
		x.closeStream(c, k, st)
	}
}

func keyLess(a, b StreamKey) bool {
	if a.Dir != b.Dir {
		return a.Dir < b.Dir
	}
	if a.MSID != b.MSID {
		return a.MSID < b.MSID
	}
	return a.Track < b.Track
}

func (x *Extractor) stream(c *extConn, k StreamKey) *extStream {
	s := c.streams[k]
	if s == nil {
		if len(c.streams) >= maxStreamsPerConn {
			return nil
		}
		s = &extStream{key: k}
		s.skip = x.opts.Select != nil && !x.opts.Select(k)
		c.streams[k] = s
	}
	return s
}

func (x *Extractor) message(c *extConn, r session.Record) {
	m := r.Message
	k := StreamKey{Conn: r.ConnID.String(), Dir: m.Dir.String(), MSID: m.MSID}
	switch m.TypeID {
	case event.TypeAudio, event.TypeVideo:
		if !m.BodyTruncated {
			x.trackFiles(c, k, m.Timestamp, r.Body.Audio, r.Body.Video) // tracks.go
		}
		s := x.stream(c, k)
		if s == nil || s.skip {
			return
		}
		if len(m.Body) == 0 || m.BodyTruncated {
			s.info.Skipped++
			return
		}
		x.media(c, s, uint8(m.TypeID), // an FLV tag type is the RTMP type id
			m.Timestamp, m.Body, decodedOf(r.Body.Audio, r.Body.Video))
	case event.TypeAggregate: // aggregate: its sub-messages become tags with their own timestamps
		s := x.stream(c, k)
		if s == nil || s.skip {
			return
		}
		if m.BodyTruncated {
			s.info.Skipped++
			return
		}
		for i := range r.Body.Aggregate {
			sub := &r.Body.Aggregate[i]
			switch {
			case len(sub.Body) == 0:
				s.info.Skipped++
			case sub.TypeID == event.TypeAudio || sub.TypeID == event.TypeVideo:
				x.media(c, s, uint8(sub.TypeID), sub.Timestamp, sub.Body, decodedOf(sub.Audio, sub.Video))
			case sub.TypeID == event.TypeDataAMF0:
				x.script(c, s, sub.Timestamp, sub.Body)
			default:
				s.info.Skipped++
			}
		}
	case event.TypeDataAMF0:
		d := r.Body.Data
		if d == nil || m.BodyTruncated {
			return
		}
		body, ok := x.metadataBody(m.Body, d)
		if !ok {
			return
		}
		s := x.stream(c, k)
		if s == nil || s.skip {
			return
		}
		x.script(c, s, m.Timestamp, body)
	case 4: // user control: Stream EOF ends a played stream
		if uc := m.UserControl; uc != nil && uc.Event == event.UCStreamEOF {
			x.closeStream(c, StreamKey{Conn: r.ConnID.String(), Dir: event.S2C.String(), MSID: uc.StreamID}, x.state(r.ConnID.String()))
		}
	case 20, 17: // deleteStream and closeStream end both directions of a stream
		cmd := r.Body.Command
		if cmd == nil || m.Dir != event.C2S {
			return
		}
		var id uint32
		switch cmd.Name {
		case "deleteStream":
			f, ok := cmd.StreamID()
			if !ok || f < 0 || f > 1<<32-1 {
				return
			}
			id = uint32(f)
		case "closeStream":
			id = m.MSID
		default:
			return
		}
		for _, d := range []event.Dir{event.C2S, event.S2C} {
			x.closeStream(c, StreamKey{Conn: r.ConnID.String(), Dir: d.String(), MSID: id}, x.state(r.ConnID.String()))
		}
	}
}

// decodedOf is the decoded body as an interface that is nil, not a typed
// nil pointer, when nothing was decoded.
func decodedOf(a *media.Audio, v *media.Video) any {
	switch {
	case a != nil:
		return a
	case v != nil:
		return v
	}
	return nil
}

// metadataBody returns the FLV script tag body of an onMetaData data
// message: the body without a leading @setDataFrame, re-encoded from the
// redacted values when redaction changed a string.
func (x *Extractor) metadataBody(raw []byte, d *command.Data) ([]byte, bool) {
	if d.AMF3 || len(d.Values) == 0 {
		return nil, false
	}
	vals := d.Values
	switch {
	case d.Handler == "onMetaData":
	case (d.Handler == "@setDataFrame") && d.Inner == "onMetaData" && len(vals) > 1:
		// Values[0] is the "@setDataFrame" string at offset 0.
		if vals[0].Offset != 0 || vals[0].Length > len(raw) {
			return nil, false
		}
		raw = raw[vals[0].Length:]
		vals = vals[1:]
	default:
		return nil, false
	}
	if !x.opts.ShowSecrets && anyMasked(vals) {
		b, err := amf.Encode0(vals...)
		if err != nil {
			return nil, false
		}
		return b, true
	}
	return raw, true
}

// anyMasked reports whether the session layer redacted a string in vals.
func anyMasked(vals []amf.Value) bool {
	for i := range vals {
		v := &vals[i]
		if strings.Contains(v.Str, command.Mask) {
			return true
		}
		for j := range v.Props {
			if anyMasked([]amf.Value{v.Props[j].Value}) {
				return true
			}
		}
		if anyMasked(v.Elems) {
			return true
		}
	}
	return false
}

// script writes or holds an onMetaData tag.
func (x *Extractor) script(c *extConn, s *extStream, ts uint32, body []byte) {
	if s.file == nil {
		// Metadata usually precedes the media: keep the latest until the
		// file opens.
		if len(body) <= maxMetadata {
			s.meta, s.metaTS = append(s.meta[:0], body...), ts
		}
		return
	}
	x.tag(s, flv.TagScript, ts, body, false)
}

// isCodedFrame reports whether a message carries coded media (not a
// sequence header, an end of sequence or a command frame): the first one
// is the origin of rebased timestamps.
func isCodedFrame(decoded any) bool {
	switch d := decoded.(type) {
	case *media.Audio:
		if d.Multitrack != nil {
			return len(d.Tracks) > 0 && d.Tracks[0].PacketType == media.AudioCodedFrames
		}
		return d.PacketType == media.AudioCodedFrames
	case *media.Video:
		if d.Command != nil || d.IsSequenceHeader() {
			return false
		}
		p := d.PacketType
		if d.Multitrack != nil {
			if len(d.Tracks) == 0 {
				return false
			}
			p = d.Tracks[0].PacketType
		}
		return p == media.VideoCodedFrames || p == media.VideoCodedFramesX
	}
	return true // undecodable: it still is media
}

func (x *Extractor) media(c *extConn, s *extStream, typ uint8, ts uint32, body []byte, decoded any) {
	if s.file == nil && s.info.Err == nil {
		x.open(c, s)
	}
	if s.w == nil {
		return
	}
	switch d := decoded.(type) {
	case *media.Audio:
		s.enhanced = s.enhanced || d.Enhanced
		s.multitrack = s.multitrack || d.Multitrack != nil
		if d.Codec != "" && d.Codec != "silence" && d.Multitrack == nil {
			seq := audioSequenceStart(d)
			s.needs[0] = s.needs[0] || d.Enhanced || d.SoundFormat == media.SoundAAC
			s.has[0] = s.has[0] || seq
			if s.info.AudioCodec == "" || seq {
				s.info.AudioCodec = codecLine(d.Codec, audioConfig(d))
			}
		}
	case *media.Video:
		s.enhanced = s.enhanced || d.Enhanced
		s.multitrack = s.multitrack || d.Multitrack != nil
		s.needs[1] = s.needs[1] || d.Enhanced || d.CodecID == media.CodecAVC || d.CodecID == media.CodecHEVC || d.CodecID == media.CodecAV1
		s.has[1] = s.has[1] || d.IsSequenceHeader()
		if d.Codec != "" && d.Command == nil && d.Multitrack == nil {
			if s.info.VideoCodec == "" || d.IsSequenceHeader() {
				s.info.VideoCodec = codecLine(d.Codec, videoConfig(d))
			}
		}
	}
	x.tag(s, typ, ts, body, isCodedFrame(decoded))
}

// audioSequenceStart reports an AAC or Enhanced RTMP audio sequence header
// (legacy formats have none: PacketType 0 means nothing for them).
func audioSequenceStart(a *media.Audio) bool {
	if !a.Enhanced && a.SoundFormat != media.SoundAAC {
		return false
	}
	if a.Multitrack != nil {
		return len(a.Tracks) > 0 && a.Tracks[0].PacketType == media.AudioSequenceStart
	}
	return a.PacketType == media.AudioSequenceStart
}

// codecLine names the codec, with its configuration when known.
func codecLine(codec, config string) string {
	if config == "" {
		return codec
	}
	return codec + " " + config
}

// audioConfig summarises an audio sequence header's configuration, or the
// legacy header bits.
func audioConfig(a *media.Audio) string {
	p := &a.AudioPayload
	if a.Multitrack != nil && len(a.Tracks) > 0 {
		p = &a.Tracks[0].AudioPayload
	}
	switch {
	case p.AAC != nil:
		return p.AAC.Summary()
	case p.Opus != nil:
		return p.Opus.Summary()
	case p.FLAC != nil:
		return p.FLAC.Summary()
	case !a.Enhanced && a.SoundFormat != media.SoundAAC && a.SampleRate > 0:
		return fmt.Sprintf("%dHz %dch", a.SampleRate, a.Channels)
	}
	return ""
}

// videoConfig summarises a video sequence header's configuration.
func videoConfig(v *media.Video) string {
	p := &v.VideoPayload
	if v.Multitrack != nil && len(v.Tracks) > 0 {
		p = &v.Tracks[0].VideoPayload
	}
	switch {
	case p.AVC != nil:
		return p.AVC.Summary()
	case p.HEVC != nil:
		return p.HEVC.Summary()
	case p.AV1 != nil:
		return p.AV1.Summary()
	case p.VP != nil:
		return p.VP.Summary()
	case p.VVC != nil:
		return p.VVC.Summary()
	}
	if w, h := p.Dimensions(); w > 0 {
		return fmt.Sprintf("%dx%d", w, h)
	}
	return ""
}

// open creates the stream's file and writes the held metadata.
func (x *Extractor) open(c *extConn, s *extStream) {
	n := c.opened[s.key] + 1
	c.opened[s.key] = n
	name := fmt.Sprintf("%s-%s-%s-%d", x.opts.Prefix, s.key.Conn, s.key.Dir, s.key.MSID)
	if x.opts.Prefix == "" {
		name = name[1:]
	}
	if s.key.Track != 0 {
		name += "-t" + strconv.Itoa(int(s.key.Track))
	}
	if n > 1 {
		name += "-" + strconv.Itoa(n)
	}
	path := filepath.Join(x.opts.Dir, name+".flv")
	s.info = ExtractedFile{Path: path, StreamKey: s.key, Skipped: s.info.Skipped}
	if x.opts.Dir != "" {
		if err := os.MkdirAll(x.opts.Dir, 0o755); err != nil {
			x.fail(s, fmt.Errorf("extract: %w", err))
			return
		}
	}
	f, err := x.files.create(path)
	if err != nil {
		x.fail(s, fmt.Errorf("extract: %w", err))
		return
	}
	s.file = f
	// The header's flags are rewritten on close with the media actually
	// written; until then the file announces both.
	s.w = flv.NewWriter(f, flv.FlagAudio|flv.FlagVideo)
	s.rebased = x.opts.Timestamps == Absolute
	if s.meta != nil {
		x.tag(s, flv.TagScript, s.metaTS, s.meta, false)
		s.meta = nil
	}
}

func (x *Extractor) fail(s *extStream, err error) {
	if s.info.Err == nil {
		s.info.Err = err
	}
	if x.err == nil {
		x.err = err
	}
}

// tag writes one tag, or holds it until the origin of rebased timestamps
// (the first coded frame) is known.
func (x *Extractor) tag(s *extStream, typ uint8, ts uint32, body []byte, coded bool) {
	if !s.rebased {
		if !coded && len(s.held) < maxHeldTags && s.heldSize+len(body) <= maxHeldBytes {
			s.held = append(s.held, heldTag{typ: typ, ts: ts, body: append([]byte(nil), body...)})
			s.heldSize += len(body)
			return
		}
		s.rebased = true
		s.origin = ts
		if !coded {
			// Too much held: rebase on the first held media tag instead.
			for _, h := range s.held {
				if h.typ != flv.TagScript {
					s.origin = h.ts
					break
				}
			}
		}
		held := s.held
		s.held, s.heldSize = nil, 0
		for _, h := range held {
			x.write(s, h.typ, h.ts, h.body)
		}
	}
	x.write(s, typ, ts, body)
}

func (x *Extractor) write(s *extStream, typ uint8, ts uint32, body []byte) {
	if s.w == nil {
		return
	}
	if x.opts.Timestamps == Rebase {
		if d := int32(ts - s.origin); d > 0 {
			ts = uint32(d)
		} else {
			// Before the first frame (sequence headers, metadata), or a
			// timestamp that went backwards past it: FLV has no negative
			// timestamps, and ffmpeg writes these at 0 too.
			ts = 0
		}
	}
	meta := metaFields{-1, -1}
	if typ == flv.TagScript {
		body, meta = prepareMetadata(body)
	}
	if err := s.w.WriteTag(typ, ts, body); err != nil {
		x.fail(s, fmt.Errorf("extract %s: %w", s.info.Path, err))
		s.w = nil
		return
	}
	if typ == flv.TagScript {
		s.noteMetadata(meta, s.w.Bytes()-4-int64(len(body)))
	}
	i := &s.info
	i.Tags++
	switch typ {
	case flv.TagAudio:
		i.AudioTags++
		s.flags |= flv.FlagAudio
	case flv.TagVideo:
		i.VideoTags++
		s.flags |= flv.FlagVideo
	default:
		i.ScriptTags++
		return
	}
	if i.AudioTags+i.VideoTags == 1 {
		i.FirstTS = ts
	}
	i.LastTS = ts
	if d := int64(int32(ts - i.FirstTS)); d > i.DurationMS {
		i.DurationMS = d
	}
}

// closeStream flushes and closes a stream's file, fixes its header flags,
// reports it, and forgets the stream.
func (x *Extractor) closeStream(c *extConn, k StreamKey, st *session.State) {
	s := c.streams[k]
	if s == nil {
		return
	}
	delete(c.streams, k)
	if s.file == nil {
		return
	}
	if s.w != nil && !s.rebased && len(s.held) > 0 {
		// Only headers were seen: write them, rebased on the first.
		s.rebased, s.origin = true, s.held[0].ts
		for _, h := range s.held {
			x.write(s, h.typ, h.ts, h.body)
		}
		s.held = nil
	}
	var err error
	if s.w != nil {
		err = s.w.Flush()
		s.info.Bytes = s.w.Bytes()
	}
	if err == nil {
		err = x.patchMetadata(s)
	}
	if err == nil && s.flags != flv.FlagAudio|flv.FlagVideo {
		_, err = s.file.WriteAt([]byte{s.flags}, 4)
	}
	if e := s.file.Close(); err == nil {
		err = e
	}
	if err != nil {
		x.fail(s, fmt.Errorf("extract %s: %w", s.info.Path, err))
	}
	s.info.Name = st.StreamName(k.MSID)
	s.info.Players = s.players()
	s.info.NoAudioConfig = s.needs[0] && !s.has[0] && s.info.AudioTags > 0
	s.info.NoVideoConfig = s.needs[1] && !s.has[1] && s.info.VideoTags > 0
	if x.opts.OnFile != nil {
		x.opts.OnFile(s.info)
	}
}

// SetState sets ExtractOptions.State after construction: the session
// tracker that feeds the extractor is made with the extractor's Add.
func (x *Extractor) SetState(f func(conn string) *session.State) { x.opts.State = f }
