package dissect

import (
	"fmt"
	"slices"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
)

// Resynchronisation. After a mid-stream start or a gap the chunk layer has
// no chunk size and no per-csid headers it can trust. The bytes are
// gathered (Options.HuntWindow), and every position that could be a fmt 0
// or fmt 1 header is tried: a trial parser, the real one run with strict
// plausibility rules and no output, parses onwards under each candidate
// chunk size. The first position where some size frames several messages
// in a row wins; among sizes, the one that frames the most messages and
// continuation headers (0xC0|csid exactly where the size says a chunk
// ends), then the one listed first (known size, sizes seen on this
// connection, then ascending), so that a size is never assumed larger than
// the evidence allows.

const (
	trialMaxMsgs   = 256 // messages a trial parses before declaring success
	trialAcceptMin = 4   // messages that make a position acceptable on their own
	huntKeep       = 16 << 10
	phaseStop      = phaseEncrypted + 1 // a trial stopped
)

// trialStats is what a trial parse found.
type trialStats struct {
	msgs, conts  int
	failed, done bool
}

var commonSizes = []uint32{128, 256, 512, 1024, 1400, 2048, 4096, 8192, 16384, 32768, 60000, 65536, 1 << 20, maxMsgLen}

// plausibleHeader applies the strict rules used while framing is inferred.
func plausibleHeader(h *header) bool {
	if h.fmt > 1 {
		return true
	}
	if !event.MsgType(h.typeID).Known() {
		return false
	}
	switch h.typeID {
	case event.TypeSetChunkSize, event.TypeAbort, event.TypeAck, event.TypeWindowAckSize:
		if h.length != 4 {
			return false
		}
	case event.TypeSetPeerBandwidth:
		if h.length != 5 {
			return false
		}
	case event.TypeUserControl:
		if h.length < 6 || h.length > 64 {
			return false
		}
	case event.TypeCommandAMF0, event.TypeCommandAMF3, event.TypeDataAMF0, event.TypeDataAMF3, event.TypeSharedObjAMF0, event.TypeSharedObjAMF3:
		if h.length < 1 || h.length > 1<<20 {
			return false
		}
	case event.TypeAggregate:
		if h.length < 11 {
			return false
		}
	}
	if h.fmt == 0 {
		if h.msid > 0xFFFF {
			return false
		}
		if h.typeID <= event.TypeSetPeerBandwidth && h.msid != 0 {
			return false
		}
	}
	return true
}

// plausibleBody checks the first body byte of a message that starts a
// resynchronisation, where most false positives would come from.
func plausibleBody(typ event.MsgType, b byte) bool {
	switch typ {
	case event.TypeCommandAMF0, event.TypeDataAMF0:
		return b == 0x02 // AMF0 string: the command or handler name
	case event.TypeCommandAMF3, event.TypeDataAMF3:
		return b == 0x00 || b == 0x02
	case event.TypeVideo:
		ft := b >> 4 & 7
		if ft < 1 || ft > 5 {
			return false
		}
		if b&0x80 != 0 { // Enhanced RTMP ExHeader
			return true
		}
		codec := b & 0x0f
		return codec >= 1 && codec <= 13
	case event.TypeAggregate:
		return b == 8 || b == 9 || b == 18
	}
	return true
}

// quickStart reports whether a fmt 0/1 header that passes the strict rules
// starts at b; more is true when b is too short to tell.
func (d *dirState) quickStart(b []byte) (ok, more bool) {
	if len(b) < 1 {
		return false, true
	}
	f := b[0] >> 6
	if f > 1 || b[0]&0x3f == 1 {
		return false, false
	}
	save := d.extConv
	h, st := d.parseHeader(b)
	d.extConv = save
	if st == parseMore {
		return false, true
	}
	if h.csid < 2 || h.csid >= 320 || !plausibleHeader(&h) {
		return false, false
	}
	if h.length > 0 {
		if len(b) <= h.hlen {
			return false, true
		}
		if !plausibleBody(h.typeID, b[h.hlen]) {
			return false, false
		}
	}
	return true, false
}

// runTrial parses b from its start with a given chunk size and reports
// how far it got, emitting nothing.
func (d *dirState) runTrial(b []byte, size uint32) trialStats {
	td := &dirState{c: d.c, ld: d.ld, phase: phaseChunks, chunkSize: size, inferred: true, extConv: d.extConv, trial: &trialStats{}, parent: d}
	td.data(b, nil)
	return *td.trial
}

func (d *dirState) candidateSizes() []uint32 {
	var s []uint32
	add := func(v uint32) {
		if v > 0 && !slices.Contains(s, v) {
			s = append(s, v)
		}
	}
	if d.sizeKnown || d.inferred && d.inferConts > 0 {
		add(d.chunkSize)
	}
	for _, v := range d.c.seenSizes {
		add(v)
	}
	for _, v := range commonSizes {
		add(v)
	}
	return s
}

// enterHunt stops framing at stream offset start; pre holds bytes from
// start that were already consumed (a header split across calls).
func (d *dirState) enterHunt(start int64, pre []byte, preFrame uint64) {
	if d.trial != nil {
		d.phase = phaseStop
		if !d.trial.done {
			d.trial.failed = true
		}
		return
	}
	n := d.dropAll()
	d.huntDropped += n
	d.phase = phaseHunt
	d.huntStart = start
	d.hunt = append([]byte(nil), pre...)
	d.huntRefs = nil
	if len(pre) > 0 {
		d.huntRefs = append(d.huntRefs, event.FrameRef{Offset: start, Len: len(pre), Frame: preFrame, Time: d.curTime})
	}
}

// huntData gathers bytes at d.pos while hunting.
func (d *dirState) huntData(b []byte) {
	if len(d.hunt) == 0 {
		d.huntStart = d.pos
		d.huntRefs = d.huntRefs[:0]
	}
	d.hunt = append(d.hunt, b...)
	end := d.pos + int64(len(b))
	for _, r := range d.refs {
		if r.Offset+int64(r.Len) > d.pos && r.Offset < end {
			d.huntRefs = append(d.huntRefs, r)
		}
	}
}

func frameOf(refs []event.FrameRef, off int64) uint64 {
	for _, r := range refs {
		if off >= r.Offset && off < r.Offset+int64(r.Len) {
			return r.Frame
		}
	}
	return 0
}

// resync looks for a place to resume framing in the hunt buffer. When it
// finds one it returns the bytes from there (the caller parses them with
// d.refs) and leaves the hunt; else it drops what cannot lead anywhere and
// returns nil.
func (d *dirState) resync(final bool) []byte {
	buf := d.hunt
	sizes := d.candidateSizes()
	at := -1
	var best trialStats
	var bestSize uint32
	for i := 0; i < len(buf); i++ {
		ok, more := d.quickStart(buf[i:])
		if more && !final {
			break
		}
		if !ok {
			continue
		}
		if buf[i]&0x3f == 0 && i+1 < len(buf) && buf[i+1] >= 2 && buf[i+1] < 64 {
			// A two-byte basic header whose second byte is itself a
			// fmt 0 basic header of a small csid: the zero is more likely
			// the last byte of what came before (a message stream id)
			// than csid 64+n. Prefer the one-byte reading when it holds.
			if ok1, _ := d.quickStart(buf[i+1:]); ok1 {
				continue
			}
		}
		found := false
		for _, s := range sizes {
			r := d.runTrial(buf[i:], s)
			accept := r.msgs >= trialAcceptMin ||
				!r.failed && r.msgs >= 1 && (final || r.done || r.msgs+r.conts >= 2)
			if !accept {
				continue
			}
			if !found || r.msgs > best.msgs || r.msgs == best.msgs && r.conts > best.conts {
				best, bestSize, found = r, s, true
			}
		}
		if found {
			at = i
			break
		}
	}
	if at < 0 {
		skip := len(buf)
		if !final && skip > huntKeep {
			skip -= huntKeep
		} else if !final {
			return nil
		}
		d.skip(d.huntStart, skip, d.huntRefs)
		d.acct.Skipped += int64(skip)
		d.huntStart += int64(skip)
		d.hunt = append(d.hunt[:0], buf[skip:]...)
		return nil
	}
	if at > 0 {
		d.skip(d.huntStart, at, d.huntRefs)
		d.acct.Skipped += int64(at)
	}
	start := d.huntStart + int64(at)
	d.flushSkip()
	how := ""
	switch {
	case d.sizeKnown && bestSize == d.chunkSize:
		d.inferred = false
		how = fmt.Sprintf("chunk size %d still in force from before the gap", bestSize)
	case best.conts > 0:
		d.inferred = true
		d.inferNote = fmt.Sprintf("chunk size %d inferred from %d continuation headers", bestSize, best.conts)
		how = d.inferNote
	default:
		d.inferred = true
		d.inferNote = fmt.Sprintf("chunk size unconfirmed (no message needed a continuation yet); assuming %d", bestSize)
		how = d.inferNote
	}
	d.inferSize = bestSize
	d.inferConts = best.conts
	d.inferConts0 = best.conts
	d.chunkSize = bestSize
	if d.inferred {
		d.sizeKnown = false
	}
	text := fmt.Sprintf("resynchronised at offset %d: %s; %d messages verified ahead", start, how, best.msgs)
	if d.huntDropped > 0 {
		text += fmt.Sprintf("; %d partial messages were dropped", d.huntDropped)
		d.huntDropped = 0
	}
	f := frameOf(d.huntRefs, start)
	d.c.diagEx(d, &event.Diagnostic{Severity: event.Info, Code: "resync.found", Text: text, Offset: start, Frames: [2]uint64{f, f}})
	d.phase = phaseChunks
	d.pos = start
	rest := buf[at:]
	d.hunt = nil
	d.refs, d.refIdx = d.huntRefs, 0
	d.huntRefs = nil
	return rest
}

// skip records bytes passed over; consecutive runs are merged into one
// resync.skipped diagnostic.
func (d *dirState) skip(off int64, n int, refs []event.FrameRef) {
	if n <= 0 {
		return
	}
	if d.skipLen > 0 && d.skipStart+d.skipLen == off {
		d.skipLen += int64(n)
		d.skipFrames[1] = frameOf(refs, off+int64(n)-1)
		return
	}
	d.flushSkip()
	d.skipStart, d.skipLen = off, int64(n)
	d.skipFrames = [2]uint64{frameOf(refs, off), frameOf(refs, off+int64(n)-1)}
}

func (d *dirState) flushSkip() {
	if d.skipLen == 0 {
		return
	}
	d.c.diagEx(d, &event.Diagnostic{Severity: event.Warn, Code: "resync.skipped", Offset: d.skipStart, Length: d.skipLen, Frames: d.skipFrames,
		Text: fmt.Sprintf("skipped %d bytes at offset %d that could not be framed as chunks", d.skipLen, d.skipStart)})
	d.skipLen = 0
}

// flushHunt resynchronises on whatever has been gathered, as at the end of
// the data (before a gap or at close).
func (d *dirState) flushHunt() {
	for d.phase == phaseHunt && len(d.hunt) > 0 {
		before := d.huntStart + int64(len(d.hunt))
		rest := d.resync(true)
		if rest == nil {
			break
		}
		startLen := len(rest)
		d.data(rest, d.refs)
		if d.phase == phaseHunt && len(d.hunt) >= startLen && d.huntStart+int64(len(d.hunt)) == before {
			// No progress: pass over one byte so the loop ends.
			d.skip(d.huntStart, 1, d.huntRefs)
			d.acct.Skipped++
			d.huntStart++
			d.hunt = d.hunt[1:]
		}
	}
	if d.phase == phaseHunt && len(d.hunt) > 0 {
		d.skip(d.huntStart, len(d.hunt), d.huntRefs)
		d.acct.Skipped += int64(len(d.hunt))
		d.hunt = nil
	}
}

// onGap reacts to missing bytes before g.Offset and says what it did.
func (d *dirState) onGap(g flow.Gap) string {
	if d.phase == phaseHunt {
		d.flushHunt()
	}
	action := ""
	switch d.phase {
	case phaseStart:
		// begin() starts hunting at the first byte, if any comes.
		d.pos = g.Offset
		return "capture joined mid-stream: hunting for chunk headers"
	case phaseEncrypted:
		d.pos = g.Offset
		return "encrypted stream: nothing to resynchronise"
	case phaseHandshake:
		action = "handshake interrupted; "
		d.hs.abandoned = true
	case phaseChunks:
		if n := d.dropAll(); n > 0 {
			action = fmt.Sprintf("dropped %d partial messages; ", n)
		} else {
			d.dropAll()
		}
	}
	if d.hdrN > 0 {
		d.acct.Skipped += int64(d.hdrN)
		d.hdrN = 0
	}
	d.flushSkip()
	d.pos = g.Offset
	d.phase = phaseHunt
	d.hunt = nil
	d.huntStart = g.Offset
	return action + "resynchronising on chunk headers"
}

// finish flushes a direction at close.
func (d *dirState) finish() {
	if d.phase == phaseHunt {
		d.flushHunt()
	}
	d.flushSkip()
	if d.hdrN > 0 {
		d.acct.Pending += int64(d.hdrN)
	}
	n := 0
	var first *event.Message
	d.eachStream(func(cs *chunkStream) {
		if cs.msg != nil {
			n++
			if first == nil || cs.msg.Offset < first.Offset {
				first = cs.msg
			}
		}
	})
	if n > 0 {
		d.c.diagEx(d, &event.Diagnostic{Severity: event.Info, Code: "msg.truncated", Offset: first.Offset, Frames: first.Frames,
			Text: fmt.Sprintf("%d messages incomplete when the connection ended (first: %s on csid %d, %d of %d bytes)", n, event.MsgType(first.TypeID).Name(), first.CSID, d.stream(first.CSID).have, first.Length)})
	}
	d.eachStream(d.dropPartial)
}
