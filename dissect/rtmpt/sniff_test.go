package rtmpt

import (
	"path/filepath"
	"testing"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
)

// firstBytes returns the start of each direction of the first RTMPT TCP
// connection of a capture.
func firstBytes(t *testing.T, name string) [2][]byte {
	calls, _ := rawHTTP(t, filepath.Join(pcaps, name+".pcap"))
	var out [2][]byte
	for _, c := range calls {
		if c.conn == 0 {
			out[c.dir] = append(out[c.dir], c.data...)
		}
	}
	return out
}

func TestSniff(t *testing.T) {
	pub := firstBytes(t, "rtmpt-publish")
	line := pub[0][:bytesIndex(pub[0], "\r\n")+2]
	cases := []struct {
		name      string
		c2s, s2c  []byte
		fromStart [2]bool
		final     bool
		want      flow.Decision
		swap      bool
	}{
		{name: "real /open/1", c2s: pub[0], s2c: pub[1], fromStart: [2]bool{true, true}, want: flow.Yes},
		{name: "request line only", c2s: line, fromStart: [2]bool{true, true}, want: flow.Yes},
		{name: "half a request line", c2s: line[:9], fromStart: [2]bool{true, true}, want: flow.NeedMore},
		{name: "half a request line, final", c2s: line[:9], fromStart: [2]bool{true, true}, final: true, want: flow.No},
		{name: "POST prefix", c2s: []byte("PO"), fromStart: [2]bool{true, true}, want: flow.NeedMore},
		{name: "swapped", s2c: pub[0], fromStart: [2]bool{true, true}, final: true, want: flow.Yes, swap: true},
		{name: "mid-stream: request later in the bytes", c2s: append([]byte("tail of a body\r\n"), pub[0]...), want: flow.Yes},
		{name: "only an x-fcs response", s2c: pub[1], fromStart: [2]bool{false, true}, want: flow.Yes},
		{name: "other POST", c2s: []byte("POST /api/v1 HTTP/1.1\r\nContent-Type: text/json\r\n\r\n"), fromStart: [2]bool{true, true}, want: flow.No},
		{name: "POST with x-fcs on any path", c2s: []byte("POST /x HTTP/1.1\r\nContent-Type: application/x-fcs\r\n\r\n"), fromStart: [2]bool{true, true}, want: flow.Yes},
		{name: "GET", c2s: []byte("GET / HTTP/1.1\r\n\r\n"), fromStart: [2]bool{true, true}, want: flow.No},
		{name: "RTMP C0", c2s: []byte{3, 0, 0, 0, 0, 0, 0, 0}, fromStart: [2]bool{true, true}, want: flow.No},
	}
	for _, tc := range cases {
		h := &flow.Head{Transport: event.TransportTCP, Data: [2][]byte{tc.c2s, tc.s2c}, FromStart: tc.fromStart, Final: tc.final}
		v := Sniff(h)
		if v.Decision != tc.want || v.Swap != tc.swap {
			t.Errorf("%s: %v swap %v, want %v swap %v", tc.name, v.Decision, v.Swap, tc.want, tc.swap)
		}
		if v.Decision == flow.Yes && (v.Variant != event.VariantRTMPT || v.Rule == "" || v.Evidence == "") {
			t.Errorf("%s: verdict %+v", tc.name, v)
		}
	}
}

func bytesIndex(b []byte, s string) int {
	for i := 0; i+len(s) <= len(b); i++ {
		if string(b[i:i+len(s)]) == s {
			return i
		}
	}
	return -1
}
