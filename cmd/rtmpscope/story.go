package main

import (
	"bufio"
	"fmt"
	"io"

	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/export/story"
)

// writeStory writes a connection's story (export/story) under its closing
// line in the text view, one fact a line, aligned with the summaries.
func writeStory(w *bufio.Writer, r *session.Record, st *story.Story) error {
	if st == nil {
		return nil
	}
	for _, l := range st.Lines() {
		if _, err := fmt.Fprintf(w, "%6s %10s %-3s     story: %s\n", "", "", r.ConnID, l); err != nil {
			return err
		}
	}
	return nil
}

// toldStory is one connection's story for `conns --story`.
type toldStory struct {
	id    event.ConnID
	conn  *event.ConnEvent
	story *story.Story
}

// writeStories writes the stories after the connection table, in the
// order the connections closed.
func writeStories(w io.Writer, told []toldStory) error {
	if len(told) == 0 {
		return nil
	}
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, "\nStories:\n")
	for _, t := range told {
		fmt.Fprintf(b, "%s %s → %s\n", t.id, t.conn.Info.Client, t.conn.Info.Server)
		for _, l := range t.story.Lines() {
			fmt.Fprintf(b, "  %s\n", l)
		}
	}
	return b.Flush()
}
