package store

import (
	"encoding/binary"
	"errors"
	"math"

	"github.com/rtmpscope/rtmpscope/event"
)

// A spill record is, in order: the redacted summary, then the message's framing (everything of
// event.Message but the fields a Row holds), its chunk list with header
// bytes, the decoded control bodies, and the body. Integers are varints.
// The summary comes first so the timeline can read a short prefix. The
// body's secret bytes are masked (see mask) and the plain summary of a row
// with secrets is kept in memory: nothing here holds a secret.

// spillFlags bits.
const (
	spTSExt uint8 = 1 << iota
	spTSInferred
	spInferred
	spMSIDGuess
	spTruncated
	spControl
	spUserControl
)

var errSpill = errors.New("spill record is corrupt")

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendBytes(b []byte, s []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func boolBit(v bool, bit uint8) uint8 {
	if v {
		return bit
	}
	return 0
}

// encodeMessage appends the spill record of m to b.
func encodeMessage(b []byte, m *event.Message, summary string) []byte {
	b = appendString(b, summary)
	fl := boolBit(m.TS.Extended, spTSExt) | boolBit(m.TS.Inferred, spTSInferred) | boolBit(m.Inferred, spInferred) |
		boolBit(m.MSIDGuess, spMSIDGuess) | boolBit(m.BodyTruncated, spTruncated) |
		boolBit(m.Control != nil, spControl) | boolBit(m.UserControl != nil, spUserControl)
	b = append(b, fl, m.TS.Fmt)
	b = binary.AppendVarint(b, m.Offset)
	b = binary.AppendUvarint(b, m.Frame)
	b = binary.AppendUvarint(b, m.Frames[0])
	b = binary.AppendUvarint(b, m.Frames[1])
	b = binary.AppendUvarint(b, uint64(m.TS.Field))
	b = binary.AppendUvarint(b, uint64(m.TS.Delta))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(m.Confidence))
	b = appendString(b, m.InferNote)
	b = binary.AppendUvarint(b, uint64(m.ChunkCount))
	b = binary.AppendUvarint(b, uint64(len(m.Chunks)))
	for _, c := range m.Chunks {
		b = binary.AppendVarint(b, c.Offset)
		b = binary.AppendUvarint(b, uint64(c.HeaderLen))
		b = append(b, c.Fmt)
		b = binary.AppendUvarint(b, uint64(c.CSID))
		b = binary.AppendUvarint(b, uint64(c.PayloadLen))
		b = binary.AppendUvarint(b, c.Frame)
		b = appendBytes(b, c.Header)
	}
	if c := m.Control; c != nil {
		b = append(b, byte(c.Type), c.LimitType, boolBit(c.Malformed, 1))
		b = binary.AppendUvarint(b, uint64(c.Value))
	}
	if u := m.UserControl; u != nil {
		b = append(b, boolBit(u.Known, 1)|boolBit(u.Malformed, 2))
		b = binary.AppendUvarint(b, uint64(u.Event))
		b = appendString(b, u.EventName)
		b = binary.AppendUvarint(b, uint64(u.StreamID))
		b = binary.AppendUvarint(b, uint64(u.BufferMS))
		b = binary.AppendUvarint(b, uint64(u.Timestamp))
		b = appendBytes(b, u.Data)
	}
	return appendBytes(b, m.Body)
}

// reader decodes a spill record; the first error sticks.
type reader struct {
	b   []byte
	err error
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errSpill
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errSpill
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) bytes(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.err = errSpill
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) byte1() uint8 {
	if v := r.bytes(1); v != nil {
		return v[0]
	}
	return 0
}

func (r *reader) str() string { return string(r.bytes(int(min(r.uvarint(), math.MaxInt32)))) }

func (r *reader) blob() []byte {
	n := r.uvarint()
	if n == 0 {
		return nil
	}
	return r.bytes(int(min(n, math.MaxInt32)))
}

// decodeSummary reads the summary at the start of a record (or of a
// prefix of one).
func decodeSummary(b []byte) (summary string, err error) {
	r := reader{b: b}
	summary = r.str()
	return summary, r.err
}

// decodeMessage rebuilds a Message from its Row and spill record.
func decodeMessage(row *Row, b []byte) (*event.Message, string, error) {
	r := reader{b: b}
	summary := r.str()
	fl := r.byte1()
	m := &event.Message{
		Dir:       event.Dir(row.Dir),
		Time:      row.When(),
		CSID:      row.CSID,
		MSID:      row.MSID,
		Timestamp: row.Timestamp,
		TypeID:    event.MsgType(row.TypeID),
		Length:    row.Length,
	}
	m.TS.Fmt = r.byte1()
	m.TS.Extended, m.TS.Inferred = fl&spTSExt != 0, fl&spTSInferred != 0
	m.Inferred, m.MSIDGuess, m.BodyTruncated = fl&spInferred != 0, fl&spMSIDGuess != 0, fl&spTruncated != 0
	m.Offset = r.varint()
	m.Frame = r.uvarint()
	m.Frames[0] = r.uvarint()
	m.Frames[1] = r.uvarint()
	m.TS.Field = uint32(r.uvarint())
	m.TS.Delta = uint32(r.uvarint())
	if c := r.bytes(8); c != nil {
		m.Confidence = math.Float64frombits(binary.LittleEndian.Uint64(c))
	}
	m.InferNote = r.str()
	m.ChunkCount = int(min(r.uvarint(), math.MaxInt32))
	n := r.uvarint()
	if n > uint64(len(r.b)) { // each chunk takes at least one byte
		return nil, "", errSpill
	}
	m.Chunks = make([]event.ChunkInfo, 0, n)
	for i := uint64(0); i < n && r.err == nil; i++ {
		var c event.ChunkInfo
		c.Offset = r.varint()
		c.HeaderLen = int(min(r.uvarint(), math.MaxInt32))
		c.Fmt = r.byte1()
		c.CSID = uint32(r.uvarint())
		c.PayloadLen = int(min(r.uvarint(), math.MaxInt32))
		c.Frame = r.uvarint()
		c.Header = r.blob()
		m.Chunks = append(m.Chunks, c)
	}
	if fl&spControl != 0 {
		c := &event.Control{Type: event.MsgType(r.byte1()), LimitType: r.byte1()}
		c.Malformed = r.byte1() != 0
		c.Value = uint32(r.uvarint())
		m.Control = c
	}
	if fl&spUserControl != 0 {
		f := r.byte1()
		u := &event.UserControl{Known: f&1 != 0, Malformed: f&2 != 0}
		u.Event = uint16(r.uvarint())
		u.EventName = r.str()
		u.StreamID = uint32(r.uvarint())
		u.BufferMS = uint32(r.uvarint())
		u.Timestamp = uint32(r.uvarint())
		u.Data = r.blob()
		m.UserControl = u
	}
	m.Body = r.blob()
	if r.err != nil {
		return nil, "", r.err
	}
	return m, summary, nil
}
