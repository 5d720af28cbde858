package export

import (
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/event"
)

// In rtmfp-mixed.pcap an RTMP client's C1 carries a digest (scheme 0) and
// the server's S1 none: the handshake line says "no digest", never
// "scheme -1".
func TestHandshakeLineNoDigest(t *testing.T) {
	found := false
	for _, r := range captureRecords(t, "rtmfp-mixed.pcap") {
		if r.Kind != event.KindHandshake {
			continue
		}
		line := TextLine(r, r.Time, 0)
		if strings.Contains(line, "scheme -1") {
			t.Errorf("%s", line)
		}
		if strings.Contains(line, "C1 scheme 0, S1 no digest") {
			found = true
		}
	}
	if !found {
		t.Error("no handshake line says the S1 has no digest")
	}
}
