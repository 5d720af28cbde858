package hexview

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/export/tree"
	"github.com/rtmpscope/rtmpscope/tui/theme"
)

// FuzzHexview drives the pane with arbitrary chunk lists (including ones
// the dissector never makes: negative lengths, huge offsets, headers of the
// wrong size, bodies shorter or longer than the chunks), arbitrary
// highlight and mask ranges and sizes: it must never panic and must keep
// the shape contract.
func FuzzHexview(f *testing.F) {
	f.Add([]byte{12, 128, 0, 1, 11, 0}, int64(120), int64(16), int64(3), int64(4), uint8(1), uint8(80), uint8(24))
	f.Add([]byte{8, 255, 1, 16, 200}, int64(-5), int64(1<<62), int64(-1), int64(1<<63-1), uint8(2), uint8(50), uint8(10))
	f.Add([]byte{}, int64(0), int64(0), int64(0), int64(0), uint8(0), uint8(0), uint8(0))
	f.Fuzz(func(t *testing.T, spec []byte, off, n, moff, mlen int64, space, w, h uint8) {
		msg := &event.Message{CSID: 6, ChunkCount: len(spec) / 2}
		var wire int64 = int64(off) & 0xffffffffff
		bodyLen := 0
		for i := 0; i+1 < len(spec) && len(msg.Chunks) < 64; i += 2 {
			hl, pl := int(spec[i]%20)-1, int(spec[i+1])*int(spec[i]%7)-3
			ci := event.ChunkInfo{Offset: wire, HeaderLen: hl, PayloadLen: pl, Fmt: spec[i] % 4, CSID: 6}
			if spec[i]%3 == 0 && hl > 0 {
				ci.Header = make([]byte, hl)
			} else if spec[i]%5 == 0 {
				ci.Header = []byte{1, 2}
			}
			msg.Chunks = append(msg.Chunks, ci)
			wire += int64(max(hl, 0) + max(pl, 0) + int(spec[i+1]%3))
			bodyLen += max(pl, 0)
		}
		bodyLen += int(binary.BigEndian.Uint16(append(spec, 0, 0)[:2])%64) - 32
		body := make([]byte, max(bodyLen, 0))
		m := New()
		m.SetTheme(theme.New(true))
		m.SetSize(int(w), int(h))
		m.Focus()
		m.SetMessage(msg, body, [][]byte{nil, {9}})
		m.SetMask([]Range{{moff, mlen}})
		m.Highlight(tree.Space(space%4), off, n)
		for _, k := range []string{"G", "[", "]", "k", "pgup", "j", "g", "]"} {
			m, _ = m.Update(press(k))
			v := m.View()
			if h == 0 {
				if v != "" {
					t.Fatalf("zero height view %q", v)
				}
				continue
			}
			checkShape(t, v, int(w), int(h))
		}
		m.SetSize(int(w)/2, int(h)+1)
		if h > 0 && strings.Count(m.View(), "\n") != int(h) {
			t.Fatalf("resized view has the wrong height")
		}
	})
}
