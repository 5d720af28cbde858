package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBodiesReusedSameOutput holds the command's choices of which views
// reuse message bodies (recycleBodies, stats) and which assemble video
// frames sparse (sparseVideo, stats, conns --story) to account: every
// committed capture, through every such view, prints the same with bodies
// whole and never reused as with every body given back poisoned and every
// gap of a sparse frame unwritten (RTMPSCOPE_BODIES). A view that read a
// body after its record, or a byte of a frame it was not meant to show,
// would print something else.
func TestBodiesReusedSameOutput(t *testing.T) {
	t.Parallel()
	views := [][]string{
		{"-T", "text"}, {"-V"}, {"-T", "text", "-x"}, {"-T", "ndjson"}, {"-T", "json"},
		{"-T", "ndjson", "--payload", "hex"},
		{"-T", "fields", "-e", "frame.number", "-e", "type", "-e", "summary", "-e", "video", "-e", "audio", "-e", "amf.string"},
		{"stats"}, {"conns", "--story"},
	}
	files, _ := filepath.Glob(pcaps + "*.pcap*")
	if len(files) < 40 {
		t.Fatalf("%d captures", len(files))
	}
	run := func(mode string, args []string) []byte {
		cmd := exec.Command(binPath, args...)
		cmd.Env = append(os.Environ(), "RTMPSCOPE_BODIES="+mode)
		var out bytes.Buffer
		cmd.Stdout = &out
		cmd.Run() // malformed captures exit non-zero; their output counts
		return out.Bytes()
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			for _, v := range views {
				args := append([]string{"-r", f}, v...)
				if v[0] == "stats" || v[0] == "conns" {
					args = append(v[:1:1], append([]string{"-r", f}, v[1:]...)...)
				}
				whole, poison := run("whole", args), run("poison", args)
				if !bytes.Equal(whole, poison) {
					t.Errorf("rtmpscope %s: output differs with reused, poisoned and sparse bodies", strings.Join(args, " "))
				}
			}
		})
	}
}
