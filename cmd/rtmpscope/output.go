package main

import (
	"io"

	"github.com/rtmpscope/rtmpscope/export"
)

// connWriter writes each connection record as it closes; write is nil for
// the text table, which is written at the end in connection order.
type connWriter struct {
	write func(export.ConnRecord)
	close func() error
}

func newConnWriter(format string, stdout io.Writer) (connWriter, error) {
	switch format {
	case "text":
		return connWriter{close: func() error { return nil }}, nil
	case "ndjson", "json":
		jw := export.NewJSONWriter(stdout, format == "json")
		return connWriter{
			write: func(r export.ConnRecord) {
				if b, err := export.MarshalConn(r); err == nil {
					jw.Write(b)
				}
			},
			close: jw.Close,
		}, nil
	}
	return connWriter{}, usagef("-T %s: unknown format (text, ndjson, json)", format)
}
