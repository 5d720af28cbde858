package rtmfp

import (
	"strings"
	"testing"
)

// TestMonaServer: rtmfp-cpp's tcpublish against MonaServer2's MonaTiny.
// MonaTiny answers IIKeying with an RIKeying tcpublish cannot accept (its
// key component is for another Diffie-Hellman group than tcpublish
// selected, and refuses the HMAC and session sequence numbers tcpublish
// requires), so tcpublish sends IIKeying again and gives up: a real
// handshake that never completes although every part of it is on the wire.
func TestMonaServer(t *testing.T) {
	fs := udpFlows(readUDP(t, "rtmfp-mona.pcap"))
	c, _ := runFlow(fs[0], Options{})
	s := sessionSummary(t, c)
	if s.Complete || s.IIKeying.Count < 2 || s.RIKeying.Count < 1 || s.ResponderKeying == nil {
		t.Fatalf("session %+v", s)
	}
	for _, want := range []string{"RIKeying not acceptable", "Diffie-Hellman group", "requires an HMAC"} {
		if !strings.Contains(s.Failure, want) {
			t.Errorf("failure %q does not say %q", s.Failure, want)
		}
	}
	codes := c.codes()
	if codes[CodeHandshakeIncomplete] != 1 || codes[CodeHandshakeRetransmit] != 1 || codes[CodeEncrypted] != 0 || len(c.kind(3)) != 0 {
		t.Errorf("diagnostics %v", codes)
	}
	// tcpublish's own account: the connection failed.
	if got := logValues(t, "rtmfp-mona.client.log", `"code": "(NetConnection\.Connect\.[A-Za-z]+)"`); len(got) == 0 || got[0] != "NetConnection.Connect.Failed" {
		t.Errorf("tcpublish logged %v", got)
	}
}
