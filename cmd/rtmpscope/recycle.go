package main

// recycleBodies says whether every sink of a messages run lets go of a
// record when its Record returns, so that the dissector may assemble the
// next message bodies in the buffers of the last (pipeline.Config.
// RecycleBodies): the text, -V, -x and NDJSON views encode each record at
// once. Parquet keeps rows for its row groups, the metrics and NATS sinks
// and -w with -Y work beside the view and are left out, to be safe.
func recycleBodies(format string, metrics, publish, writeMatched bool) bool {
	switch format {
	case "text", "ndjson", "json":
	default:
		return false
	}
	return !metrics && !publish && !writeMatched
}
