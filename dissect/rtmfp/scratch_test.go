package rtmfp

import (
	"os"
	"testing"

	"github.com/rtmpscope/rtmpscope/event"
)

func TestScratch(t *testing.T) {
	p := os.Getenv("RTMFP_SCRATCH")
	if p == "" {
		t.Skip()
	}
	old := pcapDir
	pcapDir = "/"
	defer func() { pcapDir = old }()
	var opts Options
	if k := os.Getenv("RTMFP_SCRATCH_KEYS"); k != "" {
		opts.Keys = loadKeys(t, k)
	}
	for _, f := range udpFlows(readUDP(t, p)) {
		c, ev := runFlow(f, opts)
		t.Logf("flow %v -> %v: %d packets, msgs %v, account %+v", f.Client, f.Server, len(f.Packets), ev.Messages, ev.Account)
		types := map[event.MsgType]int{}
		for _, e := range c.evs {
			switch e.Kind {
			case event.KindDiagnostic:
				t.Logf("diag %s %s", e.Diag.Code, e.Diag.Text)
			case event.KindHandshake:
				t.Logf("hs %+v", *e.Handshake.RTMFP)
				if s := e.Handshake.RTMFP.Stats; s != nil {
					t.Logf("stats %+v", *s)
				}
			case event.KindMessage:
				types[e.Message.TypeID]++
				if e.Message.TypeID == 20 || e.Message.TypeID == 18 {
					t.Logf("msg %v flow %d msid %d ts %d len %d %q", e.Dir, e.Message.CSID, e.Message.MSID, e.Message.Timestamp, e.Message.Length, e.Message.Body[:min(40, len(e.Message.Body))])
				}
			}
		}
		t.Logf("types %v", types)
	}
}
