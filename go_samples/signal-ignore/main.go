// signal-ignore: signal.Ignore(os.Interrupt) sets SIGINT to SIG_IGN; Ctrl+C does nothing at all.
// Send: tty ^C
// Exit: survives
// Wait: 1
// Output lacks: got signal
package main

import (
	"fmt"
	"os"
	"os/signal"
	"time"
)

func main() {
	signal.Ignore(os.Interrupt)
	fmt.Println("READY")
	for {
		time.Sleep(time.Second)
	}
}
