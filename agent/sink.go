package agent

import (
	"context"
	"time"

	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/export"
)

// Sink is the pipeline.Sink that publishes: each record becomes the same
// NDJSON line `-T ndjson` writes (export.MarshalEvent, already redacted
// by the session layer unless --show-secrets), on its kind's subject.
type Sink struct {
	P    *Publisher
	Opts export.EventOptions
	// Match, when set, selects the records published (-Y).
	Match func(*session.Record) bool
	// FlushTimeout bounds how long Close waits for the broker to take
	// what is queued (0: as long as it takes).
	FlushTimeout time.Duration
	// Interrupted, when set and true at Close (the user pressed Ctrl-C),
	// bounds the wait by InterruptGrace instead, so that a broker that is
	// away cannot hold the command.
	Interrupted func() bool
	// Stats holds the publisher's counters once Close has returned.
	Stats PublishStats
}

// Record implements pipeline.Sink.
func (s *Sink) Record(r *session.Record) error {
	if s.Match != nil && !s.Match(r) {
		return nil
	}
	line, err := export.MarshalEvent(*r, s.Opts)
	if err != nil {
		return err
	}
	s.P.Put(r.Kind, IsMedia(r), line, r.Time)
	return nil
}

// InterruptGrace is how long Close waits for the broker after an
// interruption.
const InterruptGrace = 5 * time.Second

// Close implements pipeline.Sink: it waits for the queue to drain.
func (s *Sink) Close() error {
	ctx := context.Background()
	timeout := s.FlushTimeout
	if s.Interrupted != nil && s.Interrupted() && (timeout == 0 || timeout > InterruptGrace) {
		timeout = InterruptGrace
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	var err error
	s.Stats, err = s.P.Close(ctx)
	return err
}
