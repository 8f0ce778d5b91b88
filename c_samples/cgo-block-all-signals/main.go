// cgo-block-all-signals: C blocks every signal on a spinning goroutine's thread; the next GC waits forever, with no panic.
// Send: nothing
// Output contains: blocked every signal on tid
// Output contains: GC started
// Output lacks: GC finished
// Output lacks: all goroutines are asleep
// Exit: survives
// Wait: 1.5
//
// C calls sigfillset and sigprocmask(SIG_BLOCK) on the thread of a goroutine
// that then spins in Go code with no function calls. Such a loop can only be
// stopped by asynchronous preemption: the runtime sends SIGURG to the thread
// (preemptM). That thread blocks SIGURG, so the signal stays pending in its
// SigPnd, the goroutine never stops, and runtime.GC(), which must stop the
// world, waits for it forever. Nothing is printed: no panic, no "all
// goroutines are asleep" (that is checkdead, for a program with nothing left
// to run). Ctrl+C still kills the program: SIGINT goes to another thread,
// and dying needs no stop-the-world. With -no-block the GC finishes at once.
//
// -block=SIGURG, -block=SIGUSR1 or -block=SIGWINCH blocks that one signal
// instead of all of them (the article says the runtime depends on each); -calls
// makes the spinner call a function in its loop, which gives the scheduler a
// synchronous preemption point that needs no signal.
package main

/*
#define _GNU_SOURCE
#include <signal.h>
#include <unistd.h>
#include <sys/syscall.h>

// block_signals blocks sig on the calling thread, or every signal when sig is 0.
static int block_signals(int sig) {
	sigset_t set;
	if (sig == 0) {
		sigfillset(&set);
	} else {
		sigemptyset(&set);
		sigaddset(&set, sig);
	}
	sigprocmask(SIG_BLOCK, &set, NULL);
	return (int)syscall(SYS_gettid);
}
*/
import "C"

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"time"
)

var sink uint64

func spin() {
	for {
		sink++ // no calls: only an asynchronous preemption (SIGURG) can stop it
	}
}

//go:noinline
func add() { sink++ }

// step is not a leaf, so the compiler gives it a stack check in its prologue
// (a small leaf function gets none); that check is where a goroutine asked to
// stop parks itself.
//
//go:noinline
func step() { add() }

func spinWithCalls() {
	for {
		step() // each call's prologue checks for a preemption request
	}
}

var blockable = map[string]C.int{"all": 0, "SIGURG": C.SIGURG, "SIGUSR1": C.SIGUSR1, "SIGWINCH": C.SIGWINCH}

func main() {
	noBlock := flag.Bool("no-block", false, "leave the spinning goroutine's thread mask alone")
	block := flag.String("block", "all", "what C blocks on the spinner's thread: all, SIGURG, SIGUSR1 or SIGWINCH")
	calls := flag.Bool("calls", false, "spin in a loop that calls a function")
	flag.Parse()
	sig, ok := blockable[*block]
	if !ok {
		fmt.Fprintln(os.Stderr, "-block: use all, SIGURG, SIGUSR1 or SIGWINCH")
		os.Exit(2)
	}
	tid := make(chan int)
	go func() {
		runtime.LockOSThread() // the spin runs on the thread whose mask C changed
		if *noBlock {
			tid <- syscall.Gettid()
		} else {
			tid <- int(C.block_signals(sig))
		}
		if *calls {
			spinWithCalls()
		}
		spin()
	}()
	t := <-tid
	switch {
	case *noBlock:
		fmt.Println("spinning on tid", t)
	case *block == "all":
		fmt.Println("blocked every signal on tid", t)
	default:
		fmt.Println("blocked", *block, "on tid", t)
	}
	fmt.Println("READY")
	time.Sleep(50 * time.Millisecond)
	fmt.Println("GC started")
	start := time.Now()
	runtime.GC()
	fmt.Println("GC finished in", time.Since(start).Round(time.Microsecond))
}
