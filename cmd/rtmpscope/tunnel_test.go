package main

import (
	"strings"
	"testing"
)

// TestTunnelOuterShown: a connection inside a tunnel names its outer layers
// in the text line, -V, conns and NDJSON (captures of
// testdata/pcaps/wild/make-vxlan.sh and derive-tunnels.sh).
func TestTunnelOuterShown(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ file, text, json string }{
		{"wild/vxlan.pcap", "inside ipv4 192.0.2.1>192.0.2.2 / vxlan 42", `"outer":["ipv4 192.0.2.1\u003e192.0.2.2","vxlan 42"]`},
		{"wild/tunnels/gtpu.pcap", "inside 802.1q 300 / ipv4 198.51.100.1>198.51.100.2 / gtp-u 0x1000", `"outer":["802.1q 300","ipv4 198.51.100.1\u003e198.51.100.2","gtp-u 0x1000"]`},
	} {
		path := need(t, c.file)
		for _, args := range [][]string{{"-r", path}, {"conns", "-r", path}} {
			out, errOut, code := rtmpscope(t, args...)
			if code != 0 || !strings.Contains(out, c.text) {
				t.Errorf("%v: exit %d, no %q in\n%.600s%s", args, code, c.text, out, errOut)
			}
		}
		out, _, _ := rtmpscope(t, "-r", path, "-V")
		if !strings.Contains(out, "Inside") || !strings.Contains(out, "vxlan 42") && !strings.Contains(out, "gtp-u 0x1000") {
			t.Errorf("-V of %s does not show the outer layers", c.file)
		}
		out, _, _ = rtmpscope(t, "-r", path, "-T", "ndjson")
		if strings.Count(out, c.json) != 2 {
			t.Errorf("%s: %d conn events with %s, want the open and the close", c.file, strings.Count(out, c.json), c.json)
		}
		// Messages are found as in the plain capture: connect with its app.
		if !strings.Contains(out, `"app":"live"`) {
			t.Errorf("%s: no connect to app live", c.file)
		}
	}
}
