package tui

import (
	"fmt"
	"strings"

	"github.com/rtmpscope/rtmpscope/export/report/series"
	"github.com/rtmpscope/rtmpscope/tui/chart"
)

// chartPane draws the line charts of the stream selected in the streams
// view: video and audio bitrate, frame rate, GOP and A/V drift over media
// time, and the request latency of the stream's connection over capture
// time, and for a played stream whose publisher is in the capture the relay
// latency of its frames. j/k scroll through them when there are more than
// fit.
type chartPane struct {
	width, height int
	focused       bool
	top           int // first chart shown

	title  string
	charts []series.Series
}

// set chooses what to draw: the stream keyed dir ("c1/c2s/1") among
// streams, and its connection's latency.
func (c *chartPane) set(dir, name string, streams []series.Stream, conns []series.Conn) {
	c.charts, c.title = nil, "Charts"
	for _, s := range streams {
		if s.Key.String() != dir {
			continue
		}
		c.title = "Charts · " + dir
		if name != "" {
			c.title += " " + name
		}
		for _, x := range []series.Series{s.VideoBitrate, s.AudioBitrate, s.FrameRate, s.GOP, s.Drift} {
			if len(x.Points) > 0 {
				c.charts = append(c.charts, x)
			}
		}
		for _, cn := range conns {
			if cn.ID != s.Key.Conn {
				continue
			}
			if len(cn.Relay.Points) > 0 && s.Key.Dir == "s2c" {
				c.charts = append(c.charts, cn.Relay)
			}
			if len(cn.Latency.Points) > 0 {
				c.charts = append(c.charts, cn.Latency)
			}
		}
	}
	c.top = min(c.top, max(len(c.charts)-1, 0))
}

// chartHeight is the lines one chart takes, title included.
func (c *chartPane) chartHeight() int {
	if len(c.charts) == 0 {
		return c.height
	}
	return min(max(c.height/len(c.charts), 5), 10)
}

func (c *chartPane) scroll(d int) {
	fits := max(c.height/max(c.chartHeight(), 1), 1)
	c.top = min(max(c.top+d, 0), max(len(c.charts)-fits, 0))
}

// view renders exactly height lines of width cells.
func (m *Model) chartsView() string {
	c := &m.charts
	ell := m.th.Ellipsis()
	var out []string
	if len(c.charts) == 0 {
		out = append(out, m.th.Dim.Render(fit("no media in the selected stream", c.width, ell)))
		return block(out, c.width, c.height, ell)
	}
	ch := c.chartHeight()
	shown := 0
	for k := c.top; k < len(c.charts) && len(out)+ch <= c.height; k++ {
		s := c.charts[k]
		out = append(out, m.th.Heading.Render(fit(chartTitle(s), c.width, ell)))
		o := chart.Options{ASCII: m.th.ASCII, ZeroBased: s.Name != "A/V drift"}
		switch s.Name {
		case "request latency":
			o.FormatX = func(x float64) string { return "capture " + chart.Short(x) + "s" }
		case "relay latency":
			o.FormatX = func(x float64) string { return "player " + chart.Short(x) + "s" }
		default:
			o.FormatX = func(x float64) string { return "media " + chart.Short(x) + "s" }
		}
		for _, l := range chart.Render(chartPoints(s), c.width, ch-1, o) {
			out = append(out, m.th.Bar.Render(fit(l, c.width, ell)))
		}
		shown++
	}
	if rest := len(c.charts) - shown; rest > 0 && len(out) < c.height {
		hint := "tab to the charts, j/k to scroll"
		if c.focused {
			hint = "j/k to scroll"
		}
		out = append(out, m.th.Dim.Render(fit(fmt.Sprintf("charts %d-%d of %d; %s", c.top+1, c.top+shown, len(c.charts), hint), c.width, ell)))
	}
	return block(out, c.width, c.height, ell)
}

// chartTitle names a series with its unit, last, peak and mean values.
func chartTitle(s series.Series) string {
	var last, peak, sum float64
	for i, p := range s.Points {
		if i == 0 || p.Y > peak {
			peak = p.Y
		}
		sum += p.Y
		last = p.Y
	}
	mean := sum / float64(max(len(s.Points), 1))
	unit := s.Unit
	b := strings.Builder{}
	fmt.Fprintf(&b, "%s (%s): last %s  peak %s  mean %s", s.Name, unit, chart.Short(last), chart.Short(peak), chart.Short(mean))
	if s.Step > 0 {
		fmt.Fprintf(&b, "  per %ss", chart.Short(s.Step))
	}
	return b.String()
}

func chartPoints(s series.Series) []chart.Point {
	out := make([]chart.Point, len(s.Points))
	for i, p := range s.Points {
		out[i] = chart.Point{X: p.X, Y: p.Y}
	}
	return out
}
