package relay

import (
	"fmt"
	"io"
	"strings"
)

// WriteText writes the report as text: the publishers, then per player its
// startup, frames, latency figures and the latency over time.
func WriteText(w io.Writer, rep Report) error {
	var b strings.Builder
	if len(rep.Publishers) == 0 || len(rep.Players) == 0 {
		fmt.Fprintf(&b, "no relay to measure: %d publishers and %d players in the capture (relay latency needs both)\n",
			len(rep.Publishers), len(rep.Players))
	}
	for _, p := range rep.Publishers {
		fmt.Fprintf(&b, "publisher %s %s: %d coded frames\n", p.Conn, orUnknown(p.Stream), p.Frames)
	}
	for _, p := range rep.Players {
		fmt.Fprintf(&b, "\nplayer %s %s", p.Conn, orUnknown(p.Stream))
		if p.From != "" {
			fmt.Fprintf(&b, " ← publisher %s", p.From)
		}
		b.WriteByte('\n')
		startup := "no play command seen"
		if p.FirstFrameMS != nil {
			startup = fmt.Sprintf("first frame %s after play", ms(*p.FirstFrameMS))
			if p.FirstKeyframeMS != nil {
				startup += fmt.Sprintf(", first keyframe %s", ms(*p.FirstKeyframeMS))
			}
		}
		fmt.Fprintf(&b, "  startup:   %s\n", startup)
		fmt.Fprintf(&b, "  frames:    %d received, %d matched, %d unmatched, %d dropped by the server\n",
			p.Frames, p.Matched, p.Unmatched, p.Dropped)
		if l := p.Latency; l.Samples > 0 {
			fmt.Fprintf(&b, "  latency:   min %s, median %s, p99 %s, max %s (publisher → player, %d frames)\n",
				ms(l.MinMS), ms(l.MedianMS), ms(l.P99MS), ms(l.MaxMS), l.Samples)
			for _, s := range p.Series {
				fmt.Fprintf(&b, "    %6.0f s  mean %s  max %s  (%d frames)\n", s.AtS, ms(s.MeanMS), ms(s.MaxMS), s.Frames)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func orUnknown(s string) string {
	if s == "" {
		return "(stream name unknown)"
	}
	return s
}

// ms writes milliseconds with microseconds below 1 ms (loopback).
func ms(v float64) string {
	if v < 1 {
		return fmt.Sprintf("%.3f ms", v)
	}
	return fmt.Sprintf("%.1f ms", v)
}
