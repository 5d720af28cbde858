package hexview

import "github.com/rtmpscope/rtmpscope/event"

// chunk is one chunk of the message as the hex view lays it out: its header
// bytes, then its slice of the body. Chunks of one message need not be
// contiguous on the wire (other chunk streams interleave), so every chunk
// starts on a fresh line with its own offsets.
type chunk struct {
	info      event.ChunkInfo
	header    []byte // nil when the header bytes are unknown
	bodyStart int64  // offset of the chunk's payload in the body
	// wire is false for the pseudo-chunk that holds body bytes beyond the
	// listed chunks (the dissector caps Message.Chunks): their stream
	// offsets are unknown, so the offset column shows body offsets.
	wire bool
}

// row is one line of the view: a chunk's marker line (pos < 0) or up to
// bytesPerLine bytes of a chunk starting at pos. Positions count the
// chunk's header bytes first, then its payload bytes.
type row struct {
	chunk  int32
	header bool // the row shows header bytes (else payload bytes)
	pos    int32
}

const markerRow = -1

// buildChunks pairs the message's chunk list with header bytes and body
// slices. headers[i] overrides m.Chunks[i].Header; either may be nil.
func buildChunks(m *event.Message, body []byte, headers [][]byte) []chunk {
	if m == nil {
		return nil
	}
	var out []chunk
	var pos int64
	for i, ci := range m.Chunks {
		if ci.HeaderLen < 0 || ci.PayloadLen < 0 {
			continue // never produced by the dissector; refuse rather than panic
		}
		h := ci.Header
		if i < len(headers) && headers[i] != nil {
			h = headers[i]
		}
		if h != nil && len(h) != ci.HeaderLen {
			h = nil // bytes that do not match the header length are not this header
		}
		out = append(out, chunk{info: ci, header: h, bodyStart: pos, wire: true})
		pos += int64(ci.PayloadLen)
	}
	if rest := int64(len(body)) - pos; rest > 0 {
		out = append(out, chunk{
			info:      event.ChunkInfo{PayloadLen: int(rest), Fmt: 3, CSID: m.CSID},
			bodyStart: pos,
		})
	}
	return out
}

// buildRows lays the chunks out bytesPerLine bytes to a line: a marker line
// per chunk, its header bytes, then its payload bytes on fresh lines, so
// header and payload never share a line (readable without colour).
func buildRows(chunks []chunk, bytesPerLine int) []row {
	n := 0
	for _, c := range chunks {
		n += 1 + (c.info.HeaderLen+bytesPerLine-1)/bytesPerLine + (c.info.PayloadLen+bytesPerLine-1)/bytesPerLine
	}
	rows := make([]row, 0, n) // sized once: a 4 MiB keyframe is 260k rows
	for i, c := range chunks {
		rows = append(rows, row{chunk: int32(i), pos: markerRow})
		for p := 0; p < c.info.HeaderLen; p += bytesPerLine {
			rows = append(rows, row{chunk: int32(i), header: true, pos: int32(p)})
		}
		for p := 0; p < c.info.PayloadLen; p += bytesPerLine {
			rows = append(rows, row{chunk: int32(i), pos: int32(c.info.HeaderLen + p)})
		}
	}
	return rows
}

// rowEnd is one past the last position a data row shows.
func rowEnd(c *chunk, r row, bytesPerLine int) int {
	end := int(r.pos) + bytesPerLine
	if r.header {
		return min(end, c.info.HeaderLen)
	}
	return min(end, c.info.HeaderLen+c.info.PayloadLen)
}

// cell describes the byte at position p of a chunk.
type cell struct {
	b       byte
	known   bool  // false: header bytes not kept, or body truncated
	header  bool  // a chunk header byte
	wireOff int64 // absolute stream offset (when the chunk is on the wire)
	bodyOff int64 // offset in the body, -1 for header bytes
}

func (c *chunk) cell(p int, body []byte) cell {
	if p < c.info.HeaderLen {
		ce := cell{header: true, wireOff: c.info.Offset + int64(p), bodyOff: -1}
		if c.header != nil {
			ce.b, ce.known = c.header[p], true
		}
		return ce
	}
	bo := c.bodyStart + int64(p-c.info.HeaderLen)
	ce := cell{wireOff: c.info.Offset + int64(p), bodyOff: bo}
	if bo >= 0 && bo < int64(len(body)) {
		ce.b, ce.known = body[bo], true
	}
	return ce
}
