package export

import (
	"bufio"
	"io"
)

// JSONWriter writes encoded events as NDJSON (one per line) or, for
// -T json, as one JSON array, streaming either way.
type JSONWriter struct {
	w     *bufio.Writer
	array bool
	n     int
}

// NewJSONWriter writes to w; array selects the single-array form.
func NewJSONWriter(w io.Writer, array bool) *JSONWriter {
	return &JSONWriter{w: bufio.NewWriterSize(w, 1<<16), array: array}
}

// Write writes one encoded event.
func (j *JSONWriter) Write(event []byte) error {
	if j.array {
		if j.n == 0 {
			j.w.WriteString("[\n")
		} else {
			j.w.WriteString(",\n")
		}
	}
	j.n++
	j.w.Write(event)
	if !j.array {
		return j.w.WriteByte('\n')
	}
	return nil
}

// Flush writes what is buffered, for output that must appear line by
// line (live captures, rtmpscope -l).
func (j *JSONWriter) Flush() error { return j.w.Flush() }

// Close ends the array, if any, and flushes.
func (j *JSONWriter) Close() error {
	if j.array {
		if j.n == 0 {
			j.w.WriteString("[")
		}
		j.w.WriteString("\n]\n")
	}
	return j.w.Flush()
}
