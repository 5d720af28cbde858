package report

import (
	"fmt"
	"html"
	"math"
	"strings"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/export/report/series"
)

// The SVG is written by hand: a line chart and a ladder diagram are a few
// dozen elements, and a library would bring a font loader and a
// dependency for it. Every element the tests count carries a class:
// svg.chart, polyline.series, svg.ladder, line.msg.

// Chart geometry, in SVG user units (CSS pixels at 100%).
const (
	chartW, chartH = 560, 170
	padL, padR     = 58, 12
	padT, padB     = 26, 30
)

// chartSVG draws one series as a line chart with its axes, the first and
// last x, the lowest and highest y, and a title with the unit.
func chartSVG(s series.Series, xLabel string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s">`,
		chartW, chartH, chartW, chartH, html.EscapeString(s.Name))
	fmt.Fprintf(&b, `<text class="title" x="%d" y="16">%s (%s)</text>`, padL, html.EscapeString(s.Name), html.EscapeString(s.Unit))
	pw, ph := float64(chartW-padL-padR), float64(chartH-padT-padB)
	x0, y0 := float64(padL), float64(padT)
	fmt.Fprintf(&b, `<rect class="plot" x="%d" y="%d" width="%.0f" height="%.0f"/>`, padL, padT, pw, ph)
	if len(s.Points) == 0 {
		fmt.Fprintf(&b, `<text class="empty" x="%.0f" y="%.0f">no data</text></svg>`, x0+pw/2-24, y0+ph/2)
		return b.String()
	}
	xmin, xmax := s.Points[0].X, s.Points[0].X
	ymin, ymax := s.Points[0].Y, s.Points[0].Y
	for _, p := range s.Points {
		xmin, xmax = math.Min(xmin, p.X), math.Max(xmax, p.X)
		ymin, ymax = math.Min(ymin, p.Y), math.Max(ymax, p.Y)
	}
	if s.Name != "A/V drift" {
		ymin = math.Min(ymin, 0) // rates and sizes from zero
	}
	if ymax == ymin {
		ymax++
	}
	if xmax == xmin {
		xmax = xmin + 1
	}
	px := func(x float64) float64 { return x0 + (x-xmin)/(xmax-xmin)*pw }
	py := func(y float64) float64 { return y0 + ph - (y-ymin)/(ymax-ymin)*ph }
	// Grid lines at the bottom, middle and top, labelled.
	for _, y := range []float64{ymin, (ymin + ymax) / 2, ymax} {
		fmt.Fprintf(&b, `<line class="grid" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, x0, py(y), x0+pw, py(y))
		fmt.Fprintf(&b, `<text class="ylabel" x="%.1f" y="%.1f">%s</text>`, x0-6, py(y)+4, series.Short(y))
	}
	if ymin < 0 && ymax > 0 {
		fmt.Fprintf(&b, `<line class="zero" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, x0, py(0), x0+pw, py(0))
	}
	fmt.Fprintf(&b, `<text class="xlabel" x="%.1f" y="%d">%s %ss</text>`, x0, chartH-10, xLabel, series.Short(xmin))
	fmt.Fprintf(&b, `<text class="xlabel end" x="%.1f" y="%d">%ss</text>`, x0+pw, chartH-10, series.Short(xmax))
	b.WriteString(`<polyline class="series" points="`)
	for i, p := range s.Points {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%.1f,%.1f", px(p.X), py(p.Y))
	}
	b.WriteString(`"/>`)
	if len(s.Points) <= 60 {
		// Few points (GOPs, answered requests): mark each, with its value
		// (and label) as a tooltip.
		for _, p := range s.Points {
			tip := series.Short(p.Y) + " " + s.Unit
			if p.Label != "" {
				tip = p.Label + ": " + tip
			}
			fmt.Fprintf(&b, `<circle class="dot" cx="%.1f" cy="%.1f" r="2.5"><title>%s</title></circle>`, px(p.X), py(p.Y), html.EscapeString(tip))
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// Ladder geometry.
const (
	ladderW     = 900
	ladderTop   = 44
	ladderRow   = 26
	clientX     = 150
	serverX     = 750
	labelRoom   = 84 // characters of a message's label drawn on its arrow (the rest in its tooltip)
	ladderBelow = 16
)

// ladderSVG draws the connection's messages as arrows between the client
// and the server, time running down, each answer with its latency.
func ladderSVG(c *conn) string {
	n := len(c.steps)
	h := ladderTop + n*ladderRow + ladderBelow
	if c.more > 0 {
		h += ladderRow
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="ladder" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="command exchange of %s">`,
		ladderW, h, ladderW, h, c.id)
	b.WriteString(`<defs><marker id="ah" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="head"/></marker></defs>`)
	fmt.Fprintf(&b, `<text class="end" x="%d" y="18">client %s</text>`, clientX, html.EscapeString(c.client))
	fmt.Fprintf(&b, `<text class="end" x="%d" y="18">server %s</text>`, serverX, html.EscapeString(c.server))
	fmt.Fprintf(&b, `<line class="life" x1="%d" y1="26" x2="%d" y2="%d"/>`, clientX, clientX, h-6)
	fmt.Fprintf(&b, `<line class="life" x1="%d" y1="26" x2="%d" y2="%d"/>`, serverX, serverX, h-6)
	for i, s := range c.steps {
		y := ladderTop + i*ladderRow + 12
		x1, x2 := clientX, serverX
		if s.dir == event.S2C {
			x1, x2 = serverX, clientX
		}
		cls := "msg c2s"
		if s.dir == event.S2C {
			cls = "msg s2c"
		}
		if s.failed {
			cls += " failed"
		}
		fmt.Fprintf(&b, `<text class="time" x="8" y="%d">%s</text>`, y+4, html.EscapeString(fmt.Sprintf("%.3f s  #%d", s.at.Seconds(), s.frame)))
		fmt.Fprintf(&b, `<line class="%s" x1="%d" y1="%d" x2="%d" y2="%d" marker-end="url(#ah)"><title>%s</title></line>`,
			cls, x1, y, x2, y, html.EscapeString(s.label))
		fmt.Fprintf(&b, `<text class="label" x="%d" y="%d">%s</text>`, (clientX+serverX)/2, y-4, html.EscapeString(clip(s.label, labelRoom)))
		if s.answer {
			fmt.Fprintf(&b, `<text class="latency" x="%d" y="%d">%s</text>`, serverX+10, y+4, html.EscapeString("+"+ms(s.latency)))
		}
	}
	if c.more > 0 {
		fmt.Fprintf(&b, `<text class="more" x="%d" y="%d">… %d more messages not drawn</text>`, (clientX+serverX)/2, ladderTop+n*ladderRow+16, c.more)
	}
	b.WriteString(`</svg>`)
	return b.String()
}
