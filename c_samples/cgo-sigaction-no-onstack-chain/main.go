// cgo-sigaction-no-onstack-chain: C installs a SIGINT handler without SA_ONSTACK that calls Go's: Go's handler finds itself on a goroutine stack and throws.
// Env: GODEBUG=asyncpreemptoff=1
// Send: SIGINT
// Output contains: fatal error: non-Go code set up signal handler without SA_ONSTACK flag
// Exit: 2
//
// The C handler calls the runtime's handler it replaced, as a well-behaved
// library should, but it was installed without SA_ONSTACK, so the kernel
// ran it on the interrupted goroutine's stack. The runtime's sigtrampgo
// checks where it runs (adjustSignalStack): not on the signal stack
// (gsignal), not on the alternate stack, not on the thread's g0 stack, so
// it calls sigNotOnStack, which throws. The main goroutine spins on the main
// thread, which is where the kernel puts a kill(2)ed SIGINT, so the signal
// lands on a goroutine stack. On an idle thread (g0 stack) the same handler
// is tolerated: that is why this crash looks intermittent in real programs.
// Here it is not: the runtime's threads are all started before READY, and
// with GODEBUG=asyncpreemptoff=1 no preemption ever takes the main thread
// off the goroutine's stack or leaves a SIGURG pending there (a thread that
// is off the CPU with a signal pending is passed over by the kernel). With
// async preemption on, a few runs in a hundred survive on a busy machine.
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
	sa.sa_flags = SA_SIGINFO;
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
