// The RTMP handler (package dissect) is being moved onto the flow seam as
// this is written; this test runs it under RTMPT with
// `go test -tags rtmpt_integration ./dissect/rtmpt/` until the tag can go.

package rtmpt

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/rtmpscope/rtmpscope/dissect"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
	"github.com/rtmpscope/rtmpscope/reassembly"
)

// With the real RTMP handler inside (ctx.Inner("rtmp"), the default), the
// messages of each RTMPT session equal those of the same session's plain
// leg: csid, message stream id, timestamp, type and length, per direction.
func TestMessagesThroughRealRTMP(t *testing.T) {
	for _, name := range []string{"rtmpt-publish", "rtmpt-play", "rtmpt-proxy", "rtmpt-gst", "rtmpt-rtmpdump"} {
		t.Run(name, func(t *testing.T) {
			var evs []event.Event
			recv := event.ReceiverFunc(func(e event.Event) { evs = append(evs, e) })
			r := flow.New(recv, []flow.Protocol{dissect.Protocol(dissect.Options{}), Protocol(Options{})}, flow.Options{Ports: []uint16{upstreamPort}})
			if _, err := reassembly.ProcessFile(filepath.Join(pcaps, name+".pcap"), r, reassembly.Options{}); err != nil {
				t.Fatal(err)
			}
			r.Finish()
			kind := map[event.ConnID]event.Transport{}
			msgs := map[event.Transport][2][]string{}
			for _, e := range evs {
				if e.Kind == event.KindConn {
					kind[e.ConnID] = e.Conn.Info.Transport
				}
				if e.Kind == event.KindMessage {
					m := e.Message
					tr := kind[e.ConnID]
					l := msgs[tr]
					l[m.Dir&1] = append(l[m.Dir&1], fmt.Sprintf("%d/%d/%d/%d/%d", m.CSID, m.MSID, m.Timestamp, m.TypeID, m.Length))
					msgs[tr] = l
				}
			}
			tun, plain := msgs[event.TransportHTTPTunnel], msgs[event.TransportTCP]
			for d := 0; d < 2; d++ {
				n := min(len(tun[d]), len(plain[d]))
				if n == 0 {
					t.Fatalf("%s: no messages (tunnel %d, plain %d)", event.Dir(d), len(tun[d]), len(plain[d]))
				}
				for i := 0; i < n; i++ {
					if tun[d][i] != plain[d][i] {
						t.Fatalf("%s message %d: tunnel %s, plain %s", event.Dir(d), i, tun[d][i], plain[d][i])
					}
				}
				closed := name == "rtmpt-publish" || name == "rtmpt-play" || name == "rtmpt-proxy"
				if closed && len(tun[d]) != len(plain[d]) {
					t.Errorf("%s: %d messages through the tunnel, %d on the plain leg", event.Dir(d), len(tun[d]), len(plain[d]))
				}
				t.Logf("%s: %d messages through the tunnel, %d on the plain leg, the first %d equal", event.Dir(d), len(tun[d]), len(plain[d]), n)
			}
		})
	}
}
