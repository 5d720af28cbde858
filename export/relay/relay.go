// Package relay measures what a server did to the frames it relayed, from
// one capture that holds a publisher and the players of its stream (the
// usual capture on a media server): each frame a player received is
// matched to the publisher's frame with the same coded payload, which
// gives, per player, the startup time (play → first frame, first keyframe),
// the publisher → player latency of every frame (min, median, p99, max and
// over time) and the frames the server did not relay (dropped).
//
// Memory is bounded: the publishers' frames are remembered in a ring of
// Options.MaxFrames entries (a player's frame older than that is counted
// unmatched), latencies go into a fixed log-scale histogram per player, and
// the series has at most Options.MaxBuckets points per player.
package relay

import (
	"hash/maphash"
	"maps"
	"slices"
	"time"

	"github.com/rtmpscope/rtmpscope/dissect/media"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
)

// Defaults for Options.
const (
	DefaultMaxFrames  = 200000
	DefaultMaxBuckets = 600
	// maxPlayers and maxPublishers bound the connections followed.
	maxPlayers    = 1024
	maxPublishers = 256
	// maxOccurrences is how many earlier frames with the same payload are
	// remembered (sequence headers are sent again to every new player).
	maxOccurrences = 4
)

// Options bound an Analyzer.
type Options struct {
	// MaxFrames is how many publisher frames are remembered for matching
	// (DefaultMaxFrames when 0); about 64 bytes each.
	MaxFrames int
	// MaxBuckets bounds each player's latency series (DefaultMaxBuckets
	// when 0); buckets widen (1 s, 2 s, 4 s...) as the capture grows.
	MaxBuckets int
	// OnMatch, when set, receives every matched frame.
	OnMatch func(Match)
}

// Match is one relayed frame found: a player received, at Received, the
// coded frame its publisher sent at Sent.
type Match struct {
	Player, From event.ConnID
	Video        bool
	Timestamp    uint32 // the player's RTMP timestamp
	Sent         time.Time
	Received     time.Time
}

// Analyzer matches relayed frames. Feed it every record with Add, then
// call Report. It is not safe for concurrent use.
type Analyzer struct {
	opts Options
	ring []pubFrame
	next int // ring slot written next
	// byHash holds ring slots of the frames with a payload hash, newest
	// last.
	byHash  map[uint64][]int32
	pubs    map[pubKey]*publisher
	players map[event.ConnID]*player
	names   map[event.ConnID]string // stream names from publish/play
	plays   map[event.ConnID]time.Time
	seq     int64 // frames stored so far: a frame's identity in the ring
}

// pubKey is one published media track: connection, message stream, type.
type pubKey struct {
	conn  event.ConnID
	msid  uint32
	video bool
}

type publisher struct {
	key    pubKey
	frames int64 // coded frames published
}

type pubFrame struct {
	hash  uint64
	seq   int64
	at    time.Time
	pub   *publisher
	idx   int64 // the frame's number within its publisher's track
	coded bool
}

type player struct {
	conn      event.ConnID
	first     time.Time // first media message
	firstKey  time.Time
	frames    int64 // coded frames received
	matched   int64
	unmatched int64
	lat       histogram
	series    series
	// ranges: per publisher track, the first and last frame received and
	// how many distinct ones, for the dropped count.
	ranges map[*publisher]*span
	from   map[event.ConnID]int64 // matched frames per publisher connection
}

type span struct {
	first, last, n int64
}

// New returns an Analyzer.
func New(opts Options) *Analyzer {
	if opts.MaxFrames <= 0 {
		opts.MaxFrames = DefaultMaxFrames
	}
	if opts.MaxBuckets <= 0 {
		opts.MaxBuckets = DefaultMaxBuckets
	}
	return &Analyzer{opts: opts, ring: make([]pubFrame, 0, min(opts.MaxFrames, 4096)), byHash: map[uint64][]int32{},
		pubs: map[pubKey]*publisher{}, players: map[event.ConnID]*player{}, names: map[event.ConnID]string{},
		plays: map[event.ConnID]time.Time{}}
}

// Add feeds one record.
func (a *Analyzer) Add(r *session.Record) {
	if r.Kind != event.KindMessage {
		return
	}
	m := r.Message
	if c := r.Body.Command; c != nil {
		switch c.Name {
		case "publish", "play", "play2":
			if name, ok := c.StreamName(); ok {
				a.names[r.ConnID] = name
			}
			if c.Name != "publish" {
				if _, ok := a.plays[r.ConnID]; !ok && len(a.plays) < maxPlayers {
					a.plays[r.ConnID] = r.Time
				}
			}
		}
		return
	}
	switch m.TypeID {
	case event.TypeAudio, event.TypeVideo:
		a.frame(r, m.Dir, m.MSID, m.Timestamp, m.TypeID == event.TypeVideo, m.Body, r.Body.Audio, r.Body.Video, m.BodyTruncated)
	case event.TypeAggregate:
		for i := range r.Body.Aggregate {
			s := &r.Body.Aggregate[i]
			if s.Audio != nil || s.Video != nil {
				a.frame(r, m.Dir, m.MSID, s.Timestamp, s.Video != nil, s.Body, s.Audio, s.Video, false)
			}
		}
	}
}

// coded reports whether a media message carries coded frames (not a
// sequence header, metadata or an empty message), and a video keyframe.
func coded(au *media.Audio, v *media.Video) (isCoded, key bool) {
	switch {
	case v != nil:
		if v.Command != nil || v.IsSequenceHeader() {
			return false, false
		}
		p := v.PacketType
		if v.Multitrack != nil && len(v.Tracks) > 0 {
			p = v.Tracks[0].PacketType
		}
		ok := p == media.VideoCodedFrames || p == media.VideoCodedFramesX
		return ok, ok && v.Keyframe()
	case au != nil:
		if au.Silence {
			return false, false
		}
		p := au.PacketType
		if au.Multitrack != nil && len(au.Tracks) > 0 {
			p = au.Tracks[0].PacketType
		}
		return p == media.AudioCodedFrames, false
	}
	return false, false
}

// hashSeed keys the frame hashes of this process. The hashes only match
// frames in memory, never leave it: maphash (AES instructions where the
// CPU has them) hashes a 1 GB capture's frames in a tenth of the time
// FNV-1a took, which was most of a report's run.
var hashSeed = maphash.MakeSeed()

func hashOf(video bool, body []byte) uint64 {
	var h maphash.Hash
	h.SetSeed(hashSeed)
	if video {
		h.WriteByte(9)
	} else {
		h.WriteByte(8)
	}
	h.Write(body)
	return h.Sum64()
}

func (a *Analyzer) frame(r *session.Record, dir event.Dir, msid, ts uint32, video bool, body []byte, au *media.Audio, v *media.Video, truncated bool) {
	if len(body) == 0 || truncated {
		return
	}
	isCoded, key := coded(au, v)
	h := hashOf(video, body)
	if dir == event.C2S {
		a.publish(r, msid, video, h, isCoded)
		return
	}
	p := a.players[r.ConnID]
	if p == nil {
		if len(a.players) >= maxPlayers {
			return
		}
		p = &player{conn: r.ConnID, ranges: map[*publisher]*span{}, from: map[event.ConnID]int64{}}
		p.lat.init()
		p.series.max = a.opts.MaxBuckets
		a.players[r.ConnID] = p
	}
	if p.first.IsZero() {
		p.first = r.Time
	}
	if key && p.firstKey.IsZero() {
		p.firstKey = r.Time
	}
	if !isCoded {
		return
	}
	p.frames++
	f := a.find(h, r.Time)
	if f == nil {
		p.unmatched++
		return
	}
	p.matched++
	p.from[f.pub.key.conn]++
	if a.opts.OnMatch != nil {
		a.opts.OnMatch(Match{Player: r.ConnID, From: f.pub.key.conn, Video: video, Timestamp: ts, Sent: f.at, Received: r.Time})
	}
	lat := r.Time.Sub(f.at)
	p.lat.add(lat)
	p.series.add(r.Time.Sub(p.first), lat)
	sp := p.ranges[f.pub]
	switch {
	case sp == nil:
		p.ranges[f.pub] = &span{first: f.idx, last: f.idx, n: 1}
	case f.idx > sp.last:
		sp.last = f.idx
		sp.n++
	case f.idx < sp.first:
		sp.first = f.idx
		sp.n++
	}
}

func (a *Analyzer) publish(r *session.Record, msid uint32, video bool, h uint64, isCoded bool) {
	k := pubKey{r.ConnID, msid, video}
	p := a.pubs[k]
	if p == nil {
		if len(a.pubs) >= maxPublishers {
			return
		}
		p = &publisher{key: k}
		a.pubs[k] = p
	}
	f := pubFrame{hash: h, seq: a.seq, at: r.Time, pub: p, idx: p.frames, coded: isCoded}
	a.seq++
	if isCoded {
		p.frames++
	}
	// Store in the ring, evicting the oldest frame from its hash's list.
	var slot int
	if len(a.ring) < a.opts.MaxFrames {
		a.ring = append(a.ring, f)
		slot = len(a.ring) - 1
	} else {
		slot = a.next
		old := a.ring[slot]
		a.drop(old.hash, int32(slot))
		a.ring[slot] = f
		a.next = (a.next + 1) % a.opts.MaxFrames
	}
	l := append(a.byHash[h], int32(slot))
	if len(l) > maxOccurrences {
		l = l[len(l)-maxOccurrences:]
	}
	a.byHash[h] = l
}

func (a *Analyzer) drop(h uint64, slot int32) {
	l := a.byHash[h]
	for i, s := range l {
		if s == slot {
			l = append(l[:i], l[i+1:]...)
			break
		}
	}
	if len(l) == 0 {
		delete(a.byHash, h)
	} else {
		a.byHash[h] = l
	}
}

// find returns the newest publisher frame with payload hash h sent no
// later than at.
func (a *Analyzer) find(h uint64, at time.Time) *pubFrame {
	l := a.byHash[h]
	for i := len(l) - 1; i >= 0; i-- {
		f := &a.ring[l[i]]
		if f.hash == h && !f.at.After(at) {
			return f
		}
	}
	return nil
}

// Report is the analysis: the publishers seen and, per player, what it got.
type Report struct {
	Publishers []Publisher `json:"publishers"`
	Players    []Player    `json:"players"`
}

// Publisher is one publishing connection.
type Publisher struct {
	Conn   string `json:"conn"`
	Stream string `json:"stream,omitempty"`
	Frames int64  `json:"frames"` // coded frames published
}

// Player is what one playing connection received.
type Player struct {
	Conn   string `json:"conn"`
	Stream string `json:"stream,omitempty"`
	// From is the publisher connection most of its frames came from.
	From string `json:"from,omitempty"`
	// FirstFrameMS and FirstKeyframeMS are the startup: from the play
	// command to the first media message and to the first video keyframe.
	FirstFrameMS    *float64 `json:"first_frame_ms,omitempty"`
	FirstKeyframeMS *float64 `json:"first_keyframe_ms,omitempty"`
	// Frames are the coded frames received; Matched those found among the
	// publishers' frames, Unmatched the rest (from a publisher not in the
	// capture, or older than the frames remembered).
	Frames    int64 `json:"frames"`
	Matched   int64 `json:"matched"`
	Unmatched int64 `json:"unmatched"`
	// Dropped counts the publisher's coded frames, between the first and
	// the last this player received, that it never received.
	Dropped int64 `json:"dropped"`
	// Latency is publisher capture time → player capture time of the
	// matched frames, in milliseconds.
	Latency Latency `json:"latency"`
	// Series is the latency over the player's time (from its first media
	// message), one point per BucketSeconds.
	BucketSeconds int           `json:"bucket_seconds"`
	Series        []SeriesPoint `json:"series,omitempty"`
}

// Latency summarises a player's latencies (ms). Median and P99 come from
// a log-scale histogram: within 1 %.
type Latency struct {
	Samples  int64   `json:"samples"`
	MinMS    float64 `json:"min_ms"`
	MedianMS float64 `json:"median_ms"`
	P99MS    float64 `json:"p99_ms"`
	MaxMS    float64 `json:"max_ms"`
}

// SeriesPoint is one bucket of the latency series.
type SeriesPoint struct {
	AtS    float64 `json:"at_s"` // bucket start, seconds from the player's first media
	MeanMS float64 `json:"mean_ms"`
	MaxMS  float64 `json:"max_ms"`
	Frames int64   `json:"frames"`
}

// Report returns the analysis so far, players and publishers in
// connection order.
func (a *Analyzer) Report() Report {
	var rep Report
	byConn := map[event.ConnID]int64{}
	for _, p := range a.pubs {
		byConn[p.key.conn] += p.frames
	}
	for _, id := range slices.Sorted(maps.Keys(byConn)) {
		rep.Publishers = append(rep.Publishers, Publisher{Conn: id.String(), Stream: a.names[id], Frames: byConn[id]})
	}
	for _, id := range slices.Sorted(maps.Keys(a.players)) {
		p := a.players[id]
		out := Player{Conn: id.String(), Stream: a.names[id], Frames: p.frames, Matched: p.matched, Unmatched: p.unmatched}
		var best int64
		for c, n := range p.from {
			if n > best || (n == best && c.String() < out.From) {
				best, out.From = n, c.String()
			}
		}
		if at, ok := a.plays[id]; ok {
			if !p.first.IsZero() {
				ms := msBetween(at, p.first)
				out.FirstFrameMS = &ms
			}
			if !p.firstKey.IsZero() {
				ms := msBetween(at, p.firstKey)
				out.FirstKeyframeMS = &ms
			}
		}
		for _, sp := range p.ranges {
			out.Dropped += sp.last - sp.first + 1 - sp.n
		}
		out.Latency = p.lat.summary()
		out.BucketSeconds, out.Series = p.series.points()
		rep.Players = append(rep.Players, out)
	}
	return rep
}

func msBetween(from, to time.Time) float64 {
	return float64(to.Sub(from).Microseconds()) / 1000
}
