// notify-unread: Notify on a channel nobody reads; the signal is caught and dropped, the program lives on.
// Send: tty ^C
// Exit: survives
// Wait: 1
//
// Notify takes SIGINT away from the default action. os/signal.process sends
// to the channel without blocking: with nobody receiving, the buffer fills
// and later signals are dropped. Ctrl+C now looks dead.
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
