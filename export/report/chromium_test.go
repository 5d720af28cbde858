package report

import (
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// chromium runs headless Chromium (Debian's chromium; CI installs it) with
// a profile of its own, no sandbox (CI runs as root) and no network.
func chromium(t *testing.T, args ...string) []byte {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium not installed (apt-get install chromium): skipping the browser check")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
		"--user-data-dir=" + t.TempDir(), "--host-resolver-rules=MAP * ~NOTFOUND", "--hide-scrollbars"}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %v: %v", args, err)
	}
	return out
}

// The report as Chromium draws it: the DOM it built holds the ladder's
// arrows and the charts' lines (as many as the report wrote), and the
// screenshot shows them: pixels of the chart lines' blue and of the server
// arrows' violet, on a page that is not blank.
func TestChromium(t *testing.T) {
	doc, _ := build(t, filepath.Join(pcaps, "publish.pcap"), false)
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	if err := os.WriteFile(page, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	want, err := countElements(doc)
	if err != nil {
		t.Fatal(err)
	}
	dom := chromium(t, "--dump-dom", "file://"+page)
	got, err := countElements(string(dom))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"svg.ladder", "line.msg", "svg.chart", "polyline.series", "circle.dot"} {
		if got[k] == 0 || got[k] != want[k] {
			t.Errorf("Chromium's DOM has %d %s, the report wrote %d", got[k], k, want[k])
		}
	}
	shot := filepath.Join(dir, "report.png")
	chromium(t, "--window-size=1200,2600", "--screenshot="+shot, "file://"+page)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	var blue, violet, ink, all int
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			r, g, bl = r>>8, g>>8, bl>>8
			all++
			if r < 235 || g < 235 || bl < 235 {
				ink++
			}
			// Lines are thin and anti-aliased: classify by hue, not by
			// exact colour. Blue (#0969da) is the chart lines and the
			// client's arrows, violet (#8250df) the server's arrows.
			switch {
			case bl > r+80 && bl > g+30 && r < 120:
				blue++
			case bl > g+50 && r > g+25 && r >= 110:
				violet++
			}
		}
	}
	t.Logf("screenshot %dx%d: %d inked, %d blue, %d violet pixels", b.Dx(), b.Dy(), ink, blue, violet)
	if blue < 2000 || violet < 500 || ink < all/100 {
		t.Errorf("charts or ladder not drawn: %d blue, %d violet, %d of %d pixels inked (%s)", blue, violet, ink, all, shot)
	}
	if os.Getenv("REPORT_SHOT") != "" {
		data, _ := os.ReadFile(shot)
		os.WriteFile(os.Getenv("REPORT_SHOT"), data, 0o644)
	}
}
