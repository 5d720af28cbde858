//go:build unix

package capture

import (
	"os"
	"syscall"
)

var pageSize = os.Getpagesize()

// mapFile maps f (of size bytes) read-only, or returns nil when it cannot
// be (an empty file, a file system without mmap): the caller reads it the
// ordinary way.
func mapFile(f *os.File, size int64) []byte {
	if size <= 0 || int64(int(size)) != size {
		return nil
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_PRIVATE)
	if err != nil {
		return nil
	}
	// Read ahead from disk when the file is not in the page cache.
	_ = syscall.Madvise(b, syscall.MADV_SEQUENTIAL)
	return b
}

// unmapFile undoes mapFile.
func unmapFile(b []byte) error { return syscall.Munmap(b) }

// dropPages removes b's pages from the process's resident set. The page
// cache keeps them; touching them again reads them from there.
func dropPages(b []byte) { _ = syscall.Madvise(b, syscall.MADV_DONTNEED) }
