package capture

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// ErrMalformed is wrapped by the error a Source returns when a capture
// file's structure is wrong — a record or block length no capture can
// have, a trailer that disagrees with its header — as opposed to a file
// that merely ends early (ErrTruncated). The error says where (frame,
// offset, block) and why.
var ErrMalformed = errors.New("capture file is malformed")

// maxSnaplen is the largest packet libpcap writes for the link types we
// read (its MAXIMUM_SNAPLEN). A pcap header may say more — 0xFFFFFFFF is
// common from tools that mean "no limit" — and, as libpcap does, that is
// read as this limit rather than trusted: a record longer than it is a
// corrupt length, not a packet to allocate memory for.
const maxSnaplen = 262144

// Files are read through a buffer of readBuffer bytes. To repair a
// malformed record or block the reader looks further ahead: its buffer is
// then grown to lookAhead bytes (growReader), once per file.
const (
	readBuffer = 64 << 10
	lookAhead  = 1 << 20
)

// growReader returns br, or br behind a reader with a lookAhead buffer
// when its own is smaller: what br has buffered is read through it.
func growReader(br *bufio.Reader) *bufio.Reader {
	if br.Size() >= lookAhead {
		return br
	}
	return bufio.NewReaderSize(br, lookAhead)
}

// pcapReader reads classic pcap records itself (rather than with pcapgo)
// so that a corrupt record length is reported as malformed, with its
// frame and offset, before anything is allocated for it — and repaired
// when the records that follow show where the bad one ends.
type pcapReader struct {
	br       recordBuffer
	big      bool // the file is big-endian (u32)
	nano     bool
	snaplen  uint32 // as the header says
	limit    uint32 // the largest record accepted
	linkType layers.LinkType
	off      int64 // offset of the next record in the (decompressed) stream
	lastSec  uint32
	records  uint64
	buf      []byte
	repairs  []error
}

// recordBuffer is what the pcap reader reads through: a *bufio.Reader, or
// a mapped file (mapped.go), which hands records out without a copy.
type recordBuffer interface {
	Peek(n int) ([]byte, error)
	Discard(n int) (int, error)
	Size() int
	Read(p []byte) (int, error)
}

func newPcapReader(br recordBuffer) (*pcapReader, error) {
	var h [24]byte
	if n, err := io.ReadFull(br, h[:]); err != nil {
		return nil, readErr(fmt.Sprintf("file header (%d of 24 bytes present)", n), err)
	}
	p := &pcapReader{br: br, off: 24, limit: maxSnaplen}
	switch binary.LittleEndian.Uint32(h[:]) {
	case 0xa1b2c3d4:
	case 0xa1b23c4d:
		p.nano = true
	case 0xd4c3b2a1:
		p.big = true
	case 0x4d3cb2a1:
		p.big, p.nano = true, true
	default:
		return nil, ErrNotCapture
	}
	if v := p.u16(h[4:]); v != 2 {
		return nil, fmt.Errorf("file header: %w: version %d.%d (only 2.x exists)", ErrMalformed, v, p.u16(h[6:]))
	}
	p.snaplen = p.u32(h[16:])
	p.linkType = layers.LinkType(p.u32(h[20:]))
	return p, nil
}

// u32 and u16 read a field in the file's byte order. Unlike the methods of
// a binary.ByteOrder they inline: a record header has four fields.
func (p *pcapReader) u32(b []byte) uint32 {
	if p.big {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

func (p *pcapReader) u16(b []byte) uint16 {
	if p.big {
		return binary.BigEndian.Uint16(b)
	}
	return binary.LittleEndian.Uint16(b)
}

// plausible says whether h is a record header that could follow the
// records read so far: a captured length within the limit and not above
// the packet's length, a valid fraction of a second, and a time within a
// day of the last record's.
func (p *pcapReader) plausible(h []byte) bool {
	sec, frac := p.u32(h[0:]), p.u32(h[4:])
	capLen, origLen := p.u32(h[8:]), p.u32(h[12:])
	if capLen > p.limit || capLen > origLen || origLen > maxSnaplen || (!p.nano && frac >= 1e6) || frac >= 1e9 {
		return false
	}
	if p.records > 0 && (sec+86400 < p.lastSec || sec > p.lastSec+86400) {
		return false
	}
	return true
}

// next reads one record. Its data is valid until the next call.
func (p *pcapReader) next() ([]byte, gopacket.CaptureInfo, error) {
	var ci gopacket.CaptureInfo
	h, err := p.br.Peek(16)
	if len(h) == 0 && err == io.EOF {
		return nil, ci, io.EOF
	}
	if len(h) < 16 {
		return nil, ci, readErr(fmt.Sprintf("record header at offset %d (%d of its 16 bytes present)", p.off, len(h)), err)
	}
	sec, frac := p.u32(h[0:]), p.u32(h[4:])
	capLen, origLen := p.u32(h[8:]), p.u32(h[12:])
	if capLen > p.limit {
		why := fmt.Sprintf("no packet is longer than %d bytes", p.limit)
		if p.snaplen > p.limit {
			why += fmt.Sprintf(" (the file header's snap length %#x is no real limit)", p.snaplen)
		}
		problem := fmt.Errorf("record at offset %d: %w: it claims %d captured bytes, and %s", p.off, ErrMalformed, capLen, why)
		n := p.repair()
		if n < 0 {
			return nil, ci, problem
		}
		p.repairs = append(p.repairs, fmt.Errorf("%w; the next record follows %d bytes on: read as a %d-byte record", problem, n, n))
		capLen, origLen = uint32(n), max(origLen, uint32(n))
	}
	ns := int64(frac)
	if !p.nano {
		ns *= 1000
	}
	ci.Timestamp = time.Unix(int64(sec), ns).UTC()
	ci.CaptureLength, ci.Length = int(capLen), int(origLen)
	if ci.Length < ci.CaptureLength {
		// libpcap does not check this; keep the bytes.
		ci.Length = ci.CaptureLength
	}
	p.br.Discard(16)
	// The record's bytes are handed out where the reader buffered them,
	// without a copy (they are valid until the next call, as promised);
	// only a record longer than the buffer is copied out.
	var data []byte
	if int(capLen) <= p.br.Size() {
		b, err := p.br.Peek(int(capLen))
		if len(b) < int(capLen) {
			return nil, ci, readErr(fmt.Sprintf("record at offset %d: %d of its %d captured bytes present", p.off, len(b), capLen), err)
		}
		data = b
		p.br.Discard(int(capLen))
	} else {
		if cap(p.buf) < int(capLen) {
			p.buf = make([]byte, capLen)
		}
		data = p.buf[:capLen]
		if n, err := io.ReadFull(p.br, data); err != nil {
			return nil, ci, readErr(fmt.Sprintf("record at offset %d: %d of its %d captured bytes present", p.off, n, capLen), err)
		}
	}
	p.off += 16 + int64(capLen)
	p.lastSec = sec
	p.records++
	return data, ci, nil
}

// repair finds where a record with a corrupt captured length really ends:
// the first length n (within the limit and the look-ahead) after which
// two plausible record headers follow, or the file ends. -1 when none.
func (p *pcapReader) repair() int {
	if br, ok := p.br.(*bufio.Reader); ok {
		p.br = growReader(br)
	}
	b, _ := p.br.Peek(p.br.Size())
	atEOF := len(b) < p.br.Size()
	for n := 0; n <= int(p.limit) && 16+n <= len(b); n++ {
		at := 16 + n
		if atEOF && at == len(b) {
			return n
		}
		if at+16 > len(b) || !p.plausible(b[at:]) {
			continue
		}
		next := at + 16 + int(p.u32(b[at+8:]))
		if (atEOF && next == len(b)) || (next+16 <= len(b) && p.plausible(b[next:])) {
			return n
		}
	}
	return -1
}
