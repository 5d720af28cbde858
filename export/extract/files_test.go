package extract_test

import (
	"bytes"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/export/extract"
	"github.com/rtmpscope/rtmpscope/export/flv"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/internal/pcapsplice"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

// deriveStreams writes publish.pcap (a real ffmpeg publish through nginx)
// with per new message streams opened right after its publish command,
// each with one video sequence header of the real stream, copied over
// conns connections that never close: what testdata/pcaps/hostile/derive.go
// -case streams makes at full size (10,000 streams).
func deriveStreams(t *testing.T, per, conns int) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(capturetest.Pcaps(), "publish.pcap"))
	if err != nil {
		t.Skipf("publish.pcap: %v", err)
	}
	c, err := pcapsplice.Read(b)
	if err != nil {
		t.Fatal(err)
	}
	at := c.Find(0, []byte("\x02\x00\x07publish"))
	if at < 0 {
		t.Fatal("no publish")
	}
	tp, _ := c.Split(at)
	seq := []byte{0x17, 0, 0, 0, 0, 1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, 0}
	ins := pcapsplice.SetChunkSize(1 << 20)
	for s := 0; s < per; s++ {
		ins = append(ins, pcapsplice.Message(7, 9, uint32(2+s), 0, seq)...)
	}
	ins = append(ins, pcapsplice.SetChunkSize(4096)...)
	if err := c.InsertAfter(at, ins); err != nil {
		t.Fatal(err)
	}
	c.Truncate(at + 3)
	for i := 1; i < conns; i++ {
		c.CopyConn(tp.SrcPort(), tp.SrcPort()+uint16(i))
	}
	path := filepath.Join(t.TempDir(), "streams.pcap")
	if err := os.WriteFile(path, c.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestExtractManyStreamsFewFiles (#14 item 4): 3 × 40 streams open at once
// under a limit of 48 file descriptors for the whole test process. Before,
// extract held one open file per stream and failed with "too many open
// files"; now at most MaxOpenFiles are open and every file is complete.
func TestExtractManyStreamsFewFiles(t *testing.T) {
	path := deriveStreams(t, 40, 3)
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Skip(err)
	}
	low := lim
	low.Cur = 48
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Skip(err)
	}
	defer syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)

	dir := t.TempDir()
	var files []extract.ExtractedFile
	x := extract.NewExtractor(extract.ExtractOptions{Dir: dir, MaxOpenFiles: 8, OnFile: func(f extract.ExtractedFile) { files = append(files, f) }})
	tr := session.New(session.Options{}, x.Add)
	if _, err := capturetest.Run(path, tr, pipeline.Config{}); err != nil {
		t.Fatal(err)
	}
	if err := x.Close(); err != nil {
		t.Fatalf("extract: %v", err)
	}
	// One per new stream.
	if len(files) < 120 {
		t.Fatalf("%d files, want 120", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		if f.Err != nil || !bytes.HasPrefix(b, []byte("FLV")) || int64(len(b)) < flv.HeaderSize+4 {
			t.Errorf("%s: %d bytes, err %v", f.Path, len(b), f.Err)
		}
	}
}
