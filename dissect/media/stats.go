package media

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Stats accumulates per-stream statistics from audio and video messages,
// one message at a time. Its memory is bounded: it keeps counters, a fixed
// number of bitrate buckets (downsampled as the stream grows) and a fixed
// number of notable events.
type Stats struct {
	// JumpThreshold is the forward timestamp step (ms) reported as a jump;
	// zero means DefaultJumpThreshold.
	JumpThreshold uint32
	// MaxBuckets bounds the bitrate series; zero means DefaultMaxBuckets.
	MaxBuckets int

	dirs map[string]*dirStats
}

// Defaults for Stats.
const (
	DefaultJumpThreshold = 1000
	DefaultMaxBuckets    = 600
	// MinAverageSpan is the shortest media time a bitrate average is
	// given for.
	MinAverageSpan = time.Second
	maxEvents      = 32
	// driftWindow is how close in capture time an audio and a video message
	// must be for their timestamps to be compared.
	driftWindow = 200 * time.Millisecond
)

// NewStats returns an empty accumulator with default limits.
func NewStats() *Stats { return &Stats{} }

type dirStats struct {
	audio, video trackStats
	drift        driftStats
}

// Add feeds one message. dir names the direction ("c2s"/"s2c"); timestamp
// is the absolute RTMP timestamp; size the message length; decoded the
// *Audio or *Video decoded from it (nil when it could not be decoded).
func (s *Stats) Add(dir string, timestamp uint32, captureTime time.Time, isVideo bool, size int, decoded any) {
	if s.dirs == nil {
		s.dirs = map[string]*dirStats{}
	}
	d := s.dirs[dir]
	if d == nil {
		if len(s.dirs) >= 8 {
			return // directions are c2s/s2c; refuse to grow on garbage keys
		}
		d = &dirStats{}
		s.dirs[dir] = d
	}
	t := &d.audio
	if isVideo {
		t = &d.video
	}
	if t.add(s, timestamp, captureTime, size, decoded) {
		// Only coded frames: sequence headers sit at timestamp 0 in streams
		// whose frames start at 16,776 s and would read as hours of drift.
		d.drift.observe(isVideo, timestamp, captureTime, t.epoch)
	}
}

// TimestampEvent is a timestamp that went backwards or jumped forward.
type TimestampEvent struct {
	Kind    string    `json:"kind"` // "backwards" or "jump"
	From    uint32    `json:"from"`
	To      uint32    `json:"to"`
	DeltaMS int64     `json:"delta_ms"`
	Capture time.Time `json:"capture_time"`
}

// ConfigChange is a sequence header that differs from the previous one.
type ConfigChange struct {
	Timestamp uint32    `json:"timestamp"`
	Capture   time.Time `json:"capture_time"`
	From      string    `json:"from"`
	To        string    `json:"to"`
}

// TrackReport is the summary of one media type in one direction.
type TrackReport struct {
	Codec  string `json:"codec,omitempty"`
	Config string `json:"config,omitempty"` // Summary of the last sequence header
	// ConfigDetail is the last decoded configuration (*AACConfig,
	// *AVCConfig, *HEVCConfig, ...).
	ConfigDetail any `json:"config_detail,omitempty"`

	Messages   int64 `json:"messages"`
	Frames     int64 `json:"frames"` // coded frames (not headers/commands)
	Keyframes  int64 `json:"keyframes,omitempty"`
	SeqHeaders int64 `json:"sequence_headers"`
	Bytes      int64 `json:"bytes"`
	Undecoded  int64 `json:"undecoded,omitempty"`

	FirstTimestamp uint32    `json:"first_timestamp"`
	LastTimestamp  uint32    `json:"last_timestamp"`
	FirstCapture   time.Time `json:"first_capture"`
	LastCapture    time.Time `json:"last_capture"`
	DurationMS     int64     `json:"duration_ms"` // media time, first to last timestamp

	FrameRate float64 `json:"frame_rate,omitempty"` // frames per media second, over the steps between coded frames (jumps left out)
	// MediaMS is the media time the coded frames cover: the steps between
	// them (timestamp jumps and steps backwards left out) plus one average
	// step for the last frame's own duration.
	MediaMS int64 `json:"media_ms"`
	// BitrateAvg is the bytes as received over MediaMS: the stream's own
	// rate, whatever pace it was sent at. 0 when MediaMS is shorter than
	// MinAverageSpan: an average over a degenerate span says nothing.
	BitrateAvg float64 `json:"bitrate_avg_bps"`
	// RealTimeFactor is media time ÷ capture time over the same coded
	// frames: 1 for a live stream, above 1 when it was sent faster than
	// real time (a backlog flushed, a file published without pacing),
	// below 1 when the encoder or the network cannot keep up. 0 when the
	// capture span of the frames is empty.
	RealTimeFactor float64 `json:"realtime_factor,omitempty"`
	// Bitrate is bits per media second per bucket of BucketSeconds of
	// media time (the jump-free timestamp clock).
	BucketSeconds int       `json:"bucket_seconds"`
	Bitrate       []float64 `json:"bitrate_bps"`

	GOPFramesMin int     `json:"gop_frames_min,omitempty"`
	GOPFramesMax int     `json:"gop_frames_max,omitempty"`
	GOPFramesAvg float64 `json:"gop_frames_avg,omitempty"`
	GOPMSMin     int64   `json:"gop_ms_min,omitempty"`
	GOPMSMax     int64   `json:"gop_ms_max,omitempty"`
	GOPMSAvg     float64 `json:"gop_ms_avg,omitempty"`

	CTSMin int32 `json:"cts_min"`
	CTSMax int32 `json:"cts_max"`

	Backwards     int64            `json:"timestamps_backwards"`
	Jumps         int64            `json:"timestamp_jumps"`
	Events        []TimestampEvent `json:"timestamp_events,omitempty"` // first maxEvents
	ConfigChanges []ConfigChange   `json:"config_changes,omitempty"`   // first maxEvents
	ConfigChangeN int64            `json:"config_change_count"`
}

// DriftReport compares audio and video timestamps at close capture times:
// (audio ts - video ts) - (audio capture - video capture), in ms.
type DriftReport struct {
	Samples int64   `json:"samples"`
	MinMS   int64   `json:"min_ms"`
	MaxMS   int64   `json:"max_ms"`
	LastMS  int64   `json:"last_ms"`
	AvgMS   float64 `json:"avg_ms"`
}

// StreamReport is everything accumulated for one direction.
type StreamReport struct {
	Dir   string       `json:"dir"`
	Audio *TrackReport `json:"audio,omitempty"`
	Video *TrackReport `json:"video,omitempty"`
	Drift *DriftReport `json:"av_drift,omitempty"`
}

// Report returns the statistics per direction, sorted by direction.
func (s *Stats) Report() []StreamReport {
	var out []StreamReport
	for dir, d := range s.dirs {
		r := StreamReport{Dir: dir}
		if d.audio.msgs > 0 {
			a := d.audio.report()
			r.Audio = &a
		}
		if d.video.msgs > 0 {
			v := d.video.report()
			r.Video = &v
		}
		if d.drift.n > 0 {
			r.Drift = &DriftReport{Samples: d.drift.n, MinMS: d.drift.min, MaxMS: d.drift.max,
				LastMS: d.drift.last, AvgMS: float64(d.drift.sum) / float64(d.drift.n)}
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Dir < out[j].Dir })
	return out
}

type trackStats struct {
	r TrackReport // counters and bounded lists live here directly

	msgs        int64
	lastTS      uint32
	haveCTS     bool
	config      string
	buckets     []int64
	bucketWidth int // seconds per bucket
	// GOP tracking
	lastKeyTS      uint32
	framesSinceKey int
	haveKey        bool
	gops           int64
	gopFramesSum   int64
	gopMSSum       int64
	// Frame rate: only the steps between consecutive coded frames count.
	// Sequence headers sit before the first frame (ffmpeg sends them at 0
	// and the first frame at ~23 ms) and would bias a first-to-last rate
	// low on short captures, and a timestamp jump (extts.pcap: +20000 s)
	// would make it nonsense; steps backwards or beyond the jump
	// threshold are left out.
	jumpThr        int64
	framesSeen     bool
	lastFrameTS    uint32
	frameIntervals int64
	frameSpanMS    int64
	spanAtKey      int64 // frameSpanMS at the last keyframe
	// epoch counts the timestamp discontinuities (jumps, steps backwards)
	// so far: audio and video are compared for drift only between the same
	// ones, not while one has jumped and the other has not yet.
	epoch int
	// mediaPos is the media clock of the bitrate buckets: every message's
	// step from the previous one, jumps and steps backwards left out.
	mediaPos int64
	// Capture times of the first and last coded frame, for the real-time
	// factor.
	firstFrameCap, lastFrameCap time.Time
}

// countFrame records a coded frame's timestamp for the frame rate.
func (t *trackStats) countFrame(ts uint32, capture time.Time) {
	if !t.framesSeen {
		t.firstFrameCap = capture
	}
	t.lastFrameCap = capture
	if t.framesSeen {
		if d := int64(int32(ts - t.lastFrameTS)); d >= 0 && d <= t.jumpThr {
			t.frameIntervals++
			t.frameSpanMS += d
		}
	}
	t.framesSeen, t.lastFrameTS = true, ts
}

// add feeds one message and reports whether it was a coded frame.
func (t *trackStats) add(s *Stats, ts uint32, capture time.Time, size int, decoded any) bool {
	r := &t.r
	t.jumpThr = int64(s.JumpThreshold)
	if t.jumpThr == 0 {
		t.jumpThr = DefaultJumpThreshold
	}
	if t.msgs == 0 {
		r.FirstTimestamp, r.FirstCapture = ts, capture
		t.bucketWidth = 1
	} else {
		delta := int64(int32(ts - t.lastTS)) // wraps at 2^32 like RTMP
		thr := s.JumpThreshold
		if thr == 0 {
			thr = DefaultJumpThreshold
		}
		switch {
		case delta < 0:
			r.Backwards++
			t.epoch++
			t.event("backwards", t.lastTS, ts, delta, capture)
		case delta > int64(thr):
			r.Jumps++
			t.epoch++
			t.event("jump", t.lastTS, ts, delta, capture)
		default:
			t.mediaPos += delta
		}
		r.DurationMS += delta
	}
	t.msgs++
	r.Messages++
	r.Bytes += int64(size)
	t.lastTS = ts
	r.LastTimestamp, r.LastCapture = ts, capture
	t.addBytes(s, size)

	frames := r.Frames
	switch m := decoded.(type) {
	case *Audio:
		t.addAudio(m, ts, capture)
	case *Video:
		t.addVideo(m, ts, capture)
	default:
		r.Undecoded++
	}
	return r.Frames > frames
}

func (t *trackStats) event(kind string, from, to uint32, delta int64, capture time.Time) {
	if len(t.r.Events) < maxEvents {
		t.r.Events = append(t.r.Events, TimestampEvent{Kind: kind, From: from, To: to, DeltaMS: delta, Capture: capture})
	}
}

// addBytes counts a message's bytes in the bucket of its media time.
func (t *trackStats) addBytes(s *Stats, size int) {
	max := s.MaxBuckets
	if max <= 1 {
		max = DefaultMaxBuckets
	}
	sec := time.Duration(t.mediaPos) * time.Millisecond
	idx := int(sec / time.Second / time.Duration(t.bucketWidth))
	for idx >= max {
		// Downsample: merge pairs, doubling the bucket width.
		n := (len(t.buckets) + 1) / 2
		for i := 0; i < n; i++ {
			v := t.buckets[2*i]
			if 2*i+1 < len(t.buckets) {
				v += t.buckets[2*i+1]
			}
			t.buckets[i] = v
		}
		t.buckets = t.buckets[:n]
		t.bucketWidth *= 2
		idx = int(sec / time.Second / time.Duration(t.bucketWidth))
	}
	for len(t.buckets) <= idx {
		t.buckets = append(t.buckets, 0)
	}
	t.buckets[idx] += int64(size)
}

func (t *trackStats) setConfig(codec, summary string, detail any, ts uint32, capture time.Time) {
	r := &t.r
	r.SeqHeaders++
	if t.config != "" && summary != t.config {
		r.ConfigChangeN++
		if len(r.ConfigChanges) < maxEvents {
			r.ConfigChanges = append(r.ConfigChanges, ConfigChange{Timestamp: ts, Capture: capture, From: t.config, To: summary})
		}
	}
	t.config = summary
	r.Codec, r.Config, r.ConfigDetail = codec, summary, detail
}

func (t *trackStats) addAudio(a *Audio, ts uint32, capture time.Time) {
	if a.Codec != "" && t.r.Codec == "" {
		t.r.Codec = a.Codec
	}
	if a.Multitrack != nil {
		// Statistics follow the first track; multitrack streams are rare and
		// a per-track breakdown belongs to the caller.
		if len(a.Tracks) == 0 {
			return
		}
		p := &a.Tracks[0].AudioPayload
		t.audioPayload(a.Codec, p, a.Summary(), ts, capture, a.Enhanced || a.SoundFormat == SoundAAC)
		return
	}
	t.audioPayload(a.Codec, &a.AudioPayload, a.Summary(), ts, capture, a.Enhanced || a.SoundFormat == SoundAAC)
}

func (t *trackStats) audioPayload(codec string, p *AudioPayload, summary string, ts uint32, capture time.Time, hasPacketType bool) {
	if hasPacketType && p.PacketType == AudioSequenceStart {
		var detail any
		switch {
		case p.AAC != nil:
			detail = p.AAC
		case p.Opus != nil:
			detail = p.Opus
		case p.FLAC != nil:
			detail = p.FLAC
		}
		t.setConfig(codec, summary, detail, ts, capture)
		return
	}
	if p.PacketType == AudioCodedFrames {
		t.r.Frames++
		t.countFrame(ts, capture)
		if !hasPacketType && t.config == "" {
			// Legacy formats without a sequence header: their header
			// bits are the configuration.
			t.r.Config = strings.TrimPrefix(summary, codec+" ") // the codec is named apart
		}
	}
}

func (t *trackStats) addVideo(v *Video, ts uint32, capture time.Time) {
	if v.Codec != "" && t.r.Codec == "" && v.Command == nil {
		t.r.Codec = v.Codec
	}
	if v.Command != nil {
		return
	}
	p := &v.VideoPayload
	if v.Multitrack != nil {
		if len(v.Tracks) == 0 {
			return
		}
		p = &v.Tracks[0].VideoPayload
	}
	if v.IsSequenceHeader() {
		var detail any
		switch {
		case p.AVC != nil:
			detail = p.AVC
		case p.HEVC != nil:
			detail = p.HEVC
		case p.AV1 != nil:
			detail = p.AV1
		case p.VP != nil:
			detail = p.VP
		case p.VVC != nil:
			detail = p.VVC
		}
		t.setConfig(v.Codec, v.Summary(), detail, ts, capture)
		return
	}
	if p.PacketType != VideoCodedFrames && p.PacketType != VideoCodedFramesX {
		return
	}
	r := &t.r
	r.Frames++
	t.countFrame(ts, capture)
	if !t.haveCTS || p.CompositionTime < r.CTSMin {
		r.CTSMin = p.CompositionTime
	}
	if !t.haveCTS || p.CompositionTime > r.CTSMax {
		r.CTSMax = p.CompositionTime
	}
	t.haveCTS = true
	if p.H263 != nil || p.VP6 != nil || p.Screen != nil {
		if w, h := p.Dimensions(); w > 0 && t.config == "" {
			// The picture size is the configuration; the codec is named
			// apart and the picture type belongs to each frame.
			r.Config = fmt.Sprintf("%dx%d", w, h)
		}
	}
	if v.Keyframe() {
		r.Keyframes++
		if t.haveKey {
			frames := t.framesSinceKey
			// The GOP's media time counts the same frame steps as the
			// frame rate, so a timestamp jump inside it is left out.
			ms := t.frameSpanMS - t.spanAtKey
			if t.gops == 0 || frames < r.GOPFramesMin {
				r.GOPFramesMin = frames
			}
			if frames > r.GOPFramesMax {
				r.GOPFramesMax = frames
			}
			if t.gops == 0 || ms < r.GOPMSMin {
				r.GOPMSMin = ms
			}
			if ms > r.GOPMSMax {
				r.GOPMSMax = ms
			}
			t.gops++
			t.gopFramesSum += int64(frames)
			t.gopMSSum += ms
		}
		t.haveKey = true
		t.lastKeyTS = ts
		t.spanAtKey = t.frameSpanMS
		t.framesSinceKey = 0
	}
	t.framesSinceKey++
}

func (t *trackStats) report() TrackReport {
	r := t.r
	r.Events = append([]TimestampEvent(nil), r.Events...)
	r.ConfigChanges = append([]ConfigChange(nil), r.ConfigChanges...)
	r.BucketSeconds = t.bucketWidth
	r.Bitrate = make([]float64, len(t.buckets))
	for i, b := range t.buckets {
		r.Bitrate[i] = float64(b*8) / float64(t.bucketWidth)
	}
	if t.frameIntervals > 0 && t.frameSpanMS > 0 {
		r.FrameRate = float64(t.frameIntervals) * 1000 / float64(t.frameSpanMS)
		// The last frame lasts one average step too.
		r.MediaMS = t.frameSpanMS + t.frameSpanMS/t.frameIntervals
		if c := t.lastFrameCap.Sub(t.firstFrameCap); c > 0 {
			r.RealTimeFactor = float64(t.frameSpanMS) * float64(time.Millisecond) / float64(c)
		}
	}
	if r.MediaMS >= MinAverageSpan.Milliseconds() {
		r.BitrateAvg = float64(r.Bytes*8) * 1000 / float64(r.MediaMS)
	}
	if t.gops > 0 {
		r.GOPFramesAvg = float64(t.gopFramesSum) / float64(t.gops)
		r.GOPMSAvg = float64(t.gopMSSum) / float64(t.gops)
	}
	return r
}

type driftStats struct {
	aEpoch, vEpoch int
	haveA, haveV   bool
	aTS, vTS       uint32
	aCap, vCap     time.Time
	n              int64
	min, max, last int64
	sum            int64
}

func (d *driftStats) observe(isVideo bool, ts uint32, capture time.Time, epoch int) {
	if isVideo {
		d.haveV, d.vTS, d.vCap, d.vEpoch = true, ts, capture, epoch
	} else {
		d.haveA, d.aTS, d.aCap, d.aEpoch = true, ts, capture, epoch
	}
	if !d.haveA || !d.haveV || d.aEpoch != d.vEpoch {
		return
	}
	gap := d.aCap.Sub(d.vCap)
	if gap > driftWindow || gap < -driftWindow {
		return
	}
	drift := int64(int32(d.aTS-d.vTS)) - gap.Milliseconds()
	if d.n == 0 || drift < d.min {
		d.min = drift
	}
	if d.n == 0 || drift > d.max {
		d.max = drift
	}
	d.last = drift
	d.sum += drift
	d.n++
}
