// Package export writes what rtmpscope found: connection listings, message
// timelines as text and NDJSON, and FLV files of the streams.
package export

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/rtmpscope/rtmpscope/dissect/detect"
	"github.com/rtmpscope/rtmpscope/reassembly"
)

// ConnRecord is one line of the connection listing.
type ConnRecord struct {
	ID         uint64
	Client     string
	Server     string
	Oriented   string // "syn", "port", "guess"
	First      time.Time
	Last       time.Time
	FirstFrame uint64
	LastFrame  uint64
	Packets    [2]uint64
	Bytes      [2]int64
	Gaps       int
	GapBytes   int64
	MidStream  bool
	End        string // "fin", "rst", "idle", "open" (capture ended first)
	Detect     detect.Result
}

// ConnCollector is a reassembly.HandlerFactory that builds ConnRecords
// without dissecting RTMP: it reads only the first bytes of each direction.
type ConnCollector struct {
	Ports []uint16
	// OnClose receives each record when its connection ends.
	OnClose func(ConnRecord)
}

// NewConnection implements reassembly.HandlerFactory.
func (c *ConnCollector) NewConnection(info reassembly.ConnInfo) reassembly.Handler {
	return &connWatcher{c: c, info: info, sn: detect.NewSniffer(info.Server.Port(), c.Ports)}
}

type connWatcher struct {
	c    *ConnCollector
	info reassembly.ConnInfo
	sn   *detect.Sniffer
}

func (w *connWatcher) Data(d reassembly.Direction, off int64, data []byte, _ []reassembly.FrameRef) {
	w.sn.Data(d, off, data)
}

func (w *connWatcher) Gap(d reassembly.Direction, g reassembly.Gap) { w.sn.Gap(d, g) }

func (w *connWatcher) Close(s reassembly.ConnStats) {
	r := ConnRecord{
		ID: s.Info.ID, Client: s.Info.Client.String(), Server: s.Info.Server.String(),
		Oriented: s.Info.Oriented, First: s.Info.FirstSeen, Last: s.LastSeen,
		FirstFrame: s.Info.Frame, LastFrame: s.LastFrame, Detect: w.sn.Result(),
	}
	for d := 0; d < 2; d++ {
		r.Packets[d] = s.Dir[d].Packets
		r.Bytes[d] = s.Dir[d].Bytes
		r.GapBytes += s.Dir[d].GapBytes
		r.MidStream = r.MidStream || s.Dir[d].MidStream
		r.Gaps += s.Dir[d].Gaps
		if s.Dir[d].MidStream {
			r.Gaps-- // the mid-stream start is shown on its own
		}
	}
	switch {
	case s.RST:
		r.End = "rst"
	case s.FIN:
		r.End = "fin"
	case s.TimedOut:
		r.End = "idle"
	default:
		r.End = "open"
	}
	w.c.OnClose(r)
}

// WriteConnTable writes the records as an aligned table, in connection
// order, with times relative to base.
func WriteConnTable(w io.Writer, recs []ConnRecord, base time.Time) error {
	sort.Slice(recs, func(i, j int) bool { return recs[i].ID < recs[j].ID })
	var b strings.Builder
	fmt.Fprintf(&b, "%-4s %-44s %9s %8s %13s %19s %5s %-4s  %s\n",
		"conn", "client -> server", "start", "dur", "pkts c>s/s>c", "bytes c>s/s>c", "gaps", "end", "rtmp")
	for _, r := range recs {
		ends := r.Client + " -> " + r.Server
		gaps := fmt.Sprint(r.Gaps)
		if r.MidStream {
			gaps += "+m"
		}
		verdict := "no: " + r.Detect.Why
		if r.Detect.RTMP {
			verdict = r.Detect.Variant + " (" + r.Detect.Why + ")"
		}
		fmt.Fprintf(&b, "c%-3d %-44s %9.3f %8.3f %13s %19s %5s %-4s  %s\n",
			r.ID, ends, r.First.Sub(base).Seconds(), r.Last.Sub(r.First).Seconds(),
			fmt.Sprintf("%d/%d", r.Packets[0], r.Packets[1]),
			fmt.Sprintf("%d/%d", r.Bytes[0], r.Bytes[1]), gaps, r.End, verdict)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
