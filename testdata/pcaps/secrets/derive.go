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
// Later client segments get their sequence numbers moved by the inserted
// length, and the server's acknowledgement numbers with them; IPv4 and TCP
// checksums are recomputed. Only classic pcap, Ethernet or Linux cooked
// (as tcpdump -i lo writes), IPv4, is handled.
package main

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/rtmpscope/rtmpscope/dissect/amf"
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
	out, err := derive(in, *key, *chunk)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(flag.Arg(1), out, 0o644); err != nil {
		log.Fatal(err)
	}
}

type packet struct {
	hdr  []byte // 16-byte record header
	data []byte
	link int
}

func derive(in []byte, key string, chunk int) ([]byte, error) {
	if len(in) < 24 || binary.LittleEndian.Uint32(in) != 0xa1b2c3d4 {
		return nil, fmt.Errorf("not a little-endian classic pcap")
	}
	linkType := binary.LittleEndian.Uint32(in[20:])
	linkLen := map[uint32]int{1: 14, 113: 16}[linkType]
	if linkLen == 0 {
		return nil, fmt.Errorf("link type %d", linkType)
	}
	var pkts []packet
	for p := 24; p+16 <= len(in); {
		n := int(binary.LittleEndian.Uint32(in[p+8:]))
		if p+16+n > len(in) {
			return nil, fmt.Errorf("truncated record at %d", p)
		}
		pkts = append(pkts, packet{hdr: append([]byte(nil), in[p:p+16]...), data: append([]byte(nil), in[p+16:p+16+n]...), link: linkLen})
		p += 16 + n
	}
	// The client's publish, and the first video message after it.
	at, video := -1, []byte(nil)
	var cport uint16
	for i, pk := range pkts {
		ip, tcp, payload := split(pk)
		if ip == nil {
			continue
		}
		if at < 0 && bytes.Contains(payload, []byte("\x02\x00\x07publish")) {
			at, cport = i, binary.BigEndian.Uint16(tcp)
			continue
		}
		if at >= 0 && video == nil && binary.BigEndian.Uint16(tcp) == cport {
			video = firstVideo(payload)
		}
	}
	if at < 0 {
		return nil, fmt.Errorf("no publish command")
	}
	if video == nil {
		video = []byte{0x17, 0x02, 0, 0, 0} // an AVC end-of-sequence tag
	}
	ins := messages(key, chunk, video)

	ip, tcp, _ := split(pkts[at])
	_, _, pl := split(pkts[at])
	seqAfter := binary.BigEndian.Uint32(tcp[4:]) + uint32(len(pl))
	// The inserted segment: a copy of the publish segment's headers.
	hl := pkts[at].link + len(ip) - len(tcp) + int(tcp[12]>>4)*4
	seg := append(append([]byte(nil), pkts[at].data[:hl]...), ins...)
	nip := seg[pkts[at].link:]
	binary.BigEndian.PutUint32(nip[len(ip)-len(tcp)+4:], seqAfter)
	ns := packet{hdr: append([]byte(nil), pkts[at].hdr...), data: seg, link: pkts[at].link}
	ts := binary.LittleEndian.Uint32(ns.hdr[4:]) + 1
	binary.LittleEndian.PutUint32(ns.hdr[4:], ts)
	binary.LittleEndian.PutUint32(ns.hdr[8:], uint32(len(seg)))
	binary.LittleEndian.PutUint32(ns.hdr[12:], uint32(len(seg)))
	fix(ns)
	var outPkts []packet
	outPkts = append(outPkts, pkts[:at+1]...)
	outPkts = append(outPkts, ns)
	for _, pk := range pkts[at+1:] {
		ip, tcp, _ := split(pk)
		if ip != nil {
			src := binary.BigEndian.Uint16(tcp)
			if src == cport {
				s := binary.BigEndian.Uint32(tcp[4:])
				if int32(s-seqAfter) >= 0 {
					binary.BigEndian.PutUint32(tcp[4:], s+uint32(len(ins)))
				}
			} else if binary.BigEndian.Uint16(tcp[2:]) == cport && tcp[13]&0x10 != 0 {
				a := binary.BigEndian.Uint32(tcp[8:])
				if int32(a-seqAfter) > 0 {
					binary.BigEndian.PutUint32(tcp[8:], a+uint32(len(ins)))
				}
			}
			fix(pk)
		}
		outPkts = append(outPkts, pk)
	}
	out := append([]byte(nil), in[:24]...)
	for _, pk := range outPkts {
		out = append(out, pk.hdr...)
		out = append(out, pk.data...)
	}
	return out, nil
}

// split returns the IPv4 header+rest, the TCP header+rest and the payload
// of a packet (nil when it is not IPv4/TCP).
func split(pk packet) (ip, tcp, payload []byte) {
	if len(pk.data) < pk.link+20 {
		return nil, nil, nil
	}
	ip = pk.data[pk.link:]
	if ip[0]>>4 != 4 || ip[9] != 6 {
		return nil, nil, nil
	}
	ihl := int(ip[0]&15) * 4
	total := int(binary.BigEndian.Uint16(ip[2:]))
	if total > len(ip) || ihl+20 > total {
		return nil, nil, nil
	}
	ip = ip[:total]
	tcp = ip[ihl:]
	thl := int(tcp[12]>>4) * 4
	return ip, tcp, tcp[thl:]
}

// fix recomputes a packet's IPv4 total length and checksums.
func fix(pk packet) {
	ipb := pk.data[pk.link:]
	ihl := int(ipb[0]&15) * 4
	total := len(ipb)
	binary.BigEndian.PutUint16(ipb[2:], uint16(total))
	ipb[10], ipb[11] = 0, 0
	binary.BigEndian.PutUint16(ipb[10:], csum(ipb[:ihl], 0))
	tcp := ipb[ihl:total]
	tcp[16], tcp[17] = 0, 0
	var pseudo uint32
	for i := 12; i < 20; i += 2 {
		pseudo += uint32(binary.BigEndian.Uint16(ipb[i:]))
	}
	pseudo += 6 + uint32(len(tcp))
	binary.BigEndian.PutUint16(tcp[16:], csum(tcp, pseudo))
}

func csum(b []byte, sum uint32) uint16 {
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
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

// msg encodes one message as a single fmt-0 chunk on chunk stream 10.
func msg(typ byte, body []byte) []byte {
	h := []byte{10, 0, 0, 0, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body)), typ, 1, 0, 0, 0}
	return append(h, body...)
}

func setChunkSize(n int) []byte {
	h := []byte{2, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0}
	return binary.BigEndian.AppendUint32(h, uint32(n))
}

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
	b = append(b, setChunkSize(1<<20)...)
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
	b = append(b, setChunkSize(chunk)...)
	return b
}
