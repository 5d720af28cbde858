package main

import (
	"bufio"
	"io"
	"time"

	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/export"
	"github.com/rtmpscope/rtmpscope/export/story"
	"github.com/rtmpscope/rtmpscope/export/tree"
)

// textSink writes the text view: one line per event, or with Verbose each
// event's detail tree under its line (tshark -V). It is a pipeline.Sink:
// write errors stop the run.
type textSink struct {
	w *bufio.Writer
	// Verbose writes detail trees; Color colours lines and trees (only on
	// a terminal, without NO_COLOR: tree.ColorFor).
	Verbose, Color bool
	// Match, when set, selects the events written (-Y); times stay
	// relative to the first event of the capture, matched or not.
	Match func(*session.Record) bool
	// Quiet writes nothing (-q: only the summary on stderr).
	Quiet bool
	// Colorize, when Color is set, colours a summary line.
	Colorize func(*session.Record, string) string
	// Hex writes each message's bytes after its line (-x).
	Hex bool
	// LineFlush flushes after every event (live, -l).
	LineFlush bool
	// Uncut writes -V trees whole: no width limit, every child (output
	// to a pipe or file).
	Uncut bool
	// Stories, when set, sees every record and writes each connection's
	// story under its closing line (story.go).
	Stories *story.Builder
	base    time.Time
}

// newtextSink writes to w, buffered.
func newtextSink(w io.Writer) *textSink {
	return &textSink{w: bufio.NewWriterSize(w, 1<<16)}
}

// Record implements pipeline.Sink.
func (t *textSink) Record(r *session.Record) error {
	if t.base.IsZero() {
		t.base = r.Time
	}
	st := t.Stories.Add(r)
	if t.Quiet || !export.Shown(r) || (t.Match != nil && !t.Match(r)) {
		return nil
	}
	if t.Verbose {
		// The tree repeats the summary line as its root, then a blank line
		// separates events, as in tshark -V.
		opts := tree.WriteOptions{Header: export.TextLine(*r, t.base, 0), Color: t.Color}
		if t.Uncut {
			opts.Width, opts.MaxChildren = -1, -1
		}
		if err := tree.Write(t.w, tree.Build(r), opts); err != nil {
			return err
		}
		if err := t.w.WriteByte('\n'); err != nil {
			return err
		}
		if err := writeStory(t.w, r, st); err != nil {
			return err
		}
		return t.after(r)
	}
	line := export.TextLine(*r, t.base, 0)
	if t.Color && t.Colorize != nil {
		line = t.Colorize(r, line)
	}
	if _, err := t.w.WriteString(line); err != nil {
		return err
	}
	if err := t.w.WriteByte('\n'); err != nil {
		return err
	}
	if err := writeStory(t.w, r, st); err != nil {
		return err
	}
	return t.after(r)
}

// after writes -x's bytes and flushes when line by line.
func (t *textSink) after(r *session.Record) error {
	if t.Hex {
		writeHex(t.w, r)
	}
	if t.LineFlush {
		return t.w.Flush()
	}
	return nil
}

// Close implements pipeline.Sink: it flushes.
func (t *textSink) Close() error { return t.w.Flush() }

// jsonSink writes NDJSON events (or one JSON array).
type jsonSink struct {
	jw    *export.JSONWriter
	opts  export.EventOptions
	Match func(*session.Record) bool
	Quiet bool
	// LineFlush flushes after every event (live, -l).
	LineFlush bool
	buf       []byte // the line being encoded, reused
}

// newjsonSink writes to w; array selects -T json's single array.
func newjsonSink(w io.Writer, array bool, opts export.EventOptions) *jsonSink {
	return &jsonSink{jw: export.NewJSONWriter(w, array), opts: opts}
}

// Record implements pipeline.Sink.
func (j *jsonSink) Record(r *session.Record) error {
	if j.Quiet || (j.Match != nil && !j.Match(r)) {
		j.opts.Stories.Add(r) // the story sees every record, shown or not
		return nil
	}
	line, err := export.AppendEvent(j.buf[:0], r, j.opts)
	if err != nil {
		return err
	}
	j.buf = line
	if err := j.jw.Write(line); err != nil || !j.LineFlush {
		return err
	}
	return j.jw.Flush()
}

// Close implements pipeline.Sink.
func (j *jsonSink) Close() error { return j.jw.Close() }
