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
package main

/*
#define _GNU_SOURCE
#include <signal.h>
#include <unistd.h>
#include <sys/syscall.h>

static int block_all_signals(void) {
	sigset_t set;
	sigfillset(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return (int)syscall(SYS_gettid);
}
*/
import "C"

import (
	"flag"
	"fmt"
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

func main() {
	noBlock := flag.Bool("no-block", false, "leave the spinning goroutine's thread mask alone")
	flag.Parse()
	tid := make(chan int)
	go func() {
		runtime.LockOSThread() // the spin runs on the thread whose mask C changed
		if *noBlock {
			tid <- syscall.Gettid()
		} else {
			tid <- int(C.block_all_signals())
		}
		spin()
	}()
	t := <-tid
	if *noBlock {
		fmt.Println("spinning on tid", t)
	} else {
		fmt.Println("blocked every signal on tid", t)
	}
	fmt.Println("READY")
	time.Sleep(50 * time.Millisecond)
	fmt.Println("GC started")
	start := time.Now()
	runtime.GC()
	fmt.Println("GC finished in", time.Since(start).Round(time.Microsecond))
}
