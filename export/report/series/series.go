// Package series turns session records into per-stream time series for
// plots: bitrate, frame rate, keyframe interval (GOP) and A/V drift over
// media time, and request latency over capture time, per connection. The
// terminal UI's charts and the HTML report draw from it, with the relay
// latency of players whose publisher is in the capture (export/relay).
//
// It is not a second statistics engine: what a record contributes to a
// stream is export.MediaSamples' rule (the one `stats` and the streams pane
// use), and what counts as a coded frame, a keyframe or a sequence header
// is the decoded payload's own answer (dissect/media). The totals stay in
// export.StatsCollector; this package only keeps how they evolve.
//
// Memory is bounded: each series keeps at most MaxPoints points. Bucketed
// series (bitrate, frame rate, drift) double their bucket width when they
// would grow past it; point series (GOP, latency) keep every other point.
package series

import (
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/rtmpscope/rtmpscope/dissect/media"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/export"
	"github.com/rtmpscope/rtmpscope/export/relay"
)

// DefaultMaxPoints is the points one series keeps when Collector.MaxPoints
// is 0: enough for a chart as wide as a screen, a few KiB per stream.
const DefaultMaxPoints = 600

// driftWindow is how close in capture time an audio and a video frame must
// be for their timestamps to be compared, and jumpMS the step between two
// timestamps of a track that counts as a discontinuity (dissect/media's
// driftWindow and DefaultJumpThreshold).
const (
	driftWindow = 200 * time.Millisecond
	jumpMS      = media.DefaultJumpThreshold
)

// Point is one value at X seconds (media time for stream series, capture
// time since the first record for latency).
type Point struct {
	X, Y float64
	// Label names the point where it means something (the request of a
	// latency point), else "".
	Label string
}

// Series is one quantity over time.
type Series struct {
	Name string // "video bitrate"
	Unit string // "bit/s", "fps", "frames", "ms"
	// Step is the bucket width in seconds of a bucketed series (0 for a
	// point series).
	Step   float64
	Points []Point
	// Total is the sum of every sample of a bucketed series (bits, frames,
	// drift ms), and Samples how many there were: what a rate series'
	// points integrate to, and a mean series' overall mean (Total/Samples).
	Total   float64
	Samples int64
}

// Stream is the series of one media stream.
type Stream struct {
	Key          export.StreamKey
	VideoBitrate Series
	AudioBitrate Series
	FrameRate    Series // video coded frames per media second
	GOP          Series // frames from one keyframe to the next, at each keyframe
	GOPms        Series // the same in media milliseconds
	Drift        Series // audio timestamp minus video timestamp, less their capture gap, ms
}

// Conn is the request latency of one connection, and for a player whose
// publisher is in the capture too, the relay latency of its frames.
type Conn struct {
	ID      string
	Latency Series // one point per answered request: X capture seconds, Y ms, Label the request
	// Relay is the publisher → player latency of the frames the server
	// relayed (export/relay), mean per bucket over the player's time;
	// empty when the connection is not such a player.
	Relay Series
}

// Collector accumulates series from records. It is not safe for concurrent
// use; the caller serialises Add and the readers.
type Collector struct {
	// MaxPoints bounds each series (DefaultMaxPoints when 0).
	MaxPoints int
	// RelayFrames bounds the publisher frames remembered to match relayed
	// frames (relay.DefaultMaxFrames when 0, about 64 bytes each).
	RelayFrames int

	start   time.Time
	streams map[export.StreamKey]*streamAcc
	order   []export.StreamKey
	conns   map[string]*Conn
	corder  []string
	relay   *relay.Analyzer
}

// bucketed is a series of sums per bucket of width seconds from 0.
type bucketed struct {
	width   float64
	sums    []float64
	counts  []int
	average bool    // points are the bucket's mean, not its sum per second
	last    float64 // the latest second a sample fell on
	total   float64 // every sample's value summed
	samples int64
}

type streamAcc struct {
	haveTS         bool
	firstTS        uint32
	vBytes         bucketed
	aBytes         bucketed
	vFrames        bucketed
	drift          bucketed
	gop, gopMS     []Point
	keySeen        bool
	sinceKey       int
	lastKeyMS      float64
	lastV, lastA   float64 // media ms of the last coded frame
	lastVC, lastAC time.Time
	haveV, haveA   bool
	// Per track (0 audio, 1 video): the last timestamp and the count of
	// discontinuities (steps back, jumps) so far; drift pairs only frames
	// of the same epoch, as dissect/media's does.
	lastTS         [2]uint32
	seenTS         [2]bool
	epoch          [2]int
	epochA, epochV int
}

// Add feeds one record.
func (c *Collector) Add(r *session.Record) {
	if c.streams == nil {
		c.streams = map[export.StreamKey]*streamAcc{}
		c.conns = map[string]*Conn{}
	}
	if c.start.IsZero() && !r.Time.IsZero() {
		c.start = r.Time
	}
	if c.relay == nil {
		c.relay = relay.New(relay.Options{MaxFrames: c.RelayFrames, MaxBuckets: c.MaxPoints})
	}
	c.relay.Add(r)
	if r.Kind != event.KindMessage {
		return
	}
	if p := r.Pair; p != nil && p.Role == session.RoleResponse && p.Frame > 0 {
		id := r.ConnID.String()
		cn := c.conns[id]
		if cn == nil {
			cn = &Conn{ID: id, Latency: Series{Name: "request latency", Unit: "ms"}}
			c.conns[id] = cn
			c.corder = append(c.corder, id)
		}
		cn.Latency.Points = c.appendPoint(cn.Latency.Points, Point{
			X: r.Time.Sub(c.start).Seconds(), Y: float64(p.Latency.Microseconds()) / 1000, Label: p.Request,
		})
	}
	export.MediaSamples(r, func(k export.StreamKey, ts uint32, isVideo bool, size int, decoded any) {
		if size > 0 {
			c.sample(k, ts, r.Time, isVideo, size, decoded)
		}
	})
}

func (c *Collector) max() int {
	if c.MaxPoints > 1 {
		return c.MaxPoints
	}
	return DefaultMaxPoints
}

// appendPoint appends p, keeping every other point when the series is full.
func (c *Collector) appendPoint(ps []Point, p Point) []Point {
	if len(ps) >= c.max() {
		k := 0
		for i := 0; i < len(ps); i += 2 {
			ps[k] = ps[i]
			k++
		}
		ps = ps[:k]
	}
	return append(ps, p)
}

func (c *Collector) sample(k export.StreamKey, ts uint32, at time.Time, isVideo bool, size int, decoded any) {
	s := c.streams[k]
	if s == nil {
		if len(c.streams) >= export.MaxStreams*64 {
			return // a resync storm of garbage stream ids: bounded
		}
		s = &streamAcc{}
		s.drift.average = true
		c.streams[k] = s
		c.order = append(c.order, k)
	}
	if !s.haveTS {
		s.haveTS, s.firstTS = true, ts
	}
	// Media time since the stream's first timestamp, wrapping as RTMP's
	// 32-bit timestamps do; a timestamp before the first clamps to 0.
	ms := float64(max(int32(ts-s.firstTS), 0))
	sec := ms / 1000
	tr := 0
	if isVideo {
		tr = 1
	}
	if s.seenTS[tr] {
		if d := int64(int32(ts - s.lastTS[tr])); d < 0 || d > jumpMS {
			s.epoch[tr]++
		}
	}
	s.seenTS[tr], s.lastTS[tr] = true, ts
	limit := c.max()
	if isVideo {
		s.vBytes.add(sec, float64(size*8), limit)
	} else {
		s.aBytes.add(sec, float64(size*8), limit)
	}
	switch d := decoded.(type) {
	case *media.Video:
		if !codedVideo(d) {
			return
		}
		s.vFrames.add(sec, 1, limit)
		if d.Keyframe() {
			if s.keySeen {
				s.gop = c.appendPoint(s.gop, Point{X: sec, Y: float64(s.sinceKey)})
				s.gopMS = c.appendPoint(s.gopMS, Point{X: sec, Y: ms - s.lastKeyMS})
			}
			s.keySeen, s.sinceKey, s.lastKeyMS = true, 0, ms
		}
		s.sinceKey++
		s.haveV, s.lastV, s.lastVC, s.epochV = true, ms, at, s.epoch[1]
	case *media.Audio:
		if !codedAudio(d) {
			return
		}
		s.haveA, s.lastA, s.lastAC, s.epochA = true, ms, at, s.epoch[0]
	default:
		return
	}
	if s.haveA && s.haveV && s.epochA == s.epochV {
		gap := s.lastAC.Sub(s.lastVC)
		if gap <= driftWindow && gap >= -driftWindow {
			s.drift.add(sec, (s.lastA-s.lastV)-float64(gap.Milliseconds()), limit)
		}
	}
}

// codedVideo says whether v carries coded frames (not a sequence header, an
// end of sequence or a command frame), as dissect/media's statistics count.
func codedVideo(v *media.Video) bool {
	if v.Command != nil || v.IsSequenceHeader() {
		return false
	}
	p := &v.VideoPayload
	if v.Multitrack != nil {
		if len(v.Tracks) == 0 {
			return false
		}
		p = &v.Tracks[0].VideoPayload
	}
	return p.PacketType == media.VideoCodedFrames || p.PacketType == media.VideoCodedFramesX
}

// codedAudio says whether a carries coded frames (not a sequence header).
func codedAudio(a *media.Audio) bool {
	if a.Silence {
		return false
	}
	p := &a.AudioPayload
	if a.Multitrack != nil {
		if len(a.Tracks) == 0 {
			return false
		}
		p = &a.Tracks[0].AudioPayload
	}
	return p.PacketType == media.AudioCodedFrames
}

// add adds v to the bucket of second sec, doubling the bucket width while
// the bucket would lie past max.
func (b *bucketed) add(sec, v float64, limit int) {
	if b.width == 0 {
		b.width = 1
	}
	i := int(sec / b.width)
	for i >= limit {
		b.halve()
		i = int(sec / b.width)
	}
	for len(b.sums) <= i {
		b.sums = append(b.sums, 0)
		b.counts = append(b.counts, 0)
	}
	b.sums[i] += v
	b.counts[i]++
	b.last = max(b.last, sec)
	b.total += v
	b.samples++
}

// halve merges pairs of buckets, doubling the width.
func (b *bucketed) halve() {
	n := (len(b.sums) + 1) / 2
	for i := range n {
		s, c := b.sums[2*i], b.counts[2*i]
		if 2*i+1 < len(b.sums) {
			s += b.sums[2*i+1]
			c += b.counts[2*i+1]
		}
		b.sums[i], b.counts[i] = s, c
	}
	b.sums, b.counts = b.sums[:n], b.counts[:n]
	b.width *= 2
}

// series renders the buckets: sums per second, or means; an empty bucket
// of a mean series is left out (no sample is not zero drift).
func (b *bucketed) series(name, unit string) Series {
	s := Series{Name: name, Unit: unit, Step: b.width, Total: b.total, Samples: b.samples}
	for i, v := range b.sums {
		x := float64(i) * b.width
		switch {
		case b.average && b.counts[i] == 0:
			continue
		case !b.average && i > 0 && i == len(b.sums)-1 && b.last-x < b.width/2:
			// The stream ended early in its last bucket: a rate over
			// the whole bucket would read as a collapse at the end.
			continue
		case b.average:
			s.Points = append(s.Points, Point{X: x, Y: v / float64(b.counts[i])})
		default:
			s.Points = append(s.Points, Point{X: x, Y: v / b.width})
		}
	}
	return s
}

// Streams returns every stream's series, in the order the streams began.
func (c *Collector) Streams() []Stream {
	out := make([]Stream, 0, len(c.order))
	for _, k := range c.order {
		s := c.streams[k]
		out = append(out, Stream{
			Key:          k,
			VideoBitrate: s.vBytes.series("video bitrate", "bit/s"),
			AudioBitrate: s.aBytes.series("audio bitrate", "bit/s"),
			FrameRate:    s.vFrames.series("frame rate", "fps"),
			GOP:          Series{Name: "GOP", Unit: "frames", Points: append([]Point(nil), s.gop...)},
			GOPms:        Series{Name: "GOP", Unit: "ms", Points: append([]Point(nil), s.gopMS...)},
			Drift:        s.drift.series("A/V drift", "ms"),
		})
	}
	return out
}

// Relay is the relay analysis so far (export/relay): publishers, and per
// player its startup, matched and dropped frames and latency.
func (c *Collector) Relay() relay.Report {
	if c.relay == nil {
		return relay.Report{}
	}
	return c.relay.Report()
}

// Conns returns the request latency of every connection that had an
// answered request, and the relay latency of every player matched to a
// publisher, in connection order.
func (c *Collector) Conns() []Conn {
	relays := map[string]Series{}
	for _, p := range c.Relay().Players {
		if p.Matched == 0 {
			continue
		}
		s := Series{Name: "relay latency", Unit: "ms", Step: float64(p.BucketSeconds)}
		for _, sp := range p.Series {
			if sp.Frames > 0 {
				s.Points = append(s.Points, Point{X: sp.AtS, Y: sp.MeanMS})
			}
		}
		relays[p.Conn] = s
		if c.conns == nil {
			c.conns = map[string]*Conn{}
		}
		if c.conns[p.Conn] == nil {
			c.conns[p.Conn] = &Conn{ID: p.Conn, Latency: Series{Name: "request latency", Unit: "ms"}}
			c.corder = append(c.corder, p.Conn)
		}
	}
	ids := append([]string(nil), c.corder...)
	sort.SliceStable(ids, func(i, j int) bool { return connLess(ids[i], ids[j]) })
	out := make([]Conn, 0, len(ids))
	for _, id := range ids {
		cn := *c.conns[id]
		cn.Latency.Points = append([]Point(nil), cn.Latency.Points...)
		cn.Relay = relays[id]
		out = append(out, cn)
	}
	return out
}

// connLess orders "c2" before "c10".
func connLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// Short formats v for an axis label in at most about five characters:
// 950, 1.2k, 3.4M, 0.25.
func Short(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e9:
		return trim(v/1e9) + "G"
	case a >= 1e6:
		return trim(v/1e6) + "M"
	case a >= 1e4:
		return trim(v/1e3) + "k"
	case a >= 100 || a == math.Trunc(a):
		return strconv.FormatFloat(math.Round(v), 'f', -1, 64)
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

func trim(v float64) string {
	if math.Abs(v) >= 100 {
		return strconv.FormatFloat(math.Round(v), 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}
