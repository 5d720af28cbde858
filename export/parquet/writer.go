// Package parquet writes rtmpscope's events as Parquet files for DuckDB,
// Spark and ClickHouse: one directory per event kind, hive-partitioned
// (DIR/kind=message/…), zstd-compressed, with the fixed, versioned schema
// of rows.go (docs/parquet-schema.md).
//
// One Writer has two entry points that make identical rows: Record, for the
// local pipeline (it is a pipeline.Sink), and WriteEvent, for one NDJSON
// line of the JSON export as agents ship it (the collect command). Record
// marshals its record with export.MarshalEvent and goes the WriteEvent way,
// so there is one mapping from events to rows.
package parquet

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	pq "github.com/parquet-go/parquet-go"

	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/export"
)

// Kinds are the event kinds, each written under DIR/kind=NAME/.
var Kinds = []string{"conn", "handshake", "message", "diagnostic", "gap", "stream"}

// ErrUnknownKind is returned (wrapped) by WriteEvent for an event of a kind
// this schema has no files for; nothing is written for it and the Writer
// stays usable.
var ErrUnknownKind = errors.New("unknown event kind")

// Defaults of Options.
const (
	// DefaultMaxRows is the rows of one file before the next is started.
	DefaultMaxRows = 1_000_000
	// DefaultRowGroupRows is the rows of one row group: the rows of each
	// kind held in memory before they are written out.
	DefaultRowGroupRows = 8192
)

// Options configure a Writer. Zero values take the defaults.
type Options struct {
	// Source fills every row's source column: where the events came from
	// (the capture file or interface of a local run, an agent's host for
	// collect), so that rows of many captures can share one store.
	Source string
	// Event are the options of the JSON events Record makes (payload).
	Event export.EventOptions
	// Stats makes Record also compute per-stream statistics
	// (export.StatsCollector) and write them as stream rows.
	Stats bool
	// State names the streams of connections still open at Close
	// (session.Tracker.StateByName); used with Stats.
	State func(conn string) *session.State
	// MaxRows bounds the rows of one file (DefaultMaxRows).
	MaxRows int
	// MaxAge, when set, starts a new file for a kind at its first row after
	// its current file has been open this long, so that a live capture's
	// rows become readable while it runs (a Parquet file is readable once
	// closed).
	MaxAge time.Duration
	// RowGroupRows bounds the rows of a row group (DefaultRowGroupRows):
	// the memory budget, per kind.
	RowGroupRows int
	// Prefix starts every file name; the default is the host name, the
	// start time and the process id, so that writers sharing a directory
	// never collide.
	Prefix string
	// Now is the clock of MaxAge (time.Now when nil).
	Now func() time.Time
}

// Writer writes events to a directory of Parquet files. Its methods may be
// called from several goroutines.
type Writer struct {
	dir  string
	opts Options

	mu     sync.Mutex
	conns  *rolling[ConnRow]
	hands  *rolling[HandshakeRow]
	msgs   *rolling[MessageRow]
	diags  *rolling[DiagnosticRow]
	gaps   *rolling[GapRow]
	stream *rolling[StreamRow]
	stats  *export.StatsCollector
	err    error // a stream row that failed while flushing statistics
	closed bool
}

// NewWriter makes a writer into dir (created if absent). Files appear when
// complete: each is written under a hidden temporary name and renamed at
// Close, or when MaxRows or MaxAge starts a new one.
func NewWriter(dir string, opts Options) (*Writer, error) {
	if opts.MaxRows <= 0 {
		opts.MaxRows = DefaultMaxRows
	}
	if opts.RowGroupRows <= 0 {
		opts.RowGroupRows = DefaultRowGroupRows
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Prefix == "" {
		host, _ := os.Hostname()
		if host == "" {
			host = "host"
		}
		opts.Prefix = fmt.Sprintf("%s-%s-%d", host, opts.Now().UTC().Format("20060102T150405Z"), os.Getpid())
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("parquet output: %w", err)
	}
	w := &Writer{dir: dir, opts: opts}
	w.conns = newRolling[ConnRow](w, "conn")
	w.hands = newRolling[HandshakeRow](w, "handshake")
	w.msgs = newRolling[MessageRow](w, "message")
	w.diags = newRolling[DiagnosticRow](w, "diagnostic")
	w.gaps = newRolling[GapRow](w, "gap")
	w.stream = newRolling[StreamRow](w, "stream")
	if opts.Stats {
		w.stats = &export.StatsCollector{State: opts.State, OnStream: w.onStream}
	}
	return w, nil
}

// Record implements pipeline.Sink: the record's JSON event becomes a row.
func (w *Writer) Record(r *session.Record) error {
	line, err := export.MarshalEvent(*r, w.opts.Event)
	if err != nil {
		return fmt.Errorf("parquet output: %w", err)
	}
	if err := w.WriteEvent(line); err != nil {
		return err
	}
	if w.stats != nil {
		w.mu.Lock()
		w.stats.Add(*r)
		err := w.err
		w.mu.Unlock()
		return err
	}
	return nil
}

// onStream writes one stream's statistics; called with mu held.
func (w *Writer) onStream(s export.StreamStats) {
	line, err := export.MarshalStats(s)
	if err == nil {
		err = w.writeLocked(line)
	}
	if err != nil && w.err == nil {
		w.err = err
	}
}

// WriteEvent writes one event of the JSON export (docs/json-schema.md),
// one NDJSON line, stream objects of `stats -T ndjson` included.
func (w *Writer) WriteEvent(line []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.writeLocked(line)
}

func (w *Writer) writeLocked(line []byte) error {
	if w.closed {
		return errors.New("parquet output: write after Close")
	}
	h, f, err := parseLine(line)
	if err != nil {
		return fmt.Errorf("parquet output: event: %w", err)
	}
	src := w.opts.Source
	switch h.kind {
	case "conn":
		err = put(w.conns, connRow(h, f, src), f)
	case "handshake":
		err = put(w.hands, handshakeRow(h, f, src), f)
	case "message":
		err = put(w.msgs, messageRow(h, f, src), f)
	case "diagnostic":
		err = put(w.diags, diagnosticRow(h, f, src), f)
	case "gap":
		err = put(w.gaps, gapRow(h, f, src), f)
	case "stream":
		err = put(w.stream, streamRow(h, f, src), f)
	default:
		return fmt.Errorf("parquet output: %w %q", ErrUnknownKind, h.kind)
	}
	if err != nil {
		return fmt.Errorf("parquet output: %s event of %s: %w", h.kind, h.conn, err)
	}
	return nil
}

func put[T any](r *rolling[T], row T, f *fields) error {
	if f.err != nil {
		return f.err
	}
	return r.write(row)
}

// Close flushes the statistics of streams still open (with Stats), closes
// every file and renames it to its final name. It returns the first error.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	if w.stats != nil {
		w.stats.Flush()
	}
	w.closed = true
	err := w.err
	for _, c := range []func() error{w.conns.close, w.hands.close, w.msgs.close, w.diags.close, w.gaps.close, w.stream.close} {
		if e := c(); e != nil && err == nil {
			err = e
		}
	}
	return err
}

// Files lists the files written so far (complete ones), in order.
func (w *Writer) Files() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, r := range []interface{ done() []string }{w.conns, w.hands, w.msgs, w.diags, w.gaps, w.stream} {
		out = append(out, r.done()...)
	}
	return out
}

// Rows returns the rows written per kind so far.
func (w *Writer) Rows() map[string]int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return map[string]int64{"conn": w.conns.total, "handshake": w.hands.total, "message": w.msgs.total,
		"diagnostic": w.diags.total, "gap": w.gaps.total, "stream": w.stream.total}
}

// pageBuffer is the bytes of a column's page buffered before it is
// encoded and compressed (parquet-go's default is 256 KiB a column; a kind
// has up to 60 columns, most of them small or NULL).
const pageBuffer = 64 << 10

// rolling is the current file of one kind, rolled over by MaxRows and
// MaxAge.
type rolling[T any] struct {
	w       *Writer
	kind    string
	seq     int
	f       *os.File
	pw      *pq.GenericWriter[T]
	tmp     string
	final   string
	opened  time.Time
	rows    int   // in the current file
	total   int64 // in every file
	written []string
}

func newRolling[T any](w *Writer, kind string) *rolling[T] {
	return &rolling[T]{w: w, kind: kind}
}

func (r *rolling[T]) done() []string { return r.written }

func (r *rolling[T]) write(row T) error {
	o := &r.w.opts
	if r.pw != nil && (r.rows >= o.MaxRows || (o.MaxAge > 0 && o.Now().Sub(r.opened) >= o.MaxAge)) {
		if err := r.close(); err != nil {
			return err
		}
	}
	if r.pw == nil {
		if err := r.open(); err != nil {
			return err
		}
	}
	if _, err := r.pw.Write([]T{row}); err != nil {
		return fmt.Errorf("%s: %w", r.tmp, err)
	}
	r.rows++
	r.total++
	return nil
}

func (r *rolling[T]) open() error {
	dir := filepath.Join(r.w.dir, "kind="+r.kind)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	r.seq++
	name := r.w.opts.Prefix + "-" + strconv.Itoa(r.seq) + ".parquet"
	r.final = filepath.Join(dir, name)
	// A hidden name while it is written: globs of *.parquet, Spark and
	// DuckDB skip it, and a crash leaves no truncated file behind them.
	r.tmp = filepath.Join(dir, "."+name+".tmp")
	f, err := os.Create(r.tmp)
	if err != nil {
		return err
	}
	r.f = f
	r.pw = pq.NewGenericWriter[T](f,
		pq.Compression(&pq.Zstd),
		pq.MaxRowsPerRowGroup(int64(r.w.opts.RowGroupRows)),
		pq.PageBufferSize(pageBuffer),
		pq.CreatedBy("rtmpscope", "", ""),
		pq.KeyValueMetadata("rtmpscope.parquet_schema", strconv.Itoa(SchemaVersion)),
		pq.KeyValueMetadata("rtmpscope.json_schema", strconv.Itoa(export.SchemaVersion)),
		pq.KeyValueMetadata("rtmpscope.kind", r.kind),
	)
	r.opened, r.rows = r.w.opts.Now(), 0
	return nil
}

// close finishes the current file, if any, and gives it its final name.
func (r *rolling[T]) close() error {
	if r.pw == nil {
		return nil
	}
	err := r.pw.Close()
	if e := r.f.Close(); err == nil {
		err = e
	}
	r.pw, r.f = nil, nil
	if err != nil {
		return fmt.Errorf("%s: %w", r.tmp, err)
	}
	if err := os.Rename(r.tmp, r.final); err != nil {
		return err
	}
	r.written = append(r.written, r.final)
	return nil
}
