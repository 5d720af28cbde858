package rtmpt

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rtmpscope/rtmpscope/event"
)

// httpMsg is one HTTP/1.x request or response as the tunnel parser
// rebuilt it from one direction of a TCP connection.
type httpMsg struct {
	Request bool
	Method  string // request
	Target  string // request
	Status  int    // response
	Minor   int    // HTTP/1.Minor
	// ContentType is the Content-Type header's value (lower case).
	ContentType string
	Close       bool // Connection: close, or HTTP/1.0 without keep-alive
	Offset      int64
	HeadLen     int
	Body        []byte
	BodyRefs    []event.FrameRef // Offset relative to Body[0]
	Frames      [2]uint64        // first and last frame of the message
	Start       time.Time        // capture time of the first byte
	Time        time.Time        // capture time of the last byte
}

type parseState uint8

const (
	stResync    parseState = iota // looking for a start line at a line start
	stHead                        // gathering the start line and headers
	stBody                        // Content-Length body
	stChunkSize                   // chunked: the size line
	stChunkData                   // chunked: chunk bytes
	stChunkEnd                    // chunked: the CRLF after a chunk
	stTrailer                     // chunked: trailer lines up to the empty one
	stUntilEOF                    // response body delimited by the end of the connection
)

// Limits of the parser.
const (
	maxHead = 16 << 10
	maxLine = 4 << 10
	maxBody = 64 << 20
)

// parser is an incremental HTTP/1.x parser of one direction. It never
// panics: whatever is not HTTP is reported through bad and skipped up to
// the next start line.
type parser struct {
	request bool
	state   parseState
	buf     []byte // head, size or trailer line being gathered
	bufOff  int64  // stream offset of buf[0]
	remain  int64
	cur     *httpMsg
	started bool
	next    int64 // stream offset expected next
	// hdr and pay count the bytes of complete heads and chunk-framing
	// lines, and of bodies (Accounting.Header and Payload).
	hdr, pay int64
	emit     func(m *httpMsg)
	bad      func(off int64, at event.FrameRef, what string)
}

func newParser(request bool, emit func(*httpMsg), bad func(int64, event.FrameRef, string)) *parser {
	return &parser{request: request, emit: emit, bad: bad}
}

// frameAt returns the frame and time of stream offset off.
func frameAt(refs []event.FrameRef, off int64) (uint64, time.Time) {
	for _, r := range refs {
		if off >= r.Offset && off < r.Offset+int64(r.Len) {
			return r.Frame, r.Time
		}
	}
	if len(refs) > 0 {
		r := refs[len(refs)-1]
		return r.Frame, r.Time
	}
	return 0, time.Time{}
}

// appendRefs appends to dst the parts of refs that cover stream bytes
// [from, to), rebased so that from is at base.
func appendRefs(dst, refs []event.FrameRef, from, to, base int64) []event.FrameRef {
	for _, r := range refs {
		a, b := max(r.Offset, from), min(r.Offset+int64(r.Len), to)
		if a >= b {
			continue
		}
		o := a - from + base
		if n := len(dst); n > 0 && dst[n-1].Frame == r.Frame && dst[n-1].Offset+int64(dst[n-1].Len) == o {
			dst[n-1].Len += int(b - a)
			continue
		}
		dst = append(dst, event.FrameRef{Offset: o, Len: int(b - a), Frame: r.Frame, Time: r.Time})
	}
	return dst
}

// gap says bytes are missing before off: a message in progress is lost
// and the parser looks for the next start line.
func (p *parser) gap(off int64) (lost bool) {
	lost = p.cur != nil || len(p.buf) > 0 || p.state != stResync && p.state != stHead
	p.cur, p.buf, p.state = nil, nil, stResync
	p.next = off
	p.started = true
	return lost
}

// pending is how many bytes are held in an unfinished head or line.
func (p *parser) pending() int64 {
	if p.state == stResync {
		return 0
	}
	return int64(len(p.buf))
}

// end is the end of the direction: a body delimited by the connection's
// end is complete; anything else in progress is returned as cut.
func (p *parser) end() (cut bool) {
	if p.state == stUntilEOF && p.cur != nil {
		p.finish()
		return false
	}
	cut = p.cur != nil || (p.state == stHead && len(p.buf) > 0)
	p.cur, p.buf = nil, nil
	return cut
}

func (p *parser) finish() {
	m := p.cur
	p.cur = nil
	p.state = stHead
	p.emit(m)
}

// isStart reports whether b begins with a start line of this direction
// (or a prefix of one when more bytes may come).
func (p *parser) isStart(b []byte, prefixOK bool) bool {
	marks := [][]byte{[]byte("HTTP/1.")}
	if p.request {
		marks = [][]byte{[]byte("POST "), []byte("GET "), []byte("HEAD "), []byte("PUT "), []byte("OPTIONS ")}
	}
	for _, m := range marks {
		if bytes.HasPrefix(b, m) || prefixOK && len(b) < len(m) && bytes.HasPrefix(m, b) {
			return true
		}
	}
	return false
}

// Data feeds bytes at stream offset off.
func (p *parser) Data(off int64, data []byte, refs []event.FrameRef) {
	if !p.started {
		p.started = true
		p.next = off
		if p.isStart(data, true) {
			p.state = stHead
		}
	}
	if off != p.next { // a hole the caller did not report
		p.gap(off)
	}
	p.next = off + int64(len(data))
	for len(data) > 0 {
		n := p.step(off, data, refs)
		off += int64(n)
		data = data[n:]
	}
}

// step consumes a prefix of data (at least one byte) and returns its length.
func (p *parser) step(off int64, data []byte, refs []event.FrameRef) int {
	switch p.state {
	case stResync:
		// A start line begins at a line start: keep the tail of an
		// unfinished line to test it with the next bytes.
		b := append(p.buf, data...)
		base := off - int64(len(p.buf))
		if len(p.buf) == 0 && p.isStart(b, true) {
			p.buf, p.state = nil, stHead
			return p.headStep(off, data, refs)
		}
		for i := 0; i < len(b); i++ {
			if b[i] != '\n' {
				continue
			}
			if rest := b[i+1:]; p.isStart(rest, false) {
				start := base + int64(i+1)
				p.state = stHead
				if start < off { // the start line began in the kept tail
					p.buf = append([]byte(nil), b[i+1:len(p.buf)]...)
					p.bufOff = start
					return 0
				}
				p.buf = nil
				return int(start - off)
			}
		}
		// keep a possible prefix after the last newline
		if j := bytes.LastIndexByte(b, '\n'); j >= 0 && len(b)-j-1 < 16 {
			p.buf = append([]byte("\n"), b[j+1:]...)
		} else {
			p.buf = nil
		}
		return len(data)
	case stHead:
		return p.headStep(off, data, refs)
	case stBody:
		n := int(min(p.remain, int64(len(data))))
		p.body(off, data[:n], refs)
		p.remain -= int64(n)
		if p.remain == 0 {
			p.done(off+int64(n), refs)
		}
		return n
	case stUntilEOF:
		p.body(off, data, refs)
		return len(data)
	case stChunkData:
		n := int(min(p.remain, int64(len(data))))
		p.body(off, data[:n], refs)
		p.remain -= int64(n)
		if p.remain == 0 {
			p.state = stChunkEnd
		}
		return n
	case stChunkSize, stChunkEnd, stTrailer:
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			if len(p.buf)+len(data) > maxLine {
				p.fail(off, refs, "chunk line longer than 4 KiB")
				return len(data)
			}
			p.buf = append(p.buf, data...)
			return len(data)
		}
		lineLen := int64(len(p.buf) + i + 1)
		line := string(bytes.TrimRight(append(p.buf, data[:i]...), "\r"))
		p.buf = nil
		p.hdr += lineLen
		switch p.state {
		case stChunkEnd:
			if line != "" {
				p.hdr -= lineLen
				p.fail(off, refs, "chunk not followed by CRLF")
				return i + 1
			}
			p.state = stChunkSize
		case stChunkSize:
			if k := strings.IndexByte(line, ';'); k >= 0 {
				line = line[:k]
			}
			n, err := strconv.ParseUint(strings.TrimSpace(line), 16, 63)
			if err != nil || int64(len(p.cur.Body))+int64(n) > maxBody {
				p.hdr -= lineLen
				p.fail(off, refs, fmt.Sprintf("bad chunk size %q", clip(line)))
				return i + 1
			}
			if n == 0 {
				p.state = stTrailer
			} else {
				p.remain, p.state = int64(n), stChunkData
			}
		case stTrailer:
			if line == "" {
				p.done(off+int64(i+1), refs)
			}
		}
		return i + 1
	}
	return len(data)
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

func (p *parser) fail(off int64, refs []event.FrameRef, what string) {
	f, t := frameAt(refs, off)
	p.cur, p.buf, p.state = nil, nil, stResync
	p.bad(off, event.FrameRef{Frame: f, Time: t}, what)
}

func (p *parser) body(off int64, b []byte, refs []event.FrameRef) {
	m := p.cur
	if int64(len(m.Body))+int64(len(b)) > maxBody {
		p.fail(off, refs, "body larger than 64 MiB")
		return
	}
	p.pay += int64(len(b))
	m.BodyRefs = appendRefs(m.BodyRefs, refs, off, off+int64(len(b)), int64(len(m.Body)))
	m.Body = append(m.Body, b...)
}

func (p *parser) done(end int64, refs []event.FrameRef) {
	f, t := frameAt(refs, end-1)
	p.cur.Frames[1], p.cur.Time = f, t
	p.finish()
}

// headEnd returns the length of the head at the start of b (through its
// empty line), or -1 when it is not complete.
func headEnd(b []byte) int {
	end := -1
	if i := bytes.Index(b, []byte("\r\n\r\n")); i >= 0 {
		end = i + 4
	}
	if i := bytes.Index(b, []byte("\n\n")); i >= 0 && (end < 0 || i+2 < end) {
		end = i + 2
	}
	return end
}

// headStep gathers the head up to the empty line and parses it.
func (p *parser) headStep(off int64, data []byte, refs []event.FrameRef) int {
	if len(p.buf) == 0 {
		p.bufOff = off
		// Most heads arrive whole: parse them in place.
		if end := headEnd(data); end >= 0 {
			return p.head(data[:end], end, off, refs)
		}
	}
	old := len(p.buf)
	p.buf = append(p.buf, data...)
	end := headEnd(p.buf)
	if end < 0 {
		if len(p.buf) > maxHead {
			p.fail(p.bufOff, refs, "head longer than 16 KiB")
		} else if !p.isStart(p.buf, true) {
			p.fail(p.bufOff, refs, fmt.Sprintf("not a start line: %q", clip(string(firstLine(p.buf)))))
			return 1 // look for a start line in the rest
		}
		return len(data)
	}
	return p.head(p.buf[:end], end-old, off, refs)
}

// head parses a complete head; used is how many bytes of the current
// call (at off) it took.
func (p *parser) head(head []byte, used int, off int64, refs []event.FrameRef) int {
	if len(head) > maxHead {
		p.fail(p.bufOff, refs, "head longer than 16 KiB")
		return used
	}
	m, cl, chunked, err := parseHead(head, p.request)
	p.buf = nil
	if err != nil {
		p.fail(p.bufOff, refs, err.Error())
		return used
	}
	p.hdr += int64(len(head))
	m.Offset, m.HeadLen = p.bufOff, len(head)
	m.Frames[0], m.Start = frameAt(refs, p.bufOff)
	p.cur = m
	switch {
	case chunked:
		p.state = stChunkSize
	case cl > 0:
		p.state, p.remain = stBody, cl
		m.Body = make([]byte, 0, min(cl, 1<<20))
	case cl == 0 || p.request || m.Status/100 == 1 || m.Status == 204 || m.Status == 304:
		p.done(off+int64(used), refs)
	default:
		p.state = stUntilEOF
	}
	return used
}

func firstLine(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	return bytes.TrimRight(b, "\r")
}

// parseHead parses a start line and the headers rtmpt needs, and the
// body framing: Content-Length (-1 when absent) and whether the body is
// chunked. One pass over the bytes: heads are parsed once per request.
func parseHead(head []byte, request bool) (m *httpMsg, cl int64, chunked bool, err error) {
	line, rest := nextLine(head)
	m = &httpMsg{Request: request}
	var proto []byte
	if request {
		sp1 := bytes.IndexByte(line, ' ')
		sp2 := bytes.LastIndexByte(line, ' ')
		if sp1 <= 0 || sp2 <= sp1+1 || bytes.IndexByte(line[sp1+1:sp2], ' ') >= 0 {
			return nil, 0, false, fmt.Errorf("bad request line %q", clip(string(line)))
		}
		m.Method, m.Target, proto = string(line[:sp1]), string(line[sp1+1:sp2]), line[sp2+1:]
	} else {
		sp := bytes.IndexByte(line, ' ')
		if sp < 0 || len(line) < sp+4 || (len(line) > sp+4 && line[sp+4] != ' ') {
			return nil, 0, false, fmt.Errorf("bad status line %q", clip(string(line)))
		}
		proto = line[:sp]
		code := 0
		for _, c := range line[sp+1 : sp+4] {
			if c < '0' || c > '9' {
				return nil, 0, false, fmt.Errorf("bad status code in %q", clip(string(line)))
			}
			code = code*10 + int(c-'0')
		}
		if code < 100 {
			return nil, 0, false, fmt.Errorf("bad status code in %q", clip(string(line)))
		}
		m.Status = code
	}
	switch string(proto) {
	case "HTTP/1.0":
		m.Minor = 0
	case "HTTP/1.1":
		m.Minor = 1
	default:
		return nil, 0, false, fmt.Errorf("not HTTP/1.0 or 1.1: %q", clip(string(proto)))
	}
	m.Close = m.Minor == 0
	cl = -1
	for len(rest) > 0 {
		line, rest = nextLine(rest)
		if len(line) == 0 {
			continue
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || bytes.ContainsAny(line[:colon], " \t") {
			return nil, 0, false, fmt.Errorf("bad header line %q", clip(string(line)))
		}
		k, v := line[:colon], bytes.TrimSpace(line[colon+1:])
		switch {
		case bytes.EqualFold(k, []byte("Content-Length")):
			n, e := strconv.ParseInt(string(v), 10, 64)
			if e != nil || n < 0 || n > maxBody {
				return nil, 0, false, fmt.Errorf("bad Content-Length %q", clip(string(v)))
			}
			if cl >= 0 && cl != n {
				return nil, 0, false, fmt.Errorf("conflicting Content-Length %d and %d", cl, n)
			}
			cl = n
		case bytes.EqualFold(k, []byte("Content-Type")):
			m.ContentType = strings.ToLower(string(v))
		case bytes.EqualFold(k, []byte("Transfer-Encoding")):
			chunked = containsFold(v, "chunked")
		case bytes.EqualFold(k, []byte("Connection")):
			if containsFold(v, "close") {
				m.Close = true
			} else if containsFold(v, "keep-alive") {
				m.Close = false
			}
		}
	}
	return m, cl, chunked, nil
}

// nextLine splits off the first line (without CR LF or LF).
func nextLine(b []byte) (line, rest []byte) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return bytes.TrimRight(b, "\r"), nil
	}
	return bytes.TrimRight(b[:i], "\r"), b[i+1:]
}

func containsFold(v []byte, s string) bool {
	for i := 0; i+len(s) <= len(v); i++ {
		if bytes.EqualFold(v[i:i+len(s)], []byte(s)) {
			return true
		}
	}
	return false
}
