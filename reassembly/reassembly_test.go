package reassembly

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const pcapDir = "../testdata/pcaps"

// followRow is one line of NAME.follow.tsv: tshark's reassembled bytes of
// one direction of one TCP stream (`tshark -z follow,tcp,raw,N`).
type followRow struct {
	stream   int
	src, dst string
	bytes    int64
	sha      string
}

func readFollow(t testing.TB, path string) []followRow {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []followRow
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		if len(c) != 5 {
			t.Fatalf("%s: bad row %q", path, sc.Text())
		}
		n, _ := strconv.Atoi(c[0])
		b, _ := strconv.ParseInt(c[3], 10, 64)
		rows = append(rows, followRow{n, c[1], c[2], b, c[4]})
	}
	return rows
}

// captures lists the committed captures that have a follow reference.
func captures(t testing.TB) []string {
	t.Helper()
	refs, _ := filepath.Glob(filepath.Join(pcapDir, "*.follow.tsv"))
	var out []string
	for _, r := range refs {
		base := strings.TrimSuffix(r, ".follow.tsv")
		for _, ext := range []string{".pcap", ".pcapng"} {
			if _, err := os.Stat(base + ext); err == nil {
				out = append(out, base+ext)
			}
		}
	}
	if len(out) == 0 {
		t.Skip("no captures committed yet")
	}
	return out
}

// recorder is a Handler that hashes each direction and checks the
// invariants every consumer relies on.
type recorder struct {
	t      testing.TB
	info   ConnInfo
	sum    [2]hash.Hash
	n      [2]int64
	next   [2]int64 // offset expected next
	gaps   [2][]Gap
	closed *ConnStats
	frames [2][]uint64 // frames in delivery order
}

type recFactory struct {
	t     testing.TB
	conns []*recorder
}

func (f *recFactory) NewConnection(info ConnInfo) Handler {
	r := &recorder{t: f.t, info: info, sum: [2]hash.Hash{sha256.New(), sha256.New()}}
	f.conns = append(f.conns, r)
	return r
}

func (r *recorder) Data(d Direction, off int64, data []byte, refs []FrameRef) {
	if off != r.next[d] {
		r.t.Errorf("conn %d %s: data at offset %d, expected %d", r.info.ID, d, off, r.next[d])
	}
	var total int
	at := off
	for _, ref := range refs {
		if ref.Offset != at || ref.Len <= 0 || ref.Frame == 0 {
			r.t.Errorf("conn %d %s: bad frame ref %+v at %d", r.info.ID, d, ref, at)
		}
		at += int64(ref.Len)
		total += ref.Len
		r.frames[d] = append(r.frames[d], ref.Frame)
	}
	if total != len(data) {
		r.t.Errorf("conn %d %s: refs cover %d bytes of %d", r.info.ID, d, total, len(data))
	}
	r.sum[d].Write(data)
	r.n[d] += int64(len(data))
	r.next[d] = off + int64(len(data))
}

func (r *recorder) Gap(d Direction, g Gap) {
	r.gaps[d] = append(r.gaps[d], g)
	if g.Bytes > 0 {
		r.next[d] += g.Bytes
	}
	if g.Offset != r.next[d] {
		r.t.Errorf("conn %d %s: gap resumes at %d, expected %d", r.info.ID, d, g.Offset, r.next[d])
	}
}

func (r *recorder) Close(s ConnStats) {
	if r.closed != nil {
		r.t.Errorf("conn %d closed twice", r.info.ID)
	}
	r.closed = &s
}

func (r *recorder) endpoints(d Direction) (src, dst string) {
	c, s := r.info.Client.String(), r.info.Server.String()
	if d == ServerToClient {
		return s, c
	}
	return c, s
}

func run(t testing.TB, path string, opts Options) (*recFactory, Summary) {
	t.Helper()
	f := &recFactory{t: t}
	sum, err := ProcessFile(path, f, opts)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	for _, c := range f.conns {
		if c.closed == nil {
			t.Errorf("%s: conn %d never closed", path, c.info.ID)
		}
	}
	return f, sum
}

// TestFollowMatchesTshark: every connection's reassembled bytes, each way,
// equal tshark's follow-stream bytes in count and content.
func TestFollowMatchesTshark(t *testing.T) {
	for _, path := range captures(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			ref := path[:strings.LastIndex(path, ".")] + ".follow.tsv"
			want := readFollow(t, ref)
			f, sum := run(t, path, Options{})
			// Streams are matched by endpoints (and their order of appearance,
			// for port reuse): tshark also numbers connections that carried
			// no payload, so its stream index is not ours.
			got := map[string]followRow{}
			seen := map[string]int{}
			for i, c := range f.conns {
				for d := ClientToServer; d <= ServerToClient; d++ {
					if c.n[d] == 0 {
						continue
					}
					src, dst := c.endpoints(d)
					pair := src + " " + dst
					key := fmt.Sprintf("%s #%d", pair, seen[pair])
					seen[pair]++
					got[key] = followRow{i, src, dst, c.n[d], hex.EncodeToString(c.sum[d].Sum(nil))}
				}
			}
			wseen := map[string]int{}
			for _, w := range want {
				pair := w.src + " " + w.dst
				key := fmt.Sprintf("%s #%d", pair, wseen[pair])
				wseen[pair]++
				g, ok := got[key]
				if !ok {
					t.Errorf("stream %d %s -> %s: not reassembled (have %v)", w.stream, w.src, w.dst, keys(got))
					continue
				}
				if g.bytes != w.bytes || g.sha != w.sha {
					t.Errorf("stream %d %s -> %s: got %d bytes %s, tshark %d bytes %s", w.stream, w.src, w.dst, g.bytes, g.sha[:12], w.bytes, w.sha[:12])
				}
				delete(got, key)
			}
			for k := range got {
				t.Errorf("reassembled %s, which tshark does not have", k)
			}
			if sum.Capture.Packets == 0 || sum.Capture.TCP == 0 {
				t.Errorf("counted no packets: %+v", sum.Capture)
			}
		})
	}
}

func keys(m map[string]followRow) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func hexSum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

// closeOrder records the order of Close calls.
type closeOrder struct {
	nopHandler
	id   uint64
	seen *[]uint64
}

func (c closeOrder) Close(ConnStats) { *c.seen = append(*c.seen, c.id) }

type closeOrderFactory struct{ seen []uint64 }

func (f *closeOrderFactory) NewConnection(info ConnInfo) Handler {
	return closeOrder{id: info.ID, seen: &f.seen}
}

// TestCloseOrderAtEnd: every run closes the connections in the same
// order, and those still open when the capture ends are closed in
// connection order (multi.pcap: one reset in the middle, two open at the
// end).
func TestCloseOrderAtEnd(t *testing.T) {
	path := filepath.Join(pcapDir, "multi.pcap")
	if _, err := os.Stat(path); err != nil {
		t.Skip("capture not committed")
	}
	var first []uint64
	for run := 0; run < 5; run++ {
		f := &closeOrderFactory{}
		if _, err := ProcessFile(path, f, Options{}); err != nil {
			t.Fatal(err)
		}
		if len(f.seen) != 3 || (run > 0 && !slices.Equal(f.seen, first)) {
			t.Fatalf("run %d: close order %v, first run %v", run, f.seen, first)
		}
		first = f.seen
	}
	if !sort.SliceIsSorted(first[1:], func(i, j int) bool { return first[1+i] < first[1+j] }) {
		t.Fatalf("connections open at the end closed out of order: %v", first)
	}
}
