package streams

import (
	"fmt"
	"math"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/rtmpscope/rtmpscope/dissect/media"
)

// styledLine is one laid-out line: its plain text parts and their styles,
// so truncation happens before styling.
type styledLine struct {
	parts  []part
	stream int // index of the stream the line belongs to
	head   bool
}

type part struct {
	text  string
	style role
}

type role uint8

const (
	roleValue role = iota
	roleLabel
	roleDim
	roleHeading
	roleWarn
	roleBar
)

const labelWidth = 9 // the "  video  " column

// maxListed bounds the timestamp events and config changes listed per track.
const maxListed = 3

// View renders exactly height lines of at most width cells.
func (m Model) View() string {
	if m.height <= 0 {
		return ""
	}
	out := make([]string, 0, m.height)
	if m.width > 0 {
		if len(m.reports) == 0 {
			out = append(out, m.theme.Dim.Render(ansi.Truncate("no audio or video yet", m.width, "")))
		}
		for i := m.top; i < len(m.lines) && len(out) < m.height; i++ {
			out = append(out, m.render(m.lines[i]))
		}
	}
	for len(out) < m.height {
		out = append(out, "")
	}
	return strings.Join(out, "\n")
}

func (m *Model) render(l styledLine) string {
	if l.head && l.stream == m.cursor && len(l.parts) > 0 {
		mark := "› "
		if m.theme.ASCII {
			mark = "> "
		}
		parts := append([]part(nil), l.parts...)
		parts[0].text = mark + strings.TrimPrefix(parts[0].text, "  ")
		if w := m.width - partsWidth(parts); w > 0 {
			parts = append(parts, part{strings.Repeat(" ", w), roleHeading}) // a solid selection bar
		}
		l.parts = parts
	}
	room := m.width
	var b strings.Builder
	for _, p := range l.parts {
		if room <= 0 {
			break
		}
		t := p.text
		if w := lipgloss.Width(t); w > room {
			t = ansi.Truncate(t, room, m.theme.Ellipsis())
			room = 0
		} else {
			room -= w
		}
		b.WriteString(m.styleFor(l, p.style).Render(t))
	}
	return b.String()
}

func (m *Model) styleFor(l styledLine, r role) lipgloss.Style {
	if l.head && l.stream == m.cursor {
		if m.focused {
			return m.theme.Selected
		}
		return m.theme.SelectedBlur
	}
	switch r {
	case roleLabel:
		return m.theme.Label
	case roleDim:
		return m.theme.Dim
	case roleHeading:
		return m.theme.Heading
	case roleWarn:
		return m.theme.Warn
	case roleBar:
		return m.theme.Bar
	}
	return m.theme.Value
}

// layout turns the reports into lines for the current width.
func (m *Model) layout() {
	m.lines, m.starts = m.lines[:0], m.starts[:0]
	for i := range m.reports {
		m.starts = append(m.starts, len(m.lines))
		m.layoutStream(i, &m.reports[i])
	}
}

func (m *Model) add(stream int, parts ...part) {
	m.lines = append(m.lines, styledLine{parts: parts, stream: stream})
}

func (m *Model) layoutStream(i int, r *media.StreamReport) {
	// The cursor mark and the selection bar are drawn by render, so
	// moving the cursor needs no relayout.
	head := []part{{"  " + r.Dir, roleHeading}}
	if name := m.names[r.Dir]; name != "" {
		head = append(head, part{"  " + name, roleHeading})
	}
	m.lines = append(m.lines, styledLine{parts: head, stream: i, head: true})

	if r.Video != nil {
		m.layoutTrack(i, "video", r.Video, true)
	}
	if r.Audio != nil {
		m.layoutTrack(i, "audio", r.Audio, false)
	}
	if d := r.Drift; d != nil {
		m.add(i, label("A/V"), part{fmt.Sprintf("drift avg %+.0f ms", d.AvgMS), roleValue},
			part{fmt.Sprintf(" (min %+d, max %+d, last %+d) over %d samples", d.MinMS, d.MaxMS, d.LastMS, d.Samples), roleDim})
	}
	m.add(i) // blank line between streams
}

func label(s string) part { return part{fmt.Sprintf("  %-*s", labelWidth-2, s), roleLabel} }

func indent() part { return part{strings.Repeat(" ", labelWidth), roleValue} }

func (m *Model) layoutTrack(i int, kind string, t *media.TrackReport, video bool) {
	// Codec and configuration: the config record's own summary (profile,
	// level, resolution / sample rate, channels) when decoded.
	codec := t.Codec
	if codec == "" {
		codec = "unknown codec"
	}
	cfg := ""
	if s, ok := t.ConfigDetail.(interface{ Summary() string }); ok && t.ConfigDetail != nil {
		cfg = safeSummary(s)
	}
	if cfg == "" && t.Config != "" {
		cfg = t.Config
	}
	line := []part{label(kind), {codec, roleValue}}
	if cfg != "" {
		line = append(line, part{" " + cfg, roleValue})
	}
	m.add(i, line...)

	// Rates.
	var facts []string
	if t.FrameRate > 0 {
		unit := "fps"
		if !video {
			unit = "frames/s"
		}
		facts = append(facts, fmt.Sprintf("%.1f %s", t.FrameRate, unit))
	}
	if video && t.GOPFramesMax > 0 {
		g := fmt.Sprintf("GOP %d frames (%.2f s)", t.GOPFramesMax, float64(t.GOPMSAvg)/1000)
		if t.GOPFramesMin != t.GOPFramesMax {
			g = fmt.Sprintf("GOP %d-%d frames (avg %.2f s)", t.GOPFramesMin, t.GOPFramesMax, t.GOPMSAvg/1000)
		}
		facts = append(facts, g)
	}
	facts = append(facts, rate(t.BitrateAvg)+" avg")
	counts := fmt.Sprintf("%d msgs", t.Messages)
	if video {
		counts += fmt.Sprintf(", %d keyframes", t.Keyframes)
	}
	facts = append(facts, counts)
	m.add(i, indent(), part{strings.Join(facts, m.dot()), roleValue})
	if t.CTSMin != 0 || t.CTSMax != 0 {
		m.add(i, indent(), part{fmt.Sprintf("composition time %d..%d ms", t.CTSMin, t.CTSMax), roleValue})
	}
	if t.Undecoded > 0 {
		m.add(i, indent(), part{fmt.Sprintf("%d messages not decoded", t.Undecoded), roleWarn})
	}

	// Bitrate over capture time.
	if len(t.Bitrate) > 0 {
		peak := 0.0
		for _, v := range t.Bitrate {
			peak = max(peak, v)
		}
		tail := fmt.Sprintf(" peak %s, %d s/bar", rate(peak), max(t.BucketSeconds, 1))
		room := m.width - labelWidth - lipgloss.Width(tail)
		if room >= 4 {
			spark, per := sparkline(t.Bitrate, room, m.theme.ASCII)
			if per > 1 {
				tail = fmt.Sprintf(" peak %s, %d s/bar", rate(peak), max(t.BucketSeconds, 1)*per)
			}
			m.add(i, indent(), part{spark, roleBar}, part{tail, roleDim})
		}
	}

	// Timestamp trouble and configuration changes.
	if t.Backwards > 0 || t.Jumps > 0 {
		m.add(i, indent(), part{fmt.Sprintf("timestamps: %d backwards, %d jumps", t.Backwards, t.Jumps), roleWarn})
		for k, e := range t.Events {
			if k == maxListed {
				m.add(i, indent(), part{fmt.Sprintf("  %s %d more", m.theme.Ellipsis(), int64(len(t.Events))-maxListed), roleDim})
				break
			}
			m.add(i, indent(), part{fmt.Sprintf("  %s %d %s %d ms (%+d)", e.Kind, e.From, m.arrow(), e.To, e.DeltaMS), roleWarn})
		}
	}
	if t.ConfigChangeN > 0 {
		m.add(i, indent(), part{fmt.Sprintf("sequence header changed %d times", t.ConfigChangeN), roleWarn})
		for k, c := range t.ConfigChanges {
			if k == maxListed {
				m.add(i, indent(), part{fmt.Sprintf("  %s %d more", m.theme.Ellipsis(), t.ConfigChangeN-maxListed), roleDim})
				break
			}
			m.add(i, indent(), part{fmt.Sprintf("  at %d ms: %s %s %s", c.Timestamp, c.From, m.arrow(), c.To), roleWarn})
		}
	}
}

func (m *Model) arrow() string {
	if m.theme.ASCII {
		return "->"
	}
	return "→"
}

func (m *Model) dot() string {
	if m.theme.ASCII {
		return ", "
	}
	return " · "
}

// safeSummary calls a decoded configuration's Summary; a decoder bug must
// not take the viewer down.
func safeSummary(s interface{ Summary() string }) (out string) {
	defer func() {
		if recover() != nil {
			out = ""
		}
	}()
	return s.Summary()
}

func partsWidth(ps []part) int {
	w := 0
	for _, p := range ps {
		w += lipgloss.Width(p.text)
	}
	return w
}

// rate formats bits per second.
func rate(bps float64) string {
	switch {
	case math.IsNaN(bps) || math.IsInf(bps, 0) || bps < 0:
		return "? b/s"
	case bps >= 10e6:
		return fmt.Sprintf("%.0f Mb/s", bps/1e6)
	case bps >= 1e6:
		return fmt.Sprintf("%.1f Mb/s", bps/1e6)
	case bps >= 1e3:
		return fmt.Sprintf("%.0f kb/s", bps/1e3)
	}
	return fmt.Sprintf("%.0f b/s", bps)
}

var (
	blocks = []rune(" ▁▂▃▄▅▆▇█")
	ascii  = []rune(" .:-=+*#@")
)

// sparkline draws the series in at most width cells, one bar per bucket,
// or per `per` consecutive buckets averaged when the series is longer than
// the width. Zero draws a blank; any traffic at least the lowest bar.
func sparkline(series []float64, width int, asciiOnly bool) (s string, per int) {
	glyphs := blocks
	if asciiOnly {
		glyphs = ascii
	}
	per = (len(series) + width - 1) / max(width, 1)
	per = max(per, 1)
	var bars []float64
	for i := 0; i < len(series); i += per {
		sum, n := 0.0, 0
		for _, v := range series[i:min(i+per, len(series))] {
			if !math.IsNaN(v) && !math.IsInf(v, 0) && v > 0 {
				sum += v
			}
			n++
		}
		bars = append(bars, sum/float64(n))
	}
	peak := 0.0
	for _, v := range bars {
		peak = max(peak, v)
	}
	var b strings.Builder
	top := len(glyphs) - 1
	for _, v := range bars {
		k := 0
		if peak > 0 && v > 0 {
			k = max(1, int(math.Round(v/peak*float64(top))))
		}
		b.WriteRune(glyphs[k])
	}
	return b.String(), per
}
