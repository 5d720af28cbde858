//go:build unix && !linux

package capture

// hugePages is Linux's (mapped_linux.go).
func hugePages([]byte) {}
