package flv

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// ErrBodyTooLarge is returned for a tag body that does not fit in 24 bits.
var ErrBodyTooLarge = errors.New("flv: tag body larger than 16 MiB")

// Writer writes an FLV stream: the file header, then tags, each followed by
// its PreviousTagSize.
type Writer struct {
	w       *bufio.Writer
	flags   uint8
	started bool
	err     error
	hdr     [TagHeaderSize]byte
	tail    [4]byte
	tags    int64
	bytes   int64
}

// NewWriter returns a Writer whose header announces the given media
// (FlagAudio|FlagVideo). The header is written with the first tag or Flush.
func NewWriter(w io.Writer, flags uint8) *Writer {
	return &Writer{w: bufio.NewWriter(w), flags: flags & (FlagAudio | FlagVideo)}
}

func (w *Writer) start() {
	if w.started || w.err != nil {
		return
	}
	w.started = true
	// "FLV", version 1, flags, header size 9, then PreviousTagSize0 = 0.
	hdr := [HeaderSize + 4]byte{'F', 'L', 'V', 1, w.flags, 0, 0, 0, HeaderSize}
	_, w.err = w.w.Write(hdr[:])
	w.bytes += int64(len(hdr))
}

// WriteTag appends one tag. timestamp is the RTMP timestamp in ms; its top
// byte goes to the TimestampExtended field, as FLV requires.
func (w *Writer) WriteTag(tagType uint8, timestamp uint32, body []byte) error {
	w.start()
	if w.err != nil {
		return w.err
	}
	if len(body) > MaxBodySize {
		return ErrBodyTooLarge
	}
	n := len(body)
	h := &w.hdr
	h[0] = tagType
	h[1], h[2], h[3] = byte(n>>16), byte(n>>8), byte(n)
	h[4], h[5], h[6] = byte(timestamp>>16), byte(timestamp>>8), byte(timestamp)
	h[7] = byte(timestamp >> 24)
	h[8], h[9], h[10] = 0, 0, 0 // StreamID, always 0
	if _, w.err = w.w.Write(h[:]); w.err != nil {
		return w.err
	}
	if _, w.err = w.w.Write(body); w.err != nil {
		return w.err
	}
	prev := uint32(TagHeaderSize + n)
	p := &w.tail
	p[0], p[1], p[2], p[3] = byte(prev>>24), byte(prev>>16), byte(prev>>8), byte(prev)
	if _, w.err = w.w.Write(p[:]); w.err != nil {
		return w.err
	}
	w.tags++
	w.bytes += int64(TagHeaderSize + n + 4)
	return nil
}

// WriteScript appends a script-data tag; body is raw AMF0, e.g. the
// "onMetaData" string followed by its ECMA array, as carried by an RTMP data
// message after "@setDataFrame" is stripped.
func (w *Writer) WriteScript(timestamp uint32, amf0 []byte) error {
	return w.WriteTag(TagScript, timestamp, amf0)
}

// Flush writes buffered data (and the header if no tag was written).
func (w *Writer) Flush() error {
	w.start()
	if w.err != nil {
		return w.err
	}
	if err := w.w.Flush(); err != nil {
		w.err = fmt.Errorf("flv: %w", err)
	}
	return w.err
}

// Tags reports how many tags were written.
func (w *Writer) Tags() int64 { return w.tags }

// Bytes reports how many bytes were written, header included.
func (w *Writer) Bytes() int64 { return w.bytes }
