package export

import (
	"net/netip"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rtmpscope/rtmpscope/dissect/decode"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
)

func TestSparkline(t *testing.T) {
	for _, c := range []struct {
		in    []float64
		width int
		want  string
	}{
		{nil, 10, ""},
		{[]float64{0, 0}, 10, "▁▁"},
		{[]float64{1, 2, 4, 8}, 10, "▂▃▅█"},
		// 8 values in 4 columns: pairs are averaged.
		{[]float64{8, 8, 0, 0, 4, 4, 2, 2}, 4, "█▁▅▃"},
	} {
		if got := sparkline(c.in, c.width); got != c.want {
			t.Errorf("sparkline(%v, %d) = %q, want %q", c.in, c.width, got, c.want)
		}
	}
	long := make([]float64, 600)
	for i := range long {
		long[i] = float64(i)
	}
	if n := utf8.RuneCountInString(sparkline(long, sparkWidth)); n > sparkWidth {
		t.Errorf("%d columns for width %d", n, sparkWidth)
	}
}

var base = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func rec(kind event.Kind, ms int, m *event.Message) session.Record {
	at := base.Add(time.Duration(ms) * time.Millisecond)
	r := session.Record{Event: event.Event{Kind: kind, ConnID: 1, Time: at}}
	switch kind {
	case event.KindConn:
		r.Conn = &event.ConnEvent{Info: event.ConnInfo{Client: netip.MustParseAddrPort("10.0.0.1:5000"), Server: netip.MustParseAddrPort("10.0.0.2:1935")}, Closed: ms > 0}
	case event.KindMessage:
		m.Time = at
		m.Length = uint32(len(m.Body))
		r.Message, r.Dir, r.HasDir = m, m.Dir, true
		r.Body = decode.Message(m)
	}
	return r
}

// TestStatsCollector: streams are keyed by direction and msid, reported
// when their connection closes; zero-length messages are counted apart;
// the frame rate spans coded frames only, not the sequence header sent
// 40 ms before the first (as nginx does to a player).
func TestStatsCollector(t *testing.T) {
	var got []StreamStats
	c := &StatsCollector{OnStream: func(s StreamStats) { got = append(got, s) }}
	s2c := event.S2C
	c.Add(rec(event.KindConn, 0, nil))
	video := func(ts uint32, body ...byte) *event.Message {
		return &event.Message{Dir: s2c, MSID: 1, TypeID: 9, Timestamp: ts, Body: body}
	}
	c.Add(rec(event.KindMessage, 1, video(960, 0x17, 0, 0, 0, 0)))
	c.Add(rec(event.KindMessage, 1, &event.Message{Dir: s2c, MSID: 1, TypeID: 8, Timestamp: 960}))
	for i := 0; i < 26; i++ {
		c.Add(rec(event.KindMessage, 2+40*i, video(1000+uint32(40*i), 0x27, 1, 0, 0, 0)))
	}
	c.Add(rec(event.KindMessage, 3, &event.Message{Dir: event.C2S, MSID: 1, TypeID: 8, Timestamp: 0, Body: []byte{0xaf, 1, 0x21}}))
	if len(got) != 0 {
		t.Fatal("reported before the connection closed")
	}
	c.Add(rec(event.KindConn, 2000, nil))
	if len(got) != 2 || got[0].Dir != "c2s" || got[1].Dir != "s2c" {
		t.Fatalf("streams %+v", got)
	}
	p := got[1]
	if p.Role() != "play" || p.Client != "10.0.0.1:5000" || p.Empty != 1 || p.Audio != nil {
		t.Errorf("play stream %+v", p)
	}
	if p.Video.Frames != 26 || p.Video.FrameRate != 25 {
		t.Errorf("%d frames at %.3f fps, want 26 at 25", p.Video.Frames, p.Video.FrameRate)
	}
	var b strings.Builder
	p.Video.Format.Summary = strings.Repeat("very long configuration ", 10)
	if err := WriteStatsText(&b, p, base); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(b.String(), "\n") {
		if utf8.RuneCountInString(line) > 80 {
			t.Errorf("line over 80 columns: %q", line)
		}
	}
	if !strings.Contains(b.String(), "c1 10.0.0.1:5000 → 10.0.0.2:1935  s2c msid 1  play") {
		t.Errorf("header: %q", b.String())
	}
	j, err := MarshalStats(p)
	if err != nil || !strings.Contains(string(j), `"kind":"stream"`) || !strings.Contains(string(j), `"schema":1`) {
		t.Errorf("JSON %s %v", j, err)
	}
}
