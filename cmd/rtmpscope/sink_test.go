package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// A reader that goes away (| head) ends the run quietly with exit 0, as
// tshark does; nothing but the lines read reaches it.
func TestClosedPipeExitsZero(t *testing.T) {
	path := need(t, "multi.pcap")
	for _, format := range []string{"text", "ndjson"} {
		cmd := exec.Command(binPath, "-r", path, "-T", format)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 100)
		if _, err := io.ReadFull(out, buf); err != nil {
			t.Fatal(err)
		}
		out.Close() // the reader goes away with most of the output unread
		err = cmd.Wait()
		if err != nil {
			t.Errorf("%s: %v (stderr %q)", format, err, stderr.String())
		}
		if strings.Contains(stderr.String(), "rtmpscope:") {
			t.Errorf("%s: error printed for a closed pipe: %q", format, stderr.String())
		}
	}
}

// A full disk is an error: exit 1 and the reason on stderr.
func TestFullDiskExitsOne(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("/dev/full:", err)
	}
	defer full.Close()
	path := need(t, "publish.pcap")
	for _, args := range [][]string{{"-r", path, "-T", "text"}, {"-r", path, "-T", "ndjson"}, {"conns", "-r", path}, {"stats", "-r", path}} {
		cmd := exec.Command(binPath, args...)
		cmd.Stdout = full
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != 1 || !strings.Contains(stderr.String(), "no space left") {
			t.Errorf("%v: %v, stderr %q", args, err, stderr.String())
		}
	}
}
