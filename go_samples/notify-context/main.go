// notify-context: signal.NotifyContext cancels a context on Ctrl+C; the program exits 130.
// Send: tty ^C
// Output contains: cancelled: interrupt signal received
// Exit: 130
//
// Call stop() as soon as the context is done: until then Ctrl+C stays
// captured, and a second one would be swallowed silently.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"time"

	"sigcamp/internal/stamp"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	fmt.Println("READY")
	select {
	case <-ctx.Done():
		stamp.Print("received")
		stop()
		fmt.Println("cancelled:", context.Cause(ctx))
		os.Exit(130)
	case <-time.After(time.Minute):
		fmt.Println("no signal")
	}
}
