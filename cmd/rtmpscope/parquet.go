package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"

	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/export"
	"github.com/rtmpscope/rtmpscope/export/parquet"
	"github.com/rtmpscope/rtmpscope/export/story"
)

// parquetFlags are the flags of -T parquet (docs/deploying.md, Parquet).
type parquetFlags struct {
	out      string
	maxRows  int
	groupRow int
	roll     time.Duration
	source   string
}

func (f *parquetFlags) register(fs *pflag.FlagSet) {
	fs.StringVarP(&f.out, "output", "o", "", "with -T parquet: write the Parquet files under `DIR` (DIR/kind=KIND/*.parquet)")
	fs.IntVar(&f.maxRows, "parquet-rows", parquet.DefaultMaxRows, "with -T parquet: start a new file after `N` rows of a kind")
	fs.IntVar(&f.groupRow, "parquet-row-group", parquet.DefaultRowGroupRows, "with -T parquet: `N` rows of a kind held in memory before they are written out (a row group: the memory budget)")
	fs.DurationVar(&f.roll, "parquet-roll", 0, "with -T parquet: start a new file for a kind once its file is `AGE` old (live captures: files are readable once closed; 0 never)")
	fs.StringVar(&f.source, "parquet-source", "", "with -T parquet: the source column of every row (`NAME`; default the capture file's name, or HOST/IFACE live)")
}

// check reports flags given without -T parquet, or -T parquet without -o.
func (f *parquetFlags) check(fs *pflag.FlagSet, format string) error {
	if format != "parquet" {
		for _, name := range []string{"output", "parquet-rows", "parquet-row-group", "parquet-roll", "parquet-source"} {
			if fs.Changed(name) {
				return usagef("--%s is for -T parquet", name)
			}
		}
		return nil
	}
	if f.out == "" {
		return usagef("-T parquet writes files: give their directory with -o DIR")
	}
	if f.maxRows <= 0 {
		return usagef("--parquet-rows %d: give a positive number", f.maxRows)
	}
	if f.groupRow <= 0 {
		return usagef("--parquet-row-group %d: give a positive number", f.groupRow)
	}
	if f.roll < 0 {
		return usagef("--parquet-roll %s: give a positive age", f.roll)
	}
	return nil
}

// parquetSink is -T parquet: every event and every stream's statistics
// written under -o DIR by export/parquet.
type parquetSink struct {
	w     *parquet.Writer
	dir   string
	match func(*session.Record) bool
	// tracker names the streams of connections still open at the end
	// (set once the pipeline exists; read only in Close, after the run).
	tracker *session.Tracker
	stderr  io.Writer
	// stories tells each connection's story in its conn-closed row, as
	// -T ndjson does.
	stories *story.Builder
}

func newParquetSink(f *parquetFlags, in *inputFlags, opts export.EventOptions, stderr io.Writer) (*parquetSink, error) {
	s := &parquetSink{dir: f.out, stderr: stderr, stories: story.New(story.Options{})}
	opts.Stories = s.stories
	source := f.source
	if source == "" {
		if in.read != "" {
			source = filepath.Base(in.read)
		} else {
			host, _ := os.Hostname()
			source = host + "/" + in.iface
		}
	}
	w, err := parquet.NewWriter(f.out, parquet.Options{
		Source: source, Event: opts, Stats: true, MaxRows: f.maxRows, RowGroupRows: f.groupRow, MaxAge: f.roll,
		State: func(conn string) *session.State {
			if s.tracker == nil {
				return nil
			}
			return s.tracker.StateByName(conn)
		},
	})
	if err != nil {
		return nil, err
	}
	s.w = w
	return s, nil
}

// Record implements pipeline.Sink; -Y selects the events written (and so
// the messages the stream statistics count).
func (s *parquetSink) Record(r *session.Record) error {
	if s.match != nil && !s.match(r) {
		s.stories.Add(r) // the story sees every record, written or not
		return nil
	}
	return s.w.Record(r)
}

// Close implements pipeline.Sink: the last files are completed and a line
// on stderr (part of the summary, also with -q) says what was written.
func (s *parquetSink) Close() error {
	err := s.w.Close()
	var rows int64
	for _, n := range s.w.Rows() {
		rows += n
	}
	fmt.Fprintf(s.stderr, "%d rows in %d Parquet files under %s\n", rows, len(s.w.Files()), s.dir)
	return err
}
