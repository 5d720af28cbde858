package main

import (
	"bytes"
	"testing"
	"time"
)

func TestProgressLine(t *testing.T) {
	cases := []struct {
		read, size        int64
		packets, messages uint64
		elapsed           time.Duration
		want              string
	}{
		{412e6, 1001e6, 1234567, 98765, 2 * time.Second, "read 412 MB of 1.0 GB (41%)  1,234,567 packets  98,765 messages  206 MB/s  3s left"},
		{0, 2048, 0, 0, 0, "read 0 B of 2 kB (0%)  0 packets"},
		{999, 1000, 12, 0, time.Second, "read 999 B of 1 kB (100%)  12 packets  999 B/s  0s left"},
	}
	for _, c := range cases {
		if got := progressLine(c.read, c.size, c.packets, c.messages, c.elapsed); got != c.want {
			t.Errorf("progressLine(%d, %d, ...) =\n %q\nwant\n %q", c.read, c.size, got, c.want)
		}
	}
	for n, want := range map[uint64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567"} {
		if got := groupDigits(n); got != want {
			t.Errorf("groupDigits(%d) = %q, want %q", n, got, want)
		}
	}
}

// Progress is drawn only for a person watching: never into a buffer.
func TestProgressSilentWhenNotATerminal(t *testing.T) {
	var out, errb bytes.Buffer
	stop := startProgress(&out, &errb, nil, &counters{})
	stop()
	if errb.Len() != 0 {
		t.Errorf("progress written to a non-terminal: %q", errb.String())
	}
}
