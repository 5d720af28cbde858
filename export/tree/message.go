package tree

import (
	"fmt"
	"strconv"

	"github.com/rtmpscope/rtmpscope/dissect/decode"
	"github.com/rtmpscope/rtmpscope/event"
)

// msgHeaderLen is the message header size for each chunk fmt.
var msgHeaderLen = [4]int{11, 7, 3, 0}

// buildMessage is the tree of one RTMP message: where it came from, its
// chunks, its header fields and how they were derived, then its body.
func (a *Arena) buildMessage(ev *event.Event, b decode.Body) *Node {
	m := ev.Message
	root := a.field(m.TypeID.Name(), "").expand()
	if a == nil || !a.NoSummary {
		root.Value = decode.Summary(m, b)
	}
	if m.Inferred {
		root.Severity = SevWarn
	}
	ef := a.add(a.eventFields(ev),
		a.field("Frame", a.utoaThen(m.Frame, " (the message's last byte)")),
		a.field("Frames", a.frames(m.Frames)),
		a.field("Stream offset", a.itoa(m.Offset)),
	)
	return a.add(root, ef, a.chunks(m), a.messageHeader(m), a.body(m, b))
}

// chunks lists the chunks the message was cut into; each node covers that
// chunk's header bytes on the wire.
func (a *Arena) chunks(m *event.Message) *Node {
	var hdr int
	for _, c := range m.Chunks {
		hdr += c.HeaderLen
	}
	var buf textBuf
	v := strconv.AppendInt(buf[:0], int64(m.ChunkCount), 10)
	if len(m.Chunks) < m.ChunkCount {
		v = append(v, " ("...)
		v = strconv.AppendInt(v, int64(len(m.Chunks)), 10)
		v = append(v, " listed)"...)
	}
	v = append(v, ", "...)
	v = strconv.AppendInt(v, int64(hdr), 10)
	v = append(v, " header bytes"...)
	g := a.field("Chunks", a.str(v))
	g.Expanded = m.ChunkCount <= 4
	for i := range m.Chunks {
		c := &m.Chunks[i]
		a.add(g, a.wireField(a.numbered("Chunk ", i+1), a.chunkLine(c), c.Offset, c.HeaderLen))
	}
	return g
}

// headerLayout locates the fields of the first chunk's header, when the
// header length is consistent with its fmt (it always is for messages the
// dissector framed; a mismatch means we cannot say where the fields are).
type headerLayout struct {
	ok     bool
	start  int64 // stream offset of the header
	basic  int   // basic header length, 1..3
	fmt    uint8
	extOff int64 // stream offset of the extended timestamp, when present
}

func layout(m *event.Message) headerLayout {
	if len(m.Chunks) == 0 || m.Chunks[0].Offset != m.Offset {
		return headerLayout{}
	}
	c := m.Chunks[0]
	ext := 0
	if m.TS.Extended {
		ext = 4
	}
	basic := c.HeaderLen - msgHeaderLen[c.Fmt&3] - ext
	if basic < 1 || basic > 3 {
		return headerLayout{}
	}
	l := headerLayout{ok: true, start: c.Offset, basic: basic, fmt: c.Fmt & 3}
	l.extOff = c.Offset + int64(basic+msgHeaderLen[l.fmt])
	return l
}

// at returns a node for a message header field at offset rel from the end
// of the basic header and n bytes long, when the first chunk's fmt carries
// it (minFmt: the largest fmt whose header still has the field).
func (l headerLayout) at(a *Arena, label, value string, rel, n int, maxFmt uint8) *Node {
	if !l.ok || l.fmt > maxFmt {
		return a.field(label, value)
	}
	return a.wireField(label, value, l.start+int64(l.basic+rel), n)
}

func (a *Arena) messageHeader(m *event.Message) *Node {
	l := layout(m)
	g := a.field("Message header", "").expand()
	csid := a.field("Chunk stream ID", a.utoa(uint64(m.CSID)))
	if l.ok {
		csid.Space, csid.Off, csid.Len = Wire, l.start, int64(l.basic)
	}
	a.add(g, csid)

	var how string
	switch {
	case m.MSIDGuess:
		how = " (guessed: not on the wire since the capture joined)"
	case l.ok && l.fmt > 0:
		how = " (from the chunk stream's earlier header)"
	}
	msid := l.at(a, "Message stream ID", a.utoaThen(uint64(m.MSID), how), 7, 4, 0)
	if m.MSIDGuess {
		msid.Severity = SevWarn
	}
	a.add(g, msid)
	a.add(g, a.timestamp(m, l))

	ty := l.at(a, "Type ID", a.numName(uint64(m.TypeID), m.TypeID.Name()), 6, 1, 1)
	if !m.TypeID.Known() {
		ty.Severity = SevWarn
	}
	a.add(g, ty)
	length := a.utoa(uint64(m.Length))
	if m.BodyTruncated {
		length += fmt.Sprintf(" (body kept: %d bytes, memory budget exhausted)", len(m.Body))
	}
	ln := l.at(a, "Length", length, 3, 3, 1)
	if m.BodyTruncated {
		ln.Severity = SevWarn
	}
	a.add(g, ln)
	a.add(g, a.field("Chunk count", a.itoa(int64(m.ChunkCount))))
	if m.Inferred || m.Confidence < 1 {
		inf := a.field("Inference", fmt.Sprintf("confidence %.2f", m.Confidence)).sev(SevWarn).expand()
		if m.InferNote != "" {
			a.add(inf, a.field("How", m.InferNote))
		}
		a.add(g, inf)
	}
	return g
}

// timestamp explains how the absolute timestamp was derived.
func (a *Arena) timestamp(m *event.Message, l headerLayout) *Node {
	t := m.TS
	v := " ms"
	if t.Inferred {
		v = " ms (relative to an unseen base)"
	}
	n := a.field("Timestamp", a.utoaThen(uint64(m.Timestamp), v)).expand()
	if t.Inferred {
		n.Severity = SevWarn
	}
	var buf textBuf
	how := buf[:0]
	switch t.Fmt {
	case 0:
		how = append(how, "fmt 0: absolute"...)
	case 1, 2:
		how = append(how, "fmt "...)
		how = strconv.AppendUint(how, uint64(t.Fmt), 10)
		how = append(how, ": previous timestamp + delta "...)
		how = strconv.AppendUint(how, uint64(t.Delta), 10)
	default:
		how = append(how, "fmt 3: previous timestamp + the chunk stream's last delta "...)
		how = strconv.AppendUint(how, uint64(t.Delta), 10)
	}
	a.add(n, a.field("Derived", a.str(how)))
	label := "Timestamp delta field"
	if t.Fmt == 0 {
		label = "Timestamp field"
	}
	if t.Fmt < 3 {
		v := "0xFFFFFF (extended timestamp follows)"
		if !t.Extended {
			v = a.utoa(uint64(t.Field))
		}
		a.add(n, l.at(a, label, v, 0, 3, 2))
	}
	if t.Extended {
		e := a.field("Extended timestamp", a.utoa(uint64(t.Field)))
		if l.ok {
			e.Space, e.Off, e.Len = Wire, l.extOff, 4
		}
		a.add(n, e)
	}
	if t.Inferred {
		a.add(n, a.field("Base", "inferred: the chunk stream's fmt 0 header was not captured").sev(SevWarn))
	}
	return n
}

// sanitize drops any range that does not lie inside the message (body
// bytes for Body, the message's chunks for Wire) to NoBytes, so views can
// trust every range they are given even if a decoder reports a bad offset.
func sanitize(root *Node, m *event.Message) {
	bodyLen := int64(len(m.Body))
	lo, hi := wireExtent(m)
	root.Walk(func(n *Node, _ int) bool {
		switch n.Space {
		case Body:
			if n.Off < 0 || n.Len < 0 || n.Off+n.Len > bodyLen {
				n.Space, n.Off, n.Len = NoBytes, 0, 0
			}
		case Wire:
			if n.Off < lo || n.Len < 0 || n.Off+n.Len > hi {
				n.Space, n.Off, n.Len = NoBytes, 0, 0
			}
		}
		return true
	})
}

// wireExtent is the stream range [lo, hi) the message's listed chunks span.
func wireExtent(m *event.Message) (lo, hi int64) {
	if len(m.Chunks) == 0 {
		return m.Offset, m.Offset
	}
	last := m.Chunks[len(m.Chunks)-1]
	return m.Offset, last.Offset + int64(last.HeaderLen+last.PayloadLen)
}

// chunkLine describes one chunk: where it is, its header and payload.
func (a *Arena) chunkLine(c *event.ChunkInfo) string {
	var buf textBuf
	b := append(buf[:0], "offset "...)
	b = strconv.AppendInt(b, c.Offset, 10)
	b = append(b, ", fmt "...)
	b = strconv.AppendUint(b, uint64(c.Fmt), 10)
	b = append(b, ", csid "...)
	b = strconv.AppendUint(b, uint64(c.CSID), 10)
	b = append(b, ", header "...)
	b = strconv.AppendInt(b, int64(c.HeaderLen), 10)
	b = append(b, ", payload "...)
	b = strconv.AppendInt(b, int64(c.PayloadLen), 10)
	b = append(b, ", frame "...)
	b = strconv.AppendUint(b, c.Frame, 10)
	return a.str(b)
}
