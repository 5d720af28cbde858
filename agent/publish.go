package agent

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/export"
)

// Defaults of PublishOptions.
const (
	DefaultQueueBytes = 64 << 20 // 64 MiB of events queued or in flight
	DefaultWindow     = 512      // publishes awaiting their ack at once
	DefaultAckTimeout = 5 * time.Second
)

// Headers every published event carries besides Nats-Msg-Id.
const (
	// HeaderSeq numbers one publisher run's events from 1 in capture
	// order (a gap is a dropped event); a collector can restore order
	// with it after retries.
	HeaderSeq = "Rtmpscope-Seq"
	// HeaderRun identifies the publisher run (random, per process).
	HeaderRun = "Rtmpscope-Run"
)

// DroppedCode is the diagnostic code of the event that reports dropped
// events on the stream itself (docs/diagnostics.md).
const DroppedCode = "agent.dropped"

// PublishOptions configure a Publisher.
type PublishOptions struct {
	// Host is the subject token of this machine (HostToken).
	Host string
	// Stream is created when absent (EnsureEventStream); "" uses
	// whatever stream holds the subjects.
	Stream string
	// QueueBytes is the queue's budget (DefaultQueueBytes when 0).
	QueueBytes int
	// Block makes session events wait for room when the queue is full of
	// them (reading a file: nothing is lost, reading just pauses); without
	// it (live capture, which cannot pause) they are dropped and counted.
	Block bool
	// Window is how many publishes await their ack at once
	// (DefaultWindow when 0).
	Window int
	// AckTimeout is how long one publish waits for its ack before it is
	// retried (DefaultAckTimeout when 0).
	AckTimeout time.Duration
	// Log, when set, is told of retries and drops.
	Log func(format string, a ...any)
}

// PublishStats is what a Publisher did, for the summary.
type PublishStats struct {
	Queue     QueueStats
	Published uint64 // events acknowledged by JetStream
	Retries   uint64 // publishes sent again after an error or a lost ack
	Lost      uint64 // events given up when Close's context ended first
}

// Publisher sends events to JetStream in the background. Put never waits
// for the network: the queue absorbs a slow broker up to its budget, then
// drops media first (Queue). Each event is published with a message id
// (run id and sequence), so a retry after a lost ack is stored once
// (JetStream's duplicate window, 2 minutes by default).
type Publisher struct {
	js    jetstream.JetStream
	o     PublishOptions
	q     *Queue
	run   string
	done  chan struct{}
	abort chan struct{}
	// streamMade is set once the stream is known to exist (or is left to
	// the operator); until then the sender tries to make it.
	streamMade bool

	mu       sync.Mutex
	st       PublishStats
	lastTime time.Time // capture time of the last event put, for the drop report
}

// NewPublisher starts a publisher on nc, making the stream if absent. On a
// connection that is not up yet (a live agent started before its broker,
// ConnOptions.RetryFirst) the stream is made once it is.
func NewPublisher(ctx context.Context, nc *nats.Conn, o PublishOptions) (*Publisher, error) {
	if o.QueueBytes <= 0 {
		o.QueueBytes = DefaultQueueBytes
	}
	if o.Window <= 0 {
		o.Window = DefaultWindow
	}
	if o.AckTimeout <= 0 {
		o.AckTimeout = DefaultAckTimeout
	}
	if o.Host == "" {
		o.Host = DefaultHost()
	}
	js, err := jetstream.New(nc,
		jetstream.WithPublishAsyncMaxPending(o.Window),
		jetstream.WithPublishAsyncTimeout(o.AckTimeout))
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	made := o.Stream == ""
	if !made && nc.IsConnected() {
		if _, err := EnsureEventStream(ctx, js, o.Stream); err != nil {
			return nil, err
		}
		made = true
	}
	var rb [8]byte
	rand.Read(rb[:])
	p := &Publisher{js: js, o: o, q: NewQueue(o.QueueBytes, o.Block), run: hex.EncodeToString(rb[:]),
		done: make(chan struct{}), abort: make(chan struct{}), streamMade: made}
	go p.send()
	return p, nil
}

// Put queues one event's line; media events may be dropped (counted).
func (p *Publisher) Put(kind event.Kind, media bool, line []byte, t time.Time) {
	p.mu.Lock()
	if t.After(p.lastTime) {
		p.lastTime = t
	}
	p.mu.Unlock()
	p.q.Put(Item{Subject: Subject(p.o.Host, kind), Line: line, Media: media})
}

// Close waits until every queued event is acknowledged, or until ctx ends
// (then what is left is counted as Lost), and sends the final drop report.
func (p *Publisher) Close(ctx context.Context) (PublishStats, error) {
	p.q.Close()
	select {
	case <-p.done:
	case <-ctx.Done():
		close(p.abort)
		<-p.done
	}
	p.reportDrops(true)
	st := p.Stats()
	if st.Lost > 0 {
		return st, fmt.Errorf("%d events not delivered to the broker: %w", st.Lost, ctx.Err())
	}
	return st, nil
}

// Stats returns the counters so far.
func (p *Publisher) Stats() PublishStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.st
	st.Queue = p.q.Stats()
	return st
}

// dropReportEvery limits how often drops are reported on the stream while
// the broker stays slow; the last report comes at Close.
const dropReportEvery = 10 * time.Second

// send is the sender goroutine: batches from the queue, published in
// order, each retried until acknowledged.
func (p *Publisher) send() {
	defer close(p.done)
	var lastReport time.Time
	for {
		batch := p.q.Take(p.o.Window)
		if batch == nil {
			return
		}
		p.publish(batch, true)
		if time.Since(lastReport) >= dropReportEvery {
			if p.reportDrops(false) {
				lastReport = time.Now()
			}
		}
	}
}

// reportDrops publishes an agent.dropped diagnostic when events were
// dropped since the last report (final: at Close, whatever the time); it
// reports whether one was sent.
func (p *Publisher) reportDrops(final bool) bool {
	media, other := p.q.TakeDropReport()
	if media+other == 0 {
		return false
	}
	p.mu.Lock()
	t := p.lastTime
	p.mu.Unlock()
	if t.IsZero() {
		t = time.Now()
	}
	text := fmt.Sprintf("%d audio/video events and %d session events dropped so far: the broker was slower than the capture (queue of %d bytes full)", media, other, p.o.QueueBytes)
	if final {
		text = fmt.Sprintf("%d audio/video events and %d session events dropped in all: the broker was slower than the capture (queue of %d bytes full)", media, other, p.o.QueueBytes)
	}
	line, err := export.MarshalEvent(session.Record{Event: event.Event{Kind: event.KindDiagnostic, Time: t,
		Diag: &event.Diagnostic{Severity: event.Warn, Code: DroppedCode, Text: text, Offset: -1}}}, export.EventOptions{})
	if err != nil {
		return false
	}
	if p.o.Log != nil {
		p.o.Log("%s", text)
	}
	select {
	case <-p.abort:
		return false // the broker is gone: the summary says it
	default:
	}
	// Sequence 0 with an id of its own: it is not one of the captured
	// events; the id stays the same through retries.
	var rb [8]byte
	rand.Read(rb[:])
	p.publish([]Item{{Subject: Subject(p.o.Host, event.KindDiagnostic), Line: line, id: p.run + "-r" + hex.EncodeToString(rb[:])}}, false)
	return true
}

// publish sends items and waits for their acks, sending again those that
// failed (in order) with a growing pause, until all are stored or Close
// gives up. Items from the queue (queued) have their bytes released as
// they are stored; while the broker does not answer and session events
// are short of room, the media among them is given up (counted as
// dropped) to make that room.
func (p *Publisher) publish(items []Item, queued bool) {
	pending := items
	pause := 100 * time.Millisecond
	release := func(done []Item) {
		if queued {
			p.q.Done(done)
		}
	}
	for len(pending) > 0 {
		p.makeStream()
		select {
		case <-p.abort:
			p.mu.Lock()
			p.st.Lost += uint64(len(pending))
			p.mu.Unlock()
			release(pending)
			return
		default:
		}
		futures := make([]jetstream.PubAckFuture, len(pending))
		var sendErr error
		for i := range pending {
			f, err := p.js.PublishMsgAsync(p.msg(&pending[i]), jetstream.WithMsgID(p.msgID(&pending[i])))
			if err != nil {
				sendErr = err
				break // the connection is down: the rest would fail too
			}
			futures[i] = f
		}
		var failed, stored []Item
		var ackErr error
		for i := range pending {
			if futures[i] == nil {
				failed = append(failed, pending[i])
				continue
			}
			select {
			case <-futures[i].Ok():
				stored = append(stored, pending[i])
			case err := <-futures[i].Err():
				ackErr = err
				failed = append(failed, pending[i])
			}
		}
		release(stored)
		p.mu.Lock()
		p.st.Published += uint64(len(stored))
		p.mu.Unlock()
		if len(failed) == 0 {
			return
		}
		if queued && p.q.Squeezed() {
			keep := failed[:0:0]
			var media []Item
			for _, it := range failed {
				if it.Media {
					media = append(media, it)
				} else {
					keep = append(keep, it)
				}
			}
			p.q.DropTaken(media)
			failed = keep
		}
		p.mu.Lock()
		p.st.Retries += uint64(len(failed))
		p.mu.Unlock()
		if len(failed) == 0 {
			return
		}
		if p.o.Log != nil {
			why := errors.Join(sendErr, ackErr)
			if errors.Is(sendErr, nats.ErrReconnectBufExceeded) || errors.Is(sendErr, nats.ErrConnectionClosed) {
				// nats.go's words for "no connection right now".
				why = errors.New("not connected to the broker")
			}
			p.o.Log("%d events not acknowledged (%v); sending again in %v", len(failed), why, pause)
		}
		pending = failed
		select {
		case <-time.After(pause):
		case <-p.abort:
		}
		pause = min(pause*2, 5*time.Second)
	}
}

// makeStream makes the stream if that is still to do; a failure is left
// to the publish that follows, which fails and is tried again.
func (p *Publisher) makeStream() {
	if p.streamMade {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), p.o.AckTimeout)
	defer cancel()
	if _, err := EnsureEventStream(ctx, p.js, p.o.Stream); err == nil {
		p.streamMade = true
	}
}

func (p *Publisher) msgID(it *Item) string {
	if it.id != "" {
		return it.id
	}
	return p.run + "-" + strconv.FormatUint(it.Seq, 10)
}

func (p *Publisher) msg(it *Item) *nats.Msg {
	m := nats.NewMsg(it.Subject)
	m.Data = it.Line
	m.Header.Set(HeaderRun, p.run)
	if it.Seq > 0 {
		m.Header.Set(HeaderSeq, strconv.FormatUint(it.Seq, 10))
	}
	return m
}
