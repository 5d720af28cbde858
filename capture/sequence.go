package capture

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/gopacket/gopacket/layers"
)

// SequenceSource reads the files of one capture point — rotated by
// `tcpdump -C`/`-G` or `dumpcap -b` — as one capture: packets come file
// after file, and frame numbers go on from one file to the next as tshark
// numbers the file `mergecap -a` makes of them. Because it is one Source,
// everything downstream (TCP reassembly, RTMP chunk state, connect/app/
// stream names) carries over from one file to the next.
//
// Only one file is open at a time, so a directory of thousands of rotated
// files costs one file descriptor.
type SequenceSource struct {
	names []string
	sizes []int64 // size of each file, 0 when unknown
	total int64   // sum of sizes, for progress
	done  int64   // bytes of the files already read

	cur      *FileSource
	idx      int // index of cur in names
	frame    uint64
	linkType layers.LinkType
	// errs holds the errors of files that were cut short in the middle of
	// the sequence (a truncated file): reading goes on with the next file,
	// and the errors are returned at the end instead of io.EOF, so that
	// nothing decodable is lost and the damage is still reported.
	errs []error
	// retired are the files read before cur: closed, but still mapped,
	// because their Stable packets may still be in use downstream (the
	// prefetcher reads ahead). Close unmaps them.
	retired []retiredFile
	// unreleased is where in retired the files not yet released begin.
	unreleased int
	// released: the user releases marks (Releaser); each new file is told.
	released bool
}

// OpenSequence opens names, in the order given (OrderFiles puts them in
// time order), as one capture. Every file is checked to exist up front;
// the first is opened, so that a bad first file is reported before
// anything is read. A single name is just OpenFile with the Source
// interface; "-" (standard input) is accepted only alone.
func OpenSequence(names []string) (*SequenceSource, error) {
	if len(names) == 0 {
		return nil, errors.New("no capture files")
	}
	s := &SequenceSource{names: names, sizes: make([]int64, len(names))}
	for i, n := range names {
		if n == "-" {
			if len(names) > 1 {
				return nil, errors.New("standard input (-) cannot be read with other files")
			}
			continue
		}
		st, err := os.Stat(n)
		if err != nil {
			return nil, err
		}
		if st.IsDir() {
			return nil, fmt.Errorf("%s: is a directory (give its files, or ExpandInputs it)", n)
		}
		if st.Mode().IsRegular() {
			s.sizes[i] = st.Size()
			s.total += st.Size()
		}
	}
	src, err := OpenFile(names[0])
	if err != nil {
		return nil, err
	}
	s.cur, s.linkType = src, src.LinkType()
	if len(names) == 1 {
		s.total = src.size
	}
	return s, nil
}

// Next returns the next packet of the sequence, numbered across files.
// After the last file it returns io.EOF, or, when a file before the last
// was truncated, an error naming it (everything after the cut was read).
func (s *SequenceSource) Next() (Packet, error) {
	for {
		if s.cur == nil {
			return Packet{}, s.endErr()
		}
		p, err := s.cur.Next()
		if err == nil {
			s.frame++
			p.Frame = s.frame
			return p, nil
		}
		last := s.idx == len(s.names)-1
		if err != io.EOF {
			if last {
				return Packet{}, s.withEarlier(err)
			}
			// A cut in the middle of the sequence: report it at the end,
			// read on.
			s.errs = append(s.errs, fmt.Errorf("%w (file %d of %d; reading went on with %s)",
				err, s.idx+1, len(s.names), s.names[s.idx+1]))
		}
		if last {
			return Packet{}, s.endErr()
		}
		if err := s.advance(); err != nil {
			return Packet{}, s.withEarlier(err)
		}
	}
}

// advance closes the current file and opens the next one.
func (s *SequenceSource) advance() error {
	s.done += s.sizes[s.idx]
	s.cur.retire()
	if s.cur.mapped != nil {
		s.retired = append(s.retired, retiredFile{s.cur, s.idx})
	}
	s.cur = nil
	s.idx++
	src, err := OpenFile(s.names[s.idx])
	if err != nil {
		return fmt.Errorf("file %d of %d: %w", s.idx+1, len(s.names), err)
	}
	s.cur = src
	if s.released {
		src.Release(Mark{})
	}
	return nil
}

// retiredFile is a file read before the current one, and its index.
type retiredFile struct {
	src *FileSource
	idx int
}

// Mark is the position after the last packet handed out (Releaser).
func (s *SequenceSource) Mark() Mark {
	if s.cur == nil {
		return Mark{file: s.idx}
	}
	m := s.cur.Mark()
	m.file = s.idx
	return m
}

// Release drops the pages of the packets before m (Releaser): in the
// file being read up to m, and all of the files read before m's.
func (s *SequenceSource) Release(m Mark) {
	s.released = true
	for ; s.unreleased < len(s.retired) && s.retired[s.unreleased].idx < m.file; s.unreleased++ {
		f := s.retired[s.unreleased].src
		f.Release(Mark{off: len(f.mapped)})
	}
	if s.cur != nil && m.file == s.idx {
		s.cur.Release(m)
	}
}

func (s *SequenceSource) endErr() error {
	if len(s.errs) == 0 {
		return io.EOF
	}
	return errors.Join(s.errs...)
}

func (s *SequenceSource) withEarlier(err error) error {
	if len(s.errs) == 0 {
		return err
	}
	return errors.Join(append(s.errs, err)...)
}

// Files are the names of the sequence, in reading order.
func (s *SequenceSource) Files() []string { return s.names }

// Current is the name of the file being read.
func (s *SequenceSource) Current() string { return s.names[s.idx] }

// LinkType is the link type of the first file (packets carry their own).
func (s *SequenceSource) LinkType() layers.LinkType { return s.linkType }

// Progress returns the bytes consumed so far over all files and their total
// size, 0 when unknown (stdin, pipes).
func (s *SequenceSource) Progress() (read, size int64) {
	read = s.done
	if s.cur != nil {
		r, _ := s.cur.Progress()
		read += r
	}
	return read, s.total
}

// Close closes the file being read and unmaps those read before it.
func (s *SequenceSource) Close() error {
	for _, f := range s.retired {
		f.src.Close()
	}
	s.retired = nil
	if s.cur == nil {
		return nil
	}
	err := s.cur.Close()
	s.cur = nil
	return err
}
