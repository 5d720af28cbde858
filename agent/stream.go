package agent

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// DefaultEventStream is the JetStream stream that holds the events of
// every host; DefaultJobStream holds the work queue's jobs.
const (
	DefaultEventStream = "RTMPSCOPE"
	DefaultJobStream   = "RTMPSCOPE_JOBS"
)

// EventSubjects is the subject filter of the event stream: every host,
// every kind (rtmpscope.<host>.<kind>).
const EventSubjects = SubjectPrefix + ".*.*"

// JobSubject is the one subject of the work queue. It has two tokens, so
// it never overlaps EventSubjects.
const JobSubject = SubjectPrefix + ".jobs"

// EnsureEventStream makes the event stream when it does not exist yet: file
// storage, limits retention (nothing is deleted until an operator sets
// limits: `nats stream edit RTMPSCOPE --max-age 30d`). An existing stream is
// used as it is, never changed, so that an operator's settings (replicas,
// limits, placement) stay.
func EnsureEventStream(ctx context.Context, js jetstream.JetStream, name string) (jetstream.Stream, error) {
	return ensureStream(ctx, js, jetstream.StreamConfig{
		Name:        name,
		Description: "rtmpscope events: rtmpscope.<host>.<kind>, one NDJSON line each (docs/json-schema.md)",
		Subjects:    []string{EventSubjects},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
	})
}

// EnsureJobStream makes the work queue's stream when it does not exist:
// work-queue retention, so that a job is deleted once a worker acks it.
func EnsureJobStream(ctx context.Context, js jetstream.JetStream, name string) (jetstream.Stream, error) {
	return ensureStream(ctx, js, jetstream.StreamConfig{
		Name:        name,
		Description: "rtmpscope work queue: one capture sequence per message",
		Subjects:    []string{JobSubject},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.WorkQueuePolicy,
	})
}

func ensureStream(ctx context.Context, js jetstream.JetStream, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	s, err := js.Stream(ctx, cfg.Name)
	if err == nil {
		return s, nil
	}
	if !errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil, fmt.Errorf("stream %s: %w", cfg.Name, err)
	}
	s, err = js.CreateStream(ctx, cfg)
	if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
		// Another agent made it at the same moment.
		s, err = js.Stream(ctx, cfg.Name)
	}
	if err != nil {
		return nil, fmt.Errorf("create stream %s (%s): %w", cfg.Name, cfg.Subjects[0], err)
	}
	return s, nil
}
