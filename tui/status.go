package tui

import (
	"fmt"
	"strings"

	"github.com/rtmpscope/rtmpscope/tui/store"
)

// statusLine is the bottom line: source, counts, load progress or live
// counters, follow state, filter and a help hint.
func (m *Model) statusLine() string {
	c := m.st.Counts()
	parts := []string{m.opts.Source}
	if m.opts.Live {
		// The kernel's counter is published periodically; the rows'
		// frames (Packets) never let it lag what is on screen.
		parts = append(parts, fmt.Sprintf("%d pkts %d dropped %s", max(c.Received, c.Packets), c.Dropped, humanBytes(c.Read)))
	} else {
		parts = append(parts, fmt.Sprintf("%d pkts", c.Packets))
	}
	parts = append(parts, fmt.Sprintf("%d msgs", c.Messages))
	diag := fmt.Sprintf("%d diag", c.Diagnostics)
	if c.Errors+c.Warnings > 0 {
		diag += fmt.Sprintf(" (%d err %d warn)", c.Errors, c.Warnings)
	}
	parts = append(parts, diag)
	if !c.Done && !m.opts.Live {
		parts = append(parts, m.progressBar(c))
	}
	if c.Err != nil {
		parts = append(parts, "error: "+c.Err.Error())
	}
	if m.opts.Live {
		if m.follow {
			parts = append(parts, "following")
		} else {
			parts = append(parts, "paused")
		}
	}
	if m.filterSrc != "" {
		f := "filter: " + m.filterSrc
		if n := m.st.Len(); !m.tl.sel.progress(n) {
			f += fmt.Sprintf(" (scanning %d%%)", pct(int64(m.tl.sel.scannedCount()), int64(n)))
		}
		parts = append(parts, f)
	}
	if m.searchMsg != "" {
		msg := m.searchMsg
		if strings.HasPrefix(msg, "searching: ") {
			msg += fmt.Sprintf(" (%d%%)", m.searchProg.percent())
		}
		parts = append(parts, msg)
	}
	if m.reveal {
		parts = append(parts, "SECRETS SHOWN")
	}
	parts = append(parts, "? help")
	sep := " │ "
	if m.th.ASCII {
		sep = " | "
	}
	return m.th.StatusBar.Render(fit(" "+strings.Join(parts, sep), m.width, m.th.Ellipsis()))
}

func (m *Model) progressBar(c store.Counts) string {
	const w = 10
	p := pct(c.Read, c.Size)
	fill := w * p / 100
	full, empty := "█", "░"
	if m.th.ASCII {
		full, empty = "#", "."
	}
	return fmt.Sprintf("loading %s%s %d%%", strings.Repeat(full, fill), strings.Repeat(empty, w-fill), p)
}

func pct(a, b int64) int {
	if b <= 0 {
		return 0
	}
	return int(min(max(a*100/b, 0), 100))
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
