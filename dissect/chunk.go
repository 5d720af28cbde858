package dissect

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/rtmpscope/rtmpscope/event"
)

const (
	defaultChunkSize = 128
	maxHeaderLen     = 3 + 11 + 4 // basic + fmt 0 message header + extended timestamp
	maxMsgLen        = 1<<24 - 1
	extMarker        = 0xFFFFFF
)

// Extended timestamp convention on fmt-3 continuation chunks, per direction.
const (
	extUnknown  int8 = 0
	extRepeat   int8 = 1  // the 4 bytes are repeated (spec, ffmpeg, OBS)
	extNoRepeat int8 = -1 // they are not (old librtmp, some servers)
)

// chunkStream is the header state of one chunk stream id in one direction.
type chunkStream struct {
	id        uint32
	known     bool // a fmt 0 (or framable fmt 1) header has been seen
	stale     bool // state predates a gap or a resync: fmt 2/3 cannot be trusted
	msidGuess bool // msid never seen on the wire
	tsBase    bool // true when the absolute timestamp base is inferred
	ts        uint32
	delta     uint32
	length    uint32
	typeID    event.MsgType
	msid      uint32
	ext       bool   // the last fmt 0-2 header carried an extended timestamp
	extVal    uint32 // its value

	msg     *event.Message // message in progress
	have    uint32         // payload bytes of msg received
	keep    bool           // msg's body is being kept
	counted bool           // counted in dirState.partials
	next    int            // when msg.Sparse, where the walk goes on (sparse.go)
}

// header is one parsed chunk header.
type header struct {
	fmt     uint8
	csid    uint32
	hlen    int
	tsField uint32 // 24-bit field, or the extended value when ext
	length  uint32
	typeID  event.MsgType
	msid    uint32
	ext     bool   // fmt 0-2 with an extended timestamp
	ext3    bool   // fmt 3 followed by 4 extended timestamp bytes
	ext3Val uint32 // their value
	ext3New bool   // ext3 was decided now (first sight of the convention)
	ext3Rep bool   // with ext3New: the convention found is "repeat"
	// raw is the header's bytes as on the wire, set only when
	// Options.KeepChunkHeaders (addChunk copies it into event.ChunkInfo.Header).
	raw []byte
}

type parseStatus uint8

const (
	parseOK parseStatus = iota
	parseMore
)

// dirState is one direction of a connection.
type dirState struct {
	c     *Conn
	ld    event.Dir // logical direction (after any swap)
	phase phase
	pos   int64 // stream offset of the next byte

	refs     []event.FrameRef
	refIdx   int
	curFrame uint64
	curTime  time.Time

	hs hsState

	chunkSize   uint32
	sizeKnown   bool // set by a Set Chunk Size seen on the wire (or the default after a handshake)
	small       [64]*chunkStream
	streams     map[uint32]*chunkStream
	nStreams    int
	partials    int
	extConv     int8
	extReported bool

	hdr      [maxHeaderLen]byte
	hdrN     int
	hdrStart int64
	hdrFrame uint64

	cur     *chunkStream // stream whose chunk payload is being read
	curLeft uint32

	// inference after a mid-stream start or a gap
	inferred    bool
	inferSize   uint32
	inferConts  int
	inferConts0 int // inferConts when the size was inferred
	inferNote   string
	lastMSID    uint32

	// hunting
	hunt        []byte
	huntRefs    []event.FrameRef
	huntStart   int64
	sawGap      bool
	midStream   bool
	huntDropped int
	skipStart   int64
	skipLen     int64
	skipFrames  [2]uint64

	lastTS    map[uint64]uint32 // msid<<8|type -> last media timestamp
	ack       ackState
	acct      event.Accounting
	messages  int
	diagCount map[string]int

	trial  *trialStats // non-nil: a resynchronisation trial, nothing is emitted
	parent *dirState   // a trial's real direction
}

func newDirState(c *Conn, ld event.Dir) *dirState {
	return &dirState{c: c, ld: ld, chunkSize: defaultChunkSize}
}

// frameAt returns the frame and time of stream offset pos, which must not
// be less than the previous call's since the last setRefs.
func (d *dirState) frameAt(pos int64) (uint64, time.Time) {
	for d.refIdx < len(d.refs) && d.refs[d.refIdx].Offset+int64(d.refs[d.refIdx].Len) <= pos {
		d.refIdx++
	}
	if d.refIdx < len(d.refs) && d.refs[d.refIdx].Offset <= pos {
		r := &d.refs[d.refIdx]
		d.curFrame, d.curTime = r.Frame, r.Time
	}
	return d.curFrame, d.curTime
}

func (d *dirState) setRefs(refs []event.FrameRef) {
	d.refs = refs
	d.refIdx = 0
}

func (d *dirState) stream(id uint32) *chunkStream {
	var cs *chunkStream
	if id < 64 {
		cs = d.small[id]
	} else {
		cs = d.streams[id]
	}
	if cs == nil && d.parent != nil {
		// A trial sees the real state's headers as stale hints, copied
		// only when used.
		if p := d.parent.stream(id); p != nil {
			if cs = d.newStream(id); cs != nil {
				cs.known, cs.stale, cs.msid, cs.msidGuess, cs.typeID, cs.length, cs.delta, cs.ext, cs.extVal =
					p.known, true, p.msid, p.msidGuess, p.typeID, p.length, p.delta, p.ext, p.extVal
			}
		}
	}
	return cs
}

func (d *dirState) newStream(id uint32) *chunkStream {
	if d.nStreams >= d.c.opts.MaxChunkStreams {
		return nil
	}
	cs := &chunkStream{id: id}
	d.nStreams++
	if id < 64 {
		d.small[id] = cs
	} else {
		if d.streams == nil {
			d.streams = map[uint32]*chunkStream{}
		}
		d.streams[id] = cs
	}
	return cs
}

// eachStream calls f for every chunk stream.
func (d *dirState) eachStream(f func(*chunkStream)) {
	for _, cs := range d.small {
		if cs != nil {
			f(cs)
		}
	}
	for _, cs := range d.streams {
		f(cs)
	}
}

// data processes bytes delivered in order at d.pos.
func (d *dirState) data(data []byte, refs []event.FrameRef) {
	d.setRefs(refs)
	for len(data) > 0 {
		n := 0
		switch d.phase {
		case phaseStart:
			d.begin(data[0])
			continue
		case phaseHandshake:
			n = d.c.handshakeData(d, data)
			if d.hs.done && d.c.hs.Encrypted && !d.c.decrypted {
				d.phase = phaseEncrypted
				d.c.maybeEmitHandshake(false)
			} else if d.hs.done {
				d.phase = phaseChunks
				d.sizeKnown = true
				d.c.maybeEmitHandshake(false)
			}
		case phaseEncrypted:
			n = len(data)
			d.acct.Encrypted += int64(n)
		case phaseChunks:
			n = d.chunkData(data)
		case phaseStop:
			return
		case phaseHunt:
			d.huntData(data)
			d.pos += int64(len(data))
			data = nil
			if len(d.hunt) >= d.c.opts.HuntWindow {
				data = d.resync(false)
			}
			continue
		}
		d.pos += int64(n)
		data = data[n:]
	}
	if d.trial == nil {
		d.c.checkAcks(d)
	}
}

// begin decides what the first byte of a direction starts.
func (d *dirState) begin(b byte) {
	c := d.c
	if d.sawGap || d.pos != 0 {
		d.startMidStream()
		return
	}
	switch b {
	case 3:
		d.phase = phaseHandshake
		c.hsInfo()
	case 6, 8:
		d.phase = phaseHandshake
		c.hsInfo()
		if d.ld == event.C2S {
			c.hs.Encrypted = true
		}
	default:
		if d.ld == event.S2C && c.hs != nil && c.hs.Encrypted && !c.decrypted {
			d.phase = phaseEncrypted
			return
		}
		d.startMidStream()
	}
}

func (d *dirState) startMidStream() {
	d.midStream = true
	d.c.midStream = true
	d.phase = phaseHunt
	d.huntStart = d.pos
	f, _ := d.frameAt(d.pos)
	d.c.diag(d, event.Info, "conn.midstream", f, d.pos,
		"no RTMP handshake at the start of this direction: the capture joined mid-stream; resynchronising on chunk headers")
}

// chunkData consumes chunk-layer bytes and returns how many it used. It
// stops early when the phase changes.
func (d *dirState) chunkData(data []byte) int {
	used := 0
	for used < len(data) && d.phase == phaseChunks {
		rest := data[used:]
		if d.cur != nil {
			used += d.payload(rest, d.pos+int64(used))
			continue
		}
		var h header
		var st parseStatus
		var start int64
		consumed := 0
		oldN := d.hdrN
		if d.hdrN == 0 {
			start = d.pos + int64(used)
			h, st = d.parseHeader(rest)
			if st == parseMore {
				f, _ := d.frameAt(start)
				d.hdrFrame = f
				d.hdrStart = start
				d.hdrN = copy(d.hdr[:], rest)
				return used + d.hdrN
			}
			consumed = h.hlen
		} else {
			start = d.hdrStart
			k := copy(d.hdr[d.hdrN:], rest)
			h, st = d.parseHeader(d.hdr[:d.hdrN+k])
			if st == parseMore {
				d.hdrN += k
				return used + k
			}
			consumed = h.hlen - d.hdrN
			d.hdrN = 0
		}
		frame := d.hdrFrame
		if start >= d.pos+int64(used) {
			frame, _ = d.frameAt(start)
		}
		if d.unconfirmedSize() && d.trial == nil && d.needsContinuation(&h) {
			// The chunk size was assumed without evidence and this
			// message is longer: decide the size again with lookahead,
			// starting at this header.
			d.enterHunt(start, d.hdr[:oldN], d.hdrFrame)
			d.hdrN = 0
			return used
		}
		if d.c.opts.KeepChunkHeaders {
			if oldN == 0 {
				h.raw = rest[:h.hlen]
			} else {
				h.raw = d.hdr[:h.hlen]
			}
		}
		if !d.startChunk(&h, start, frame) {
			// Unexplainable header: hunt from its first byte.
			d.enterHunt(start, d.hdr[:oldN], d.hdrFrame)
			return used
		}
		d.acct.Header += int64(h.hlen)
		used += consumed
		if d.cur != nil && d.curLeft == 0 {
			d.endChunk(d.pos + int64(used))
		}
	}
	return used
}

// unconfirmedSize reports whether the chunk size in force was assumed
// after a resynchronisation with no continuation header to confirm it.
func (d *dirState) unconfirmedSize() bool {
	return d.inferred && d.inferConts == 0
}

// needsContinuation reports whether the message that header h starts
// is longer than the chunk size.
func (d *dirState) needsContinuation(h *header) bool {
	if h.fmt <= 1 {
		return h.length > d.chunkSize
	}
	cs := d.stream(h.csid)
	return cs != nil && cs.msg == nil && cs.known && !cs.stale && cs.length > d.chunkSize
}

// parseHeader parses a chunk header at the start of b. It never reads
// beyond b and asks for more bytes rather than guess.
func (d *dirState) parseHeader(b []byte) (header, parseStatus) {
	var h header
	if len(b) < 1 {
		return h, parseMore
	}
	h.fmt = b[0] >> 6
	bl := 1
	switch b[0] & 0x3f {
	case 0:
		bl = 2
		if len(b) < 2 {
			return h, parseMore
		}
		h.csid = 64 + uint32(b[1])
	case 1:
		bl = 3
		if len(b) < 3 {
			return h, parseMore
		}
		h.csid = 64 + uint32(b[1]) + uint32(b[2])<<8
	default:
		h.csid = uint32(b[0] & 0x3f)
	}
	mh := [4]int{11, 7, 3, 0}[h.fmt]
	n := bl + mh
	if len(b) < n {
		return h, parseMore
	}
	p := b[bl:]
	if h.fmt <= 2 {
		h.tsField = uint32(p[0])<<16 | uint32(p[1])<<8 | uint32(p[2])
	}
	if h.fmt <= 1 {
		h.length = uint32(p[3])<<16 | uint32(p[4])<<8 | uint32(p[5])
		h.typeID = event.MsgType(p[6])
	}
	if h.fmt == 0 {
		h.msid = binary.LittleEndian.Uint32(p[7:11])
	}
	if h.fmt <= 2 && h.tsField == extMarker {
		if len(b) < n+4 {
			return h, parseMore
		}
		h.ext = true
		h.tsField = binary.BigEndian.Uint32(b[n:])
		n += 4
	}
	if h.fmt == 3 {
		cs := d.stream(h.csid)
		if cs != nil && cs.known && cs.ext && d.extConv != extNoRepeat {
			if len(b) < n+4 {
				return h, parseMore
			}
			v := binary.BigEndian.Uint32(b[n:])
			switch d.extConv {
			case extRepeat:
				h.ext3, h.ext3Val = true, v
				n += 4
			case extUnknown:
				h.ext3New = true
				if v == cs.extVal {
					h.ext3, h.ext3Val, h.ext3Rep = true, v, true
					n += 4
				}
			}
		}
	}
	h.hlen = n
	return h, parseOK
}

// startChunk applies a parsed header. It returns false when the header
// cannot be explained (the caller resynchronises).
func (d *dirState) startChunk(h *header, start int64, frame uint64) bool {
	c := d.c
	strict := d.inferred || d.trial != nil
	cs := d.stream(h.csid)
	if strict && (h.csid >= 320 || !plausibleHeader(h)) {
		return false
	}
	if h.ext3New {
		if h.ext3Rep {
			d.extConv = extRepeat
		} else {
			d.extConv = extNoRepeat
		}
		if !d.extReported && d.trial == nil {
			d.extReported = true
			conv := "does not repeat the extended timestamp on fmt-3 chunks (old librtmp style)"
			if h.ext3Rep {
				conv = "repeats the extended timestamp on fmt-3 chunks (spec, ffmpeg, OBS style)"
			}
			c.diag(d, event.Info, "exts.convention", frame, start, fmt.Sprintf("this peer %s; decided at csid %d", conv, h.csid))
		}
	}
	if !strict {
		if why := d.implausible(h, cs); why != "" {
			c.diag(d, event.Warn, "chunk.implausible", frame, start, fmt.Sprintf("fmt %d header on csid %d is not trusted (%s): resynchronising", h.fmt, h.csid, why))
			return false
		}
	}
	switch h.fmt {
	case 0, 1:
		if cs == nil {
			if cs = d.newStream(h.csid); cs == nil {
				c.diag(d, event.Error, "chunk.csid_limit", frame, start, fmt.Sprintf("more than %d chunk streams; csid %d not tracked", c.opts.MaxChunkStreams, h.csid))
				return false
			}
		}
		if cs.msg != nil {
			code, text := "chunk.msg_interrupted", fmt.Sprintf("fmt %d header on csid %d while a message was incomplete (%d of %d bytes): the partial message is discarded", h.fmt, h.csid, cs.have, cs.length)
			if h.length != cs.length {
				code = "chunk.len_changed"
				text = fmt.Sprintf("message length changed from %d to %d on csid %d before the message was complete (%d bytes received): the partial message is discarded", cs.length, h.length, h.csid, cs.have)
			}
			c.diag(d, event.Warn, code, frame, start, text)
			d.dropPartial(cs)
		}
		how := event.TSHow{Fmt: h.fmt, Field: h.tsField, Extended: h.ext}
		if h.fmt == 0 {
			cs.msid = h.msid
			cs.msidGuess = false
			cs.ts = h.tsField
			cs.tsBase = false
		} else {
			if !cs.known || cs.stale && cs.msidGuess {
				// fmt 1 carries everything needed to frame the message,
				// only the message stream id and the timestamp base are
				// missing.
				if !cs.known {
					cs.msid = d.guessMSID(h.typeID)
					cs.msidGuess = true
				}
				if !d.inferred && d.trial == nil {
					c.diag(d, event.Warn, "chunk.no_fmt0", frame, start, fmt.Sprintf("fmt 1 header on csid %d with no prior fmt 0: message stream id and timestamp base unknown", h.csid))
				}
			}
			if !cs.known || cs.stale {
				cs.tsBase = true
			}
			cs.ts += h.tsField
			how.Delta = h.tsField
		}
		// A fmt 3 that starts a new message re-applies this field: the
		// delta for fmt 1/2, and (as ffmpeg, nginx and Wireshark do) the
		// fmt 0 timestamp field too.
		cs.delta = h.tsField
		cs.known, cs.stale = true, false
		cs.length, cs.typeID = h.length, h.typeID
		cs.ext, cs.extVal = h.ext, h.tsField
		how.Inferred = cs.tsBase
		return d.startMessage(cs, h, start, frame, how)
	case 2:
		if cs == nil || !cs.known || cs.stale {
			return d.noHeader(h, start, frame)
		}
		if cs.msg != nil {
			c.diag(d, event.Warn, "chunk.msg_interrupted", frame, start, fmt.Sprintf("fmt 2 header on csid %d while a message was incomplete (%d of %d bytes): the partial message is discarded", h.csid, cs.have, cs.length))
			d.dropPartial(cs)
		}
		cs.delta = h.tsField
		cs.ts += h.tsField
		cs.ext, cs.extVal = h.ext, h.tsField
		how := event.TSHow{Fmt: 2, Field: h.tsField, Delta: h.tsField, Extended: h.ext, Inferred: cs.tsBase}
		return d.startMessage(cs, h, start, frame, how)
	default: // 3
		if cs == nil || !cs.known || cs.stale && cs.msg == nil {
			return d.noHeader(h, start, frame)
		}
		if cs.msg != nil {
			// Continuation chunk.
			if h.ext3 && h.ext3Val != cs.extVal && d.trial == nil {
				c.diag(d, event.Warn, "exts.mismatch", frame, start, fmt.Sprintf("fmt-3 continuation on csid %d repeats extended timestamp %d, but the message's was %d", h.csid, h.ext3Val, cs.extVal))
			}
			if d.inferred {
				d.inferConts++
			}
			if d.trial != nil {
				d.trial.conts++
			}
			d.addChunk(cs, h, start, frame)
			return true
		}
		if h.ext3 {
			cs.delta = h.ext3Val
			cs.extVal = h.ext3Val
		}
		cs.ts += cs.delta
		how := event.TSHow{Fmt: 3, Field: cs.delta, Delta: cs.delta, Extended: cs.ext, Inferred: cs.tsBase}
		return d.startMessage(cs, h, start, frame, how)
	}
}

// noHeader handles a fmt 2/3 header on a chunk stream whose header was
// never seen: the message length is unknown, so framing is lost.
func (d *dirState) noHeader(h *header, start int64, frame uint64) bool {
	if d.trial == nil && !d.inferred {
		d.c.diag(d, event.Warn, "chunk.no_fmt0", frame, start, fmt.Sprintf("fmt %d header on csid %d, which has no prior fmt 0/1 header: its length is unknown, resynchronising", h.fmt, h.csid))
	}
	return false
}

// guessMSID guesses the message stream id of a message whose fmt 0 header
// was never seen: control messages use 0, others the last non-zero id.
func (d *dirState) guessMSID(typ event.MsgType) uint32 {
	if typ <= event.TypeSetPeerBandwidth {
		return 0
	}
	if d.lastMSID != 0 {
		return d.lastMSID
	}
	if typ == event.TypeAudio || typ == event.TypeVideo {
		return 1
	}
	return 0
}

// startMessage begins a message on cs and reads its first chunk header.
func (d *dirState) startMessage(cs *chunkStream, h *header, start int64, frame uint64, how event.TSHow) bool {
	c := d.c
	if d.trial != nil && d.trial.msgs >= trialMaxMsgs {
		d.trial.done = true
		return false
	}
	m := &event.Message{
		Dir: d.ld, Offset: start, CSID: cs.id, MSID: cs.msid, Timestamp: cs.ts, TS: how,
		TypeID: cs.typeID, Length: cs.length, Confidence: 1, MSIDGuess: cs.msidGuess,
	}
	if d.trial == nil {
	}
	m.Frames[0] = frame
	if d.inferred || how.Inferred || cs.msidGuess {
		m.Inferred = true
		m.Confidence, m.InferNote = d.inference(how.Inferred, cs.msidGuess)
	}
	cs.msg = m
	cs.have = 0
	cs.keep = false
	if d.trial == nil || cs.typeID <= event.TypeSetPeerBandwidth {
		if d.partials < c.opts.MaxPartials {
			cs.keep = true
			d.partials++
			cs.counted = true
		} else if !cs.counted {
			c.diag(d, event.Error, "chunk.partials_limit", frame, start, fmt.Sprintf("more than %d messages in progress: the body of the message on csid %d is not kept", c.opts.MaxPartials, cs.id))
			m.BodyTruncated = true
		}
	}
	if cs.msid != 0 && cs.typeID > event.TypeSetPeerBandwidth && !cs.msidGuess {
		d.lastMSID = cs.msid
	}
	d.addChunk(cs, h, start, frame)
	return true
}

func (d *dirState) inference(tsInferred, msidGuess bool) (float64, string) {
	conf := 1.0
	note := ""
	if d.inferred {
		conf = 1 - 1/float64(uint(2)<<min(d.inferConts, 20))
		if conf > 0.999 {
			conf = 0.999
		}
		note = d.inferNote
		if n := d.inferConts - d.inferConts0; n > 0 {
			note = fmt.Sprintf("%s; %d more continuation headers confirmed it since", note, n)
		}
	}
	if tsInferred {
		if note != "" {
			note += "; "
		}
		note += "timestamp base not seen (relative)"
		conf *= 0.9
	}
	if msidGuess {
		if note != "" {
			note += "; "
		}
		note += "message stream id guessed"
		conf *= 0.9
	}
	return conf, note
}

// addChunk records a chunk of cs's message and sets up its payload.
func (d *dirState) addChunk(cs *chunkStream, h *header, start int64, frame uint64) {
	m := cs.msg
	left := cs.length - cs.have
	plen := min(d.chunkSize, left)
	if d.trial == nil && !d.c.opts.SkipChunkList {
		if len(m.Chunks) < d.c.opts.MaxChunkList {
			ci := event.ChunkInfo{Offset: start, HeaderLen: h.hlen, Fmt: h.fmt, CSID: h.csid, PayloadLen: int(plen), Frame: frame}
			if h.raw != nil {
				// Copied: raw points into reassembly's buffer or d.hdr.
				ci.Header = append([]byte(nil), h.raw...)
			}
			if m.Chunks == nil {
				m.Chunks = d.c.opts.Bodies.getChunks()
			}
			m.Chunks = append(m.Chunks, ci)
		}
	}
	m.ChunkCount++
	d.cur = cs
	d.curLeft = plen
}

// payload consumes payload bytes of the current chunk.
func (d *dirState) payload(b []byte, pos int64) int {
	cs := d.cur
	n := uint32(len(b))
	if n > d.curLeft {
		n = d.curLeft
	}
	if cs.keep && d.trial != nil {
		// Trials keep only control bodies (strictly bounded lengths)
		// and do not count against the connection's budget.
		cs.msg.Body = append(cs.msg.Body, b[:n]...)
	} else if cs.keep {
		// Budgets are charged by capacity, not length: a body grows by
		// doubling, and what it reserves is what memory holds.
		m := cs.msg
		extra := int64(grownCap(m.Body, int(n), cs.length) - cap(m.Body))
		switch {
		case d.c.liveBody+extra > d.c.opts.MaxBodyBytes:
			d.c.diag(d, event.Warn, "chunk.mem_limit", d.curFrame, pos, fmt.Sprintf("partial message bodies of this connection exceed %d bytes (--max-body-conn): the body of the message on csid %d is not kept", d.c.opts.MaxBodyBytes, cs.id))
			d.c.release(int64(cap(m.Body)))
			m.Body = nil
			m.BodyTruncated = true
			cs.keep = false
		case extra > 0 && !d.c.opts.Budget.take(extra):
			d.c.diag(d, event.Warn, "chunk.budget", d.curFrame, pos, fmt.Sprintf("partial message bodies of all connections exceed %d bytes (--max-body-total): the body of the message on csid %d is not kept", d.c.opts.Budget.Max(), cs.id))
			d.c.release(int64(cap(m.Body)))
			m.Body = nil
			m.BodyTruncated = true
			cs.keep = false
		default:
			before := cap(m.Body)
			if m.Sparse {
				m.Body = sparseAppend(m.Body, b[:n], int(cs.length), &cs.next)
			} else {
				m.Body = d.c.opts.Bodies.grow(m.Body, b[:n], cs.length)
				if l := len(m.Body); l >= sparseHead && l-int(n) < sparseHead {
					d.chooseSparse(cs, m.Body) // its first sparseHead bytes are in
				}
			}
			// A pooled buffer's capacity is its size class, not
			// grownCap's: charge what was really reserved, so that
			// releasing cap(m.Body) later balances exactly.
			got := int64(cap(m.Body) - before)
			d.c.opts.Budget.adjust(got - extra)
			d.c.liveBody += got
		}
	}
	cs.have += n
	d.curLeft -= n
	d.acct.Payload += int64(n)
	if d.curLeft == 0 {
		d.endChunk(pos + int64(n))
	}
	return int(n)
}

// chooseSparse decides, once a message's first sparseHead bytes are in
// body, whether the rest of it is assembled sparse (Options.SparseVideo):
// a video frame whose layout the walk knows, in a buffer that already
// holds its whole length (no growing, so no copy of what is not there).
func (d *dirState) chooseSparse(cs *chunkStream, body []byte) {
	if !d.c.opts.SparseVideo || d.trial != nil || cs.typeID != event.TypeVideo || cap(body) < int(cs.length) {
		return
	}
	if next, ok := sparseBegin(body, int(cs.length)); ok {
		cs.msg.Sparse, cs.next = true, next
	}
}

// firstBodyAlloc is the most a message body's first allocation reserves
// ahead of the bytes. Most messages (commands, audio, video frames up to a
// few hundred KB) then need a single allocation instead of a copy per
// doubling, which was a third of the dissector's time on a 20 Mbit/s
// stream; a lying length claim still gets at most this much before its
// bytes arrive, and beyond it bodies grow geometrically with the bytes.
const firstBodyAlloc = 256 << 10

// growAppend appends src to dst, growing geometrically but never beyond
// total, so that a length claim allocates only as bytes arrive.
func growAppend(dst, src []byte, total uint32) []byte {
	if nc := grownCap(dst, len(src), total); nc > cap(dst) {
		nb := make([]byte, len(dst), nc)
		copy(nb, dst)
		dst = nb
	}
	return append(dst, src...)
}

// grownCap is the capacity growAppend gives dst to append n more bytes.
func grownCap(dst []byte, n int, total uint32) int {
	need := len(dst) + n
	if need <= cap(dst) {
		return cap(dst)
	}
	nc := max(2*cap(dst), firstBodyAlloc, need)
	if nc > int(total) {
		nc = int(total)
	}
	return max(nc, need)
}

// endChunk finishes the current chunk; end is the offset after its last byte.
func (d *dirState) endChunk(end int64) {
	cs := d.cur
	d.cur = nil
	if cs.have < cs.length {
		return
	}
	m := cs.msg
	cs.msg = nil
	if cs.counted {
		d.partials--
		cs.counted = false
	}
	if cs.keep && d.trial == nil {
		d.c.release(int64(cap(m.Body)))
	}
	if end > 0 {
		m.Frame, m.Time = d.frameAt(end - 1)
	} else {
		m.Frame, m.Time = d.curFrame, d.curTime
	}
	m.Frames[1] = m.Frame
	d.complete(m)
}

// dropPartial discards the message in progress on cs.
func (d *dirState) dropPartial(cs *chunkStream) {
	if cs.msg == nil {
		return
	}
	if cs.keep && d.trial == nil {
		d.c.release(int64(cap(cs.msg.Body)))
	}
	if cs.counted {
		d.partials--
		cs.counted = false
	}
	if d.cur == cs {
		d.cur = nil
	}
	cs.msg = nil
	cs.have = 0
	cs.keep = false
}

// dropAll discards every partial message and marks every chunk stream's
// state stale; it returns how many partial messages were dropped.
func (d *dirState) dropAll() int {
	n := 0
	d.eachStream(func(cs *chunkStream) {
		if cs.msg != nil {
			n++
			d.dropPartial(cs)
		}
		cs.stale = true
	})
	d.cur = nil
	d.curLeft = 0
	d.hdrN = 0
	return n
}
