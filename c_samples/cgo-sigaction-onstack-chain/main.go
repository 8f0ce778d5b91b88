// cgo-sigaction-onstack-chain: C installs a SIGINT handler with SA_ONSTACK that calls Go's: both run, and Notify gets the signal.
// Env: GODEBUG=asyncpreemptoff=1
// Send: SIGINT
// Output contains: C handler ran 1 times
// Output contains: Notify got interrupt
// Exit: 0
//
// The right way for C code to add its own SIGINT handling to a Go program:
// SA_ONSTACK, so the handler runs on the thread's signal stack (the
// runtime's gsignal, installed with sigaltstack), and a call to the action
// it replaced, so the runtime's handler runs too and hands the signal to
// os/signal.
package main

/*
#include <signal.h>
#include <string.h>

int c_runs;                         // how many times c_handler ran (read from Go)
static struct sigaction before;     // the action c_handler replaced: the runtime's

static void c_handler(int sig, siginfo_t *info, void *ctx) {
	__atomic_add_fetch(&c_runs, 1, __ATOMIC_SEQ_CST);
	before.sa_sigaction(sig, info, ctx); // chain to the runtime's handler
}

static void install_c_handler(void) {
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = c_handler;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &before);
}
*/
import "C"

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"sync/atomic"
	"time"
	"unsafe"
)

// The main goroutine stays on the main thread, which is where the kernel
// delivers a kill(2)ed signal when that thread does not block it.
func init() { runtime.LockOSThread() }

var sink uint64
var notified int32 // set once the Notify channel delivers SIGINT

func main() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	C.install_c_handler()
	go func() {
		<-sigs
		atomic.StoreInt32(&notified, 1)
	}()
	// Let the runtime start its threads first: a thread that creates another
	// blocks every signal meanwhile (_cgo_sys_thread_start), and the kernel
	// then gives a kill(2)ed signal to some other thread.
	time.Sleep(100 * time.Millisecond)
	fmt.Println("READY")
	// Spin with no calls, so the main thread stays on the goroutine's stack:
	// with async preemption off, nothing but a signal interrupts it.
	runs := (*int32)(unsafe.Pointer(&C.c_runs))
	for i := 0; i < 1<<33 && atomic.LoadInt32(runs) == 0 && atomic.LoadInt32(&notified) == 0; i++ {
		sink += uint64(i)
	}
	time.Sleep(200 * time.Millisecond) // time for the other handler to show up
	fmt.Println("C handler ran", atomic.LoadInt32(runs), "times")
	fmt.Println("Notify got", map[int32]string{0: "nothing", 1: "interrupt"}[atomic.LoadInt32(&notified)])
}
