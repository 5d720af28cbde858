// Package export writes what rtmpscope found: connection listings, message
// timelines as text and NDJSON, and FLV files of the streams.
package export

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/rtmpscope/rtmpscope/event"
)

// WriteConnTable writes the records as an aligned table, in connection
// order, with times relative to base.
func WriteConnTable(w io.Writer, recs []*event.ConnEvent, base time.Time) error {
	sort.Slice(recs, func(i, j int) bool { return recs[i].Info.ID < recs[j].Info.ID })
	var b strings.Builder
	fmt.Fprintf(&b, "%-4s %-44s %9s %8s %13s %19s %5s %-4s  %s\n",
		"conn", "client -> server", "start", "dur", "pkts c>s/s>c", "bytes c>s/s>c", "gaps", "end", "rtmp")
	for _, r := range recs {
		in := &r.Info
		ends := in.Client.String() + " -> " + in.Server.String()
		var st event.FlowStats
		if r.Stats != nil {
			st = *r.Stats
		}
		gaps, mid := 0, false
		for _, d := range st.Dir {
			gaps += d.Gaps
			if d.MidStream {
				gaps-- // the mid-stream start is shown on its own
				mid = true
			}
		}
		g := fmt.Sprint(gaps)
		if mid {
			g += "+m"
		}
		verdict := "no: " + in.Evidence
		if in.Variant.IsRTMP() {
			verdict = in.Variant.String() + " (" + in.Evidence + ")"
		}
		proto := ""
		if in.Transport != event.TransportTCP {
			proto = " " + in.Transport.String()
		}
		proto += insideText(in.Outer)
		proto += tlsConnText(r.TLS)
		fmt.Fprintf(&b, "%-4s %-44s %9.3f %8.3f %13s %19s %5s %-4s  %s%s\n",
			in.ID, ends, in.FirstSeen.Sub(base).Seconds(), st.LastSeen.Sub(in.FirstSeen).Seconds(),
			fmt.Sprintf("%d/%d", st.Dir[0].Packets, st.Dir[1].Packets),
			fmt.Sprintf("%d/%d", st.Dir[0].Bytes, st.Dir[1].Bytes), g, st.End, verdict, proto)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
