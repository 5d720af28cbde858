package capture_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/capture"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
)

// TestMalformed: the captures testdata/pcaps/wild/make-malformed.py derives
// from publish.pcap and publish-ng.pcapng, one length field broken in each,
// are reported as malformed (not truncated) with the frame, offset and
// reason — and repaired from what follows, so that every message of the
// clean capture is still found.
func TestMalformed(t *testing.T) {
	for _, c := range []struct {
		file, clean string
		want        []string // in the error; nil: no error
	}{
		{"pcapng-len8.pcapng", "publish-ng.pcapng", []string{"frame 9: enhanced packet block at offset 5724", "its length is 8", "read as 100 bytes"}},
		{"pcapng-len1001.pcapng", "publish-ng.pcapng", []string{"frame 9: enhanced packet block at offset 5724", "its length 1001 is not a multiple of 4", "read as 100 bytes"}},
		{"pcapng-trailer.pcapng", "publish-ng.pcapng", []string{"frame 9: enhanced packet block at offset 5724", "trailing length 104 differs from its leading length 100"}},
		{"pcap-snaplen-ffffffff.pcap", "publish.pcap", nil},
		{"pcap-snaplen-ffffffff-badrec.pcap", "publish.pcap", []string{"frame 200: record at offset 63409", "claims 2147483632 captured bytes", "snap length 0xffffffff is no real limit", "read as a 74-byte record"}},
	} {
		t.Run(c.file, func(t *testing.T) {
			t.Parallel()
			want := runFile(t, filepath.Join(capturetest.Pcaps(), c.clean))
			src, err := capture.OpenFile(wild("malformed/" + c.file))
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			got, err := ndjson(t, src)
			if c.want == nil {
				if err != nil {
					t.Fatalf("error %v, want none", err)
				}
			} else {
				if !errors.Is(err, capture.ErrMalformed) || errors.Is(err, capture.ErrTruncated) {
					t.Fatalf("error %v, want malformed and not truncated", err)
				}
				for _, w := range c.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not say %q", err, w)
					}
				}
			}
			if got != want {
				t.Errorf("events differ from %s's: something decodable was lost", c.clean)
			}
		})
	}
}

// TestMalformedUnrepairable: a broken length with nothing well-formed
// after it within reach stops reading with a malformed error, after
// delivering every packet before it.
func TestMalformedUnrepairable(t *testing.T) {
	b, err := os.ReadFile(wild("malformed/pcapng-len8.pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	// Keep the file up to the broken block and 40 bytes of it: no block
	// follows, and the file does not end where a length would put it.
	b = b[:5724+40]
	src, err := capture.NewReaderSource("cut.pcapng", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		_, err = src.Next()
		if err != nil {
			break
		}
		n++
	}
	if n != 8 || !errors.Is(err, capture.ErrMalformed) || !strings.Contains(err.Error(), "frame 9: enhanced packet block at offset 5724: capture file is malformed: its length is 8") {
		t.Errorf("%d packets, error %v; want 8 and the malformed block", n, err)
	}
}

// TestTruncatedStaysTruncated: a file that merely ends early is truncated,
// named by frame and offset, also inside gzip; a corrupt gzip stream says
// so rather than "truncated".
func TestTruncatedStaysTruncated(t *testing.T) {
	for _, name := range []string{"publish.pcap", "publish-ng.pcapng"} {
		b, err := os.ReadFile(filepath.Join(capturetest.Pcaps(), name))
		if err != nil {
			t.Fatal(err)
		}
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(b[:len(b)-50])
		zw.Close()
		for how, data := range map[string][]byte{"plain": b[:len(b)-50], "gzip": z.Bytes()} {
			src, err := capture.NewReaderSource(name, bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			for err == nil {
				_, err = src.Next()
			}
			if !errors.Is(err, capture.ErrTruncated) || errors.Is(err, capture.ErrMalformed) || !strings.Contains(err.Error(), "offset") {
				t.Errorf("%s %s: %v, want truncated with its offset", name, how, err)
			}
		}
		// Flip a byte in the middle of the deflate stream.
		zc := append([]byte(nil), z.Bytes()...)
		zc[len(zc)/2] ^= 0xff
		src, err := capture.NewReaderSource(name, bytes.NewReader(zc))
		if err != nil {
			t.Fatal(err)
		}
		for err == nil {
			_, err = src.Next()
		}
		if errors.Is(err, capture.ErrTruncated) {
			t.Errorf("%s with a corrupt gzip stream: %v, want the gzip error", name, err)
		}
	}
}
