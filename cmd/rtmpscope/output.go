package main

// tshark's output habits: -T fields with -e and -E, -x (hex and ASCII of
// each message), -w with -Y (only the packets of the matched events), and
// line-by-line output when live or with -l.

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/rtmpscope/rtmpscope/capture"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/export"
	"github.com/rtmpscope/rtmpscope/export/displayfilter"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

// fieldsOptions are tshark's -E options for -T fields.
type fieldsOptions struct {
	header     bool
	separator  string
	quote      byte // 0, '"' or '\''
	aggregator string
}

// parseFieldsOptions reads -E values: header=y|n, separator=/t|/s|CHAR,
// quote=d|s|n, aggregator=,|/s|CHAR (as tshark -E).
func parseFieldsOptions(opts []string) (fieldsOptions, error) {
	o := fieldsOptions{separator: "\t", aggregator: ","}
	for _, kv := range opts {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return o, usagef("-E %s: use NAME=VALUE (header=y, separator=, , quote=d, aggregator=;)", kv)
		}
		switch k {
		case "header":
			switch v {
			case "y":
				o.header = true
			case "n":
				o.header = false
			default:
				return o, usagef("-E header=%s: use y or n", v)
			}
		case "separator", "aggregator":
			s := map[string]string{"/t": "\t", "/s": " "}[v]
			if s == "" {
				s = v
			}
			if s == "" {
				return o, usagef("-E %s=: give a character (or /t, /s)", k)
			}
			if k == "separator" {
				o.separator = s
			} else {
				o.aggregator = s
			}
		case "quote":
			switch v {
			case "d":
				o.quote = '"'
			case "s":
				o.quote = '\''
			case "n":
				o.quote = 0
			default:
				return o, usagef("-E quote=%s: use d, s or n", v)
			}
		default:
			return o, usagef("-E %s: unknown option (header, separator, quote, aggregator)", k)
		}
	}
	return o, nil
}

// fieldsSink writes -T fields: one line per shown and matched event, the
// -e fields' values separated as -E says. Values are the redacted ones.
type fieldsSink struct {
	w      *bufio.Writer
	names  []string
	fields []*displayfilter.Field
	opts   fieldsOptions
	Match  func(*session.Record) bool
	Quiet  bool
	// LineFlush flushes after every line (live, -l).
	LineFlush bool
	started   bool
}

// newFieldsSink compiles the -e names; a bad name is a usage error with a
// caret, as a bad -Y is.
func newFieldsSink(w io.Writer, names []string, opts fieldsOptions) (*fieldsSink, error) {
	if len(names) == 0 {
		return nil, usagef("-T fields needs at least one -e FIELD (e.g. -e frame.number -e type -e summary)")
	}
	s := &fieldsSink{w: bufio.NewWriterSize(w, 1<<16), names: names, opts: opts}
	for _, n := range names {
		f, err := displayfilter.CompileField(n)
		if err != nil {
			return nil, filterUsageError("-e "+n, err)
		}
		s.fields = append(s.fields, f)
	}
	return s, nil
}

// Record implements pipeline.Sink.
func (s *fieldsSink) Record(r *session.Record) error {
	if !s.started {
		s.started = true
		if s.opts.header && !s.Quiet {
			s.writeRow(s.names)
		}
	}
	if s.Quiet || !export.Shown(r) || (s.Match != nil && !s.Match(r)) {
		return nil
	}
	row := make([]string, len(s.fields))
	for i, f := range s.fields {
		row[i] = formatFieldValue(f.Value(r), s.opts.aggregator)
	}
	s.writeRow(row)
	if s.LineFlush {
		return s.w.Flush()
	}
	return nil
}

func (s *fieldsSink) writeRow(row []string) {
	for i, v := range row {
		if i > 0 {
			s.w.WriteString(s.opts.separator)
		}
		if s.opts.quote != 0 {
			s.w.WriteByte(s.opts.quote)
			s.w.WriteString(strings.ReplaceAll(v, string(s.opts.quote), "\\"+string(s.opts.quote)))
			s.w.WriteByte(s.opts.quote)
		} else {
			s.w.WriteString(v)
		}
	}
	s.w.WriteByte('\n')
}

// Close implements pipeline.Sink.
func (s *fieldsSink) Close() error {
	if !s.started && s.opts.header && !s.Quiet {
		s.writeRow(s.names)
	}
	return s.w.Flush()
}

// formatFieldValue prints a value as tshark's -T fields does: nothing for
// an absent field, 1 and 0 for booleans, integers without a decimal point,
// several values joined by the aggregator; objects as JSON. Tabs and
// newlines are escaped so that a value stays on its line.
func formatFieldValue(v any, agg string) string {
	switch v := v.(type) {
	case nil:
		return ""
	case bool:
		if v {
			return "1"
		}
		return "0"
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1e15 {
			return strconv.FormatInt(int64(v), 10)
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	case string:
		return escapeField(v)
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = formatFieldValue(x, agg)
		}
		return strings.Join(parts, agg)
	case map[string]any:
		b, err := json.Marshal(v)
		if err != nil {
			return ""
		}
		return escapeField(string(b))
	}
	return escapeField(fmt.Sprint(v))
}

var fieldEscaper = strings.NewReplacer("\\", "\\\\", "\t", "\\t", "\n", "\\n", "\r", "\\r")

func escapeField(s string) string { return fieldEscaper.Replace(s) }

// writeHex writes a message body as tshark -x writes bytes: offset, 16
// bytes in hex, and their ASCII. Bytes of a redacted value (r.Secrets) are
// shown as ** and *: -x never prints a secret unless --show-secrets.
func writeHex(w *bufio.Writer, r *session.Record) {
	if r.Message == nil || len(r.Message.Body) == 0 {
		return
	}
	b := r.Message.Body
	masked := make([]bool, len(b))
	for _, s := range r.Secrets {
		for i := s.Off; i < s.Off+s.Len && i < len(b); i++ {
			if i >= 0 {
				masked[i] = true
			}
		}
	}
	for off := 0; off < len(b); off += 16 {
		fmt.Fprintf(w, "%04x  ", off)
		var ascii strings.Builder
		for i := off; i < off+16; i++ {
			if i == off+8 {
				w.WriteByte(' ')
			}
			switch {
			case i >= len(b):
				w.WriteString("   ")
			case masked[i]:
				w.WriteString("** ")
				ascii.WriteByte('*')
			default:
				fmt.Fprintf(w, "%02x ", b[i])
				if b[i] >= 0x20 && b[i] < 0x7f {
					ascii.WriteByte(b[i])
				} else {
					ascii.WriteByte('.')
				}
			}
		}
		w.WriteString("  ")
		w.WriteString(ascii.String())
		w.WriteByte('\n')
	}
	if r.Message.BodyTruncated {
		fmt.Fprintf(w, "      (body truncated: %d of %d bytes kept)\n", len(b), r.Message.Length)
	}
	w.WriteByte('\n')
}

// matchedFrames collects the frames of the events a display filter
// selected, for -w with -Y: the frame tshark shows each in (a message's
// last frame, a diagnostic's last frame, the first frame after a gap, a
// connection's first and last frames).
type matchedFrames map[uint64]bool

func (m matchedFrames) add(r *session.Record) {
	switch r.Kind {
	case event.KindMessage:
		m[r.Message.Frame] = true
	case event.KindDiagnostic:
		if f := r.Diag.Frames[1]; f != 0 {
			m[f] = true
		}
	case event.KindGap:
		m[r.Gap.Frame] = true
	case event.KindConn:
		if r.Conn.Closed && r.Conn.Stats != nil {
			m[r.Conn.Stats.LastFrame] = true
		} else if r.Conn.Info.Frame != 0 {
			m[r.Conn.Info.Frame] = true
		}
	}
	delete(m, 0)
}

// filteredWrite makes -w with -Y write only the packets of the matched
// events, as 'tshark -r in -Y f -w out' does: the first pass (the normal
// run) notes their frames, and the returned sink's Close reads the files
// again and writes those frames, before the summary counts them.
func filteredWrite(in *input, fl *inputFlags, frames matchedFrames) *filteredWriter {
	w := in.writer
	in.writer = nil // the tap writes nothing during the first pass
	return &filteredWriter{in: in, files: fl.files, w: w, frames: frames}
}

type filteredWriter struct {
	in     *input
	files  []string
	w      *capture.PcapngWriter
	frames matchedFrames
}

// Record implements pipeline.Sink (the frames are noted by the match).
func (f *filteredWriter) Record(*session.Record) error { return nil }

// Close implements pipeline.Sink: the second pass.
func (f *filteredWriter) Close() error {
	f.in.writer = f.w // closed, and counted in the summary, by runPipeline
	if len(f.frames) == 0 {
		return nil
	}
	last := uint64(0)
	for n := range f.frames {
		last = max(last, n)
	}
	src, err := capture.OpenSequence(f.files)
	if err != nil {
		return fmt.Errorf("-w: reading the capture again: %w", err)
	}
	defer src.Close()
	for {
		p, err := src.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("-w: reading the capture again: %w", err)
		}
		if f.frames[p.Frame] {
			if err := f.w.Write(p); err != nil {
				return fmt.Errorf("-w: %w", err)
			}
		}
		if p.Frame >= last {
			return nil
		}
	}
}

// filterUsageError is a bad -Y or -e as a usage error with a caret.
func filterUsageError(flag string, err error) error {
	var se *displayfilter.SyntaxError
	if errors.As(err, &se) {
		return usagef("%s: bad display filter at column %d:\n  %s", flag, se.Column, strings.ReplaceAll(se.Caret(), "\n", "\n  "))
	}
	return usagef("%s: %v", flag, err)
}

// outputFlags are the messages job's tshark-like output flags.
type outputFlags struct {
	fields       []string
	fieldOpts    []string
	hex          bool
	lineBuffered bool
	noResolve    bool
	parsedOpts   fieldsOptions
	frames       matchedFrames // -w with -Y: the frames to write
}

func (o *outputFlags) register(fs *pflag.FlagSet) {
	fs.StringArrayVarP(&o.fields, "field", "e", nil, "with -T fields, print `FIELD` (a display filter name: frame.number, type, command.name, amf.string, ...); repeat for more")
	fs.StringArrayVarP(&o.fieldOpts, "fields-option", "E", nil, "with -T fields, `OPT` as tshark: header=y, separator=,|/t|/s, quote=d|s|n, aggregator=CHAR")
	fs.BoolVarP(&o.hex, "hex", "x", false, "print each message's bytes in hex and ASCII after its line (secrets masked)")
	fs.BoolVarP(&o.lineBuffered, "line-buffered", "l", false, "write each line as soon as it is complete, also into pipes and files (live output to a terminal always is)")
	fs.BoolVarP(&o.noResolve, "no-resolve", "n", false, "do not resolve addresses (never done; accepted as in tcpdump and tshark)")
}

// check validates the combination of output flags.
func (o *outputFlags) check(in *inputFlags, format, filter string) error {
	if format != "fields" && (len(o.fields) > 0 || len(o.fieldOpts) > 0) {
		return usagef("-e and -E go with -T fields")
	}
	if o.hex && format != "text" {
		return usagef("-x prints text; use it with -T text")
	}
	var err error
	if o.parsedOpts, err = parseFieldsOptions(o.fieldOpts); err != nil {
		return err
	}
	if in.write != "" && strings.TrimSpace(filter) != "" {
		if in.iface != "" {
			// As tshark: what is saved while capturing is the whole capture.
			return usagef("-w with -Y: a live capture is saved whole; save it with -w, then select with rtmpscope -r FILE -Y EXPR -w OUT")
		}
		for _, f := range in.files {
			if f == "-" {
				return usagef("-w with -Y reads the capture twice (to write only the matched events' packets); give a file, not stdin")
			}
		}
		o.frames = matchedFrames{}
	}
	return nil
}

// lineFlush is whether output goes out line by line: asked for (-l), or
// live (as tcpdump does on a terminal; a live capture's reader waits for
// each line).
func (o *outputFlags) lineFlush(in *inputFlags) bool { return o.lineBuffered || in.iface != "" }

// match wraps the display filter's Match to note the frames of matched
// events for -w with -Y.
func (o *outputFlags) match(f *displayfilter.Filter) func(*session.Record) bool {
	if o.frames == nil {
		return f.Match
	}
	return func(r *session.Record) bool {
		if !f.Match(r) {
			return false
		}
		o.frames.add(r)
		return true
	}
}

// sinks are the extra sinks the flags need: the second pass of -w with -Y.
func (o *outputFlags) sinks(in *input, fl *inputFlags) []pipeline.Sink {
	if o.frames == nil {
		return nil
	}
	return []pipeline.Sink{filteredWrite(in, fl, o.frames)}
}
