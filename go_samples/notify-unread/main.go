// notify-unread: Notify on a channel nobody reads; Ctrl+C no longer kills it, the program lives on.
// Send: tty ^C
// Exit: survives
// Wait: 1
//
// Notify takes SIGINT away from the default action. os/signal.process sends
// to the channel without blocking: the first signal waits in the buffer for
// a reader that never comes, and later ones find it full and are dropped
// (notify-late-reader shows both). Ctrl+C now looks dead.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"time"
)

func main() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	fmt.Println("READY")
	for {
		time.Sleep(time.Second)
	}
}
