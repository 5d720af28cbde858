package capture

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// maxBlockLen is the longest pcapng block accepted, libpcap's limit (a
// packet of maxSnaplen plus its block's headers and options fits easily).
const maxBlockLen = 16 << 20

// pcapngBlockNames name the block types people meet, for error messages.
var pcapngBlockNames = map[uint32]string{
	0x0A0D0D0A: "section header block",
	0x00000001: "interface description block",
	0x00000002: "packet block (obsolete)",
	0x00000003: "simple packet block",
	0x00000004: "name resolution block",
	0x00000005: "interface statistics block",
	0x00000006: "enhanced packet block",
	0x0000000A: "decryption secrets block",
	0x00000BAD: "custom block",
	0x40000BAD: "custom block",
}

func blockName(t uint32) string {
	if n, ok := pcapngBlockNames[t]; ok {
		return n
	}
	return fmt.Sprintf("block type %#x", t)
}

// ngBlockChecker sits between a pcapng file and pcapgo's NgReader and
// checks the framing of every block before handing it on: a length below
// 12, not a multiple of 4, beyond maxBlockLen, or a trailing length that
// differs from the leading one is malformed. pcapgo would read on from a
// wrong position and call the file truncated (or allocate what the length
// says), losing the rest of it.
//
// A bad block is repaired when the file itself says how: the block's true
// length is where its trailing length matches and the next block begins
// (a corrupt leading length), or the leading length is right and the next
// block begins after it (a corrupt trailing length); otherwise the bytes
// up to the next well-formed block are skipped. Each repair is kept in
// repairs and reported when the file ends, so nothing decodable is lost
// and the damage is still told. What cannot be repaired stops reading
// with err.
type ngBlockChecker struct {
	br      *bufio.Reader
	order   binary.ByteOrder
	off     int64  // offset of the next block
	block   []byte // the current block, being handed on
	pos     int
	err     error
	repairs []error
}

func (c *ngBlockChecker) Read(p []byte) (int, error) {
	if c.pos == len(c.block) {
		if c.err != nil {
			return 0, c.err
		}
		if err := c.fill(); err != nil {
			if err != io.EOF {
				c.err = err
			}
			return 0, err
		}
	}
	n := copy(p, c.block[c.pos:])
	c.pos += n
	return n, nil
}

// framing says what is wrong with a block of type typ and length n, or "".
func framing(typ, n uint32) string {
	minLen := uint32(12)
	if typ == pcapngSHB {
		minLen = 28
	}
	switch {
	case n < minLen:
		return fmt.Sprintf("its length is %d, less than the %d bytes this block needs (type, length, body, length again)", n, minLen)
	case n%4 != 0:
		return fmt.Sprintf("its length %d is not a multiple of 4", n)
	case n > maxBlockLen:
		return fmt.Sprintf("its length %d is beyond the %d bytes any block may have", n, maxBlockLen)
	}
	return ""
}

// fill reads and checks the next block.
func (c *ngBlockChecker) fill() error {
	h, err := c.br.Peek(12)
	if len(h) == 0 && err == io.EOF {
		return io.EOF
	}
	if len(h) < 8 {
		return readErr(fmt.Sprintf("block header at offset %d (%d of 8 bytes present)", c.off, len(h)), err)
	}
	typ := binary.LittleEndian.Uint32(h)
	if typ == pcapngSHB {
		// A section header says its byte order after its length.
		if len(h) < 12 {
			return readErr(fmt.Sprintf("section header block at offset %d (%d of its 12 first bytes present)", c.off, len(h)), err)
		}
		switch {
		case binary.LittleEndian.Uint32(h[8:]) == pcapngByteOrderBE:
			c.order = binary.LittleEndian
		case binary.BigEndian.Uint32(h[8:]) == pcapngByteOrderBE:
			c.order = binary.BigEndian
		default:
			return fmt.Errorf("section header block at offset %d: %w: byte-order magic % x is neither 1a2b3c4d nor 4d3c2b1a", c.off, ErrMalformed, h[8:12])
		}
	} else if c.order == nil {
		return fmt.Errorf("offset %d: %w: the file does not start with a section header block", c.off, ErrMalformed)
	} else {
		typ = c.order.Uint32(h)
	}
	length := c.order.Uint32(h[4:])
	name := blockName(typ)
	problem := framing(typ, length)
	repaired := false
	if problem == "" && int(length) > c.br.Size() && length <= lookAhead {
		c.br = growReader(c.br) // a long block: check its trailer before taking it too
	}
	if problem == "" && int(length) <= c.br.Size() {
		b, err := c.br.Peek(int(length))
		if len(b) < int(length) {
			return readErr(fmt.Sprintf("%s at offset %d: %d of its %d bytes present", name, c.off, len(b), length), err)
		}
		if trail := c.order.Uint32(b[length-4:]); trail != length {
			problem = fmt.Sprintf("its trailing length %d differs from its leading length %d", trail, length)
		}
	}
	if problem != "" {
		n, skip, repair := c.repair(length)
		if repair == "" {
			return fmt.Errorf("%s at offset %d: %w: %s", name, c.off, ErrMalformed, problem)
		}
		c.repairs = append(c.repairs, fmt.Errorf("%s at offset %d: %w: %s; %s", name, c.off, ErrMalformed, problem, repair))
		if skip > 0 {
			c.br.Discard(skip)
			c.off += int64(skip)
			return c.fill()
		}
		length, repaired = n, true
	}
	if cap(c.block) < int(length) {
		c.block = make([]byte, length, max(int(length), 4096))
	}
	c.block = c.block[:length]
	if n, err := io.ReadFull(c.br, c.block); err != nil {
		return readErr(fmt.Sprintf("%s at offset %d: %d of its %d bytes present", name, c.off, n, length), err)
	}
	if repaired {
		// Handed on with its lengths set right.
		c.order.PutUint32(c.block[4:], length)
		c.order.PutUint32(c.block[length-4:], length)
	} else if trail := c.order.Uint32(c.block[length-4:]); trail != length {
		// Beyond the look-ahead window: no repair.
		return fmt.Errorf("%s at offset %d: %w: its trailing length %d differs from its leading length %d", name, c.off, ErrMalformed, trail, length)
	}
	c.off += int64(length)
	c.pos = 0
	return nil
}

// repair looks ahead (within the reader's buffer) for what a malformed
// block really is: its true length n, or a number of bytes to skip to the
// next well-formed block. repair says what was done, "" when nothing fits.
func (c *ngBlockChecker) repair(leading uint32) (n uint32, skip int, repair string) {
	c.br = growReader(c.br)
	b, _ := c.br.Peek(c.br.Size())
	atEOF := len(b) < c.br.Size()
	follows := func(at int) bool { // a block starts at b[at:], or the file ends there
		return (atEOF && at == len(b)) || c.wellFormed(b[at:])
	}
	// The leading length is right and only the trailer is wrong.
	if framing(0, leading) == "" && int(leading) <= len(b) && follows(int(leading)) {
		return leading, 0, fmt.Sprintf("the next block follows at its leading length: read as %d bytes", leading)
	}
	// The trailing length is right: the shortest length whose trailer
	// matches and after which a block follows.
	for l := 12; l <= len(b); l += 4 {
		if c.order.Uint32(b[l-4:]) == uint32(l) && follows(l) {
			return uint32(l), 0, fmt.Sprintf("its trailing length %d fits and the next block follows it: read as %d bytes", l, l)
		}
	}
	for at := 4; at+12 <= len(b); at += 4 {
		if c.wellFormed(b[at:]) {
			return 0, at, fmt.Sprintf("%d bytes skipped to the next well-formed block", at)
		}
	}
	return 0, 0, ""
}

// wellFormed says whether b starts with a block of a known type whose
// framing is right, its trailer matching when it is within b.
func (c *ngBlockChecker) wellFormed(b []byte) bool {
	if len(b) < 12 {
		return false
	}
	typ := c.order.Uint32(b)
	if binary.LittleEndian.Uint32(b) == pcapngSHB {
		typ = pcapngSHB
	}
	if _, known := pcapngBlockNames[typ]; !known {
		return false
	}
	n := c.order.Uint32(b[4:])
	if typ == pcapngSHB {
		return framing(typ, binary.LittleEndian.Uint32(b[4:])) == "" || framing(typ, binary.BigEndian.Uint32(b[4:])) == ""
	}
	if framing(typ, n) != "" {
		return false
	}
	return int(n) > len(b) || c.order.Uint32(b[n-4:]) == n
}

// readErr names a short read: the file ended (truncated) or reading failed
// (a gzip stream that is corrupt, an I/O error).
func readErr(what string, err error) error {
	if err == nil || err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%s: %w", what, ErrTruncated)
	}
	return fmt.Errorf("%s: %w", what, err)
}
