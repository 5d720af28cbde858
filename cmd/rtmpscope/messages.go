package main

import (
	"context"
	"io"
)

func runMessages(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runConns(ctx, args, stdout, stderr)
}
