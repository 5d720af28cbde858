package session

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rtmpscope/rtmpscope/event"
)

// Diagnostic codes of the session layer (documented in docs/diagnostics.md).
const (
	CodeUnanswered     = "session.unanswered"
	CodeOrphanResponse = "session.orphan_response"
	CodeErrorResponse  = "session.error_response"
	CodeStatusFailed   = "session.status_failed"
	CodeDuplicateTxID  = "session.duplicate_txid"
	CodeStreamEarly    = "session.stream_early"
	CodeStreamUnknown  = "session.stream_unknown"
	CodeTableFull      = "session.table_full"
	CodeAMFLimit       = "session.amf_limit"
	// codeSuppressed is the dissector's code for diagnostics over the
	// per-code limit; the session layer counts per connection.
	codeSuppressed = "diag.suppressed"
)

// DefaultMaxDiagPerCode is how many diagnostics of one code a connection
// gets when Options.MaxDiagPerCode is 0; the rest are counted in one
// diag.suppressed at close.
const DefaultMaxDiagPerCode = 50

// where is the message a diagnostic points at.
type where struct {
	dir    event.Dir
	frames [2]uint64
	offset int64
	csid   uint32
}

func whereMessage(m *event.Message) where {
	return where{dir: m.Dir, frames: m.Frames, offset: m.Offset, csid: m.CSID}
}

func whereRequest(r *request) where {
	return where{dir: r.dir, frames: r.frames, offset: r.offset, csid: r.csid}
}

// diag queues a session diagnostic for output after the current record,
// unless the connection already had the maximum of that code.
func (t *Tracker) diag(cs *connState, at time.Time, w where, sev event.Severity, code, text string) {
	if cs.diagCount == nil {
		cs.diagCount = map[string]int{}
	}
	cs.diagCount[code]++
	if cs.diagCount[code] > t.maxDiag {
		return
	}
	cs.queue = append(cs.queue, Record{Event: event.Event{
		Kind: event.KindDiagnostic, ConnID: cs.id, Dir: w.dir, HasDir: true, Time: at,
		Diag: &event.Diagnostic{Severity: sev, Code: code, Text: text, Offset: w.offset, Frames: w.frames, CSID: w.csid},
	}})
}

// suppressed queues one diag.suppressed per code that went over the limit.
func (t *Tracker) suppressed(cs *connState, at time.Time) {
	var codes []string
	for code, n := range cs.diagCount {
		if n > t.maxDiag {
			codes = append(codes, code)
		}
	}
	sort.Strings(codes)
	for _, code := range codes {
		cs.queue = append(cs.queue, Record{Event: event.Event{
			Kind: event.KindDiagnostic, ConnID: cs.id, Time: at,
			Diag: &event.Diagnostic{Severity: event.Info, Code: codeSuppressed, Offset: -1,
				Text: fmt.Sprintf("%d more %s diagnostics were suppressed on this connection", cs.diagCount[code]-t.maxDiag, code)},
		}})
	}
}

// reqName is how a request is named in diagnostic texts: name#txid, as in
// the text view's summaries, and its frame.
func reqName(r *request) string {
	return fmt.Sprintf("%s#%s (frame %d)", r.name, txidText(r.txid), r.frame)
}

func txidText(id float64) string {
	return strconv.FormatFloat(id, 'g', -1, 64)
}

// statusText formats a code and description for a diagnostic.
func statusText(code, desc string) string {
	s := code
	if s == "" {
		s = "no code"
	}
	if desc = strings.TrimSpace(desc); desc != "" {
		s += " (" + strconv.Quote(desc) + ")"
	}
	return s
}
