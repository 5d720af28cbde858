package capture

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// ErrNotCapture is returned when a file is neither pcap, pcapng, nor a
// gzip-compressed one of them.
var ErrNotCapture = errors.New("not a pcap or pcapng file")

// ErrTruncated is wrapped by the error a Source returns when the file ends
// in the middle of a packet record.
var ErrTruncated = errors.New("capture file is truncated")

// FileFormat names what a file turned out to be.
type FileFormat string

// The formats OpenFile recognizes.
const (
	FormatPcap   FileFormat = "pcap"
	FormatPcapNS FileFormat = "pcap-ns"
	FormatPcapNG FileFormat = "pcapng"
)

// FileSource reads a saved capture.
type FileSource struct {
	name    string
	format  FileFormat
	gzipped bool
	closer  io.Closer
	counter *countingReader
	pcap    *pcapReader
	ng      *pcapgo.NgReader
	ngCheck *ngBlockChecker // checks block framing under ng
	// fastNg reads a mapped pcapng file until a block it does not take;
	// then ng and ngCheck read the rest (mappedng.go).
	fastNg   *mappedNg
	linkType layers.LinkType
	frame    uint64
	// notes are the repairs of malformed records or blocks, with their
	// frame numbers, reported when the file ends.
	notes []error
	size  int64 // file size when known, for progress; 0 otherwise
	// mapped is the file's memory mapping when it is read through one
	// (mapped.go): a plain pcap file. win reads it.
	mapped []byte
	win    *mappedWindow
	// retired: the file is closed but its mapping is kept, because
	// packets handed out may still be in use (SequenceSource).
	retired bool
}

// OpenFile opens a pcap (micro- or nanosecond, either byte order) or pcapng
// file, optionally gzip-compressed. The name "-" reads standard input.
func OpenFile(name string) (*FileSource, error) {
	var f *os.File
	if name == "-" {
		f = os.Stdin
	} else {
		var err error
		if f, err = os.Open(name); err != nil {
			return nil, err
		}
	}
	var size int64
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
		if src := openMapped(name, f, size); src != nil {
			return src, nil
		}
	}
	src, err := newFileSource(name, f, f)
	if err != nil {
		f.Close()
		return nil, err
	}
	src.size = size
	return src, nil
}

// openMapped reads a plain pcap file through a memory mapping (mapped.go),
// or returns nil: the file is something else (pcapng, gzip, not a
// capture) or cannot be mapped, and is read the ordinary way.
func openMapped(name string, f *os.File, size int64) *FileSource {
	if size < 24 {
		return nil
	}
	b := mapFile(f, size)
	if b == nil {
		return nil
	}
	win := &mappedWindow{data: b}
	if m, lt := newMappedNg(win); m != nil {
		return &FileSource{name: name, closer: f, counter: &countingReader{}, fastNg: m, linkType: lt,
			format: FormatPcapNG, size: size, mapped: b, win: win}
	}
	if !isPcapMagic(b[:4]) {
		unmapFile(b)
		return nil
	}
	pr, err := newPcapReader(win)
	if err != nil {
		unmapFile(b)
		return nil // the ordinary path reports it
	}
	s := &FileSource{name: name, closer: f, counter: &countingReader{}, pcap: pr, linkType: pr.linkType,
		format: FormatPcap, size: size, mapped: b, win: win}
	if pr.nano {
		s.format = FormatPcapNS
	}
	return s
}

// NewReaderSource reads a capture from any reader (used by tests and fuzzing).
func NewReaderSource(name string, r io.Reader) (*FileSource, error) {
	return newFileSource(name, r, nil)
}

func newFileSource(name string, r io.Reader, closer io.Closer) (*FileSource, error) {
	s := &FileSource{name: name, closer: closer}
	s.counter = &countingReader{r: r}
	br := bufio.NewReaderSize(s.counter, readBuffer)
	magic, err := br.Peek(4)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (file has %d bytes)", name, ErrNotCapture, len(magic))
	}
	in := br
	if magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: gzip: %w", name, err)
		}
		s.gzipped = true
		zbr := bufio.NewReaderSize(zr, readBuffer)
		if magic, err = zbr.Peek(4); err != nil {
			return nil, fmt.Errorf("%s: inside gzip: %w", name, ErrNotCapture)
		}
		in = zbr
	}
	switch {
	case magic[0] == 0x0a && magic[1] == 0x0d && magic[2] == 0x0d && magic[3] == 0x0a:
		s.ngCheck = &ngBlockChecker{br: in}
		ng, err := pcapgo.NewNgReader(s.ngCheck, pcapgo.NgReaderOptions{WantMixedLinkType: true})
		if err != nil {
			if s.ngCheck.err != nil {
				err = s.ngCheck.err
			}
			return nil, fmt.Errorf("%s: pcapng: %w", name, err)
		}
		s.ng, s.format, s.linkType = ng, FormatPcapNG, ng.LinkType()
	case isPcapMagic(magic):
		pr, err := newPcapReader(in)
		if err != nil {
			return nil, fmt.Errorf("%s: pcap: %w", name, err)
		}
		s.pcap, s.linkType = pr, pr.linkType
		s.format = FormatPcap
		if pr.nano {
			s.format = FormatPcapNS
		}
	default:
		return nil, fmt.Errorf("%s: %w (magic % x)", name, ErrNotCapture, magic)
	}
	return s, nil
}

func isPcapMagic(m []byte) bool {
	switch {
	case m[0] == 0xa1 && m[1] == 0xb2 && m[2] == 0xc3 && m[3] == 0xd4, // µs, big-endian
		m[0] == 0xd4 && m[1] == 0xc3 && m[2] == 0xb2 && m[3] == 0xa1, // µs, little-endian
		m[0] == 0xa1 && m[1] == 0xb2 && m[2] == 0x3c && m[3] == 0x4d, // ns, big-endian
		m[0] == 0x4d && m[1] == 0x3c && m[2] == 0xb2 && m[3] == 0xa1: // ns, little-endian
		return true
	}
	return false
}

// Next returns the next packet. At the end of the file it returns io.EOF;
// a file cut inside a record gives an error wrapping ErrTruncated, and a
// record or block whose framing is wrong one wrapping ErrMalformed; both
// name the frame that could not be read, the offset and why.
func (s *FileSource) Next() (Packet, error) {
	var (
		data []byte
		ci   gopacket.CaptureInfo
		err  error
	)
	lt := s.linkType
	// Only the mapped readers' own records are Stable; pcapgo's are in
	// its buffer.
	stable := s.win != nil && s.ng == nil
	switch {
	case s.fastNg != nil:
		var ok bool
		if data, ci, ok, err = s.fastNg.next(); ok {
			if err == nil {
				lt = ci.AncillaryData[0].(layers.LinkType)
			}
			break
		}
		// A block for the ordinary reader: it reads the rest.
		s.ng, s.ngCheck, s.win, err = s.fastNg.fallback()
		s.fastNg, stable = nil, false
		if err != nil {
			return Packet{}, fmt.Errorf("%s: pcapng: %w", s.name, err)
		}
		data, ci, err = s.readNg(&lt)
	case s.ng != nil:
		data, ci, err = s.readNg(&lt)
	default:
		data, ci, err = s.pcap.next()
	}
	if err != nil {
		if s.ngCheck != nil && s.ngCheck.err != nil {
			err = s.ngCheck.err // what is wrong with the block, not what pcapgo made of it
		}
		switch {
		case err == io.EOF:
			if len(s.notes) > 0 {
				// Everything was read; say what was repaired on the way.
				return Packet{}, fmt.Errorf("%s: %w", s.name, errors.Join(s.notes...))
			}
			return Packet{}, io.EOF
		case errors.Is(err, ErrTruncated), errors.Is(err, ErrMalformed):
		case errors.Is(err, io.ErrUnexpectedEOF):
			err = ErrTruncated
		case s.ng != nil:
			// pcapgo's own complaints (an unknown interface, a capture
			// length beyond the block) are about the file's structure.
			err = fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		return Packet{}, fmt.Errorf("%s: frame %d: %w", s.name, s.frame+1, err)
	}
	s.frame++
	for _, r := range s.repairs()[len(s.notes):] {
		s.notes = append(s.notes, fmt.Errorf("frame %d: %w", s.frame, r))
	}
	return Packet{Frame: s.frame, Info: ci, LinkType: lt, Data: data, Stable: stable}, nil
}

// readNg reads the next packet with pcapgo, setting *lt to its
// interface's link type.
func (s *FileSource) readNg(lt *layers.LinkType) ([]byte, gopacket.CaptureInfo, error) {
	data, ci, err := s.ng.ZeroCopyReadPacketData()
	if err == nil && len(ci.AncillaryData) > 0 {
		if l, ok := ci.AncillaryData[0].(layers.LinkType); ok {
			*lt = l
		}
	}
	return data, ci, err
}

// repairs are the malformed records or blocks read past so far.
func (s *FileSource) repairs() []error {
	if s.ngCheck != nil {
		return s.ngCheck.repairs
	}
	if s.pcap != nil {
		return s.pcap.repairs
	}
	return nil
}

// Format says whether the file is pcap (µs or ns) or pcapng.
func (s *FileSource) Format() FileFormat { return s.format }

// Gzipped says whether the file was gzip-compressed.
func (s *FileSource) Gzipped() bool { return s.gzipped }

// LinkType is the link type of the file (of its first interface for pcapng).
func (s *FileSource) LinkType() layers.LinkType { return s.linkType }

// Progress returns the bytes of the (possibly compressed) file consumed so
// far and its size, 0 when unknown (stdin, pipes).
func (s *FileSource) Progress() (read, size int64) {
	if s.win != nil {
		return int64(s.win.off), s.size
	}
	return s.counter.n, s.size
}

// Mark is the position after the last packet handed out (Releaser).
func (s *FileSource) Mark() Mark {
	if s.win == nil {
		return Mark{}
	}
	return Mark{off: s.win.off}
}

// Release drops the pages before m from the process, when the file is
// mapped: no packet handed out before m is read any more (Releaser).
func (s *FileSource) Release(m Mark) {
	if s.win != nil {
		s.win.release(m.off)
	}
}

// Close closes the underlying file and unmaps it: packets handed out are
// invalid after it, Stable ones too.
func (s *FileSource) Close() error {
	err := s.retire()
	if s.mapped != nil {
		if e := unmapFile(s.mapped); err == nil {
			err = e
		}
		s.mapped, s.win = nil, nil
	}
	return err
}

// retire closes the file but keeps its mapping, so that Stable packets
// handed out stay valid until Close; its pages leave the resident set.
func (s *FileSource) retire() error {
	if s.retired {
		return nil
	}
	s.retired = true
	if s.win != nil && !s.win.released {
		// A Releaser's user may still be reading the last packets: its
		// release past this file drops them (SequenceSource.Release).
		s.win.drop(len(s.mapped))
	}
	if s.closer != nil && s.closer != os.Stdin {
		return s.closer.Close()
	}
	return nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
