//go:build unix

package capture

import (
	"os"

	"golang.org/x/sys/unix"
)

var pageSize = os.Getpagesize()

// mapFile maps f (of size bytes) read-only, or returns nil when it cannot
// be (an empty file, a file system without mmap): the caller reads it the
// ordinary way. (x/sys/unix, not syscall: syscall has no Madvise on macOS
// or the BSDs.)
func mapFile(f *os.File, size int64) []byte {
	if size <= 0 || int64(int(size)) != size {
		return nil
	}
	b, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_PRIVATE)
	if err != nil {
		return nil
	}
	// Read ahead from disk when the file is not in the page cache.
	_ = unix.Madvise(b, unix.MADV_SEQUENTIAL)
	hugePages(b)
	return b
}

// unmapFile undoes mapFile.
func unmapFile(b []byte) error { return unix.Munmap(b) }

// dropPages removes b's pages from the process's resident set. The page
// cache keeps them; touching them again reads them from there.
func dropPages(b []byte) { _ = unix.Madvise(b, unix.MADV_DONTNEED) }
