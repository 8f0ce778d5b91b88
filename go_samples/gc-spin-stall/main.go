// gc-spin-stall: with async preemption off, a GC's stop-the-world waits for a goroutine spinning without preemption points, and the Notify receiver waits with it.
// Env: GODEBUG=asyncpreemptoff=1 GOMAXPROCS=2
// Send: tty ^C
// Output contains: got signal: interrupt
// Output contains: longest stop-the-world stop:
// Exit: 130
// Wait: 15
//
// spinChunk's loop makes no calls, so it has no preemption point. A GC's
// stop-the-world must wait until the spinner calls runtime.Gosched between
// chunks; meanwhile no goroutine runs, including the os/signal loop and the
// one reading the channel. (Without the Gosched the first GC would stop the
// world forever.)
//
// READY comes once the spinner is inside its first chunk and the GC goroutine
// has been started, so a Ctrl+C sent at READY always meets a world that is
// being stopped. Flags change one thing at a time:
//
//	-gc=false      no goroutine calls runtime.GC: the control run
//	-ready=early   READY before the spinner has started (the receive then
//	               races the spinner's first chunk)
//	-chunk=N       iterations per chunk (default 1<<26, about 0.1 s)
//
// Once it has received the signal it prints when each of the spinner's chunks
// ended (STAMP chunk-N: the only moments the spinner could be stopped) and the
// longest "stopping" time of the GC's stop-the-worlds so far (runtime/metrics
// /sched/pauses/stopping/gc:seconds, read right after the receive): how long
// the runtime waited for every P to stop.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	_ "unsafe" // for go:linkname

	"sigcamp/internal/stamp"
)

// nanotime is the runtime's CLOCK_MONOTONIC reading. It is nosplit, so calling
// it is not a preemption point: the spinner can note the end of a chunk before
// it reaches runtime.Gosched, where the GC can stop it.
//
//go:linkname nanotime runtime.nanotime
func nanotime() int64

var (
	sink      uint64
	chunkEnds [1 << 12]atomic.Int64
	chunks    atomic.Int64
	received  atomic.Bool
)

//go:noinline
func spinChunk(n uint64) uint64 {
	x := sink
	for i := uint64(0); i < n; i++ {
		x = x*2862933555777941757 + 3037000493
	}
	return x
}

func spin(chunk uint64, spinning chan<- struct{}) {
	stamp.Print("spinning")
	close(spinning)
	for {
		sink = spinChunk(chunk)
		chunkEnds[chunks.Load()%int64(len(chunkEnds))].Store(nanotime())
		chunks.Add(1)
		runtime.Gosched()
	}
}

// printChunkEnds prints STAMP chunk-N for the last few of the first n chunks.
func printChunkEnds(n int64) {
	for i := max(0, n-8); i < n; i++ {
		fmt.Printf("STAMP chunk-%d %d\n", i+1, chunkEnds[i%int64(len(chunkEnds))].Load())
	}
}

// collect runs one GC after another until the signal has been received. (Left
// running, back-to-back cycles can starve the main goroutine for seconds after
// its receive: a GC worker and the goroutine runtime.GC wakes run before it.)
func collect() {
	for !received.Load() {
		runtime.GC()
	}
}

// longestStop reads the runtime's histogram of GC stop-the-world stopping
// times: the bounds of its highest non-empty bucket, and how many pauses it holds.
func longestStop() (lo, hi float64, pauses uint64) {
	s := []metrics.Sample{{Name: "/sched/pauses/stopping/gc:seconds"}}
	metrics.Read(s)
	h := s[0].Value.Float64Histogram()
	for i, n := range h.Counts {
		pauses += n
		if n > 0 {
			lo, hi = h.Buckets[i], h.Buckets[i+1]
		}
	}
	return lo, hi, pauses
}

func main() {
	gc := flag.Bool("gc", true, "run a goroutine that calls runtime.GC in a loop")
	ready := flag.String("ready", "spinning", "when to print READY: spinning or early")
	chunk := flag.Uint64("chunk", 1<<26, "iterations of each call-free chunk")
	flag.Parse()

	if *ready != "spinning" && *ready != "early" {
		fmt.Fprintln(os.Stderr, "-ready must be spinning or early")
		os.Exit(2)
	}

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	spinning := make(chan struct{})
	go spin(*chunk, spinning)
	if *ready == "spinning" {
		<-spinning // the spinner is inside its first chunk
	}
	if *gc {
		go collect() // the next goroutine this P runs, once main blocks below
	}
	fmt.Println("READY")
	sig := <-sigs
	at := nanotime() // read before anything else can stop this goroutine
	received.Store(true)
	ended := chunks.Load()
	lo, hi, n := longestStop()
	fmt.Printf("STAMP received %d\n", at)
	printChunkEnds(ended)
	if n > 0 {
		fmt.Printf("longest stop-the-world stop: %.3f-%.3f ms (%d GC stop-the-worlds)\n", lo*1e3, hi*1e3, n)
	} else {
		fmt.Println("longest stop-the-world stop: none (0 GC stop-the-worlds)")
	}
	fmt.Println("got signal:", sig)
	os.Exit(130)
}
