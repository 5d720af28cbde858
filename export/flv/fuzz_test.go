package flv

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// FuzzReader: the FLV reader on any bytes. It returns tags or an error
// wrapping ErrNotFLV or ErrTruncated, never a body longer than the input,
// (or ErrMalformed) and the tags it read, written again with Writer and read back, are the
// same. Seeds are the starts of real FLVs (ffmpeg-made media in
// dissect/media/testdata and the play reference of testdata/pcaps);
// FLV_WRITE_CORPUS=1 go test -run Corpus rewrites the corpus.
func FuzzReader(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		flags, tags, err := ReadAll(bytes.NewReader(b))
		if err != nil && !errors.Is(err, ErrNotFLV) && !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrMalformed) {
			t.Fatalf("error without a sentinel: %v", err)
		}
		total := 0
		for _, tg := range tags {
			total += len(tg.Body)
			if tg.Offset < 0 || tg.Offset > int64(len(b)) {
				t.Fatalf("tag offset %d outside %d bytes", tg.Offset, len(b))
			}
		}
		if total > len(b) {
			t.Fatalf("%d body bytes from %d input bytes", total, len(b))
		}
		var out bytes.Buffer
		w := NewWriter(&out, flags)
		for _, tg := range tags {
			if err := w.WriteTag(tg.Type, tg.Timestamp, tg.Body); err != nil {
				return // a tag the writer refuses (too large, bad type)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		_, again, err := ReadAll(bytes.NewReader(out.Bytes()))
		if err != nil || len(again) != len(tags) {
			t.Fatalf("round trip: %d tags, then %d (%v)", len(tags), len(again), err)
		}
		for i := range tags {
			if again[i].Type != tags[i].Type || again[i].Timestamp != tags[i].Timestamp || !bytes.Equal(again[i].Body, tags[i].Body) {
				t.Fatalf("round trip: tag %d differs", i)
			}
		}
	})
}

// TestWriteFuzzCorpus writes the seeds: the first 600 bytes of each real FLV
// (small, so that new inputs are minimised quickly).
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("FLV_WRITE_CORPUS") == "" {
		t.Skip("set FLV_WRITE_CORPUS=1 to regenerate testdata/fuzz")
	}
	files, _ := filepath.Glob("../../dissect/media/testdata/*.flv")
	files = append(files, "../../testdata/pcaps/play.ref.flv")
	dir := filepath.Join("testdata", "fuzz", "FuzzReader")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b = b[:min(len(b), 600)]
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
