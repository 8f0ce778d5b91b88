// notify-loop: a Notify loop prints every SIGUSR1 it receives and exits 130 on the first SIGINT.
// Send: SIGUSR1; tty ^C after "got signal: user defined signal 1"
// Output contains: got signal: user defined signal 1
// Output contains: got signal: interrupt
// Exit: 130
//
// The receiving goroutine (main) waits in a channel receive; the runtime's
// os/signal.loop goroutine hands each signal over. A good target for a
// debugger: idle, long-lived, and it still answers SIGINT after a detach.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGUSR1)
	fmt.Println("READY")
	for sig := range sigs {
		fmt.Println("got signal:", sig)
		if sig == os.Interrupt {
			os.Exit(130)
		}
	}
}
