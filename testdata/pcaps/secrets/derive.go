//go:build ignore

// derive.go plants one stream key in every place of an RTMP session where
// rtmpscope must redact it, by splicing RTMP messages into a real capture:
//
//	go run derive.go -key KEY -chunk N in.pcap out.pcap
//
// in.pcap is a real publish (ffmpeg through nginx-rtmp, made by
// make-secrets.sh) whose tcUrl path already carries KEY; the program finds
// the client's publish command and inserts, right after it, one TCP segment
// holding a Set Chunk Size and these messages (each one chunk, on chunk
// stream 10, message stream 1), then a Set Chunk Size back to N (the
// client's chunk size, from tshark):
//
//   - shared objects, AMF0 (19) and AMF3 (16): KEY as the object name, a slot
//     name, a slot value, a SendMessage argument;
//   - data, AMF0 (18): KEY as a property name, a typed object's class name,
//     inside a longer string ("prefix-KEY-suffix");
//   - data, AMF3 (15): the same in AMF3, and a ByteArray holding KEY;
//   - command, AMF3 (17): a publish whose name is an object {name: KEY};
//   - command, AMF0 (20): an FCPublish whose name is "x?k=Q" (a short key,
//     Q), and an onStatus-like call quoting "key Q accepted";
//   - aggregate (22): an onMetaData sub-message with KEY in a string, then a
//     copy of the first video message of the capture's publish.
//
// The splice is internal/pcapsplice's: later client segments get their
// sequence numbers moved by the inserted length, and the server's
// acknowledgement numbers with them; lengths and checksums of the packets
// it changes are recomputed.
package main

import (
	"encoding/binary"
	"flag"
	"log"
	"os"

	"github.com/rtmpscope/rtmpscope/dissect/amf"
	"github.com/rtmpscope/rtmpscope/internal/pcapsplice"
)

func main() {
	key := flag.String("key", "", "the stream key to plant")
	chunk := flag.Int("chunk", 128, "the client's chunk size after its publish")
	flag.Parse()
	if flag.NArg() != 2 || *key == "" {
		log.Fatal("usage: derive -key KEY -chunk N in.pcap out.pcap")
	}
	in, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		log.Fatal(err)
	}
	c, err := pcapsplice.Read(in)
	if err != nil {
		log.Fatal(err)
	}
	at := c.Find(0, []byte("\x02\x00\x07publish"))
	if at < 0 {
		log.Fatal("no publish command")
	}
	// The first video message after the publish, for the aggregate.
	t, _ := c.Split(at)
	var video []byte
	for i := at + 1; i < len(c.Packets) && video == nil; i++ {
		if u, ok := c.Split(i); ok && u.SrcPort() == t.SrcPort() {
			video = firstVideo(u.Payload())
		}
	}
	if video == nil {
		video = []byte{0x17, 0x02, 0, 0, 0} // an AVC end-of-sequence tag
	}
	if err := c.InsertAfter(at, messages(*key, *chunk, video)); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(flag.Arg(1), c.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}

// firstVideo returns the body of a type-0 chunk of a video message that fits
// in one segment (a keyframe's beginning is enough for an aggregate record;
// only its header is decoded).
func firstVideo(payload []byte) []byte {
	for i := 0; i+12 < len(payload); i++ {
		if payload[i]&0xC0 == 0 && payload[i]&0x3F >= 2 && payload[i+7] == 9 {
			n := int(payload[i+4])<<16 | int(payload[i+5])<<8 | int(payload[i+6])
			if n > 5 && n < 64 && i+12+n <= len(payload) && (payload[i+12] == 0x17 || payload[i+12] == 0x27) {
				return append([]byte(nil), payload[i+12:i+12+n]...)
			}
		}
	}
	return nil
}

func must(b []byte, err error) []byte {
	if err != nil {
		log.Fatal(err)
	}
	return b
}

// msg encodes one message as a single fmt-0 chunk on chunk stream 10,
// message stream 1.
func msg(typ byte, body []byte) []byte { return pcapsplice.Message(10, typ, 1, 0, body) }

func str16(s string) []byte { return append(binary.BigEndian.AppendUint16(nil, uint16(len(s))), s...) }

// sharedObject builds a shared-object body: name, version, flags, reserved,
// then a Change event (slot KEY = "KEY") and a SendMessage("say", KEY).
func sharedObject(key string, amf3 bool) []byte {
	var b []byte
	if amf3 {
		b = append(b, 0)
	}
	b = append(b, str16(key)...)
	b = append(b, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0)
	val := amf.String("slot value " + key)
	if amf3 {
		val = amf.In3(val)
	}
	change := append(str16(key), must(amf.Encode0(val))...)
	b = append(b, 4)
	b = binary.BigEndian.AppendUint32(b, uint32(len(change)))
	b = append(b, change...)
	arg := amf.String(key)
	if amf3 {
		arg = amf.In3(arg)
	}
	send := must(amf.Encode0(amf.String("say"), arg))
	b = append(b, 6)
	b = binary.BigEndian.AppendUint32(b, uint32(len(send)))
	return append(b, send...)
}

func messages(key string, chunk int, video []byte) []byte {
	typed := amf.Value{Kind: amf.KindObject, Class: key, Props: []amf.Prop{amf.P("v", amf.Number(1))}}
	probe := amf.Object(
		amf.P(key, amf.Number(1)),
		amf.P("typed", typed),
		amf.P("text", amf.String("prefix-"+key+"-suffix")),
	)
	probe3 := amf.In3(probe)
	probe3.Props[1].Value.Sealed = 1 // a typed AMF3 object: its member is sealed
	probe3.Props = append(probe3.Props, amf.P("bytes", amf.Value{Kind: amf.KindByteArray, Format: amf.AMF3, Bytes: []byte("bytes:" + key)}))
	meta := must(amf.Encode0(amf.String("onMetaData"), amf.ECMAArray(
		amf.P("title", amf.String("stream "+key)), amf.P("width", amf.Number(320)))))

	var b []byte
	b = append(b, pcapsplice.SetChunkSize(1<<20)...)
	b = append(b, msg(19, sharedObject(key, false))...)
	b = append(b, msg(16, sharedObject(key, true))...)
	b = append(b, msg(18, must(amf.Encode0(amf.String("onKeyProbe"), probe)))...)
	b = append(b, msg(15, append([]byte{0}, must(amf.Encode0(amf.String("onKeyProbe3"), probe3))...))...)
	b = append(b, msg(17, append([]byte{0}, must(amf.Encode0(amf.String("publish"), amf.Number(0), amf.Null(),
		amf.In3(amf.Object(amf.P("name", amf.String(key)))), amf.String("live")))...))...)
	b = append(b, msg(20, must(amf.Encode0(amf.String("FCPublish"), amf.Number(0), amf.Null(), amf.String("x?k=Q"))))...)
	b = append(b, msg(20, must(amf.Encode0(amf.String("onKeyNote"), amf.Number(0), amf.Null(), amf.String("key Q accepted"))))...)
	// Aggregate: two FLV-tag records with back pointers.
	var agg []byte
	rec := func(typ byte, body []byte) {
		agg = append(agg, typ, byte(len(body)>>16), byte(len(body)>>8), byte(len(body)), 0, 0, 0, 0, 0, 0, 0)
		agg = append(agg, body...)
		agg = binary.BigEndian.AppendUint32(agg, uint32(11+len(body)))
	}
	rec(18, meta)
	rec(9, video)
	b = append(b, msg(22, agg)...)
	b = append(b, pcapsplice.SetChunkSize(uint32(chunk))...)
	return b
}
