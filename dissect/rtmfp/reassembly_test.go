package rtmfp

import (
	"runtime"
	"testing"
	"time"
)

type reasmLog struct {
	msgs  []string
	notes []string
}

func newTestReassembler() (*Reassembler, *reasmLog) {
	l := &reasmLog{}
	r := NewReassembler(7, func(m FlowMessage) { l.msgs = append(l.msgs, string(m.Data)) },
		func(n FlowNote) { l.notes = append(l.notes, n.Code) })
	return r, l
}

func frag(seq, fsnOff uint64, flags byte, data string) *UserData {
	return &UserData{FlowID: 7, Seq: seq, FSNOffset: fsnOff, Flags: flags, Data: []byte(data)}
}

// The fragment rules of RFC 7016 §3.6.3: order by sequence number, join
// begin/middle/end, drop retransmissions, skip what the forward sequence
// number abandons.
func TestReassembler(t *testing.T) {
	r, l := newTestReassembler()
	now := time.Time{}
	r.Add(frag(1, 1, FragWhole|UDOptions, "a"), 1, now)
	r.Add(frag(3, 3, FragMiddle, "c"), 2, now) // early
	r.Add(frag(2, 2, FragBegin, "b"), 3, now)
	r.Add(frag(2, 2, FragBegin, "b"), 4, now) // retransmission
	r.Add(frag(4, 4, FragEnd, "d"), 5, now)
	r.Add(frag(6, 6, FragWhole, "lost-before"), 6, now) // 5 missing
	r.Add(frag(7, 1, FragWhole, "e"), 7, now)           // fsn 6: 5 is given up
	r.Add(frag(8, 1, FragMiddle, "orphan"), 8, now)     // no begin: dropped
	r.Add(frag(9, 1, FragWhole|UDFinal, "f"), 9, now)
	r.Close(10, now)
	if got := join(l.msgs); got != "a|bcd|lost-before|e|f" {
		t.Errorf("messages %s", got)
	}
	if r.Duplicates != 1 || r.Missing != 1 || !r.Fin {
		t.Errorf("dups %d missing %d fin %v", r.Duplicates, r.Missing, r.Fin)
	}
	if join(l.notes) != CodeFlowGap {
		t.Errorf("notes %v", l.notes)
	}
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += "|"
		}
		out += x
	}
	return out
}

// Hostile numbers allocate nothing in proportion to what they claim: a
// sequence number 2^62 ahead, a forward sequence number that abandons
// 2^62 fragments, and a message that grows past 16 MB cost the bytes that
// arrived, not the bytes claimed.
func TestReassemblerClaims(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r, l := newTestReassembler()
	now := time.Time{}
	r.Add(frag(1, 1, FragBegin, "x"), 1, now)
	r.Add(frag(1<<62, 1<<62-1, FragMiddle, "y"), 2, now) // held past a hole of 2^62
	r.Add(frag(1<<62+1, 0, FragWhole, "z"), 3, now)      // fsn passes everything
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<10 {
		t.Errorf("claims of 2^62 fragments allocated %d bytes", grew)
	}
	if r.Missing < 1<<62-2 || join(l.msgs) != "z" {
		t.Errorf("missing %d, messages %v", r.Missing, l.msgs)
	}

	// A message that never ends is bounded by MaxMessage.
	r, l = newTestReassembler()
	r.MaxMessage = 16 << 20
	chunk := string(make([]byte, 1<<20))
	r.Add(frag(1, 1, FragBegin, chunk), 1, now)
	for i := uint64(2); i < 40; i++ {
		r.Add(frag(i, 1, FragMiddle, chunk), i, now)
	}
	r.Add(frag(40, 1, FragEnd, "end"), 40, now)
	if len(l.msgs) != 0 || len(l.notes) != 1 || l.notes[0] != CodeMessageTooLarge {
		t.Errorf("messages %d notes %v", len(l.msgs), l.notes)
	}
	if cap(r.msg) > 0 {
		t.Errorf("dropped message still holds %d bytes", cap(r.msg))
	}

	// Fragments past a hole are bounded by MaxPending.
	r, l = newTestReassembler()
	r.MaxPending = 1 << 20
	r.Add(frag(1, 1, FragWhole, "a"), 1, now)
	for i := uint64(3); i < 100; i++ {
		r.Add(frag(i, i-1, FragWhole, string(make([]byte, 64<<10))), i, now)
	}
	if r.pendSize > r.MaxPending || len(l.notes) == 0 {
		t.Errorf("pending %d bytes, notes %v", r.pendSize, l.notes)
	}
}
