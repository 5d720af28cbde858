//go:build !linux && !pcap

package capture

import "errors"

// OpenLive is not available in the pure-Go build outside Linux.
func OpenLive(o LiveOptions) (LiveSource, error) {
	return nil, errors.New("live capture needs Linux, or a build with -tags pcap (libpcap)")
}

// LiveFilterInKernel says the backend compiles FilterExpr itself.
const LiveFilterInKernel = false
