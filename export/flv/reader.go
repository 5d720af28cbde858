package flv

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// Errors returned by Reader.
var (
	ErrNotFLV    = errors.New("flv: bad signature")
	ErrTruncated = errors.New("flv: truncated")
	// ErrMalformed: a field no FLV file can hold (a header size over
	// 1 MiB or under 9), found by fuzzing (FuzzReader).
	ErrMalformed = errors.New("flv: malformed")
)

// Tag is one FLV tag.
type Tag struct {
	Type      uint8  // 8 audio, 9 video, 18 script data; bit 5 = filter (encrypted)
	Timestamp uint32 // ms, with the extended byte applied
	StreamID  uint32
	Body      []byte
	Offset    int64 // file offset of the tag header
	// PrevSize is the PreviousTagSize that followed the tag; a mismatch
	// with 11+len(Body) is reported by PrevSizeOK.
	PrevSize uint32
}

// PrevSizeOK reports whether the trailing PreviousTagSize matches the tag.
func (t *Tag) PrevSizeOK() bool { return t.PrevSize == uint32(TagHeaderSize+len(t.Body)) }

// Reader reads FLV tags sequentially.
type Reader struct {
	r     *bufio.Reader
	Flags uint8 // header flags (FlagAudio, FlagVideo)
	off   int64
	init  bool
	err   error
}

// NewReader returns a Reader; the file header is read with the first tag.
func NewReader(r io.Reader) *Reader { return &Reader{r: bufio.NewReader(r)} }

func (r *Reader) readFull(b []byte) error {
	n, err := io.ReadFull(r.r, b)
	r.off += int64(n)
	if err == io.ErrUnexpectedEOF {
		return fmt.Errorf("%w at offset %d", ErrTruncated, r.off)
	}
	return err
}

func (r *Reader) header() error {
	var h [HeaderSize]byte
	if err := r.readFull(h[:]); err != nil {
		if err == io.EOF {
			return fmt.Errorf("%w at offset 0", ErrTruncated)
		}
		return err
	}
	if h[0] != 'F' || h[1] != 'L' || h[2] != 'V' {
		return ErrNotFLV
	}
	r.Flags = h[4]
	skip := int64(uint32(h[5])<<24|uint32(h[6])<<16|uint32(h[7])<<8|uint32(h[8])) - HeaderSize
	if skip < 0 || skip > 1<<20 {
		return fmt.Errorf("%w: header size %d", ErrMalformed, skip+HeaderSize)
	}
	if _, err := r.r.Discard(int(skip)); err != nil {
		return fmt.Errorf("%w in header", ErrTruncated)
	}
	r.off += skip
	var p [4]byte
	return r.readFull(p[:]) // PreviousTagSize0
}

// Next returns the next tag, or io.EOF at a clean end of file. The body is
// freshly allocated.
func (r *Reader) Next() (Tag, error) {
	if r.err != nil {
		return Tag{}, r.err
	}
	if !r.init {
		r.init = true
		if err := r.header(); err != nil {
			r.err = err
			return Tag{}, err
		}
	}
	var t Tag
	t.Offset = r.off
	var h [TagHeaderSize]byte
	if err := r.readFull(h[:]); err != nil {
		r.err = err
		return Tag{}, err
	}
	t.Type = h[0]
	n := int(h[1])<<16 | int(h[2])<<8 | int(h[3])
	t.Timestamp = uint32(h[7])<<24 | uint32(h[4])<<16 | uint32(h[5])<<8 | uint32(h[6])
	t.StreamID = uint32(h[8])<<16 | uint32(h[9])<<8 | uint32(h[10])
	// The body is read in steps as its bytes arrive: a length field is a
	// claim (up to 16 MiB), and a truncated or garbage file must not cost
	// its claim in memory (found by FuzzReader).
	body, err := r.readClaimed(n)
	t.Body = body
	if err != nil {
		if err == io.EOF {
			err = fmt.Errorf("%w at offset %d", ErrTruncated, r.off)
		}
		r.err = err
		return t, err
	}
	var p [4]byte
	if err := r.readFull(p[:]); err != nil {
		// Some writers omit the last PreviousTagSize; the tag is whole.
		if err == io.EOF {
			t.PrevSize = uint32(TagHeaderSize + n)
			return t, nil
		}
		r.err = err
		return t, err
	}
	t.PrevSize = uint32(p[0])<<24 | uint32(p[1])<<16 | uint32(p[2])<<8 | uint32(p[3])
	return t, nil
}

// readStep is how much of a claimed body is allocated ahead of its bytes.
const readStep = 64 << 10

// readClaimed reads n bytes, allocating as they arrive; on a short read it
// returns what it read and io.EOF (or the reader's error).
func (r *Reader) readClaimed(n int) ([]byte, error) {
	b := make([]byte, 0, min(n, readStep))
	for len(b) < n {
		k := min(n-len(b), readStep)
		if cap(b)-len(b) < k {
			nb := make([]byte, len(b), min(n, max(2*cap(b), len(b)+k)))
			copy(nb, b)
			b = nb
		}
		m, err := io.ReadFull(r.r, b[len(b):len(b)+k])
		b = b[:len(b)+m]
		r.off += int64(m)
		if err != nil {
			if err == io.ErrUnexpectedEOF {
				err = io.EOF
			}
			return b, err
		}
	}
	return b, nil
}

// ReadAll reads every tag.
func ReadAll(rd io.Reader) (flags uint8, tags []Tag, err error) {
	r := NewReader(rd)
	for {
		t, err := r.Next()
		if err == io.EOF {
			return r.Flags, tags, nil
		}
		if err != nil {
			return r.Flags, tags, err
		}
		tags = append(tags, t)
	}
}
