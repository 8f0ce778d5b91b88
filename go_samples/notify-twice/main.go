// notify-twice: the first Ctrl+C starts a graceful shutdown, a second one forces the exit.
// Send: tty ^C; tty ^C after "again to force"
// Output contains: shutting down
// Output lacks: clean exit
// Exit: 130
//
// signal.Notify keeps delivering after the first signal, so the same channel
// carries the second Ctrl+C while the slow shutdown runs.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"time"

	"sigcamp/internal/stamp"
)

func main() {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt)
	fmt.Println("READY")
	<-sigs
	fmt.Println("shutting down (press Ctrl+C again to force)")
	select {
	case <-sigs:
		stamp.Print("received")
		fmt.Println("forced")
		os.Exit(130)
	case <-time.After(30 * time.Second): // a slow flush, a stuck connection...
		fmt.Println("clean exit")
	}
}
