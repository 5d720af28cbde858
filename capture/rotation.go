package capture

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// FileInfo is what ProbeFile learns of a capture file without analysing it:
// enough to put rotated files in order and tell capture points apart.
type FileInfo struct {
	Name     string
	Format   FileFormat
	Gzipped  bool
	LinkType layers.LinkType // of the file (its first interface for pcapng)
	Packets  uint64
	First    time.Time // timestamp of the first packet; zero when Packets is 0
	Last     time.Time // timestamp of the last packet
	// Err is set when the file is cut inside a record: Packets, First and
	// Last describe what comes before the cut.
	Err error
}

// ProbeFile reads a capture file's packet timestamps. A plain pcap file,
// and a pcapng file of the usual blocks, are read through their mapping
// (mapped.go, mappedng.go): only the record headers are touched, and
// nothing is copied.
func ProbeFile(name string) (FileInfo, error) {
	src, err := OpenFile(name)
	if err != nil {
		return FileInfo{}, err
	}
	defer src.Close()
	fi := FileInfo{Name: name, Format: src.Format(), Gzipped: src.Gzipped(), LinkType: src.LinkType()}
	for {
		p, err := src.Next()
		if err == io.EOF {
			return fi, nil
		}
		if err != nil {
			fi.Err = err
			return fi, nil
		}
		fi.add(p.Info.Timestamp)
	}
}

func (fi *FileInfo) add(t time.Time) {
	if fi.Packets == 0 {
		fi.First = t
	}
	fi.Last = t
	fi.Packets++
}

// ExpandInputs turns what a user gave as capture inputs into file names:
// a directory stands for the capture files directly in it (not in
// subdirectories, not hidden files, not files that are not pcap, pcapng or
// gzip'ed ones), a name with glob characters that is not itself a file for
// the files it matches. Other names are kept as given. An input that
// yields no capture file is an error saying what it is.
func ExpandInputs(inputs []string) ([]string, error) {
	var out []string
	for _, in := range inputs {
		if in == "-" {
			out = append(out, in)
			continue
		}
		st, err := os.Stat(in)
		switch {
		case err == nil && st.IsDir():
			files, err := captureFilesIn(in)
			if err != nil {
				return nil, err
			}
			out = append(out, files...)
		case err == nil:
			out = append(out, in)
		case errors.Is(err, os.ErrNotExist) && strings.ContainsAny(in, "*?["):
			m, gerr := filepath.Glob(in)
			if gerr != nil {
				return nil, fmt.Errorf("%s: %w", in, gerr)
			}
			if len(m) == 0 {
				return nil, fmt.Errorf("%s: no file matches the pattern", in)
			}
			slices.SortFunc(m, naturalCompare)
			for _, name := range m {
				if st, err := os.Stat(name); err == nil && st.Mode().IsRegular() {
					out = append(out, name)
				}
			}
		default:
			return nil, err
		}
	}
	return out, nil
}

// captureFilesIn lists the capture files of a directory, or says what the
// directory holds instead.
func captureFilesIn(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	others, subdirs := 0, 0
	for _, e := range ents {
		if e.IsDir() {
			subdirs++
		}
		if strings.HasPrefix(e.Name(), ".") || !e.Type().IsRegular() {
			continue
		}
		name := filepath.Join(dir, e.Name())
		if isCaptureFile(name) {
			files = append(files, name)
		} else {
			others++
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: is a directory with no pcap or pcapng file in it (%d other files, %d subdirectories; subdirectories are not read)", dir, others, subdirs)
	}
	slices.SortFunc(files, naturalCompare)
	return files, nil
}

// isCaptureFile says whether name starts like a capture (or a gzip file,
// which OpenFile looks into).
func isCaptureFile(name string) bool {
	f, err := os.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	var m [4]byte
	if _, err := io.ReadFull(f, m[:]); err != nil {
		return false
	}
	return isPcapMagic(m[:]) || (m[0] == 0x0a && m[1] == 0x0d && m[2] == 0x0d && m[3] == 0x0a) ||
		(m[0] == 0x1f && m[1] == 0x8b)
}

// OverlapError says that two files meant to be one rotated capture hold
// packets of the same time span: they come from different capture points
// (or one is a copy), and reading them one after the other would make TCP
// go back in time.
type OverlapError struct {
	A, B FileInfo
}

func (e *OverlapError) Error() string {
	return fmt.Sprintf("%s (%s to %s) and %s (%s to %s) overlap in time: they are not files of one capture rotated one after the other (to read captures of several points together, merge them first: mergecap -w merged.pcapng FILES)",
		e.A.Name, stamp(e.A.First), stamp(e.A.Last), e.B.Name, stamp(e.B.First), stamp(e.B.Last))
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000000") }

// rotationSlack is how far a file may start before the previous one ended
// and still follow it: packet timestamps are taken on several CPUs and can
// step back a little (microseconds; rarely milliseconds). It is kept small
// because two capture points rotating at the same time are told apart by
// their overlap.
const rotationSlack = 50 * time.Millisecond

// OrderFiles probes files that a user says are one capture point and puts
// them in time order (by first packet; files without packets first, in
// name order). Files that overlap in time by more than rotationSlack are
// an *OverlapError.
func OrderFiles(names []string) ([]FileInfo, error) {
	infos := make([]FileInfo, 0, len(names))
	for _, n := range names {
		fi, err := ProbeFile(n)
		if err != nil {
			return nil, err
		}
		infos = append(infos, fi)
	}
	sortByTime(infos)
	var prev *FileInfo
	for i := range infos {
		fi := &infos[i]
		if fi.Packets == 0 {
			continue
		}
		if prev != nil && fi.First.Add(rotationSlack).Before(prev.Last) {
			return nil, &OverlapError{A: *prev, B: *fi}
		}
		prev = fi
	}
	return infos, nil
}

func sortByTime(infos []FileInfo) {
	slices.SortStableFunc(infos, func(a, b FileInfo) int {
		if (a.Packets == 0) != (b.Packets == 0) {
			if a.Packets == 0 {
				return -1
			}
			return 1
		}
		if c := a.First.Compare(b.First); c != 0 && a.Packets > 0 {
			return c
		}
		return naturalCompare(a.Name, b.Name)
	})
}

// Sequence is the files of one capture point, in time order.
type Sequence struct {
	// Pattern is the file name with its rotation counter and time stamp
	// replaced by '#' (the directory is kept): "dir/cap_#_#.pcapng".
	Pattern string
	Files   []FileInfo
}

// Names are the file names of the sequence, in reading order: what
// OpenSequence takes.
func (s Sequence) Names() []string {
	out := make([]string, len(s.Files))
	for i, f := range s.Files {
		out[i] = f.Name
	}
	return out
}

// GroupFiles sorts files (and the capture files of directories, and glob
// patterns: see ExpandInputs) into sequences of rotated files, each the
// files of one capture point in time order, the sequences in order of
// their first packet.
//
// Files belong together when their names differ only in their digits —
// the rotation counter and time stamp of `tcpdump -C` (cap.pcap, cap.pcap1,
// cap.pcap2; with -W: cap.pcap0, cap.pcap1), `tcpdump -G` (a strftime
// pattern) and `dumpcap -b` (cap_00001_20260101120000.pcapng), and a
// trailing .gz (`tcpdump -z gzip`) — and, among those, when one starts
// where the other ended (no time overlap beyond rotationSlack) with the same
// link type. Two points rotating files of the same pattern at the same
// time so make two sequences.
func GroupFiles(inputs []string) ([]Sequence, error) {
	names, err := ExpandInputs(inputs)
	if err != nil {
		return nil, err
	}
	byPattern := map[string][]FileInfo{}
	var patterns []string
	for _, n := range names {
		if n == "-" {
			return nil, errors.New("standard input (-) cannot be grouped with files")
		}
		fi, err := ProbeFile(n)
		if err != nil {
			return nil, err
		}
		p := RotationPattern(n)
		if _, ok := byPattern[p]; !ok {
			patterns = append(patterns, p)
		}
		byPattern[p] = append(byPattern[p], fi)
	}
	var seqs []Sequence
	for _, p := range patterns {
		infos := byPattern[p]
		sortByTime(infos)
		var group []Sequence
		for _, fi := range infos {
			// Follow the sequence that ended last before this file began
			// (same link type); an empty file joins the first sequence.
			best := -1
			for i, s := range group {
				if fi.Packets > 0 && s.Files[0].Packets > 0 && s.Files[0].LinkType != fi.LinkType {
					continue
				}
				if fi.Packets > 0 && fi.First.Add(rotationSlack).Before(lastOf(s)) {
					continue
				}
				if best < 0 || lastOf(s).After(lastOf(group[best])) {
					best = i
				}
			}
			if best < 0 {
				group = append(group, Sequence{Pattern: p})
				best = len(group) - 1
			}
			group[best].Files = append(group[best].Files, fi)
		}
		seqs = append(seqs, group...)
	}
	slices.SortStableFunc(seqs, func(a, b Sequence) int {
		return cmp.Compare(firstOf(a).UnixNano(), firstOf(b).UnixNano())
	})
	return seqs, nil
}

// lastOf is the time of a sequence's last packet.
func lastOf(s Sequence) time.Time {
	for i := len(s.Files) - 1; i >= 0; i-- {
		if s.Files[i].Packets > 0 {
			return s.Files[i].Last
		}
	}
	return time.Time{}
}

// firstOf is the time of a sequence's first packet.
func firstOf(s Sequence) time.Time {
	for _, f := range s.Files {
		if f.Packets > 0 {
			return f.First
		}
	}
	return time.Time{}
}

// RotationPattern is the name of a file with every run of digits in its
// base name replaced by '#', a trailing ".gz" and a counter after the
// extension dropped: the files of one rotated capture share it.
// "d/cap.pcap7.gz" and "d/cap.pcap" both give "d/cap.pcap";
// "d/cap_00001_20260101120000.pcapng" gives "d/cap_#_#.pcapng".
func RotationPattern(name string) string {
	dir, base := filepath.Split(name)
	base = strings.TrimSuffix(base, ".gz")
	var b strings.Builder
	inDigits := false
	for _, r := range base {
		if r >= '0' && r <= '9' {
			if !inDigits {
				b.WriteByte('#')
			}
			inDigits = true
			continue
		}
		inDigits = false
		b.WriteRune(r)
	}
	p := b.String()
	// tcpdump -C appends its counter to the whole name: cap.pcap3.
	return dir + strings.TrimSuffix(p, "#")
}

// naturalCompare orders names with their digit runs compared as numbers,
// so that cap.pcap2 comes before cap.pcap10.
func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := digitPrefix(a), digitPrefix(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if c := cmp.Compare(len(na), len(nb)); c != 0 {
				return c
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return cmp.Compare(a[0], b[0])
		}
		a, b = a[1:], b[1:]
	}
	return cmp.Compare(len(a), len(b))
}

func digitPrefix(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}
