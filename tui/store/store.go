package store

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/rtmpscope/rtmpscope/dissect/decode"
	"github.com/rtmpscope/rtmpscope/dissect/media"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/export"
	"github.com/rtmpscope/rtmpscope/export/report/series"
)

// Conn is what the connection list shows of one connection.
type Conn struct {
	ID             event.ConnID
	Client, Server string
	App            string // connect's app (redacted form)
	Stream         string // the published or played stream name, redacted
	StreamPlain    string // the same, unredacted
	Variant        string // "rtmp", "rtmpe", ... once closed
	RTMP           bool
	Closed         bool
	Bytes          [2]int64 // per direction: message bytes so far, wire bytes once closed
	Messages       int
	Warnings       int // diagnostics of severity warn or error
	First          int // row index of its first event

	Layers      []string // protocols from the transport inwards (event.ConnInfo.Layers)
	Undecrypted int64    // bytes that could not be decrypted (RTMPE, TLS without keys), once closed
	Decrypted   bool     // TLS: its records were decrypted (event.TLSInfo), though its messages may be a tunnelled session's
}

// Counts are the totals the status bar shows.
type Counts struct {
	Events, Messages, Diagnostics, Gaps int
	Errors, Warnings                    int
	Packets                             uint64 // packets read (set by the pipeline)
	Read, Size                          int64  // bytes read of the input file and its size (0 live)
	Received, Dropped                   uint64 // live capture kernel counters
	Done                                bool   // the input has ended
	Err                                 error  // why it ended, if not cleanly
}

// Store is the UI's copy of a capture. See the package comment.
type Store struct {
	mu      sync.Mutex
	chunks  [][]Row
	n       int
	others  []session.Record // non-message events, whole (they are few)
	spill   *os.File
	spillW  *bufio.Writer
	spillN  int64 // bytes appended
	flushed int64 // bytes written through to the file
	buf     []byte

	conns   []Conn
	connIdx map[event.ConnID]int
	// bodies holds the session layer's redacted decoding of the command
	// and data rows, so a selection shows it as is. Media and control
	// bodies (the bulk of a capture, and free of secrets) are not kept:
	// they are decoded again from the spill file on selection.
	bodies map[int]decode.Body
	// secrets holds the masked values of the (few) rows that have some,
	// with their plain text, and plainSums their plain summaries: the
	// only copies of a secret the store keeps, in memory, for reveal. The
	// spill file holds those bodies with the secret bytes overwritten.
	secrets   map[int][]session.Secret
	plainSums map[int]string
	stats     *media.Stats
	names     map[string]string
	counts    Counts
	diagRows  []int // rows of diagnostics, in order, for n/N
	// plainNames holds the stream names unredacted, keyed as names, for
	// the streams view's reveal.
	plainNames map[string]string
	// maxFrame is the highest frame number of any row, so the status
	// bar's packet count never shows fewer packets than the rows do.
	maxFrame uint64
	// series holds the streams' and connections' time series for the
	// charts (export/report/series, fed from the same records).
	series series.Collector
	// audioCfg lists, per connection, the rows of audio sequence headers
	// (rare), so that a coded audio frame decoded again from the spill
	// file gets its stream's effective format (media.Formats) as the
	// session layer gave it.
	audioCfg map[uint32][]int
	// pairs holds the session layer's request/response links of the
	// (few) command rows that have one.
	pairs map[int]*session.Pair
}

// New returns an empty Store whose spill file is made in dir ("" for the
// system temp dir), readable by its owner only (0600). The file is
// unlinked as soon as it is created, so it disappears on every exit path
// (quit, SIGHUP from a closed terminal, a crash, SIGKILL): the open
// descriptor is the only way to it. Where an open file cannot be unlinked
// (Windows), Close removes it.
func New(dir string) (*Store, error) {
	f, err := os.CreateTemp(dir, "rtmpscope-tui-*.spill")
	if err != nil {
		return nil, fmt.Errorf("tui store: spill file: %w", err)
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("tui store: spill file: %w", err)
	}
	os.Remove(f.Name()) // best effort; Close removes it otherwise
	return &Store{
		spill:     f,
		spillW:    bufio.NewWriterSize(f, 1<<20),
		connIdx:   map[event.ConnID]int{},
		bodies:    map[int]decode.Body{},
		secrets:   map[int][]session.Secret{},
		plainSums: map[int]string{},
		stats:     media.NewStats(),
		names:     map[string]string{},
		pairs:     map[int]*session.Pair{},

		plainNames: map[string]string{},
		series:     series.Collector{RelayFrames: relayFrames},
	}, nil
}

// Close removes the spill file.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.spill == nil {
		return nil
	}
	name := s.spill.Name()
	err := s.spill.Close()
	if e := os.Remove(name); err == nil && !os.IsNotExist(e) {
		err = e
	}
	s.spill = nil
	return err
}

// Tracker returns the session tracker to put in the pipeline; it adds
// every record to s. Records always arrive redacted (including the
// conversation state of conn-closed events) with their secrets alongside;
// --show-secrets only changes what the UI reveals at start.
func (s *Store) Tracker() *session.Tracker {
	return session.New(session.Options{}, s.Add)
}

// Add appends one record, as the tracker made by Tracker gives it: a
// redacted record carrying its plain secrets (session.Record.Secrets).
func (s *Store) Add(rec session.Record) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ev := &rec.Event
	ci := s.conn(ev)
	row := Row{Time: ev.Time.UnixNano(), Conn: uint32(ci), Kind: ev.Kind, Dir: uint8(ev.Dir)}
	if ev.HasDir {
		row.Flags |= FlagHasDir
	}
	c := &s.conns[ci]
	s.counts.Events++
	switch ev.Kind {
	case event.KindMessage:
		s.addMessage(&row, c, rec)
	case event.KindDiagnostic:
		row.Severity = ev.Diag.Severity
		row.Frame = uint32(ev.Diag.Frames[1])
		s.counts.Diagnostics++
		switch ev.Diag.Severity {
		case event.Error:
			s.counts.Errors++
			c.Warnings++
		case event.Warn:
			s.counts.Warnings++
			c.Warnings++
		}
		s.diagRows = append(s.diagRows, s.n)
		s.keep(&row, rec)
	case event.KindGap:
		row.Frame = uint32(ev.Gap.Frame)
		s.counts.Gaps++
		s.keep(&row, rec)
	case event.KindConn:
		row.Frame = uint32(ev.Conn.Info.Frame)
		if ev.Conn.Closed {
			c.Closed, c.RTMP, c.Variant, c.Bytes = true, ev.Conn.RTMP, ev.Conn.Info.Variant.String(), ev.Conn.Bytes
			c.Undecrypted = ev.Conn.Account[0].Encrypted + ev.Conn.Account[1].Encrypted
		}
		if t := ev.Conn.TLS; t != nil {
			c.Decrypted = t.Decrypted
		}
		s.keep(&row, rec)
	default:
		s.keep(&row, rec)
	}
	s.maxFrame = max(s.maxFrame, uint64(row.Frame))
	s.series.Add(&rec)
	if ev.Kind == event.KindMessage && hasAudioConfig(&rec.Body) {
		if s.audioCfg == nil {
			s.audioCfg = map[uint32][]int{}
		}
		if l := s.audioCfg[row.Conn]; len(l) < maxAudioCfg {
			s.audioCfg[row.Conn] = append(l, s.n)
		}
	}
	s.push(row)
}

// conn returns the index of ev's connection, adding it on first sight.
func (s *Store) conn(ev *event.Event) int {
	ci, ok := s.connIdx[ev.ConnID]
	if !ok {
		ci = len(s.conns)
		s.connIdx[ev.ConnID] = ci
		s.conns = append(s.conns, Conn{ID: ev.ConnID, First: s.n})
	}
	if ev.Kind == event.KindConn {
		s.conns[ci].Client, s.conns[ci].Server = ev.Conn.Info.Client.String(), ev.Conn.Info.Server.String()
		s.conns[ci].Variant = ev.Conn.Info.Variant.String()
		s.conns[ci].Layers = append([]string(nil), ev.Conn.Info.Layers...)
	}
	return ci
}

func (s *Store) keep(row *Row, rec session.Record) {
	row.Ref = int64(len(s.others))
	s.others = append(s.others, rec)
}

func (s *Store) addMessage(row *Row, c *Conn, rec session.Record) {
	m := rec.Message
	row.Frame = uint32(m.Frame)
	row.CSID, row.MSID, row.Timestamp, row.Length, row.TypeID = m.CSID, m.MSID, m.Timestamp, m.Length, uint8(m.TypeID)
	if m.Inferred || m.TS.Inferred {
		row.Flags |= FlagInferred
	}
	s.counts.Messages++
	c.Messages++
	if rec.Pair != nil {
		s.pairs[s.n] = rec.Pair
	}
	if !c.Closed && int(m.Dir) < 2 {
		c.Bytes[m.Dir] += int64(m.Length)
	}
	summary := decode.Summary(m, rec.Body)
	// Bodies with secrets (shared objects and aggregates too) are kept
	// redacted: decoding the masked spill bytes again would lose the tags.
	if rec.Body.Command != nil || rec.Body.Data != nil || len(rec.Secrets) > 0 {
		s.bodies[s.n] = rec.Body
		pb := rec.Body
		if len(rec.Secrets) > 0 {
			s.secrets[s.n] = rec.Secrets
			// m's body is still plain here; only these few rows are
			// decoded a second time, for the plain summary and names.
			pb = decode.Message(m)
			if plain := decode.Summary(m, pb); plain != summary {
				s.plainSums[s.n] = plain
				row.Flags |= FlagSecret
			}
		}
		s.noteNames(c, pb, rec.Body)
	}
	// The streams pane counts as `stats` does (export.MediaSamples):
	// streams by connection, direction and message stream id, aggregates'
	// sub-messages each, empty messages left out.
	export.MediaSamples(&rec, func(k export.StreamKey, ts uint32, isVideo bool, size int, dec any) {
		if size > 0 {
			s.stats.Add(k.String(), ts, m.Time, isVideo, size, dec)
		}
	})
	s.buf = encodeMessage(s.buf[:0], mask(m, rec.Secrets), summary)
	row.Ref, row.RefLen = s.spillN, uint32(len(s.buf))
	n, _ := s.spillW.Write(s.buf)
	s.spillN += int64(n)
}

// noteNames records the app and stream names a connection's commands name.
func (s *Store) noteNames(c *Conn, plain, red decode.Body) {
	if plain.Command == nil {
		return
	}
	if cn, ok := red.Command.Connect(); ok {
		c.App = cn.App
	}
	name, redName := "", ""
	if p, ok := plain.Command.Publish(); ok {
		name = p.Name
		if rp, ok := red.Command.Publish(); ok {
			redName = rp.Name
		}
	}
	if p, ok := plain.Command.Play(); ok {
		name = p.Name
		if rp, ok := red.Command.Play(); ok {
			redName = rp.Name
		}
	}
	if name != "" {
		c.Stream, c.StreamPlain = redName, name
		for _, d := range []string{"c2s", "s2c"} {
			s.names[c.ID.String()+" "+d] = c.App + "/" + redName
			s.plainNames[c.ID.String()+" "+d] = c.App + "/" + name
		}
	}
}

// mask returns m, or a copy of it whose body has every secret's bytes
// overwritten with '*', which is what the spill file gets.
func mask(m *event.Message, secrets []session.Secret) *event.Message {
	if len(secrets) == 0 {
		return m
	}
	mm := *m
	mm.Body = append([]byte(nil), m.Body...)
	for _, sec := range secrets {
		if sec.Off >= 0 && sec.Off+sec.Len <= len(mm.Body) {
			for j := sec.Off; j < sec.Off+sec.Len; j++ {
				mm.Body[j] = '*'
			}
		}
	}
	return &mm
}

// reveal returns m, or a copy of it whose body has every secret's plain
// text written back over its masked bytes.
func reveal(m *event.Message, secrets []session.Secret) *event.Message {
	if len(secrets) == 0 {
		return m
	}
	mm := *m
	mm.Body = append([]byte(nil), m.Body...)
	for _, sec := range secrets {
		if sec.Off >= 0 && sec.Off+sec.Len <= len(mm.Body) && len(sec.Plain) == sec.Len {
			copy(mm.Body[sec.Off:], sec.Plain)
		}
	}
	return &mm
}

func (s *Store) push(row Row) {
	k := s.n / chunkRows
	if k == len(s.chunks) {
		s.chunks = append(s.chunks, make([]Row, 0, chunkRows))
	}
	s.chunks[k] = append(s.chunks[k], row)
	s.n++
}

// Len returns the number of rows.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// Row returns row i (the zero Row when out of range).
func (s *Store) Row(i int) Row {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rowLocked(i)
}

func (s *Store) rowLocked(i int) Row {
	if i < 0 || i >= s.n {
		return Row{}
	}
	return s.chunks[i/chunkRows][i%chunkRows]
}

// Conns returns a copy of the connection list.
func (s *Store) Conns() []Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Conn(nil), s.conns...)
}

// ConnID returns the id ("c1") of the connection with index ci.
func (s *Store) ConnID(ci uint32) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if int(ci) < len(s.conns) {
		return s.conns[ci].ID.String()
	}
	return "?"
}

// Counts returns the totals. Packets is never below the highest frame
// number of the rows held: the pipeline publishes its packet counter
// periodically, and the status bar must not lag the rows it shows.
func (s *Store) Counts() Counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.counts
	c.Packets = max(c.Packets, s.maxFrame)
	return c
}

// SetProgress records how far the pipeline has read.
func (s *Store) SetProgress(packets uint64, read, size int64) {
	s.mu.Lock()
	s.counts.Packets, s.counts.Read, s.counts.Size = packets, read, size
	s.mu.Unlock()
}

// SetLive records the kernel's counters of a live capture.
func (s *Store) SetLive(received, dropped uint64) {
	s.mu.Lock()
	s.counts.Received, s.counts.Dropped = received, dropped
	s.mu.Unlock()
}

// Finish records that the input ended, and why when err is not nil.
func (s *Store) Finish(err error) {
	s.mu.Lock()
	s.counts.Done, s.counts.Err = true, err
	s.spillW.Flush()
	s.flushed = s.spillN
	s.mu.Unlock()
}

// Reports returns the media statistics per stream (connection, direction,
// message stream id: StreamReport.Dir is "c1/c2s/1"), and the stream names
// keyed the same way ("c1/c2s/1" → "live/****").
func (s *Store) Reports() ([]media.StreamReport, map[string]string) {
	return s.StreamReports(false)
}

// StreamReports is Reports with the stream names unredacted when reveal.
func (s *Store) StreamReports(reveal bool) ([]media.StreamReport, map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	src := s.names
	if reveal {
		src = s.plainNames
	}
	reps := s.stats.Report()
	names := make(map[string]string, len(reps))
	for _, r := range reps {
		// Reports are keyed "c1/c2s/1"; names are known per connection
		// and direction ("c1 c2s").
		if i := strings.LastIndexByte(r.Dir, '/'); i > 0 {
			if n := src[strings.Replace(r.Dir[:i], "/", " ", 1)]; n != "" {
				names[r.Dir] = n
			}
		}
	}
	return reps, names
}

// Series returns the time series of every stream and the request latency
// of every connection, for the charts.
func (s *Store) Series() ([]series.Stream, []series.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.series.Streams(), s.series.Conns()
}

// relayFrames bounds the publisher frames the charts' relay matching
// remembers (about 64 bytes each): a few minutes of a relayed stream.
const relayFrames = 20000

// maxAudioCfg bounds the audio sequence-header rows remembered per
// connection (a stream re-sends its header on a configuration change).
const maxAudioCfg = 256

// hasAudioConfig says whether b holds an audio sequence header.
func hasAudioConfig(b *decode.Body) bool {
	if a := b.Audio; a != nil && a.PacketType == media.AudioSequenceStart {
		return true
	}
	for i := range b.Aggregate {
		if a := b.Aggregate[i].Audio; a != nil && a.PacketType == media.AudioSequenceStart {
			return true
		}
	}
	return false
}

// applyFormatsLocked gives the audio of row i, decoded again into b, the
// effective format the session layer gave it: media.Formats replayed over
// the connection's audio sequence headers before it.
func (s *Store) applyFormatsLocked(i int, row *Row, m *event.Message, b *decode.Body) {
	if b.Audio == nil && len(b.Aggregate) == 0 {
		return
	}
	var f media.Formats
	for _, j := range s.audioCfg[row.Conn] {
		if j >= i {
			break
		}
		jr := s.rowLocked(j)
		if jm, err := s.messageLocked(&jr); err == nil {
			jb := decode.Message(jm)
			applyFormats(&f, jm, &jb)
		}
	}
	applyFormats(&f, m, b)
}

// applyFormats is the session layer's rule (session.connState.applyFormats).
func applyFormats(f *media.Formats, m *event.Message, b *decode.Body) {
	if b.Audio != nil {
		f.Audio(uint8(m.Dir), m.MSID, b.Audio)
	}
	for i := range b.Aggregate {
		if a := b.Aggregate[i].Audio; a != nil {
			f.Audio(uint8(m.Dir), m.MSID, a)
		}
	}
}

// PairRows returns the rows that have a request/response link, in order.
func (s *Store) PairRows() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]int, 0, len(s.pairs))
	for i := range s.pairs {
		out = append(out, i)
	}
	slices.Sort(out)
	return out
}

// Pair returns the request/response link of row i, or nil.
func (s *Store) Pair(i int) *session.Pair {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pairs[i]
}

// Diagnostics returns the row indices of diagnostics, in order.
func (s *Store) Diagnostics() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int(nil), s.diagRows...)
}

// readSpill reads n bytes of the spill file at off.
func (s *Store) readSpill(off int64, n int) ([]byte, error) {
	if s.spill == nil {
		return nil, fmt.Errorf("tui store: closed")
	}
	if off+int64(n) > s.flushed {
		if err := s.spillW.Flush(); err != nil {
			return nil, fmt.Errorf("tui store: spill: %w", err)
		}
		s.flushed = s.spillN
	}
	b := make([]byte, n)
	if _, err := s.spill.ReadAt(b, off); err != nil {
		return nil, fmt.Errorf("tui store: spill at %d: %w", off, err)
	}
	return b, nil
}

// summaryPrefix is how much of a record the timeline reads for a summary.
const summaryPrefix = 512

// Summary returns row i's one-line summary, redacted unless reveal.
func (s *Store) Summary(i int, reveal bool) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	row := s.rowLocked(i)
	if i < 0 || i >= s.n {
		return ""
	}
	if row.Kind != event.KindMessage {
		return otherSummary(&s.others[row.Ref])
	}
	if plain, ok := s.plainSums[i]; ok && reveal {
		return plain
	}
	b, err := s.readSpill(row.Ref, int(min(row.RefLen, summaryPrefix)))
	if err != nil {
		return err.Error()
	}
	sum, err := decodeSummary(b)
	if err != nil && row.RefLen > summaryPrefix {
		// A summary longer than the prefix: read the whole record.
		if b, err = s.readSpill(row.Ref, int(row.RefLen)); err == nil {
			sum, err = decodeSummary(b)
		}
	}
	if err != nil {
		return err.Error()
	}
	return sum
}

// Record rebuilds row i's event. A command or data message gets the
// session layer's redacted body and its secrets as ingested, with the raw
// body read back from the spill file (its secret bytes masked); with
// reveal, the plain secrets are written back into the raw body and the
// body is decoded from that. A media or control message is decoded again
// from the spill file.
func (s *Store) Record(i int, revealed bool) (*session.Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i < 0 || i >= s.n {
		return nil, fmt.Errorf("tui store: no row %d", i)
	}
	row := s.rowLocked(i)
	if row.Kind != event.KindMessage {
		r := s.others[row.Ref]
		return &r, nil
	}
	m, err := s.messageLocked(&row)
	if err != nil {
		return nil, err
	}
	rec := &session.Record{Event: event.Event{
		Kind: event.KindMessage, ConnID: s.conns[row.Conn].ID, Dir: m.Dir, HasDir: true, Time: m.Time, Message: m,
	}}
	rec.Pair = s.pairs[i]
	body, kept := s.bodies[i]
	switch {
	case !kept:
		rec.Body = decode.Message(m)
		s.applyFormatsLocked(i, &row, m, &rec.Body)
	case revealed && len(s.secrets[i]) > 0:
		rec.Message = reveal(m, s.secrets[i])
		rec.Body = decode.Message(rec.Message)
		rec.Secrets = s.secrets[i]
	default:
		rec.Body, rec.Secrets = body, s.secrets[i]
	}
	return rec, nil
}

func (s *Store) messageLocked(row *Row) (*event.Message, error) {
	b, err := s.readSpill(row.Ref, int(row.RefLen))
	if err != nil {
		return nil, err
	}
	m, _, err := decodeMessage(row, b)
	if err != nil {
		return nil, fmt.Errorf("tui store: message at spill offset %d: %w", row.Ref, err)
	}
	return m, nil
}

// otherSummary is the one-line summary of a non-message event.
func otherSummary(r *session.Record) string {
	ev := r.Event
	switch ev.Kind {
	case event.KindDiagnostic:
		return fmt.Sprintf("%s %s: %s", ev.Diag.Severity, ev.Diag.Code, ev.Diag.Text)
	case event.KindGap:
		n := fmt.Sprintf("%d bytes", ev.Gap.Bytes)
		if ev.Gap.Bytes < 0 {
			n = "unknown bytes"
		}
		return fmt.Sprintf("gap (%s): %s missing before offset %d. %s", ev.Gap.Reason, n, ev.Gap.Offset, ev.Gap.Action)
	case event.KindHandshake:
		h := ev.Handshake
		kind := "simple"
		switch {
		case h.Encrypted:
			kind = "RTMPE (encrypted)"
		case h.Digest:
			kind = fmt.Sprintf("digest (C1 scheme %d, S1 scheme %d)", h.C1.Scheme, h.S1.Scheme)
		}
		s := fmt.Sprintf("handshake C0=%d S0=%d %s", h.C0, h.S0, kind)
		if !h.Complete {
			s += ", incomplete"
		}
		return s + fmt.Sprintf(", RTT %.3fms", float64(h.RTT.Microseconds())/1000)
	case event.KindConn:
		c := ev.Conn
		if !c.Closed {
			return fmt.Sprintf("connection %s → %s %s (client by %s)", c.Info.Client, c.Info.Server, c.Info.Variant, c.Info.Orientation)
		}
		s := fmt.Sprintf("closed: %d messages C→S, %d S→C; %d/%d bytes", c.Messages[0], c.Messages[1], c.Bytes[0], c.Bytes[1])
		if !c.RTMP {
			s += "; not RTMP"
		}
		return s
	}
	return ev.Kind.String()
}
