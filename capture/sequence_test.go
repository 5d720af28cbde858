package capture_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/capture"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/export"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

// rotatedSets are the rotated captures testdata/pcaps/wild/make-rotated.sh
// derives with `editcap -c` from committed real captures.
var rotatedSets = []struct{ dir, whole string }{
	{"publish", "publish.pcap"},
	{"multi", "multi.pcap"},
	{"publish-ng", "publish-ng.pcapng"},
}

func rotatedDir(set string) string {
	return filepath.Join(capturetest.Pcaps(), "wild", "rotated", set)
}

// ndjson runs src through the whole pipeline and returns the NDJSON export.
func ndjson(t *testing.T, src capture.Source) (string, error) {
	t.Helper()
	var out bytes.Buffer
	sink := pipeline.NewSink(func(r *session.Record) error {
		b, err := export.MarshalEvent(*r, export.EventOptions{})
		if err != nil {
			return err
		}
		out.Write(b)
		out.WriteByte('\n')
		return nil
	}, nil)
	_, err := pipeline.New(pipeline.Config{}).Run(context.Background(), src, sink)
	return out.String(), err
}

// TestSequenceEqualsWhole: a capture split into rotated files and read as
// one sequence gives exactly the events of the unsplit capture: the same
// frame numbers, connections, connect/app/stream names and media.
func TestSequenceEqualsWhole(t *testing.T) {
	for _, set := range rotatedSets {
		t.Run(set.dir, func(t *testing.T) {
			t.Parallel()
			whole, err := capture.OpenFile(filepath.Join(capturetest.Pcaps(), set.whole))
			if err != nil {
				t.Fatal(err)
			}
			defer whole.Close()
			want, err := ndjson(t, whole)
			if err != nil {
				t.Fatal(err)
			}
			seqs, err := capture.GroupFiles([]string{rotatedDir(set.dir)})
			if err != nil {
				t.Fatal(err)
			}
			if len(seqs) != 1 || len(seqs[0].Files) < 3 {
				t.Fatalf("GroupFiles: %d sequences (%+v), want 1 of 3 files or more", len(seqs), seqs)
			}
			src, err := capture.OpenSequence(seqs[0].Names())
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			got, err := ndjson(t, src)
			if err != nil {
				t.Fatal(err)
			}
			if read, size := src.Progress(); read != size || size == 0 {
				t.Errorf("progress at the end: %d of %d bytes", read, size)
			}
			if !strings.Contains(want, `"publish"`) && !strings.Contains(want, `"play"`) {
				t.Fatalf("the whole capture has no publish or play command: the comparison would prove little")
			}
			if got != want {
				gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
				for i := range min(len(gl), len(wl)) {
					if gl[i] != wl[i] {
						t.Fatalf("line %d differs:\n got %s\nwant %s", i+1, gl[i], wl[i])
					}
				}
				t.Fatalf("%d lines, want %d", len(gl), len(wl))
			}
			// Each file alone loses the names: the test would catch a
			// sequence that restarted its state per file.
			alone, err := capture.OpenFile(seqs[0].Files[1].Name)
			if err != nil {
				t.Fatal(err)
			}
			defer alone.Close()
			if second, _ := ndjson(t, alone); strings.Count(second, "\n") >= strings.Count(want, "\n") {
				t.Errorf("the second file alone gives as many events as the whole capture")
			}
		})
	}
}

// TestGroupFilesSeveralPoints: a directory list holding the rotated files of
// three captures gives three sequences, each in time order.
func TestGroupFilesSeveralPoints(t *testing.T) {
	var inputs []string
	for _, set := range rotatedSets {
		inputs = append(inputs, rotatedDir(set.dir))
	}
	// Give them in reverse to check the ordering.
	slices.Reverse(inputs)
	seqs, err := capture.GroupFiles(inputs)
	if err != nil {
		t.Fatal(err)
	}
	if len(seqs) != len(rotatedSets) {
		t.Fatalf("%d sequences, want %d", len(seqs), len(rotatedSets))
	}
	for i, s := range seqs {
		if want := rotatedSets[i].dir + "_#_#"; !strings.HasPrefix(filepath.Base(s.Pattern), want) {
			t.Errorf("sequence %d: pattern %s, want %s*", i, s.Pattern, want)
		}
		for j := 1; j < len(s.Files); j++ {
			if s.Files[j].First.Before(s.Files[j-1].Last) {
				t.Errorf("%s: %s starts before %s ends", s.Pattern, s.Files[j].Name, s.Files[j-1].Name)
			}
		}
	}
}

// TestGroupFilesSamePatternOverlap: two capture points writing files of the
// same name pattern at the same time are two sequences, told apart by time.
func TestGroupFilesSamePatternOverlap(t *testing.T) {
	dir := t.TempDir()
	// The same rotated set twice under one pattern: cam_1 (a copy) overlaps
	// cam_0 file for file.
	src := rotatedDir("publish")
	ents, _ := os.ReadDir(src)
	for i, e := range ents {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for cam := range 2 {
			name := filepath.Join(dir, "cam_"+string(rune('0'+cam))+"_"+string(rune('0'+i))+".pcap")
			if err := os.WriteFile(name, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	seqs, err := capture.GroupFiles([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(seqs) != 2 || len(seqs[0].Files) != len(ents) || len(seqs[1].Files) != len(ents) {
		t.Fatalf("got %d sequences, want 2 of %d files", len(seqs), len(ents))
	}
	// Read as one capture point, they are refused with the reason.
	_, err = capture.OrderFiles(append(seqs[0].Names(), seqs[1].Names()...))
	var ov *capture.OverlapError
	if !errors.As(err, &ov) {
		t.Fatalf("OrderFiles: %v, want an OverlapError", err)
	}
}

// TestRotationPattern covers the naming conventions of the rotating tools.
func TestRotationPattern(t *testing.T) {
	for _, c := range []struct{ a, b string }{
		{"d/cap.pcap", "d/cap.pcap1"},                                          // tcpdump -C
		{"d/cap.pcap1", "d/cap.pcap12.gz"},                                     // tcpdump -C -z gzip
		{"d/cap.pcap0", "d/cap.pcap9"},                                         // tcpdump -C -W 10
		{"d/x-20261205-1200.pcap", "d/x-20261205-1300.pcap"},                   // tcpdump -G with strftime
		{"d/r_00001_20261205120000.pcapng", "d/r_00002_20261205120100.pcapng"}, // dumpcap -b
	} {
		if pa, pb := capture.RotationPattern(c.a), capture.RotationPattern(c.b); pa != pb {
			t.Errorf("%s → %s, %s → %s: want one pattern", c.a, pa, c.b, pb)
		}
	}
	if capture.RotationPattern("d/a.pcap") == capture.RotationPattern("e/a.pcap") {
		t.Error("files of two directories share a pattern")
	}
}

// TestSequenceTruncatedMiddle: a file cut short in the middle of a sequence
// is reported, and the files after it are read all the same.
func TestSequenceTruncatedMiddle(t *testing.T) {
	seqs, err := capture.GroupFiles([]string{rotatedDir("publish")})
	if err != nil {
		t.Fatal(err)
	}
	names := seqs[0].Names()
	dir := t.TempDir()
	var total uint64
	for i, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			b = b[:len(b)-100] // cut inside the last record
		}
		names[i] = filepath.Join(dir, filepath.Base(n))
		if err := os.WriteFile(names[i], b, 0o644); err != nil {
			t.Fatal(err)
		}
		total += seqs[0].Files[i].Packets
	}
	src, err := capture.OpenSequence(names)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var n uint64
	for {
		p, err := src.Next()
		if err == nil {
			n++
			if p.Frame != n {
				t.Fatalf("frame %d numbered %d", n, p.Frame)
			}
			continue
		}
		if err == io.EOF || !errors.Is(err, capture.ErrTruncated) || !strings.Contains(err.Error(), filepath.Base(names[1])) {
			t.Fatalf("end: %v, want the truncation of %s", err, names[1])
		}
		break
	}
	if n != total-1 {
		t.Errorf("%d packets read, want %d (all but the cut one)", n, total-1)
	}
}

// TestGroupFilesLinkType: files of one name pattern that follow each other
// in time but have different link types (an Ethernet capture, then one of
// Linux "any") are two capture points, not one rotated capture.
func TestGroupFilesLinkType(t *testing.T) {
	dir := t.TempDir()
	for name, src := range map[string]string{"cap_1.pcap": "publish.pcap", "cap_2.pcap": "any-sll2.pcap"} {
		b, err := os.ReadFile(filepath.Join(capturetest.Pcaps(), src))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	seqs, err := capture.GroupFiles([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(seqs) != 2 || seqs[0].Files[0].LinkType == seqs[1].Files[0].LinkType {
		t.Fatalf("%d sequences, want one per link type", len(seqs))
	}
}
