package tui

import (
	"time"

	tea "charm.land/bubbletea/v2"
)

// tickMsg refreshes counts, the connection list and the followed tail
// while the capture loads or a filter scans.
type tickMsg struct{}

// searchDoneMsg carries the outcome of a background search.
type searchDoneMsg struct {
	gen   int
	pos   int // position in the selection, -1 when not found
	query string
	// wrapped says the match lies past the end (or, backwards, the
	// start) of the selection, reached by wrapping around.
	wrapped bool
}

const tickEvery = 100 * time.Millisecond

func tick() tea.Cmd {
	return tea.Tick(tickEvery, func(time.Time) tea.Msg { return tickMsg{} })
}
