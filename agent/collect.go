package agent

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Store is where a Collector writes events: one NDJSON line at a time with
// its stream sequence and the host it came from, made durable by Commit.
type Store interface {
	// Write stores one event line of host, the stream's message seq.
	Write(seq uint64, host string, line []byte) error
	// Commit makes what was written durable, up to the stream sequence
	// seq, and records that, so that a collector that restarts skips it
	// (Committed). A store that gathers events into larger files (Parquet)
	// may wait for more unless force is set; it reports whether everything
	// written is now durable: only then are the events acknowledged.
	Commit(seq uint64, force bool) (bool, error)
	// Committed is the stream sequence last committed (0: none).
	Committed() uint64
	Close() error
}

// AckWaiter is a Store that holds events uncommitted for a while (up to
// its commit interval): the consumer's ack wait must be longer.
type AckWaiter interface {
	AckWait() time.Duration
}

// CollectOptions configure a Collector.
type CollectOptions struct {
	// Stream is the event stream (DefaultEventStream when "").
	Stream string
	// Durable names the durable consumer: one per collector and store. A
	// collector that restarts goes on where its store stopped (a
	// PositionedStore) or where the consumer's acknowledgements say.
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
	// CrashAfter, when set, stops the collector with ErrCrashed right after
	// it has written that many events, before they are committed: what a
	// collector killed mid-batch leaves behind (tests).
	CrashAfter uint64
}

// ErrCrashed is returned by Collect when CollectOptions.CrashAfter stops it.
var ErrCrashed = errors.New("collector stopped before committing (CrashAfter)")

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
	c := collector{st: st, o: &o, stats: &stats, js: js}
	c.ps, _ = st.(PositionedStore)
	if err := c.position(ctx); err != nil {
		return stats, err
	}
	defer c.finish()
	for ctx.Err() == nil {
		if c.lost {
			// Something may have been delivered and not received (the
			// broker went away, or a delivery was skipped): go back to
			// the last commit and read on from there.
			if err := c.reposition(ctx); err != nil {
				if c.fatal != nil {
					return stats, c.fatal
				}
				if !o.wait(ctx, "reposition", err) {
					break
				}
				continue
			}
		}
		batch, err := c.cons.Fetch(o.Batch, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			// The broker is away (restarting, failing over): wait and
			// ask again.
			c.lost = true
			if !o.wait(ctx, "fetch", err) {
				break
			}
			continue
		}
		n := 0
		for m := range batch.Messages() {
			n++
			if err := c.take(m); err != nil {
				return stats, err
			}
			if c.lost {
				break
			}
		}
		if c.lost {
			continue
		}
		if err := batch.Error(); err != nil && !errors.Is(err, context.DeadlineExceeded) && n == 0 {
			c.lost = true
			if !o.wait(ctx, "fetch", err) {
				break
			}
			continue
		}
		idle := n == 0 && o.UntilEmpty
		if err := c.commit(ctx, idle); err != nil {
			if c.fatal != nil {
				return stats, c.fatal
			}
			// Not acknowledged: committed all the same; it comes again
			// and is skipped.
			c.lost = true
			if !o.wait(ctx, "ack", err) {
				break
			}
			continue
		}
		if idle {
			info, err := c.cons.Info(ctx)
			if err != nil {
				c.lost = true
				if !o.wait(ctx, "consumer info", err) {
					break
				}
				continue
			}
			if info.NumPending == 0 && info.NumAckPending == 0 {
				break
			}
		}
	}
	return stats, c.fatal
}

// PositionedStore is a Store that keeps its own position in the stream
// (Committed) and can go back to it (Rollback): the collector then puts the
// durable consumer at the event after the last commit whenever it starts,
// and again when a delivery may have been lost, so that every event is
// stored once, in order. A Store without it (standard output) trusts the
// consumer's acknowledgements: after a crash it may write the last batch
// again.
type PositionedStore interface {
	Store
	// Rollback forgets what was written since the last commit.
	Rollback() error
}

// position makes (or for a positioned store, remakes) the consumer.
func (c *collector) position(ctx context.Context) error {
	o := c.o
	ackWait := time.Minute
	if aw, ok := c.st.(AckWaiter); ok {
		ackWait = max(ackWait, aw.AckWait())
	}
	cfg := jetstream.ConsumerConfig{
		Durable:       o.Durable,
		Description:   "rtmpscope collect",
		FilterSubject: o.Filter,
		AckPolicy:     jetstream.AckAllPolicy,
		AckWait:       ackWait,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		MaxAckPending: -1, // the store's commit interval bounds what is unacknowledged
	}
	var err error
	if c.ps == nil {
		c.cons, err = c.js.CreateOrUpdateConsumer(ctx, o.Stream, cfg)
	} else {
		if next := c.st.Committed() + 1; next > 1 {
			cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, next
		}
		if err := c.js.DeleteConsumer(ctx, o.Stream, o.Durable); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
			return fmt.Errorf("consumer %s on %s: %w", o.Durable, o.Stream, err)
		}
		c.cons, err = c.js.CreateConsumer(ctx, o.Stream, cfg)
	}
	if err != nil {
		return fmt.Errorf("consumer %s on %s: %w", o.Durable, o.Stream, err)
	}
	c.seen, c.delivered, c.pending, c.again, c.lost = c.st.Committed(), 0, nil, nil, false
	return nil
}

// reposition goes back to the last commit: the store forgets what came
// after it, and the consumer starts again after it.
func (c *collector) reposition(ctx context.Context) error {
	if c.ps == nil {
		c.lost = false // nothing to go back to: the acknowledgements decide
		return nil
	}
	if err := c.ps.Rollback(); err != nil {
		c.fatal = err
		return err
	}
	return c.position(ctx)
}

// collector is one Collect's state between batches.
type collector struct {
	st    Store
	o     *CollectOptions
	stats *CollectStats
	// seen is the highest stream sequence written (or committed before):
	// what comes again at or below it is skipped.
	seen uint64
	// pending is the last message written and not yet acknowledged
	// (AckAll: acknowledging it acknowledges everything before it);
	// again is the last one skipped, acknowledged when nothing is pending.
	pending, again jetstream.Msg
	fatal          error
	js             jetstream.JetStream
	cons           jetstream.Consumer
	ps             PositionedStore // nil: the store keeps no position
	// delivered is the consumer sequence of the last delivery; lost is
	// set when one may have gone missing (a jump, or a redelivery).
	delivered uint64
	lost      bool
}

func (c *collector) take(m jetstream.Msg) error {
	meta, err := m.Metadata()
	if err != nil {
		return fmt.Errorf("message on %s: %w", m.Subject(), err)
	}
	seq := meta.Sequence.Stream
	if c.ps != nil && ((c.delivered > 0 && meta.Sequence.Consumer != c.delivered+1) || meta.NumDelivered > 1) {
		// A delivery between went missing, or this one is a second try of
		// something perhaps never received: AckAll must not acknowledge
		// past it.
		c.lost = true
		return nil
	}
	c.delivered = meta.Sequence.Consumer
	if seq <= c.seen {
		c.stats.Skipped++
		c.again = m
		return nil
	}
	c.seen, c.pending = seq, m
	host, _, ok := SplitSubject(m.Subject())
	if !ok {
		c.stats.Foreign++
		return nil
	}
	// A token may hold characters a path must not ('/'): stores name
	// files after it.
	host = HostToken(host)
	if err := c.st.Write(seq, host, m.Data()); err != nil {
		return err
	}
	c.stats.Events++
	c.stats.ByHost[host]++
	if c.o.CrashAfter > 0 && c.stats.Events >= c.o.CrashAfter {
		c.fatal = ErrCrashed // no commit, no ack
		return ErrCrashed
	}
	return nil
}

// commit asks the store to commit and acknowledges what is durable.
func (c *collector) commit(ctx context.Context, force bool) error {
	ack := c.again
	if c.pending != nil {
		durable, err := c.st.Commit(c.seen, force)
		if err != nil {
			c.fatal = err
			return err
		}
		if !durable {
			return nil
		}
		ack = c.pending
	}
	if ack == nil {
		return nil
	}
	// Waiting for the server's reply makes "nothing pending" true for
	// --until-empty.
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := ack.DoubleAck(actx); err != nil {
		return err
	}
	c.pending, c.again = nil, nil
	return nil
}

// finish commits what is left when the collector stops.
func (c *collector) finish() {
	if c.fatal == nil {
		c.commit(context.Background(), true)
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
