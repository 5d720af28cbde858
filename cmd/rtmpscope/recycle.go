package main

import (
	"os"

	"github.com/rtmpscope/rtmpscope/dissect"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

// recycleBodies says whether every sink of a messages run lets go of a
// record when its Record returns, so that the dissector may assemble the
// next message bodies in the buffers of the last (pipeline.Config.
// RecycleBodies): the text, -V, -x, NDJSON and fields views encode each
// record at once. Parquet keeps rows for its row groups, the metrics and
// NATS sinks and -w with -Y work beside the view and are left out, to be
// safe.
func recycleBodies(format string, metrics, publish, writeMatched bool) bool {
	switch format {
	case "text", "ndjson", "json", "fields":
	default:
		return false
	}
	return !metrics && !publish && !writeMatched
}

// sparseVideo says whether a messages run may assemble video frames with
// only the bytes decoding reads (dissect.Options.SparseVideo): the text
// lines, -V trees, JSON events and -T fields show what is decoded from a
// frame, never its bytes, unless -x (text) or --payload (JSON) asks for
// them. The metrics, NATS and -w with -Y sinks beside them read no body
// bytes either (NATS lines carry the payload only with --payload).
func sparseVideo(format string, hex bool, payload string) bool {
	switch format {
	case "text":
		return !hex
	case "ndjson", "json":
		return payload == ""
	case "fields":
		return true // display filter fields are decoded values, never bytes
	}
	return false
}

// RTMPSCOPE_BODIES is for tests that hold the choices above to account
// (TestBodiesReusedSameOutput): "whole" assembles every body whole and
// never reuses one (the reference), "poison" overwrites every body given
// back and pools the small ones too (dissect.BodyPool.Poison, All), so
// that a view reading a body after it was given back, or a byte a sparse
// frame does not hold, prints something else.
func bodiesForTests(cfg *pipeline.Config) {
	switch os.Getenv("RTMPSCOPE_BODIES") {
	case "whole":
		cfg.Dissect.SparseVideo = false
	case "poison":
		pool := dissect.NewBodyPool()
		pool.Poison, pool.All = true, true
		cfg.Dissect.Bodies = pool
	}
}

// recycle turns on body reuse for a run whose sinks let go of every record
// (recycleBodies), unless RTMPSCOPE_BODIES=whole.
func recycle(p *pipeline.Pipeline) {
	if os.Getenv("RTMPSCOPE_BODIES") != "whole" {
		p.RecycleBodies()
	}
}
