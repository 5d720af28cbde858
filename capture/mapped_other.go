//go:build !unix

package capture

import "os"

const pageSize = 4096

func mapFile(*os.File, int64) []byte { return nil }
func unmapFile([]byte) error         { return nil }
func dropPages([]byte)               {}
