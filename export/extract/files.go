package extract

import (
	"container/list"
	"fmt"
	"io"
	"os"
)

// DefaultMaxOpenFiles is how many output files an Extractor keeps open at
// once (ExtractOptions.MaxOpenFiles).
const DefaultMaxOpenFiles = 128

// A capture can hold thousands of streams open at the same time (10,000
// idle streams stopped extract with "too many open files" after 1014
// files). So a stream's file is a lazyFile: it is opened when written and
// may be closed again whenever more than MaxOpenFiles are open (least
// recently written first), and reopened at its end when the stream writes
// again. Writes go through in order, so the file's bytes are the same.

// filePool bounds the open files of one Extractor.
type filePool struct {
	max int
	lru *list.List // of *lazyFile, most recently used at the front
}

func newFilePool(max int) *filePool {
	if max <= 0 {
		max = DefaultMaxOpenFiles
	}
	return &filePool{max: max, lru: list.New()}
}

// create returns the file at path, created (truncated) by its first
// write: a stream whose bytes fit in its writer's buffer until it ends
// costs one open, not an open, a close to make room and a reopen.
func (p *filePool) create(path string) (*lazyFile, error) {
	return &lazyFile{pool: p, path: path}, nil
}

// makeRoom closes the least recently used files until one more fits.
func (p *filePool) makeRoom() {
	for p.lru.Len() >= p.max {
		el := p.lru.Back()
		lf := el.Value.(*lazyFile)
		lf.suspend()
	}
}

// lazyFile is an output file that may be closed between writes.
type lazyFile struct {
	pool    *filePool
	path    string
	created bool
	f       *os.File      // nil before the first write and while suspended
	el      *list.Element // in pool.lru while open
	err     error         // the error that closing it for room met
}

// suspend closes the file to make room; the next write reopens it.
func (lf *lazyFile) suspend() {
	if lf.f == nil {
		return
	}
	if err := lf.f.Close(); err != nil && lf.err == nil {
		lf.err = fmt.Errorf("closing %s to make room: %w", lf.path, err)
	}
	lf.f = nil
	lf.pool.lru.Remove(lf.el)
	lf.el = nil
}

// file returns the open file, reopening it at its end if it was suspended.
func (lf *lazyFile) file() (*os.File, error) {
	if lf.err != nil {
		return nil, lf.err
	}
	if lf.f != nil {
		lf.pool.lru.MoveToFront(lf.el)
		return lf.f, nil
	}
	lf.pool.makeRoom()
	if !lf.created {
		f, err := os.Create(lf.path)
		if err != nil {
			lf.err = err
			return nil, err
		}
		lf.created = true
		lf.f = f
		lf.el = lf.pool.lru.PushFront(lf)
		return f, nil
	}
	f, err := os.OpenFile(lf.path, os.O_WRONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("reopening %s: %w", lf.path, err)
	}
	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		f.Close()
		return nil, fmt.Errorf("reopening %s: %w", lf.path, err)
	}
	lf.f = f
	lf.el = lf.pool.lru.PushFront(lf)
	return f, nil
}

// Write appends to the file.
func (lf *lazyFile) Write(b []byte) (int, error) {
	f, err := lf.file()
	if err != nil {
		return 0, err
	}
	return f.Write(b)
}

// WriteAt writes at an offset (the FLV header's flags on close).
func (lf *lazyFile) WriteAt(b []byte, off int64) (int, error) {
	f, err := lf.file()
	if err != nil {
		return 0, err
	}
	return f.WriteAt(b, off)
}

// Close closes the file for good (creating it, empty, if nothing was
// ever written).
func (lf *lazyFile) Close() error {
	if !lf.created && lf.err == nil {
		if _, err := lf.file(); err != nil {
			return err
		}
	}
	err := lf.err
	if lf.f != nil {
		if e := lf.f.Close(); err == nil {
			err = e
		}
		lf.pool.lru.Remove(lf.el)
		lf.f, lf.el = nil, nil
	}
	return err
}
