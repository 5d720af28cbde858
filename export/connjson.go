package export

import (
	"time"
)

// SchemaVersion is the version of the JSON event schema (docs/json-schema.md).
const SchemaVersion = 1

// FormatTime is how every exported capture time is written: RFC 3339 with
// nanoseconds, in UTC.
func FormatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
