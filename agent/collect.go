package agent

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Store is where a Collector writes events: one NDJSON line at a time with
// the host it came from, made durable by Commit.
type Store interface {
	// Write stores one event line of host.
	Write(host string, line []byte) error
	// Commit makes what was written durable and records that everything
	// up to the stream sequence seq is stored, so that a collector that
	// restarts skips it (Committed).
	Commit(seq uint64) error
	// Committed is the stream sequence last committed (0: none).
	Committed() uint64
	Close() error
}

// CollectOptions configure a Collector.
type CollectOptions struct {
	// Stream is the event stream (DefaultEventStream when "").
	Stream string
	// Durable names the durable consumer; collectors that share it share
	// the work, and one that restarts goes on where it stopped.
	Durable string
	// Filter selects subjects (EventSubjects when ""), e.g.
	// rtmpscope.ingest-01.* for one host.
	Filter string
	// Batch is how many events are fetched, written and acknowledged at
	// once (256 when 0).
	Batch int
	// UntilEmpty stops the collector once the consumer has nothing pending
	// and nothing unacknowledged; otherwise it runs until ctx ends.
	UntilEmpty bool
	// Log, when set, is told of errors the collector waits out (the broker
	// restarting).
	Log func(format string, a ...any)
}

// DefaultDurable is the durable consumer name of `rtmpscope collect`.
const DefaultDurable = "rtmpscope-collect"

// CollectStats counts what a Collector stored.
type CollectStats struct {
	Events  uint64            // lines written
	Skipped uint64            // redelivered events already committed
	ByHost  map[string]uint64 // lines per host
	Foreign uint64            // messages on other subjects (not written)
}

// Collect reads the event stream with a durable pull consumer and writes
// every event to st. Each batch is written, committed (Store.Commit), then
// acknowledged; a batch redelivered after a crash before its ack is
// skipped by stream sequence, so the store holds each event once.
func Collect(ctx context.Context, js jetstream.JetStream, st Store, o CollectOptions) (CollectStats, error) {
	stats := CollectStats{ByHost: map[string]uint64{}}
	if o.Stream == "" {
		o.Stream = DefaultEventStream
	}
	if o.Durable == "" {
		o.Durable = DefaultDurable
	}
	if o.Filter == "" {
		o.Filter = EventSubjects
	}
	if o.Batch <= 0 {
		o.Batch = 256
	}
	if _, err := EnsureEventStream(ctx, js, o.Stream); err != nil {
		return stats, err
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, o.Stream, jetstream.ConsumerConfig{
		Durable:       o.Durable,
		Description:   "rtmpscope collect",
		FilterSubject: o.Filter,
		AckPolicy:     jetstream.AckAllPolicy,
		AckWait:       time.Minute,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		MaxAckPending: 8 * o.Batch,
	})
	if err != nil {
		return stats, fmt.Errorf("consumer %s on %s: %w", o.Durable, o.Stream, err)
	}
	for {
		if err := ctx.Err(); err != nil {
			return stats, nil
		}
		batch, err := cons.Fetch(o.Batch, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			// The broker is away (restarting, failing over): wait and
			// ask again; nothing unacknowledged is lost.
			if !o.wait(ctx, "fetch", err) {
				return stats, nil
			}
			continue
		}
		var last jetstream.Msg
		var lastSeq uint64
		n := 0
		for m := range batch.Messages() {
			meta, err := m.Metadata()
			if err != nil {
				return stats, fmt.Errorf("message on %s: %w", m.Subject(), err)
			}
			last, lastSeq = m, meta.Sequence.Stream
			n++
			if lastSeq <= st.Committed() {
				stats.Skipped++
				continue
			}
			host, _, ok := SplitSubject(m.Subject())
			// A token may hold characters a path must not ('/'): the
			// store names files after it.
			host = HostToken(host)
			if !ok {
				stats.Foreign++
				continue
			}
			if err := st.Write(host, m.Data()); err != nil {
				return stats, err
			}
			stats.Events++
			stats.ByHost[host]++
		}
		if err := batch.Error(); err != nil && !errors.Is(err, context.DeadlineExceeded) && last == nil {
			if !o.wait(ctx, "fetch", err) {
				return stats, nil
			}
			continue
		}
		if last != nil {
			if lastSeq > st.Committed() {
				if err := st.Commit(lastSeq); err != nil {
					return stats, err
				}
			}
			// AckAll: the last message acknowledges the batch. Waiting
			// for the server's reply makes "nothing pending" true below.
			actx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := last.DoubleAck(actx)
			cancel()
			if err != nil {
				// The batch comes again and is skipped: it is committed.
				if !o.wait(ctx, "ack", err) {
					return stats, nil
				}
				continue
			}
		}
		if n == 0 && o.UntilEmpty {
			info, err := cons.Info(ctx)
			if err != nil {
				if !o.wait(ctx, "consumer info", err) {
					return stats, nil
				}
				continue
			}
			if info.NumPending == 0 && info.NumAckPending == 0 {
				return stats, nil
			}
		}
	}
}

// wait logs a transient error and pauses; false when ctx ended.
func (o *CollectOptions) wait(ctx context.Context, what string, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	if o.Log != nil {
		o.Log("%s: %v; trying again", what, err)
	}
	select {
	case <-ctx.Done():
		return false
	case <-time.After(time.Second):
		return true
	}
}
