package dissect

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
)

// Options bound what one connection may cost. Zero values take defaults.
type Options struct {
	// MaxBodyBytes caps the bytes held in partial (incomplete) message
	// bodies per connection; beyond it bodies are framed but not kept
	// (event.Message.BodyTruncated, diagnostic chunk.mem_limit), counted
	// by capacity. Default 16 MiB (a message of RTMP's largest length, whose
	// capacity grows to 16 MiB).
	MaxBodyBytes int64
	// MaxTotalBodyBytes is the budget for partial message bodies across
	// all connections of a run (diagnostic chunk.budget when it refuses a
	// body). Default DefaultMaxTotalBodyBytes (16 MiB). Protocol makes one
	// Budget of this size for every connection it starts.
	MaxTotalBodyBytes int64
	// Budget is the shared budget itself; nil makes one per Protocol (or
	// per connection, for a Conn made directly with NewConn).
	Budget *Budget
	// Bodies, when set, is where message bodies are assembled: the
	// pipeline recycles them once every sink is done with a record
	// (pipeline.Config.RecycleBodies).
	Bodies *BodyPool
	// MaxPartials caps the messages in progress per direction whose bodies
	// are kept. Default 64.
	MaxPartials int
	// MaxChunkStreams caps the chunk streams tracked per direction; a
	// header for one more is treated as unexplainable. Default 1024.
	MaxChunkStreams int
	// MaxChunkList caps event.Message.Chunks (ChunkCount still counts all).
	// Default 4096.
	MaxChunkList int
	// HuntWindow is how many bytes are gathered before resynchronising
	// after a mid-stream start or a gap. Default 64 KiB.
	HuntWindow int
	// MaxDiagPerCode caps diagnostics of one code per direction; the rest
	// are counted in a diag.suppressed diagnostic at close. Default 50.
	MaxDiagPerCode int
	// KeepChunkHeaders copies each chunk header's bytes into
	// ChunkInfo.Header, for hex views. Off by default: other outputs
	// do not pay for it.
	KeepChunkHeaders bool
	// SkipChunkList leaves event.Message.Chunks empty (ChunkCount still
	// counts every chunk): for views that never show the list (the text
	// line, NDJSON, fields). Listing them was most of what the dissector
	// allocated on a video stream: 4 KiB chunks of 100 KB frames.
	SkipChunkList bool
	// SparseVideo assembles coded video frames with only the bytes
	// decoding reads (sparse.go): for views that show no body bytes (no
	// hex dump, no payload in JSON, no extraction or relay). The rest of
	// such a body's buffer holds whatever it held before.
	SparseVideo bool
}

func (o *Options) defaults() {
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 16 << 20
	}
	if o.Budget == nil {
		o.Budget = NewBudget(o.MaxTotalBodyBytes)
	}
	if o.MaxPartials <= 0 {
		o.MaxPartials = 64
	}
	if o.MaxChunkStreams <= 0 {
		o.MaxChunkStreams = 1024
	}
	if o.MaxChunkList <= 0 {
		o.MaxChunkList = 4096
	}
	if o.HuntWindow <= 0 {
		o.HuntWindow = 64 << 10
	}
	if o.MaxDiagPerCode <= 0 {
		o.MaxDiagPerCode = 50
	}
}

type phase uint8

const (
	phaseStart     phase = iota // nothing seen yet
	phaseHandshake              // C0/C1/C2 or S0/S1/S2
	phaseChunks                 // chunk stream, in sync
	phaseHunt                   // looking for a place to resynchronise
	phaseEncrypted              // RTMPE: counted, not dissected
)

// Conn is one connection's RTMP state machine: the RTMP handler of the
// flow router (flow.StreamHandler). The router has already decided that the
// connection is RTMP and which side is the client. It is not safe for
// concurrent use.
type Conn struct {
	ctx       *flow.Context
	opts      Options
	dirs      [2]*dirState
	hs        *event.Handshake
	hsEmitted bool
	closed    bool
	// decrypted is set when an outer layer (RTMPE) hands over decrypted
	// bytes: C0 = 6 or 8 then starts an ordinary handshake.
	decrypted bool
	liveBody  int64 // bytes held in partial bodies, both directions
	firstTime time.Time
	lastTime  time.Time
	lastFrame uint64
	midStream bool
	rtmp      bool
	seenSizes []uint32 // chunk sizes set by either side, for resync candidates
}

// NewConn starts dissecting a connection whose identity ctx holds; the
// router has emitted its conn-opened event.
func NewConn(ctx *flow.Context, opts Options) *Conn {
	opts.defaults()
	info := ctx.Info
	c := &Conn{ctx: ctx, opts: opts, firstTime: info.FirstSeen, lastTime: info.FirstSeen, lastFrame: info.Frame,
		decrypted: slices.Contains(info.Layers, "rtmpe")}
	for i := range c.dirs {
		c.dirs[i] = newDirState(c, event.Dir(i))
	}
	return c
}

// ID returns the connection id.
func (c *Conn) ID() event.ConnID { return c.ctx.Info.ID }

// Accounting returns where the bytes of a direction went so far.
func (c *Conn) Accounting(dir event.Dir) event.Accounting {
	return c.dirs[dir&1].acct
}

func (c *Conn) emit(e event.Event) {
	c.ctx.Emit(e)
}

// Data implements flow.StreamHandler.
func (c *Conn) Data(dir event.Dir, offset int64, data []byte, refs []event.FrameRef) {
	if c.closed || len(data) == 0 {
		return
	}
	if len(refs) > 0 {
		last := refs[len(refs)-1]
		if last.Frame > c.lastFrame {
			c.lastFrame = last.Frame
		}
		if last.Time.After(c.lastTime) {
			c.lastTime = last.Time
		}
	}
	d := c.dirs[dir&1]
	if offset != d.pos {
		// A discontinuity the layer below did not announce: treat it as a gap.
		n := offset - d.pos
		c.gap(d, flow.Gap{Offset: offset, Bytes: n, Reason: event.GapLost, Frame: firstFrame(refs), Time: firstTime(refs)})
	}
	d.data(data, refs)
}

func firstFrame(refs []event.FrameRef) uint64 {
	if len(refs) == 0 {
		return 0
	}
	return refs[0].Frame
}

func firstTime(refs []event.FrameRef) time.Time {
	if len(refs) == 0 {
		return time.Time{}
	}
	return refs[0].Time
}

// Gap implements flow.StreamHandler.
func (c *Conn) Gap(dir event.Dir, g flow.Gap) {
	if c.closed {
		return
	}
	c.gap(c.dirs[dir&1], g)
}

func (c *Conn) gap(d *dirState, g flow.Gap) {
	d.sawGap = true
	if g.Time.After(c.lastTime) {
		c.lastTime = g.Time
	}
	action := d.onGap(g)
	if g.Bytes > 0 {
		d.acct.Missing += g.Bytes
	}
	c.emit(event.Event{Kind: event.KindGap, Dir: d.ld, HasDir: true, Time: g.Time, Gap: &event.GapEvent{
		Offset: g.Offset, Bytes: g.Bytes, Reason: g.Reason, Frame: g.Frame, Action: action,
	}})
	d.pos = g.Offset
}

// Close implements flow.StreamHandler: it flushes what is pending and
// fills the RTMP part of the conn-closed event.
func (c *Conn) Close(ev *event.ConnEvent) {
	if c.closed {
		return
	}
	if ev.Last.After(c.lastTime) {
		c.lastTime = ev.Last
	}
	for _, d := range c.dirs {
		d.finish()
	}
	c.maybeEmitHandshake(true)
	for _, d := range c.dirs {
		d.finishDiags()
	}
	c.closed = true
	ev.RTMP = c.rtmp || (c.hs != nil && c.hs.Encrypted)
	ev.MidStream = ev.MidStream || c.midStream
	ev.First, ev.Last = c.firstTime, c.lastTime
	for i, d := range c.dirs {
		ev.Bytes[i] = d.pos
		ev.Account[i] = d.acct
		ev.Messages[i] = d.messages
		ev.Acks[i] = d.ack.stats()
	}
}

// diag emits a diagnostic for a direction, subject to the per-code cap.
func (c *Conn) diag(d *dirState, sev event.Severity, code string, frame uint64, offset int64, text string) {
	c.diagEx(d, &event.Diagnostic{Severity: sev, Code: code, Text: text, Offset: offset, Frames: [2]uint64{frame, frame}})
}

func (c *Conn) diagEx(d *dirState, dg *event.Diagnostic) {
	if d.trial != nil {
		return
	}
	if d.diagCount == nil {
		d.diagCount = map[string]int{}
	}
	d.diagCount[dg.Code]++
	if d.diagCount[dg.Code] > c.opts.MaxDiagPerCode {
		return
	}
	t := c.lastTime
	if !d.curTime.IsZero() {
		t = d.curTime
	}
	c.emit(event.Event{Kind: event.KindDiagnostic, Dir: d.ld, HasDir: true, Time: t, Diag: dg})
}

func (d *dirState) finishDiags() {
	c := d.c
	codes := make([]string, 0, len(d.diagCount))
	for code := range d.diagCount {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		if n := d.diagCount[code]; n > c.opts.MaxDiagPerCode {
			c.emit(event.Event{Kind: event.KindDiagnostic, Dir: d.ld, HasDir: true, Time: c.lastTime, Diag: &event.Diagnostic{
				Severity: event.Info, Code: "diag.suppressed", Offset: -1,
				Text: fmt.Sprintf("%d more %s diagnostics were suppressed", n-c.opts.MaxDiagPerCode, code),
			}})
		}
	}
}
