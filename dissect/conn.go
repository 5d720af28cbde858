package dissect

import (
	"fmt"
	"sort"
	"time"

	"github.com/rtmpscope/rtmpscope/reassembly"
)

// Options bound what one connection may cost. Zero values take defaults.
type Options struct {
	// MaxBodyBytes caps the bytes held in partial (incomplete) message
	// bodies per connection; beyond it bodies are framed but not kept
	// (Message.BodyTruncated). Default 64 MiB.
	MaxBodyBytes int64
	// MaxPartials caps the messages in progress per direction whose bodies
	// are kept. Default 64.
	MaxPartials int
	// MaxChunkStreams caps the chunk streams tracked per direction; a
	// header for one more is treated as unexplainable. Default 1024.
	MaxChunkStreams int
	// MaxChunkList caps Message.Chunks (ChunkCount still counts all).
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
}

func (o *Options) defaults() {
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 64 << 20
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

// Factory makes a Conn for every connection reassembly finds.
type Factory struct {
	Sink    Sink
	Options Options
	// OnConn, if set, is called with every Conn made (tests use it to
	// read the accounting).
	OnConn func(*Conn)
}

// NewConnection implements reassembly.HandlerFactory.
func (f *Factory) NewConnection(info reassembly.ConnInfo) reassembly.Handler {
	c := NewConn(info, f.Sink, f.Options)
	if f.OnConn != nil {
		f.OnConn(c)
	}
	return c
}

type phase uint8

const (
	phaseStart     phase = iota // nothing seen yet
	phaseHandshake              // C0/C1/C2 or S0/S1/S2
	phaseChunks                 // chunk stream, in sync
	phaseHunt                   // looking for a place to resynchronise
	phaseEncrypted              // RTMPE: counted, not dissected
)

// Conn is one connection's RTMP state machine. It implements
// reassembly.Handler. It is not safe for concurrent use.
type Conn struct {
	info      reassembly.ConnInfo
	id        string
	sink      Sink
	opts      Options
	swapped   bool // reassembly's client is the RTMP server
	decided   bool // swapped is settled
	dirs      [2]*dirState
	hs        *Handshake
	hsEmitted bool
	closed    bool
	liveBody  int64 // bytes held in partial bodies, both directions
	firstTime time.Time
	lastTime  time.Time
	lastFrame uint64
	midStream bool
	rtmp      bool
	seenSizes []uint32 // chunk sizes set by either side, for resync candidates
}

// NewConn starts dissecting a connection. It emits the conn-opened event.
func NewConn(info reassembly.ConnInfo, sink Sink, opts Options) *Conn {
	opts.defaults()
	if sink == nil {
		sink = SinkFunc(func(Event) {})
	}
	c := &Conn{info: info, id: ConnName(info.ID), sink: sink, opts: opts, firstTime: info.FirstSeen, lastTime: info.FirstSeen, lastFrame: info.Frame}
	for i := range c.dirs {
		c.dirs[i] = newDirState(c, reassembly.Direction(i))
	}
	if info.Oriented == "syn" {
		c.decided = true
	}
	c.emit(Event{Kind: KindConn, Time: info.FirstSeen, Conn: &ConnEvent{
		Info: info, Client: info.Client.String(), Server: info.Server.String(), Oriented: info.Oriented,
	}})
	return c
}

// ID returns the connection id ("c1").
func (c *Conn) ID() string { return c.id }

// Accounting returns where the bytes of a direction (as reassembly names
// it, before any client/server swap) went so far.
func (c *Conn) Accounting(dir reassembly.Direction) Accounting {
	return c.dirs[c.logical(dir)].acct
}

// logical maps a reassembly direction to the RTMP one.
func (c *Conn) logical(dir reassembly.Direction) reassembly.Direction {
	if c.swapped {
		return dir ^ 1
	}
	return dir
}

func (c *Conn) emit(e Event) {
	e.ConnID = c.id
	c.sink.Emit(e)
}

// Data implements reassembly.Handler.
func (c *Conn) Data(dir reassembly.Direction, offset int64, data []byte, refs []reassembly.FrameRef) {
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
	if !c.decided {
		c.decided = true
		// The server never speaks first in RTMP: if the first bytes travel
		// towards the guessed client and look like C0+C1, the guess was
		// backwards.
		if dir == reassembly.ServerToClient && offset == 0 && c.dirs[0].pos == 0 && c.dirs[0].phase == phaseStart &&
			(data[0] == 3 || data[0] == 6 || data[0] == 8) && !c.dirs[1].sawGap {
			c.swapped = true
			c.dirs[0], c.dirs[1] = c.dirs[1], c.dirs[0]
			c.dirs[0].ld, c.dirs[1].ld = reassembly.ClientToServer, reassembly.ServerToClient
		}
	}
	d := c.dirs[c.logical(dir)]
	if offset != d.pos {
		// A discontinuity reassembly did not announce: treat it as a gap.
		n := offset - d.pos
		c.gap(d, reassembly.Gap{Offset: offset, Bytes: n, Reason: reassembly.GapLost, Frame: firstFrame(refs), Time: firstTime(refs)})
	}
	d.data(data, refs)
}

func firstFrame(refs []reassembly.FrameRef) uint64 {
	if len(refs) == 0 {
		return 0
	}
	return refs[0].Frame
}

func firstTime(refs []reassembly.FrameRef) time.Time {
	if len(refs) == 0 {
		return time.Time{}
	}
	return refs[0].Time
}

// Gap implements reassembly.Handler.
func (c *Conn) Gap(dir reassembly.Direction, g reassembly.Gap) {
	if c.closed {
		return
	}
	d := c.dirs[c.logical(dir)]
	c.gap(d, g)
}

func (c *Conn) gap(d *dirState, g reassembly.Gap) {
	d.sawGap = true
	if g.Time.After(c.lastTime) {
		c.lastTime = g.Time
	}
	action := d.onGap(g)
	if g.Bytes > 0 {
		d.acct.Missing += g.Bytes
	}
	c.emit(Event{Kind: KindGap, Dir: d.ld, HasDir: true, Time: g.Time, Gap: &GapEvent{
		Offset: g.Offset, Bytes: g.Bytes, Reason: g.Reason.String(), Frame: g.Frame, Action: action,
	}})
	d.pos = g.Offset
}

// Close implements reassembly.Handler: it flushes what is pending and
// emits the conn-closed event.
func (c *Conn) Close(stats reassembly.ConnStats) {
	if c.closed {
		return
	}
	if stats.LastSeen.After(c.lastTime) {
		c.lastTime = stats.LastSeen
	}
	for _, d := range c.dirs {
		d.finish()
	}
	c.maybeEmitHandshake(true)
	for _, d := range c.dirs {
		d.finishDiags()
	}
	c.closed = true
	ev := &ConnEvent{
		Closed: true, Info: c.info, Client: c.info.Client.String(), Server: c.info.Server.String(),
		Oriented: c.info.Oriented, Swapped: c.swapped, RTMP: c.rtmp, MidStream: c.midStream,
		First: c.firstTime, Last: c.lastTime, Stats: &stats,
	}
	if c.swapped {
		ev.Client, ev.Server = ev.Server, ev.Client
		ev.Oriented = "handshake"
	}
	if c.rtmp {
		ev.Variant = "rtmp"
	}
	if c.hs != nil && c.hs.Encrypted {
		ev.Variant = "rtmpe"
		ev.RTMP = true
	}
	for i, d := range c.dirs {
		ev.Bytes[i] = d.pos
		ev.Account[i] = d.acct
		ev.Messages[i] = d.messages
		ev.Acks[i] = d.ack.stats()
	}
	c.emit(Event{Kind: KindConn, Time: c.lastTime, Conn: ev})
}

// diag emits a diagnostic for a direction, subject to the per-code cap.
func (c *Conn) diag(d *dirState, sev Severity, code string, frame uint64, offset int64, text string) {
	c.diagEx(d, &Diagnostic{Severity: sev, Code: code, Text: text, Offset: offset, Frames: [2]uint64{frame, frame}})
}

func (c *Conn) diagEx(d *dirState, dg *Diagnostic) {
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
	c.emit(Event{Kind: KindDiagnostic, Dir: d.ld, HasDir: true, Time: t, Diag: dg})
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
			c.emit(Event{Kind: KindDiagnostic, Dir: d.ld, HasDir: true, Time: c.lastTime, Diag: &Diagnostic{
				Severity: Info, Code: "diag.suppressed", Offset: -1,
				Text: fmt.Sprintf("%d more %s diagnostics were suppressed", n-c.opts.MaxDiagPerCode, code),
			}})
		}
	}
}
