// Package chart draws line charts in a terminal: a braille renderer (each
// cell is a 2×4 grid of dots, so a 40×6 cell chart has 80×24 points) with
// a y axis of two labels and an x axis of start and end, plain cells in
// the ASCII theme. No chart component for Bubble Tea is among the approved
// dependencies, and this is all the UI needs.
package chart

import (
	"math"
	"strings"

	"github.com/rtmpscope/rtmpscope/export/report/series"
)

// Point is one value at X.
type Point struct{ X, Y float64 }

// Options tune a chart.
type Options struct {
	// FormatY formats a y-axis label (default: a short number).
	FormatY func(float64) string
	// FormatX formats an x-axis label (default: seconds, "12s").
	FormatX func(float64) string
	// ASCII draws with '*' in whole cells instead of braille dots.
	ASCII bool
	// ZeroBased puts 0 on the y axis even when every value is above it.
	ZeroBased bool
}

// braille dot bits by [row][col] within a cell.
var dots = [4][2]rune{{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}}

// Render draws pts (in ascending X) as a line chart of exactly h lines of
// w cells: h-1 plot rows with the y axis on the left, and an x-axis line.
// Fewer than one point draws "no data".
func Render(pts []Point, w, h int, o Options) []string {
	if w <= 0 || h <= 0 {
		return nil
	}
	fy, fx := o.FormatY, o.FormatX
	if fy == nil {
		fy = Short
	}
	if fx == nil {
		fx = func(x float64) string { return Short(x) + "s" }
	}
	out := make([]string, 0, h)
	if len(pts) == 0 || h < 2 {
		out = append(out, pad("  (no data)", w))
		for len(out) < h {
			out = append(out, strings.Repeat(" ", w))
		}
		return out
	}
	xmin, xmax := pts[0].X, pts[0].X
	ymin, ymax := pts[0].Y, pts[0].Y
	for _, p := range pts {
		xmin, xmax = math.Min(xmin, p.X), math.Max(xmax, p.X)
		ymin, ymax = math.Min(ymin, p.Y), math.Max(ymax, p.Y)
	}
	if o.ZeroBased {
		ymin, ymax = math.Min(ymin, 0), math.Max(ymax, 0)
	}
	if ymax == ymin {
		ymax, ymin = ymax+1, ymin-1
		if o.ZeroBased && ymin < 0 && pts[0].Y >= 0 {
			ymin = 0
		}
	}
	top, bot := fy(ymax), fy(ymin)
	axisW := max(len([]rune(top)), len([]rune(bot))) + 1
	pw := w - axisW - 1 // plot cells: after the labels and the axis line
	rows := h - 1
	if pw < 2 {
		return Render(nil, w, h, o)
	}
	cw, ch := 2, 4 // dots per cell
	if o.ASCII {
		cw, ch = 1, 1
	}
	gw, gh := pw*cw, rows*ch
	grid := make([][]bool, gh)
	for i := range grid {
		grid[i] = make([]bool, gw)
	}
	sx := func(x float64) int {
		if xmax == xmin {
			return 0
		}
		return int(math.Round((x - xmin) / (xmax - xmin) * float64(gw-1)))
	}
	sy := func(y float64) int {
		return gh - 1 - int(math.Round((y-ymin)/(ymax-ymin)*float64(gh-1)))
	}
	px, py := sx(pts[0].X), sy(pts[0].Y)
	grid[py][px] = true
	for _, p := range pts[1:] {
		x, y := sx(p.X), sy(p.Y)
		line(grid, px, py, x, y)
		px, py = x, y
	}
	vert, corner, horiz := "┤", "└", "─"
	if o.ASCII {
		vert, corner, horiz = "|", "+", "-"
	}
	for r := range rows {
		label := ""
		switch r {
		case 0:
			label = top
		case rows - 1:
			label = bot
		}
		var b strings.Builder
		b.WriteString(strings.Repeat(" ", axisW-len([]rune(label))))
		b.WriteString(label)
		if label != "" {
			b.WriteString(vert)
		} else if o.ASCII {
			b.WriteString("|")
		} else {
			b.WriteString("│")
		}
		for c := range pw {
			if o.ASCII {
				if grid[r][c] {
					b.WriteByte('*')
				} else {
					b.WriteByte(' ')
				}
				continue
			}
			var bits rune
			for dy := range 4 {
				for dx := range 2 {
					if grid[r*4+dy][c*2+dx] {
						bits |= dots[dy][dx]
					}
				}
			}
			if bits == 0 {
				b.WriteByte(' ')
			} else {
				b.WriteRune(0x2800 + bits)
			}
		}
		out = append(out, b.String())
	}
	// The x axis: the corner under the y axis, then the first and last x.
	left, right := fx(xmin), fx(xmax)
	gap := pw - len([]rune(left)) - len([]rune(right))
	xl := strings.Repeat(" ", axisW) + corner
	if gap >= 1 {
		xl += left + strings.Repeat(horiz, gap) + right
	} else {
		xl += strings.Repeat(horiz, pw)
	}
	out = append(out, xl)
	return out
}

// line sets the grid points from (x0,y0) to (x1,y1) (Bresenham).
func line(g [][]bool, x0, y0, x1, y1 int) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := 1, 1
	if x0 > x1 {
		sx = -1
	}
	if y0 > y1 {
		sy = -1
	}
	e := dx + dy
	for {
		g[y0][x0] = true
		if x0 == x1 && y0 == y1 {
			return
		}
		e2 := 2 * e
		if e2 >= dy {
			e += dy
			x0 += sx
		}
		if e2 <= dx {
			e += dx
			y0 += sy
		}
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func pad(s string, w int) string {
	r := []rune(s)
	if len(r) > w {
		return string(r[:w])
	}
	return s + strings.Repeat(" ", w-len(r))
}

// Short formats v in at most about five characters: 950, 1.2k, 3.4M, 0.25
// (series.Short, so the report's axes read the same).
func Short(v float64) string { return series.Short(v) }
