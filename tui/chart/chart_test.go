package chart

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// A rising line: every plot row is as wide as asked, the highest value is
// in the top row's rightmost cell and the lowest in the bottom row's first,
// and the dots climb from left to right.
func TestRisingLine(t *testing.T) {
	pts := []Point{{0, 0}, {1, 10}, {2, 20}, {3, 30}}
	lines := Render(pts, 40, 6, Options{ZeroBased: true})
	if len(lines) != 6 {
		t.Fatalf("%d lines", len(lines))
	}
	for i, l := range lines {
		if n := utf8.RuneCountInString(l); n != 40 {
			t.Errorf("line %d is %d cells: %q", i, n, l)
		}
	}
	if !strings.HasPrefix(lines[0], " 30┤") || !strings.HasPrefix(lines[4], "  0┤") {
		t.Errorf("y labels: %q / %q", lines[0], lines[4])
	}
	if !strings.Contains(lines[5], "0s") || !strings.HasSuffix(lines[5], "3s") {
		t.Errorf("x axis %q", lines[5])
	}
	plot := func(row int) []rune { return []rune(lines[row])[4:] }
	last := plot(0)[len(plot(0))-1]
	first := plot(4)[0]
	if last == ' ' || first == ' ' {
		t.Errorf("ends not drawn: top right %q, bottom left %q", last, first)
	}
	// Each row's inked cells sit to the right of the row below's.
	prevMin := -1
	for row := 4; row >= 0; row-- {
		minCol := -1
		for c, r := range plot(row) {
			if r != ' ' {
				minCol = c
				break
			}
		}
		if minCol < prevMin {
			t.Errorf("row %d starts at %d, left of the row below (%d)", row, minCol, prevMin)
		}
		prevMin = minCol
	}
}

// Braille dots: one point in the top-left dot of its cell is U+2801, in
// the bottom-right U+2880.
func TestDots(t *testing.T) {
	lines := Render([]Point{{0, 1}, {1, 0}}, 10, 2, Options{})
	var cells []rune
	for _, r := range lines[0] {
		if r >= 0x2800 && r <= 0x28ff {
			cells = append(cells, r)
		}
	}
	if len(cells) == 0 || cells[0]&0x01 == 0 || cells[len(cells)-1]&0x80 == 0 {
		t.Errorf("dots %U", cells)
	}
}

// ASCII draws stars; no points draws "no data"; nothing panics on tiny or
// flat input.
func TestEdges(t *testing.T) {
	a := Render([]Point{{0, 1}, {1, 2}}, 20, 4, Options{ASCII: true})
	if !strings.Contains(strings.Join(a, "\n"), "*") || strings.ContainsAny(strings.Join(a, ""), "┤└─") {
		t.Errorf("ASCII chart: %q", a)
	}
	if n := Render(nil, 20, 3, Options{}); len(n) != 3 || !strings.Contains(n[0], "no data") {
		t.Errorf("empty chart: %q", n)
	}
	for _, sz := range [][2]int{{0, 0}, {1, 1}, {3, 2}, {5, 1}} {
		Render([]Point{{0, 5}, {0, 5}, {1, 5}}, sz[0], sz[1], Options{})
	}
	if flat := Render([]Point{{0, 5}, {1, 5}}, 20, 4, Options{ZeroBased: true}); !strings.Contains(strings.Join(flat, ""), "⠉") && !strings.Contains(strings.Join(flat, ""), "⣀") {
		t.Errorf("flat line not drawn: %q", flat)
	}
}
