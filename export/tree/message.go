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
func buildMessage(ev *event.Event, b decode.Body) *Node {
	m := ev.Message
	typeName := m.TypeID.Name()
	root := (&Node{Label: typeName, Value: decode.Summary(m, b)}).expand()
	if m.Inferred {
		root.Severity = SevWarn
	}
	ef := eventFields(ev)
	ef.add(
		field("Frame", strconv.FormatUint(m.Frame, 10)+" (the message's last byte)"),
		field("Frames", frames(m.Frames)),
		field("Stream offset", strconv.FormatInt(m.Offset, 10)),
	)
	root.add(ef)
	root.add(chunks(m))
	root.add(messageHeader(m))
	root.add(body(m, b))
	return root
}

// chunks lists the chunks the message was cut into; each node covers that
// chunk's header bytes on the wire.
func chunks(m *event.Message) *Node {
	var hdr int
	for _, c := range m.Chunks {
		hdr += c.HeaderLen
	}
	v := strconv.Itoa(m.ChunkCount)
	if len(m.Chunks) < m.ChunkCount {
		v += " (" + strconv.Itoa(len(m.Chunks)) + " listed)"
	}
	v += ", " + strconv.Itoa(hdr) + " header bytes"
	g := field("Chunks", v)
	g.Expanded = m.ChunkCount <= 4
	for i, c := range m.Chunks {
		n := wireField("Chunk "+strconv.Itoa(i+1), chunkLine(&c), c.Offset, c.HeaderLen)
		g.add(n)
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
func (l headerLayout) at(label, value string, rel, n int, maxFmt uint8) *Node {
	if !l.ok || l.fmt > maxFmt {
		return field(label, value)
	}
	return wireField(label, value, l.start+int64(l.basic+rel), n)
}

func messageHeader(m *event.Message) *Node {
	l := layout(m)
	g := field("Message header", "").expand()
	csid := field("Chunk stream ID", strconv.FormatUint(uint64(m.CSID), 10))
	if l.ok {
		csid.Space, csid.Off, csid.Len = Wire, l.start, int64(l.basic)
	}
	g.add(csid)

	msid := l.at("Message stream ID", strconv.FormatUint(uint64(m.MSID), 10), 7, 4, 0)
	switch {
	case m.MSIDGuess:
		msid.Value += " (guessed: not on the wire since the capture joined)"
		msid.Severity = SevWarn
	case l.ok && l.fmt > 0:
		msid.Value += " (from the chunk stream's earlier header)"
	}
	g.add(msid)
	g.add(timestamp(m, l))

	typ := event.MsgType(m.TypeID).Name()
	ty := l.at("Type ID", strconv.Itoa(int(m.TypeID))+" ("+typ+")", 6, 1, 1)
	if !event.MsgType(m.TypeID).Known() {
		ty.Severity = SevWarn
	}
	g.add(ty)
	length := l.at("Length", strconv.FormatUint(uint64(m.Length), 10), 3, 3, 1)
	if m.BodyTruncated {
		length.Value += fmt.Sprintf(" (body kept: %d bytes, memory budget exhausted)", len(m.Body))
		length.Severity = SevWarn
	}
	g.add(length)
	g.add(field("Chunk count", strconv.Itoa(m.ChunkCount)))
	if m.Inferred || m.Confidence < 1 {
		inf := field("Inference", fmt.Sprintf("confidence %.2f", m.Confidence)).sev(SevWarn).expand()
		if m.InferNote != "" {
			inf.add(field("How", m.InferNote))
		}
		g.add(inf)
	}
	return g
}

// timestamp explains how the absolute timestamp was derived.
func timestamp(m *event.Message, l headerLayout) *Node {
	t := m.TS
	v := strconv.FormatUint(uint64(m.Timestamp), 10) + " ms"
	var how string
	switch t.Fmt {
	case 0:
		how = "fmt 0: absolute"
	case 1, 2:
		how = "fmt " + strconv.Itoa(int(t.Fmt)) + ": previous timestamp + delta " + strconv.FormatUint(uint64(t.Delta), 10)
	default:
		how = "fmt 3: previous timestamp + the chunk stream's last delta " + strconv.FormatUint(uint64(t.Delta), 10)
	}
	n := field("Timestamp", v).expand()
	if t.Inferred {
		n.Value += " (relative to an unseen base)"
		n.Severity = SevWarn
	}
	n.add(field("Derived", how))
	label := "Timestamp delta field"
	if t.Fmt == 0 {
		label = "Timestamp field"
	}
	if t.Fmt < 3 {
		f := l.at(label, fmt.Sprint(t.Field), 0, 3, 2)
		if t.Extended {
			f.Value = "0xFFFFFF (extended timestamp follows)"
		}
		n.add(f)
	}
	if t.Extended {
		e := field("Extended timestamp", fmt.Sprint(t.Field))
		if l.ok {
			e.Space, e.Off, e.Len = Wire, l.extOff, 4
		}
		n.add(e)
	}
	if t.Inferred {
		n.add(field("Base", "inferred: the chunk stream's fmt 0 header was not captured").sev(SevWarn))
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
func chunkLine(c *event.ChunkInfo) string {
	b := make([]byte, 0, 80)
	b = append(b, "offset "...)
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
	return string(b)
}
