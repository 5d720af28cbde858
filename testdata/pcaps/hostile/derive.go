//go:build ignore

// derive.go makes the hostile captures of issue #14 items 4 and 5 from a
// real capture (../publish.pcap: ffmpeg publishing through nginx-rtmp, made
// by ../make-captures.sh), by splicing bytes a broken or hostile client
// could send into its stream right after its publish command:
//
//	go run derive.go -case CASE [-n N] in.pcap out.pcap
//
// Cases:
//
//	implausible  a Set Chunk Size of 0x7FFFFFFF, then a fmt 0 header with
//	             unknown type id 0x55 claiming 16 MB (no payload): the rest
//	             of the real publish follows (item 5).
//	names        N (default 20000) FCPublish calls with distinct stream
//	             names (each a secret the redactor learns), then one data
//	             message of 200000 strings that mention none of them
//	             (item 4: redaction in linear time).
//	budget       N (default 11: 95 MB) copies of the connection, each with an 8 MB
//	             video message left incomplete (all but its last byte):
//	             partial bodies of N × 8 MB held at once (item 4: global
//	             budget; one connection stays under its own cap).
//	streams      N (default 10000) message streams, each with one video
//	             sequence header and never closed, over N/60 copies of the
//	             connection (item 4: extract's open files).
//
// The captures are not committed (they are large); scripts/hostile-input.sh
// and the tests make them.
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/rtmpscope/rtmpscope/dissect/amf"
	"github.com/rtmpscope/rtmpscope/internal/pcapsplice"
)

func main() {
	kind := flag.String("case", "", "implausible, names, budget or streams")
	n := flag.Int("n", 0, "size of the case (see the source)")
	flag.Parse()
	if flag.NArg() != 2 {
		log.Fatal("usage: derive -case CASE [-n N] in.pcap out.pcap")
	}
	b, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		log.Fatal(err)
	}
	c, err := pcapsplice.Read(b)
	if err != nil {
		log.Fatal(err)
	}
	if err := derive(c, *kind, *n); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(flag.Arg(1), c.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		log.Fatal(err)
	}
	return b
}

func derive(c *pcapsplice.Capture, kind string, n int) error {
	at := c.Find(0, []byte("\x02\x00\x07publish"))
	if at < 0 {
		return fmt.Errorf("no publish command")
	}
	t, _ := c.Split(at)
	port := t.SrcPort()
	switch kind {
	case "implausible":
		ins := append(pcapsplice.SetChunkSize(0x7FFFFFFF), pcapsplice.Header(9, 0x55, 1, 0, 0xFFFFFF)...)
		return c.InsertAfter(at, ins)
	case "names":
		if n <= 0 {
			n = 20000
		}
		var ins []byte
		ins = append(ins, pcapsplice.SetChunkSize(1<<24-1)...)
		for i := 0; i < n; i++ {
			body := must(amf.Encode0(amf.String("FCPublish"), amf.Number(float64(100+i)), amf.Null(), amf.String(fmt.Sprintf("cam%06d_%08x", i, uint32(i)*2654435761))))
			ins = append(ins, pcapsplice.Message(3, 20, 0, 0, body)...)
		}
		strs := make([]amf.Value, 200000)
		for i := range strs {
			strs[i] = amf.String(fmt.Sprintf("note %d", i))
		}
		body := must(amf.Encode0(amf.String("onNotes"), amf.StrictArray(strs...)))
		ins = append(ins, pcapsplice.Message(4, 18, 1, 0, body)...)
		ins = append(ins, pcapsplice.SetChunkSize(4096)...)
		return c.InsertAfter(at, ins)
	case "budget":
		if n <= 0 {
			n = 11
		}
		// An 8 MB message whose last byte never comes, on a chunk stream
		// of its own, under a chunk size that makes it one chunk.
		const size = 1<<23 - 1
		ins := pcapsplice.SetChunkSize(1 << 23)
		ins = append(ins, pcapsplice.Header(9, 9, 1, 0, size)...)
		body := make([]byte, size-1)
		body[0] = 0x17
		ins = append(ins, body...)
		if err := c.InsertAfter(at, ins); err != nil {
			return err
		}
		for i := 1; i < n; i++ {
			c.CopyConn(port, port+uint16(i))
		}
		return nil
	case "streams":
		if n <= 0 {
			n = 10000
		}
		// A video sequence header of the real stream, on msid 2, 3, ...
		seq := []byte{0x17, 0, 0, 0, 0, 1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, 0}
		per := 60
		conns := (n + per - 1) / per
		var ins []byte
		ins = append(ins, pcapsplice.SetChunkSize(1<<20)...)
		for s := 0; s < per; s++ {
			ins = append(ins, pcapsplice.Message(7, 9, uint32(2+s), 0, seq)...)
		}
		ins = append(ins, pcapsplice.SetChunkSize(4096)...)
		if err := c.InsertAfter(at, ins); err != nil {
			return err
		}
		// Copies of the connection up to the publish and the streams
		// only (the media after is not needed), which never close.
		end := at + 1 + (len(ins)+32<<10-1)/(32<<10)
		c.Truncate(end + 1)
		for i := 1; i < conns; i++ {
			c.CopyConn(port, port+uint16(i))
		}
		_ = binary.BigEndian
		return nil
	}
	return fmt.Errorf("unknown case %q", kind)
}
