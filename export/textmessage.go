package export

import (
	"strconv"
	"unicode/utf8"

	"github.com/rtmpscope/rtmpscope/dissect/decode"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
)

// messageLine is TextLine's line for a message event, written without fmt
// (it is nearly every line of the text view): the same bytes as
//
//	fmt.Sprintf("%6d %10.6f %-3s %s %3d %2d %8s %-5s %6d %s", frame, rel,
//		conn, arrow, csid, msid, ts, type, length, summary)
//
// which TestMessageLineMatchesFmt holds it to on every capture.
func messageLine(r *session.Record, rel float64, arrow string) string {
	m := r.Event.Message
	b := make([]byte, 0, 128)
	var num [24]byte
	b = padLeft(b, strconv.AppendUint(num[:0], m.Frame, 10), 6)
	b = append(b, ' ')
	b = padLeft(b, strconv.AppendFloat(num[:0], rel, 'f', 6, 64), 10)
	b = append(b, ' ')
	b = padRight(b, strconv.AppendUint(append(num[:0], 'c'), uint64(r.Event.ConnID), 10), 3)
	b = append(b, ' ')
	b = append(b, arrow...)
	b = append(b, ' ')
	b = padLeft(b, strconv.AppendUint(num[:0], uint64(m.CSID), 10), 3)
	b = append(b, ' ')
	b = padLeft(b, strconv.AppendUint(num[:0], uint64(m.MSID), 10), 2)
	b = append(b, ' ')
	ts := strconv.AppendUint(num[:0], uint64(m.Timestamp), 10)
	if m.Inferred || m.TS.Inferred {
		ts = append(ts, '?')
	}
	b = padLeft(b, ts, 8)
	b = append(b, ' ')
	b = padRight(b, []byte(event.MsgType(m.TypeID).Short()), 5)
	b = append(b, ' ')
	b = padLeft(b, strconv.AppendUint(num[:0], uint64(m.Length), 10), 6)
	b = append(b, ' ')
	b = decode.AppendSummary(b, m, r.Body)
	return string(b)
}

// padLeft appends s right-aligned in width runes, as fmt's %Nd and %Ns.
func padLeft(b, s []byte, width int) []byte {
	for n := utf8.RuneCount(s); n < width; n++ {
		b = append(b, ' ')
	}
	return append(b, s...)
}

// padRight appends s left-aligned in width runes, as fmt's %-Ns.
func padRight(b, s []byte, width int) []byte {
	b = append(b, s...)
	for n := utf8.RuneCount(s); n < width; n++ {
		b = append(b, ' ')
	}
	return b
}
