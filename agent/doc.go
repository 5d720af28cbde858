// Package agent ships rtmpscope's events off the machine and brings them
// back together, on NATS JetStream:
//
//   - a Publisher (publish.go) sends every event as its NDJSON line to the
//     subject rtmpscope.<host>.<kind> through a bounded Queue (queue.go)
//     that drops audio/video messages before session events when the
//     broker is slow, and counts what it dropped;
//   - a Collector (collect.go) reads those subjects with a durable consumer
//     and writes them to one store, so that many capture hosts feed it;
//   - a work queue (jobs.go, worker.go) hands capture sequences to as many
//     `rtmpscope work` processes as are running, each writing its output
//     atomically, so that a job delivered twice does no harm.
//
// The broker's clustering, persistence and authentication are NATS's; this
// package only uses them (connect.go, stream.go). docs/deploying.md draws
// both designs.
package agent
