package capture

import (
	"io"
)

// A plain pcap file is read through a memory mapping of it instead of
// read(2) into a buffer: its records are handed out where they lie, in the
// page cache, without a copy, and they stay valid until the file is closed
// (Packet.Stable), so the prefetcher (flow/prefetch.go) does not copy them
// either. Reading a 365 MB capture this way saves two passes over its
// bytes; docs/performance.md has the figures.
//
// Pages behind the reader are dropped from the process (not from the page
// cache) as it goes, so that a mapped file adds a bounded number of bytes
// to the resident set, whatever its size: memory stays flat. How far
// behind depends on the reader's user: one that says which packets it is
// done with (Releaser: the prefetcher, flow/prefetch.go) has pages dropped
// up to there; for any other, mapLag behind the reader.
const (
	// mapLag is how far behind the reader pages are kept when no one
	// releases them. It is only a backstop for plain users of a Source,
	// which copy what they keep beyond the packet they were handed; a page
	// dropped too early is not wrong, only read again (and resident until
	// the file is closed).
	mapLag = 2 << 20
	// mapStep is how many bytes are dropped at a time: each drop is a
	// madvise call and a TLB shootdown on every core running the process.
	mapStep = 1 << 20
)

// mappedWindow serves a pcapReader from a mapped file: the bufio.Reader
// methods the reader uses, over the whole mapping.
type mappedWindow struct {
	data    []byte
	off     int
	dropped int // pages before this offset were given back
	// released: a Releaser's user says how far it is done (release), so
	// pages are no longer dropped mapLag behind the reader.
	released bool
}

// Peek returns the next n bytes without a copy; fewer, with io.EOF, at the
// end of the file.
func (m *mappedWindow) Peek(n int) ([]byte, error) {
	if rest := len(m.data) - m.off; n > rest {
		return m.data[m.off:], io.EOF
	}
	return m.data[m.off : m.off+n : m.off+n], nil
}

// Discard skips n bytes.
func (m *mappedWindow) Discard(n int) (int, error) {
	if rest := len(m.data) - m.off; n > rest {
		n = rest
	}
	m.off += n
	if !m.released && m.off-m.dropped >= mapLag+mapStep {
		m.drop(m.off - mapLag)
	}
	return n, nil
}

// release says that nothing before offset to is read any more: its pages
// go, mapStep at a time.
func (m *mappedWindow) release(to int) {
	m.released = true
	if to-m.dropped >= mapStep || to == len(m.data) {
		m.drop(to)
	}
}

// Size is the look-ahead the reader may ask for (the reader's records are
// never longer).
func (m *mappedWindow) Size() int { return lookAhead }

// Read copies; the pcap reader calls it only for records longer than Size.
func (m *mappedWindow) Read(p []byte) (int, error) {
	if m.off >= len(m.data) {
		return 0, io.EOF
	}
	n := copy(p, m.data[m.off:])
	m.Discard(n)
	return n, nil
}

// drop gives back the pages before offset to.
func (m *mappedWindow) drop(to int) {
	if to < len(m.data) {
		to &^= pageSize - 1 // the last page goes with the end of the file
	}
	if to <= m.dropped {
		return
	}
	dropPages(m.data[m.dropped:to])
	m.dropped = to
}
