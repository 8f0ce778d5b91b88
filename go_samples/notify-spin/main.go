// notify-spin: with one P (GOMAXPROCS=1) a spinning goroutine delays the Notify receiver until sysmon preempts it.
// Env: GOMAXPROCS=1
// Send: tty ^C
// Output contains: got signal: interrupt
// Exit: 130
//
// The runtime's handler runs at once, but the goroutine that receives from the
// channel needs a P. The spinner holds the only one until sysmon's retake
// preempts it with SIGURG: once it has run past its 10 ms slice, as sysmon sees
// on its own period of up to 10 ms, so a Ctrl+C waits anywhere from near 0 to
// about 20 ms. With GODEBUG=asyncpreemptoff=1 that never happens and the
// receive never comes, although the program is still running.
package main

import (
	"fmt"
	"os"
	"os/signal"

	"sigcamp/internal/stamp"
)

var counter uint64

func main() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	go func() {
		sig := <-sigs
		stamp.Print("received")
		fmt.Println("got signal:", sig)
		os.Exit(130)
	}()
	fmt.Println("READY")
	for {
		counter++
	}
}
