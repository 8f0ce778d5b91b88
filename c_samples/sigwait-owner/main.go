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
// SIGTERM is left to the runtime: it kills the program.
package main

/*
int owner_blocked_early(void);
int owner_block_here(void);
int owner_poll_once(void);
int owner_start(void);
*/
import "C"

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
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
	if C.owner_start() != 0 {
		fmt.Println("pthread_create failed")
		os.Exit(1)
	}
	if notify == "notify-after" {
		notifyUSR1()
	}
	fmt.Printf("mode %s, notify %q, blocked in constructor %v\n", mode, notify, C.owner_blocked_early() == 1)
	fmt.Println("READY")
	select {}
}
