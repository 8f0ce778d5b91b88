// spin-no-notify: a goroutine spinning in `for {}` with no signal.Notify still dies at once on Ctrl+C.
// Send: tty ^C
// Exit: killed by SIGINT
//
// The runtime installs its handler for SIGINT at start-up. Without Notify the
// handler (which needs no P and no scheduler) calls dieFromSignal, which raises
// SIGINT again; the runtime then puts back the default action and raises it once
// more, and the kernel kills the process.
package main

import "fmt"

var counter uint64

func main() {
	fmt.Println("READY")
	for {
		counter++
	}
}
