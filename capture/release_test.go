package capture

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// residentKiB is how much of b is resident in this process, from
// /proc/self/smaps (Linux); -1 elsewhere or when the mapping is not found.
func residentKiB(t *testing.T, b []byte) int {
	v := smapsField(t, b, "Rss:")
	if v == "" {
		return -1
	}
	kb, _ := strconv.Atoi(strings.Fields(v)[0])
	return kb
}

// smapsField is the value of a field of b's mapping in /proc/self/smaps
// ("Rss:", "VmFlags:"), "" when there is none.
func smapsField(t *testing.T, b []byte, name string) string {
	if runtime.GOOS != "linux" {
		return ""
	}
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return ""
	}
	defer f.Close()
	start := uint64(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
	sc := bufio.NewScanner(f)
	in := false
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch {
		case len(fields) < 2:
		case !strings.HasSuffix(fields[0], ":"): // a mapping: "from-to perms ..."
			from, _, _ := strings.Cut(fields[0], "-")
			v, err := strconv.ParseUint(from, 16, 64)
			in = err == nil && v == start
		case in && fields[0] == name:
			return strings.Join(fields[1:], " ")
		}
	}
	return ""
}

var touched byte // mappedTemp's loads land here, so that they are made

// mappedTemp maps a temporary file of size bytes (their values do not
// matter to the window) and touches every page of it.
func mappedTemp(t *testing.T, size int) []byte {
	name := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(name, make([]byte, size), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	b := mapFile(f, int64(size))
	if b == nil {
		t.Skip("no memory mapping here")
	}
	t.Cleanup(func() { unmapFile(b) })
	if runtime.GOOS == "linux" && residentKiB(t, b) < 0 {
		t.Fatal("the mapping is not in /proc/self/smaps")
	}
	for i := 0; i < len(b); i += pageSize {
		touched += b[i]
	}
	return b
}

// TestMappedHugePages: a mapped file is read ahead in 2 MiB folios
// (MADV_HUGEPAGE: "hg" in the mapping's VmFlags), see hugePages.
func TestMappedHugePages(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux only")
	}
	b := mappedTemp(t, 1<<20)
	if flags := smapsField(t, b, "VmFlags:"); !strings.Contains(" "+flags+" ", " hg ") {
		t.Errorf("the mapping's flags are %q, want hg among them", flags)
	}
}

// TestMappedWindowLag: read without a Releaser, pages go mapLag behind
// the reader, a step at a time.
func TestMappedWindowLag(t *testing.T) {
	b := mappedTemp(t, 6<<20)
	w := &mappedWindow{data: b}
	for w.off < len(b) {
		w.Discard(100 << 10)
		if w.dropped > max(0, w.off-mapLag) || w.off-w.dropped > mapLag+mapStep {
			t.Fatalf("at offset %d pages are dropped up to %d: want within [offset-%d, offset-%d]", w.off, w.dropped, mapLag+mapStep, mapLag)
		}
	}
	if kb := residentKiB(t, b); kb > (mapLag+mapStep)>>10 {
		t.Errorf("%d KiB of the mapping resident at its end, want at most %d", kb, (mapLag+mapStep)>>10)
	}
}

// TestMappedWindowRelease: once its user releases, the window keeps every
// page not yet released, however far the reader ran ahead, and gives back
// what is released, a step at a time, all of it at the end.
func TestMappedWindowRelease(t *testing.T) {
	b := mappedTemp(t, 6<<20)
	w := &mappedWindow{data: b}
	w.release(0)
	var marks []int
	for w.off < len(b) {
		w.Discard(300 << 10)
		marks = append(marks, w.off)
		if w.dropped != 0 {
			t.Fatalf("pages dropped up to %d at offset %d, before anything was released", w.dropped, w.off)
		}
	}
	if kb := residentKiB(t, b); kb >= 0 && kb < len(b)>>10 {
		t.Fatalf("%d KiB of the %d KiB mapping resident before anything was released", kb, len(b)>>10)
	}
	for _, m := range marks {
		w.release(m)
		if w.dropped > m || m-w.dropped >= mapStep+pageSize {
			t.Fatalf("released up to %d, dropped up to %d: want within a step below", m, w.dropped)
		}
	}
	if w.dropped != len(b) {
		t.Errorf("dropped up to %d at the end, want all %d bytes", w.dropped, len(b))
	}
	if kb := residentKiB(t, b); kb != 0 && kb != -1 {
		t.Errorf("%d KiB of the mapping resident after everything was released", kb)
	}
}

// TestSequenceRelease: in a rotated sequence whose user releases, a file
// read to its end keeps its pages while packets from it may be in flight,
// and gives them back when a mark in a later file is released.
func TestSequenceRelease(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "pcaps", "multi.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	// multi.pcap cut at record boundaries into three files.
	var names []string
	dir := t.TempDir()
	offs := recordOffsets(t, raw)
	for i, cut := range [][2]int{{0, 60}, {60, 130}, {130, len(offs) - 1}} {
		name := filepath.Join(dir, fmt.Sprintf("multi%d.pcap", i))
		if err := os.WriteFile(name, append(append([]byte(nil), raw[:24]...), raw[offs[cut[0]]:offs[cut[1]]]...), 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	s, err := OpenSequence(names)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Release(Mark{})
	var marks []Mark
	for {
		if _, err := s.Next(); err != nil {
			break
		}
		marks = append(marks, s.Mark())
	}
	if len(s.retired) != 2 {
		t.Fatalf("%d files retired, want 2", len(s.retired))
	}
	for _, r := range s.retired {
		if r.src.win.dropped != 0 {
			t.Fatalf("file %d: pages dropped up to %d when it was retired, while its packets may be in flight", r.idx+1, r.src.win.dropped)
		}
	}
	for i, m := range marks {
		s.Release(m)
		for _, r := range s.retired {
			all := r.src.win.dropped == len(r.src.mapped)
			if want := r.idx < m.file; all != want {
				t.Fatalf("after releasing mark %d (file %d), file %d dropped whole: %v, want %v", i, m.file+1, r.idx+1, all, want)
			}
		}
	}
	if w := s.cur.win; w.dropped != len(w.data) {
		t.Errorf("last file dropped up to %d of %d after its last mark was released", w.dropped, len(w.data))
	}
}

// recordOffsets returns the offset of every record of a pcap file, and
// its length last, as the pcap reader walks them.
func recordOffsets(t *testing.T, b []byte) []int {
	r, err := newPcapReader(bufio.NewReader(bytes.NewReader(b)))
	if err != nil {
		t.Fatal(err)
	}
	offs := []int{int(r.off)}
	for {
		if _, _, err := r.next(); err != nil {
			return offs
		}
		offs = append(offs, int(r.off))
	}
}
