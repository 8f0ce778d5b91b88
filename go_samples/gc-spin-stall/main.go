// gc-spin-stall: with async preemption off, a GC waits for a spinning goroutine, and the Notify receiver waits with it.
// Env: GODEBUG=asyncpreemptoff=1 GOMAXPROCS=2
// Send: tty ^C
// Output contains: got signal: interrupt
// Exit: 130
// Wait: 15
//
// spinChunk's loop makes no calls, so it has no preemption point. A GC's
// stop-the-world must wait until the spinner calls runtime.Gosched between
// chunks; meanwhile no goroutine runs, including the one reading the channel.
// (Without the Gosched the first GC would stop the world forever.)
package main

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"

	"sigcamp/internal/stamp"
)

var sink uint64

//go:noinline
func spinChunk(n uint64) uint64 {
	x := sink
	for i := uint64(0); i < n; i++ {
		x = x*2862933555777941757 + 3037000493
	}
	return x
}

func main() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	go func() {
		for {
			sink = spinChunk(1 << 30)
			runtime.Gosched()
		}
	}()
	go func() {
		for {
			runtime.GC()
		}
	}()
	fmt.Println("READY")
	sig := <-sigs
	stamp.Print("received")
	fmt.Println("got signal:", sig)
	os.Exit(130)
}
