module github.com/rtmpscope/rtmpscope

go 1.26.8

require (
	github.com/gopacket/gopacket v1.7.7
	github.com/spf13/pflag v1.0.10
	golang.org/x/net v0.62.0
)

require golang.org/x/sys v0.49.0 // indirect
