// sigwait-owner: a C thread owns SIGUSR1 with sigwaitinfo; it gets every one only if SIGUSR1 was blocked before the runtime started.
// Args: constructor
// Send: SIGUSR1; SIGUSR1 after "C owner got SIGUSR1"; SIGTERM after "C owner got SIGUSR1"
// Output contains: C owner thread tid
// Output contains: sigtimedwait with a zero timeout: EAGAIN
// Output contains: C owner got SIGUSR1 (sigwaitinfo) on tid
// Output lacks: Go Notify got
// Exit: killed by SIGTERM
//
// sigwaitinfo takes a signal only if it is blocked in the waiting thread, and
// the kernel hands a process-directed signal to any thread that does not block
// it: every other thread must block it too. The first argument says how:
//   constructor  a C constructor blocks it before the runtime starts; every Go
//                thread inherits the mask (the runtime leaves SIGUSR1 alone)
//   late         main() calls C to block it on its current thread only
//   thread       only the owner thread blocks it
// With `notify` as second argument Go also calls signal.Notify(SIGUSR1) before
// the owner thread starts (`notify-after`: after), which unblocks it on the
// thread os/signal's ensureSigM starts. A SIGUSR1 that a Go thread takes without
// Notify is dropped by the runtime: nobody sees it.
// OWNER_WAIT=poll makes the owner poll instead, as the article patches it:
// sigtimedwait with a zero timeout, then nanosleep(10 us), forever.
// OWNER_IN=cgo runs the owner loop inside a cgo call of a goroutine instead
// (on a Go thread, which the runtime counts as in a system call); with
// GC_CHECK=1 the program then times runtime.GC() five times while the owner
// waits in C, which the article says its poll is needed for ("so that a GC's
// stop-the-world does not get stuck on the C stack").
// SIGTERM is left to the runtime: it kills the program.
package main

/*
int owner_blocked_early(void);
int owner_block_here(void);
int owner_poll_once(void);
int owner_start(void);
void owner_run_here(void);
*/
import "C"

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"
)

// notifyUSR1 asks os/signal for SIGUSR1; the first Notify starts the thread ensureSigM locks.
func notifyUSR1() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGUSR1)
	go func() {
		for range sigs {
			fmt.Println("Go Notify got SIGUSR1 on tid", syscall.Gettid())
		}
	}()
}

func main() {
	mode := "thread"
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	notify := ""
	if len(os.Args) > 2 {
		notify = os.Args[2]
	}
	if mode == "late" {
		fmt.Println("blocked SIGUSR1 late, on tid", C.owner_block_here())
	}
	if rc := C.owner_poll_once(); rc == C.int(syscall.EAGAIN) {
		fmt.Println("sigtimedwait with a zero timeout: EAGAIN (nothing pending)")
	}
	if notify == "notify" {
		notifyUSR1()
	}
	if os.Getenv("OWNER_IN") == "cgo" {
		go C.owner_run_here()
	} else if C.owner_start() != 0 {
		fmt.Println("pthread_create failed")
		os.Exit(1)
	}
	if notify == "notify-after" {
		notifyUSR1()
	}
	fmt.Printf("mode %s, notify %q, blocked in constructor %v\n", mode, notify, C.owner_blocked_early() == 1)
	fmt.Println("READY")
	if os.Getenv("GC_CHECK") == "1" {
		time.Sleep(100 * time.Millisecond) // the owner is in its wait by now
		var longest time.Duration
		for i := 0; i < 5; i++ {
			t0 := time.Now()
			runtime.GC()
			longest = max(longest, time.Since(t0))
		}
		fmt.Printf("runtime.GC() x5 while the owner waits in C: longest %d us\n", longest.Microseconds())
	}
	select {}
}
