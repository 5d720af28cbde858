package dissect

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/internal/tsharkref"
)

// tsharkMsg is one message as tshark's RTMPT dissector reported it in
// NAME.messages.tsv. tshark prints several messages of a frame in one row
// with comma-joined values, and prints bodysize and typeid only for fmt 0/1
// headers and streamid only for fmt 0; the other fields are -1 then.
type tsharkMsg struct {
	frame  uint64
	stream int
	srcPort,
	dstPort int
	fmt    int
	csid   int
	ts     int64 // tshark's absolute timestamp, -1 when tshark does not give it
	field  int64 // the extended timestamp field (rtmpt.header.ets), -1 when none
	length int64
	typeID int64
	msid   int64
	info   string
}

func (m tsharkMsg) String() string {
	return fmt.Sprintf("frame %d fmt %d csid %d ts %d ext %d type %d len %d msid %d", m.frame, m.fmt, m.csid, m.ts, m.field, m.typeID, m.length, m.msid)
}

func loadTshark(t testing.TB, name string) []tsharkMsg {
	t.Helper()
	path := tsharkref.MessagesPath(pcapDir, name)
	rows, err := tsharkref.Load(pcapDir, name)
	if err != nil {
		t.Skipf("no tshark reference: %v", err)
	}
	var out []tsharkMsg
	for _, row := range rows {
		get := func(c string) []string {
			if row[c] == "" {
				return nil
			}
			return strings.Split(row[c], ",")
		}
		num := func(s string) int64 {
			s = strings.TrimSpace(s)
			v, err := strconv.ParseInt(s, 0, 64)
			if err != nil {
				t.Fatalf("%s: bad number %q", path, s)
			}
			return v
		}
		fmts := get("rtmpt.header.format")
		if len(fmts) == 0 {
			continue
		}
		frame := uint64(num(get("frame.number")[0]))
		stream := int(num(get("tcp.stream")[0]))
		sp, dp := int(num(get("tcp.srcport")[0])), int(num(get("tcp.dstport")[0]))
		csids, tss := get("rtmpt.header.csid"), get("rtmpt.header.timestamp")
		deltas, etss := get("rtmpt.header.timestampdelta"), get("rtmpt.header.ets")
		lens, types, msids := get("rtmpt.header.bodysize"), get("rtmpt.header.typeid"), get("rtmpt.header.streamid")
		infos := strings.Split(row["_ws.col.Info"], "|")
		for i, fs := range fmts {
			m := tsharkMsg{frame: frame, stream: stream, srcPort: sp, dstPort: dp, fmt: int(num(fs)), length: -1, typeID: -1, msid: -1, ts: -1, field: -1}
			if i < len(csids) {
				m.csid = int(num(csids[i]))
			}
			// Sparse columns: timestampdelta is printed for fmt 1/2;
			// with an extended timestamp the delta reads 0xFFFFFF, ets
			// holds the value and the absolute timestamp is omitted. For
			// fmt 0 the timestamp reads 0xFFFFFF and ets is the absolute.
			pop := func(l *[]string) int64 {
				if len(*l) == 0 {
					t.Fatalf("%s frame %d: column shorter than the messages", path, frame)
				}
				v := num((*l)[0])
				*l = (*l)[1:]
				return v
			}
			switch m.fmt {
			case 0:
				m.ts = pop(&tss)
				if m.ts == 0xFFFFFF {
					m.field = pop(&etss)
					m.ts = m.field
				}
			case 1, 2:
				if d := pop(&deltas); d == 0xFFFFFF {
					m.field = pop(&etss)
				} else {
					m.ts = pop(&tss)
				}
			default:
				if len(tss) > 0 {
					m.ts = pop(&tss)
				}
			}
			if i < len(infos) {
				m.info = infos[i]
			}
			if m.fmt <= 1 && len(lens) > 0 {
				m.length, lens = num(lens[0]), lens[1:]
				m.typeID, types = num(types[0]), types[1:]
			}
			if m.fmt == 0 && len(msids) > 0 {
				m.msid, msids = num(msids[0]), msids[1:]
			}
			out = append(out, m)
		}
	}
	return out
}

// tsharkKey identifies a direction of a connection by its ports (tshark's
// stream numbers and reassembly's connection ids differ when stray packets
// after a close open a new flow).
type tsharkKey struct {
	srcPort int
	dstPort int
}

// compareTshark matches our messages against tshark's, direction by
// direction, in order. It returns the differences found, formatted.
func compareTshark(t testing.TB, col *collector, ref []tsharkMsg, skip func(tsharkMsg) bool) (diffs []string, compared int) {
	t.Helper()
	// tshark numbers TCP streams in order of first packet, as reassembly
	// numbers connections (ID 1 = stream 0).
	ours := map[tsharkKey][]*event.Message{}
	for _, e := range col.events {
		if e.Kind != event.KindMessage {
			continue
		}
		var c *Conn
		for _, cc := range col.conns {
			if cc.ID() == e.ConnID {
				c = cc
			}
		}
		src, dst := int(c.ctx.Info.Client.Port()), int(c.ctx.Info.Server.Port())
		if e.Message.Dir == event.S2C {
			src, dst = dst, src
		}
		k := tsharkKey{src, dst}
		ours[k] = append(ours[k], e.Message)
	}
	theirs := map[tsharkKey][]tsharkMsg{}
	var keys []tsharkKey
	for _, m := range ref {
		if skip != nil && skip(m) {
			continue
		}
		k := tsharkKey{m.srcPort, m.dstPort}
		if _, ok := theirs[k]; !ok {
			keys = append(keys, k)
		}
		theirs[k] = append(theirs[k], m)
	}
	for _, k := range keys {
		tm, om := theirs[k], ours[k]
		// Align from the first of our messages at or after tshark's first
		// frame (skip-filtered references may start later).
		j := 0
		for j < len(om) && om[j].Frame < tm[0].frame {
			j++
		}
		for i, want := range tm {
			if j >= len(om) {
				diffs = append(diffs, fmt.Sprintf("ports %d>%d: tshark has %d more messages from %v", k.srcPort, k.dstPort, len(tm)-i, want))
				break
			}
			got := om[j]
			j++
			compared++
			bad := got.Frame != want.frame || int(got.CSID) != want.csid ||
				want.ts >= 0 && int64(got.Timestamp) != want.ts || want.field >= 0 && int64(got.TS.Field) != want.field ||
				want.length >= 0 && int64(got.Length) != want.length || want.typeID >= 0 && int64(got.TypeID) != want.typeID ||
				want.msid >= 0 && int64(got.MSID) != want.msid
			if bad {
				diffs = append(diffs, fmt.Sprintf("ports %d>%d #%d: tshark %v; ours frame %d fmt %d csid %d ts %d type %d len %d msid %d",
					k.srcPort, k.dstPort, i, want, got.Frame, got.TS.Fmt, got.CSID, got.Timestamp, got.TypeID, got.Length, got.MSID))
				if len(diffs) > 20 {
					return diffs, compared
				}
			}
		}
		if j < len(om) && skip == nil {
			diffs = append(diffs, fmt.Sprintf("ports %d>%d: we have %d more messages from frame %d", k.srcPort, k.dstPort, len(om)-j, om[j].Frame))
		}
	}
	return diffs, compared
}
