package main

import (
	"bufio"
	"io"
	"sync"
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
	// noStory is Prepare's result for a shown record that closes no
	// connection; Encode only reads it.
	noStory textPrep
	// arena holds the -V trees that Record builds (Encode has one per
	// goroutine in its encodeBuf): each is written at once, so the next
	// may reuse its memory.
	arena tree.Arena
}

// newtextSink writes to w, buffered.
func newtextSink(w io.Writer) *textSink {
	t := &textSink{w: bufio.NewWriterSize(w, 1<<16)}
	t.arena.NoSummary = true // the tree's root line is the event's TextLine
	return t
}

// Record implements pipeline.Sink.
func (t *textSink) Record(r *session.Record) error {
	prep := t.Prepare(r)
	if prep == nil {
		return nil
	}
	if err := t.render(t.w, r, prep.(*textPrep), &t.arena); err != nil {
		return err
	}
	if t.LineFlush {
		return t.w.Flush()
	}
	return nil
}

// textPrep is what Prepare hands to Encode: the connection's story when
// this record closes it.
type textPrep struct{ story *story.Story }

// Prepare implements pipeline.ParallelSink: the times' base, the stories
// and the display filter, in record order.
func (t *textSink) Prepare(r *session.Record) any {
	if t.base.IsZero() {
		t.base = r.Time
	}
	st := t.Stories.Add(r)
	if t.Quiet || !export.Shown(r) || (t.Match != nil && !t.Match(r)) {
		return nil
	}
	if st == nil {
		// Most records close no connection: one prep, never written to,
		// serves them all instead of one allocation each.
		return &t.noStory
	}
	return &textPrep{story: st}
}

// encodeBuf is a scratch writer of Encode, and the arena of its -V
// trees; one per goroutine at a time.
type encodeBuf struct {
	out   appendWriter
	w     *bufio.Writer
	arena tree.Arena
}

// appendWriter appends what is written to b: Encode's writer flushes
// straight into the slice it returns, without a copy in between.
type appendWriter struct{ b []byte }

func (a *appendWriter) Write(p []byte) (int, error) {
	a.b = append(a.b, p...)
	return len(p), nil
}

var encodeBufs = sync.Pool{New: func() any {
	e := &encodeBuf{}
	e.arena.NoSummary = true // the tree's root line is the event's TextLine
	e.w = bufio.NewWriterSize(&e.out, 16<<10)
	return e
}}

// Encode implements pipeline.ParallelSink: the record's line (or tree),
// story and bytes, appended to dst.
func (t *textSink) Encode(dst []byte, r *session.Record, prep any) ([]byte, error) {
	e := encodeBufs.Get().(*encodeBuf)
	defer encodeBufs.Put(e)
	e.out.b = dst
	e.w.Reset(&e.out)
	err := t.render(e.w, r, prep.(*textPrep), &e.arena)
	if err == nil {
		err = e.w.Flush()
	}
	out := e.out.b
	e.out.b = nil // the pool must not keep the caller's slice
	if err != nil {
		return dst, err
	}
	return out, nil
}

// Write implements pipeline.ParallelSink.
func (t *textSink) Write(b []byte) error {
	_, err := t.w.Write(b)
	return err
}

// render writes one shown record to w: its line, or with Verbose its
// tree, then its connection's story and with Hex its bytes. It reads the
// sink's settings and base but changes nothing of the sink, so that
// several may run at once (Encode), each with its own arena: the tree is
// built in it and written before render returns.
func (t *textSink) render(w *bufio.Writer, r *session.Record, prep *textPrep, arena *tree.Arena) error {
	if t.Verbose {
		// The tree repeats the summary line as its root, then a blank line
		// separates events, as in tshark -V.
		opts := tree.WriteOptions{Header: export.TextLine(*r, t.base, 0), Color: t.Color}
		if t.Uncut {
			opts.Width, opts.MaxChildren = -1, -1
		}
		if err := tree.Write(w, arena.Build(r), opts); err != nil {
			return err
		}
		if err := w.WriteByte('\n'); err != nil {
			return err
		}
	} else {
		line := export.TextLine(*r, t.base, 0)
		if t.Color && t.Colorize != nil {
			line = t.Colorize(r, line)
		}
		if _, err := w.WriteString(line); err != nil {
			return err
		}
		if err := w.WriteByte('\n'); err != nil {
			return err
		}
	}
	if err := writeStory(w, r, prep.story); err != nil {
		return err
	}
	if t.Hex {
		writeHex(w, r)
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
