package main

import (
	"strings"
	"testing"
)

// The key flags reach their handlers: each encrypted or tunnelled variant
// captured for real shows the same RTMP conversation as plain RTMP, and
// without keys says that it is encrypted and invents nothing.
func TestVariantsThroughTheCommand(t *testing.T) {
	for _, tc := range []struct {
		capture, flag, keys string
		want                []string
		without             string // a diagnostic code shown without keys
		plain               int    // connects on plain legs in the same capture
	}{
		{"rtmps-tls13-publish.pcap", "--tls-keylog", "rtmps-tls13-publish.keys", []string{"rtmps over tcp", "connect#1", "publish#", "NetStream.Publish.Start", "AVC keyframe seq hdr"}, "tls.encrypted", 0},
		{"rtmps-tls13-dsb.pcapng", "", "", []string{"rtmps over tcp", "connect#1", "NetStream.Publish.Start"}, "", 0},
		{"rtmpe-play.pcap", "--rtmpe-keys", "rtmpe-play.keys", []string{"rtmpe over tcp", "connect#1", "play#", "NetStream.Play.Start"}, "rtmpe.encrypted", 1},
		{"rtmfp-publish.pcap", "--rtmfp-keys", "rtmfp-publish.keys", []string{"rtmfp over udp", "connect#1", "publish ", "NetStream.Publish.Start", "AAC seq hdr"}, "rtmfp.encrypted", 0},
		{"rtmpt-proxy.pcap", "", "", []string{"rtmpt over http-tunnel", "connect#1", "NetStream.Publish.Start"}, "", 0},
	} {
		args := []string{"-r", need(t, tc.capture), "--no-tui"}
		if tc.flag != "" {
			args = append(args, tc.flag, need(t, tc.keys))
		}
		out, errOut, code := rtmpscope(t, args...)
		if code != 0 {
			t.Errorf("%s: exit %d: %s", tc.capture, code, errOut)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: output lacks %q", tc.capture, w)
			}
		}
		if tc.without == "" {
			continue
		}
		out, _, _ = rtmpscope(t, "-r", need(t, tc.capture), "--no-tui")
		if !strings.Contains(out, tc.without) || strings.Count(out, " connect#1 ") != tc.plain {
			t.Errorf("%s without keys: want %s and no messages", tc.capture, tc.without)
		}
	}
}
